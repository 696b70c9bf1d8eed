/*
 * boot/adapter/adapter.h - what the boot-protocol adapters share.
 *
 * DOC: boot-protocol adapters
 *
 * kholab has three front doors and one kernel entry.  The UEFI loader
 * (the .c files in boot/) builds a struct kholab_bootinfo from firmware services; the
 * two adapters here build the same structure from what another boot
 * protocol hands over, then jump to the kernel's _start exactly as the
 * loader does (64-bit mode, identity map, %rdi = boot info):
 *   - bzimage.c: the x86 boot protocol's boot_params, for a Linux
 *     kexec_file_load() of build/kholab.bzImage (boot/bzimage/);
 *   - pvh.c: the PVH hvm_start_info, for QEMU -kernel build/kholab.elf
 *     (boot/pvh/entry.asm is the 32-bit entry in front of it).
 * Both run before any kernel code on a map they did not build, so they
 * trust nothing: any bad input stops the machine with one line on COM1
 * naming the problem and the loader-failure code on the debug-exit port.
 *
 * Each adapter is linked into a different image (the bzImage payload, the
 * kernel itself) and is position independent, so each image has its own
 * copy of common.c and its one boot-info area: the boot info, then the
 * module list, the memory map and the command line, in one block that the
 * boot info's self_phys/self_size describe.  Messages carry the prefix the
 * adapter gave to adapter_begin().
 */
#ifndef BOOT_ADAPTER_H
#define BOOT_ADAPTER_H

#include <kholab/bootinfo.h>

/* Provided by the image each adapter is linked into (no libc here). */
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

/* Bytes of the boot-info area and where its parts start inside it. */
#define ADAPTER_AREA_BYTES	16384
#define ADAPTER_AREA_MODULES	256
#define ADAPTER_AREA_MAP	1024
#define ADAPTER_AREA_CMDLINE	(ADAPTER_AREA_MAP + KHOLAB_MMAP_MAX * sizeof(struct kholab_mmap_entry))

/*
 * adapter_begin - start a boot info for generation @generation with @flags;
 * @prefix (e.g. "kholab-pvh") starts every message.  Returns the boot info,
 * inside the area, with its magic, version, sizes and list pointers set.
 */
struct kholab_bootinfo *adapter_begin(const char *prefix, u64 generation, u32 flags);

/* adapter_puts / adapter_puthex - a string (\n as \r\n) / 0x-hex to COM1. */
void adapter_puts(const char *s);
void adapter_puthex(u64 v);

/* adapter_note - "PREFIX: what VALUE\n" on COM1, for progress lines. */
void adapter_note(const char *what, u64 value);

/*
 * adapter_fail - "PREFIX: what (VALUE); cannot start the kernel, stopping"
 * on COM1, the loader-failure code on the debug-exit port, then halt.
 */
__attribute__((noreturn)) void adapter_fail(const char *what, u64 value);

/* adapter_e820_type - the kholab memory type of an E820 type. */
u32 adapter_e820_type(u32 e820);

/*
 * adapter_add_range - append one memory map entry; the kernel sorts the
 * map and resolves overlaps (reserved beats RAM, the kernel beats its ELF
 * copy, and so on).  RAM types raise the boot info's phys_top.
 */
void adapter_add_range(u64 base, u64 size, u32 type);

/* adapter_set_cmdline - copy the NUL-terminated @src (NULL: empty). */
void adapter_set_cmdline(const char *src);

/*
 * adapter_add_initrd - mark [@phys, +@size) as loader data and list it as
 * modules: one per regular file when it is a cpio "newc" archive (the
 * bundle run-qemu.sh builds), else one module named "initrd".
 */
void adapter_add_initrd(u64 phys, u64 size);

/*
 * adapter_take_module - remove the module called @name from the list.
 * Returns true and its place in *@phys / *@size, or false if none.
 */
bool adapter_take_module(const char *name, u64 *phys, u64 *size);

/*
 * adapter_enter - stamp loader_tsc and jump to the kernel entry at
 * physical @entry with %rdi = the boot info.  Never returns.
 */
__attribute__((noreturn)) void adapter_enter(u64 entry);

#endif /* BOOT_ADAPTER_H */
