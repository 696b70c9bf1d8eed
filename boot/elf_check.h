/*
 * boot/elf_check.h - the ELF64 structures the loader needs and the pure
 * validation of a kernel image (no UEFI, host-testable).
 */
#ifndef BOOT_ELF_CHECK_H
#define BOOT_ELF_CHECK_H

#include <kholab/types.h>

#define ELF_MAG0	0x7f
#define ELF_CLASS64	2
#define ELF_DATA2LSB	1
#define ELF_EV_CURRENT	1
#define ELF_ET_EXEC	2
#define ELF_EM_X86_64	62
#define ELF_PT_LOAD	1
#define ELF_PF_X	1

#define ELF_EI_CLASS	4
#define ELF_EI_DATA	5
#define ELF_EI_VERSION	6

/* Alignment the lowest PT_LOAD must have (the kernel maps 2 MiB pages). */
#define ELF_IMAGE_ALIGN		0x200000ULL
/* Largest image span the loader accepts. */
#define ELF_IMAGE_MAX_SPAN	0x40000000ULL

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
};

struct elf64_phdr {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");

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
