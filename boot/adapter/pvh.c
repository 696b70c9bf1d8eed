/*
 * boot/adapter/pvh.c - the PVH front door of kholab: turn the
 * struct hvm_start_info a PVH loader (QEMU -kernel build/kholab.elf) hands
 * over into a struct kholab_bootinfo and enter the kernel's _start exactly
 * as the UEFI loader does.
 *
 * DOC: the PVH adapter
 *
 * boot/pvh/entry.asm gets here in 64-bit mode on an identity map of the
 * first 4 GiB, running at physical addresses inside the kernel image that
 * the loader put at KERNEL_LOAD_PHYS.  This file is built -fpie and calls
 * nothing of the kernel's but memcpy/memset/memcmp (kernel/lib/string.c,
 * which use no absolute addresses).  It builds, in the boot-info area
 * (common.c, inside the kernel's .bss):
 *   - the memory map: the start-of-day block's E820 map, plus the kernel
 *     image, each module (loader data) and the kernel's ELF copy;
 *   - the command line, the RSDP, and the modules.
 * The modules come from the -initrd file: run-qemu.sh --boot direct packs
 * build/kholab.elf, and for kexec.next=linux linux/bzImage and
 * linux/initrd, into one cpio "newc" archive.  The module kholab.elf is
 * taken out of the list and becomes the boot info's ELF copy (symbols for
 * backtraces, the image later kexecs load), after a check that it is the
 * very kernel that is running.  Without it the kernel boots but cannot
 * kexec or name functions in a backtrace; a line on COM1 says so.
 * A cold PVH boot is generation 0 and carries no handoff records.
 */
#include "boot/adapter/adapter.h"
#include <kholab/hvm_start_info.h>
#include <kholab/layout.h>
#include "boot/elf_check.h"

extern char _start[];		/* kernel/entry.asm */
extern char _kernel_start[], _kernel_end[];	/* linker.ld: the image bounds */

/* check_start_info - refuse a block that is not a usable PVH version 1. */
static void check_start_info(const struct hvm_start_info *si)
{
	if (!si)
		adapter_fail("no hvm_start_info: %ebx was 0 at the PVH entry", 0);
	if (si->magic != HVM_START_MAGIC)
		adapter_fail("hvm_start_info has the wrong magic (PVH wants 0x336ec578); "
			     "this is not a PVH start-of-day block", si->magic);
	if (si->version < HVM_START_MIN_VERSION)
		adapter_fail("hvm_start_info version 0 carries no memory map; kholab needs "
			     "version 1 or later", si->version);
	if (!si->memmap_entries || !si->memmap_paddr)
		adapter_fail("hvm_start_info memory map has zero entries; kholab cannot "
			     "know where RAM is", si->memmap_entries);
	if (si->memmap_entries > KHOLAB_MMAP_MAX - KHOLAB_MODULES_MAX - 2)
		adapter_fail("hvm_start_info memory map has more entries than kholab takes",
			     si->memmap_entries);
}

/* convert_memmap - the start-of-day E820 map into the boot info's map. */
static void convert_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e = (const void *)si->memmap_paddr;

	for (u32 i = 0; i < si->memmap_entries; i++)
		adapter_add_range(e[i].addr, e[i].size, adapter_e820_type(e[i].type));
}

/*
 * same_kernel - is the ELF file at @elf (@size bytes) the image running at
 * @kphys: a valid kernel linked at KERNEL_VIRT, of the same span, whose
 * PT_LOAD file bytes equal the image's?  (Only .bss, which no PT_LOAD
 * carries in the file, has been written yet.)
 */
static bool same_kernel(const u8 *elf, u64 size, u64 kphys, u64 span)
{
	struct elf_image img;

	if (elf_check(elf, size, &img) || img.lowest_vaddr != KERNEL_VIRT || img.span != span)
		return false;
	for (u32 i = 0; i < img.phnum; i++) {
		struct elf64_phdr ph;

		elf_read_phdr(elf, &img, i, &ph);
		if (ph.p_type == ELF_PT_LOAD &&
		    memcmp((const void *)(kphys + ph.p_vaddr - KERNEL_VIRT), elf + ph.p_offset,
			   ph.p_filesz))
			return false;
	}
	return true;
}

/* read_modules - the module list into modules, and the ELF copy out of it. */
static void read_modules(const struct hvm_start_info *si, struct kholab_bootinfo *bi)
{
	const struct hvm_modlist_entry *m = (const void *)si->modlist_paddr;
	u64 elf, elf_size;

	for (u32 i = 0; m && i < si->nr_modules; i++)
		if (m[i].paddr && m[i].size)
			adapter_add_initrd(m[i].paddr, m[i].size);
	if (!adapter_take_module("kholab.elf", &elf, &elf_size)) {
		adapter_puts("kholab-pvh: no module kholab.elf: this boot cannot kexec or "
			     "name functions in backtraces (run-qemu.sh --boot direct passes it)\n");
		return;
	}
	if (!same_kernel((const u8 *)elf, elf_size, bi->kernel_phys, bi->kernel_size))
		adapter_fail("module kholab.elf is not the kernel that was booted; pass the "
			     "same build/kholab.elf as -kernel and inside the -initrd bundle", elf_size);
	bi->elf_phys = elf;
	bi->elf_size = elf_size;
	adapter_add_range(elf, elf_size, KHOLAB_MEM_KERNEL_ELF);
}

/* pvh_main - see the DOC above; @start_info is the physical %ebx of the entry. */
__attribute__((noreturn)) void pvh_main(u64 start_info)
{
	const struct hvm_start_info *si = (const void *)start_info;
	struct kholab_bootinfo *bi;

	bi = adapter_begin("kholab-pvh", 0, KHOLAB_BI_FLAG_PVH);
	adapter_note("entered; hvm_start_info at", start_info);
	check_start_info(si);

	bi->kernel_phys = (u64)_kernel_start;	/* RIP-relative: where it runs */
	bi->kernel_size = (u64)(_kernel_end - _kernel_start);
	bi->kernel_virt = KERNEL_VIRT;
	bi->rsdp_phys = si->rsdp_paddr;
	convert_memmap(si);
	adapter_add_range(bi->kernel_phys, bi->kernel_size, KHOLAB_MEM_KERNEL);
	adapter_set_cmdline((const char *)si->cmdline_paddr);
	read_modules(si, bi);

	adapter_note("kernel at", bi->kernel_phys);
	adapter_note("boot info at", (u64)bi);
	adapter_puts("kholab-pvh: jumping to the kernel\n");
	adapter_enter((u64)_start);
}
