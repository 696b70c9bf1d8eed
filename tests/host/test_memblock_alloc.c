/*
 * tests/host/test_memblock_alloc.c - the memblock allocator: direction,
 * alignment, limits, node fallback, page 0, NOMAP, KHO scratch-only mode,
 * zeroed and raw memory, failures.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c
 *
 * Physical memory is simulated by the shim, so virtual allocations are
 * real host memory that the tests can write and read.
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

/* reserved_as - is [base, base+size) one reserved region with @flags/@nid? */
static bool reserved_as(phys_addr_t base, phys_addr_t size, u32 flags, int nid)
{
	struct memblock_region *r;

	for_each_reserved_mem_region(r) {
		if (r->base <= base && base + size <= r->base + r->size)
			return r->flags == flags && r->nid == nid;
	}
	return false;
}

static void test_top_down_default(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 64 * SZ_1M);
	phys_addr_t a = memblock_phys_alloc(0x3000, PAGE_SIZE);

	assert_int_equal(a, 65 * SZ_1M - 0x3000);
	assert_true(reserved_as(a, 0x3000, MEMBLOCK_RSRV_KERN, NUMA_NO_NODE));
	phys_addr_t b = memblock_phys_alloc(0x1000, PAGE_SIZE);

	assert_int_equal(b, a - 0x1000);
	/* adjacent kernel allocations merge into one reserved region */
	assert_int_equal(memblock.reserved.cnt, 1);
	assert_int_equal(memblock_reserved_size(), 0x4000);
}

static void test_bottom_up(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 64 * SZ_1M);
	memblock_set_bottom_up(true);
	assert_int_equal(memblock_phys_alloc(0x1000, PAGE_SIZE), SZ_1M);
	assert_int_equal(memblock_phys_alloc(0x1000, PAGE_SIZE), SZ_1M + 0x1000);
	assert_int_equal(memblock_phys_alloc(0x1000, 2 * SZ_1M), 2 * SZ_1M);
}

static void test_skips_reserved_holes(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	memblock_reserve(15 * SZ_1M, 2 * SZ_1M);	/* top 2 MiB */
	memblock_reserve(12 * SZ_1M, 2 * SZ_1M);	/* leaves [14M,15M) */
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 14 * SZ_1M);
	/* does not fit in what is left above 12M: goes below */
	assert_int_equal(memblock_phys_alloc(2 * SZ_1M, SZ_1M), 10 * SZ_1M);
	memblock_set_bottom_up(true);
	memblock_reserve(SZ_1M, 0x800);
	assert_int_equal(memblock_phys_alloc(0x1000, PAGE_SIZE), SZ_1M + 0x1000);
}

static void test_alignment(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 64 * SZ_1M - 0x1000);	/* ends unaligned */
	phys_addr_t a = memblock_phys_alloc(0x1000, 2 * SZ_1M);

	assert_int_equal(a % (2 * SZ_1M), 0);
	assert_int_equal(a, 64 * SZ_1M);
	/* align 0 means SMP_CACHE_BYTES */
	phys_addr_t b = memblock_phys_alloc(100, 0);

	assert_int_not_equal(b, 0);
	assert_int_equal(b % SMP_CACHE_BYTES, 0);
	/* not a power of two: refused */
	shim_log_reset();
	assert_int_equal(memblock_phys_alloc(0x1000, 0x3000), 0);
	assert_true(shim_log_contains("align 0x3000"));
	assert_int_equal(shim_log_count_level(3), 1);
	/* size 0: refused */
	assert_null(memblock_alloc(0, PAGE_SIZE));
	assert_int_equal(shim_log_count_level(3), 2);
}

static void test_current_limit(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 128 * SZ_1M);
	memblock_set_current_limit(32 * SZ_1M);
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 31 * SZ_1M);
	void *p = memblock_alloc(SZ_1M, SZ_1M);

	assert_ptr_equal(p, __va(30 * SZ_1M));
	/* an explicit end (not ACCESSIBLE) is not clamped for phys ranges */
	assert_int_equal(memblock_phys_alloc_range(SZ_1M, SZ_1M, 0,
						   MEMBLOCK_ALLOC_ANYWHERE),
			 128 * SZ_1M);
	/* virtual allocations are always clamped to the limit */
	p = memblock_alloc_try_nid(SZ_1M, SZ_1M, 0, MEMBLOCK_ALLOC_ANYWHERE,
				   NUMA_NO_NODE);
	assert_ptr_equal(p, __va(29 * SZ_1M));
	/* nothing fits below the limit */
	memblock_set_current_limit(SZ_1M + 0x1000);
	assert_int_equal(memblock_phys_alloc(0x2000, PAGE_SIZE), 0);
}

static void test_range_min_max(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 128 * SZ_1M);
	assert_int_equal(memblock_phys_alloc_range(SZ_1M, SZ_1M, 16 * SZ_1M,
						   32 * SZ_1M), 31 * SZ_1M);
	memblock_set_bottom_up(true);
	assert_int_equal(memblock_phys_alloc_range(SZ_1M, SZ_1M, 16 * SZ_1M,
						   32 * SZ_1M), 16 * SZ_1M);
	/* too small a window: failure, reported with the range */
	shim_log_reset();
	assert_int_equal(memblock_phys_alloc_range(2 * SZ_1M, SZ_1M, 40 * SZ_1M,
						   41 * SZ_1M), 0);
	assert_true(shim_log_contains("memblock_phys_alloc_range: no free "
				      "0x200000 bytes aligned to 0x100000 in "
				      "[0x2800000-0x2900000) on node -1"));
}

static void test_try_nid_drops_min_addr(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	/* min above all memory: retried from 0 */
	void *p = memblock_alloc_try_nid(SZ_1M, SZ_1M, 64 * SZ_1M,
					 MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);

	assert_ptr_equal(p, __va(16 * SZ_1M));
	assert_int_equal(shim_log_count_level(3), 0);
	/* with min in range it is honoured (top-down inside [min, max)) */
	p = memblock_alloc_try_nid(SZ_1M, SZ_1M, 2 * SZ_1M, 4 * SZ_1M,
				   NUMA_NO_NODE);
	assert_ptr_equal(p, __va(3 * SZ_1M));
}

static void test_never_page_zero(void **state)
{
	(void)state;
	memblock_add(0, 2 * PAGE_SIZE);
	memblock_set_bottom_up(true);
	assert_int_equal(memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE), 0);
	assert_false(memblock_is_reserved(0));

	memblock_reset_for_test();
	memblock_add(0, PAGE_SIZE);
	assert_int_equal(memblock_phys_alloc(64, 64), 0);
	assert_null(memblock_alloc(64, 64));
	memblock_set_bottom_up(false);
	assert_int_equal(memblock_phys_alloc_range(64, 64, 0, PAGE_SIZE), 0);
}

static void test_nomap_skipped(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	memblock_mark_nomap(8 * SZ_1M, 9 * SZ_1M);	/* the top half */
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 7 * SZ_1M);
	memblock_clear_nomap(8 * SZ_1M, 9 * SZ_1M);
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 16 * SZ_1M);
}

static void test_mirror_and_hotplug_are_informational(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	memblock_mark_mirror(SZ_1M, SZ_1M);
	memblock_mark_hotplug(8 * SZ_1M, 9 * SZ_1M);
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 16 * SZ_1M);
}

/* two_nodes - node 0 at [1M, 33M), node 1 at [64M, 96M). */
static void two_nodes(void)
{
	memblock_add_node(SZ_1M, 32 * SZ_1M, 0, MEMBLOCK_NONE);
	memblock_add_node(64 * SZ_1M, 32 * SZ_1M, 1, MEMBLOCK_NONE);
}

static void test_node_preference_and_fallback(void **state)
{
	(void)state;
	two_nodes();
	void *p = memblock_alloc_node(SZ_1M, SZ_1M, 0);

	assert_ptr_equal(p, __va(32 * SZ_1M));
	assert_true(reserved_as(32 * SZ_1M, SZ_1M, MEMBLOCK_RSRV_KERN, 0));
	p = memblock_alloc_node(SZ_1M, SZ_1M, 1);
	assert_ptr_equal(p, __va(95 * SZ_1M));
	assert_true(reserved_as(95 * SZ_1M, SZ_1M, MEMBLOCK_RSRV_KERN, 1));

	/* node 1 cannot hold 40 MiB: any node is tried, and fails too */
	assert_null(memblock_alloc_node(40 * SZ_1M, SZ_1M, 1));
	/* cut node 0's free memory in two halves: 20 MiB then fit only on node 1 */
	memblock_reserve(16 * SZ_1M, SZ_1M);
	phys_addr_t a = memblock_phys_alloc_try_nid(20 * SZ_1M, SZ_1M, 0);

	assert_int_equal(a, 75 * SZ_1M);
	assert_true(reserved_as(a, 20 * SZ_1M, MEMBLOCK_RSRV_KERN, 1));
	/* a node with no memory falls back to any node */
	assert_int_not_equal(memblock_phys_alloc_try_nid(SZ_1M, SZ_1M, 5), 0);
	/* any-node allocations take the highest free memory */
	memblock_reset_for_test();
	two_nodes();
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 95 * SZ_1M);
}

static void test_exact_nid(void **state)
{
	(void)state;
	two_nodes();
	void *p = memblock_alloc_exact_nid_raw(SZ_1M, SZ_1M, 0,
					       MEMBLOCK_ALLOC_ACCESSIBLE, 0);

	assert_ptr_equal(p, __va(32 * SZ_1M));
	/* a node with no memory: exact fails, try_nid falls back */
	shim_log_reset();
	assert_null(memblock_alloc_exact_nid_raw(SZ_1M, SZ_1M, 0,
						 MEMBLOCK_ALLOC_ACCESSIBLE, 7));
	assert_true(shim_log_contains("on node 7 (exact)"));
	assert_non_null(memblock_alloc_try_nid_raw(SZ_1M, SZ_1M, 0,
						   MEMBLOCK_ALLOC_ACCESSIBLE, 7));
	/* exact still drops min_addr on a retry */
	p = memblock_alloc_exact_nid_raw(SZ_1M, SZ_1M, 80 * SZ_1M,
					 MEMBLOCK_ALLOC_ACCESSIBLE, 0);
	assert_ptr_equal(p, __va(31 * SZ_1M));
}

static void test_kho_scratch_only(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 64 * SZ_1M);
	memblock_mark_kho_scratch(4 * SZ_1M, 4 * SZ_1M);
	memblock_set_kho_scratch_only();
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 7 * SZ_1M);
	memblock_set_bottom_up(true);
	assert_int_equal(memblock_phys_alloc(SZ_1M, SZ_1M), 4 * SZ_1M);
	/* only 2 MiB of scratch left */
	shim_log_reset();
	assert_null(memblock_alloc(3 * SZ_1M, SZ_1M));
	assert_true(shim_log_contains("(KHO scratch only)"));
	memblock_clear_kho_scratch_only();
	assert_int_equal(memblock_phys_alloc(3 * SZ_1M, SZ_1M), SZ_1M);
}

static void test_zeroed_vs_raw(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	memset(__va(SZ_1M), 0xa5, 16 * SZ_1M);

	u8 *z = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	u8 *r = memblock_alloc_raw(PAGE_SIZE, PAGE_SIZE);
	u8 *zn = memblock_alloc_node(PAGE_SIZE, PAGE_SIZE, NUMA_NO_NODE);
	u8 *rn = memblock_alloc_try_nid_raw(PAGE_SIZE, PAGE_SIZE, 0,
					    MEMBLOCK_ALLOC_ACCESSIBLE,
					    NUMA_NO_NODE);

	assert_non_null(z);
	assert_non_null(r);
	for (u64 i = 0; i < PAGE_SIZE; i++) {
		assert_int_equal(z[i], 0);
		assert_int_equal(zn[i], 0);
		assert_int_equal(r[i], 0xa5);
		assert_int_equal(rn[i], 0xa5);
	}
	/* all four are distinct pages */
	assert_true(z != r && r != zn && zn != rn && z != rn);
}

static void test_allocations_do_not_overlap(void **state)
{
	(void)state;
	phys_addr_t got[64];

	memblock_add(SZ_1M, 4 * SZ_1M);
	memblock_reserve(2 * SZ_1M, 0x1234);
	for (int i = 0; i < 64; i++) {
		got[i] = memblock_phys_alloc(0x1000 + 0x100 * i, 0x100);
		assert_int_not_equal(got[i], 0);
		assert_true(memblock_is_region_memory(got[i], 0x1000 + 0x100 * i));
		for (int j = 0; j < i; j++)
			assert_true(got[i] + 0x1000 + 0x100 * i <= got[j] ||
				    got[j] + 0x1000 + 0x100 * j <= got[i]);
	}
}

static void test_free_then_reuse(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 4 * SZ_1M);
	void *p = memblock_alloc(SZ_1M, SZ_1M);

	assert_ptr_equal(p, __va(4 * SZ_1M));
	memblock_free(p, SZ_1M);
	assert_int_equal(memblock_reserved_size(), 0);
	assert_ptr_equal(memblock_alloc(SZ_1M, SZ_1M), p);
}

static void test_failure_returns(void **state)
{
	(void)state;
	/* no memory at all */
	assert_int_equal(memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(memblock_phys_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, 0), 0);
	assert_null(memblock_alloc(PAGE_SIZE, PAGE_SIZE));
	assert_null(memblock_alloc_raw(PAGE_SIZE, PAGE_SIZE));
	assert_null(memblock_alloc_node(PAGE_SIZE, PAGE_SIZE, 0));
	assert_int_equal(shim_log_count_level(3), 5);
	assert_true(shim_log_contains("memblock: memblock_alloc_node: no free "
				      "0x1000 bytes aligned to 0x1000"));
	assert_true(shim_log_contains("gets no memory"));
	assert_int_equal(memblock.reserved.cnt, 0);
	/* all memory reserved */
	memblock_add(SZ_1M, SZ_1M);
	memblock_reserve(SZ_1M, SZ_1M);
	assert_int_equal(memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE), 0);
}

static void test_debug_traces_allocations(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 16 * SZ_1M);
	memblock_debug = true;
	memblock_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, SZ_1M, 8 * SZ_1M, 0);
	assert_true(shim_log_contains("memblock_alloc_try_nid: size 0x1000 "
				      "align 0x1000 [0x100000-0x800000) nid 0 "
				      "called from 0x"));
	memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_true(shim_log_contains("memblock_phys_alloc: size 0x1000"));
}

static void test_allocations_grow_reserved_array(void **state)
{
	(void)state;
	memblock_add(SZ_1M, 64 * SZ_1M);
	memblock_allow_resize();
	memblock_set_bottom_up(true);
	/* 400 pages, every other one freed: 200 separate reservations */
	phys_addr_t pages[400];

	for (int i = 0; i < 400; i++)
		pages[i] = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE);
	for (int i = 0; i < 400; i += 2)
		memblock_phys_free(pages[i], PAGE_SIZE);
	assert_true(memblock.reserved.max > INIT_MEMBLOCK_REGIONS);
	for (int i = 1; i < 400; i += 2)
		assert_true(memblock_is_reserved(pages[i]));
	for (int i = 0; i < 400; i += 2)
		assert_false(memblock_is_reserved(pages[i]));
	/* the grown array is reserved and does not overlap any page */
	phys_addr_t arr = __pa(memblock.reserved.regions);

	assert_true(memblock_is_reserved(arr));
	for (int i = 0; i < 400; i++)
		assert_true(pages[i] + PAGE_SIZE <= arr || pages[i] >= arr +
			    memblock.reserved.max * sizeof(struct memblock_region));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_down_default),
		cmocka_unit_test(test_bottom_up),
		cmocka_unit_test(test_skips_reserved_holes),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_current_limit),
		cmocka_unit_test(test_range_min_max),
		cmocka_unit_test(test_try_nid_drops_min_addr),
		cmocka_unit_test(test_never_page_zero),
		cmocka_unit_test(test_nomap_skipped),
		cmocka_unit_test(test_mirror_and_hotplug_are_informational),
		cmocka_unit_test(test_node_preference_and_fallback),
		cmocka_unit_test(test_exact_nid),
		cmocka_unit_test(test_kho_scratch_only),
		cmocka_unit_test(test_zeroed_vs_raw),
		cmocka_unit_test(test_allocations_do_not_overlap),
		cmocka_unit_test(test_free_then_reuse),
		cmocka_unit_test(test_failure_returns),
		cmocka_unit_test(test_allocations_grow_reserved_array),
		cmocka_unit_test(test_debug_traces_allocations),
	};

	return memblock_sim_run(tests, ARRAY_SIZE(tests));
}
