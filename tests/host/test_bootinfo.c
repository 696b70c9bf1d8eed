/*
 * tests/host/test_bootinfo.c - the kernel's boot-info validation.
 *
 * SOURCES: kernel/bootinfo.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <kernel/boot.h>
#include <kernel/layout.h>
#include "case_table.h"

static struct kholab_mmap_entry map[3] = {
	{ 0x0, 0x9f000, KHOLAB_MEM_USABLE, 7 },
	{ 0x100000, 0x3ff00000, KHOLAB_MEM_USABLE, 7 },
	{ 0xb0000000, 0x10000000, KHOLAB_MEM_RESERVED, 0 },
};

/* good_bi - a boot info that must validate. */
static struct kholab_bootinfo good_bi(void)
{
	struct kholab_bootinfo bi = {
		.magic = KHOLAB_BOOTINFO_MAGIC,
		.version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(struct kholab_bootinfo),
		.mmap_phys = 0x1000,
		.mmap_count = 3,
		.mmap_entry_size = sizeof(struct kholab_mmap_entry),
		.kernel_phys = 0x4000000,
		.cmdline_phys = 0x2000,
		.cmdline_len = 10,
	};
	return bi;
}

static void test_valid(void **state)
{
	struct kholab_bootinfo bi = good_bi();
	char why[160] = "";

	(void)state;
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), 0);
	assert_int_equal(bootinfo_check_map(map, 3, why, sizeof(why)), 0);
}

/*
 * struct bi_reject - good_bi() with one field set to @val must be refused
 * (-EINVAL); the reason must contain @contains[] (those not NULL) and,
 * when @is is not NULL, be exactly @is.
 */
struct bi_reject {
	const char *name;
	size_t off, len;		/* the field's place and size */
	u64 val;
	const char *contains[2];
	const char *is;
};

/* BI_ROW - a bi_rejects[] row setting member @m to @v; then .contains / .is. */
#define BI_ROW(case_name, m, v, ...)							\
	{ .name = (case_name), .off = offsetof(struct kholab_bootinfo, m),		\
	  .len = sizeof(((struct kholab_bootinfo *)0)->m), .val = (v), __VA_ARGS__ }

static struct bi_reject bi_rejects[] = {
	BI_ROW("test_bad_magic_names_both", magic, 0x1234,
	       .contains = { "bad magic 0x1234", "expected 0x4f464e49424c484b" }),
	BI_ROW("test_bad_version_names_both", version, 99,
	       .is = "bootinfo: version 99 not supported (this kernel speaks version 1)"),
	BI_ROW("test_size_too_small", size, 8, .contains = { "size 8 too small" }),
	BI_ROW("test_bad_map_entry_size", mmap_entry_size, 16),
	BI_ROW("test_bad_map_count_zero", mmap_count, 0),
	BI_ROW("test_bad_map_count_above_max", mmap_count, KHOLAB_MMAP_MAX + 1),
	BI_ROW("test_cmdline_too_long", cmdline_len, KHOLAB_CMDLINE_MAX),
	BI_ROW("test_kernel_not_2mib_aligned", kernel_phys, 0x4001000,
	       .contains = { "2 MiB aligned" }),
};

/* test_rejected - one bi_rejects[] row (in *state); the field is set as a
 * little-endian integer of its size, as the host is x86-64. */
static void test_rejected(void **state)
{
	const struct bi_reject *r = *state;
	struct kholab_bootinfo bi = good_bi();
	char why[160] = "";

	memcpy((char *)&bi + r->off, &r->val, r->len);
	assert_int_equal(bootinfo_validate(&bi, why, sizeof(why)), -EINVAL);
	for (int i = 0; i < 2; i++)
		if (r->contains[i] && !strstr(why, r->contains[i]))
			fail_msg("reason '%s' does not contain '%s'", why, r->contains[i]);
	if (r->is)
		assert_string_equal(why, r->is);
}

static void test_map_overlap_and_wrap(void **state)
{
	struct kholab_mmap_entry m[2] = {
		{ 0x100000, 0x200000, KHOLAB_MEM_USABLE, 7 },
		{ 0x200000, 0x1000, KHOLAB_MEM_USABLE, 7 },
	};
	char why[160];

	(void)state;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "overlap"));
	m[1].base = 0x300000;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), 0);
	m[1].size = ~0ULL;
	assert_int_equal(bootinfo_check_map(m, 2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "wraps"));
}

static void test_usable_bytes_counts_ram_types(void **state)
{
	struct kholab_mmap_entry m[4] = {
		{ 0x0, 0x1000, KHOLAB_MEM_USABLE, 7 },
		{ 0x1000, 0x2000, KHOLAB_MEM_KERNEL, 0x80000008 },
		{ 0x3000, 0x4000, KHOLAB_MEM_ACPI_NVS, 10 },
		{ 0x7000, 0x8000, KHOLAB_MEM_BOOTINFO, 0x8000000a },
	};
	struct kholab_bootinfo bi = good_bi();

	(void)state;
	bi.mmap_count = 4;
	assert_int_equal(bootinfo_usable_bytes(&bi, m), 0x1000 + 0x2000 + 0x8000);
	assert_string_equal(mem_type_name(KHOLAB_MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(mem_type_name(999), "unknown");
}

int main(void)
{
	struct CMUnitTest tests[3 + ARRAY_SIZE(bi_rejects)] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_map_overlap_and_wrap),
		cmocka_unit_test(test_usable_bytes_counts_ram_types),
	};
	size_t n = CASE_TABLE_ADD(tests, 3, bi_rejects, test_rejected, NULL, NULL);

	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
