/*
 * kholab/elf64.h - the ELF64 structures and constants kholab reads, in one
 * place for both sides: the loader validates and places the kernel image
 * (boot/elf_check.c, boot/elf.c), and the kernel finds its symbol table
 * (kernel/symbols.c) and re-reads its own image for kexec (init/kexec.c).
 *
 * Every name carries an ELF_ prefix so that the header can be included next
 * to a host's <elf.h> in the host tests.
 */
#ifndef KHOLAB_ELF64_H
#define KHOLAB_ELF64_H

#include <kholab/types.h>

/* e_ident: the magic, then class, data encoding and version bytes. */
#define ELF_MAGIC	"\177ELF"
#define ELF_MAGIC_LEN	4
#define ELF_EI_CLASS	4
#define ELF_EI_DATA	5
#define ELF_EI_VERSION	6
#define ELF_CLASS64	2
#define ELF_DATA2LSB	1
#define ELF_EV_CURRENT	1	/* also the e_version value */

#define ELF_ET_EXEC	2	/* e_type of an executable */
#define ELF_EM_X86_64	62	/* e_machine */

#define ELF_PT_LOAD	1	/* p_type of a segment to load */
#define ELF_PF_X	1	/* p_flags: executable */

#define ELF_SHT_SYMTAB	2	/* sh_type of the symbol table */
#define ELF_STT_FUNC	2	/* symbol type of a function */
#define ELF_ST_TYPE(info)	((info) & 0xf)	/* symbol type from st_info */

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

struct elf64_shdr {
	u32 sh_name;
	u32 sh_type;
	u64 sh_flags;
	u64 sh_addr;
	u64 sh_offset;
	u64 sh_size;
	u32 sh_link;
	u32 sh_info;
	u64 sh_addralign;
	u64 sh_entsize;
};

struct elf64_sym {
	u32 st_name;
	u8 st_info;
	u8 st_other;
	u16 st_shndx;
	u64 st_value;
	u64 st_size;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");
_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 section header layout");
_Static_assert(sizeof(struct elf64_sym) == 24, "ELF64 symbol layout");

#endif /* KHOLAB_ELF64_H */
