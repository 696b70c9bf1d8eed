/*
 * boot/adapter/common.c - the boot-info builder both boot-protocol adapters
 * use: COM1 messages, the stop-with-a-verdict path, the boot-info area and
 * its memory map, command line and module list (adapter.h has the DOC).
 *
 * Position independent and self-contained: it runs on an identity map
 * before the kernel, so it calls nothing but memcpy/memset/memcmp (the
 * image it is linked into provides them) and its own helpers.
 */
#include "boot/adapter/adapter.h"
#include <kholab/exitcodes.h>
#include <kholab/x86.h>
#include <kholab/x86_boot.h>

_Static_assert(sizeof(struct kholab_bootinfo) <= ADAPTER_AREA_MODULES, "boot info fits");
_Static_assert(ADAPTER_AREA_MODULES + KHOLAB_MODULES_MAX * sizeof(struct kholab_module) <=
	       ADAPTER_AREA_MAP, "modules fit");
_Static_assert(ADAPTER_AREA_CMDLINE + KHOLAB_CMDLINE_MAX <= ADAPTER_AREA_BYTES,
	       "command line fits");

static u8 area[ADAPTER_AREA_BYTES] __attribute__((aligned(4096)));
static const char *msg_prefix;		/* set at run time: no absolute pointer in .data */

static struct kholab_bootinfo *bootinfo(void) { return (void *)area; }
static struct kholab_mmap_entry *map(void) { return (void *)(area + ADAPTER_AREA_MAP); }
static struct kholab_module *modules(void) { return (void *)(area + ADAPTER_AREA_MODULES); }

/* adapter_begin - see adapter.h. */
struct kholab_bootinfo *adapter_begin(const char *prefix, u64 generation, u32 flags)
{
	struct kholab_bootinfo *bi = bootinfo();

	msg_prefix = prefix;
	memset(area, 0, sizeof(area));
	*bi = (struct kholab_bootinfo){
		.magic = KHOLAB_BOOTINFO_MAGIC, .version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(*bi), .generation = generation, .flags = flags,
		.mmap_phys = (u64)map(), .mmap_entry_size = sizeof(struct kholab_mmap_entry),
		.self_phys = (u64)area, .self_size = sizeof(area),
		.modules_phys = (u64)modules(),
	};
	return bi;
}

/* adapter_puts - see adapter.h. */
void adapter_puts(const char *s)
{
	com1_puts(s);
}

/* adapter_puthex - see adapter.h. */
void adapter_puthex(u64 v)
{
	char buf[19] = "0x";
	int n = 0;

	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (unsigned)(v >> shift) & 15;

		if (d || n || !shift)
			buf[2 + n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	buf[2 + n] = 0;
	adapter_puts(buf);
}

/* adapter_note - see adapter.h. */
void adapter_note(const char *what, u64 value)
{
	adapter_puts(msg_prefix ? msg_prefix : "kholab-adapter");
	adapter_puts(": ");
	adapter_puts(what);
	adapter_puts(" ");
	adapter_puthex(value);
	adapter_puts("\n");
}

/* adapter_fail - see adapter.h. */
__attribute__((noreturn)) void adapter_fail(const char *what, u64 value)
{
	adapter_puts(msg_prefix ? msg_prefix : "kholab-adapter");
	adapter_puts(": ");
	adapter_puts(what);
	adapter_puts(" (");
	adapter_puthex(value);
	adapter_puts("); cannot start the kernel, stopping\n");
	outb(KHOLAB_DEBUG_EXIT_PORT, KHOLAB_EXIT_LOADER);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* adapter_e820_type - see adapter.h. */
u32 adapter_e820_type(u32 e820)
{
	switch (e820) {
	case X86_E820_RAM:	return KHOLAB_MEM_USABLE;
	case X86_E820_ACPI:	return KHOLAB_MEM_ACPI_RECLAIM;
	case X86_E820_NVS:	return KHOLAB_MEM_ACPI_NVS;
	case X86_E820_UNUSABLE:	return KHOLAB_MEM_UNUSABLE;
	case X86_E820_PMEM:
	case X86_E820_PRAM:	return KHOLAB_MEM_PERSISTENT;
	default:	return KHOLAB_MEM_RESERVED;
	}
}

/* adapter_add_range - see adapter.h. */
void adapter_add_range(u64 base, u64 size, u32 type)
{
	struct kholab_bootinfo *bi = bootinfo();

	if (bi->mmap_count == KHOLAB_MMAP_MAX)
		adapter_fail("memory map longer than the boot info takes", bi->mmap_count);
	map()[bi->mmap_count++] = (struct kholab_mmap_entry){ base, size, type, ~0u };
	if (kholab_mem_is_ram(type) && base + size > bi->phys_top)
		bi->phys_top = base + size;
}

/* adapter_set_cmdline - see adapter.h. */
void adapter_set_cmdline(const char *src)
{
	struct kholab_bootinfo *bi = bootinfo();
	char *dst = (char *)(area + ADAPTER_AREA_CMDLINE);
	u32 n = 0;

	while (src && src[n]) {
		if (n == KHOLAB_CMDLINE_MAX - 1)
			adapter_fail("command line longer than kholab takes", n);
		dst[n] = src[n];
		n++;
	}
	dst[n] = 0;
	bi->cmdline_phys = (u64)dst;
	bi->cmdline_len = n;
}

/* add_module - one module entry; "./x" and "/x" are "x"; too long a name stops. */
static void add_module(const char *name, u64 len, u64 phys, u64 size)
{
	struct kholab_bootinfo *bi = bootinfo();
	struct kholab_module *m;

	while (len && (*name == '/' || *name == '.')) {
		name++;
		len--;
	}
	if (!len)
		return;
	if (bi->modules_count == KHOLAB_MODULES_MAX || len >= KHOLAB_MODULE_NAME)
		adapter_fail("initrd holds too many files or too long a name", bi->modules_count);
	m = modules() + bi->modules_count++;
	memcpy(m->name, name, len);
	m->name[len] = 0;
	m->phys = phys;
	m->size = size;
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

/* read_cpio - regular files of a newc archive as modules; false if not one. */
static bool read_cpio(u64 start, u64 size)
{
	u64 off = 0;

	while (off + 110 <= size) {
		const u8 *h = (const u8 *)(start + off);
		u64 mode = hexfield(h + 14), fsize = hexfield(h + 54), nsize = hexfield(h + 94);
		u64 name = off + 110, data = (name + nsize + 3) & ~3ULL;

		if (memcmp(h, "070701", 6) || mode == ~0ULL || fsize == ~0ULL || nsize == ~0ULL ||
		    !nsize || data > size || fsize > size - data)
			return off != 0;	/* garbage after a valid start: stop there */
		if (nsize == 11 && !memcmp((const void *)(start + name), "TRAILER!!!", 11))
			return true;
		if ((mode & 0170000) == 0100000 && fsize)
			add_module((const char *)(start + name), nsize - 1, start + data, fsize);
		off = (data + fsize + 3) & ~3ULL;
	}
	return off != 0;
}

/* adapter_add_initrd - see adapter.h. */
void adapter_add_initrd(u64 phys, u64 size)
{
	adapter_add_range(phys, size, KHOLAB_MEM_LOADER_DATA);
	if (!read_cpio(phys, size))
		add_module("initrd", 6, phys, size);
}

/* same_name - is the NUL-terminated @a equal to @b? */
static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* adapter_take_module - see adapter.h. */
bool adapter_take_module(const char *name, u64 *phys, u64 *size)
{
	struct kholab_bootinfo *bi = bootinfo();
	struct kholab_module *m = modules();

	for (u32 i = 0; i < bi->modules_count; i++) {
		if (!same_name(m[i].name, name))
			continue;
		*phys = m[i].phys;
		*size = m[i].size;
		for (u32 j = i + 1; j < bi->modules_count; j++)
			m[j - 1] = m[j];
		memset(&m[--bi->modules_count], 0, sizeof(*m));
		return true;
	}
	return false;
}

/* adapter_enter - see adapter.h. */
__attribute__((noreturn)) void adapter_enter(u64 entry)
{
	struct kholab_bootinfo *bi = bootinfo();

	bi->loader_tsc = __builtin_ia32_rdtsc();
	__asm__ volatile("mov %0, %%rdi; jmp *%1" :: "r"((u64)bi), "r"(entry) : "rdi");
	__builtin_unreachable();
}
