/*
 * mm/mmzone.h - nodes, zones and the buddy free lists.
 *
 * DOC: nodes and zones
 *
 * Each NUMA node has a struct pglist_data with its zones: ZONE_DMA32 for
 * memory below 4 GiB and ZONE_NORMAL above.  A zone owns the free lists of
 * the buddy allocator: free_area[order] holds free blocks of 2^order pages,
 * each aligned to its size.  Each zone has its own spinlock, so CPUs freeing
 * into different zones never contend.
 */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include <mm/page.h>
#include <kernel/spinlock.h>

#define MAX_NUMNODES	64

enum zone_type {
	ZONE_DMA32,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

#define DMA32_END_PFN	(1UL << (32 - PAGE_SHIFT))

struct free_area {
	struct list_head free_list;
	u64 nr_free;		/* blocks on the list */
};

struct zone {
	spinlock_t lock;
	struct free_area free_area[MAX_PAGE_ORDER + 1];
	int nid;
	enum zone_type type;
	const char *name;
	u64 zone_start_pfn;
	u64 spanned_pages;	/* end - start, holes included */
	u64 present_pages;	/* RAM pages in the span */
	u64 managed_pages;	/* pages given to buddy, allocated or free */
	u64 free_pages;		/* pages currently on the free lists */
	u64 nr_allocs, nr_frees;	/* counters */
};

struct pglist_data {
	int node_id;
	struct zone node_zones[MAX_NR_ZONES];
	u64 node_start_pfn;
	u64 node_spanned_pages;
	u64 node_present_pages;
	u64 first_deferred_pfn;	/* pfns from here on are initialised late */
	u64 deferred_start_pfn;	/* first_deferred_pfn as deferred_setup() chose it */
	u64 reserved_pages;	/* PageReserved pages after memblock_free_all */
	u32 nr_cpus;
	u32 cpus[64];		/* APIC ids of the node's CPUs */
};

extern struct pglist_data node_data[MAX_NUMNODES];
extern int nr_online_nodes;

#define NODE_DATA(nid)	(&node_data[nid])

static inline u64 zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline struct zone *page_zone(const struct page *p)
{
	return &NODE_DATA(page_to_nid(p))->node_zones[page_zonenum(p)];
}

#endif /* MM_MMZONE_H */
