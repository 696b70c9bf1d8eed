/*
 * kernel/main.c - start_kernel(): the boot sequence, one step per line.
 *
 * Read this function first: it is the table of contents of kholab.  Each
 * step names the file that does the work.  Later issues insert the memory
 * (mm/) and handover (kho/) steps where docs/architecture.md shows them.
 */
#define pr_fmt(fmt) "kholab: " fmt

#include <kernel/boot.h>
#include <kernel/layout.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <kernel/serial.h>
#include <kernel/traps.h>
#include <kernel/tsc.h>
#include <kernel/exit.h>
#include <kernel/results.h>
#include <kernel/symbols.h>
#include <kernel/acpi.h>
#include <kernel/params.h>
#include <kernel/percpu.h>
#include <kernel/apic.h>
#include <mm/memblock.h>
#include <mm/bootmem_map.h>
#include <mm/numa.h>
#include <mm/paging.h>
#include <mm/sparse.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/memmap_check.h>
#include <mm/deferred.h>
#include <kho/kho_boot.h>
#include <kho/kho_corrupt.h>
#include <kernel/kexec.h>
#include <string.h>
#include <stdio.h>
#include "entry_inc.h"		/* kernel/entry.inc turned into #defines by kernel.mk */

/* The C <-> NASM contract: kernel/entry.inc must agree with the C headers. */
_Static_assert(ENTRY_KERNEL_VIRT == KERNEL_VIRT, "entry.inc KERNEL_VIRT");
_Static_assert(ENTRY_PAGE_OFFSET_PML4_INDEX == ((PAGE_OFFSET >> 39) & 511), "entry.inc PML4 index");
_Static_assert(ENTRY_KERNEL_PDPT_INDEX == ((KERNEL_VIRT >> 30) & 511), "entry.inc PDPT index");
_Static_assert(ENTRY_DIRECT_MAP_MAX_GIB == DIRECT_MAP_MAX_GIB, "entry.inc DIRECT_MAP_MAX_GIB");
_Static_assert(ENTRY_DIRECT_MAP_MIN_GIB == DIRECT_MAP_MIN_GIB, "entry.inc DIRECT_MAP_MIN_GIB");
_Static_assert(ENTRY_BI_MAGIC == KHOLAB_BOOTINFO_MAGIC, "entry.inc BI_MAGIC");
_Static_assert(ENTRY_BI_OFF_MAGIC == offsetof(struct kholab_bootinfo, magic), "entry.inc BI_OFF_MAGIC");
_Static_assert(ENTRY_BI_OFF_PHYS_TOP == offsetof(struct kholab_bootinfo, phys_top),
	       "entry.inc BI_OFF_PHYS_TOP");

phys_addr_t kernel_phys_base;
u64 kholab_generation;
static char cmdline[KHOLAB_CMDLINE_MAX];
static struct kholab_mmap_entry boot_map[KHOLAB_MMAP_MAX];	/* sanitized copy */
static struct mm_node_counts node_counts[MAX_NUMNODES];

void stackprot_init(void);
int fdt_selfcheck(void);
void selftest_run(bool early);
int smp_reserve_trampoline(void);
int smp_init(int fail_cpu, u64 timeout_ms);
void start_kernel(u64 bootinfo_phys, u64 kernel_phys) __attribute__((noreturn));

/* boot_info_get - map, validate and return the boot info; panics if unusable. */
static const struct kholab_bootinfo *boot_info_get(u64 pa)
{
	const struct kholab_bootinfo *bi;
	char why[160];

	if (!pa || pa + sizeof(*bi) > direct_map_gib << 30)
		panic("bootinfo: address 0x%llx is outside the %llu GiB boot direct map",
		      (unsigned long long)pa, (unsigned long long)direct_map_gib);
	bi = __va(pa);
	if (bootinfo_validate(bi, why, sizeof(why)))
		panic("%s", why);
	return bi;
}

/*
 * setup_memory_map - sanitize a copy of the boot-info map, log it, and
 * return the RAM the kernel owns according to the map as given.
 */
static u64 setup_memory_map(const struct kholab_bootinfo *bi, u32 *count)
{
	const struct kholab_mmap_entry *given = __va(bi->mmap_phys);
	int err;

	memcpy(boot_map, given, bi->mmap_count * sizeof(*given));
	*count = bi->mmap_count;
	err = bootmem_map_sanitize(boot_map, count, KHOLAB_MMAP_MAX);
	if (err)
		panic("the memory map from the %s cannot be put in order (%d)",
		      bi->flags & KHOLAB_BI_FLAG_KEXEC ? "previous kernel" : "loader", err);
	pr_info("memory map from the %s (%u entries):\n",
		bi->flags & KHOLAB_BI_FLAG_KEXEC ? "previous kernel" : "loader", *count);
	for (u32 i = 0; i < *count; i++)
		pr_info("  [mem 0x%016llx-0x%016llx] %s\n", (unsigned long long)boot_map[i].base,
			(unsigned long long)(boot_map[i].base + boot_map[i].size - 1),
			mem_type_name(boot_map[i].type));
	return bootinfo_usable_bytes(bi, given);
}

/* reserve_firmware - keep ACPI tables and the RSDP reserved for the kernel's whole life. */
static void reserve_firmware(const struct kholab_bootinfo *bi)
{
	u64 base, size;

	if (bi->rsdp_phys)
		memblock_reserve_kern(ALIGN_DOWN(bi->rsdp_phys, PAGE_SIZE), PAGE_SIZE);
	for (int i = 0; acpi_table_range(i, &base, &size); i++)
		memblock_reserve_kern(ALIGN_DOWN(base, PAGE_SIZE),
				      ALIGN_UP(base + size, PAGE_SIZE) - ALIGN_DOWN(base, PAGE_SIZE));
}

/* What the memory steps measured, for the "memmap" results event. */
static struct {
	long sections;
	u64 floor_ns, early_ns, free_ns, deferred_ns;
	u64 early_pages, deferred_pages;
	struct deferred_node_stats nodes[MAX_NUMNODES];
} mmstat;

/*
 * mm_init - from memblock to buddy on the boot CPU: page tables, the
 * sparse memmap, node and zone sizes, the early part of memmap init and
 * the hand-over.  With memmap_init=deferred most of the highest zone's
 * struct pages wait for mm_init_late(); buddy grows on demand meanwhile.
 */
static void mm_init(void)
{
	u64 t0;
	int err;

	err = paging_init();			/* mm/paging.c: direct map of all RAM */
	if (err)
		panic("no memory for the kernel page tables (%d)", err);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	mmstat.sections = sparse_init(memmap_poison, &mmstat.floor_ns);	/* mm/sparse.c */
	if (mmstat.sections < 0)
		panic("no memory for the memmap (%ld)", mmstat.sections);
	free_area_init();			/* mm/mm_init.c: node and zone sizes */
	deferred_setup();			/* mm/deferred.c: first_deferred_pfn */

	t0 = rdtsc();
	mmstat.early_pages = memmap_init();	/* struct pages below first_deferred_pfn */
	mmstat.early_ns = tsc_to_ns(rdtsc() - t0);
	smp_reserve_trampoline();		/* kernel/smp.c: a page below 1 MiB for APs */
	kho_reserve_scratch();			/* kho/scratch.c: cold boot: for the next kernel */
	kho_deserialize();			/* kho/deserialize.c: KHO boot: preserved blocks */
	t0 = rdtsc();
	memblock_free_all();			/* reserved -> PageReserved, free -> buddy */
	mmstat.free_ns = tsc_to_ns(rdtsc() - t0);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED)
		page_alloc_grow = deferred_grow_zone;	/* buddy may grow before SMP */
	pr_info("memmap: %llu struct pages initialised early in %llu us (store floor for all: %llu us), hand-over in %llu us\n",
		(unsigned long long)mmstat.early_pages, (unsigned long long)(mmstat.early_ns / 1000),
		(unsigned long long)(mmstat.floor_ns / 1000),
		(unsigned long long)(mmstat.free_ns / 1000));
}

/* emit_memmap_event - the "memmap" results line (docs/results.md). */
static void emit_memmap_event(int threads)
{
	static const char *const names[] = { "eager", "deferred" };
	u64 total = 0, free = 0, reserved = 0, allocated = 0;
	struct json_line j;

	for (int n = 0; n < nr_online_nodes; n++) {
		total += node_counts[n].present;
		free += node_counts[n].free;
		reserved += node_counts[n].reserved + node_counts[n].noinit;
		allocated += node_counts[n].allocated;
	}
	json_begin(&j, "memmap");
	json_u64(&j, "gen", kholab_generation);
	json_str(&j, "strategy", names[deferred_cfg.strategy]);
	json_u64(&j, "threads", (u64)threads);
	json_u64(&j, "pages_total", total);
	json_u64(&j, "pages_free", free);
	json_u64(&j, "pages_reserved", reserved);
	json_u64(&j, "pages_allocated", allocated);
	json_u64(&j, "sections_present", (u64)mmstat.sections);
	json_u64(&j, "early_pages", mmstat.early_pages);
	json_u64(&j, "deferred_pages", mmstat.deferred_pages);
	json_u64(&j, "grown_pages", deferred_grown_pages());
	json_array_begin(&j, "nodes");
	for (int n = 0; n < nr_online_nodes; n++) {
		struct pglist_data *pgdat = NODE_DATA(n);

		json_object_begin(&j, NULL);
		json_u64(&j, "nid", (u64)n);
		json_u64(&j, "present_pages", node_counts[n].present);
		json_u64(&j, "free_pages", node_counts[n].free);
		json_u64(&j, "reserved_pages", node_counts[n].reserved + node_counts[n].noinit);
		json_u64(&j, "allocated_pages", node_counts[n].allocated);
		json_u64(&j, "deferred_pages", mmstat.nodes[n].pages);
		json_u64(&j, "deferred_ns", mmstat.nodes[n].ns);
		json_u64(&j, "threads", (u64)mmstat.nodes[n].threads);
		json_u64(&j, "zone_lock_contended", (u64)pgdat->node_zones[ZONE_DMA32].lock.contended +
			 pgdat->node_zones[ZONE_NORMAL].lock.contended);
		json_array_begin(&j, "cpus");
		for (u32 c = 0; c < pgdat->nr_cpus; c++)
			json_u64(&j, NULL, pgdat->cpus[c]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "init_ns", mmstat.early_ns + mmstat.deferred_ns);
	json_u64(&j, "early_ns", mmstat.early_ns);
	json_u64(&j, "free_ns", mmstat.free_ns);
	json_u64(&j, "deferred_ns", mmstat.deferred_ns);
	json_u64(&j, "store_floor_ns", mmstat.floor_ns);
	json_bool(&j, "poison_checked", memmap_poison);
	json_end(&j);
}

/*
 * mm_init_late - after SMP: the deferred struct pages on all CPUs, then
 * the checks that need every struct page initialised, then the report.
 */
static void mm_init_late(void)
{
	int threads = 1;

	if (deferred_cfg.strategy == MEMMAP_DEFERRED) {
		mmstat.deferred_ns = page_alloc_init_late(mmstat.nodes);	/* mm/deferred.c */
		threads = 0;
		for (int n = 0; n < nr_online_nodes; n++) {
			mmstat.deferred_pages += mmstat.nodes[n].pages;
			threads += mmstat.nodes[n].threads;
		}
	}
	kho_init_late();			/* kho.deferred=restore: preserved pages, all CPUs */
	if (mm_check_accounting(node_counts))	/* mm/memmap_check.c */
		panic("page accounting does not add up after memmap init");
	if (memmap_poison && memmap_check_poison())
		panic("memmap poison check failed: struct pages missed or initialised twice");
	emit_memmap_event(threads);
}

/*
 * kho_generation - the KHO test client's turn: restore and verify what the
 * previous generation preserved, then, while generations remain
 * (gens=N), preserve a new set and kexec into the next generation.
 * Returns only when this is the last generation and everything verified.
 */
static void kho_generation(const struct kholab_bootinfo *bi, u32 map_count)
{
	struct kho_test_result r;
	u64 fdt_phys;
	char why[128];
	int err;

	if (!kho_cfg.enabled) {
		if (kparams.gens > 1)
			pr_warn("gens=%llu needs kho=on; stopping after generation %llu\n",
				(unsigned long long)kparams.gens, (unsigned long long)bi->generation);
		return;
	}
	if (kho_test_restore(bi->generation, &r)) {	/* kho/test.c */
		snprintf(why, sizeof(why), "KHO restore failed in generation %llu: %llu lost, %llu mismatched, %llu of %llu restored",
			 (unsigned long long)bi->generation, (unsigned long long)r.lost,
			 (unsigned long long)r.mismatches, (unsigned long long)r.restored,
			 (unsigned long long)r.folios);
		kernel_exit(false, why);
	}
	if (kho_corrupt_cfg.kind != KHO_CORRUPT_NONE && bi->generation > 0) {
		/* kho.corrupt=: this generation received a damaged handoff */
		if (!kho_is_revived()) {
			snprintf(why, sizeof(why), "kho.corrupt=%s: handoff rejected (%s), booted cold",
				 kho_corrupt_names[kho_corrupt_cfg.kind],
				 kho_stats.rejected ? kho_stats.rejected : "no handoff");
			kernel_exit(true, why);
		}
		if (kho_corrupt_cfg.kind != KHO_CORRUPT_BITFLIP) {
			snprintf(why, sizeof(why), "kho.corrupt=%s was not detected: the handoff was accepted",
				 kho_corrupt_names[kho_corrupt_cfg.kind]);
			kernel_exit(false, why);
		}
		kernel_exit(true, "kho.corrupt=bitflip: the flips were harmless and every preserved byte verified");
	}
	if (bi->generation + 1 >= kparams.gens)
		return;
	err = kho_test_preserve(bi->generation);
	err = err ?: kho_finalize(&fdt_phys);		/* kho/handover.c: kho-v1 */
	if (!err && kho_cfg.test_busy)
		kho_test_make_busy();			/* the kexec must wait for them */
	err = err ?: kexec_self(bi, boot_map, map_count, fdt_phys);	/* kernel/kexec.c */
	panic("generation %llu could not hand over to the next one (%d)",
	      (unsigned long long)bi->generation, err);
}

/* emit_boot_event - the first results line: who we are and what we have. */
static void emit_boot_event(const struct kholab_bootinfo *bi, int cpus, int nodes, u64 usable)
{
	struct json_line j;

	json_begin(&j, "boot");
	json_u64(&j, "gen", bi->generation);
	json_u64(&j, "cpus", (u64)cpus);
	json_u64(&j, "nodes", (u64)nodes);
	json_u64(&j, "mem_usable_bytes", usable);
	json_u64(&j, "kernel_phys", kernel_phys_base);
	json_u64(&j, "tsc_khz", tsc_khz);
	json_str(&j, "cmdline", cmdline);
	json_end(&j);
}

/**
 * start_kernel - the C entry point, called once by kernel/entry.asm.
 * @bootinfo_phys: physical address of the struct kholab_bootinfo
 * @kernel_phys:   physical address the image was loaded at
 */
void start_kernel(u64 bootinfo_phys, u64 kernel_phys)
{
	const struct kholab_bootinfo *bi;
	u64 usable;
	u32 map_count;
	int cpus, nodes;

	tsc_boot = rdtsc();			/* time zero for every timestamp */
	kernel_phys_base = kernel_phys;		/* __pa() of image addresses */
	serial_init();				/* kernel/serial.c: COM1 console */
	gdt_init(0);				/* kernel/gdt.c: our GDT + TSS */
	percpu_init(0);				/* kernel/percpu.c: GS base -> CPU 0 */
	trap_init();				/* kernel/traps.c: exceptions report */
	stackprot_init();			/* kernel/stackprot.c: %fs canary for libfdt */
	tsc_calibrate();			/* kernel/tsc.c: TSC vs PIT */

	bi = boot_info_get(bootinfo_phys);	/* kernel/bootinfo.c: trust nothing before */
	kholab_generation = bi->generation;
	if (bi->cmdline_len)			/* our own copy of the command line */
		memcpy(cmdline, __va(bi->cmdline_phys), bi->cmdline_len);
	pr_info("booting generation %llu, kernel at phys 0x%llx, boot info at 0x%llx\n",
		(unsigned long long)bi->generation, (unsigned long long)kernel_phys,
		(unsigned long long)bootinfo_phys);
	pr_info("command line: %s\n", cmdline);
	kernel_params_parse(cmdline);		/* kernel/params.c: boot switches */
	if (symbols_init(__va(bi->elf_phys), bi->elf_size))	/* kernel/symbols.c */
		pr_warn("no symbol table in the kernel ELF copy; backtraces show bare addresses\n");

	usable = setup_memory_map(bi, &map_count);	/* mm/bootmem_map.c: sanitized copy */
	memblock_set_current_limit(direct_map_gib << 30);	/* boot page tables' reach */
	if (memblock_init_from_map(boot_map, map_count))	/* mm/bootmem_map.c */
		panic("the memory map holds no usable RAM; nothing to run on");
	if (kho_early_init(bi) && kho_cfg.deferred == KHO_DEFERRED_OFF) {	/* kho/early.c */
		pr_info("kho.deferred=off: no deferred struct page init on a KHO boot\n");
		deferred_cfg.strategy = MEMMAP_EAGER;
	}
	acpi_init(bi->rsdp_phys);		/* kernel/acpi.c: RSDP, XSDT, checksums */
	reserve_firmware(bi);			/* ACPI stays reserved in every generation */
	memblock_allow_resize();		/* region arrays may grow from here on */
	cpus = acpi_count_cpus();		/* MADT */
	nodes = numa_init();			/* mm/numa.c: SRAT -> memblock nids */
	pr_info("%d CPUs, %d NUMA nodes, %llu MiB of RAM\n", cpus, nodes,
		(unsigned long long)(usable >> 20));
	if (memblock_debug)
		memblock_dump_all();

	if (fdt_selfcheck())			/* kernel/fdt_check.c: libfdt works */
		panic("libfdt self-check failed; KHO could not work");
	emit_boot_event(bi, cpus, nodes, usable);
	mm_init();				/* paging, sparse, early memmap, buddy */
	selftest_run(true);			/* selftest=grow: past the early memory */
	apic_init(true);			/* kernel/apic.c: x2APIC or xAPIC */
	cpus = smp_init((int)kparams.smp_fail_cpu, kparams.smp_timeout_ms);	/* kernel/smp.c */
	mm_init_late();				/* deferred memmap on all CPUs, checks */

	selftest_run(false);			/* kernel/selftest.c: selftest= */
	kho_generation(bi, map_count);		/* restore, preserve, kexec or finish */

	kernel_exit(true, "boot complete");	/* kernel/exit.c: verdict */
}
