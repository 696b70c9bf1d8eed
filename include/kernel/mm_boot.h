/*
 * kernel/mm_boot.h - the memory and KHO steps of start_kernel(), and the
 * generation hand-over at its end.
 */
#ifndef KERNEL_MM_BOOT_H
#define KERNEL_MM_BOOT_H

#include <kholab/bootinfo.h>

/*
 * mm_init - from memblock to buddy on the boot CPU (kernel/mm_boot.c):
 * page tables, the sparse memmap, zones, the early memmap init, KHO
 * scratch or deserialize, and memblock_free_all().
 */
void mm_init(void);

/*
 * mm_init_late - after SMP: deferred init on all CPUs, KHO's late work,
 * the accounting and poison checks, and the "memmap" results event.
 */
void mm_init_late(void);

/*
 * kho_generation - the KHO test client's turn (kernel/generation.c):
 * restore and verify what the previous generation preserved, then, while
 * generations remain (gens=N), preserve a new set and kexec into the next.
 * Returns only when this generation is the last and everything verified.
 */
void kho_generation(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		    u32 map_count);

#endif /* KERNEL_MM_BOOT_H */
