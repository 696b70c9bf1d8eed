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
static char cmdline[KHOLAB_CMDLINE_MAX];

void stackprot_init(void);
int fdt_selfcheck(void);
void selftest_run(void);
void start_kernel(u64 bootinfo_phys, u64 kernel_phys) __attribute__((noreturn));

/* srat_count_nodes - distinct proximity domains of enabled SRAT memory; 1 without SRAT. */
static int srat_count_nodes(void)
{
	const struct acpi_table_header *srat = acpi_find_table("SRAT");
	const u8 *p, *end;
	u32 seen[64];
	int nodes = 0;

	if (!srat)
		return 1;
	for_each_subtable(srat, 48, p, end) {
		u32 pxm, flags;
		bool dup = false;

		if (p[0] != 1 || p[1] < 40)
			continue;
		memcpy(&pxm, p + 2, 4);
		memcpy(&flags, p + 28, 4);
		if (!(flags & 1))
			continue;
		for (int i = 0; i < nodes; i++)
			dup |= seen[i] == pxm;
		if (!dup && nodes < (int)ARRAY_SIZE(seen))
			seen[nodes++] = pxm;
	}
	return nodes ? nodes : 1;
}

/* boot_info_get - map, validate and return the boot info; panics if unusable. */
static const struct kholab_bootinfo *boot_info_get(u64 pa)
{
	const struct kholab_bootinfo *bi;
	char why[160];

	if (!pa || pa + sizeof(*bi) > direct_map_gib << 30)
		panic("bootinfo: address 0x%llx is outside the %llu GiB boot direct map",
		      (unsigned long long)pa, (unsigned long long)direct_map_gib);
	bi = __va(pa);
	if (bootinfo_validate(bi, why, sizeof(why)) ||
	    bootinfo_check_map(__va(bi->mmap_phys), bi->mmap_count, why, sizeof(why)))
		panic("%s", why);
	return bi;
}

/* print_memory_map - log the boot-info map and return the RAM the kernel owns. */
static u64 print_memory_map(const struct kholab_bootinfo *bi)
{
	const struct kholab_mmap_entry *map = __va(bi->mmap_phys);

	pr_info("memory map from the %s (%u entries):\n",
		bi->flags & KHOLAB_BI_FLAG_KEXEC ? "previous kernel" : "loader", bi->mmap_count);
	for (u32 i = 0; i < bi->mmap_count; i++)
		pr_info("  [mem 0x%016llx-0x%016llx] %s\n", (unsigned long long)map[i].base,
			(unsigned long long)(map[i].base + map[i].size - 1),
			mem_type_name(map[i].type));
	return bootinfo_usable_bytes(bi, map);
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
	int cpus, nodes;

	tsc_boot = rdtsc();			/* time zero for every timestamp */
	kernel_phys_base = kernel_phys;		/* __pa() of image addresses */
	serial_init();				/* kernel/serial.c: COM1 console */
	gdt_init();				/* kernel/gdt.c: our GDT + TSS */
	trap_init();				/* kernel/traps.c: exceptions report */
	stackprot_init();			/* kernel/stackprot.c: %fs canary for libfdt */
	tsc_calibrate();			/* kernel/tsc.c: TSC vs PIT */

	bi = boot_info_get(bootinfo_phys);	/* kernel/bootinfo.c: trust nothing before */
	if (bi->cmdline_len)			/* our own copy of the command line */
		memcpy(cmdline, __va(bi->cmdline_phys), bi->cmdline_len);
	pr_info("booting generation %llu, kernel at phys 0x%llx, boot info at 0x%llx\n",
		(unsigned long long)bi->generation, (unsigned long long)kernel_phys,
		(unsigned long long)bootinfo_phys);
	pr_info("command line: %s\n", cmdline);
	kernel_params_parse(cmdline);		/* kernel/params.c: boot switches */
	if (symbols_init(__va(bi->elf_phys), bi->elf_size))	/* kernel/symbols.c */
		pr_warn("no symbol table in the kernel ELF copy; backtraces show bare addresses\n");

	usable = print_memory_map(bi);		/* the map we were given */
	if (bi->phys_top > direct_map_gib << 30)
		pr_warn("RAM above %llu GiB is not in the boot direct map; raise DIRECT_MAP_MAX_GIB\n",
			(unsigned long long)direct_map_gib);

	acpi_init(bi->rsdp_phys);		/* kernel/acpi.c: RSDP, XSDT, checksums */
	cpus = acpi_count_cpus();		/* MADT */
	nodes = srat_count_nodes();		/* SRAT */
	pr_info("%d CPUs, %d NUMA nodes, %llu MiB of RAM\n", cpus, nodes,
		(unsigned long long)(usable >> 20));

	if (fdt_selfcheck())			/* kernel/fdt_check.c: libfdt works */
		panic("libfdt self-check failed; KHO could not work");
	emit_boot_event(bi, cpus, nodes, usable);

	if (kparams.gens > 1)
		pr_warn("gens=%llu: this kernel cannot kexec yet, so only generation %llu runs\n",
			(unsigned long long)kparams.gens, (unsigned long long)bi->generation);
	selftest_run();				/* kernel/selftest.c: selftest= */

	kernel_exit(true, "boot complete");	/* kernel/exit.c: verdict */
}
