/*
 * kernel/symbols.h - address -> function name, from the kernel's own ELF.
 */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <kholab/types.h>

/**
 * symbols_init - find .symtab/.strtab in the kernel ELF copy.
 * @elf: the ELF file in memory, @size: its length
 *
 * Return: 0, or -ENOEXEC when there is no usable symbol table (backtraces
 * then print bare addresses).
 */
int symbols_init(const void *elf, u64 size);

/**
 * symbol_format - write "name+0xoff/0xsize" for @addr into @buf, or "?" when
 * no function contains it.  Return: @buf.
 */
char *symbol_format(u64 addr, char *buf, size_t len);

#endif /* KERNEL_SYMBOLS_H */
