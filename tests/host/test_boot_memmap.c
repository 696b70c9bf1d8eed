/*
 * tests/host/test_boot_memmap.c - memmap_convert(): UEFI -> kholab type
 * mapping, sorting, merging, overflow and phys_top.
 *
 * SOURCES: boot/memmap.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "boot/memmap.h"

/* Firmware descriptors are often larger than the struct: use 48 bytes. */
#define DSZ	48

struct fw_map {
	u8 bytes[DSZ * 700];
	u32 n;
};

/* Append a descriptor {type, base, pages} to @m. */
static void add(struct fw_map *m, u32 type, u64 base, u64 pages)
{
	struct efi_mdesc d = { .type = type, .phys_start = base, .pages = pages };

	memcpy(m->bytes + m->n * DSZ, &d, sizeof(d));
	m->n++;
}

static struct kholab_mmap_entry out[KHOLAB_MMAP_MAX];

/* convert_map - memmap_convert() of @m into out[], room for KHOLAB_MMAP_MAX. */
static int convert_map(const struct fw_map *m, u32 *n, u64 *top)
{
	return memmap_convert(m->bytes, m->n * DSZ, DSZ, out, KHOLAB_MMAP_MAX, n, top);
}

/* One firmware descriptor of a test map. */
struct fw_desc {
	u32 type;
	u64 base, pages;
};

/* convert - convert_map() of a firmware map holding @d[0..@nd) in order. */
static int convert(const struct fw_desc *d, u32 nd, u32 *n, u64 *top)
{
	static struct fw_map m;

	m.n = 0;
	for (u32 i = 0; i < nd; i++)
		add(&m, d[i].type, d[i].base, d[i].pages);
	return convert_map(&m, n, top);
}

/* expect_converted - convert() of @d[0..@nd) succeeds with @want_n entries and @want_top. */
static void expect_converted(const struct fw_desc *d, u32 nd, u32 want_n, u64 want_top)
{
	u32 n;
	u64 top;

	assert_int_equal(convert(d, nd, &n, &top), 0);
	assert_int_equal(n, want_n);
	assert_int_equal(top, want_top);
}

static void test_type_mapping(void **state)
{
	static const struct { u32 efi; u32 want; } rows[] = {
		{ EFI_MT_CONVENTIONAL, KHOLAB_MEM_USABLE },
		{ EFI_MT_BS_CODE, KHOLAB_MEM_USABLE },
		{ EFI_MT_BS_DATA, KHOLAB_MEM_USABLE },
		{ EFI_MT_LOADER_CODE, KHOLAB_MEM_USABLE },
		{ EFI_MT_LOADER_DATA, KHOLAB_MEM_USABLE },
		{ EFI_MT_ACPI_RECLAIM, KHOLAB_MEM_ACPI_RECLAIM },
		{ EFI_MT_ACPI_NVS, KHOLAB_MEM_ACPI_NVS },
		{ EFI_MT_UNUSABLE, KHOLAB_MEM_UNUSABLE },
		{ EFI_MT_RT_CODE, KHOLAB_MEM_RUNTIME },
		{ EFI_MT_RT_DATA, KHOLAB_MEM_RUNTIME },
		{ EFI_MT_MMIO, KHOLAB_MEM_MMIO },
		{ EFI_MT_MMIO_PORT, KHOLAB_MEM_MMIO },
		{ EFI_MT_PERSISTENT, KHOLAB_MEM_PERSISTENT },
		{ EFI_MT_RESERVED, KHOLAB_MEM_RESERVED },
		{ EFI_MT_PAL_CODE, KHOLAB_MEM_RESERVED },
		{ 0x70000000, KHOLAB_MEM_RESERVED },
		{ KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL), KHOLAB_MEM_KERNEL },
		{ KHOLAB_EFI_TYPE(KHOLAB_MEM_BOOTINFO), KHOLAB_MEM_BOOTINFO },
		{ KHOLAB_EFI_TYPE(KHOLAB_MEM_NR_TYPES), KHOLAB_MEM_RESERVED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		u32 got = memmap_kholab_type(rows[i].efi);

		if (got != rows[i].want)
			fail_msg("row %zu: EFI type %#x maps to %u, want %u", i, rows[i].efi,
				 got, rows[i].want);
	}
}

static void test_sort_and_keep_raw_type(void **state)
{
	static const struct fw_desc d[] = {
		{ EFI_MT_MMIO, 0xfec00000, 1 },
		{ EFI_MT_ACPI_NVS, 0x3000, 1 },
		{ KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL), 0x200000, 16 },
	};

	(void)state;
	/* MMIO does not count; the kernel range is the highest RAM. */
	expect_converted(d, 3, 3, 0x210000);
	assert_int_equal(out[0].base, 0x3000);
	assert_int_equal(out[0].type, KHOLAB_MEM_ACPI_NVS);
	assert_int_equal(out[0].efi_type, EFI_MT_ACPI_NVS);
	assert_int_equal(out[1].base, 0x200000);
	assert_int_equal(out[1].size, 16 * 4096);
	assert_int_equal(out[1].type, KHOLAB_MEM_KERNEL);
	assert_int_equal(out[1].efi_type, KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL));
	assert_int_equal(out[2].type, KHOLAB_MEM_MMIO);
}

static void test_merge_contiguous(void **state)
{
	/* Out of order: the middle piece arrives last and joins both sides. */
	static const struct fw_desc d[] = {
		{ EFI_MT_BS_DATA, 0x10000, 4 },
		{ EFI_MT_CONVENTIONAL, 0x0, 8 },
		{ EFI_MT_LOADER_CODE, 0x8000, 8 },
		{ EFI_MT_CONVENTIONAL, 0x14000, 4 },
	};

	(void)state;
	expect_converted(d, 4, 1, 0x18000);
	assert_int_equal(out[0].base, 0);
	assert_int_equal(out[0].size, 0x18000);
	assert_int_equal(out[0].type, KHOLAB_MEM_USABLE);
	assert_int_equal(out[0].efi_type, EFI_MT_CONVENTIONAL);	/* lowest piece's */
}

static void test_no_merge_gap_or_type(void **state)
{
	static const struct fw_desc d[] = {
		{ EFI_MT_CONVENTIONAL, 0x0, 1 },
		{ EFI_MT_CONVENTIONAL, 0x2000, 1 },	/* gap at 0x1000 */
		{ EFI_MT_RT_DATA, 0x3000, 1 },		/* different type */
		{ EFI_MT_ACPI_RECLAIM, 0x100000, 2 },
		{ EFI_MT_RESERVED, 0x200000, 0 },	/* empty: dropped */
	};

	(void)state;
	/* ACPI reclaim counts towards phys_top. */
	expect_converted(d, 5, 4, 0x102000);
	assert_int_equal(out[2].type, KHOLAB_MEM_RUNTIME);
}

static void test_too_many_entries(void **state)
{
	static struct fw_map m;
	u32 i, n;
	u64 top;

	(void)state;
	m.n = 0;
	/* Alternating types never merge: 513 entries. */
	for (i = 0; i <= KHOLAB_MMAP_MAX; i++)
		add(&m, i % 2 ? EFI_MT_CONVENTIONAL : EFI_MT_ACPI_NVS,
		    (u64)i * 4096, 1);
	assert_int_equal(convert_map(&m, &n, &top), -E2BIG);
	assert_int_equal(n, 0);

	/* 600 descriptors that merge down to a few fit. */
	m.n = 0;
	for (i = 0; i < 600; i++)
		add(&m, EFI_MT_CONVENTIONAL, (u64)i * 4096, 1);
	assert_int_equal(convert_map(&m, &n, &top), 0);
	assert_int_equal(n, 1);
	assert_int_equal(top, 600 * 4096);
}

static void test_malformed_map(void **state)
{
	static const struct fw_desc overlap[] = {
		{ EFI_MT_CONVENTIONAL, 0x0, 4 },
		{ EFI_MT_BS_DATA, 0x2000, 4 },	/* overlaps the first */
	};
	static const struct fw_desc wraps[] = {
		{ EFI_MT_CONVENTIONAL, 0xfffffffffffff000ULL, 2 },
	};
	struct fw_map m = { .n = 0 };
	u32 n;
	u64 top;

	(void)state;
	assert_int_equal(convert(overlap, 2, &n, &top), -EINVAL);
	assert_int_equal(convert(wraps, 1, &n, &top), -EINVAL);
	/* Stride smaller than a descriptor, and size not a multiple of it. */
	add(&m, EFI_MT_CONVENTIONAL, 0x0, 4);
	assert_int_equal(memmap_convert(m.bytes, 16, 16, out,
					KHOLAB_MMAP_MAX, &n, &top), -EINVAL);
	assert_int_equal(memmap_convert(m.bytes, DSZ + 1, DSZ, out,
					KHOLAB_MMAP_MAX, &n, &top), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_mapping),
		cmocka_unit_test(test_sort_and_keep_raw_type),
		cmocka_unit_test(test_merge_contiguous),
		cmocka_unit_test(test_no_merge_gap_or_type),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_malformed_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
