/*
 * tests/host/test_memblock_iter.c - memblock's iterators (memory ranges,
 * free ranges forward and reverse, pfn ranges, region walks) and
 * memblock_reserved_kern_size().
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c
 *
 * Besides hand-made layouts, a seeded random test compares the lockstep
 * free-range walk against a page-by-page brute force.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <mm/memblock.h>
#include <kernel/layout.h>
#include "shim.h"
#include "memblock_sim.h"

struct range {
	u64 start, end;
	int nid;
};

#define MAX_RANGES	1024

/* collect_free - run for_each_free_mem_range[_reverse] into @out. */
static int collect_free(int nid, u32 flags, bool reverse, struct range *out)
{
	phys_addr_t s, e;
	int n = 0, rnid;
	u64 i;

	if (reverse) {
		for_each_free_mem_range_reverse(i, nid, flags, &s, &e, &rnid) {
			assert_true(n < MAX_RANGES);
			out[n++] = (struct range){ s, e, rnid };
		}
	} else {
		for_each_free_mem_range(i, nid, flags, &s, &e, &rnid) {
			assert_true(n < MAX_RANGES);
			out[n++] = (struct range){ s, e, rnid };
		}
	}
	return n;
}

static void test_mem_range_basic(void **state)
{
	phys_addr_t s, e;
	int n = 0;
	u64 i;

	(void)state;
	for_each_mem_range(i, &s, &e)
		n++;
	assert_int_equal(n, 0);

	memblock_add(SZ_1M, SZ_1M);
	memblock_add(4 * SZ_1M, SZ_1M);
	memblock_add_node(8 * SZ_1M, SZ_1M, 0, MEMBLOCK_NOMAP);
	memblock_add_node(12 * SZ_1M, SZ_1M, 0, MEMBLOCK_HOTPLUG);
	memblock_reserve(SZ_1M, SZ_1M);		/* reservations do not matter */
	const u64 want[][2] = {
		{ SZ_1M, 2 * SZ_1M }, { 4 * SZ_1M, 5 * SZ_1M },
		{ 12 * SZ_1M, 13 * SZ_1M },
	};
	for_each_mem_range(i, &s, &e) {
		assert_true(n < 3);
		assert_int_equal(s, want[n][0]);
		assert_int_equal(e, want[n][1]);
		n++;
	}
	assert_int_equal(n, 3);
}

static void test_free_range_overlapping_reservations(void **state)
{
	struct range got[MAX_RANGES];
	const struct range want[] = {
		{ 2 * SZ_1M, 5 * SZ_1M, 0 },
		{ 6 * SZ_1M, 9 * SZ_1M, 0 },
		{ 21 * SZ_1M, 25 * SZ_1M, 1 },
		{ 25 * SZ_1M + 0x1000, 30 * SZ_1M, 1 },
	};
	int n;

	(void)state;
	memblock_add_node(SZ_1M, 9 * SZ_1M, 0, MEMBLOCK_NONE);
	memblock_add_node(20 * SZ_1M, 10 * SZ_1M, 1, MEMBLOCK_NONE);
	memblock_reserve(SZ_1M / 2, 3 * SZ_1M / 2);	/* starts below memory */
	memblock_reserve(5 * SZ_1M, SZ_1M);
	memblock_reserve(9 * SZ_1M, 12 * SZ_1M);	/* spans the hole */
	memblock_reserve(25 * SZ_1M, 0x1000);
	memblock_reserve(40 * SZ_1M, SZ_1M);		/* beyond memory */

	n = collect_free(NUMA_NO_NODE, MEMBLOCK_NONE, false, got);
	assert_int_equal(n, 4);
	for (int k = 0; k < n; k++) {
		assert_int_equal(got[k].start, want[k].start);
		assert_int_equal(got[k].end, want[k].end);
		assert_int_equal(got[k].nid, want[k].nid);
	}

	n = collect_free(NUMA_NO_NODE, MEMBLOCK_NONE, true, got);
	assert_int_equal(n, 4);
	for (int k = 0; k < n; k++) {
		assert_int_equal(got[k].start, want[3 - k].start);
		assert_int_equal(got[k].end, want[3 - k].end);
	}
}

static void test_free_range_nid_filter(void **state)
{
	struct range got[MAX_RANGES];
	int n;

	(void)state;
	memblock_add_node(SZ_1M, SZ_1M, 0, MEMBLOCK_NONE);
	memblock_add_node(2 * SZ_1M, SZ_1M, 1, MEMBLOCK_NONE);
	memblock_add_node(3 * SZ_1M, SZ_1M, 0, MEMBLOCK_NONE);
	memblock_reserve(SZ_1M + 0x1000, 2 * SZ_1M);	/* crosses into node 0 again */

	n = collect_free(0, MEMBLOCK_NONE, false, got);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].start, SZ_1M);
	assert_int_equal(got[0].end, SZ_1M + 0x1000);
	assert_int_equal(got[1].start, 3 * SZ_1M + 0x1000);
	assert_int_equal(got[1].end, 4 * SZ_1M);
	n = collect_free(1, MEMBLOCK_NONE, true, got);
	assert_int_equal(n, 0);
	n = collect_free(0, MEMBLOCK_NONE, true, got);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].start, 3 * SZ_1M + 0x1000);
	n = collect_free(2, MEMBLOCK_NONE, false, got);
	assert_int_equal(n, 0);
}

static void test_free_range_flags(void **state)
{
	struct range got[MAX_RANGES];
	int n;

	(void)state;
	memblock_add(SZ_1M, 8 * SZ_1M);
	memblock_mark_nomap(2 * SZ_1M, SZ_1M);
	memblock_mark_mirror(4 * SZ_1M, SZ_1M);
	memblock_mark_kho_scratch(6 * SZ_1M, SZ_1M);
	memblock_add_node(16 * SZ_1M, SZ_1M, NUMA_NO_NODE, MEMBLOCK_DRIVER_MANAGED);

	/* NOMAP is never free, even when asked for */
	n = collect_free(NUMA_NO_NODE, MEMBLOCK_NOMAP, false, got);
	for (int k = 0; k < n; k++)
		assert_true(got[k].end <= 2 * SZ_1M || got[k].start >= 3 * SZ_1M);
	/* plain walk: everything but NOMAP and DRIVER_MANAGED */
	n = collect_free(NUMA_NO_NODE, MEMBLOCK_NONE, false, got);
	assert_int_equal(n, 6);	/* split at every flag change */
	assert_int_equal(got[0].start, SZ_1M);
	assert_int_equal(got[0].end, 2 * SZ_1M);
	assert_int_equal(got[1].start, 3 * SZ_1M);
	assert_int_equal(got[5].end, 9 * SZ_1M);
	/* DRIVER_MANAGED only when asked for */
	n = collect_free(NUMA_NO_NODE, MEMBLOCK_DRIVER_MANAGED, false, got);
	assert_int_equal(n, 7);
	assert_int_equal(got[6].start, 16 * SZ_1M);
	/* MIRROR and KHO_SCRATCH restrict */
	n = collect_free(NUMA_NO_NODE, MEMBLOCK_MIRROR, false, got);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].start, 4 * SZ_1M);
	n = collect_free(NUMA_NO_NODE, MEMBLOCK_KHO_SCRATCH, true, got);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].start, 6 * SZ_1M);
	assert_int_equal(got[0].end, 7 * SZ_1M);
}

static void test_next_mem_range_raw(void **state)
{
	phys_addr_t s, e;
	int nid, n = 0;
	u64 i;

	(void)state;
	memblock_add_node(SZ_1M, SZ_1M, 3, MEMBLOCK_NOMAP);
	memblock_add_node(4 * SZ_1M, SZ_1M, 3, MEMBLOCK_NONE);
	/* without @b, NOMAP passes when asked for; NULL outputs are fine */
	__for_each_mem_range(i, &memblock.memory, NULL, NUMA_NO_NODE,
			     MEMBLOCK_NOMAP, &s, &e, &nid) {
		assert_int_equal(nid, 3);
		n++;
	}
	assert_int_equal(n, 2);
	n = 0;
	__for_each_mem_range_rev(i, &memblock.memory, NULL, 3, MEMBLOCK_NONE,
				 NULL, NULL, NULL)
		n++;
	assert_int_equal(n, 1);
	/* reserved minus memory: the walk is generic */
	memblock_reserve(0, 8 * SZ_1M);
	n = 0;
	__for_each_mem_range(i, &memblock.reserved, &memblock.memory,
			     NUMA_NO_NODE, MEMBLOCK_NONE, &s, &e, NULL) {
		n++;
	}
	assert_int_equal(n, 3);	/* [0,1M) [2M,4M) [5M,8M) */
	assert_int_equal(s, 5 * SZ_1M);
	assert_int_equal(e, 8 * SZ_1M);
}

static void test_empty_reserved_and_empty_memory(void **state)
{
	struct range got[MAX_RANGES];

	(void)state;
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, false, got), 0);
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, true, got), 0);
	memblock_reserve(SZ_1M, SZ_1M);
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, false, got), 0);
	memblock_reset_for_test();
	memblock_add(SZ_1M, SZ_1M);
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, false, got), 1);
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, true, got), 1);
	assert_int_equal(got[0].start, SZ_1M);
	assert_int_equal(got[0].end, 2 * SZ_1M);
	/* fully reserved: nothing */
	memblock_reserve(0, 4 * SZ_1M);
	assert_int_equal(collect_free(NUMA_NO_NODE, 0, true, got), 0);
}

static void test_pfn_ranges(void **state)
{
	u64 s, e;
	int i, nid, n = 0;

	(void)state;
	memblock_add_node(0x1800, 0x3000, 0, MEMBLOCK_NONE);	/* pfn 2..4 */
	memblock_add_node(0x10100, 0x800, 0, MEMBLOCK_NONE);	/* < a page */
	memblock_add_node(SZ_1M, SZ_1M, 1, MEMBLOCK_NOMAP);	/* counted */
	memblock_add_node(4 * SZ_1M, SZ_1M, 0, MEMBLOCK_NONE);

	const u64 want[][3] = {
		{ 2, 4, 0 }, { 0x100, 0x200, 1 }, { 0x400, 0x500, 0 },
	};
	for_each_mem_pfn_range(i, NUMA_NO_NODE, &s, &e, &nid) {
		assert_true(n < 3);
		assert_int_equal(s, want[n][0]);
		assert_int_equal(e, want[n][1]);
		assert_int_equal(nid, (int)want[n][2]);
		n++;
	}
	assert_int_equal(n, 3);
	n = 0;
	for_each_mem_pfn_range(i, 1, &s, &e, NULL)
		n++;
	assert_int_equal(n, 1);
	assert_int_equal(s, 0x100);
}

static void test_region_walks(void **state)
{
	struct memblock_region *r;
	int n = 0;

	(void)state;
	for_each_mem_region(r)
		n++;
	assert_int_equal(n, 0);
	memblock_add(SZ_1M, SZ_1M);
	memblock_add(3 * SZ_1M, SZ_1M);
	memblock_reserve(SZ_1M, 0x1000);
	for_each_mem_region(r)
		n++;
	assert_int_equal(n, 2);
	n = 0;
	for_each_reserved_mem_region(r) {
		assert_int_equal(r->base, SZ_1M);
		n++;
	}
	assert_int_equal(n, 1);
}

static void test_reserved_kern_size(void **state)
{
	(void)state;
	memblock_add_node(0, 64 * SZ_1M, 0, MEMBLOCK_NONE);
	memblock_add_node(64 * SZ_1M, 64 * SZ_1M, 1, MEMBLOCK_NONE);
	memblock_reserve(0, PAGE_SIZE);			/* not RSRV_KERN */
	memblock_reserve_kern(SZ_1M, 2 * SZ_1M);	/* no node */
	memblock_set_bottom_up(true);
	assert_int_not_equal(memblock_phys_alloc_try_nid(SZ_1M, SZ_1M, 1), 0);
	assert_int_not_equal(memblock_phys_alloc_try_nid(SZ_1M, SZ_1M, 0), 0);

	assert_int_equal(memblock_reserved_kern_size(PHYS_ADDR_MAX, NUMA_NO_NODE),
			 4 * SZ_1M);
	assert_int_equal(memblock_reserved_kern_size(PHYS_ADDR_MAX, 1), SZ_1M);
	assert_int_equal(memblock_reserved_kern_size(PHYS_ADDR_MAX, 0), SZ_1M);
	/* straddling the limit counts up to it */
	assert_int_equal(memblock_reserved_kern_size(2 * SZ_1M, NUMA_NO_NODE),
			 SZ_1M);
	assert_int_equal(memblock_reserved_kern_size(SZ_1M, NUMA_NO_NODE), 0);
	/* once every reservation is on a node, the node sum is the total */
	memblock_set_node(0, 64 * SZ_1M, &memblock.reserved, 0);
	assert_int_equal(memblock_reserved_kern_size(PHYS_ADDR_MAX, 0), 3 * SZ_1M);
}

/* ---- random cross-check -------------------------------------------------- */

#define RND_PAGES	512	/* the simulated space: 2 MiB in 4 KiB units */

static u32 rnd_state;

static u32 rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void test_random_free_ranges_match_brute_force(void **state)
{
	static struct range got[MAX_RANGES], rev[MAX_RANGES];

	(void)state;
	for (u32 seed = 1; seed <= 200; seed++) {
		bool mem[RND_PAGES] = { 0 }, res[RND_PAGES] = { 0 };
		int node[RND_PAGES];
		int nid_filter = (int)(seed % 3) - 1;	/* -1, 0, 1 */
		int n, nr, k = 0;

		rnd_state = seed;
		memblock_reset_for_test();
		for (int j = 0; j < 12; j++) {
			u32 s = rnd() % RND_PAGES, len = 1 + rnd() % 64;
			int nid = (int)(rnd() % 2);

			if (s + len > RND_PAGES)
				len = RND_PAGES - s;
			/* later adds keep the node of memory already there */
			for (u32 p = s; p < s + len; p++)
				if (!mem[p]) {
					mem[p] = true;
					node[p] = nid;
				}
			memblock_add_node((u64)s << 12, (u64)len << 12, nid, 0);
		}
		for (int j = 0; j < 16; j++) {
			u32 s = rnd() % RND_PAGES, len = 1 + rnd() % 40;

			if (s + len > RND_PAGES)
				len = RND_PAGES - s;
			for (u32 p = s; p < s + len; p++)
				res[p] = true;
			memblock_reserve((u64)s << 12, (u64)len << 12);
		}

		n = collect_free(nid_filter, MEMBLOCK_NONE, false, got);
		nr = collect_free(nid_filter, MEMBLOCK_NONE, true, rev);
		assert_int_equal(n, nr);
		for (int j = 0; j < n; j++) {
			assert_int_equal(got[j].start, rev[n - 1 - j].start);
			assert_int_equal(got[j].end, rev[n - 1 - j].end);
		}
		/* page by page: free <=> inside exactly one produced range */
		for (u32 p = 0; p < RND_PAGES; p++) {
			bool want = mem[p] && !res[p] &&
				    (nid_filter < 0 || node[p] == nid_filter);
			bool have = false;

			while (k < n && got[k].end <= (u64)p << 12)
				k++;
			if (k < n && got[k].start <= (u64)p << 12) {
				have = true;
				assert_int_equal(got[k].nid, node[p]);
			}
			if (want != have)
				fail_msg("seed %u page %u: free should be %d", seed,
					 p, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_range_basic),
		cmocka_unit_test(test_free_range_overlapping_reservations),
		cmocka_unit_test(test_free_range_nid_filter),
		cmocka_unit_test(test_free_range_flags),
		cmocka_unit_test(test_next_mem_range_raw),
		cmocka_unit_test(test_empty_reserved_and_empty_memory),
		cmocka_unit_test(test_pfn_ranges),
		cmocka_unit_test(test_region_walks),
		cmocka_unit_test(test_reserved_kern_size),
		cmocka_unit_test(test_random_free_ranges_match_brute_force),
	};

	return memblock_sim_run(tests, ARRAY_SIZE(tests));
}
