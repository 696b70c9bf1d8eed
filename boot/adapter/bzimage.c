/*
 * boot/adapter/bzimage.c - the x86 boot-protocol front door of kholab:
 * turn the boot_params a Linux kexec_file_load() hands to
 * build/kholab.bzImage into a struct kholab_bootinfo, load the kernel ELF
 * carried in the image, and enter it exactly as the UEFI loader does.
 *
 * DOC: the bzImage adapter
 *
 * Runs on the loader's identity map and its own stack (boot/bzimage/
 * entry.asm), before any kernel code.  What it builds, all inside the
 * image's own init_size (which the loader placed in KHO scratch and zero
 * filled):
 *   - the kernel's PT_LOAD segments at the first 2 MiB boundary after the
 *     payload (the kernel runs wherever it is put);
 *   - the boot-info area (common.c) with the e820 table converted, plus
 *     the kernel, its ELF copy, the area and the initrd marked as such.
 * The handoff list is boot_params' setup_data chain as it is: its header
 * {next, type, len} is struct kholab_handoff, and type 10 is the KHO record.
 * The initrd, when it is a cpio "newc" archive, becomes one module per file
 * (docs/interop.md: linux/bzImage and linux/initrd for kexec.next=linux);
 * any other initrd is one module named "initrd".
 */
#include "boot/adapter/adapter.h"
#include <kholab/x86_boot.h>
#include "boot/elf_check.h"

#define PMD		0x200000ULL

extern const u8 _kernel_elf_start[], _kernel_elf_end[], _payload_end[];

/* The compiler may call these for struct copies; nothing else provides them here. */
void *memcpy(void *d, const void *s, unsigned long n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, unsigned long n)
{
	u8 *dp = d;

	while (n--)
		*dp++ = (u8)c;
	return d;
}

int memcmp(const void *a, const void *b, unsigned long n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

/* convert_e820 - boot_params' e820 table into the boot info's map. */
static void convert_e820(const struct x86_boot_params *bp)
{
	if (!bp->e820_entries || bp->e820_entries > X86_E820_MAX)
		adapter_fail("boot_params has no usable e820 table", bp->e820_entries);
	for (u32 i = 0; i < bp->e820_entries; i++) {
		struct x86_e820_entry e = bp->e820_table[i];

		adapter_add_range(e.addr, e.size, adapter_e820_type(e.type));
	}
}

/* load_kernel - the ELF's PT_LOAD segments at @base, the rest of the span zeroed. */
static void load_kernel(const struct elf_image *img, u64 base)
{
	memset((void *)base, 0, img->span);
	for (u32 i = 0; i < img->phnum; i++) {
		struct elf64_phdr ph;

		elf_read_phdr(_kernel_elf_start, img, i, &ph);
		if (ph.p_type == ELF_PT_LOAD)
			memcpy((void *)(base + ph.p_vaddr - img->lowest_vaddr),
			       _kernel_elf_start + ph.p_offset, ph.p_filesz);
	}
}

/* bzimage_main - see the DOC above; @bp is boot_params, @base where we run. */
__attribute__((noreturn)) void bzimage_main(const struct x86_boot_params *bp, u64 base)
{
	struct kholab_bootinfo *bi;
	u64 elf_size = (u64)(_kernel_elf_end - _kernel_elf_start), kbase, initrd, initrd_size;
	struct elf_image img;

	bi = adapter_begin("kholab-bzimage", 1, KHOLAB_BI_FLAG_KEXEC | KHOLAB_BI_FLAG_BZIMAGE);
	adapter_note("entered at", base + X86_BOOT_ENTRY64);
	adapter_note("boot_params at", (u64)bp);
	if (bp->sentinel)
		adapter_fail("boot_params sentinel is set (a broken loader)", bp->sentinel);
	if (elf_check(_kernel_elf_start, elf_size, &img))
		adapter_fail(img.reason, elf_size);
	kbase = ((u64)_payload_end + PMD - 1) & ~(PMD - 1);
	if (bp->hdr.init_size && kbase + img.span > base + bp->hdr.init_size)
		adapter_fail("init_size does not cover the kernel", bp->hdr.init_size);

	bi->rsdp_phys = bp->acpi_rsdp_addr;
	bi->kernel_phys = kbase;
	bi->kernel_size = img.span;
	bi->kernel_virt = img.lowest_vaddr;
	bi->elf_phys = (u64)_kernel_elf_start;
	bi->elf_size = elf_size;
	bi->handoff_phys = bp->hdr.setup_data;
	convert_e820(bp);
	adapter_set_cmdline((const char *)(((u64)bp->ext_cmd_line_ptr << 32) | bp->hdr.cmd_line_ptr));
	initrd = ((u64)bp->ext_ramdisk_image << 32) | bp->hdr.ramdisk_image;
	initrd_size = ((u64)bp->ext_ramdisk_size << 32) | bp->hdr.ramdisk_size;
	if (initrd && initrd_size)
		adapter_add_initrd(initrd, initrd_size);
	adapter_add_range(kbase, img.span, KHOLAB_MEM_KERNEL);
	adapter_add_range((u64)_kernel_elf_start, elf_size, KHOLAB_MEM_KERNEL_ELF);
	adapter_add_range(bi->self_phys, bi->self_size, KHOLAB_MEM_BOOTINFO);
	load_kernel(&img, kbase);

	adapter_note("kernel at", kbase);
	adapter_note("boot info at", (u64)bi);
	adapter_note("KHO records from", bi->handoff_phys);
	adapter_puts("kholab-bzimage: jumping to the kernel\n");
	adapter_enter(kbase + img.entry_off);
}
