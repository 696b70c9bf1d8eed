/*
 * mm/deferred.h - deferred struct page initialisation.
 */
#ifndef MM_DEFERRED_H
#define MM_DEFERRED_H

#include <mm/mmzone.h>

enum memmap_strategy {
	MEMMAP_EAGER,		/* every struct page on the boot CPU before SMP */
	MEMMAP_DEFERRED,	/* most of the top zone after SMP, in parallel */
	MEMMAP_BACKGROUND,	/* like deferred, but the boot does not wait for it */
};

struct deferred_config {
	int strategy;		/* enum memmap_strategy (memmap_init=) */
	u64 threads;		/* deferred_threads=: workers per node, 0 = all */
	u64 early_bytes;	/* deferred.early=: top-zone bytes done early (0 = one section) */
	bool trace;		/* trace=memmap: one results record per chunk */
};

extern struct deferred_config deferred_cfg;

struct deferred_node_stats {
	u64 pages;		/* struct pages initialised late */
	u64 ns;			/* wall time of the node's late pass */
	int threads;		/* CPUs that worked on it */
	u64 chunks;
};

/**
 * deferred_setup - choose each node's first_deferred_pfn: with the deferred
 * strategy, the first section (or deferred.early) of the node's highest
 * zone, rounded up to a section boundary (background: of its lowest zone);
 * ~0 (nothing deferred) with eager.
 * Needs free_area_init().
 */
void deferred_setup(void);

/* pfn_deferred - true if @pfn's struct page is initialised late. */
static inline bool pfn_deferred(u64 pfn, int nid)
{
	return pfn >= NODE_DATA(nid)->first_deferred_pfn;
}

/**
 * deferred_grow_zone - initialise and free the next section of deferred
 * memory of node @nid (or of any node with deferred memory when @nid is
 * -1 or has none left), synchronously.  Installed as buddy's grow hook
 * until page_alloc_init_late() runs.
 *
 * Return: true if buddy got more memory.
 */
bool deferred_grow_zone(int nid, unsigned int order);

/*
 * deferred_grow_timed - deferred_grow_zone() with its time added to
 * deferred_boot_cpu_grow_ns(): what init/ installs as buddy's grow hook.
 */
bool deferred_grow_timed(int nid, unsigned int order);

/*
 * deferred_grown_pages - pages that on-demand growth added so far
 * (deferred_grow_zone(), or memmap_init=background's claims).
 */
u64 deferred_grown_pages(void);

/* deferred_boot_cpu_grow_ns - time the boot CPU spent growing buddy on demand so far. */
u64 deferred_boot_cpu_grow_ns(void);

/*
 * deferred_init_range - all of node @nid's deferred work in the
 * section-aligned [@start_pfn, @end_pfn): its reserved and NOMAP pages as
 * PageReserved (RSRV_NOINIT ones are their owner's), then its free memory,
 * initialised and freed to buddy a max-order block at a time.  Reads
 * memblock only, so CPUs may run it at once on different sections.
 * Return: pages initialised.
 */
u64 deferred_init_range(int nid, u64 start_pfn, u64 end_pfn);

/**
 * page_alloc_init_late - initialise and free every deferred struct page:
 * per node, the deferred free ranges are cut into section-aligned chunks
 * run on the node's CPUs (deferred_threads limits them), all nodes at
 * once.  Logs "node N deferred pages initialised in Xms".
 * @stats: per-node results (MAX_NUMNODES entries)
 *
 * Return: the wall time of the whole late pass in ns.
 */
u64 page_alloc_init_late(struct deferred_node_stats *stats);

#endif /* MM_DEFERRED_H */
