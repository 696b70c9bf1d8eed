/*
 * mm/mm_init.h - from memblock to a running buddy allocator.
 */
#ifndef MM_MM_INIT_H
#define MM_MM_INIT_H

#include <mm/mmzone.h>

/* memmap_poison=1: init counts are kept and checked (see mm/memmap_check.c). */
extern bool memmap_poison;

/**
 * free_area_init - size every node and zone from memblock (spans, present
 * pages) and empty their free lists.  Needs numa_init() and sparse_init().
 */
void free_area_init(void);

/**
 * __init_single_page - give one struct page its initial state: reserved
 * bits clear, refcount 1, mapcount -1, node and zone links.
 */
void __init_single_page(struct page *page, u64 pfn, int zone, int nid);

/**
 * memmap_init_range - initialise the struct pages of [start_pfn, end_pfn)
 * as zone @zone of node @nid.  Touches nothing but those struct pages, so
 * disjoint ranges may run on different CPUs at once.
 *
 * Return: the number of pages initialised.
 */
u64 memmap_init_range(u64 start_pfn, u64 end_pfn, int zone, int nid);

/**
 * memmap_init - initialise every struct page that has a memmap: RAM pfns
 * with their zone and node, and the holes inside present sections as
 * reserved.  (The eager strategy: everything on the boot CPU.)
 *
 * Return: the number of struct pages initialised.
 */
u64 memmap_init(void);

/**
 * memblock_free_all - the hand-over from memblock to buddy: reserved pages
 * become PageReserved (except RSRV_NOINIT ranges, left untouched) and every
 * free range goes to buddy in the largest naturally aligned blocks - all
 * of it below each node's first_deferred_pfn only: above it, reserved and
 * free pages alike are the late pass's (mm/deferred.c).
 *
 * Return: the number of pages given to buddy.
 */
u64 memblock_free_all(void);

/* zone_for_pfn - ZONE_DMA32 below 4 GiB, ZONE_NORMAL above. */
static inline int zone_for_pfn(u64 pfn)
{
	return pfn < DMA32_END_PFN ? ZONE_DMA32 : ZONE_NORMAL;
}

#endif /* MM_MM_INIT_H */
