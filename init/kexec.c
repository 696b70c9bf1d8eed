/*
 * init/kexec.c - kexec into itself, carrying a KHO handoff.
 *
 * DOC: kexec
 *
 * kholab's next generation is the same ELF file the loader kept in memory.
 * It goes into the global KHO scratch area, because only scratch is known
 * to be free of preserved memory in every generation:
 *
 *   scratch[1]: | kernel image (2 MiB aligned) | ELF copy | boot info (16 KiB) | free ... |
 *
 * The boot info is built in ordinary memory first; its memory map is this
 * generation's with the old kernel's ranges returned to "usable" and the
 * new kernel's three ranges carved out, plus a handoff record of Linux's
 * x86 type SETUP_KEXEC_KHO (10) carrying struct kho_data.  The other CPUs
 * are parked (cli; hlt: only an INIT wakes them, which the next kernel
 * sends), and kernel/relocate.asm, copied to a page of ordinary memory
 * that nothing overwrites, copies the segments and enters the new kernel
 * with %rdi = its boot info, exactly like the UEFI loader does.  Later
 * generations never see UEFI.
 */
#define pr_fmt(fmt) "kexec: " fmt

#include <init/kexec.h>
#include <kernel/timeline.h>
#include <kholab/elf64.h>
#include <kernel/layout.h>
#include <kernel/percpu.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kho/kho_boot.h>
#include <kho/kho.h>
#include <mm/page_alloc.h>
#include <mm/memory_map.h>
#include <string.h>
#include <errno.h>

#define BI_PAGES_ORDER	2			/* 16 KiB of boot info */
#define BI_BYTES	(PAGE_SIZE << BI_PAGES_ORDER)
#define MAX_SEGMENTS	16

/* The offsets kernel/relocate.asm uses (SEG_*). */
_Static_assert(offsetof(struct kexec_segment, dst) == 0, "SEG_DST");
_Static_assert(offsetof(struct kexec_segment, src) == 8, "SEG_SRC");
_Static_assert(offsetof(struct kexec_segment, len) == 16, "SEG_LEN");
_Static_assert(sizeof(struct kexec_segment) == 24, "SEG_SIZE");

/* Where the pieces of the boot info go inside its 16 KiB. */
#define BI_OFF_MAP	256
#define BI_OFF_CMDLINE	(BI_OFF_MAP + KHOLAB_MMAP_MAX * sizeof(struct kholab_mmap_entry))
#define BI_OFF_HANDOFF	ALIGN_UP(BI_OFF_CMDLINE + KHOLAB_CMDLINE_MAX, 16)
#define BI_OFF_MODULES	ALIGN_UP(BI_OFF_HANDOFF + KHO_HANDOFF_BYTES, 16)
_Static_assert(sizeof(struct kholab_bootinfo) <= BI_OFF_MAP, "boot info header fits");
_Static_assert(BI_OFF_MODULES + KHOLAB_MODULES_MAX * sizeof(struct kholab_module) <= BI_BYTES,
	       "boot info, map, command line, KHO handoff record and modules fit in 16 KiB");

extern const u8 relocate_start[], relocate_end[];

struct elf_layout {
	u64 lowest;		/* lowest PT_LOAD vaddr */
	u64 span;		/* bytes from lowest to the end of the highest memsz */
	u64 entry_off;		/* e_entry - lowest */
	const struct elf64_phdr *ph;
	u16 phnum;
};

/* elf_layout - read the program headers of our own ELF copy, with bounds checks. */
static int elf_layout(const u8 *elf, u64 size, struct elf_layout *l)
{
	const struct elf64_ehdr *eh = (const void *)elf;
	u64 hi = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phoff > size ||
	    (u64)eh->e_phnum * sizeof(struct elf64_phdr) > size - eh->e_phoff)
		return -ENOEXEC;
	l->ph = (const void *)(elf + eh->e_phoff);
	l->phnum = eh->e_phnum;
	l->lowest = ~0ULL;
	for (u16 i = 0; i < l->phnum; i++) {
		const struct elf64_phdr *p = &l->ph[i];

		if (p->p_type != ELF_PT_LOAD)
			continue;
		if (p->p_offset > size || p->p_filesz > size - p->p_offset || p->p_filesz > p->p_memsz)
			return -ENOEXEC;
		if (p->p_vaddr < l->lowest)
			l->lowest = p->p_vaddr;
		if (p->p_vaddr + p->p_memsz > hi)
			hi = p->p_vaddr + p->p_memsz;
	}
	if (l->lowest == ~0ULL || eh->e_entry < l->lowest || eh->e_entry >= hi)
		return -ENOEXEC;
	l->span = hi - l->lowest;
	l->entry_off = eh->e_entry - l->lowest;
	return 0;
}

/*
 * map_carve - give [base, base + size) type @type in a sorted,
 * non-overlapping map of *@count entries (room for @max), splitting the
 * entries it cuts.  Return: 0 or -ENOSPC.
 */
static int map_carve(struct kholab_mmap_entry *m, u32 *count, u32 max, u64 base, u64 size,
		     u32 type)
{
	u64 end = base + size;

	for (u32 i = 0; i < *count; i++) {
		u64 s = m[i].base, e = m[i].base + m[i].size;
		struct kholab_mmap_entry left = m[i], right = m[i];
		u32 pieces;

		if (e <= base || s >= end)
			continue;
		left.size = base > s ? base - s : 0;
		right.base = end < e ? end : e;
		right.size = end < e ? e - end : 0;
		pieces = (left.size != 0) + (right.size != 0);
		if (*count + pieces > max)
			return -ENOSPC;
		/* replace entry i by: left, [overlap as type], right */
		memmove(&m[i + 1 + pieces], &m[i + 1], (*count - i - 1) * sizeof(*m));
		*count += pieces;
		if (left.size)
			m[i++] = left;
		m[i].base = s > base ? s : base;
		m[i].size = (e < end ? e : end) - m[i].base;
		m[i].type = type;
		m[i].efi_type = ~0u;
		if (right.size)
			m[++i] = right;
	}
	return 0;
}

static volatile int parked[MAX_CPUS];

/* ap_park - an AP's last act: say so, then stop until the next kernel's INIT. */
static void ap_park(void *unused)
{
	(void)unused;
	__atomic_store_n(&parked[smp_processor_id()], 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* kexec_park_others - see kexec.h. */
void kexec_park_others(void)
{
	int me = smp_processor_id();
	u64 t0 = rdtsc();

	for (int cpu = 0; cpu < nr_cpus_online(); cpu++)
		if (cpu != me)
			while (smp_call_on_cpu_async(cpu, ap_park, NULL) == -EBUSY)
				cpu_relax();
	for (int cpu = 0; cpu < nr_cpus_online(); cpu++)
		while (cpu != me && !__atomic_load_n(&parked[cpu], __ATOMIC_ACQUIRE))
			cpu_relax();
	/* the flag comes one instruction before hlt: give it time to halt */
	while (tsc_to_ns(rdtsc() - t0) < 1000000)
		cpu_relax();
}

/* struct kexec_plan - where the next generation's pieces go, and their staging pages. */
struct kexec_plan {
	struct elf_layout l;
	u64 slot;			/* the kernel image (2 MiB aligned, in global scratch) */
	u64 elf_dst;			/* its ELF copy */
	u64 bi_dst;			/* its boot info */
	struct page *bi_page;		/* the boot info, built here first */
	struct page *stub_page;		/* relocate.asm and the segment list */
	struct kholab_bootinfo *nbi;	/* = page_address(bi_page) */
	struct kexec_segment *seg;
};

/* plan_layout - check our own ELF copy and place kernel, ELF and boot info in scratch. */
static int plan_layout(const struct kholab_bootinfo *bi, struct kexec_plan *k)
{
	u64 area, size;
	int err;

	err = kho_next_kernel_area(&area, &size);
	if (err) {
		pr_err("no KHO scratch this boot (kho=off?); nowhere to put the next kernel\n");
		return err;
	}
	if (!bi->elf_phys || !bi->elf_size) {
		pr_err("this boot has no ELF copy of the kernel (a direct boot without the kholab.elf module?); cannot load the next one\n");
		return -ENOENT;
	}
	err = elf_layout(__va(bi->elf_phys), bi->elf_size, &k->l);
	if (err) {
		pr_err("the kernel's own ELF copy is not loadable (%d)\n", err);
		return err;
	}
	k->slot = ALIGN_UP(area, PMD_SIZE);
	k->elf_dst = k->slot + ALIGN_UP(k->l.span, PMD_SIZE);
	k->bi_dst = ALIGN_UP(k->elf_dst + bi->elf_size, PAGE_SIZE);
	if (k->bi_dst + BI_BYTES > area + size) {
		pr_err("global scratch [0x%llx-0x%llx) is too small for the next kernel (needs %llu KiB); raise kho_scratch\n",
		       (unsigned long long)area, (unsigned long long)(area + size),
		       (unsigned long long)((k->bi_dst + BI_BYTES - k->slot) >> 10));
		return -ENOSPC;
	}
	/* kholab puts its own global area below this; a Linux sender's may not be. */
	if (k->bi_dst + BI_BYTES > (u64)DIRECT_MAP_MAX_GIB << 30) {
		pr_err("global scratch ends at 0x%llx, above the %u GiB the next kernel's boot page tables map (DIRECT_MAP_MAX_GIB); not kexecing\n",
		       (unsigned long long)(k->bi_dst + BI_BYTES), (unsigned)DIRECT_MAP_MAX_GIB);
		return -ERANGE;
	}
	return 0;
}

/*
 * carry_modules - the modules this generation received go on to the next
 * one (a later generation may kexec into Linux): the list copied, each
 * range kept as loader data in @nmap.
 */
static int carry_modules(const struct kholab_bootinfo *bi, struct kexec_plan *k,
			 struct kholab_mmap_entry *nmap, u32 *n)
{
	const struct kholab_module *m = bi->modules_phys ? __va(bi->modules_phys) : NULL;
	u32 count = m && bi->modules_count <= KHOLAB_MODULES_MAX ? bi->modules_count : 0;
	int err = 0;

	memcpy((u8 *)k->nbi + BI_OFF_MODULES, m, count * sizeof(*m));
	k->nbi->modules_phys = count ? k->bi_dst + BI_OFF_MODULES : 0;
	k->nbi->modules_count = count;
	for (u32 i = 0; i < count && !err; i++)
		err = map_carve(nmap, n, KHOLAB_MMAP_MAX, ALIGN_DOWN(m[i].phys, PAGE_SIZE),
				ALIGN_UP(m[i].phys + m[i].size, PAGE_SIZE) - ALIGN_DOWN(m[i].phys, PAGE_SIZE),
				KHOLAB_MEM_LOADER_DATA);
	return err;
}

/* build_map - this generation's map, old kernel's ranges usable, the new ones carved out. */
static int build_map(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
		     u32 count, struct kexec_plan *k)
{
	struct kholab_mmap_entry *nmap = (void *)((u8 *)k->nbi + BI_OFF_MAP);
	u64 elf_size = bi->elf_size;
	u32 n = count;
	int err;

	memcpy(nmap, map, count * sizeof(*map));
	for (u32 i = 0; i < n; i++)
		if (kholab_mem_is_ram(nmap[i].type))
			nmap[i].type = KHOLAB_MEM_USABLE;
	err = map_carve(nmap, &n, KHOLAB_MMAP_MAX, k->slot, k->l.span, KHOLAB_MEM_KERNEL);
	err = err ?: map_carve(nmap, &n, KHOLAB_MMAP_MAX, k->elf_dst, elf_size, KHOLAB_MEM_KERNEL_ELF);
	err = err ?: map_carve(nmap, &n, KHOLAB_MMAP_MAX, k->bi_dst, BI_BYTES, KHOLAB_MEM_BOOTINFO);
	err = err ?: carry_modules(bi, k, nmap, &n);
	err = err ?: memory_map_sanitize(nmap, &n, KHOLAB_MMAP_MAX);	/* merge neighbours */
	if (err) {
		pr_err("the next memory map does not fit (%d)\n", err);
		return err;
	}
	k->nbi->mmap_phys = k->bi_dst + BI_OFF_MAP;
	k->nbi->mmap_count = n;
	return 0;
}

/*
 * build_boot_info - the next generation's boot info: header, memory map,
 * command line, and the KHO handoff record naming @fdt_phys.
 */
static int build_boot_info(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
			   u32 count, u64 fdt_phys, struct kexec_plan *k)
{
	struct kholab_bootinfo *nbi = k->nbi;
	u8 *staging = (u8 *)nbi;
	int err;

	memset(staging, 0, BI_BYTES);
	*nbi = (struct kholab_bootinfo){
		.magic = KHOLAB_BOOTINFO_MAGIC,
		.version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(*nbi),
		.generation = bi->generation + 1,
		.rsdp_phys = bi->rsdp_phys,
		.flags = KHOLAB_BI_FLAG_KEXEC,
		.kernel_phys = k->slot,
		.kernel_size = k->l.span,
		.kernel_virt = k->l.lowest,
		.elf_phys = k->elf_dst,
		.elf_size = bi->elf_size,
		.phys_top = bi->phys_top,
		.self_phys = k->bi_dst,
		.self_size = BI_BYTES,
		.mmap_entry_size = sizeof(struct kholab_mmap_entry),
	};
	err = build_map(bi, map, count, k);
	if (err)
		return err;
	memcpy(staging + BI_OFF_CMDLINE, __va(bi->cmdline_phys), bi->cmdline_len);
	nbi->cmdline_phys = k->bi_dst + BI_OFF_CMDLINE;
	nbi->cmdline_len = bi->cmdline_len;
	nbi->handoff_phys = k->bi_dst + BI_OFF_HANDOFF;
	return kho_fill_handoff(staging + BI_OFF_HANDOFF, fdt_phys, &(struct kho_handoff_target){
		.record_phys = nbi->handoff_phys,
		.next_kernel_phys = k->slot,
		.phys_top = bi->phys_top,
		.gen = bi->generation,
	});
}

/*
 * build_segments - copy the relocation stub into its page and write the
 * segment list after it: zero the image span, each PT_LOAD, the ELF copy,
 * the boot info, and the terminator.
 */
static int build_segments(const struct kholab_bootinfo *bi, struct kexec_plan *k)
{
	const struct elf_layout *l = &k->l;
	struct kexec_segment *seg;
	int nseg = 0;

	for (u16 i = 0; i < l->phnum; i++)	/* count first: the list must fit the page */
		nseg += l->ph[i].p_type == ELF_PT_LOAD && l->ph[i].p_filesz;
	seg = kexec_stub_segments(k->stub_page, nseg + 4);
	if (!seg) {
		pr_err("too many kexec segments (%d PT_LOADs)\n", nseg);
		return -E2BIG;
	}
	nseg = 0;
	/* zero exactly what the new map marks as the kernel, no more */
	seg[nseg++] = (struct kexec_segment){ k->slot, 0, l->span };
	for (u16 i = 0; i < l->phnum; i++)
		if (l->ph[i].p_type == ELF_PT_LOAD && l->ph[i].p_filesz)
			seg[nseg++] = (struct kexec_segment){ k->slot + l->ph[i].p_vaddr - l->lowest,
							      bi->elf_phys + l->ph[i].p_offset,
							      l->ph[i].p_filesz };
	seg[nseg++] = (struct kexec_segment){ k->elf_dst, bi->elf_phys, bi->elf_size };
	seg[nseg++] = (struct kexec_segment){ k->bi_dst, page_to_pfn(k->bi_page) << PAGE_SHIFT,
					      BI_BYTES };
	seg[nseg++] = (struct kexec_segment){ 0, 0, 0 };
	k->seg = seg;
	return 0;
}

/* emit_kexec_event - the "kexec" results line (docs/results.md). */
static void emit_kexec_event(const struct kholab_bootinfo *bi, const struct kexec_plan *k,
			     u64 fdt_phys, u64 t0)
{
	struct json_line j;

	json_begin(&j, "kexec");
	json_u64(&j, "gen", bi->generation);
	json_u64(&j, "to_gen", k->nbi->generation);
	json_u64(&j, "kernel_phys", k->slot);
	json_u64(&j, "preserved_blocks", kho_preserved_blocks());
	json_u64(&j, "preserved_bytes", kho_preserved_bytes());
	json_u64(&j, "fdt_phys", fdt_phys);
	json_str(&j, "abi", kho_abi_sent());
	json_u64(&j, "handoff_ns", tsc_to_ns(rdtsc() - t0));
	json_end(&j);
	pr_info("generation %llu -> %llu: kernel at 0x%llx, boot info at 0x%llx, %llu preserved blocks\n",
		(unsigned long long)bi->generation, (unsigned long long)k->nbi->generation,
		(unsigned long long)k->slot, (unsigned long long)k->bi_dst,
		(unsigned long long)kho_preserved_blocks());
}

/* kexec_stub_segments - see kexec.h. */
struct kexec_segment *kexec_stub_segments(struct page *stub_page, int nseg)
{
	u8 *stub = page_address(stub_page);
	struct kexec_segment *seg;

	memcpy(stub, relocate_start, (size_t)(relocate_end - relocate_start));
	seg = (struct kexec_segment *)(stub + ALIGN_UP(relocate_end - relocate_start, 64));
	if (nseg > MAX_SEGMENTS || (u8 *)&seg[nseg] > stub + PAGE_SIZE)
		return NULL;
	return seg;
}

/* kexec_jump - see kexec.h. */
void kexec_jump(struct page *stub_page, const struct kexec_segment *seg, u64 entry, u64 arg,
		int mode, u64 *tsc)
{
	u64 stub_pa = page_to_pfn(stub_page) << PAGE_SHIFT;
	u8 *stub = page_address(stub_page);
	void (*relocate)(u64, u64, u64, u64) = (void (*)(u64, u64, u64, u64))(uintptr_t)stub_pa;

	timeline_end(PHASE_KEXEC);
	timeline_emit("kexec");		/* kernel/timeline.c: this generation ends here */
	kexec_park_others();
	if (tsc)
		*tsc = rdtsc();		/* the next kernel's loader_tsc: the jump itself */
	__asm__ volatile("cli" ::: "memory");
	relocate(stub_pa + (u64)((const u8 *)seg - stub), entry, arg, (u64)mode);
	__builtin_unreachable();
}

/* kexec_self - see kexec.h. */
int kexec_self(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
	       u32 count, u64 fdt_phys)
{
	struct kexec_plan k = { 0 };
	u64 t0 = rdtsc();
	int err;

	err = plan_layout(bi, &k);
	if (err)
		return err;
	k.bi_page = alloc_pages(BI_PAGES_ORDER, -1);
	if (!k.bi_page)
		return -ENOMEM;
	k.stub_page = alloc_pages(0, -1);
	if (!k.stub_page) {
		err = -ENOMEM;
		goto err_bi;
	}
	k.nbi = page_address(k.bi_page);
	err = build_boot_info(bi, map, count, fdt_phys, &k);
	err = err ?: build_segments(bi, &k);
	if (err)
		goto err_stub;
	emit_kexec_event(bi, &k, fdt_phys, t0);
	kexec_jump(k.stub_page, k.seg, k.slot + k.l.entry_off, k.bi_dst, KEXEC_ENTER_KHOLAB,
		   &k.nbi->loader_tsc);

err_stub:
	free_pages(k.stub_page, 0);
err_bi:
	free_pages(k.bi_page, BI_PAGES_ORDER);
	return err;
}
