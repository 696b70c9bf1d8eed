/*
 * mm/page_alloc.c - the buddy allocator.
 *
 * DOC: buddy allocator
 *
 * Free memory is kept as blocks of 2^order pages (order 0..MAX_PAGE_ORDER),
 * each aligned to its own size, on per-zone, per-order free lists.  The
 * "buddy" of the block at pfn p of order o is the block at p ^ (1 << o):
 * when both are free they merge into one block of order o + 1.  Allocation
 * takes the smallest block that fits and splits off the unused halves.
 *
 * A free block is marked on its first page only: PG_buddy set and the order
 * in page->private.  The other pages of the block are not touched, which
 * is what makes freeing a whole max-order block at boot cost one list
 * insertion.
 */
#define pr_fmt(fmt) "buddy: " fmt

#include <mm/page_alloc.h>
#include <mm/deferred_claim.h>
#include <kernel/printk.h>
#include <kernel/exit.h>
#include <errno.h>

#define NUMA_NO_NODE	(-1)

/* set_buddy / clear_buddy - mark the first page of a free block of @order. */
static void set_buddy(struct page *page, unsigned int order)
{
	page->private = order;
	set_page_flag(page, PG_buddy);
}

static void clear_buddy(struct page *page)
{
	page->private = 0;
	clear_page_flag(page, PG_buddy);
}

/* add_to_free_list - put a free block of @order on @z's list (caller holds the lock). */
static void add_to_free_list(struct zone *z, struct page *page, unsigned int order)
{
	lockdep_assert_held(&z->lock);	/* checked in the host tests */
	set_buddy(page, order);
	list_add(&page->lru, &z->free_area[order].free_list);
	z->free_area[order].nr_free++;
	z->free_pages += 1UL << order;
}

/* del_from_free_list - take a free block of @order off @z's list (lock held). */
static void del_from_free_list(struct zone *z, struct page *page, unsigned int order)
{
	lockdep_assert_held(&z->lock);
	list_del(&page->lru);
	clear_buddy(page);
	z->free_area[order].nr_free--;
	z->free_pages -= 1UL << order;
}

/*
 * buddy_is_free - true if the page at @pfn heads a free block of exactly
 * @order in zone @z, i.e. it can merge with its buddy.
 */
static bool buddy_is_free(struct zone *z, u64 pfn, unsigned int order)
{
	struct page *b;

	if (pfn < z->zone_start_pfn || pfn + (1UL << order) > zone_end_pfn(z) || !pfn_valid(pfn))
		return false;
	/* memmap_init=background: a pfn of the zone's node that nobody initialised yet
	 * (a section shared by two nodes may hold the other node's early pages) */
	if (claim_state(pfn_to_section_nr(pfn)) == SECTION_PENDING &&
	    pfn >= NODE_DATA(z->nid)->first_deferred_pfn && !buddy_pending_reads++)
		buddy_first_pending_read = pfn;
	b = pfn_to_page(pfn);
	return PageBuddy(b) && b->private == order && page_zone(b) == z;
}

/* __free_one_block - merge and insert a block; caller holds z->lock. */
static void __free_one_block(struct zone *z, u64 pfn, unsigned int order)
{
	/* LAB buddy: BEGIN */
	/* LAB buddy: HINT the contract, and hints to unfold: docs/labs/buddy.md */
	/* LAB buddy: STUB (void)z; (void)pfn; (void)order; */
	/* LAB buddy: STUB panic("lab buddy: __free_one_block() is not implemented"); */
	while (order < MAX_PAGE_ORDER) {
		u64 buddy_pfn = pfn ^ (1UL << order);

		if (!buddy_is_free(z, buddy_pfn, order))
			break;
		del_from_free_list(z, pfn_to_page(buddy_pfn), order);
		pfn &= buddy_pfn;	/* the lower of the two heads the merged block */
		order++;
	}
	add_to_free_list(z, pfn_to_page(pfn), order);
	/* LAB buddy: END */
}

/* prep_new_block - refcounts and compound marks for a block leaving buddy. */
static void prep_new_block(struct page *page, unsigned int order)
{
	page->_refcount = 1;
	if (!order)
		return;
	set_page_flag(page, PG_head);
	page->private = order;
	for (u64 i = 1; i < (1UL << order); i++) {
		page[i]._refcount = 0;
		page[i].compound_head = (u64)(uintptr_t)page | 1;
	}
}

/* rmqueue - take a block of @order from @z, splitting a larger one; NULL if none. */
static struct page *rmqueue(struct zone *z, unsigned int order)
{
	/* LAB buddy: BEGIN */
	/* LAB buddy: HINT the contract, and hints to unfold: docs/labs/buddy.md */
	/* LAB buddy: STUB (void)z; (void)order; */
	/* LAB buddy: STUB return NULL; */
	struct page *page = NULL;
	unsigned int o;

	spin_lock(&z->lock);
	for (o = order; o <= MAX_PAGE_ORDER; o++) {
		if (!list_empty(&z->free_area[o].free_list)) {
			page = list_first_entry(&z->free_area[o].free_list, struct page, lru);
			break;
		}
	}
	if (page) {
		del_from_free_list(z, page, o);
		while (o > order) {	/* give back the upper halves */
			o--;
			add_to_free_list(z, page + (1UL << o), o);
		}
		z->nr_allocs++;
	}
	spin_unlock(&z->lock);
	return page;
	/* LAB buddy: END */
}

bool (*page_alloc_grow)(int nid, unsigned int order);
u64 buddy_pending_reads, buddy_first_pending_read;

/* alloc_pages - see page_alloc.h. */
struct page *alloc_pages(unsigned int order, int nid)
{
	if (order > MAX_PAGE_ORDER)
		return NULL;
retry:
	for (int pass = 0; pass < 2; pass++) {
		for (int n = 0; n < nr_online_nodes; n++) {
			if ((pass == 0) != (n == nid || nid == NUMA_NO_NODE))
				continue;
			for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
				struct zone *z = &NODE_DATA(n)->node_zones[zt];
				struct page *page;

				if (!z->managed_pages)
					continue;
				page = rmqueue(z, order);
				if (page) {
					prep_new_block(page, order);
					return page;
				}
			}
		}
		if (nid == NUMA_NO_NODE)
			break;
	}
	if (page_alloc_grow && page_alloc_grow(nid, order))
		goto retry;
	return NULL;
}

bool (*page_alloc_grow_range)(int nid, u64 start_pfn, u64 end_pfn);

/* range_from_free_lists - alloc_pages_range()'s search of the free lists, once. */
static struct page *range_from_free_lists(unsigned int order, int nid, u64 start_pfn, u64 end_pfn)
{
	u64 size = 1UL << order;
	u64 want = ALIGN_UP(start_pfn, size);

	for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
		struct zone *z = &NODE_DATA(nid)->node_zones[zt];

		spin_lock(&z->lock);
		for (unsigned int o = order; o <= MAX_PAGE_ORDER; o++) {
			struct list_head *pos;

			list_for_each(pos, &z->free_area[o].free_list) {
				struct page *blk = list_entry(pos, struct page, lru);
				u64 b = page_to_pfn(blk), e = b + (1UL << o);
				u64 t = want > b ? want : b;	/* first aligned target in the block */

				if (t + size > e || t + size > end_pfn)
					continue;
				/* split the block until the order-@order piece at t is alone */
				del_from_free_list(z, blk, o);
				while (o > order) {
					u64 half = 1UL << (o - 1);

					o--;
					if (t >= b + half) {
						add_to_free_list(z, pfn_to_page(b), o);
						b += half;
					} else {
						add_to_free_list(z, pfn_to_page(b + half), o);
					}
				}
				z->nr_allocs++;
				spin_unlock(&z->lock);
				prep_new_block(pfn_to_page(b), order);
				return pfn_to_page(b);
			}
		}
		spin_unlock(&z->lock);
	}
	return NULL;
}

/* alloc_pages_range - see page_alloc.h. */
struct page *alloc_pages_range(unsigned int order, int nid, u64 start_pfn, u64 end_pfn)
{
	struct page *page;

	if (order > MAX_PAGE_ORDER || nid < 0 || nid >= nr_online_nodes ||
	    ALIGN_UP(start_pfn, 1UL << order) + (1UL << order) > end_pfn)
		return NULL;
	page = range_from_free_lists(order, nid, start_pfn, end_pfn);
	while (!page && page_alloc_grow_range && page_alloc_grow_range(nid, start_pfn, end_pfn))
		page = range_from_free_lists(order, nid, start_pfn, end_pfn);
	return page;
}

/* free_pages - see page_alloc.h. */
void free_pages(struct page *page, unsigned int order)
{
	struct zone *z = page_zone(page);

	if (order) {
		clear_page_flag(page, PG_head);
		for (u64 i = 1; i < (1UL << order); i++)
			page[i].compound_head = 0;
	}
	page->_refcount = 0;
	spin_lock(&z->lock);
	__free_one_block(z, page_to_pfn(page), order);
	z->nr_frees++;
	spin_unlock(&z->lock);
}

/* __free_pages_core - see page_alloc.h. */
void __free_pages_core(struct page *page, unsigned int order)
{
	struct zone *z = page_zone(page);

	for (u64 i = 0; i < (1UL << order); i++)
		page[i]._refcount = 0;
	spin_lock(&z->lock);
	z->managed_pages += 1UL << order;
	__free_one_block(z, page_to_pfn(page), order);
	spin_unlock(&z->lock);
}

/* largest_order - biggest naturally aligned order starting at @pfn that fits before @end. */
static unsigned int largest_order(u64 pfn, u64 end)
{
	unsigned int order = pfn ? (unsigned int)__builtin_ctzll(pfn) : MAX_PAGE_ORDER;

	if (order > MAX_PAGE_ORDER)
		order = MAX_PAGE_ORDER;
	while ((1UL << order) > end - pfn)
		order--;
	return order;
}

/* __free_pages_bulk - see page_alloc.h. */
u64 __free_pages_bulk(u64 start_pfn, u64 end_pfn)
{
	struct zone *z;
	u64 pfn = start_pfn;

	if (start_pfn >= end_pfn)
		return 0;
	z = page_zone(pfn_to_page(start_pfn));
	spin_lock(&z->lock);
	while (pfn < end_pfn) {
		unsigned int order = largest_order(pfn, end_pfn);

		pfn_to_page(pfn)->_refcount = 0;
		__free_one_block(z, pfn, order);
		pfn += 1UL << order;
	}
	z->managed_pages += end_pfn - start_pfn;
	spin_unlock(&z->lock);
	return end_pfn - start_pfn;
}

/* nr_free_pages - see page_alloc.h. */
u64 nr_free_pages(void)
{
	u64 sum = 0;

	for (int n = 0; n < nr_online_nodes; n++)
		for (int zt = 0; zt < MAX_NR_ZONES; zt++)
			sum += NODE_DATA(n)->node_zones[zt].free_pages;
	return sum;
}

/* zone_init_free_lists - see page_alloc.h. */
void zone_init_free_lists(struct zone *z)
{
	spin_lock_init(&z->lock);
	for (int o = 0; o <= MAX_PAGE_ORDER; o++) {
		INIT_LIST_HEAD(&z->free_area[o].free_list);
		z->free_area[o].nr_free = 0;
	}
	z->free_pages = 0;
	z->managed_pages = 0;
	z->nr_allocs = 0;
	z->nr_frees = 0;
}

/* check_zone - buddy_check_invariants() for one zone. */
static int check_zone(struct zone *z)
{
	u64 pages = 0;

	for (unsigned int o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct list_head *pos;
		u64 blocks = 0;

		list_for_each(pos, &z->free_area[o].free_list) {
			struct page *p = list_entry(pos, struct page, lru);
			u64 pfn = page_to_pfn(p);

			if (!PageBuddy(p) || p->private != o) {
				pr_err("%s/%d: block at pfn 0x%llx on the order-%u list has order %llu\n",
				       z->name, z->nid, (unsigned long long)pfn, o,
				       (unsigned long long)p->private);
				return -EINVAL;
			}
			if (pfn & ((1UL << o) - 1) || pfn < z->zone_start_pfn ||
			    pfn + (1UL << o) > zone_end_pfn(z)) {
				pr_err("%s/%d: order-%u block at pfn 0x%llx is misaligned or outside the zone\n",
				       z->name, z->nid, o, (unsigned long long)pfn);
				return -EINVAL;
			}
			if (o < MAX_PAGE_ORDER && buddy_is_free(z, pfn ^ (1UL << o), o)) {
				pr_err("%s/%d: order-%u blocks at pfn 0x%llx and its buddy are both free but not merged\n",
				       z->name, z->nid, o, (unsigned long long)pfn);
				return -EINVAL;
			}
			blocks++;
			if (blocks > z->free_area[o].nr_free) {
				pr_err("%s/%d: order-%u list is longer than its count %llu (a block on two lists?)\n",
				       z->name, z->nid, o, (unsigned long long)z->free_area[o].nr_free);
				return -EINVAL;
			}
		}
		if (blocks != z->free_area[o].nr_free) {
			pr_err("%s/%d: order-%u list has %llu blocks, counter says %llu\n", z->name,
			       z->nid, o, (unsigned long long)blocks,
			       (unsigned long long)z->free_area[o].nr_free);
			return -EINVAL;
		}
		pages += blocks << o;
	}
	if (pages != z->free_pages) {
		pr_err("%s/%d: free lists hold %llu pages, counter says %llu\n", z->name, z->nid,
		       (unsigned long long)pages, (unsigned long long)z->free_pages);
		return -EINVAL;
	}
	return 0;
}

/* buddy_check_invariants - see page_alloc.h. */
int buddy_check_invariants(void)
{
	for (int n = 0; n < nr_online_nodes; n++)
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			int err = check_zone(&NODE_DATA(n)->node_zones[zt]);

			if (err)
				return err;
		}
	return 0;
}
