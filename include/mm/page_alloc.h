/*
 * mm/page_alloc.h - the buddy allocator and memmap initialisation.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include <mm/mmzone.h>

/**
 * alloc_pages - allocate 2^@order contiguous pages.
 * @order: 0..MAX_PAGE_ORDER
 * @nid:   preferred node; NUMA_NO_NODE (-1) for any.  Zones of the node are
 *         tried from the highest down, then the other nodes in order.
 *
 * The pages have refcount 1 (the head, for order > 0, which is also marked
 * PG_head with tails pointing to it).
 * Return: the first page, or NULL when no zone has such a block.
 */
struct page *alloc_pages(unsigned int order, int nid);

/**
 * alloc_pages_range - like alloc_pages(), but the block must lie inside
 * [@start_pfn, @end_pfn) of node @nid (used to place test data on purpose,
 * e.g. on both sides of first_deferred_pfn).  Slower: it scans free lists.
 * Return: the first page, or NULL if no free block there can supply it.
 */
struct page *alloc_pages_range(unsigned int order, int nid, u64 start_pfn, u64 end_pfn);

/*
 * page_alloc_grow - called by alloc_pages() when no zone had a block, with
 * the preferred node and the order; returns true if it added memory to
 * buddy (then the allocation is retried).  Deferred init installs it
 * while struct pages are still waiting to be initialised.
 */
extern bool (*page_alloc_grow)(int nid, unsigned int order);

/*
 * page_alloc_grow_range - called by alloc_pages_range() when no free block
 * lay in [@start_pfn, @end_pfn) of node @nid; returns true if it added
 * memory of that range to buddy (then the search runs again, and the hook
 * again while it says true).  memmap_init=background installs it: the
 * range may lie in sections nobody has initialised yet.
 */
extern bool (*page_alloc_grow_range)(int nid, u64 start_pfn, u64 end_pfn);

/*
 * buddy_pending_reads - how often buddy read the
 * struct page of a pfn in a section nobody had initialised yet
 * (memmap_init=background).  Must stay 0; the memory checks fail otherwise.
 */
extern u64 buddy_pending_reads, buddy_first_pending_read;	/* ... and the first pfn */

/**
 * free_pages - give back a block from alloc_pages() (same @order); merges
 * it with its free buddies as far as possible.
 */
void free_pages(struct page *page, unsigned int order);

/**
 * __free_pages_core - hand a block that boot code initialised to buddy for
 * the first time: counts it as managed and frees it.  @page must be the
 * start of a naturally aligned 2^@order block in one zone.
 */
void __free_pages_core(struct page *page, unsigned int order);

/**
 * __free_pages_bulk - hand [start_pfn, end_pfn) to buddy in the largest
 * naturally aligned blocks, taking the zone lock once: the fast path for
 * boot-time freeing.  All pfns must be initialised and in one zone.
 *
 * Return: the number of pages freed.
 */
u64 __free_pages_bulk(u64 start_pfn, u64 end_pfn);

/* nr_free_pages - pages on all free lists of all zones. */
u64 nr_free_pages(void);

/* zone_init_free_lists - empty free lists and counters for @z. */
void zone_init_free_lists(struct zone *z);

/**
 * buddy_check_invariants - walk every free list: each block is PageBuddy
 * with the list's order, aligned to it, on exactly one list, inside its
 * zone, and no free buddy pair is left unmerged; counts agree.
 *
 * Return: 0, or -EINVAL after logging the first violation.
 */
int buddy_check_invariants(void);

#endif /* MM_PAGE_ALLOC_H */
