/*
 * mm/paging.h - the kernel's own page tables (after entry.asm's boot ones).
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <kholab/types.h>

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITE	(1ULL << 1)
#define PTE_DIRTY	(1ULL << 6)	/* set by the CPU on the first write */
#define PTE_PS		(1ULL << 7)	/* 2 MiB / 1 GiB page in a PDE / PDPTE */
#define PTE_GLOBAL	(1ULL << 8)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/**
 * paging_init - build and load page tables that map all RAM known to
 * memblock: the direct map (1 GiB pages when the CPU has them, else 2 MiB),
 * an identity map of the same (kept for the AP trampoline and kexec), and
 * the kernel image.  Page-table pages come from memblock.
 *
 * Return: 0, or -ENOMEM when memblock cannot supply page-table pages.
 */
int paging_init(void);

/**
 * map_kernel_range - map [va, va + size) to [pa, ...) in the live page
 * tables, with 2 MiB pages where both are 2 MiB aligned and @size allows,
 * else 4 KiB pages.  Table pages come from memblock on node @nid.
 *
 * Return: 0, or -ENOMEM.
 */
int map_kernel_range(u64 va, u64 pa, u64 size, int nid);

/**
 * lookup_address - the leaf entry that maps @va in the live page tables
 * (a PDPTE for 1 GiB, a PDE for 2 MiB, a PTE for 4 KiB pages); its page
 * size goes to *@page_size.  Return: NULL when @va is not mapped.
 */
u64 *lookup_address(u64 va, u64 *page_size);

#endif /* MM_PAGING_H */
