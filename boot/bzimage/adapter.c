/*
 * boot/bzimage/adapter.c - the x86 boot-protocol front door of kholab:
 * turn the boot_params a Linux kexec_file_load() hands to
 * build/kholab.bzImage into a struct kholab_bootinfo, load the kernel ELF
 * carried in the image, and enter it exactly as the UEFI loader does.
 *
 * DOC: the bzImage adapter
 *
 * Runs on the loader's identity map and its own stack, before any kernel
 * code, so it trusts nothing it is handed and stops with a message on the
 * serial port and the loader-failure code on the debug-exit port.  What
 * it builds, all inside the image's own init_size (which the loader placed
 * in KHO scratch and zero filled):
 *   - the kernel's PT_LOAD segments at the first 2 MiB boundary after the
 *     adapter (the kernel runs wherever it is put);
 *   - one 16 KiB area with the boot info, its memory map (the e820 table
 *     converted, plus the kernel, its ELF copy, this area and the initrd
 *     marked as such; the kernel sorts and de-overlaps), the command line
 *     and the module list.
 * The handoff list is boot_params' setup_data chain as it is: its header
 * {next, type, len} is struct kholab_handoff, and type 10 is the KHO record.
 * The initrd, when it is a cpio "newc" archive, becomes one module per file
 * (docs/interop.md: linux/bzImage and linux/initrd for kexec.next=linux);
 * any other initrd is one module named "initrd".
 */
#include <kholab/bootinfo.h>
#include <kholab/x86_boot.h>
#include <kholab/exitcodes.h>
#include "boot/elf_check.h"

#define COM1		0x3f8
#define AREA_BYTES	16384
#define AREA_MODULES	256
#define AREA_MAP	1024
#define AREA_CMDLINE	(AREA_MAP + KHOLAB_MMAP_MAX * sizeof(struct kholab_mmap_entry))
#define PMD		0x200000ULL

_Static_assert(sizeof(struct kholab_bootinfo) <= AREA_MODULES, "boot info fits");
_Static_assert(AREA_MODULES + KHOLAB_MODULES_MAX * sizeof(struct kholab_module) <= AREA_MAP,
	       "modules fit");
_Static_assert(AREA_CMDLINE + KHOLAB_CMDLINE_MAX <= AREA_BYTES, "command line fits");

extern const u8 _kernel_elf_start[], _kernel_elf_end[], _payload_end[];

static u8 area[AREA_BYTES] __attribute__((aligned(4096)));

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

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* putc_serial - one byte to COM1, waiting for the transmitter. */
static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (u8)c);
}

/* puts_serial - a string, with \n as \r\n. */
static void puts_serial(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

/* puthex - @v in hex with a 0x prefix. */
static void puthex(u64 v)
{
	char buf[19] = "0x";
	int n = 0;

	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (unsigned)(v >> shift) & 15;

		if (d || n || !shift)
			buf[2 + n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	buf[2 + n] = 0;
	puts_serial(buf);
}

/* fail - say what was wrong and stop with the loader-failure verdict. */
static __attribute__((noreturn)) void fail(const char *what, u64 value)
{
	puts_serial("kholab-bzimage: ");
	puts_serial(what);
	puts_serial(" (");
	puthex(value);
	puts_serial("); cannot start the kernel, stopping\n");
	outb(KHOLAB_DEBUG_EXIT_PORT, KHOLAB_EXIT_LOADER);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* e820_type - the kholab memory type of an e820 type. */
static u32 e820_type(u32 t)
{
	switch (t) {
	case X86_E820_RAM:	return KHOLAB_MEM_USABLE;
	case X86_E820_ACPI:	return KHOLAB_MEM_ACPI_RECLAIM;
	case X86_E820_NVS:	return KHOLAB_MEM_ACPI_NVS;
	case X86_E820_UNUSABLE:	return KHOLAB_MEM_UNUSABLE;
	case X86_E820_PMEM:
	case X86_E820_PRAM:	return KHOLAB_MEM_PERSISTENT;
	default:		return KHOLAB_MEM_RESERVED;
	}
}

/* add_range - append one map entry (the kernel sorts and resolves overlaps). */
static void add_range(struct kholab_bootinfo *bi, u64 base, u64 size, u32 type)
{
	struct kholab_mmap_entry *m = (void *)(area + AREA_MAP);

	if (bi->mmap_count == KHOLAB_MMAP_MAX)
		fail("memory map too long", bi->mmap_count);
	m[bi->mmap_count++] = (struct kholab_mmap_entry){ base, size, type, ~0u };
}

/* convert_e820 - boot_params' e820 table into the map; returns the end of RAM. */
static u64 convert_e820(const struct x86_boot_params *bp, struct kholab_bootinfo *bi)
{
	u64 top = 0;

	if (!bp->e820_entries || bp->e820_entries > X86_E820_MAX)
		fail("boot_params has no usable e820 table", bp->e820_entries);
	for (u32 i = 0; i < bp->e820_entries; i++) {
		struct x86_e820_entry e = bp->e820_table[i];

		add_range(bi, e.addr, e.size, e820_type(e.type));
		if (e.type == X86_E820_RAM && e.addr + e.size > top)
			top = e.addr + e.size;
	}
	return top;
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

/* hexfield - 8 ASCII hex digits of a cpio header; ~0 if not hex. */
static u64 hexfield(const u8 *p)
{
	u64 v = 0;

	for (int i = 0; i < 8; i++) {
		u8 c = p[i];
		u64 d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;

		if (d == 16)
			return ~0ULL;
		v = v << 4 | d;
	}
	return v;
}

/* add_module - one module entry; names longer than the field are refused. */
static void add_module(struct kholab_bootinfo *bi, const char *name, u64 len, u64 phys, u64 size)
{
	struct kholab_module *m = (void *)(area + AREA_MODULES);

	while (len && (*name == '/' || *name == '.')) {	/* "./x" and "/x" are "x" */
		name++;
		len--;
	}
	if (!len)
		return;
	if (bi->modules_count == KHOLAB_MODULES_MAX || len >= KHOLAB_MODULE_NAME)
		fail("initrd holds too many files or too long a name", bi->modules_count);
	m += bi->modules_count++;
	memcpy(m->name, name, len);
	m->name[len] = 0;
	m->phys = phys;
	m->size = size;
}

/* read_cpio - regular files of a newc archive as modules; false if not one. */
static bool read_cpio(struct kholab_bootinfo *bi, u64 start, u64 size)
{
	u64 off = 0;

	while (off + 110 <= size) {
		const u8 *h = (const u8 *)(start + off);
		u64 mode = hexfield(h + 14), fsize = hexfield(h + 54), nsize = hexfield(h + 94);
		u64 name = off + 110, data = (name + nsize + 3) & ~3ULL;

		if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' || h[4] != '0' ||
		    h[5] != '1' || mode == ~0ULL || fsize == ~0ULL || nsize == ~0ULL || !nsize ||
		    data > size || fsize > size - data)
			return off != 0;	/* garbage after a valid start: stop there */
		if (nsize == 11 && !memcmp((const void *)(start + name), "TRAILER!!!", 11))
			return true;
		if ((mode & 0170000) == 0100000 && fsize)
			add_module(bi, (const char *)(start + name), nsize - 1, start + data, fsize);
		off = (data + fsize + 3) & ~3ULL;
	}
	return off != 0;
}

/* read_cmdline - copy the NUL-terminated command line boot_params names. */
static void read_cmdline(const struct x86_boot_params *bp, struct kholab_bootinfo *bi)
{
	const char *src = (const char *)(((u64)bp->ext_cmd_line_ptr << 32) | bp->hdr.cmd_line_ptr);
	char *dst = (char *)(area + AREA_CMDLINE);
	u32 n = 0;

	while (src && src[n]) {
		if (n == KHOLAB_CMDLINE_MAX - 1)
			fail("command line longer than kholab takes", n);
		dst[n] = src[n];
		n++;
	}
	dst[n] = 0;
	bi->cmdline_phys = (u64)dst;
	bi->cmdline_len = n;
}

/* bzimage_main - see the DOC above; @bp is boot_params, @base where we run. */
__attribute__((noreturn)) void bzimage_main(const struct x86_boot_params *bp, u64 base)
{
	struct kholab_bootinfo *bi = (void *)area;
	u64 elf_size = (u64)(_kernel_elf_end - _kernel_elf_start), kbase, initrd, initrd_size;
	struct elf_image img;

	puts_serial("kholab-bzimage: entered at ");
	puthex(base + X86_BOOT_ENTRY64);
	puts_serial(", boot_params at ");
	puthex((u64)bp);
	puts_serial("\n");
	if (bp->sentinel)
		fail("boot_params sentinel is set (a broken loader)", bp->sentinel);
	if (elf_check(_kernel_elf_start, elf_size, &img))
		fail(img.reason, elf_size);
	kbase = ((u64)_payload_end + PMD - 1) & ~(PMD - 1);
	if (bp->hdr.init_size && kbase + img.span > base + bp->hdr.init_size)
		fail("init_size does not cover the kernel", bp->hdr.init_size);

	*bi = (struct kholab_bootinfo){
		.magic = KHOLAB_BOOTINFO_MAGIC, .version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(*bi), .generation = 1,
		.flags = KHOLAB_BI_FLAG_KEXEC | KHOLAB_BI_FLAG_BZIMAGE,
		.rsdp_phys = bp->acpi_rsdp_addr, .kernel_phys = kbase, .kernel_size = img.span,
		.kernel_virt = img.lowest_vaddr, .elf_phys = (u64)_kernel_elf_start,
		.elf_size = elf_size, .mmap_phys = (u64)(area + AREA_MAP),
		.mmap_entry_size = sizeof(struct kholab_mmap_entry),
		.handoff_phys = bp->hdr.setup_data, .self_phys = (u64)area,
		.self_size = AREA_BYTES, .modules_phys = (u64)(area + AREA_MODULES),
	};
	bi->phys_top = convert_e820(bp, bi);
	read_cmdline(bp, bi);
	initrd = ((u64)bp->ext_ramdisk_image << 32) | bp->hdr.ramdisk_image;
	initrd_size = ((u64)bp->ext_ramdisk_size << 32) | bp->hdr.ramdisk_size;
	if (initrd && initrd_size) {
		add_range(bi, initrd, initrd_size, KHOLAB_MEM_LOADER_DATA);
		if (!read_cpio(bi, initrd, initrd_size))
			add_module(bi, "initrd", 6, initrd, initrd_size);
	}
	add_range(bi, kbase, img.span, KHOLAB_MEM_KERNEL);
	add_range(bi, (u64)_kernel_elf_start, elf_size, KHOLAB_MEM_KERNEL_ELF);
	add_range(bi, (u64)area, AREA_BYTES, KHOLAB_MEM_BOOTINFO);
	load_kernel(&img, kbase);

	puts_serial("kholab-bzimage: kernel at ");
	puthex(kbase);
	puts_serial(", boot info at ");
	puthex((u64)bi);
	puts_serial(", KHO records from ");
	puthex(bi->handoff_phys);
	puts_serial("; jumping to the kernel\n");
	bi->loader_tsc = __builtin_ia32_rdtsc();
	__asm__ volatile("mov %0, %%rdi; jmp *%1" :: "r"((u64)bi), "r"(kbase + img.entry_off) : "rdi");
	__builtin_unreachable();
}
