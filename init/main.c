/*
 * init/main.c - start_kernel(): the boot sequence, one step per line.
 *
 * Read this function first: it is the table of contents of kholab.  Each
 * step names the file that does the work; docs/architecture.md draws the
 * same order.  Every memory (mm/) and handover (kho/) step is one line.
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
#include <kernel/symbols.h>
#include <kernel/results.h>
#include <kernel/acpi.h>
#include <init/params.h>
#include <kernel/percpu.h>
#include <kernel/apic.h>
#include <mm/memblock.h>
#include <mm/memory_map.h>
#include <mm/numa.h>
#include <mm/deferred.h>
#include <mm/deferred_bg.h>
#include <mm/paging.h>
#include <mm/sparse.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <kernel/smp.h>
#include <init/selftest.h>
#include <init/generation.h>
#include <kho/kho_boot.h>
#include <kho/kho_memmap.h>
#include <init/mm_boot.h>
#include <kernel/timeline.h>
#include <string.h>
#include <stdio.h>
#include "entry_inc.h"		/* kholab/entry.inc turned into #defines by kernel.mk */

/* The C <-> NASM contract: kholab/entry.inc must agree with the C headers. */
_Static_assert(ENTRY_KERNEL_VIRT == KERNEL_VIRT, "entry.inc KERNEL_VIRT");
_Static_assert(ENTRY_PAGE_OFFSET_PML4_INDEX == ((PAGE_OFFSET >> 39) & 511), "entry.inc PML4 index");
_Static_assert(ENTRY_KERNEL_PDPT_INDEX == ((KERNEL_VIRT >> 30) & 511), "entry.inc PDPT index");
_Static_assert(ENTRY_DIRECT_MAP_MAX_GIB == DIRECT_MAP_MAX_GIB, "entry.inc DIRECT_MAP_MAX_GIB");
_Static_assert(ENTRY_DIRECT_MAP_MIN_GIB == DIRECT_MAP_MIN_GIB, "entry.inc DIRECT_MAP_MIN_GIB");
_Static_assert(ENTRY_BI_MAGIC == KHOLAB_BOOTINFO_MAGIC, "entry.inc BI_MAGIC");
_Static_assert(ENTRY_BI_OFF_MAGIC == offsetof(struct kholab_bootinfo, magic), "entry.inc BI_OFF_MAGIC");
_Static_assert(ENTRY_BI_OFF_PHYS_TOP == offsetof(struct kholab_bootinfo, phys_top),
	       "entry.inc BI_OFF_PHYS_TOP");

static char cmdline[KHOLAB_CMDLINE_MAX];
static struct kholab_mmap_entry boot_map[KHOLAB_MMAP_MAX];	/* sanitized copy */

void start_kernel(u64 bootinfo_phys, u64 kernel_phys, u64 entry_tsc) __attribute__((noreturn));

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
	err = memory_map_sanitize(boot_map, count, KHOLAB_MMAP_MAX);
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
	json_str(&j, "tsc_source", tsc_source);
	json_u64(&j, "tsc_cal_ns", tsc_cal_ns);
	json_str(&j, "cmdline", cmdline);
	json_end(&j);
}

/* ap_stack_alloc - smp_cfg.alloc_stack: @bytes of stack on @node from buddy. */
static void *ap_stack_alloc(int node, u64 bytes)
{
	unsigned int order = 0;
	struct page *p;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	p = alloc_pages(order, node);
	return p ? page_address(p) : NULL;
}

/* cpu_early_init - this CPU's console, descriptor tables, traps and clock. */
static void cpu_early_init(void)
{
	serial_init();				/* kernel/serial.c: COM1 console */
	gdt_init(0);				/* kernel/gdt.c: our GDT + TSS */
	percpu_init(0);				/* kernel/percpu.c: GS base -> CPU 0 */
	trap_init();				/* kernel/traps.c: exceptions report */
	stackprot_init();			/* kernel/stackprot.c: %fs canary for libfdt */
	timeline_begin(PHASE_TSC_CALIBRATE);
	tsc_calibrate();			/* kernel/tsc.c: the TSC's rate */
	timeline_end(PHASE_TSC_CALIBRATE);
}

/* read_boot_info - the boot info, our copy of the command line, the boot switches. */
static const struct kholab_bootinfo *read_boot_info(u64 bootinfo_phys, u64 kernel_phys)
{
	const struct kholab_bootinfo *bi = boot_info_get(bootinfo_phys);

	kholab_generation = bi->generation;
	if (bi->cmdline_len)
		memcpy(cmdline, __va(bi->cmdline_phys), bi->cmdline_len);
	pr_info("booting generation %llu, kernel at phys 0x%llx, boot info at 0x%llx\n",
		(unsigned long long)bi->generation, (unsigned long long)kernel_phys,
		(unsigned long long)bootinfo_phys);
	pr_info("command line: %s\n", cmdline);
	kernel_params_parse(cmdline);		/* init/params.c: boot switches */
	if (symbols_init(__va(bi->elf_phys), bi->elf_size))	/* kernel/symbols.c */
		pr_warn("no symbol table in the kernel ELF copy; backtraces show bare addresses\n");
	return bi;
}

/* firmware_init - ACPI tables kept reserved, CPUs and NUMA nodes found; returns CPUs. */
static int firmware_init(const struct kholab_bootinfo *bi, u64 usable, int *nodes)
{
	int cpus;

	acpi_init(bi->rsdp_phys);		/* kernel/acpi.c: RSDP, XSDT, checksums */
	reserve_firmware(bi);			/* ACPI stays reserved in every generation */
	memblock_allow_resize();		/* region arrays may grow from here on */
	cpus = acpi_count_cpus();		/* MADT */
	*nodes = numa_init();			/* mm/numa.c: SRAT -> memblock nids */
	pr_info("%d CPUs, %d NUMA nodes, %llu MiB of RAM\n", cpus, *nodes,
		(unsigned long long)(usable >> 20));
	if (memblock_debug)
		memblock_dump_all();
	return cpus;
}

/**
 * start_kernel - the C entry point, called once by kernel/entry.asm.
 * @bootinfo_phys: physical address of the struct kholab_bootinfo
 * @kernel_phys:   physical address the image was loaded at
 * @entry_tsc:     the TSC at the kernel's first instruction: time zero
 *
 * Each step is bracketed by the phase of the boot timeline it belongs to
 * (kernel/timeline.c, docs/results.md).
 */
void start_kernel(u64 bootinfo_phys, u64 kernel_phys, u64 entry_tsc)
{
	const struct kholab_bootinfo *bi;
	u64 usable, t0;
	u32 map_count;
	int cpus, nodes, err;

	tsc_boot = entry_tsc;			/* time zero for every timestamp */
	kernel_phys_base = kernel_phys;		/* __pa() of image addresses */
	cpu_early_init();			/* console, GDT, per-CPU, traps, TSC */
	bi = read_boot_info(bootinfo_phys, kernel_phys);	/* kernel/bootinfo.c: trust nothing before */

	/* memblock: what RAM there is, and what the previous kernel handed over */
	timeline_begin(PHASE_MEMBLOCK);
	usable = setup_memory_map(bi, &map_count);	/* mm/memory_map.c: sanitized copy */
	memblock_set_current_limit(direct_map_gib << 30);	/* boot page tables' reach */
	if (memblock_init_from_map(boot_map, map_count))	/* mm/memory_map.c */
		panic("the memory map holds no usable RAM; nothing to run on");
	if (kho_populate(bi) && kho_cfg.deferred == KHO_DEFERRED_OFF)	/* kho/validate.c */
		deferred_cfg.strategy = MEMMAP_EAGER;	/* kho.deferred=off: no deferred init */
	cpus = firmware_init(bi, usable, &nodes);	/* kernel/acpi.c, mm/numa.c */
	if (fdt_selfcheck())			/* kernel/fdt_check.c: libfdt works */
		panic("libfdt self-check failed; KHO could not work");
	emit_boot_event(bi, cpus, nodes, usable);
	timeline_end(PHASE_MEMBLOCK);

	/* from memblock to buddy, on the boot CPU */
	timeline_begin(PHASE_PAGING_INIT);
	err = paging_init();			/* mm/paging.c: direct map of all RAM */
	if (err)
		panic("no memory for the kernel page tables (%d)", err);
	memblock_set_current_limit(MEMBLOCK_ALLOC_ANYWHERE);
	timeline_end(PHASE_PAGING_INIT);
	timeline_begin(PHASE_SPARSE_INIT);
	kho_memmap_receive();			/* kho/memmap_handover.c: kho.memmap=handover */
	sparse_adopt_backing = kho_memmap_backing;	/* ... its sections' memmap is mapped */
	mm_boot.sections = sparse_init(memmap_poison);	/* mm/sparse.c: memmap backing */
	if (mm_boot.sections < 0)
		panic("no memory for the memmap (%ld)", mm_boot.sections);
	if (memmap_poison)
		kho_memmap_poison_rest();	/* adopted sections: poison around the blocks */
	timeline_end(PHASE_SPARSE_INIT);
	if (memmap_floor)			/* memmap_floor=1: a measurement, not a boot step */
		memmap_store_floor(&mm_boot.floor_first_ns, &mm_boot.floor_warm_ns);
	timeline_begin(PHASE_MEMMAP_EARLY);
	free_area_init();			/* mm/mm_init.c: node and zone sizes */
	deferred_setup();			/* mm/deferred.c: first_deferred_pfn per node */
	if (deferred_cfg.strategy == MEMMAP_BACKGROUND && deferred_bg_setup())	/* mm/deferred_bg.c */
		panic("no memory for the section claims of memmap_init=background");
	t0 = rdtsc();
	mm_boot.early_pages = memmap_init();	/* mm/mm_init.c: struct pages below it */
	mm_boot.early_ns = mm_boot_ns_since(t0);
	smp_set_trampoline(memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE, 0x1000, 0x100000));	/* APs start below 1 MiB */
	timeline_end(PHASE_MEMMAP_EARLY);
	timeline_begin(PHASE_KHO_SCRATCH);
	kho_reserve_scratch();			/* kho/scratch.c: cold boot: for the next kernel */
	timeline_end(PHASE_KHO_SCRATCH);
	timeline_begin(PHASE_KHO_DESERIALIZE);
	kho_deserialize();			/* kho/deserialize.c: KHO boot: preserved blocks */
	timeline_end(PHASE_KHO_DESERIALIZE);
	timeline_begin(PHASE_MEMBLOCK_FREE_ALL);
	t0 = rdtsc();
	mm_boot.handover_pages = memblock_free_all();	/* mm/mm_init.c: reserved -> PageReserved, free -> buddy */
	mm_boot.free_ns = mm_boot_ns_since(t0);
	timeline_end(PHASE_MEMBLOCK_FREE_ALL);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED)
		page_alloc_grow = deferred_grow_timed;	/* mm/deferred.c: buddy may grow before SMP */
	else if (deferred_cfg.strategy == MEMMAP_EAGER)
		timeline_mm_ready();		/* eager: all RAM is in buddy now */
	mm_report_early();			/* init/mm_boot.c */
	selftest_run(true);			/* selftest=grow, deferred_touch: before SMP */
	mm_check_deferred_untouched();		/* init/mm_boot.c: nothing deferred written yet */

	/* every CPU, then the rest of the memmap on all of them */
	timeline_begin(PHASE_SMP_INIT);
	apic_init(true);			/* kernel/apic.c: x2APIC or xAPIC */
	smp_cfg.hold_first_ipi = kparams.selftest == SELFTEST_LOSTIPI;	/* selftest=lostipi */
	smp_cfg.alloc_stack = ap_stack_alloc;	/* AP stacks from buddy, on their node */
	smp_cfg.node_of = cpu_to_node;		/* mm/numa.c: the SRAT's answer */
	cpus = smp_init((int)kparams.smp_fail_cpu, kparams.smp_timeout_ms);	/* kernel/smp.c */
	timeline_end(PHASE_SMP_INIT);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED) {
		timeline_begin(PHASE_DEFERRED_INIT);
		mm_boot.deferred_ns = page_alloc_init_late(mm_boot.nodes);	/* mm/deferred.c */
		timeline_end(PHASE_DEFERRED_INIT);
		timeline_mm_ready();		/* all RAM is in buddy now */
		mm_deferred_done();
	}
	timeline_begin(PHASE_KHO_INIT_LATE);
	kho_init_late();			/* kho/deserialize.c: kho.deferred=restore */
	timeline_end(PHASE_KHO_INIT_LATE);
	if (deferred_cfg.strategy == MEMMAP_BACKGROUND)
		deferred_bg_start();		/* mm/deferred_bg.c: idle APs init the rest; no wait */
	timeline_boot_complete();		/* kernel/timeline.c: boot_ns, the headline */
	mm_boot_complete();			/* init/mm_boot.c: mm_wait_ns */

	/* the generation's work: nothing below is on the boot's clock */
	if (deferred_cfg.strategy != MEMMAP_BACKGROUND)
		mm_settle(false);		/* init/mm_boot.c: accounting, poison, results */
	timeline_begin(PHASE_SELFTEST);
	selftest_run(false);			/* init/selftest.c: selftest= */
	timeline_end(PHASE_SELFTEST);
	generation_end(bi, boot_map, map_count);	/* init/generation.c: restore, preserve, kexec */
	mm_settle(false);			/* background: the boot CPU joins, then the checks */
	kernel_exit(true, "boot complete");	/* kernel/exit.c: timeline, verdict */
}
