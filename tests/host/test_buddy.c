/*
 * tests/host/test_buddy.c - the buddy allocator (mm/page_alloc.c): boot-time
 * freeing, allocation and splitting, merging, zone and node policy,
 * counters, buddy_check_invariants(), and a randomized run against a
 * per-pfn reference model (seed from KHOLAB_SEED, printed at the start).
 *
 * Each test builds its own world by hand, as boot would: a section table,
 * struct pages initialised with their node and zone, zones with empty free
 * lists, then ranges handed to buddy.
 *
 * SOURCES: mm/page_alloc.c mm/mmzone.c mm/deferred_claim.c
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

#include <mm/page_alloc.h>
#include "shim.h"

#define NO_NODE		(-1)
#define WORLD_MAX_PFN	0x28000UL	/* five sections */
#define MAX_BLOCKS	8192

struct blk {
	u64 pfn;
	unsigned int order;
};

static const char *const zone_names[MAX_NR_ZONES] = { "DMA32", "Normal" };

/* ---- building a world ---- */

/* world_setup - cmocka setup: empty vmemmap, section table and nodes. */
static int world_setup(void **state)
{
	(void)state;
	if (shim_vmemmap_init(WORLD_MAX_PFN))
		return -1;
	free(mem_section);
	mem_section = calloc(NR_MEM_SECTIONS, sizeof(*mem_section));
	if (!mem_section)
		return -1;
	max_pfn = WORLD_MAX_PFN;
	memset(node_data, 0, sizeof(node_data));
	nr_online_nodes = 0;
	shim_log_reset();
	return 0;
}

/* world_teardown - cmocka teardown: release what world_setup() made. */
static int world_teardown(void **state)
{
	(void)state;
	free(mem_section);
	mem_section = NULL;
	shim_vmemmap_fini();
	return 0;
}

/* mark_sections - give every section overlapping [start, end) a memmap on @nid. */
static void mark_sections(u64 start, u64 end, int nid)
{
	for (u64 s = pfn_to_section_nr(start); s <= pfn_to_section_nr(end - 1); s++) {
		mem_section[s].flags = SECTION_PRESENT | SECTION_HAS_MEMMAP | SECTION_EARLY;
		mem_section[s].nid = (u8)nid;
	}
}

/*
 * init_pages - what memmap init does for [start, end): zeroed struct pages
 * linked to @nid/@zt with refcount 1; PG_reserved when @reserved.
 */
static void init_pages(u64 start, u64 end, int nid, int zt, bool reserved)
{
	for (u64 pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);

		memset(p, 0, sizeof(*p));
		set_page_links(p, zt, nid);
		p->_refcount = 1;
		p->_mapcount = -1;
		if (reserved)
			set_page_flag(p, PG_reserved);
	}
}

/* ram - mark sections and initialise the pages of RAM range [start, end). */
static void ram(u64 start, u64 end, int nid, int zt)
{
	mark_sections(start, end, nid);
	init_pages(start, end, nid, zt, false);
}

/*
 * nodes_online - bring nodes up to @nid online as boot does: every zone of
 * each new node gets its identity and empty free lists, span still empty.
 */
static void nodes_online(int nid)
{
	for (int n = nr_online_nodes; n <= nid; n++) {
		NODE_DATA(n)->node_id = n;
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &NODE_DATA(n)->node_zones[zt];

			z->nid = n;
			z->type = (enum zone_type)zt;
			z->name = zone_names[zt];
			zone_init_free_lists(z);
		}
	}
	if (nr_online_nodes <= nid)
		nr_online_nodes = nid + 1;
}

/* zone_setup - an empty zone @nid/@zt spanning [start, end); brings @nid online. */
static struct zone *zone_setup(int nid, int zt, u64 start, u64 end)
{
	struct zone *z = &NODE_DATA(nid)->node_zones[zt];

	nodes_online(nid);
	zone_init_free_lists(z);
	z->zone_start_pfn = start;
	z->spanned_pages = end - start;
	z->present_pages = end - start;
	return z;
}

/* simple_zone - a zone whose whole span is RAM, initialised but not yet freed. */
static struct zone *simple_zone(int nid, int zt, u64 start, u64 end)
{
	ram(start, end, nid, zt);
	return zone_setup(nid, zt, start, end);
}

/* ---- looking at free lists ---- */

/* blk_cmp - qsort order of blocks: by pfn. */
static int blk_cmp(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* zone_blocks - the free blocks of @z into @out (sorted by pfn); returns how many. */
static size_t zone_blocks(struct zone *z, struct blk *out, size_t max)
{
	size_t n = 0;

	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct list_head *pos;

		list_for_each(pos, &z->free_area[o].free_list) {
			assert_true(n < max);
			out[n].pfn = page_to_pfn(list_entry(pos, struct page, lru));
			out[n].order = o;
			n++;
		}
	}
	qsort(out, n, sizeof(*out), blk_cmp);
	return n;
}

/* expect_blocks - @z's free blocks are exactly @exp[0..@n) (sorted by pfn). */
static void expect_blocks(struct zone *z, const struct blk *exp, size_t n)
{
	static struct blk got[MAX_BLOCKS];
	size_t have = zone_blocks(z, got, MAX_BLOCKS);

	for (size_t i = 0; i < have && i < n; i++) {
		if (got[i].pfn != exp[i].pfn || got[i].order != exp[i].order)
			fail_msg("block %zu: got pfn 0x%llx order %u, want pfn 0x%llx order %u", i,
				 (unsigned long long)got[i].pfn, got[i].order,
				 (unsigned long long)exp[i].pfn, exp[i].order);
	}
	assert_int_equal(have, n);
}

/* order_counts_are - nr_free of @z for orders 0..MAX_PAGE_ORDER equal @want. */
static void order_counts_are(struct zone *z, const u64 want[MAX_PAGE_ORDER + 1])
{
	for (int o = 0; o <= MAX_PAGE_ORDER; o++)
		if (z->free_area[o].nr_free != want[o])
			fail_msg("order %d: nr_free %llu, want %llu", o,
				 (unsigned long long)z->free_area[o].nr_free,
				 (unsigned long long)want[o]);
}

/* free_heads_unreferenced - every free block of @z starts with a refcount-0 page. */
static void free_heads_unreferenced(struct zone *z)
{
	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct list_head *pos;

		list_for_each(pos, &z->free_area[o].free_list)
			assert_int_equal(list_entry(pos, struct page, lru)->_refcount, 0);
	}
}

/* check_allocated - @page heads a correctly prepared block of @order. */
static void check_allocated(struct page *page, unsigned int order)
{
	u64 pfn = page_to_pfn(page);

	assert_non_null(page);
	assert_int_equal(pfn & ((1UL << order) - 1), 0);
	assert_int_equal(page->_refcount, 1);
	assert_false(PageBuddy(page));
	if (!order) {
		assert_false(PageHead(page));
		assert_int_equal(page->compound_head, 0);
		return;
	}
	assert_true(PageHead(page));
	assert_int_equal(page->private, order);
	for (u64 i = 1; i < (1UL << order); i++) {
		assert_int_equal(page[i]._refcount, 0);
		assert_int_equal(page[i].compound_head, (u64)(uintptr_t)page | 1);
		assert_false(PageBuddy(&page[i]));
		assert_false(PageHead(&page[i]));
	}
}

/*
 * take_block - take the free block of @order at @pfn off @z's lists by
 * hand and prepare it as alloc_pages() would, so that a test of the free
 * path or of the invariants check can free or reshape an allocated block
 * without depending on rmqueue() (the other half of the lab).
 * Return: the block's first page.
 */
static struct page *take_block(struct zone *z, u64 pfn, unsigned int order)
{
	struct page *p = pfn_to_page(pfn);

	assert_true(PageBuddy(p));
	assert_int_equal(p->private, order);
	list_del(&p->lru);
	clear_page_flag(p, PG_buddy);
	z->free_area[order].nr_free--;
	z->free_pages -= 1UL << order;
	p->_refcount = 1;
	p->private = 0;
	if (order) {
		set_page_flag(p, PG_head);
		p->private = order;
		for (u64 i = 1; i < (1UL << order); i++)
			p[i].compound_head = (u64)(uintptr_t)p | 1;
	}
	return p;
}

/* ---- boot-time freeing ---- */

/* An aligned range becomes max-order blocks only, one list insertion each. */
static void test_bulk_aligned_max_order(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x9000);
	u64 want[MAX_PAGE_ORDER + 1] = { [MAX_PAGE_ORDER] = 4 };
	struct blk exp[] = { { 0x8000, 10 }, { 0x8400, 10 }, { 0x8800, 10 }, { 0x8c00, 10 } };

	(void)state;
	assert_int_equal(__free_pages_bulk(0x8000, 0x9000), 0x1000);
	order_counts_are(z, want);
	expect_blocks(z, exp, ARRAY_SIZE(exp));
	assert_int_equal(z->free_pages, 0x1000);
	assert_int_equal(z->managed_pages, 0x1000);
	assert_int_equal(nr_free_pages(), 0x1000);
	free_heads_unreferenced(z);
	assert_int_equal(buddy_check_invariants(), 0);
	/* Empty and reversed ranges free nothing. */
	assert_int_equal(__free_pages_bulk(0x8000, 0x8000), 0);
	assert_int_equal(__free_pages_bulk(0x8001, 0x8000), 0);
	assert_int_equal(z->managed_pages, 0x1000);
}

/* Unaligned ranges split into the largest naturally aligned blocks. */
static void test_bulk_unaligned_split(void **state)
{
	struct zone *z = simple_zone(0, ZONE_DMA32, 0, 0x2000);
	struct blk exp1[] = {
		{ 0x3, 0 }, { 0x4, 2 }, { 0x8, 3 }, { 0x10, 4 }, { 0x20, 5 }, { 0x40, 6 },
		{ 0x80, 7 }, { 0x100, 8 }, { 0x200, 9 }, { 0x400, 10 }, { 0x800, 10 },
		{ 0xc00, 10 }, { 0x1000, 10 }, { 0x1400, 2 }, { 0x1404, 0 },
	};
	struct blk exp2[] = {
		{ 0x3, 0 }, { 0x4, 2 }, { 0x8, 3 }, { 0x10, 4 }, { 0x20, 5 }, { 0x40, 6 },
		{ 0x80, 7 }, { 0x100, 8 }, { 0x200, 9 }, { 0x400, 10 }, { 0x800, 10 },
		{ 0xc00, 10 }, { 0x1000, 10 }, { 0x1400, 2 }, { 0x1404, 0 },
		{ 0x1809, 0 }, { 0x180a, 1 }, { 0x180c, 2 }, { 0x1810, 0 },
	};

	(void)state;
	assert_int_equal(__free_pages_bulk(0x3, 0x1405), 0x1402);
	expect_blocks(z, exp1, ARRAY_SIZE(exp1));
	free_heads_unreferenced(z);
	assert_int_equal(__free_pages_bulk(0x1809, 0x1811), 8);
	expect_blocks(z, exp2, ARRAY_SIZE(exp2));
	assert_int_equal(z->free_pages, 0x1402 + 8);
	assert_int_equal(z->managed_pages, 0x1402 + 8);
	assert_int_equal(buddy_check_invariants(), 0);

	/* Filling the gaps merges everything back to max-order blocks. */
	assert_int_equal(__free_pages_bulk(0, 3), 3);
	assert_int_equal(__free_pages_bulk(0x1405, 0x1809), 0x404);
	assert_int_equal(__free_pages_bulk(0x1811, 0x2000), 0x7ef);
	u64 want[MAX_PAGE_ORDER + 1] = { [MAX_PAGE_ORDER] = 8 };
	order_counts_are(z, want);
	assert_int_equal(z->managed_pages, 0x2000);
	assert_int_equal(buddy_check_invariants(), 0);
}

/* __free_pages_core: counts managed pages and merges with free buddies. */
static void test_free_pages_core_merges(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8800);
	struct blk one[] = { { 0x8000, 4 } };
	struct blk all[] = { { 0x8000, 10 }, { 0x8400, 10 } };

	(void)state;
	for (u64 pfn = 0x800f; pfn >= 0x8000; pfn--) {
		__free_pages_core(pfn_to_page(pfn), 0);
		assert_int_equal(pfn_to_page(pfn)->_refcount, 0);
		assert_int_equal(buddy_check_invariants(), 0);
	}
	expect_blocks(z, one, ARRAY_SIZE(one));
	assert_int_equal(z->managed_pages, 16);
	__free_pages_core(pfn_to_page(0x8400), 10);
	for (u64 pfn = 0x8010; pfn < 0x8400; pfn += 16)
		__free_pages_core(pfn_to_page(pfn), 4);
	expect_blocks(z, all, ARRAY_SIZE(all));
	for (u64 pfn = 0x8400; pfn < 0x8800; pfn++)
		assert_int_equal(pfn_to_page(pfn)->_refcount, 0);
	assert_int_equal(z->managed_pages, 0x800);
	assert_int_equal(z->free_pages, 0x800);
	assert_int_equal(z->nr_frees, 0);	/* boot freeing is not counted as frees */
	assert_int_equal(buddy_check_invariants(), 0);
}

/* ---- allocation ---- */

/* Every order 0..10 comes back aligned and prepared; freeing restores all. */
static void test_alloc_each_order(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0xc000);
	static struct blk before[MAX_BLOCKS];
	size_t nbefore;
	struct page *got[MAX_PAGE_ORDER + 1];

	(void)state;
	__free_pages_bulk(0x8000, 0xc000);
	nbefore = zone_blocks(z, before, MAX_BLOCKS);
	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		got[o] = alloc_pages(o, 0);
		check_allocated(got[o], o);
		assert_ptr_equal(page_zone(got[o]), z);
		assert_true(page_to_pfn(got[o]) >= 0x8000);
		assert_true(page_to_pfn(got[o]) + (1UL << o) <= 0xc000);
		assert_int_equal(buddy_check_invariants(), 0);
	}
	assert_int_equal(z->nr_allocs, MAX_PAGE_ORDER + 1);
	assert_int_equal(z->free_pages, 0x4000 - (2 * MAX_ORDER_NR_PAGES - 1));
	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		free_pages(got[o], o);
		assert_false(PageHead(got[o]));
		for (u64 i = 1; i < (1UL << o); i++)
			assert_int_equal(got[o][i].compound_head, 0);
		assert_int_equal(buddy_check_invariants(), 0);
	}
	assert_int_equal(z->nr_frees, MAX_PAGE_ORDER + 1);
	expect_blocks(z, before, nbefore);
}

/* Taking one page from a max-order block leaves one block of each smaller order. */
static void test_split_remainders(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8800);
	struct blk after0[] = {
		{ 0x8401, 0 }, { 0x8402, 1 }, { 0x8404, 2 }, { 0x8408, 3 }, { 0x8410, 4 },
		{ 0x8420, 5 }, { 0x8440, 6 }, { 0x8480, 7 }, { 0x8500, 8 }, { 0x8600, 9 },
	};
	struct blk after3[] = {
		{ 0x8408, 3 }, { 0x8410, 4 }, { 0x8420, 5 }, { 0x8440, 6 }, { 0x8480, 7 },
		{ 0x8500, 8 }, { 0x8600, 9 },
	};
	struct blk orig[] = { { 0x8400, 10 } };
	struct page *p, *q;

	(void)state;
	__free_pages_core(pfn_to_page(0x8400), 10);
	p = alloc_pages(0, 0);
	assert_int_equal(page_to_pfn(p), 0x8400);
	expect_blocks(z, after0, ARRAY_SIZE(after0));
	assert_int_equal(buddy_check_invariants(), 0);
	/* Order 2 is served by the remaining order-2 block, no further split. */
	q = alloc_pages(2, 0);
	assert_int_equal(page_to_pfn(q), 0x8404);
	free_pages(p, 0);
	/* pfn 0x8400 merges with 0x8401 and 0x8402, then stops at allocated 0x8404. */
	struct blk mid[] = {
		{ 0x8400, 2 }, { 0x8408, 3 }, { 0x8410, 4 }, { 0x8420, 5 }, { 0x8440, 6 },
		{ 0x8480, 7 }, { 0x8500, 8 }, { 0x8600, 9 },
	};
	expect_blocks(z, mid, ARRAY_SIZE(mid));
	p = alloc_pages(2, 0);
	assert_int_equal(page_to_pfn(p), 0x8400);
	expect_blocks(z, after3, ARRAY_SIZE(after3));
	free_pages(q, 2);
	free_pages(p, 2);
	expect_blocks(z, orig, ARRAY_SIZE(orig));
	assert_int_equal(z->nr_allocs, 3);
	assert_int_equal(z->nr_frees, 3);
	assert_int_equal(buddy_check_invariants(), 0);
}

/*
 * Freeing all order-0 pages of two max-order blocks in a scrambled order
 * merges them back.  The pages start out as if every one of them had been
 * allocated (managed, none free), so this needs only the free path.
 */
static void test_free_merges_back(void **state)
{
	struct zone *z = simple_zone(1, ZONE_DMA32, 0x18000, 0x18800);
	struct blk orig[] = { { 0x18000, 10 }, { 0x18400, 10 } };

	(void)state;
	z->managed_pages = 0x800;
	assert_int_equal(z->free_pages, 0);
	/* Free odd pages in reverse order, then even ones in a stride. */
	for (int i = 0x7ff; i >= 0; i -= 2)
		free_pages(pfn_to_page(0x18000 + (u64)i), 0);
	assert_int_equal(z->free_area[0].nr_free, 0x400);	/* nothing could merge */
	assert_int_equal(buddy_check_invariants(), 0);
	for (int k = 0; k < 7; k++)
		for (int i = k * 2; i < 0x800; i += 14)
			free_pages(pfn_to_page(0x18000 + (u64)i), 0);
	assert_int_equal(buddy_check_invariants(), 0);
	expect_blocks(z, orig, ARRAY_SIZE(orig));
	assert_int_equal(z->free_pages, 0x800);
	assert_int_equal(z->nr_frees, 0x800);
}

/* ---- merge boundaries ---- */

/* Buddies in adjacent zones stay apart, even when one zone spans the other. */
/*
 * free_two_halves - free [0x8200, 0x8400) then [0x8000, 0x8200): each half
 * must stay one order-9 block in its own zone (@a low, @b high), never one
 * order-10 block.
 */
static void free_two_halves(struct zone *a, struct zone *b)
{
	const struct blk ea[] = { { 0x8000, 9 } };
	const struct blk eb[] = { { 0x8200, 9 } };

	__free_pages_bulk(0x8200, 0x8400);
	__free_pages_bulk(0x8000, 0x8200);
	expect_blocks(a, ea, ARRAY_SIZE(ea));
	expect_blocks(b, eb, ARRAY_SIZE(eb));
	assert_int_equal(buddy_check_invariants(), 0);
}

static void test_no_merge_across_zones(void **state)
{
	struct zone *a, *b;

	(void)state;
	a = simple_zone(0, ZONE_DMA32, 0x8000, 0x8200);
	b = simple_zone(0, ZONE_NORMAL, 0x8200, 0x8400);
	free_two_halves(a, b);

	/*
	 * Overlapping spans (as with interleaved nodes): zone a now spans
	 * the pages of zone b too, but a block of b is no buddy for a.
	 */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	a = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8400);
	ram(0x8200, 0x8400, 1, ZONE_NORMAL);
	b = zone_setup(1, ZONE_NORMAL, 0x8200, 0x8400);
	free_two_halves(a, b);

	/* The same, a's pages coming back one by one (freed after use). */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	a = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8400);
	ram(0x8200, 0x8400, 1, ZONE_NORMAL);
	b = zone_setup(1, ZONE_NORMAL, 0x8200, 0x8400);
	__free_pages_bulk(0x8200, 0x8400);
	a->managed_pages = 0x200;
	for (u64 pfn = 0x8000; pfn < 0x8200; pfn++)
		free_pages(pfn_to_page(pfn), 0);
	expect_blocks(a, (const struct blk[]){ { 0x8000, 9 } }, 1);
	expect_blocks(b, (const struct blk[]){ { 0x8200, 9 } }, 1);
	assert_int_equal(buddy_check_invariants(), 0);
}

/* Reserved pages, allocated pages, section holes and zone ends stop merging. */
static void test_no_merge_with_non_buddy(void **state)
{
	struct zone *z = simple_zone(0, ZONE_DMA32, 0, 0x400);
	struct blk e1[] = {
		{ 0x0, 2 }, { 0x4, 0 }, { 0x6, 1 }, { 0x8, 3 }, { 0x10, 4 }, { 0x20, 5 },
		{ 0x40, 6 }, { 0x80, 7 }, { 0x100, 8 }, { 0x200, 9 },
	};
	struct page *p;

	(void)state;
	set_page_flag(pfn_to_page(5), PG_reserved);	/* firmware page: never freed */
	__free_pages_bulk(0, 5);
	__free_pages_bulk(6, 0x400);
	expect_blocks(z, e1, ARRAY_SIZE(e1));
	assert_int_equal(z->managed_pages, 0x3ff);
	assert_int_equal(buddy_check_invariants(), 0);

	/* A free neighbour of another order is no buddy either. */
	p = take_block(z, 6, 1);		/* pfn 6..7 allocated, then freed */
	free_pages(p, 1);
	expect_blocks(z, e1, ARRAY_SIZE(e1));

	/*
	 * Stale buddy-looking pages of the same zone just outside its span
	 * (above the end, below the start) must not be merged with.
	 */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	ram(0x8000, 0x8800, 0, ZONE_NORMAL);
	z = zone_setup(0, ZONE_NORMAL, 0x8200, 0x8400);
	pfn_to_page(0x8000)->private = 9;
	set_page_flag(pfn_to_page(0x8000), PG_buddy);
	pfn_to_page(0x8600)->private = 9;
	set_page_flag(pfn_to_page(0x8600), PG_buddy);
	__free_pages_bulk(0x8200, 0x8400);
	struct blk e2[] = { { 0x8200, 9 } };
	expect_blocks(z, e2, ARRAY_SIZE(e2));
	p = take_block(z, 0x8200, 9);
	free_pages(p, 9);
	expect_blocks(z, e2, ARRAY_SIZE(e2));
	z->spanned_pages = 0x400;	/* grow the span: now 0x8400 is inside */
	z->managed_pages += 0x200;	/* ... and in use: the order-9 block at 0x8400 */
	free_pages(pfn_to_page(0x8400), 9);	/* its buddy 0x8600 lies past the zone end */
	struct blk e3[] = { { 0x8200, 9 }, { 0x8400, 9 } };
	expect_blocks(z, e3, ARRAY_SIZE(e3));
	assert_int_equal(buddy_check_invariants(), 0);
}

/* ---- allocation policy and failure ---- */

/* Orders above MAX_PAGE_ORDER fail without touching any zone. */
static void test_order_too_large(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x10000);

	(void)state;
	__free_pages_bulk(0x8000, 0x10000);
	assert_null(alloc_pages(MAX_PAGE_ORDER + 1, 0));
	assert_null(alloc_pages(MAX_PAGE_ORDER + 1, NO_NODE));
	assert_null(alloc_pages(63, 0));
	assert_null(alloc_pages(~0u, NO_NODE));
	assert_int_equal(z->nr_allocs, 0);
	assert_int_equal(z->free_pages, 0x8000);
	assert_non_null(alloc_pages(MAX_PAGE_ORDER, 0));
}

/* Running out: NULL once no block is big enough, even with pages left. */
static void test_exhaustion(void **state)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8400);
	int n = 0;

	(void)state;
	__free_pages_bulk(0x8003, 0x8028);	/* 37 pages */
	while (alloc_pages(0, NO_NODE))
		n++;
	assert_int_equal(n, 37);
	assert_int_equal(z->free_pages, 0);
	assert_int_equal(nr_free_pages(), 0);
	assert_null(alloc_pages(0, 0));
	assert_int_equal(z->nr_allocs, 37);

	/* Fragmented: 8 free pages, none of them pairs, so order 1 fails. */
	for (u64 pfn = 0x8010; pfn < 0x8020; pfn += 2)
		free_pages(pfn_to_page(pfn), 0);
	assert_int_equal(z->free_pages, 8);
	assert_null(alloc_pages(1, 0));
	assert_non_null(alloc_pages(0, 0));
	assert_int_equal(buddy_check_invariants(), 0);

	/* No zone managed at all. */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	assert_null(alloc_pages(0, NO_NODE));
	nr_online_nodes = 2;	/* online nodes whose zones were never set up */
	assert_null(alloc_pages(0, 1));
}

/* freed_zone - simple_zone() whose whole span is then handed to buddy. */
static struct zone *freed_zone(int nid, int zt, u64 start, u64 end)
{
	struct zone *z = simple_zone(nid, zt, start, end);

	__free_pages_bulk(start, end);
	return z;
}

/* alloc_in - alloc_pages(@order, @nid) must succeed from zone @z. */
static struct page *alloc_in(unsigned int order, int nid, const struct zone *z)
{
	struct page *p = alloc_pages(order, nid);

	if (!p || page_zone(p) != z)
		fail_msg("alloc_pages(%u, %d) gave %s, want zone %s of node %d", order, nid,
			 p ? page_zone(p)->name : "nothing", z->name, z->nid);
	return p;
}

/* The preferred node first, then the others in order; NO_NODE from node 0. */
static void test_node_preference_and_fallback(void **state)
{
	struct zone *z0 = freed_zone(0, ZONE_NORMAL, 0x8000, 0x8010);
	struct zone *z1 = freed_zone(1, ZONE_NORMAL, 0x10000, 0x10010);
	struct zone *z2 = freed_zone(2, ZONE_NORMAL, 0x18000, 0x18010);

	(void)state;
	assert_int_equal(page_to_nid(alloc_in(0, 1, z1)), 1);
	alloc_in(0, 2, z2);
	alloc_in(0, NO_NODE, z0);

	/* Exhaust node 1: its requests spill over to node 0 first, then 2. */
	assert_non_null(alloc_pages(3, 1));
	assert_non_null(alloc_pages(2, 1));
	assert_non_null(alloc_pages(1, 1));
	assert_non_null(alloc_pages(0, 1));
	assert_int_equal(z1->free_pages, 0);
	alloc_in(3, 1, z0);
	alloc_in(3, 1, z2);	/* z0 has only 7 pages left */
	alloc_in(2, 1, z0);

	/* A node id past the online ones still gets memory from some node. */
	assert_non_null(alloc_pages(0, 7));
	assert_int_equal(z0->nr_allocs + z1->nr_allocs + z2->nr_allocs, 11);
	assert_int_equal(buddy_check_invariants(), 0);
}

/* Within a node the highest zone serves first; empty zones are skipped. */
static void test_highest_zone_first(void **state)
{
	struct zone *dma = freed_zone(0, ZONE_DMA32, 0x1000, 0x1010);
	struct zone *normal = freed_zone(0, ZONE_NORMAL, 0x8000, 0x8008);
	struct zone *n1dma = freed_zone(1, ZONE_DMA32, 0x10000, 0x10010);
	/* node 1's NORMAL zone is online but empty (no managed pages). */
	const struct { unsigned int order; int nid; const struct zone *from; } steps[] = {
		{ 2, 0, normal },
		{ 3, 0, dma },		/* normal has only 4 left */
		{ 2, 0, normal },
		{ 0, 0, dma },
		{ 0, 1, n1dma },
		{ 2, NO_NODE, dma },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		alloc_in(steps[i].order, steps[i].nid, steps[i].from);
	assert_int_equal(normal->nr_allocs, 2);
	assert_int_equal(dma->nr_allocs, 3);
	assert_int_equal(n1dma->nr_allocs, 1);
}

/* free_pages, managed_pages, nr_allocs, nr_frees and nr_free per order. */
static void test_counters(void **state)
{
	struct zone *z0 = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8800);
	struct zone *z1 = simple_zone(1, ZONE_DMA32, 0x10000, 0x10100);
	struct page *a, *b, *c;

	(void)state;
	assert_int_equal(__free_pages_bulk(0x8000, 0x8800), 0x800);
	assert_int_equal(__free_pages_bulk(0x10000, 0x10100), 0x100);
	assert_int_equal(nr_free_pages(), 0x900);

	a = alloc_pages(5, 0);
	{
		u64 want[MAX_PAGE_ORDER + 1] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1 };
		order_counts_are(z0, want);
	}
	b = alloc_pages(0, 1);
	c = alloc_pages(8, 1);
	{
		u64 want[MAX_PAGE_ORDER + 1] = { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 };
		order_counts_are(z1, want);
	}
	assert_int_equal(z0->free_pages, 0x800 - 32 - 0x100);	/* order 8 fell back to node 0 */
	assert_int_equal(z1->free_pages, 0x100 - 1);
	assert_ptr_equal(page_zone(c), z0);
	assert_int_equal(z0->free_pages + z1->free_pages, nr_free_pages());
	assert_int_equal(z0->managed_pages, 0x800);
	assert_int_equal(z1->managed_pages, 0x100);
	assert_int_equal(z0->nr_allocs, 2);
	assert_int_equal(z1->nr_allocs, 1);
	assert_int_equal(z0->nr_frees + z1->nr_frees, 0);

	free_pages(a, 5);
	free_pages(b, 0);
	free_pages(c, 8);
	assert_int_equal(z0->nr_frees, 2);
	assert_int_equal(z1->nr_frees, 1);
	assert_int_equal(nr_free_pages(), 0x900);
	assert_int_equal(z0->managed_pages, 0x800);	/* frees don't change managed */
	{
		u64 want0[MAX_PAGE_ORDER + 1] = { [10] = 2 };
		u64 want1[MAX_PAGE_ORDER + 1] = { [8] = 1 };
		order_counts_are(z0, want0);
		order_counts_are(z1, want1);
	}
	assert_int_equal(buddy_check_invariants(), 0);
}

/* ---- buddy_check_invariants ---- */

/*
 * corrupt_world - a zone with one free block of each order 0..10, made by
 * the free path alone: pfn 0x8001 (order 0), 0x8002 (1), 0x8004 (2), ...,
 * 0x8200 (9), 0x8400 (10).  The invariants tests corrupt it by hand; none
 * of them allocates, so they test buddy_check_invariants() and nothing of
 * rmqueue().
 */
static struct zone *corrupt_world(void)
{
	struct zone *z = simple_zone(0, ZONE_NORMAL, 0x8000, 0x8800);

	__free_pages_bulk(0x8001, 0x8800);
	assert_int_equal(buddy_check_invariants(), 0);
	shim_log_reset();
	return z;
}

/* first_block - the first block on @z's order-@o list. */
static struct page *first_block(struct zone *z, unsigned int o)
{
	assert_false(list_empty(&z->free_area[o].free_list));
	return list_first_entry(&z->free_area[o].free_list, struct page, lru);
}

/* A block whose recorded order disagrees with its list is caught. */
static void test_invariants_bad_order(void **state)
{
	struct zone *z = corrupt_world();
	struct page *p = first_block(z, 3);

	(void)state;
	p->private = 4;
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	assert_true(shim_log_contains("order-3 list has order 4"));
	p->private = 3;
	clear_page_flag(p, PG_buddy);		/* on a list but not marked free */
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	set_page_flag(p, PG_buddy);
	assert_int_equal(buddy_check_invariants(), 0);
}

/* A block dropped from its list, or counted twice, is caught. */
static void test_invariants_unlinked_block(void **state)
{
	struct zone *z = corrupt_world();
	struct page *p = first_block(z, 5);

	(void)state;
	list_del(&p->lru);
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	assert_true(shim_log_contains("order-5 list has 0 blocks, counter says 1"));
	list_add(&p->lru, &z->free_area[5].free_list);
	assert_int_equal(buddy_check_invariants(), 0);
	z->free_pages++;
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	assert_true(shim_log_contains("counter says"));
	z->free_pages--;
	z->free_area[2].nr_free = 0;
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	z->free_area[2].nr_free = 1;
	assert_int_equal(buddy_check_invariants(), 0);
}

/* Two free buddies left apart, or a misplaced block, are caught. */
static void test_invariants_unmerged_and_misplaced(void **state)
{
	struct zone *z = corrupt_world();
	struct page *p = take_block(z, 0x8010, 4);	/* the free order-4 block */

	(void)state;
	/* Hand it back as two order-3 halves, without merging them. */
	clear_page_flag(p, PG_head);
	for (int h = 0; h < 2; h++) {
		struct page *q = p + 8 * h;

		q->private = 3;
		set_page_flag(q, PG_buddy);
		list_add(&q->lru, &z->free_area[3].free_list);
		z->free_area[3].nr_free++;
		z->free_pages += 8;
	}
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	assert_true(shim_log_contains("both free but not merged"));

	/* A misaligned block. */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	z = corrupt_world();
	p = first_block(z, 4);
	list_del(&p->lru);
	clear_page_flag(p, PG_buddy);
	p += 1;
	p->private = 4;
	set_page_flag(p, PG_buddy);
	list_add(&p->lru, &z->free_area[4].free_list);
	assert_int_equal(buddy_check_invariants(), -EINVAL);
	assert_true(shim_log_contains("misaligned or outside the zone"));

	/* A block outside its zone's span. */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	z = corrupt_world();
	z->spanned_pages = 0x400;		/* the zone shrinks under its blocks */
	assert_int_equal(buddy_check_invariants(), -EINVAL);

	/* A corrupted second node is found too. */
	world_teardown(state);
	assert_int_equal(world_setup(state), 0);
	simple_zone(0, ZONE_NORMAL, 0x8000, 0x8400);
	struct zone *z1 = simple_zone(1, ZONE_DMA32, 0x10000, 0x10400);
	__free_pages_bulk(0x8000, 0x8400);
	__free_pages_bulk(0x10000, 0x10400);
	assert_int_equal(buddy_check_invariants(), 0);
	z1->free_area[10].nr_free = 2;
	assert_int_equal(buddy_check_invariants(), -EINVAL);
}

/* ---- randomized comparison with a reference model ---- */

enum { M_NONE, M_FREE, M_ALLOC };

struct range {
	u64 start, end;
};

struct rzone {
	int nid, zt;
	u64 start, end;		/* span */
	struct range ram[2];	/* RAM ranges, handed to buddy */
};

/*
 * 2 nodes x 2 zones.  Holes: reserved pages inside sections, a whole
 * section without memmap (section 1) inside node 0's NORMAL span, and
 * unaligned range edges everywhere.
 */
static const struct rzone rworld[] = {
	{ 0, ZONE_DMA32,  0x0,     0x8000,  { { 0x1, 0x9f }, { 0x100, 0x7f0 } } },
	{ 0, ZONE_NORMAL, 0x8000,  0x18000, { { 0x10000, 0x10c35 }, { 0x10c36, 0x10c37 } } },
	{ 1, ZONE_DMA32,  0x18000, 0x20000, { { 0x18003, 0x18a00 }, { 0x18a01, 0x19000 } } },
	{ 1, ZONE_NORMAL, 0x20000, 0x28000, { { 0x20000, 0x20800 }, { 0x21000, 0x21400 } } },
};

struct live {
	struct page *page;
	unsigned int order;
};

/* model_fits - does @rz have a fully free, aligned 2^@order run (per the model)? */
static bool model_fits(const u8 *model, const struct rzone *rz, unsigned int order)
{
	u64 n = 1UL << order;

	for (int r = 0; r < 2; r++) {
		u64 s = ALIGN_UP(rz->ram[r].start, n);

		for (; s + n <= rz->ram[r].end; s += n) {
			u64 i = 0;

			while (i < n && model[s + i] == M_FREE)
				i++;
			if (i == n)
				return true;
		}
	}
	return false;
}

/* model_zone - the zone alloc_pages(@order, @nid) must pick per the model, or NULL. */
static struct zone *model_zone(const u8 *model, unsigned int order, int nid)
{
	if (order > MAX_PAGE_ORDER)
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (int n = 0; n < 2; n++) {
			if ((pass == 0) != (n == nid || nid == NO_NODE))
				continue;
			for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--)
				for (size_t i = 0; i < ARRAY_SIZE(rworld); i++)
					if (rworld[i].nid == n && rworld[i].zt == zt &&
					    model_fits(model, &rworld[i], order))
						return &NODE_DATA(n)->node_zones[zt];
		}
	}
	return NULL;
}

/* model_compare_lists - every page on a free list is M_FREE and vice versa. */
static void model_compare_lists(const u8 *model)
{
	static u8 seen[WORLD_MAX_PFN];
	static struct blk blocks[MAX_BLOCKS];

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < ARRAY_SIZE(rworld); i++) {
		struct zone *z = &NODE_DATA(rworld[i].nid)->node_zones[rworld[i].zt];
		size_t n = zone_blocks(z, blocks, MAX_BLOCKS);

		for (size_t b = 0; b < n; b++)
			for (u64 p = blocks[b].pfn; p < blocks[b].pfn + (1UL << blocks[b].order); p++) {
				assert_int_equal(seen[p], 0);
				seen[p] = 1;
			}
	}
	for (u64 p = 0; p < WORLD_MAX_PFN; p++)
		if ((model[p] == M_FREE) != seen[p])
			fail_msg("pfn 0x%llx: model %d, on free list %d", (unsigned long long)p,
				 model[p], seen[p]);
}

/* The random test's state: the per-pfn model and what is allocated. */
struct model_run {
	u8 *model;			/* M_NONE / M_FREE / M_ALLOC per pfn */
	struct live *live;		/* blocks handed out, not yet freed */
	size_t nlive;
	u64 model_free, seed;
	int allocs, frees, fails;
};

/*
 * random_world_boot - the random test's world: every rworld zone's RAM
 * initialised and freed to buddy (one range in bulk, the other page by
 * page through the core path), recorded free in the model.
 */
static void random_world_boot(struct model_run *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(rworld); i++) {
		const struct rzone *rz = &rworld[i];

		for (u64 s = rz->start; s < rz->end; s += PAGES_PER_SECTION)
			if (!(rz->nid == 0 && rz->zt == ZONE_NORMAL && pfn_to_section_nr(s) == 1)) {
				mark_sections(s, s + PAGES_PER_SECTION, rz->nid);
				init_pages(s, s + PAGES_PER_SECTION, rz->nid, rz->zt, true);
			}
		zone_setup(rz->nid, rz->zt, rz->start, rz->end);
		for (int r = 0; r < 2; r++)
			for (u64 p = rz->ram[r].start; p < rz->ram[r].end; p++) {
				clear_page_flag(pfn_to_page(p), PG_reserved);
				m->model[p] = M_FREE;
				m->model_free++;
			}
	}
	assert_false(pfn_valid(0x8000));
	for (size_t i = 0; i < ARRAY_SIZE(rworld); i++) {
		const struct rzone *rz = &rworld[i];

		__free_pages_bulk(rz->ram[0].start, rz->ram[0].end);
		for (u64 p = rz->ram[1].start; p < rz->ram[1].end; p++)
			__free_pages_core(pfn_to_page(p), 0);
	}
	assert_int_equal(nr_free_pages(), m->model_free);
	assert_int_equal(buddy_check_invariants(), 0);
}

/* random_order - mostly small orders, some up to 10, a few impossible ones. */
static unsigned int random_order(void)
{
	u64 r = shim_rand() % 100;

	if (r < 50)
		return 0;
	if (r < 75)
		return (unsigned int)(shim_rand() % 4);
	if (r < 98)
		return (unsigned int)(shim_rand() % 11);
	return 11 + (unsigned int)(shim_rand() % 3);
}

/* random_alloc - one alloc_pages(); it must succeed exactly when the model has room. */
static void random_alloc(struct model_run *m, int op)
{
	unsigned int order = random_order();
	int nid = (int)(shim_rand() % 3) - 1;
	struct zone *want = model_zone(m->model, order, nid);
	struct page *p = alloc_pages(order, nid);
	u64 pfn;

	if (!want) {
		if (p)
			fail_msg("op %d seed %llu: alloc(%u, %d) gave pfn 0x%llx, model says none",
				 op, (unsigned long long)m->seed, order, nid,
				 (unsigned long long)page_to_pfn(p));
		m->fails++;
		return;
	}
	if (!p)
		fail_msg("op %d seed %llu: alloc(%u, %d) failed, model has room in %s/%d",
			 op, (unsigned long long)m->seed, order, nid, want->name, want->nid);
	assert_ptr_equal(page_zone(p), want);
	pfn = page_to_pfn(p);
	assert_true(pfn_valid(pfn));
	assert_true(pfn >= want->zone_start_pfn && pfn + (1UL << order) <= zone_end_pfn(want));
	check_allocated(p, order);
	for (u64 i = 0; i < (1UL << order); i++) {
		if (m->model[pfn + i] != M_FREE)
			fail_msg("op %d seed %llu: pfn 0x%llx handed out but model state %d",
				 op, (unsigned long long)m->seed, (unsigned long long)(pfn + i),
				 m->model[pfn + i]);
		m->model[pfn + i] = M_ALLOC;
	}
	m->model_free -= 1UL << order;
	m->live[m->nlive].page = p;
	m->live[m->nlive].order = order;
	m->nlive++;
	m->allocs++;
}

/* random_free - free a random live block and mark it free in the model. */
static void random_free(struct model_run *m)
{
	size_t k = shim_rand() % m->nlive;
	struct live l = m->live[k];
	u64 pfn = page_to_pfn(l.page);

	m->live[k] = m->live[--m->nlive];
	free_pages(l.page, l.order);
	for (u64 i = 0; i < (1UL << l.order); i++) {
		assert_int_equal(m->model[pfn + i], M_ALLOC);
		m->model[pfn + i] = M_FREE;
	}
	m->model_free += 1UL << l.order;
	m->frees++;
}

/* random_check - after operation @op: free count and invariants agree with the model. */
static void random_check(const struct model_run *m, int op)
{
	if (nr_free_pages() != m->model_free)
		fail_msg("op %d seed %llu: nr_free_pages %llu, model %llu", op,
			 (unsigned long long)m->seed, (unsigned long long)nr_free_pages(),
			 (unsigned long long)m->model_free);
	if (buddy_check_invariants())
		fail_msg("op %d seed %llu: invariants broken:\n%s", op,
			 (unsigned long long)m->seed, shim_log_text());
	if (op % 256 == 0)
		model_compare_lists(m->model);
}

/* Thousands of random allocs/frees agree with a per-pfn free/allocated model. */
static void test_random_vs_model(void **state)
{
	static u8 model[WORLD_MAX_PFN];
	static struct live live[WORLD_MAX_PFN];
	static struct blk initial[ARRAY_SIZE(rworld)][MAX_BLOCKS];
	size_t ninitial[ARRAY_SIZE(rworld)];
	struct model_run m = { .model = model, .live = live };

	(void)state;
	m.seed = shim_seed_init("test_buddy");
	memset(model, M_NONE, sizeof(model));
	random_world_boot(&m);
	for (size_t i = 0; i < ARRAY_SIZE(rworld); i++)
		ninitial[i] = zone_blocks(&NODE_DATA(rworld[i].nid)->node_zones[rworld[i].zt],
					  initial[i], MAX_BLOCKS);
	model_compare_lists(model);

	for (int op = 0; op < 20000; op++) {
		/* Bias: alloc more while little is live, free more when much is. */
		if (m.nlive == 0 || shim_rand() % 100 < (m.model_free > 4000 ? 60 : 40))
			random_alloc(&m, op);
		else
			random_free(&m);
		random_check(&m, op);
	}
	model_compare_lists(model);
	print_message("test_buddy: %d allocs, %d frees, %d expected failures\n", m.allocs, m.frees,
		      m.fails);
	assert_true(m.allocs > 1000 && m.fails > 10);

	while (m.nlive) {
		m.nlive--;
		free_pages(live[m.nlive].page, live[m.nlive].order);
	}
	assert_int_equal(buddy_check_invariants(), 0);
	for (size_t i = 0; i < ARRAY_SIZE(rworld); i++) {
		struct zone *z = &NODE_DATA(rworld[i].nid)->node_zones[rworld[i].zt];

		expect_blocks(z, initial[i], ninitial[i]);
		assert_int_equal(z->free_pages, z->managed_pages);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
	const struct CMUnitTest tests[] = {
		T(test_bulk_aligned_max_order),
		T(test_bulk_unaligned_split),
		T(test_free_pages_core_merges),
		T(test_alloc_each_order),
		T(test_split_remainders),
		T(test_free_merges_back),
		T(test_no_merge_across_zones),
		T(test_no_merge_with_non_buddy),
		T(test_order_too_large),
		T(test_exhaustion),
		T(test_node_preference_and_fallback),
		T(test_highest_zone_first),
		T(test_counters),
		T(test_invariants_bad_order),
		T(test_invariants_unlinked_block),
		T(test_invariants_unmerged_and_misplaced),
		T(test_random_vs_model),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
