/*
 * mm/sparse.h - sections and the vmemmap.
 */
#ifndef MM_SPARSE_H
#define MM_SPARSE_H

#include <mm/page.h>

/**
 * sparse_init - mark the sections that hold RAM present (with their node,
 * from memblock) and give each a memmap: 2 MiB of backing on the section's
 * node mapped into the vmemmap.  With @poison the backing is filled with
 * MEMMAP_POISON_BYTE, otherwise with zeroes; either way that fill is timed
 * and is kholab's store floor.
 * @floor_ns: receives the fill time in ns
 *
 * Return: the number of present sections, or -ENOMEM.
 */
long sparse_init(bool poison, u64 *floor_ns);

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
