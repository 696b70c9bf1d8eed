/*
 * mm/sparse.h - sections and the vmemmap.
 */
#ifndef MM_SPARSE_H
#define MM_SPARSE_H

#include <mm/page.h>

/**
 * sparse_init - mark the sections that hold RAM present (with the node of
 * the first memblock range in each) and give each a memmap: 2 MiB of
 * backing on that node mapped into the vmemmap.  The backing is not
 * written (memmap init writes every byte of each struct page), except
 * with @poison, which fills it with MEMMAP_POISON_BYTE for the checks.
 *
 * Return: the number of present sections, or -ENOMEM.
 */
long sparse_init(bool poison);

/*
 * sparse_adopt_backing - if set, sparse_init() asks it for each present
 * section: a non-zero answer is the physical address of a 2 MiB memmap
 * backing to map for that section instead of allocating one (KHO's
 * kho.memmap=handover); such a section is marked SECTION_ADOPTED and is
 * not poisoned.
 */
extern phys_addr_t (*sparse_adopt_backing)(u64 section_nr);

/* vmemmap_map_backing - map the 2 MiB at @pa as section @section_nr's memmap (mm/vmemmap.c). */
int vmemmap_map_backing(u64 section_nr, phys_addr_t pa, int nid);

/* memmap_floor=1: measure the store floor (memmap_store_floor()). */
extern bool memmap_floor;

/**
 * memmap_store_floor - the store floor: write every present section's
 * memmap with plain 8-byte stores, twice.  @first_ns gets the first pass
 * (first touch: under QEMU it pays the host's page faults), @warm_ns the
 * second (memory already faulted in).  It pre-touches the memmap, so the
 * other figures of a boot that runs it are not the strategy's own.
 */
void memmap_store_floor(u64 *first_ns, u64 *warm_ns);

/* memmap_bytes - bytes of memmap backing of all present sections. */
u64 memmap_bytes(void);

/**
 * vmemmap_section_written - true if any byte of section @section_nr's
 * memmap has been written since vmemmap_populate() mapped it, as the
 * CPU's dirty bits in the vmemmap's page tables say.  Kernel only
 * (mm/vmemmap.c).
 */
bool vmemmap_section_written(u64 section_nr);

/**
 * vmemmap_populate - map backing for the struct pages of one section
 * (2 MiB, one PMD) on node @nid; 4 KiB pieces if no 2 MiB block is free.
 * Kernel: mm/vmemmap.c.  Host tests provide their own.
 *
 * Return: 0, or -ENOMEM.
 */
int vmemmap_populate(u64 section_nr, int nid);

/* memmap_fill - fill @bytes at @va with @byte using the fastest plain stores. */
void memmap_fill(void *va, u64 bytes, u8 byte);

#endif /* MM_SPARSE_H */
