/*
 * init/kexec.h - booting the next generation of kholab without firmware.
 */
#ifndef INIT_KEXEC_H
#define INIT_KEXEC_H

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

/**
 * kexec_linux - kexec.next=linux: load the "linux/bzImage" module (and
 * "linux/initrd" if there is one) through the x86 64-bit boot protocol
 * into free KHO scratch, with boot_params carrying the e820 map, the ACPI
 * RSDP, the command line and the KHO record (setup_data type 10) naming
 * @fdt_phys, and jump to it (init/kexec_linux.c).
 *
 * Return: only on failure, before anything was overwritten: -ENOENT
 * without the module, -ENOEXEC for an image that is not a usable bzImage,
 * -ENOSPC when scratch is too small for Linux (the size needed is logged),
 * -E2BIG / -ENOMEM.
 */
int kexec_linux(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		u32 count, u64 fdt_phys);

/* ---- shared by init/kexec.c and init/kexec_linux.c ---- */

struct page;

/* One piece the relocation stub puts in place: @len bytes from @src (0 = zeroes) to @dst. */
struct kexec_segment {
	u64 dst;
	u64 src;	/* 0: fill with zeroes */
	u64 len;	/* 0: end of the list */
};

/* How kernel/relocate.asm enters the next kernel. */
#define KEXEC_ENTER_KHOLAB	0	/* %rdi = boot info */
#define KEXEC_ENTER_LINUX	1	/* GDT 0x10/0x18, %rsi = boot_params */

/*
 * kexec_stub_segments - copy kernel/relocate.asm into @stub_page and return
 * room for @nseg segments right after it, or NULL if they do not fit.
 */
struct kexec_segment *kexec_stub_segments(struct page *stub_page, int nseg);

/* kexec_park_others - stop every other CPU (cli; hlt) and wait until each has. */
void kexec_park_others(void);

/*
 * kexec_jump - park the other CPUs, store the TSC in *@tsc (if not NULL;
 * the staging boot info's loader_tsc), and run the stub: copy @seg (ended
 * by a zero-length entry), then enter @entry with @arg as @mode says.
 * Never returns.
 */
void kexec_jump(struct page *stub_page, const struct kexec_segment *seg, u64 entry, u64 arg,
		int mode, u64 *tsc) __attribute__((noreturn));

#endif /* INIT_KEXEC_H */
