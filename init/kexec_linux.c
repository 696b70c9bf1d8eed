/*
 * init/kexec_linux.c - kexec.next=linux: hand the KHO handoff to a Linux
 * kernel through the x86 64-bit boot protocol.
 *
 * DOC: kexec into Linux
 *
 * The image is the "linux/bzImage" module (the UEFI loader reads
 * \linux\bzImage from the ESP; under Linux's own kexec it comes in the
 * initrd bundle, docs/interop.md), the initrd the "linux/initrd" module.
 * A Linux receiver allocates only from KHO scratch until it has reserved
 * what it was handed, so everything it reads before then goes into the
 * free parts of scratch (kho_scratch_free_ranges()), top down in the first
 * range with room:
 *
 *     | kernel: [A, A + init_size), A aligned to kernel_alignment, >= 16 MiB |
 *     | boot_params page | command line | KHO setup_data + scratch array | initrd |
 *
 * boot_params is a zeroed page with the image's setup header copied in,
 * type_of_loader 0xff, the command line ("console=ttyS0 kho=on panic=-1
 * nokaslr" plus kexec.linux_cmdline=), an e820 table from this kernel's
 * memory map (RAM below 640 KiB included), acpi_rsdp_addr, the initrd and
 * the type-10 KHO record.  The relocation stub copies the pieces, loads a
 * GDT with Linux's 0x10/0x18 selectors and enters A + 0x200 with %rsi =
 * boot_params; this kernel's identity map covers all RAM.  Everything is
 * checked before the first byte is copied: a refused kexec changes nothing.
 *
 * A Linux 7.3 receiver also allocates early outside scratch, in every
 * 1 GiB block of RAM that holds nothing preserved and no radix tree page.
 * Nothing placed here lies outside scratch, and whatever Linux reads later
 * that does (the root FDT, the subtree blobs, the kho_vmalloc chunks) is
 * preserved by the KHO core (kho/handover.c, kho/subtree.c); docs/interop.md,
 * "Linux 7.3 as receiver".
 */
#define pr_fmt(fmt) "kexec: " fmt

#include <init/kexec.h>
#include <kernel/layout.h>
#include <kernel/results.h>
#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <kholab/x86_boot.h>
#include <kho/kho_boot.h>
#include <kho/kho.h>
#include <mm/page_alloc.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#define LINUX_MIN_LOAD		(16ULL << 20)	/* LOAD_PHYSICAL_ADDR */
#define LINUX_BASE_CMDLINE	"console=ttyS0 kho=on panic=-1 nokaslr"
#define LINUX_EARLY_EXTRA	(32ULL << 20)	/* page tables, per-CPU, hashes... */

char kexec_linux_cmdline[256];		/* kexec.linux_cmdline= */

/* struct linux_plan - where every piece goes, and the staging copy of the small ones. */
struct linux_plan {
	const u8 *image;
	u64 image_size, pm_offset, pm_size, init_size, align;
	const struct kholab_module *initrd;
	u64 kernel, params, initrd_dst, end;	/* destinations */
	struct page *stage_page, *stub_page;	/* boot_params + cmdline + KHO record */
	struct kexec_segment *seg;
};

/* find_module - the boot info's module called @name, or NULL. */
static const struct kholab_module *find_module(const struct kholab_bootinfo *bi, const char *name)
{
	const struct kholab_module *m = bi->modules_phys ? __va(bi->modules_phys) : NULL;

	for (u32 i = 0; m && i < bi->modules_count && i < KHOLAB_MODULES_MAX; i++)
		if (!strncmp(m[i].name, name, KHOLAB_MODULE_NAME))
			return &m[i];
	return NULL;
}

/* refuse - log why the image cannot be started and return -ENOEXEC. */
static int refuse(const char *why, u64 value)
{
	pr_err("linux/bzImage: %s (0x%llx); not kexecing into it\n", why, (unsigned long long)value);
	return -ENOEXEC;
}

/* check_image - the checks Linux's own kexec_file_load makes, and ours. */
static int check_image(const u8 *image, u64 size, struct linux_plan *p)
{
	struct x86_setup_header h;

	if (size < 1024)
		return refuse("file too small for a bzImage", size);
	memcpy(&h, image + X86_BOOT_HDR_OFFSET, sizeof(h));
	if (h.header != X86_BOOT_MAGIC || h.boot_flag != X86_BOOT_FLAG)
		return refuse("no \"HdrS\" boot header: not a bzImage", h.header);
	if (h.version < X86_BOOT_MIN_VERSION)
		return refuse("boot protocol too old (need 2.12)", h.version);
	if (!(h.loadflags & X86_LOADED_HIGH) || !(h.xloadflags & XLF_KERNEL_64) ||
	    !(h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		return refuse("no 64-bit entry, or not relocatable above 4 GiB", h.xloadflags);
	p->pm_offset = ((u64)(h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	if (p->pm_offset >= size)
		return refuse("setup sectors run past the file", p->pm_offset);
	p->pm_size = size - p->pm_offset;
	p->init_size = ALIGN_UP((u64)h.init_size, PAGE_SIZE);
	p->align = h.kernel_alignment < PAGE_SIZE ? PAGE_SIZE : h.kernel_alignment;
	if (p->init_size < p->pm_size || (p->align & (p->align - 1)))
		return refuse("init_size below the file or a bad kernel_alignment", h.init_size);
	if (h.cmdline_size < sizeof(LINUX_BASE_CMDLINE) + sizeof(kexec_linux_cmdline) + 30)
		return refuse("command line room too small", h.cmdline_size);
	p->image = image;
	p->image_size = size;
	return 0;
}

/* place - lay the pieces out in the first free scratch range with room; -ENOSPC if none. */
static int place(struct linux_plan *p)
{
	const struct kho_scratch *r;
	u64 small = 3 * PAGE_SIZE, rd = p->initrd ? ALIGN_UP(p->initrd->size, PAGE_SIZE) : 0;
	int n = kho_scratch_free_ranges(&r);

	for (int i = 0; i < n; i++) {
		u64 k = ALIGN_UP(r[i].addr > LINUX_MIN_LOAD ? r[i].addr : LINUX_MIN_LOAD, p->align);

		if (k + p->init_size + small + rd > r[i].addr + r[i].size)
			continue;
		p->kernel = k;
		p->params = k + p->init_size;
		p->initrd_dst = p->params + small;
		p->end = p->initrd_dst + rd;
		return 0;
	}
	pr_err("no free KHO scratch range holds %llu MiB for Linux (image %llu MiB, initrd %llu MiB); boot with larger kho_scratch= sizes\n",
	       (unsigned long long)((p->init_size + small + rd) >> 20),
	       (unsigned long long)(p->init_size >> 20), (unsigned long long)(rd >> 20));
	return -ENOSPC;
}

/*
 * check_room - what Linux allocates before buddy (its memmap, 64 bytes per
 * page of RAM, plus LINUX_EARLY_EXTRA) must fit in the scratch left free
 * besides the pieces; -ENOSPC with the size needed otherwise.
 */
static int check_room(const struct linux_plan *p, u64 phys_top)
{
	const struct kho_scratch *r;
	u64 free = 0, need = (phys_top >> PAGE_SHIFT) * 64 + LINUX_EARLY_EXTRA;
	int n = kho_scratch_free_ranges(&r);

	for (int i = 0; i < n; i++)
		free += r[i].size;
	free -= p->end - p->kernel;
	if (free >= need)
		return 0;
	pr_err("KHO scratch too small for Linux: it needs about %llu MiB free for its early allocations, %llu MiB are left; boot with larger kho_scratch= sizes\n",
	       (unsigned long long)(need >> 20), (unsigned long long)(free >> 20));
	return -ENOSPC;
}

/* e820_of - the e820 type of a kholab memory type. */
static u32 e820_of(u32 type)
{
	if (kholab_mem_is_ram(type))
		return X86_E820_RAM;
	switch (type) {
	case KHOLAB_MEM_ACPI_RECLAIM:	return X86_E820_ACPI;
	case KHOLAB_MEM_ACPI_NVS:	return X86_E820_NVS;
	case KHOLAB_MEM_UNUSABLE:	return X86_E820_UNUSABLE;
	case KHOLAB_MEM_PERSISTENT:	return X86_E820_PMEM;
	default:			return X86_E820_RESERVED;
	}
}

/* fill_e820 - this kernel's map as e820, neighbours of one type merged; -E2BIG past 128. */
static int fill_e820(struct x86_boot_params *bp, const struct kholab_mmap_entry *map, u32 count)
{
	u32 n = 0;

	for (u32 i = 0; i < count; i++) {
		u32 t = e820_of(map[i].type);
		struct x86_e820_entry *last = n ? &bp->e820_table[n - 1] : NULL;

		if (last && last->type == t && last->addr + last->size == map[i].base) {
			last->size += map[i].size;
			continue;
		}
		if (n == X86_E820_MAX) {
			pr_err("the memory map needs more than %d e820 entries; not kexecing into Linux\n",
			       X86_E820_MAX);
			return -E2BIG;
		}
		bp->e820_table[n++] = (struct x86_e820_entry){ map[i].base, map[i].size, t };
	}
	bp->e820_entries = (u8)n;
	return 0;
}

/*
 * build_params - boot_params, the command line and the KHO record in the
 * staging page, laid out as they will be at p->params.
 */
static int build_params(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
			u32 count, u64 fdt_phys, struct linux_plan *p)
{
	u8 *stage = page_address(p->stage_page);
	struct x86_boot_params *bp = (void *)stage;
	char *cmdline = (char *)stage + PAGE_SIZE;
	u64 hdr_len = 0x202 + p->image[0x201] - X86_BOOT_HDR_OFFSET;
	int err;

	memset(stage, 0, 3 * PAGE_SIZE);
	memcpy(&bp->hdr, p->image + X86_BOOT_HDR_OFFSET,
	       hdr_len < sizeof(bp->hdr) ? hdr_len : sizeof(bp->hdr));
	bp->hdr.type_of_loader = 0xff;
	snprintf(cmdline, PAGE_SIZE, "%s%s%s", LINUX_BASE_CMDLINE, kexec_linux_cmdline[0] ? " " : "",
		 kexec_linux_cmdline);
	bp->hdr.cmd_line_ptr = (u32)(p->params + PAGE_SIZE);
	bp->ext_cmd_line_ptr = (u32)((p->params + PAGE_SIZE) >> 32);
	bp->acpi_rsdp_addr = bi->rsdp_phys;
	if (p->initrd) {
		bp->hdr.ramdisk_image = (u32)p->initrd_dst;
		bp->ext_ramdisk_image = (u32)(p->initrd_dst >> 32);
		bp->hdr.ramdisk_size = (u32)p->initrd->size;
		bp->ext_ramdisk_size = (u32)(p->initrd->size >> 32);
	}
	err = fill_e820(bp, map, count);
	err = err ?: kho_fill_handoff(stage + 2 * PAGE_SIZE, fdt_phys, &(struct kho_handoff_target){
		.record_phys = p->params + 2 * PAGE_SIZE,
		.next_kernel_phys = p->kernel,
		.phys_top = bi->phys_top,
		.gen = bi->generation,
	});
	bp->hdr.setup_data = p->params + 2 * PAGE_SIZE;
	return err;
}

/* build_segments - kernel part, zero tail, staging pages, initrd; the terminator. */
static int build_segments(struct linux_plan *p)
{
	int n = 0;

	p->seg = kexec_stub_segments(p->stub_page, 5);
	if (!p->seg)
		return -E2BIG;
	p->seg[n++] = (struct kexec_segment){ p->kernel, 0, p->init_size };
	p->seg[n++] = (struct kexec_segment){ p->kernel, __pa(p->image + p->pm_offset), p->pm_size };
	p->seg[n++] = (struct kexec_segment){ p->params, page_to_pfn(p->stage_page) << PAGE_SHIFT,
					      3 * PAGE_SIZE };
	if (p->initrd)
		p->seg[n++] = (struct kexec_segment){ p->initrd_dst, p->initrd->phys, p->initrd->size };
	p->seg[n] = (struct kexec_segment){ 0, 0, 0 };
	return 0;
}

/* emit_event - the "kexec" results line for a jump into Linux. */
static void emit_event(const struct kholab_bootinfo *bi, const struct linux_plan *p, u64 fdt_phys)
{
	struct json_line j;

	json_begin(&j, "kexec");
	json_u64(&j, "gen", bi->generation);
	json_str(&j, "next", "linux");
	json_u64(&j, "kernel_phys", p->kernel);
	json_u64(&j, "init_size", p->init_size);
	json_u64(&j, "preserved_blocks", kho_preserved_blocks());
	json_u64(&j, "preserved_bytes", kho_preserved_bytes());
	json_u64(&j, "fdt_phys", fdt_phys);
	json_str(&j, "abi", kho_abi_sent());
	json_end(&j);
	pr_info("generation %llu -> Linux: kernel at 0x%llx (init_size %llu MiB), boot_params at 0x%llx, %llu preserved blocks\n",
		(unsigned long long)bi->generation, (unsigned long long)p->kernel,
		(unsigned long long)(p->init_size >> 20), (unsigned long long)p->params,
		(unsigned long long)kho_preserved_blocks());
}

/* kexec_linux - see kexec.h. */
int kexec_linux(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		u32 count, u64 fdt_phys)
{
	const struct kholab_module *img = find_module(bi, "linux/bzImage");
	struct linux_plan p = { .initrd = find_module(bi, "linux/initrd") };
	int err;

	if (!img) {
		pr_err("kexec.next=linux, but no linux/bzImage was loaded (put it on the ESP as \\linux\\bzImage)\n");
		return -ENOENT;
	}
	if (strcmp(kho_abi_sent(), KHO_V4_COMPATIBLE)) {
		pr_err("kexec.next=linux needs kho.abi=v4 (Linux 7.2 and 7.3 read only kho-v4, this kernel writes %s); not kexecing\n",
		       kho_abi_sent());
		return -EINVAL;
	}
	err = check_image(__va(img->phys), img->size, &p);
	err = err ?: place(&p);
	err = err ?: check_room(&p, bi->phys_top);
	if (err)
		return err;
	p.stage_page = alloc_pages(2, -1);		/* 4 pages: boot_params, cmdline, record */
	p.stub_page = alloc_pages(0, -1);
	err = p.stage_page && p.stub_page ? 0 : -ENOMEM;
	err = err ?: build_params(bi, map, count, fdt_phys, &p);
	err = err ?: build_segments(&p);
	if (err) {
		if (p.stage_page)
			free_pages(p.stage_page, 2);
		if (p.stub_page)
			free_pages(p.stub_page, 0);
		return err;
	}
	emit_event(bi, &p, fdt_phys);
	kexec_jump(p.stub_page, p.seg, p.kernel + X86_BOOT_ENTRY64, p.params, KEXEC_ENTER_LINUX,
		   NULL);
}
