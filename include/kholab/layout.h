/*
 * kholab/layout.h - the kernel's virtual address space, as constants the
 * loader, the boot adapters and the kernel share.
 *
 *   0x0000000000000000  identity map of low RAM (boot only; entry.asm)
 *   0xffff888000000000  PAGE_OFFSET: direct map of all RAM (Linux's base)
 *   0xffffffff80000000  KERNEL_VIRT: the kernel image, wherever it was loaded
 *
 * DIRECT_MAP_MAX_GIB bounds what entry.asm can map with the page tables it
 * carries in .bss; kholab/entry.inc uses the same numbers (%define), and
 * init/main.c checks them against each other.  The kernel's own helpers
 * (__va, __pa, the image bounds) are in kernel/layout.h.
 */
#ifndef KHOLAB_LAYOUT_H
#define KHOLAB_LAYOUT_H

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1ULL << PAGE_SHIFT)
#define PMD_SIZE		(1ULL << 21)
#define PUD_SIZE		(1ULL << 30)

#define PAGE_OFFSET		0xffff888000000000ULL
#define KERNEL_VIRT		0xffffffff80000000ULL
#define DIRECT_MAP_MAX_GIB	512	/* pdpt_direct holds 512 PD pointers */
#define DIRECT_MAP_MIN_GIB	4	/* always map the 32-bit MMIO window */

#endif /* KHOLAB_LAYOUT_H */
