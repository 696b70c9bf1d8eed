/*
 * kernel/layout.h - conversions between physical and virtual addresses in
 * the kernel's address space (its constants: kholab/layout.h, shared with
 * the loader and the boot adapters).
 */
#ifndef KERNEL_LAYOUT_H
#define KERNEL_LAYOUT_H

#include <kholab/types.h>
#include <kholab/layout.h>

/* GiB of physical memory the boot direct map covers (kernel/entry.asm). */
extern u64 direct_map_gib;

/* Physical address where the kernel image starts (set by start_kernel). */
extern phys_addr_t kernel_phys_base;

/*
 * Host unit tests run mm/ and kho/ against simulated physical memory: the
 * shim sets host_phys_base so that physical address pa lives at
 * host_phys_base + pa in the test process.
 */
#ifdef KHOLAB_HOST_TEST
extern uintptr_t host_phys_base;
#define DIRECT_MAP_BASE	((u64)host_phys_base)
#else
#define DIRECT_MAP_BASE	PAGE_OFFSET
#endif

/* __va - direct-map virtual address of physical address @pa. */
static inline void *__va(phys_addr_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

/* __pa - physical address of a direct-map or kernel-image address @va. */
static inline phys_addr_t __pa(const void *va)
{
	u64 v = (u64)(uintptr_t)va;

#ifndef KHOLAB_HOST_TEST
	if (v >= KERNEL_VIRT)
		return v - KERNEL_VIRT + kernel_phys_base;
#endif
	return v - DIRECT_MAP_BASE;
}

#define PFN_PHYS(pfn)		((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(pa)		((u64)(pa) >> PAGE_SHIFT)
#define PFN_UP(pa)		(((u64)(pa) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(pa)		((u64)(pa) >> PAGE_SHIFT)

#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((u64)(a) - 1))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

extern char _kernel_start[], _etext[], _kernel_end[], _bss_start[], _bss_end[];

#endif /* KERNEL_LAYOUT_H */
