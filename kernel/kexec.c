/*
 * kernel/kexec.c - kexec into itself, carrying a KHO handoff.
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

#include <kernel/kexec.h>
#include <kernel/elf64.h>
#include <kernel/layout.h>
#include <kernel/percpu.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <kho/kho_boot.h>
#include <kho/kho.h>
#include <kho/kho_corrupt.h>
#include <kho/kho_dump.h>
#include <mm/page_alloc.h>
#include <mm/bootmem_map.h>
#include <string.h>
#include <errno.h>

#define BI_PAGES_ORDER	2			/* 16 KiB of boot info */
#define BI_BYTES	(PAGE_SIZE << BI_PAGES_ORDER)
#define MAX_SEGMENTS	16

struct kexec_segment {
	u64 dst;
	u64 src;	/* 0: fill with zeroes */
	u64 len;	/* 0: end of the list */
};

/* The offsets kernel/relocate.asm uses (SEG_*). */
_Static_assert(offsetof(struct kexec_segment, dst) == 0, "SEG_DST");
_Static_assert(offsetof(struct kexec_segment, src) == 8, "SEG_SRC");
_Static_assert(offsetof(struct kexec_segment, len) == 16, "SEG_LEN");
_Static_assert(sizeof(struct kexec_segment) == 24, "SEG_SIZE");

/* Where the pieces of the boot info go inside its 16 KiB. */
#define BI_OFF_MAP	256
#define BI_OFF_CMDLINE	(BI_OFF_MAP + KHOLAB_MMAP_MAX * sizeof(struct kholab_mmap_entry))
#define BI_OFF_HANDOFF	(BI_OFF_CMDLINE + KHOLAB_CMDLINE_MAX)
#define BI_OFF_SCRATCH	(BI_OFF_HANDOFF + sizeof(struct kholab_handoff) + sizeof(struct kho_data))
_Static_assert(sizeof(struct kholab_bootinfo) <= BI_OFF_MAP, "boot info header fits");
_Static_assert(BI_OFF_SCRATCH + KHO_MAX_SCRATCH * sizeof(struct kho_scratch) <= BI_BYTES,
	       "boot info, map, command line, handoff and scratch array fit in 16 KiB");

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

		if (p->p_type != 1)	/* PT_LOAD */
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

/* park_others - park every AP and wait until each has said so. */
static void park_others(void)
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

/* kexec_self - see kexec.h. */
int kexec_self(const struct kholab_bootinfo *bi, const struct kholab_mmap_entry *map,
	       u32 count, u64 fdt_phys)
{
	struct kexec_segment *seg;
	struct kholab_bootinfo *nbi;
	struct kholab_handoff *h;
	struct kho_data *kd;
	struct elf_layout l;
	struct page *bi_page, *stub_page;
	u64 slot, elf_dst, bi_dst, kslot, end, t0 = rdtsc();
	u8 *staging, *stub;
	u32 n_map;
	int nseg = 0, err;
	struct json_line j;

	if (kho_nr_scratch < 3)
		return -ENODEV;
	err = elf_layout(__va(bi->elf_phys), bi->elf_size, &l);
	if (err) {
		pr_err("the kernel's own ELF copy is not loadable (%d)\n", err);
		return err;
	}
	slot = ALIGN_UP(kho_scratch[1].addr, PMD_SIZE);
	kslot = ALIGN_UP(l.span, PMD_SIZE);
	elf_dst = slot + kslot;
	bi_dst = ALIGN_UP(elf_dst + bi->elf_size, PAGE_SIZE);
	end = kho_scratch[1].addr + kho_scratch[1].size;
	if (bi_dst + BI_BYTES > end) {
		pr_err("global scratch [0x%llx-0x%llx) is too small for the next kernel (needs %llu KiB); raise kho_scratch\n",
		       (unsigned long long)kho_scratch[1].addr, (unsigned long long)end,
		       (unsigned long long)((bi_dst + BI_BYTES - slot) >> 10));
		return -ENOSPC;
	}

	bi_page = alloc_pages(BI_PAGES_ORDER, -1);
	stub_page = alloc_pages(0, -1);
	if (!bi_page || !stub_page)
		return -ENOMEM;
	staging = page_address(bi_page);
	memset(staging, 0, BI_BYTES);
	nbi = (struct kholab_bootinfo *)staging;
	nbi->magic = KHOLAB_BOOTINFO_MAGIC;
	nbi->version = KHOLAB_BOOTINFO_VERSION;
	nbi->size = sizeof(*nbi);
	nbi->generation = bi->generation + 1;
	nbi->rsdp_phys = bi->rsdp_phys;
	nbi->flags = KHOLAB_BI_FLAG_KEXEC;
	nbi->kernel_phys = slot;
	nbi->kernel_size = l.span;
	nbi->kernel_virt = l.lowest;
	nbi->elf_phys = elf_dst;
	nbi->elf_size = bi->elf_size;
	nbi->phys_top = bi->phys_top;
	nbi->self_phys = bi_dst;
	nbi->self_size = BI_BYTES;
	nbi->mmap_entry_size = sizeof(struct kholab_mmap_entry);

	/* the map: old kernel's ranges back to usable, the new ones carved out */
	struct kholab_mmap_entry *nmap = (void *)(staging + BI_OFF_MAP);
	memcpy(nmap, map, count * sizeof(*map));
	n_map = count;
	for (u32 i = 0; i < n_map; i++)
		if (kholab_mem_is_ram(nmap[i].type))
			nmap[i].type = KHOLAB_MEM_USABLE;
	err = map_carve(nmap, &n_map, KHOLAB_MMAP_MAX, slot, l.span, KHOLAB_MEM_KERNEL);
	err = err ?: map_carve(nmap, &n_map, KHOLAB_MMAP_MAX, elf_dst, bi->elf_size, KHOLAB_MEM_KERNEL_ELF);
	err = err ?: map_carve(nmap, &n_map, KHOLAB_MMAP_MAX, bi_dst, BI_BYTES, KHOLAB_MEM_BOOTINFO);
	err = err ?: bootmem_map_sanitize(nmap, &n_map, KHOLAB_MMAP_MAX);	/* merge neighbours */
	if (err) {
		pr_err("the next memory map does not fit (%d)\n", err);
		goto err_free;
	}
	nbi->mmap_phys = bi_dst + BI_OFF_MAP;
	nbi->mmap_count = n_map;

	memcpy(staging + BI_OFF_CMDLINE, __va(bi->cmdline_phys), bi->cmdline_len);
	nbi->cmdline_phys = bi_dst + BI_OFF_CMDLINE;
	nbi->cmdline_len = bi->cmdline_len;

	h = (struct kholab_handoff *)(staging + BI_OFF_HANDOFF);
	h->next = 0;
	h->type = KHOLAB_HANDOFF_KHO;
	h->len = sizeof(struct kho_data);
	kd = (struct kho_data *)h->data;
	kd->fdt_addr = fdt_phys;
	kd->fdt_size = KHO_FDT_SIZE;
	kd->scratch_addr = bi_dst + BI_OFF_SCRATCH;
	kd->scratch_size = (u64)kho_nr_scratch * sizeof(struct kho_scratch);
	memcpy(staging + BI_OFF_SCRATCH, kho_scratch, kd->scratch_size);
	nbi->handoff_phys = bi_dst + BI_OFF_HANDOFF;

	/* kho.corrupt=: fault injection for the next generation's validator */
	{
		struct kho_corrupt_ctx cc = {
			.kd = kd,
			.scratch = (struct kho_scratch *)(staging + BI_OFF_SCRATCH),
			.nr_scratch = kho_nr_scratch,
			.next_kernel_phys = slot,
			.handoff_phys = nbi->handoff_phys,
			.phys_top = bi->phys_top,
		};

		err = kho_corrupt_apply(&cc);
		if (err) {
			pr_err("kho.corrupt=%s cannot be applied to this handoff (%d)\n",
			       kho_corrupt_names[kho_corrupt_cfg.kind], err);
			goto err_free;
		}
	}

	/* the segments: zero the image span, copy PT_LOADs, the ELF, the boot info */
	stub = page_address(stub_page);
	memcpy(stub, relocate_start, (size_t)(relocate_end - relocate_start));
	seg = (struct kexec_segment *)(stub + ALIGN_UP(relocate_end - relocate_start, 64));
	for (u16 i = 0; i < l.phnum; i++)	/* count first: the list must fit the page */
		nseg += l.ph[i].p_type == 1 && l.ph[i].p_filesz;
	if (nseg + 4 > MAX_SEGMENTS ||
	    (u8 *)&seg[nseg + 4] > stub + PAGE_SIZE) {
		pr_err("too many kexec segments (%d PT_LOADs)\n", nseg);
		err = -E2BIG;
		goto err_free;
	}
	nseg = 0;
	/* zero exactly what the new map marks as the kernel, no more */
	seg[nseg++] = (struct kexec_segment){ slot, 0, l.span };
	for (u16 i = 0; i < l.phnum; i++)
		if (l.ph[i].p_type == 1 && l.ph[i].p_filesz)
			seg[nseg++] = (struct kexec_segment){ slot + l.ph[i].p_vaddr - l.lowest,
							      bi->elf_phys + l.ph[i].p_offset,
							      l.ph[i].p_filesz };
	seg[nseg++] = (struct kexec_segment){ elf_dst, bi->elf_phys, bi->elf_size };
	seg[nseg++] = (struct kexec_segment){ bi_dst, page_to_pfn(bi_page) << PAGE_SHIFT, BI_BYTES };
	seg[nseg++] = (struct kexec_segment){ 0, 0, 0 };

	json_begin(&j, "kexec");
	json_u64(&j, "gen", bi->generation);
	json_u64(&j, "to_gen", nbi->generation);
	json_u64(&j, "kernel_phys", slot);
	json_u64(&j, "preserved_blocks", kho_preserved_blocks());
	json_u64(&j, "preserved_bytes", kho_preserved_bytes());
	json_u64(&j, "fdt_phys", fdt_phys);
	json_u64(&j, "handoff_ns", tsc_to_ns(rdtsc() - t0));
	json_end(&j);
	kho_dump_emit(bi->generation, fdt_phys, kd);
	pr_info("generation %llu -> %llu: kernel at 0x%llx, boot info at 0x%llx, %llu preserved blocks\n",
		(unsigned long long)bi->generation, (unsigned long long)nbi->generation,
		(unsigned long long)slot, (unsigned long long)bi_dst,
		(unsigned long long)kho_preserved_blocks());

	park_others();
	nbi->loader_tsc = rdtsc();
	{
		u64 stub_pa = page_to_pfn(stub_page) << PAGE_SHIFT;
		void (*relocate)(u64, u64, u64) = (void (*)(u64, u64, u64))(uintptr_t)stub_pa;

		__asm__ volatile("cli" ::: "memory");
		relocate(stub_pa + ((u8 *)seg - stub), slot + l.entry_off, bi_dst);
	}
	__builtin_unreachable();

err_free:
	free_pages(bi_page, BI_PAGES_ORDER);
	free_pages(stub_page, 0);
	return err;
}
