// SPDX-License-Identifier: MIT
/*
 * tests/host/kho_boot_sim.h - the fixture of the KHO tests that run whole
 * kernels, one after the other, on simulated memory through the real boot
 * order (test_kho_boot_order.c, test_kho_vmalloc.c): 1 GiB of RAM
 * ([0, 0x9f000) and [1 MiB, 1 GiB)) on two nodes split at 512 MiB, four
 * shim CPUs (two per node), the memmap poisoned so that a struct page
 * nobody initialised shows.
 *
 *	boot_sim_cold_boot(&gen0);	generation 0: no handoff; scratch reserved
 *	... allocate, fill and preserve memory, register subtrees ...
 *	boot_sim_hand_over(&gen1);	kho_finalize(), the record where kexec puts
 *					it, gen1's boot info and memory map; the
 *					sender's KHO state forgotten
 *	kho_reset_for_test(); kho_cfg.deferred = ...;
 *	boot_sim_memory(&gen1, NULL);	generation 1 on the same RAM
 *	... kho_retrieve_subtree(), kho_restore_*() ...
 *
 * The struct pages are the shim's vmemmap; vmemmap_populate() only takes
 * from memblock the memory the kernel would take for them, so that in
 * generation 1 it comes out of the scratch areas as in a real boot.
 *
 * A test that includes this file compiles the sources its SOURCES line
 * names (at least those of test_kho_boot_order.c) and links -lfdt -pthread.
 * Include after <cmocka.h>.  It defines cpu_node() and vmemmap_populate()
 * for the whole program (the shim's are weak).
 */
#ifndef TESTS_HOST_KHO_BOOT_SIM_H
#define TESTS_HOST_KHO_BOOT_SIM_H

#include <string.h>
#include <errno.h>
#include <libfdt.h>

#include <kho/kho_internal.h>
#include <kho/kho_boot.h>
#include <mm/memory_map.h>
#include <mm/deferred.h>
#include <mm/memblock.h>
#include <mm/memmap_check.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/sparse.h>
#include <kernel/layout.h>
#include "shim.h"

#define BOOT_SIM_MIB		(1ULL << 20)
#define BOOT_SIM_BYTES		(1ULL << 30)		/* RAM: [0, 0x9f000) and [1 MiB, 1 GiB) */
#define BOOT_SIM_NODE1_START	(512 * BOOT_SIM_MIB)	/* node 0 below, node 1 above */
#define BOOT_SIM_NODES		2
#define BOOT_SIM_CPUS		4			/* CPUs 0, 1 on node 0; 2, 3 on node 1 */
#define BOOT_SIM_GEN0_KERNEL	(16 * BOOT_SIM_MIB)	/* generation 0's image */
#define BOOT_SIM_KERNEL_BYTES	(2 * BOOT_SIM_MIB)
#define BOOT_SIM_BOOTINFO_BYTES	(64 * 1024)

/* cpu_node - the shim CPUs split over the two nodes (the shim has one node). */
int cpu_node(int cpu)
{
	return cpu < BOOT_SIM_CPUS / 2 ? 0 : 1;
}

/* lookup_address - the simulated memmap has no page tables: nothing is mapped. */
u64 *lookup_address(u64 va, u64 *page_size)
{
	(void)va;
	*page_size = 0;
	return NULL;
}

/* vmemmap_map_backing - kho.memmap=handover's mapping; no simulated kernel hands a memmap over. */
int vmemmap_map_backing(u64 section_nr, phys_addr_t pa, int nid)
{
	(void)section_nr;
	(void)pa;
	(void)nid;
	return -ENOSYS;
}

/*
 * vmemmap_populate - the kernel's memmap allocation for one section: 2 MiB
 * from memblock on the section's node (from scratch in generation 1).  The
 * struct pages themselves are the shim's vmemmap, already mapped.
 */
int vmemmap_populate(u64 section_nr, int nid)
{
	(void)section_nr;
	return memblock_phys_alloc_try_nid(PMD_SIZE, PMD_SIZE, nid) ? 0 : -ENOMEM;
}

/* struct boot_sim_gen - one kernel's boot: what it is given, what its memory steps decided. */
struct boot_sim_gen {
	struct kholab_bootinfo bi;		/* read by kho_populate() */
	struct kholab_mmap_entry map[8];
	u32 nmap;
	bool revived;				/* kho_populate() accepted the handoff */
	u64 fdp[BOOT_SIM_NODES];		/* first_deferred_pfn after deferred_setup() */
	u64 node_start[BOOT_SIM_NODES], node_end[BOOT_SIM_NODES];	/* pfns */
};

/*
 * boot_sim_set_map - @g's memory map as a loader hands it over: the RAM,
 * the kernel image at @kernel and, when @bootinfo is not 0, the boot info
 * area there; sanitized as setup_memory_map() does.
 */
static inline void boot_sim_set_map(struct boot_sim_gen *g, u64 kernel, u64 bootinfo)
{
	const struct kholab_mmap_entry raw[] = {
		{ .base = 0, .size = 0x9f000, .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = BOOT_SIM_MIB, .size = BOOT_SIM_BYTES - BOOT_SIM_MIB,
		  .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = kernel, .size = BOOT_SIM_KERNEL_BYTES, .type = KHOLAB_MEM_KERNEL,
		  .efi_type = 7 },
		{ .base = bootinfo, .size = BOOT_SIM_BOOTINFO_BYTES, .type = KHOLAB_MEM_BOOTINFO,
		  .efi_type = 7 },
	};

	g->nmap = bootinfo ? 4 : 3;
	memcpy(g->map, raw, g->nmap * sizeof(raw[0]));
	assert_int_equal(memory_map_sanitize(g->map, &g->nmap, ARRAY_SIZE(g->map)), 0);
}

/* boot_sim_two_nodes - what numa_init() does with a two-node SRAT: nids, node ids. */
static inline void boot_sim_two_nodes(void)
{
	assert_int_equal(memblock_set_node(BOOT_SIM_NODE1_START,
					   BOOT_SIM_BYTES - BOOT_SIM_NODE1_START,
					   &memblock.memory, 1), 0);
	nr_online_nodes = BOOT_SIM_NODES;
	for (int n = 0; n < BOOT_SIM_NODES; n++)
		NODE_DATA(n)->node_id = n;
}

/*
 * boot_sim_memory - a fresh kernel's memory steps on the RAM as it is, in
 * start_kernel()'s order (init/main.c), with the poisoned memmap and the
 * checks of mm_check_and_report().  @after_early, if not NULL, runs right
 * after the early memmap init.  KHO's state is whatever the caller left
 * (kho_reset_for_test() for a new kernel).
 */
static inline void boot_sim_memory(struct boot_sim_gen *g,
				   void (*after_early)(const struct boot_sim_gen *))
{
	struct deferred_node_stats late[MAX_NUMNODES];
	struct mm_node_counts counts[MAX_NUMNODES];

	/* a new kernel: empty memblock, nodes and buddy */
	memblock_reset_for_test();
	memset(node_data, 0, sizeof(node_data));
	nr_online_nodes = 1;
	page_alloc_grow = NULL;
	deferred_cfg.strategy = MEMMAP_DEFERRED;
	shim_smp_init(1);

	assert_int_equal(memblock_init_from_map(g->map, g->nmap), 0);
	g->revived = kho_populate(&g->bi);
	if (g->revived && kho_cfg.deferred == KHO_DEFERRED_OFF)
		deferred_cfg.strategy = MEMMAP_EAGER;
	memblock_allow_resize();
	boot_sim_two_nodes();
	assert_true(sparse_init(true) > 0);
	free_area_init();
	deferred_setup();
	for (int n = 0; n < BOOT_SIM_NODES; n++) {
		g->fdp[n] = NODE_DATA(n)->first_deferred_pfn;
		g->node_start[n] = NODE_DATA(n)->node_start_pfn;
		g->node_end[n] = g->node_start[n] + NODE_DATA(n)->node_spanned_pages;
	}
	assert_true(memmap_init() > 0);
	if (after_early)
		after_early(g);
	kho_reserve_scratch();
	kho_deserialize();
	assert_true(memblock_free_all() > 0);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED)
		page_alloc_grow = deferred_grow_zone;
	shim_smp_init(BOOT_SIM_CPUS);
	if (deferred_cfg.strategy == MEMMAP_DEFERRED)
		page_alloc_init_late(late);
	kho_init_late();
	assert_int_equal(mm_check_accounting(counts), 0);
	assert_int_equal(memmap_check_poison(), 0);
}

/*
 * boot_sim_cold_boot - generation 0: a fresh memory map with the kernel at
 * BOOT_SIM_GEN0_KERNEL, no handoff, every memory step; KHO reserves
 * scratch (the two global areas and one per node).
 */
static inline void boot_sim_cold_boot(struct boot_sim_gen *g)
{
	memset(g, 0, sizeof(*g));
	boot_sim_set_map(g, BOOT_SIM_GEN0_KERNEL, 0);
	boot_sim_memory(g, NULL);
	assert_false(g->revived);
	assert_int_equal(kho_nr_scratch, 2 + BOOT_SIM_NODES);
}

/*
 * boot_sim_forget_sender - what a fresh kernel starts with: an empty
 * preserve tracker and no subtree registered.  What the sender wrote stays
 * in RAM untouched: the tracker's pages go back to the sender's buddy,
 * which nobody uses again (freeing writes only struct pages), and the
 * subtrees of @root are forgotten after the tracker is empty, so removing
 * them finds nothing to unpreserve (-ENOENT) and leaves the handed-over
 * bitmaps as they are.
 */
static inline void boot_sim_forget_sender(const void *root)
{
	int node;

	kho_unpreserve_all();
	fdt_for_each_subnode(node, root, 0) {
		const char *name = fdt_get_name(root, node, NULL);
		u64 phys;

		assert_int_equal(kho_find_subtree(root, name, &phys), 0);
		assert_int_equal(kho_remove_subtree(__va(phys)), -ENOENT);
	}
}

/*
 * boot_sim_hand_over - the end of the running generation: kho_finalize(),
 * the handoff record written where kexec puts it (in the global scratch
 * area, after the next kernel's 4 MiB and one page), @next's boot info and
 * memory map filled in as kexec would (the next kernel and its boot info
 * in the global scratch), then boot_sim_forget_sender().
 * Return: the blocks preserved when the handoff was built.
 */
static inline u64 boot_sim_hand_over(struct boot_sim_gen *next)
{
	u64 fdt_phys, area, area_size, record, blocks;

	assert_int_equal(kho_finalize(&fdt_phys), 0);
	blocks = kho_preserved_blocks();
	assert_int_equal(kho_next_kernel_area(&area, &area_size), 0);
	assert_true(area_size >= 4 * BOOT_SIM_MIB + BOOT_SIM_BOOTINFO_BYTES);
	record = area + 4 * BOOT_SIM_MIB + PAGE_SIZE;
	assert_int_equal(kho_fill_handoff(__va(record), fdt_phys, &(struct kho_handoff_target){
		.record_phys = record, .next_kernel_phys = area, .phys_top = BOOT_SIM_BYTES }), 0);

	memset(next, 0, sizeof(*next));
	next->bi.handoff_phys = record;
	next->bi.kernel_phys = area;
	next->bi.kernel_size = BOOT_SIM_KERNEL_BYTES;
	next->bi.self_phys = area + 4 * BOOT_SIM_MIB;
	next->bi.self_size = BOOT_SIM_BOOTINFO_BYTES;
	boot_sim_set_map(next, area, area + 4 * BOOT_SIM_MIB);

	boot_sim_forget_sender(__va(fdt_phys));
	return blocks;
}

/*
 * boot_sim_group_setup - cmocka group setup: the memmap poisoned, and
 * kho_scratch=8M,16M,16M (room for the next kernel and its boot info in
 * the global area).  Return: 0.
 */
static inline int boot_sim_group_setup(void **state)
{
	(void)state;
	memmap_poison = true;
	kho_cfg.scratch_lowmem = 8 * BOOT_SIM_MIB;
	kho_cfg.scratch_global = 16 * BOOT_SIM_MIB;
	kho_cfg.scratch_pernode = 16 * BOOT_SIM_MIB;
	return 0;
}

/*
 * boot_sim_setup - cmocka per-case setup: fresh zeroed RAM and struct
 * pages; no KHO state from another case; kho.abi= back to its default.
 * Return: 0, or -1 if the struct pages cannot be mapped.
 */
static inline int boot_sim_setup(void **state)
{
	(void)state;
	shim_phys_init(BOOT_SIM_BYTES);
	kho_reset_for_test();
	shim_log_reset();
	if (kho_parse_abi_arg("v4"))
		return -1;
	return shim_vmemmap_init(PHYS_PFN(BOOT_SIM_BYTES));
}

/*
 * boot_sim_teardown - cmocka per-case teardown: no received handoff left
 * behind, and no tracker pointing into this case's RAM (a case that failed
 * before its hand-over still has one; its pages go back to the running
 * generation's buddy).  Return: 0.
 */
static inline int boot_sim_teardown(void **state)
{
	(void)state;
	if (kho_preserved_blocks())
		kho_unpreserve_all();
	kho_reset_for_test();
	return 0;
}

#endif /* TESTS_HOST_KHO_BOOT_SIM_H */
