/*
 * tests/host/test_kho_preserve.c - kho/preserve.c: preserving and
 * unpreserving folios, page runs and physical ranges, the greedy split
 * into naturally aligned blocks, every error code, all-or-nothing
 * rollback, the sorted bitmap index, and that tracking pages go back.
 *
 * Seed for the randomized cases: KHOLAB_SEED, printed at the start.
 *
 * Tracking pages come from the shim's page pool (weak alloc_pages) in
 * simulated physical memory; preserved addresses themselves need no
 * backing, only struct pages for the folio/pages calls.
 *
 * SOURCES: kho/preserve.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <errno.h>

#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include "shim.h"
#include "kho_sim.h"

#define SIM_MAX_PFN	((64ULL << 30) >> PAGE_SHIFT)	/* struct pages for 64 GiB */
#define MIB		(1ULL << 20)

#define MAX_SEEN	4096
static struct kho_sim_blk seen_blk[MAX_SEEN];
static struct kho_sim_list seen = { seen_blk, 0, MAX_SEEN };

/* collect_all - refill seen from the preserved set; returns the count. */
static int collect_all(void)
{
	seen.n = 0;
	assert_int_equal(kho_for_each_preserved(kho_sim_collect, &seen), 0);
	return seen.n;
}

/* expect_blocks - seen must be exactly @want (already in walk order). */
static void expect_blocks(const struct kho_sim_blk *want, int n)
{
	assert_int_equal(collect_all(), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(seen.blk[i].order, want[i].order);
		assert_int_equal(seen.blk[i].phys, want[i].phys);
	}
}

static int group_setup(void **state)
{
	(void)state;
	return kho_sim_group_setup("test_kho_preserve", SIM_MAX_PFN);
}

/* expect_empty - nothing preserved, no tracking page held. */
static void expect_empty(void)
{
	assert_int_equal(kho_preserved_blocks(), 0);
	assert_int_equal(kho_preserved_bytes(), 0);
	assert_int_equal(kho_tracking_pages(), 0);
	assert_int_equal(shim_page_pool_in_use(), 0);
}

static void test_folio_roundtrip(void **state)
{
	struct page *p = pfn_to_page(0x10000);	/* 256 MiB */
	struct kho_sim_blk want[] = { { 0x10000000, 4 } };

	(void)state;
	assert_int_equal(kho_preserve_folio(p, 4), 0);
	assert_int_equal(kho_preserved_blocks(), 1);
	assert_int_equal(kho_preserved_bytes(), 16 * PAGE_SIZE);
	assert_int_equal(kho_tracking_pages(), 2);	/* one bitmap, one table */
	assert_int_equal(shim_page_pool_in_use(), 2);
	expect_blocks(want, 1);
	assert_true(kho_is_preserved(0x10000000 + 15 * PAGE_SIZE, 1));
	assert_false(kho_is_preserved(0x10000000 + 16 * PAGE_SIZE, PAGE_SIZE));
	assert_false(kho_is_preserved(0x10000000 - PAGE_SIZE, PAGE_SIZE));
	assert_true(kho_is_preserved(0x10000000 - PAGE_SIZE, 2 * PAGE_SIZE));
	assert_int_equal(kho_unpreserve_folio(p, 4), 0);
	expect_empty();
}

static void test_pages_split(void **state)
{
	/* pfn 0x101, 7 pages: 0x101 (ctz 0), 0x102 (ctz 1), 0x104 (4 left). */
	struct kho_sim_blk a[] = { { 0x101000, 0 }, { 0x102000, 1 }, { 0x104000, 2 } };
	/* pfn 0x3ff, 0x403 pages: 0x3ff, then 0x400 order 10, then 2 pages. */
	struct kho_sim_blk c[] = { { 0x3ff000, 0 }, { 0x800000, 1 }, { 0x400000, 10 } };

	(void)state;
	assert_int_equal(kho_preserve_pages(pfn_to_page(0x101), 7), 0);
	expect_blocks(a, 3);
	assert_int_equal(kho_preserved_bytes(), 7 * PAGE_SIZE);
	assert_int_equal(kho_unpreserve_pages(pfn_to_page(0x101), 7), 0);
	expect_empty();

	assert_int_equal(kho_preserve_pages(pfn_to_page(0x3ff), 0x403), 0);
	expect_blocks(c, 3);
	assert_int_equal(kho_preserved_blocks(), 3);
	assert_int_equal(kho_unpreserve_pages(pfn_to_page(0x3ff), 0x403), 0);
	expect_empty();
}

static void test_phys_split(void **state)
{
	/* 1 MiB + 5 pages: pfn 0x100 (ctz 8, 5 left -> order 2), then 0x104. */
	struct kho_sim_blk d[] = { { 0x104000, 0 }, { 0x100000, 2 } };
	/* 4 MiB for 16 MiB: capped at order 10, four blocks. */
	struct kho_sim_blk b[] = { { 0x400000, 10 }, { 0x800000, 10 }, { 0xc00000, 10 },
			   { 0x1000000, 10 } };

	(void)state;
	assert_int_equal(kho_preserve_phys(MIB, 5 * PAGE_SIZE), 0);
	expect_blocks(d, 2);
	assert_int_equal(kho_unpreserve_phys(MIB, 5 * PAGE_SIZE), 0);
	expect_empty();

	assert_int_equal(kho_preserve_phys(4 * MIB, 16 * MIB), 0);
	expect_blocks(b, 4);
	assert_int_equal(kho_preserved_bytes(), 16 * MIB);
	/* A constituent block can be given back on its own... */
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x800), 10), 0);
	/* ...and then the range as a whole is no longer preserved. */
	assert_int_equal(kho_unpreserve_phys(4 * MIB, 16 * MIB), -ENOENT);
	assert_int_equal(kho_preserved_blocks(), 3);
	assert_int_equal(kho_unpreserve_phys(4 * MIB, 4 * MIB), 0);
	assert_int_equal(kho_unpreserve_phys(12 * MIB, 8 * MIB), 0);
	expect_empty();
}

static void test_einval(void **state)
{
	(void)state;
	assert_int_equal(kho_preserve_folio(NULL, 0), -EINVAL);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1000), 11), -EINVAL);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1002), 2), -EINVAL);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0xff), 0), -EINVAL);	/* < 1 MiB */
	assert_int_equal(kho_preserve_pages(NULL, 1), -EINVAL);
	assert_int_equal(kho_preserve_pages(pfn_to_page(0x1000), 0), -EINVAL);
	assert_int_equal(kho_preserve_phys(0, PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_preserve_phys(MIB + 8, PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_preserve_phys(MIB, PAGE_SIZE + 1), -EINVAL);
	assert_int_equal(kho_preserve_phys(MIB, 0), -EINVAL);
	assert_int_equal(kho_preserve_phys(MIB - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_preserve_phys(1ULL << 46, PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_preserve_phys((1ULL << 46) - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_preserve_phys(~0xfffULL, 0x2000), -EINVAL);	/* wraps */
	assert_int_equal(kho_unpreserve_folio(NULL, 0), -EINVAL);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x1000), 11), -EINVAL);
	assert_int_equal(kho_unpreserve_pages(pfn_to_page(0x1000), 0), -EINVAL);
	assert_int_equal(kho_unpreserve_phys(0, PAGE_SIZE), -EINVAL);
	assert_int_equal(kho_unpreserve_phys(MIB, 123), -EINVAL);
	/* The highest page of the physical address space is fine. */
	assert_int_equal(kho_preserve_phys((1ULL << 46) - PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(kho_unpreserve_phys((1ULL << 46) - PAGE_SIZE, PAGE_SIZE), 0);
	expect_empty();
}

static void test_eexist_lower_then_higher(void **state)
{
	(void)state;
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1003), 0), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1003), 0), -EEXIST);
	for (unsigned int o = 2; o <= 10; o++)
		assert_int_equal(kho_preserve_folio(pfn_to_page(0x1003 & ~((1ULL << o) - 1)), o),
				 -EEXIST);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1002), 1), -EEXIST);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1000), 1), 0);	/* beside it */
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1004), 2), 0);
	/* An order-5 block whose last page only is taken. */
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x103f), 0), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1020), 5), -EEXIST);
	assert_int_equal(kho_preserved_blocks(), 4);
}

static void test_eexist_higher_then_lower(void **state)
{
	(void)state;
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x2000), 10), 0);
	for (unsigned int o = 0; o <= 10; o++)
		assert_int_equal(kho_preserve_folio(pfn_to_page(0x2000 + 0x400 - (1ULL << o)), o),
				 -EEXIST);
	assert_int_equal(kho_preserve_pages(pfn_to_page(0x1fff), 2), -EEXIST);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x2400), 0), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1fff), 0), 0);
	assert_int_equal(kho_preserved_blocks(), 3);
}

static void test_eexist_rolls_back(void **state)
{
	struct kho_sim_blk want[] = { { 0x1010000, 0 } };

	(void)state;
	assert_int_equal(kho_preserve_phys(0x1010000, PAGE_SIZE), 0);
	/* [16 MiB, 16 MiB + 68 KiB): order 4 first, then the taken page. */
	assert_int_equal(kho_preserve_phys(0x1000000, 0x11000), -EEXIST);
	expect_blocks(want, 1);
	assert_int_equal(kho_tracking_pages(), 2);	/* the order-4 bitmap went back */
	assert_int_equal(kho_unpreserve_phys(0x1010000, PAGE_SIZE), 0);
	expect_empty();
}

static void test_enoent(void **state)
{
	(void)state;
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3000), 0), -ENOENT);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x3000), 2), 0);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3000), 1), -ENOENT);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3000), 3), -ENOENT);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3001), 0), -ENOENT);
	/* A range whose second block is missing: nothing is unpreserved. */
	assert_int_equal(kho_unpreserve_pages(pfn_to_page(0x3000), 8), -ENOENT);
	assert_int_equal(kho_preserved_blocks(), 1);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3000), 2), 0);
	assert_int_equal(kho_unpreserve_folio(pfn_to_page(0x3000), 2), -ENOENT);
	expect_empty();
}

static void test_enomem(void **state)
{
	(void)state;
	shim_page_pool_fail_after(0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x4000), 0), -ENOMEM);
	assert_true(shim_log_contains("KHO: no page to track preserved memory"));
	expect_empty();
	/* Bitmap page comes, table page does not. */
	shim_page_pool_fail_after(1);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x4000), 0), -ENOMEM);
	expect_empty();
	/* pfn 0x7fff (order 0) fits in two pages; 0x8000 (order 1) does not. */
	shim_page_pool_fail_after(2);
	assert_int_equal(kho_preserve_pages(pfn_to_page(0x7fff), 3), -ENOMEM);
	expect_empty();
	shim_page_pool_fail_after(-1);
	assert_int_equal(kho_preserve_pages(pfn_to_page(0x7fff), 3), 0);
	assert_int_equal(kho_tracking_pages(), 4);
}

static void test_many_bitmaps_sorted(void **state)
{
	enum { N = 700 };	/* > 2 table pages of 255 entries */
	static u64 idx[N];

	(void)state;
	for (int i = 0; i < N; i++)
		idx[i] = i + 1;
	for (int i = N - 1; i > 0; i--) {	/* shuffle */
		int j = shim_rand() % (i + 1);
		u64 t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
	/* One order-0 page per bitmap (128 MiB apart), in shuffled order. */
	for (int i = 0; i < N; i++)
		assert_int_equal(kho_preserve_phys(idx[i] << 27, PAGE_SIZE), 0);
	assert_int_equal(collect_all(), N);
	for (int i = 0; i < N; i++)
		assert_int_equal(seen.blk[i].phys, (u64)(i + 1) << 27);
	assert_true(kho_tracking_pages() >= N + 3);
	for (int i = 0; i < N; i++)
		assert_int_equal(kho_preserve_phys(idx[i] << 27, PAGE_SIZE), -EEXIST);
	for (int i = 0; i < N; i += 2)
		assert_int_equal(kho_unpreserve_phys(idx[i] << 27, PAGE_SIZE), 0);
	assert_int_equal(collect_all(), N / 2);
	for (int i = 1; i < N / 2; i++)
		assert_true(seen.blk[i].phys > seen.blk[i - 1].phys);
	for (int i = 1; i < N; i += 2)
		assert_int_equal(kho_unpreserve_phys(idx[i] << 27, PAGE_SIZE), 0);
	expect_empty();
}

/*
 * test_random_model - random preserve/unpreserve of folios in a 4096-page
 * window against a per-page model: the return code and the resulting
 * set must match what the model predicts.
 */
#define WIN_PFN		0x20000ULL
#define WIN_PAGES	4096
static s16 model[WIN_PAGES];	/* order + 1 at a block's head, -1 inside, 0 free */

static void test_random_model(void **state)
{
	u64 blocks = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 20000; step++) {
		unsigned int order = shim_rand() % 8;
		u64 off = (shim_rand() % WIN_PAGES) & ~((1ULL << order) - 1);
		struct page *p = pfn_to_page(WIN_PFN + off);
		bool busy = false;

		for (u64 i = off; i < off + (1ULL << order); i++)
			busy |= model[i] != 0;
		/* A block of higher order may cover this one from below. */
		for (unsigned int o = order + 1; o <= KHO_MAX_ORDER && !busy; o++) {
			u64 head = off & ~((1ULL << o) - 1);

			busy = model[head] == (s16)(o + 1);
		}
		if (shim_rand() % 2) {
			assert_int_equal(kho_preserve_folio(p, order), busy ? -EEXIST : 0);
			if (busy)
				continue;
			model[off] = order + 1;
			for (u64 i = off + 1; i < off + (1ULL << order); i++)
				model[i] = -1;
			blocks++;
		} else {
			bool exact = model[off] == (s16)(order + 1);

			assert_int_equal(kho_unpreserve_folio(p, order), exact ? 0 : -ENOENT);
			if (!exact)
				continue;
			memset(&model[off], 0, sizeof(model[0]) << order);
			blocks--;
		}
		assert_int_equal(kho_preserved_blocks(), blocks);
	}
	collect_all();
	assert_int_equal(seen.n, blocks);
	for (int i = 0; i < seen.n; i++)
		assert_int_equal(model[PHYS_PFN(seen.blk[i].phys) - WIN_PFN], seen.blk[i].order + 1);
}

static int stop_at_third(phys_addr_t phys, unsigned int order, void *arg)
{
	int *n = arg;

	(void)phys;
	(void)order;
	return ++*n == 3 ? 42 : 0;
}

static void test_for_each_order_then_address(void **state)
{
	struct kho_sim_blk want[] = {
		{ 0x200000, 0 }, { 0x40000000, 0 }, { 0x300000, 3 },
		{ 0x10000000000ULL, 3 }, { 0x400000, 10 },
	};
	int n = 0;

	(void)state;
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x400), 10), 0);
	assert_int_equal(kho_preserve_phys(0x10000000000ULL, 8 * PAGE_SIZE), 0);
	assert_int_equal(kho_preserve_phys(0x40000000, PAGE_SIZE), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x300), 3), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x200), 0), 0);
	expect_blocks(want, 5);
	assert_int_equal(kho_preserved_bytes(), (2 + 16 + 1024) * PAGE_SIZE);
	assert_int_equal(kho_for_each_preserved(stop_at_third, &n), 42);
	assert_int_equal(n, 3);
}

/*
 * test_meta_pages_within_boot_reach - the handoff's own pages (the tracker
 * that becomes the preserved-memory map) come from below
 * DIRECT_MAP_MAX_GIB, because the next kernel reads them on entry.asm's
 * page tables; a client's data may lie anywhere.  The case maps simulated
 * RAM up to just past the limit (lazily backed) and puts it back after.
 */
static void test_meta_pages_within_boot_reach(void **state)
{
	const u64 reach = (u64)DIRECT_MAP_MAX_GIB << 30;
	struct page *data;
	void *meta;

	(void)state;
	shim_phys_init(reach + 4 * MIB);
	assert_int_equal(shim_vmemmap_init(PHYS_PFN(reach + 4 * MIB)), 0);

	shim_page_pool_init(PHYS_PFN(reach), 4);	/* free memory only above the limit */
	assert_null(kho_page_alloc());
	assert_int_equal(kho_preserve_pages(pfn_to_page(PHYS_PFN(64 * MIB)), 1), -ENOMEM);
	data = kho_alloc_pages(0);
	assert_non_null(data);
	assert_true(page_to_pfn(data) >= PHYS_PFN(reach));
	free_pages(data, 0);

	shim_page_pool_init(PHYS_PFN(reach) - 4, 4);	/* and only just below it */
	meta = kho_page_alloc();
	assert_non_null(meta);
	assert_true(virt_to_page(meta) < pfn_to_page(PHYS_PFN(reach)));
	kho_page_free(meta);

	shim_phys_init(KHO_SIM_BYTES);
	assert_int_equal(shim_vmemmap_init(SIM_MAX_PFN), 0);
	shim_page_pool_init(KHO_SIM_POOL_FIRST, PHYS_PFN(KHO_SIM_BYTES) - KHO_SIM_POOL_FIRST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folio_roundtrip),
		cmocka_unit_test(test_pages_split),
		cmocka_unit_test(test_phys_split),
		cmocka_unit_test(test_einval),
		cmocka_unit_test(test_eexist_lower_then_higher),
		cmocka_unit_test(test_eexist_higher_then_lower),
		cmocka_unit_test(test_eexist_rolls_back),
		cmocka_unit_test(test_enoent),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_many_bitmaps_sorted),
		cmocka_unit_test(test_for_each_order_then_address),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_meta_pages_within_boot_reach),
	};

	return kho_sim_run(tests, ARRAY_SIZE(tests), group_setup, kho_sim_setup, kho_sim_teardown);
}
