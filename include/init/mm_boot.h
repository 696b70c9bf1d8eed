/*
 * init/mm_boot.h - what start_kernel() measures of the memory steps, and
 * the "memmap" results event that reports them (init/mm_boot.c).
 *
 * start_kernel() calls the mm/ and kho/ steps itself, one line each; this
 * file only holds the figures they produce and the checks that end them.
 */
#ifndef INIT_MM_BOOT_H
#define INIT_MM_BOOT_H

#include <kholab/types.h>
#include <mm/deferred.h>
#include <mm/mmzone.h>

/* struct mm_boot_stats - the memory steps' results, for the "memmap" event. */
struct mm_boot_stats {
	long sections;			/* sparse_init(): sections with a memmap */
	u64 floor_first_ns, floor_warm_ns; /* memmap_floor=1: memmap_store_floor() */
	const char *untouched_by;	/* how mm_check_deferred_untouched() looked */
	u64 untouched_checked;		/* sections (dirty bits) or pages (poison) */
	u64 early_ns, early_pages;	/* memmap_init() below first_deferred_pfn */
	u64 free_ns;			/* memblock_free_all() */
	u64 handover_pages;		/* ... the pages it gave buddy: the early memory */
	u64 deferred_ns, deferred_pages; /* page_alloc_init_late() on all CPUs */
	int threads;			/* CPUs that ran deferred init (1: eager) */
	u64 mm_wait_ns;			/* boot CPU in memmap init until boot complete */
	struct deferred_node_stats nodes[MAX_NUMNODES];
};

extern struct mm_boot_stats mm_boot;

/* mm_boot_ns_since - nanoseconds since the TSC read @t0. */
u64 mm_boot_ns_since(u64 t0);

/* mm_report_early - log what the boot CPU did from sparse_init() to buddy. */
void mm_report_early(void);

/* mm_deferred_done - add up the per-node deferred init figures. */
void mm_deferred_done(void);

/*
 * mm_check_deferred_untouched - just before SMP, in deferred mode: no
 * struct page of RAM at or above its node's first_deferred_pfn has been
 * written, reserved pages included (on-demand growth moves that mark, so
 * what it grew is below; RSRV_NOINIT pages are KHO's to initialise).
 * With memmap_poison=1 page by page (each still all poison); otherwise
 * section by section, by the dirty bits of the vmemmap mappings of
 * sections that lie wholly in such memory; with
 * memmap_floor=1 (which wrote everything) it cannot look.  Panics on a
 * written one: the early path did work that belongs to deferred init.
 */
void mm_check_deferred_untouched(void);

/*
 * mm_boot_complete - at boot complete: take the boot CPU's memory-init
 * time so far (mm_wait_ns: the early memmap, the hand-over to buddy, any
 * growth on demand and, in deferred mode, the wait for the late pass).
 */
void mm_boot_complete(void);

/*
 * mm_settle - once per boot, when no memory init runs any more: with
 * memmap_init=background, end the background work first (@stop false:
 * the boot CPU joins it and waits, and all RAM is in buddy; true, before a
 * kexec: stop the workers and leave the rest uninitialised).  Then the page
 * accounting identity and (memmap_poison=1) the initialised-exactly-once
 * check, which panic on failure, and the "memmap" results event.  Later
 * calls do nothing.
 */
void mm_settle(bool stop);

#endif /* INIT_MM_BOOT_H */
