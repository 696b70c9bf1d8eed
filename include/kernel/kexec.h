/*
 * kernel/kexec.h - booting the next generation of kholab without firmware.
 */
#ifndef KERNEL_KEXEC_H
#define KERNEL_KEXEC_H

#include <kholab/bootinfo.h>

/**
 * kexec_self - load this kernel's own ELF into the global KHO scratch area
 * and jump to it with a new boot info: the memory map carried forward (the
 * old kernel's own ranges become usable, the new kernel's are marked), the
 * same RSDP and command line, generation + 1, and a KHO handoff record
 * naming @fdt_phys and a copy of the scratch array.  Parks the other CPUs
 * and jumps through an identity-mapped relocation stub.
 * @bi:        this generation's boot info
 * @map:       this generation's (sanitized) memory map, @count entries
 * @fdt_phys:  the KHO root FDT (a preserved page)
 *
 * Return: only on failure, a negative errno (nothing was changed that
 * matters: the caller can still exit normally).
 */
int kexec_self(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
	       u32 count, u64 fdt_phys);

#endif /* KERNEL_KEXEC_H */
