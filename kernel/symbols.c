/*
 * kernel/symbols.c - name the functions in backtraces.
 *
 * Instead of a second link pass that bakes a symbol table into the image
 * (Linux's kallsyms), kholab reads the .symtab of the ELF file the loader
 * keeps in memory for kexec.  Lookups are a linear scan: they only happen
 * when something has already gone wrong.
 */
#include <kernel/symbols.h>
#include <kholab/elf64.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>

static const struct elf64_sym *symtab;
static u64 nsyms;
static const char *strtab;
static u64 strtab_size;

/* symbols_init - see symbols.h. */
int symbols_init(const void *elf, u64 size)
{
	const struct elf64_ehdr *eh = elf;
	const struct elf64_shdr *sh;

	if (!elf || size < sizeof(*eh) || memcmp(eh->e_ident, ELF_MAGIC, ELF_MAGIC_LEN))
		return -ENOEXEC;
	if (eh->e_shentsize != sizeof(*sh) || eh->e_shoff > size ||
	    (u64)eh->e_shnum * sizeof(*sh) > size - eh->e_shoff)
		return -ENOEXEC;
	sh = (const void *)((const u8 *)elf + eh->e_shoff);
	for (u16 i = 0; i < eh->e_shnum; i++) {
		const struct elf64_shdr *s = &sh[i], *str;

		if (s->sh_type != ELF_SHT_SYMTAB || s->sh_link >= eh->e_shnum)
			continue;
		str = &sh[s->sh_link];
		if (s->sh_offset > size || s->sh_size > size - s->sh_offset ||
		    str->sh_offset > size || str->sh_size > size - str->sh_offset)
			return -ENOEXEC;
		symtab = (const void *)((const u8 *)elf + s->sh_offset);
		nsyms = s->sh_size / sizeof(struct elf64_sym);
		strtab = (const char *)elf + str->sh_offset;
		strtab_size = str->sh_size;
		return 0;
	}
	return -ENOEXEC;
}

/* symbol_format - see symbols.h. */
char *symbol_format(u64 addr, char *buf, size_t len)
{
	const struct elf64_sym *best = NULL;

	for (u64 i = 0; i < nsyms; i++) {
		const struct elf64_sym *s = &symtab[i];

		if (ELF_ST_TYPE(s->st_info) != ELF_STT_FUNC || s->st_name >= strtab_size)
			continue;
		if (addr >= s->st_value && addr < s->st_value + (s->st_size ? s->st_size : 1)) {
			best = s;
			break;
		}
	}
	if (!best) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%.*s+0x%llx/0x%llx",
		 (int)strnlen(strtab + best->st_name, strtab_size - best->st_name),
		 strtab + best->st_name, (unsigned long long)(addr - best->st_value),
		 (unsigned long long)best->st_size);
	return buf;
}
