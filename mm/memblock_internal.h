/*
 * mm/memblock_internal.h - helpers shared by the memblock files only.
 */
#ifndef MM_MEMBLOCK_INTERNAL_H
#define MM_MEMBLOCK_INTERNAL_H

#include <mm/memblock.h>

/* region_end - first byte after @r. */
static inline phys_addr_t region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/* cap_size - shorten *@size so that base + size does not wrap; return end. */
static inline phys_addr_t cap_size(phys_addr_t base, phys_addr_t *size)
{
	if (*size > PHYS_ADDR_MAX - base)
		*size = PHYS_ADDR_MAX - base;
	return base + *size;
}

#endif /* MM_MEMBLOCK_INTERNAL_H */
