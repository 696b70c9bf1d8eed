/*
 * boot/elf_check.h - the pure validation of a kernel image (no UEFI,
 * host-testable); the ELF64 structures are kholab/elf64.h.
 */
#ifndef BOOT_ELF_CHECK_H
#define BOOT_ELF_CHECK_H

#include <kholab/elf64.h>

/* Alignment the lowest PT_LOAD must have (the kernel maps 2 MiB pages). */
#define ELF_IMAGE_ALIGN		0x200000ULL
/* Largest image span the loader accepts. */
#define ELF_IMAGE_MAX_SPAN	0x40000000ULL

/**
 * struct elf_image - what elf_check() learned about a valid kernel.
 * @lowest_vaddr: link address of the lowest PT_LOAD (2 MiB aligned)
 * @span:         bytes from @lowest_vaddr to the end of the highest p_memsz
 * @entry:        e_entry as linked
 * @entry_off:    e_entry - @lowest_vaddr
 * @phoff/@phnum: where the program headers are in the file
 * @reason:       on failure, a static string saying what was wrong
 */
struct elf_image {
	u64 lowest_vaddr;
	u64 span;
	u64 entry;
	u64 entry_off;
	u64 phoff;
	u32 phnum;
	const char *reason;
};

/*
 * Validate the kernel ELF file @buf of @len bytes and fill @img.
 * Returns 0, or -ENOEXEC with @img->reason set.
 */
int elf_check(const void *buf, u64 len, struct elf_image *img);

/* Copy program header @i of a checked image into @ph (no alignment needs). */
void elf_read_phdr(const void *buf, const struct elf_image *img, u32 i,
		   struct elf64_phdr *ph);

#endif /* BOOT_ELF_CHECK_H */
