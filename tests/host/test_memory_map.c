/*
 * tests/host/test_memory_map.c - the boot memory map sanitizer and its
 * hand-off to memblock (mm/memory_map.c).
 *
 * SOURCES: mm/memory_map.c mm/memblock.c mm/memblock_query.c kernel/bootinfo.c
 *
 * Maps are written as firmware might hand them over: overlapping,
 * unsorted, with empty or misaligned entries, or too long; each case
 * checks the cleaned map, the warnings and what memblock ends up with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <mm/memory_map.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include "shim.h"
#include "memblock_sim.h"

#define E(b, s, t)	{ .base = (b), .size = (s), .type = KHOLAB_MEM_##t, .efi_type = 7 }

/*
 * sanitize_expect - sanitize the first @n entries of @map (room for @cap)
 * and require success with exactly the @nwant entries of @want (base, size
 * and type; efi_type is checked by the tests that care).  A mismatch names
 * the entry.
 */
static void sanitize_expect(struct kholab_mmap_entry *map, u32 n, u32 cap,
			    const struct kholab_mmap_entry *want, u32 nwant)
{
	assert_int_equal(memory_map_sanitize(map, &n, cap), 0);
	assert_int_equal(n, nwant);
	for (u32 i = 0; i < nwant; i++) {
		const struct kholab_mmap_entry *g = &map[i], *w = &want[i];

		if (g->base != w->base || g->size != w->size || g->type != w->type)
			fail_msg("entry %u: [%#llx +%#llx] type %u, want [%#llx +%#llx] type %u",
				 i, (unsigned long long)g->base, (unsigned long long)g->size,
				 g->type, (unsigned long long)w->base,
				 (unsigned long long)w->size, w->type);
	}
}

static void test_clean_map_unchanged(void **state)
{
	struct kholab_mmap_entry map[8] = {
		E(0, 0xa0000, USABLE),
		E(0xa0000, 0x60000, RESERVED),
		E(SZ_1M, 15 * SZ_1M, USABLE),
		E(16 * SZ_1M, SZ_1M, KERNEL),
	};
	struct kholab_mmap_entry copy[8];

	(void)state;
	memcpy(copy, map, sizeof(map));
	sanitize_expect(map, 4, 8, copy, 4);
	assert_memory_equal(map, copy, 4 * sizeof(map[0]));
	assert_int_equal(shim_log_count_level(4), 0);
}

static void test_zero_length_dropped(void **state)
{
	struct kholab_mmap_entry map[4] = {
		E(0x1000, 0, USABLE),
		E(SZ_1M, SZ_1M, USABLE),
		E(3 * SZ_1M, 0, RESERVED),
	};
	static const struct kholab_mmap_entry want[] = { E(SZ_1M, SZ_1M, USABLE) };

	(void)state;
	sanitize_expect(map, 3, 4, want, ARRAY_SIZE(want));
	assert_int_equal(shim_log_count("has length 0; dropped"), 2);
	assert_int_equal(shim_log_count_level(4), 2);
}

static void test_unsorted_sorted(void **state)
{
	struct kholab_mmap_entry map[4] = {
		E(8 * SZ_1M, SZ_1M, USABLE),
		E(SZ_1M, SZ_1M, USABLE),
		E(4 * SZ_1M, SZ_1M, ACPI_NVS),
	};
	static const struct kholab_mmap_entry want[] = {
		E(SZ_1M, SZ_1M, USABLE),
		E(4 * SZ_1M, SZ_1M, ACPI_NVS),
		E(8 * SZ_1M, SZ_1M, USABLE),
	};

	(void)state;
	sanitize_expect(map, 3, 4, want, ARRAY_SIZE(want));
	assert_true(shim_log_contains("memory_map: the memory map is not sorted "
				      "by address; sorted it"));
	assert_int_equal(shim_log_count_level(4), 1);
}

static void test_overlap_non_ram_wins(void **state)
{
	struct kholab_mmap_entry map[8] = {
		E(0, 16 * SZ_1M, USABLE),
		E(4 * SZ_1M, SZ_1M, RESERVED),
	};
	static const struct kholab_mmap_entry want[] = {
		E(0, 4 * SZ_1M, USABLE),
		E(4 * SZ_1M, SZ_1M, RESERVED),
		E(5 * SZ_1M, 11 * SZ_1M, USABLE),
	};
	/* order does not matter: the RAM entry second loses as well */
	struct kholab_mmap_entry map2[8] = {
		E(0, 2 * SZ_1M, ACPI_RECLAIM),
		E(SZ_1M, 2 * SZ_1M, KERNEL),
	};
	static const struct kholab_mmap_entry want2[] = {
		E(0, 2 * SZ_1M, ACPI_RECLAIM),
		E(2 * SZ_1M, SZ_1M, KERNEL),
	};

	(void)state;
	sanitize_expect(map, 2, 8, want, ARRAY_SIZE(want));
	assert_true(shim_log_contains("(usable) and [0x400000-0x4fffff] "
				      "(reserved) overlap; [0x400000-0x4fffff] "
				      "is taken as reserved"));
	sanitize_expect(map2, 2, 8, want2, ARRAY_SIZE(want2));
}

static void test_overlap_ram_types_and_non_ram_order(void **state)
{
	struct kholab_mmap_entry map[8] = {
		E(0, 8 * SZ_1M, USABLE),
		E(2 * SZ_1M, 2 * SZ_1M, KERNEL),
		E(3 * SZ_1M, 2 * SZ_1M, LOADER_DATA),
		E(16 * SZ_1M, 2 * SZ_1M, ACPI_NVS),
		E(17 * SZ_1M, 2 * SZ_1M, MMIO),
		E(17 * SZ_1M, SZ_1M, UNUSABLE),
	};
	static const struct kholab_mmap_entry want[] = {
		E(0, 2 * SZ_1M, USABLE),
		E(2 * SZ_1M, 2 * SZ_1M, KERNEL),
		E(4 * SZ_1M, SZ_1M, LOADER_DATA),
		E(5 * SZ_1M, 3 * SZ_1M, USABLE),
		E(16 * SZ_1M, SZ_1M, ACPI_NVS),
		E(17 * SZ_1M, SZ_1M, UNUSABLE),
		E(18 * SZ_1M, SZ_1M, MMIO),
	};

	(void)state;
	sanitize_expect(map, 6, 8, want, ARRAY_SIZE(want));
	/* one warning per overlapping pair */
	assert_int_equal(shim_log_count(" overlap; "), 6);
}

static void test_identical_duplicates_and_containment(void **state)
{
	struct kholab_mmap_entry map[4] = {
		E(SZ_1M, SZ_1M, USABLE),
		E(SZ_1M, SZ_1M, USABLE),
		E(SZ_1M + 0x1000, 0x1000, USABLE),
	};
	static const struct kholab_mmap_entry want[] = { E(SZ_1M, SZ_1M, USABLE) };

	(void)state;
	sanitize_expect(map, 3, 4, want, ARRAY_SIZE(want));
}

static void test_adjacent_equal_merged(void **state)
{
	struct kholab_mmap_entry map[4] = {
		{ .base = 0x1000, .size = 0x1000, .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = 0x2000, .size = 0x1000, .type = KHOLAB_MEM_USABLE, .efi_type = 3 },
		{ .base = 0x3000, .size = 0x1000, .type = KHOLAB_MEM_RESERVED, .efi_type = 0 },
		{ .base = 0x5000, .size = 0x1000, .type = KHOLAB_MEM_RESERVED, .efi_type = 0 },
	};
	/* the hole keeps the reserved pair apart */
	static const struct kholab_mmap_entry want[] = {
		E(0x1000, 0x2000, USABLE),
		E(0x3000, 0x1000, RESERVED),
		E(0x5000, 0x1000, RESERVED),
	};

	(void)state;
	sanitize_expect(map, 4, 4, want, ARRAY_SIZE(want));
	assert_int_equal(map[0].efi_type, ~0u);	/* mixed */
	assert_int_equal(map[1].efi_type, 0);
	assert_int_equal(shim_log_count_level(4), 0);	/* merging is no fix */
}

static void test_wraparound_clipped(void **state)
{
	struct kholab_mmap_entry map[2] = {
		E(0xfffffffffff00000ULL, 0x200000, RESERVED),
		E(SZ_1M, SZ_1M, USABLE),
	};
	static const struct kholab_mmap_entry want[] = {
		E(SZ_1M, SZ_1M, USABLE),
		E(0xfffffffffff00000ULL, 0xfffff, RESERVED),
	};

	(void)state;
	sanitize_expect(map, 2, 2, want, ARRAY_SIZE(want));
	assert_true(shim_log_contains("runs past 2^64; clipped"));
}

static void test_unknown_type_becomes_reserved(void **state)
{
	struct kholab_mmap_entry map[2] = {
		{ .base = SZ_1M, .size = SZ_1M, .type = 99, .efi_type = 0 },
	};
	static const struct kholab_mmap_entry want[] = { E(SZ_1M, SZ_1M, RESERVED) };

	(void)state;
	sanitize_expect(map, 1, 2, want, ARRAY_SIZE(want));
	assert_true(shim_log_contains("unknown type 99; treated as reserved"));
}

static void test_too_many_entries(void **state)
{
	/* splitting needs 5 entries, only 4 fit: -ENOSPC, map untouched */
	struct kholab_mmap_entry map[4] = {
		E(0, 16 * SZ_1M, USABLE),
		E(2 * SZ_1M, SZ_1M, RESERVED),
		E(8 * SZ_1M, SZ_1M, RESERVED),
	};
	struct kholab_mmap_entry copy[4];
	u32 n = 3;

	(void)state;
	memcpy(copy, map, sizeof(map));
	assert_int_equal(memory_map_sanitize(map, &n, 4), -ENOSPC);
	assert_int_equal(n, 3);
	assert_memory_equal(map, copy, sizeof(map));
	assert_true(shim_log_contains("needs 5 entries but only 4 fit"));
	/* count above max, NULL arguments, above the protocol limit */
	n = 5;
	assert_int_equal(memory_map_sanitize(map, &n, 4), -EINVAL);
	assert_int_equal(memory_map_sanitize(NULL, &n, 4), -EINVAL);
	assert_int_equal(memory_map_sanitize(map, NULL, 4), -EINVAL);
	n = KHOLAB_MMAP_MAX + 1;
	assert_int_equal(memory_map_sanitize(map, &n, ~0u), -EINVAL);
	/* an empty map is fine */
	n = 0;
	assert_int_equal(memory_map_sanitize(map, &n, 4), 0);
	assert_int_equal(n, 0);
}

static void test_large_garbage_map(void **state)
{
	static struct kholab_mmap_entry map[KHOLAB_MMAP_MAX];
	u32 n = KHOLAB_MMAP_MAX;
	u32 seed = 7;

	(void)state;
	for (u32 i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		map[i].base = (u64)(seed >> 8) << 12;
		seed = seed * 1103515245u + 12345u;
		map[i].size = (u64)(seed >> 20) << 12;
		map[i].type = seed % (KHOLAB_MEM_NR_TYPES + 1);
		map[i].efi_type = 0;
	}
	assert_int_equal(memory_map_sanitize(map, &n, KHOLAB_MMAP_MAX), 0);
	assert_true(n <= KHOLAB_MMAP_MAX);
	for (u32 i = 0; i < n; i++) {
		assert_true(map[i].size > 0);
		assert_true(map[i].type < KHOLAB_MEM_NR_TYPES);
		if (i) {
			assert_true(map[i - 1].base + map[i - 1].size <= map[i].base);
			assert_false(map[i - 1].base + map[i - 1].size == map[i].base &&
				     map[i - 1].type == map[i].type);
		}
	}
	/* the warning flood is capped */
	assert_true(shim_log_contains("more overlapping pairs resolved"));
}

static void test_init_from_map(void **state)
{
	struct kholab_mmap_entry map[] = {
		E(0, 0xa0000, USABLE),
		E(0xa0000, 0x60000, RESERVED),
		E(SZ_1M, 7 * SZ_1M, USABLE),
		E(8 * SZ_1M, 2 * SZ_1M, KERNEL),
		E(10 * SZ_1M, SZ_1M, KERNEL_ELF),
		E(11 * SZ_1M, 0x3000, BOOTINFO),
		E(11 * SZ_1M + 0x3000, 0x1000, LOADER_DATA),
		E(11 * SZ_1M + 0x4000, 5 * SZ_1M - 0x4000, USABLE),
		E(16 * SZ_1M, SZ_1M, ACPI_RECLAIM),
		E(17 * SZ_1M, SZ_1M, ACPI_NVS),
		E(18 * SZ_1M, 14 * SZ_1M, USABLE),
		E(32 * SZ_1M, SZ_1M, RUNTIME),
		E(0xfee00000ULL, 0x1000, MMIO),
	};

	(void)state;
	assert_int_equal(memblock_init_from_map(map, ARRAY_SIZE(map)), 0);
	/* RAM: [0, 0xa0000), [1M, 16M), [18M, 32M), all on node 0 */
	assert_int_equal(memblock.memory.cnt, 3);
	assert_int_equal(memblock_phys_mem_size(), 0xa0000 + 15 * SZ_1M + 14 * SZ_1M);
	assert_int_equal(memblock.memory.regions[1].base, SZ_1M);
	assert_int_equal(memblock.memory.regions[1].size, 15 * SZ_1M);
	assert_int_equal(memblock.memory.regions[2].nid, 0);
	/* ACPI, runtime and MMIO are not memory */
	assert_false(memblock_is_memory(16 * SZ_1M));
	assert_false(memblock_is_memory(17 * SZ_1M));
	assert_false(memblock_is_memory(32 * SZ_1M));
	assert_false(memblock_is_memory(0xfee00000ULL));
	/* page 0 reserved (plain), kernel ranges reserved as RSRV_KERN */
	assert_true(memblock_is_reserved(0));
	assert_int_equal(memblock.reserved.cnt, 2);
	assert_int_equal(memblock.reserved.regions[0].flags, 0);
	assert_int_equal(memblock.reserved.regions[1].base, 8 * SZ_1M);
	assert_int_equal(memblock.reserved.regions[1].size, 3 * SZ_1M + 0x4000);
	assert_int_equal(memblock.reserved.regions[1].flags, MEMBLOCK_RSRV_KERN);
	assert_int_equal(memblock.reserved.regions[1].nid, 0);
	assert_int_equal(memblock_reserved_kern_size(PHYS_ADDR_MAX, 0),
			 3 * SZ_1M + 0x4000);
	assert_int_equal(shim_log_count_level(4), 0);
	assert_true(shim_log_contains("memory_map: "));
	/* allocations never land in ACPI memory or the kernel */
	for (int i = 0; i < 64; i++) {
		phys_addr_t a = memblock_phys_alloc(SZ_1M / 2, PAGE_SIZE);

		if (!a)
			break;
		assert_true(memblock_is_region_memory(a, SZ_1M / 2));
		assert_false(a < 11 * SZ_1M + 0x4000 && a + SZ_1M / 2 > 8 * SZ_1M);
	}
}

static void test_init_misaligned_ram(void **state)
{
	struct kholab_mmap_entry map[] = {
		E(0x10800, 0x3000, USABLE),	/* -> [0x11000, 0x13000) */
		E(0x20100, 0x800, USABLE),	/* no whole page */
		/* touching RAM of two types misaligned at the seam only */
		E(SZ_1M, 0x1800, USABLE),
		E(SZ_1M + 0x1800, 0x2800, KERNEL),
	};

	(void)state;
	assert_int_equal(memblock_init_from_map(map, ARRAY_SIZE(map)), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	assert_int_equal(memblock.memory.regions[0].base, 0x11000);
	assert_int_equal(memblock.memory.regions[0].size, 0x2000);
	assert_int_equal(memblock.memory.regions[1].base, SZ_1M);
	assert_int_equal(memblock.memory.regions[1].size, 0x4000);
	assert_true(shim_log_contains("RAM [0x10800-0x137ff] is not page "
				      "aligned; using [0x11000-0x12fff]"));
	assert_true(shim_log_contains("RAM [0x20100-0x208ff] holds no whole "
				      "page; not used"));
	/* the kernel reservation grows outward to whole pages */
	assert_true(memblock_is_reserved(SZ_1M + 0x1000));
	assert_false(memblock_is_reserved(SZ_1M));
	assert_int_equal(shim_log_count_level(4), 2);
}

static void test_init_no_usable_ram(void **state)
{
	struct kholab_mmap_entry map[] = {
		E(0, SZ_1M, RESERVED),
		E(SZ_1M, SZ_1M, ACPI_NVS),
		E(2 * SZ_1M + 0x100, 0x800, USABLE),
	};

	(void)state;
	assert_int_equal(memblock_init_from_map(map, ARRAY_SIZE(map)), -ENOMEM);
	assert_true(shim_log_contains("no usable RAM"));
	assert_int_equal(memblock_phys_mem_size(), 0);
	memblock_reset_for_test();
	assert_int_equal(memblock_init_from_map(map, 0), -ENOMEM);
}

static void test_sanitize_then_init(void **state)
{
	struct kholab_mmap_entry map[8] = {
		E(18 * SZ_1M, 14 * SZ_1M, USABLE),
		E(0, 32 * SZ_1M, USABLE),		/* overlaps everything */
		E(16 * SZ_1M, 2 * SZ_1M, ACPI_NVS),
		E(4 * SZ_1M, 0, RESERVED),
		E(8 * SZ_1M, SZ_1M, KERNEL),
	};
	u32 n = 5;

	(void)state;
	assert_int_equal(memory_map_sanitize(map, &n, 8), 0);
	assert_int_equal(n, 5);
	assert_int_equal(memblock_init_from_map(map, n), 0);
	assert_int_equal(memblock_phys_mem_size(), 30 * SZ_1M);
	assert_false(memblock_is_memory(17 * SZ_1M));
	assert_true(memblock_is_reserved(8 * SZ_1M));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_map_unchanged),
		cmocka_unit_test(test_zero_length_dropped),
		cmocka_unit_test(test_unsorted_sorted),
		cmocka_unit_test(test_overlap_non_ram_wins),
		cmocka_unit_test(test_overlap_ram_types_and_non_ram_order),
		cmocka_unit_test(test_identical_duplicates_and_containment),
		cmocka_unit_test(test_adjacent_equal_merged),
		cmocka_unit_test(test_wraparound_clipped),
		cmocka_unit_test(test_unknown_type_becomes_reserved),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_large_garbage_map),
		cmocka_unit_test(test_init_from_map),
		cmocka_unit_test(test_init_misaligned_ram),
		cmocka_unit_test(test_init_no_usable_ram),
		cmocka_unit_test(test_sanitize_then_init),
	};

	return memblock_sim_run(tests, ARRAY_SIZE(tests));
}
