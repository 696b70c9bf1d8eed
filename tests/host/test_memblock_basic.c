/*
 * tests/host/test_memblock_basic.c - memblock's arrays: add, merge, split,
 * remove, reserve, flags, nodes, queries, growth and the overflow panic.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c
 *
 * Physical memory is simulated by the shim (shim_phys_init), so the arrays
 * memblock allocates for itself after memblock_allow_resize() really live
 * in "physical" memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <mm/memblock.h>
#include <kernel/layout.h>
#include "shim.h"
#include "memblock_sim.h"

/* check_region - assert one region's range, node and flags. */
static void check_region(const struct memblock_type *t, u64 i, u64 base,
			 u64 size, int nid, u32 flags)
{
	assert_true(i < t->cnt);
	assert_int_equal(t->regions[i].base, base);
	assert_int_equal(t->regions[i].size, size);
	assert_int_equal(t->regions[i].nid, nid);
	assert_int_equal(t->regions[i].flags, flags);
}

/* check_invariants - sorted, non-overlapping, merged, totals right. */
static void check_invariants(const struct memblock_type *t)
{
	u64 total = 0;

	for (u64 i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];

		assert_true(r->size > 0);
		total += r->size;
		if (i) {
			const struct memblock_region *p = r - 1;

			assert_true(p->base + p->size <= r->base);
			assert_false(p->base + p->size == r->base &&
				     p->nid == r->nid && p->flags == r->flags);
		}
	}
	assert_int_equal(total, t->total_size);
}

static void test_add_single(void **state)
{
	(void)state;
	assert_int_equal(memblock_add(SZ_1M, 16 * SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 1);
	check_region(&memblock.memory, 0, SZ_1M, 16 * SZ_1M, NUMA_NO_NODE, 0);
	assert_int_equal(memblock_phys_mem_size(), 16 * SZ_1M);
	assert_int_equal(memblock.reserved.cnt, 0);
}

static void test_add_zero_size_is_noop(void **state)
{
	(void)state;
	assert_int_equal(memblock_add(SZ_1M, 0), 0);
	assert_int_equal(memblock_reserve(SZ_1M, 0), 0);
	assert_int_equal(memblock.memory.cnt, 0);
	assert_int_equal(memblock.reserved.cnt, 0);
}

static void test_add_unsorted_keeps_order(void **state)
{
	(void)state;
	memblock_add(0x30000000, SZ_1M);
	memblock_add(0x10000000, SZ_1M);
	memblock_add(0x20000000, SZ_1M);
	assert_int_equal(memblock.memory.cnt, 3);
	check_region(&memblock.memory, 0, 0x10000000, SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 0x20000000, SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 2, 0x30000000, SZ_1M, NUMA_NO_NODE, 0);
	check_invariants(&memblock.memory);
}

static void test_add_adjacent_merges(void **state)
{
	(void)state;
	memblock_add(SZ_1M, SZ_1M);
	memblock_add(3 * SZ_1M, SZ_1M);
	assert_int_equal(memblock.memory.cnt, 2);
	memblock_add(2 * SZ_1M, SZ_1M);	/* fills the hole: all three merge */
	assert_int_equal(memblock.memory.cnt, 1);
	check_region(&memblock.memory, 0, SZ_1M, 3 * SZ_1M, NUMA_NO_NODE, 0);

	/* a merge in front of another region moves that region down */
	memblock_reset_for_test();
	memblock_add(SZ_1M, SZ_1M);
	memblock_add(3 * SZ_1M, SZ_1M);
	memblock_add(6 * SZ_1M, SZ_1M);
	memblock_add(2 * SZ_1M, SZ_1M);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, SZ_1M, 3 * SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 6 * SZ_1M, SZ_1M, NUMA_NO_NODE, 0);
	check_invariants(&memblock.memory);
}

static void test_add_fills_several_gaps(void **state)
{
	(void)state;
	/* one add over three regions: two gaps, three merges in one pass */
	memblock_add(SZ_1M, SZ_1M);
	memblock_add(3 * SZ_1M, SZ_1M);
	memblock_add(5 * SZ_1M, SZ_1M);
	memblock_add(8 * SZ_1M, SZ_1M);
	memblock_add(SZ_1M, 5 * SZ_1M);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, SZ_1M, 5 * SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 8 * SZ_1M, SZ_1M, NUMA_NO_NODE, 0);
	assert_int_equal(memblock_phys_mem_size(), 6 * SZ_1M);
	check_invariants(&memblock.memory);
}

static void test_add_on_region_boundaries(void **state)
{
	(void)state;
	/* starts where a region of other flags starts: no empty gap in front */
	memblock_add_node(0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	memblock_add_node(0x4000, 0x4000, 0, MEMBLOCK_NONE);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, 0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	check_region(&memblock.memory, 1, 0x6000, 0x2000, 0, 0);
	check_invariants(&memblock.memory);

	/* ends where a region of another node ends: no empty tail after it */
	memblock_reset_for_test();
	memblock_add_node(0x4000, 0x2000, 1, MEMBLOCK_NONE);
	memblock_add_node(0x2000, 0x4000, 0, MEMBLOCK_NONE);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, 0x2000, 0x2000, 0, 0);
	check_region(&memblock.memory, 1, 0x4000, 0x2000, 1, 0);
	assert_int_equal(memblock_phys_mem_size(), 0x4000);
	check_invariants(&memblock.memory);

	/* exactly one existing region of other flags: nothing to add */
	memblock_reset_for_test();
	memblock_add_node(0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	memblock_add_node(0x4000, 0x2000, 0, MEMBLOCK_NONE);
	assert_int_equal(memblock.memory.cnt, 1);
	check_region(&memblock.memory, 0, 0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	check_invariants(&memblock.memory);
}

static void test_add_different_node_or_flags_no_merge(void **state)
{
	(void)state;
	memblock_add_node(SZ_1M, SZ_1M, 0, MEMBLOCK_NONE);
	memblock_add_node(2 * SZ_1M, SZ_1M, 1, MEMBLOCK_NONE);
	memblock_add_node(3 * SZ_1M, SZ_1M, 1, MEMBLOCK_HOTPLUG);
	memblock_add_node(4 * SZ_1M, SZ_1M, 1, MEMBLOCK_HOTPLUG);
	assert_int_equal(memblock.memory.cnt, 3);
	check_region(&memblock.memory, 0, SZ_1M, SZ_1M, 0, 0);
	check_region(&memblock.memory, 1, 2 * SZ_1M, SZ_1M, 1, 0);
	check_region(&memblock.memory, 2, 3 * SZ_1M, 2 * SZ_1M, 1, MEMBLOCK_HOTPLUG);
	check_invariants(&memblock.memory);
}

static void test_add_overlap_keeps_existing(void **state)
{
	(void)state;
	memblock_add_node(0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	/* covers the hotplug region and more on both sides */
	memblock_add_node(0x1000, 0x8000, 0, MEMBLOCK_NONE);
	assert_int_equal(memblock.memory.cnt, 3);
	check_region(&memblock.memory, 0, 0x1000, 0x3000, 0, 0);
	check_region(&memblock.memory, 1, 0x4000, 0x2000, 0, MEMBLOCK_HOTPLUG);
	check_region(&memblock.memory, 2, 0x6000, 0x3000, 0, 0);
	assert_int_equal(memblock_phys_mem_size(), 0x8000);

	/* overlapping plain adds merge into one */
	memblock_reset_for_test();
	memblock_add(0x1000, 0x2000);
	memblock_add(0x2000, 0x3000);
	memblock_add(0x0, 0x1800);
	assert_int_equal(memblock.memory.cnt, 1);
	check_region(&memblock.memory, 0, 0, 0x5000, NUMA_NO_NODE, 0);
	assert_int_equal(memblock_phys_mem_size(), 0x5000);
}

static void test_add_wraparound_is_capped(void **state)
{
	(void)state;
	assert_int_equal(memblock_add(PHYS_ADDR_MAX - 0xfff, 0x10000), 0);
	check_region(&memblock.memory, 0, PHYS_ADDR_MAX - 0xfff, 0xfff,
		     NUMA_NO_NODE, 0);
}

static void test_remove_middle_splits(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 4 * SZ_1M);
	assert_int_equal(memblock_remove(2 * SZ_1M, SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, SZ_1M, SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 3 * SZ_1M, 2 * SZ_1M, NUMA_NO_NODE, 0);
	assert_int_equal(memblock_phys_mem_size(), 3 * SZ_1M);
}

static void test_remove_spanning_and_missing(void **state)
{
	(void)state;
	memblock_add(0x10000, 0x10000);
	memblock_add(0x30000, 0x10000);
	memblock_add(0x50000, 0x10000);
	/* from inside the first to inside the third */
	assert_int_equal(memblock_remove(0x18000, 0x40000), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, 0x10000, 0x8000, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 0x58000, 0x8000, NUMA_NO_NODE, 0);
	/* nothing there: success, no change */
	assert_int_equal(memblock_remove(0x100000, 0x1000), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	/* exact whole region */
	assert_int_equal(memblock_remove(0x10000, 0x8000), 0);
	assert_int_equal(memblock.memory.cnt, 1);
	check_invariants(&memblock.memory);
}

static void test_reserve_and_phys_free(void **state)
{
	(void)state;
	memblock_add(0, 64 * SZ_1M);
	assert_int_equal(memblock_reserve(SZ_1M, 4 * SZ_1M), 0);
	assert_int_equal(memblock_reserved_size(), 4 * SZ_1M);
	assert_int_equal(memblock_phys_free(2 * SZ_1M, SZ_1M), 0);
	assert_int_equal(memblock.reserved.cnt, 2);
	check_region(&memblock.reserved, 0, SZ_1M, SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.reserved, 1, 3 * SZ_1M, 2 * SZ_1M, NUMA_NO_NODE, 0);
	assert_int_equal(memblock_reserved_size(), 3 * SZ_1M);
	/* memory is untouched by freeing */
	assert_int_equal(memblock.memory.cnt, 1);
	assert_int_equal(memblock_phys_mem_size(), 64 * SZ_1M);
	/* reservations may lie outside memory */
	assert_int_equal(memblock_reserve(128 * SZ_1M, SZ_1M), 0);
	assert_true(memblock_is_reserved(128 * SZ_1M));
}

static void test_memblock_free_pointer(void **state)
{
	(void)state;
	memblock_add(0, 64 * SZ_1M);
	memblock_reserve(SZ_1M, 2 * SZ_1M);
	memblock_free(__va(SZ_1M), SZ_1M);
	assert_int_equal(memblock.reserved.cnt, 1);
	check_region(&memblock.reserved, 0, 2 * SZ_1M, SZ_1M, NUMA_NO_NODE, 0);
	memblock_free(NULL, SZ_1M);	/* ignored */
	assert_int_equal(memblock_reserved_size(), SZ_1M);
}

static void test_reserve_kern_flag(void **state)
{
	(void)state;
	memblock_reserve(0x1000, 0x1000);
	memblock_reserve_kern(0x2000, 0x1000);
	memblock_reserve_kern(0x3000, 0x1000);
	assert_int_equal(memblock.reserved.cnt, 2);
	check_region(&memblock.reserved, 0, 0x1000, 0x1000, NUMA_NO_NODE, 0);
	check_region(&memblock.reserved, 1, 0x2000, 0x2000, NUMA_NO_NODE,
		     MEMBLOCK_RSRV_KERN);
}

static void test_mark_clear_hotplug(void **state)
{
	(void)state;
	memblock_add(0, 16 * SZ_1M);
	assert_int_equal(memblock_mark_hotplug(4 * SZ_1M, 4 * SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 3);
	check_region(&memblock.memory, 1, 4 * SZ_1M, 4 * SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_HOTPLUG);
	assert_int_equal(memblock_clear_hotplug(4 * SZ_1M, 4 * SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 1);	/* merged back */
	check_region(&memblock.memory, 0, 0, 16 * SZ_1M, NUMA_NO_NODE, 0);
	/* marking where there is no memory changes nothing */
	assert_int_equal(memblock_mark_hotplug(32 * SZ_1M, SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 1);
}

static void test_mark_mirror_nomap_scratch(void **state)
{
	(void)state;
	memblock_add(0, 16 * SZ_1M);
	assert_int_equal(memblock_mark_mirror(0, 2 * SZ_1M), 0);
	assert_int_equal(memblock_mark_nomap(SZ_1M, 2 * SZ_1M), 0);
	assert_int_equal(memblock_mark_kho_scratch(8 * SZ_1M, 8 * SZ_1M), 0);
	check_invariants(&memblock.memory);
	assert_int_equal(memblock.memory.cnt, 5);
	check_region(&memblock.memory, 0, 0, SZ_1M, NUMA_NO_NODE, MEMBLOCK_MIRROR);
	check_region(&memblock.memory, 1, SZ_1M, SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_MIRROR | MEMBLOCK_NOMAP);
	check_region(&memblock.memory, 2, 2 * SZ_1M, SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_NOMAP);
	check_region(&memblock.memory, 3, 3 * SZ_1M, 5 * SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 4, 8 * SZ_1M, 8 * SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_KHO_SCRATCH);

	assert_int_equal(memblock_clear_nomap(0, 16 * SZ_1M), 0);
	assert_int_equal(memblock_clear_kho_scratch(0, 16 * SZ_1M), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, 0, 2 * SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_MIRROR);
	check_region(&memblock.memory, 1, 2 * SZ_1M, 14 * SZ_1M, NUMA_NO_NODE, 0);
}

static void test_reserved_mark_noinit(void **state)
{
	(void)state;
	memblock_add(0, 16 * SZ_1M);
	memblock_reserve(SZ_1M, 4 * SZ_1M);
	assert_int_equal(memblock_reserved_mark_noinit(2 * SZ_1M, SZ_1M), 0);
	assert_int_equal(memblock.reserved.cnt, 3);
	check_region(&memblock.reserved, 1, 2 * SZ_1M, SZ_1M, NUMA_NO_NODE,
		     MEMBLOCK_RSRV_NOINIT);
	/* memory keeps no such flag */
	assert_int_equal(memblock.memory.regions[0].flags, 0);
}

static void test_set_node(void **state)
{
	(void)state;
	memblock_add(0, 16 * SZ_1M);
	memblock_add(32 * SZ_1M, 16 * SZ_1M);
	assert_int_equal(memblock_set_node(8 * SZ_1M, 32 * SZ_1M,
					   &memblock.memory, 1), 0);
	assert_int_equal(memblock.memory.cnt, 4);
	check_region(&memblock.memory, 0, 0, 8 * SZ_1M, NUMA_NO_NODE, 0);
	check_region(&memblock.memory, 1, 8 * SZ_1M, 8 * SZ_1M, 1, 0);
	check_region(&memblock.memory, 2, 32 * SZ_1M, 8 * SZ_1M, 1, 0);
	check_region(&memblock.memory, 3, 40 * SZ_1M, 8 * SZ_1M, NUMA_NO_NODE, 0);
	/* put everything on node 0: adjacent regions merge again */
	assert_int_equal(memblock_set_node(0, PHYS_ADDR_MAX, &memblock.memory, 0), 0);
	assert_int_equal(memblock.memory.cnt, 2);
	check_region(&memblock.memory, 0, 0, 16 * SZ_1M, 0, 0);
	/* works on reserved too */
	memblock_reserve(SZ_1M, SZ_1M);
	assert_int_equal(memblock_set_node(0, PHYS_ADDR_MAX, &memblock.reserved, 2), 0);
	assert_int_equal(memblock.reserved.regions[0].nid, 2);
}

static void test_queries(void **state)
{
	(void)state;
	assert_int_equal(memblock_start_of_DRAM(), 0);
	assert_int_equal(memblock_end_of_DRAM(), 0);
	assert_false(memblock_is_memory(0));

	memblock_add(SZ_1M, SZ_1M);
	memblock_add(8 * SZ_1M, 8 * SZ_1M);
	memblock_reserve(10 * SZ_1M, SZ_1M);
	assert_int_equal(memblock_start_of_DRAM(), SZ_1M);
	assert_int_equal(memblock_end_of_DRAM(), 16 * SZ_1M);
	assert_true(memblock_is_memory(SZ_1M));
	assert_true(memblock_is_memory(2 * SZ_1M - 1));
	assert_false(memblock_is_memory(2 * SZ_1M));
	assert_false(memblock_is_memory(0));
	assert_true(memblock_is_memory(16 * SZ_1M - 1));
	assert_false(memblock_is_memory(16 * SZ_1M));
	assert_true(memblock_is_reserved(10 * SZ_1M));
	assert_false(memblock_is_reserved(11 * SZ_1M));

	assert_true(memblock_is_region_memory(8 * SZ_1M, 8 * SZ_1M));
	assert_false(memblock_is_region_memory(SZ_1M, 8 * SZ_1M));
	assert_false(memblock_is_region_memory(15 * SZ_1M, 2 * SZ_1M));
	assert_false(memblock_is_region_memory(8 * SZ_1M, 0));

	assert_true(memblock_is_region_reserved(9 * SZ_1M, SZ_1M + 1));
	assert_false(memblock_is_region_reserved(9 * SZ_1M, SZ_1M));
	assert_true(memblock_is_region_reserved(10 * SZ_1M + 5, 1));
	assert_false(memblock_is_region_reserved(11 * SZ_1M, SZ_1M));
	assert_false(memblock_is_region_reserved(10 * SZ_1M, 0));
}

static void test_policy_getters(void **state)
{
	(void)state;
	assert_false(memblock_bottom_up());
	memblock_set_bottom_up(true);
	assert_true(memblock_bottom_up());
	assert_int_equal(memblock_get_current_limit(), MEMBLOCK_ALLOC_ANYWHERE);
	memblock_set_current_limit(64 * SZ_1M);
	assert_int_equal(memblock_get_current_limit(), 64 * SZ_1M);
}

/* add_many - add @n disjoint 4 KiB regions 8 KiB apart from @base. */
static int add_many(u64 base, int n, bool reserve)
{
	for (int i = 0; i < n; i++) {
		int err = reserve ? memblock_reserve(base + i * 0x2000ULL, 0x1000)
				  : memblock_add(base + i * 0x2000ULL, 0x1000);
		if (err)
			return err;
	}
	return 0;
}

static void test_overflow_panics_before_resize(void **state)
{
	(void)state;
	assert_int_equal(add_many(SZ_1M, INIT_MEMBLOCK_REGIONS, false), 0);
	assert_int_equal(memblock.memory.cnt, INIT_MEMBLOCK_REGIONS);
	if (shim_expect_panic() == 0) {
		memblock_add(0x10000000, 0x1000);
		fail_msg("adding region %d did not panic", INIT_MEMBLOCK_REGIONS + 1);
	}
	assert_non_null(strstr(shim_panic_message(), "INIT_MEMBLOCK_REGIONS"));
	assert_non_null(strstr(shim_panic_message(), "memory array is full"));
	assert_true(shim_log_contains("Kernel panic"));
	/* the array is still consistent */
	assert_int_equal(memblock.memory.cnt, INIT_MEMBLOCK_REGIONS);
	check_invariants(&memblock.memory);

	/* an add that only extends an existing region needs no slot */
	assert_int_equal(memblock_add(SZ_1M + 0x1000, 0x1000), 0);
	assert_int_equal(memblock.memory.cnt, INIT_MEMBLOCK_REGIONS - 1);
}

static void test_resize_memory_array(void **state)
{
	(void)state;
	/* 256 MiB of real memory at 512 MiB, away from the test regions */
	memblock_add(512 * SZ_1M, 256 * SZ_1M);
	memblock_allow_resize();
	assert_int_equal(add_many(SZ_1M, 300, false), 0);
	assert_int_equal(memblock.memory.cnt, 301);
	assert_true(memblock.memory.max >= 512);
	check_invariants(&memblock.memory);
	/* the array now lives in memblock memory and is reserved */
	phys_addr_t arr = __pa(memblock.memory.regions);

	assert_true(memblock_is_region_memory(arr, memblock.memory.max *
					      sizeof(struct memblock_region)));
	assert_true(memblock_is_reserved(arr));
	assert_int_equal(memblock.reserved.cnt, 1);
	assert_int_equal(memblock.reserved.regions[0].flags, MEMBLOCK_RSRV_KERN);
	/* the old (freed) allocated array is not reserved any more */
	assert_int_equal(memblock_reserved_size(),
			 ALIGN_UP(memblock.memory.max * sizeof(struct memblock_region),
				  PAGE_SIZE));
	for (int i = 0; i < 300; i++)
		assert_true(memblock_is_memory(SZ_1M + i * 0x2000ULL));
}

static void test_resize_reserved_array(void **state)
{
	(void)state;
	memblock_add(0, 256 * SZ_1M);
	memblock_allow_resize();
	assert_int_equal(add_many(SZ_1M, 600, true), 0);
	check_invariants(&memblock.reserved);
	assert_true(memblock.reserved.max >= 1024);
	/* 600 test reservations plus the array itself (the old ones freed) */
	phys_addr_t arr = __pa(memblock.reserved.regions);
	phys_addr_t arr_bytes = ALIGN_UP(memblock.reserved.max *
					 sizeof(struct memblock_region), PAGE_SIZE);

	assert_true(memblock_is_region_reserved(arr, arr_bytes));
	assert_int_equal(memblock_reserved_size(), 600 * 0x1000ULL + arr_bytes);
	assert_int_equal(memblock.reserved.cnt, 601);
	for (int i = 0; i < 600; i++)
		assert_true(memblock_is_reserved(SZ_1M + i * 0x2000ULL));
}

static void test_resize_fails_without_memory(void **state)
{
	(void)state;
	memblock_allow_resize();
	/* no memory at all: the array cannot grow */
	assert_int_equal(add_many(SZ_1M, INIT_MEMBLOCK_REGIONS, true), 0);
	assert_int_equal(memblock_reserve(0x10000000, 0x1000), -ENOMEM);
	assert_true(shim_log_contains("cannot double the reserved array"));
	assert_int_equal(memblock.reserved.cnt, INIT_MEMBLOCK_REGIONS);
}

static void test_debug_traces_caller(void **state)
{
	(void)state;
	memblock_add(0, SZ_1M);
	assert_int_equal(shim_log_records(), 0);
	memblock_debug = true;
	memblock_add_node(SZ_1M, SZ_1M, 3, MEMBLOCK_HOTPLUG);
	memblock_reserve(0x1000, 0x1000);
	assert_true(shim_log_contains("memblock: memblock_add_node: "
				      "[0x0000000000100000-0x00000000001fffff] "
				      "nid 3 flags 0x1 called from 0x"));
	assert_true(shim_log_contains("memblock_reserve: [0x0000000000001000-"));
	assert_true(shim_log_records() >= 2);
}

static void test_dump_all(void **state)
{
	(void)state;
	memblock_add_node(0, 16 * SZ_1M, 0, MEMBLOCK_HOTPLUG | MEMBLOCK_NOMAP);
	memblock_reserve_kern(SZ_1M, SZ_1M);
	memblock_dump_all();			/* debug off: silent */
	assert_int_equal(shim_log_records(), 0);
	memblock_debug = true;
	memblock_dump_all();
	assert_true(shim_log_contains("memory.cnt = 1"));
	assert_true(shim_log_contains("memory[0] [0x0000000000000000-"
				      "0x0000000000ffffff] 0x1000000 bytes on "
				      "node 0 flags: HOTPLUG|NOMAP"));
	assert_true(shim_log_contains("reserved[0]"));
	assert_true(shim_log_contains("flags: RSRV_KERN"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_single),
		cmocka_unit_test(test_add_zero_size_is_noop),
		cmocka_unit_test(test_add_unsorted_keeps_order),
		cmocka_unit_test(test_add_adjacent_merges),
		cmocka_unit_test(test_add_fills_several_gaps),
		cmocka_unit_test(test_add_on_region_boundaries),
		cmocka_unit_test(test_add_different_node_or_flags_no_merge),
		cmocka_unit_test(test_add_overlap_keeps_existing),
		cmocka_unit_test(test_add_wraparound_is_capped),
		cmocka_unit_test(test_remove_middle_splits),
		cmocka_unit_test(test_remove_spanning_and_missing),
		cmocka_unit_test(test_reserve_and_phys_free),
		cmocka_unit_test(test_memblock_free_pointer),
		cmocka_unit_test(test_reserve_kern_flag),
		cmocka_unit_test(test_mark_clear_hotplug),
		cmocka_unit_test(test_mark_mirror_nomap_scratch),
		cmocka_unit_test(test_reserved_mark_noinit),
		cmocka_unit_test(test_set_node),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_policy_getters),
		cmocka_unit_test(test_overflow_panics_before_resize),
		cmocka_unit_test(test_resize_memory_array),
		cmocka_unit_test(test_resize_reserved_array),
		cmocka_unit_test(test_resize_fails_without_memory),
		cmocka_unit_test(test_debug_traces_caller),
		cmocka_unit_test(test_dump_all),
	};

	return memblock_sim_run(tests, ARRAY_SIZE(tests));
}
