// SPDX-License-Identifier: MIT
/*
 * tests/host/test_memmap_nodes.c - struct page init where 128 MiB sections
 * hold RAM of two or three nodes, with deferred init and the memmap
 * poisoned, through the real boot order on simulated memory
 * (docs/mm.md, docs/deferred-init.md).
 *
 * A section's memmap lives on one node (the first that claimed it in
 * sparse_init()), but each of its pages belongs to the node memblock puts
 * it on, and each node has its own first_deferred_pfn.  Every case builds
 * memblock by hand from its layout (RAM ranges with their nodes, then
 * reservations placed in the shared sections, some straddling a node
 * boundary there) and runs sparse_init() with poison, free_area_init(),
 * deferred_setup(), memmap_init(), memblock_free_all() and the late
 * deferred pass, as start_kernel() does.
 *
 *  test_*_init_once: afterwards every struct page with a memmap was
 *  written exactly once, no poison is left, each page has the node of the
 *  layout range holding it (a hole: the node of the nearest range below,
 *  else of the first range) and its zone, and reserved pages and holes
 *  are PageReserved; then the kernel's own checks (poison, accounting).
 *
 *  test_*_early_untouched: the early path writes no struct page of RAM at
 *  or above its node's first_deferred_pfn - not memmap_init(), not
 *  memblock_free_all(), reserved pages included (unlike Linux's
 *  init_reserved_page(), kholab leaves them to the late pass) - except in
 *  the sections deferred_grow_zone() grew; every other such struct page
 *  still holds the poison byte.
 *
 *  test_*_kho_deserialize: a KHO handoff's blocks (put straight into the
 *  received state, as validation would leave it) placed on each side of
 *  the node boundaries in the shared sections; kho.deferred=deserialize
 *  initialises exactly the struct pages at or above the first_deferred_pfn
 *  of each block's own node, once, with that node, and counts them.
 *
 *  test_early_pfn_to_nid: the contract of early_pfn_to_nid() on its own.
 *
 * The layouts: "qemu_3000m" is the boot that failed before early_pfn_to_nid()
 * (run-qemu.sh --mem 3000M --numa 700M,1300M,1000M: section 5 shared by
 * nodes 0 and 1, section 15 by nodes 1 and 2, node 2 also above 4 GiB);
 * "three_nodes" puts three nodes in section 3; "interleaved" gives a node
 * RAM on both sides of another's, so a section whose memmap is node 1's
 * holds node 0 pages that node 0 defers but node 1 would not.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c mm/sparse.c mm/mm_init.c mm/deferred.c mm/page_alloc.c mm/mmzone.c mm/memmap_check.c kernel/jobs.c kernel/tsc.c kho/deserialize.c kho/state.c kho/scratch.c kernel/cmdline.c mm/deferred_bg.c mm/deferred_claim.c
 * LDLIBS: -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <kho/kho_memmap.h>
#include <cmocka.h>

#include <mm/deferred.h>
#include <mm/memblock.h>
#include <mm/memmap_check.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/sparse.h>
#include <kernel/layout.h>
#include <kho/kho_internal.h>
#include <kho/kho_boot.h>
#include "shim.h"
#include "case_table.h"

#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define MAX_RANGES	8
#define NR_CPUS_SIM	4
#define REPORT_MAX	8	/* wrong struct pages printed before giving up */

/* struct sim_range - [base, base + size) bytes of RAM on node @nid. */
struct sim_range {
	u64 base, size;
	int nid;
};

/* struct sim_rsv - [base, base + size) bytes reserved before sparse_init(). */
struct sim_rsv {
	u64 base, size;
};

/*
 * struct layout_case - one machine: RAM ranges in address order (size 0
 * ends the list), the reservations, the node count, the sections the
 * case is about (each must hold RAM of @shared_nodes[i] nodes, checked so
 * that the layout keeps testing what it says), and the blocks of a KHO
 * handoff for its _kho_deserialize case (naturally aligned, in memory
 * nothing else reserved; none: no such case).
 */
struct layout_case {
	const char *name;
	int nodes;
	struct sim_range ram[MAX_RANGES];
	struct sim_rsv rsv[MAX_RANGES];
	u64 shared_sec[2];
	int shared_nodes[2];
	struct sim_rsv kho[MAX_RANGES];
};

static const struct layout_case init_once_cases[] = {
	{ "test_qemu_3000m_init_once", 3,
	  { { 0, 0x9f000, 0 }, { MIB, 699 * MIB, 0 }, { 700 * MIB, 1300 * MIB, 1 },
	    { 2000 * MIB, 48 * MIB, 2 }, { 4 * GIB, 952 * MIB, 2 } },
	  { { 698 * MIB, 4 * MIB },		/* straddles 0|1 in section 5 */
	    { 720 * MIB, 1 * MIB },		/* node 1 only, section 5 */
	    { 1930 * MIB, 2 * MIB },		/* node 1 only, section 15 */
	    { 1990 * MIB, 20 * MIB },		/* straddles 1|2 in section 15 */
	    { 0x7ff0b000, 0x5000 },		/* node 2 only, section 15 (the boot's first bad pfn) */
	    { 4 * GIB + 940 * MIB, 16 * MIB } },	/* past the end of RAM, into the hole */
	  { 5, 15 }, { 2, 2 },
	  { { 650 * MIB, 64 * 1024 },		/* node 0 in section 5: deferred */
	    { 710 * MIB, 2 * MIB },		/* node 1 in section 5 (node 0's memmap): early */
	    { 1950 * MIB, 4 * 1024 },		/* node 1 in section 15: deferred */
	    { 2016 * MIB, 2 * MIB },		/* node 2 in section 15 (node 1's memmap): early */
	    { 4 * GIB + 200 * MIB, 4 * MIB } } },	/* node 2 above 4 GiB: deferred */
	{ "test_three_nodes_init_once", 3,
	  { { MIB, 399 * MIB, 0 }, { 400 * MIB, 50 * MIB, 1 }, { 450 * MIB, 1086 * MIB, 2 } },
	  { { 390 * MIB, 2 * MIB },		/* node 0 only */
	    { 399 * MIB, 2 * MIB },		/* straddles 0|1 */
	    { 449 * MIB + 0x800, 2 * MIB },	/* straddles 1|2, not page aligned */
	    { 500 * MIB, 1 * MIB } },		/* node 2 only */
	  { 3, 3 }, { 3, 0 },
	  { { 384 * MIB, 64 * 1024 },		/* node 0 in section 3: deferred */
	    { 420 * MIB, 1 * MIB },		/* node 1 in section 3 (node 0's memmap): early */
	    { 480 * MIB, 2 * MIB } } },		/* node 2 in section 3: early */
	{ "test_three_nodes_one_reservation_init_once", 3,
	  { { MIB, 399 * MIB, 0 }, { 400 * MIB, 50 * MIB, 1 }, { 450 * MIB, 1086 * MIB, 2 } },
	  { { 395 * MIB, 65 * MIB } },		/* over all three nodes */
	  { 3, 3 }, { 3, 0 },
	  { { 300 * MIB, 1 * MIB },		/* node 0 below section 3: deferred */
	    { 480 * MIB, 2 * MIB } } },		/* node 2 in section 3 (node 0's memmap): early */
	{ "test_interleaved_init_once", 2,
	  { { MIB, 255 * MIB, 0 }, { 256 * MIB, 44 * MIB, 1 }, { 300 * MIB, 340 * MIB, 0 },
	    { 640 * MIB, 384 * MIB, 1 } },
	  { { 280 * MIB, 2 * MIB },		/* node 1 only */
	    { 296 * MIB, 8 * MIB },		/* straddles 1|0 in section 2 */
	    { 320 * MIB, 2 * MIB } },		/* node 0 only, deferred, in node 1's memmap */
	  { 2, 2 }, { 2, 0 },
	  { { 260 * MIB, 64 * 1024 },		/* node 1 in section 2: early */
	    { 340 * MIB, 4 * MIB } } },		/* node 0 in section 2 (node 1's memmap): deferred */
};

static struct layout_case early_cases[ARRAY_SIZE(init_once_cases)];
static struct layout_case kho_cases[ARRAY_SIZE(init_once_cases)];
static char early_names[ARRAY_SIZE(init_once_cases)][96];
static char kho_names[ARRAY_SIZE(init_once_cases)][96];

/* Each node's first_deferred_pfn right after deferred_setup(). */
static u64 fdp_setup[MAX_NUMNODES];
static int sim_nodes = 1;

/* cpu_node - the shim CPUs dealt round-robin over the case's nodes. */
int cpu_node(int cpu)
{
	return cpu % sim_nodes;
}

/* kho.memmap=handover is not simulated here: no block's memmap is ever adopted. */
struct kho_memmap_stats kho_memmap_stats;

bool kho_memmap_adopted(const struct kho_block *b)
{
	(void)b;
	return false;
}

int kho_memmap_check_block(phys_addr_t phys, unsigned int order, bool head_only)
{
	(void)phys;
	(void)order;
	(void)head_only;
	return 0;
}

/* vmemmap_map_backing - kho.memmap=handover's mapping; no simulated kernel hands a memmap over. */
int vmemmap_map_backing(u64 section_nr, phys_addr_t pa, int nid)
{
	(void)section_nr;
	(void)pa;
	(void)nid;
	return -ENOSYS;
}

/* vmemmap_populate - the memmap of one section: 2 MiB from memblock on @nid. */
int vmemmap_populate(u64 section_nr, int nid)
{
	(void)section_nr;
	return memblock_phys_alloc_try_nid(PMD_SIZE, PMD_SIZE, nid) ? 0 : -ENOMEM;
}

/* ram_end - one past the last byte of RAM of @c. */
static u64 ram_end(const struct layout_case *c)
{
	u64 end = 0;

	for (int i = 0; i < MAX_RANGES && c->ram[i].size; i++)
		end = c->ram[i].base + c->ram[i].size;
	return end;
}

/*
 * layout_nid - the node @c gives @pfn: that of the range holding it; in a
 * hole, of the nearest range below, else of the first range.  *@ram says
 * whether the pfn is RAM.
 */
static int layout_nid(const struct layout_case *c, u64 pfn, bool *ram)
{
	int nid = c->ram[0].nid;

	*ram = false;
	for (int i = 0; i < MAX_RANGES && c->ram[i].size; i++) {
		const struct sim_range *r = &c->ram[i];

		if (PFN_PHYS(pfn) < r->base)
			break;
		nid = r->nid;
		if (PFN_PHYS(pfn) < r->base + r->size) {
			*ram = true;
			break;
		}
	}
	return nid;
}

/* layout_reserved - does @pfn's page overlap a reservation of @c? */
static bool layout_reserved(const struct layout_case *c, u64 pfn)
{
	for (int i = 0; i < MAX_RANGES && c->rsv[i].size; i++)
		if (PFN_PHYS(pfn) < c->rsv[i].base + c->rsv[i].size &&
		    PFN_PHYS(pfn + 1) > c->rsv[i].base)
			return true;
	return false;
}

/* layout_setup - cmocka per-case setup: RAM and struct pages for the case's layout. */
static int layout_setup(void **state)
{
	const struct layout_case *c = *state;
	u64 end = ram_end(c);

	shim_phys_init(end);
	shim_log_reset();
	return shim_vmemmap_init(ALIGN_UP(PHYS_PFN(end), PAGES_PER_SECTION));
}

/* layout_teardown - cmocka per-case teardown: the late pass's helper CPUs joined, no handoff. */
static int layout_teardown(void **state)
{
	(void)state;
	shim_smp_init(1);
	page_alloc_grow = NULL;
	kho_reset_for_test();
	return 0;
}

/*
 * boot_early - a fresh kernel's memory steps up to memmap_init(): memblock
 * from @c (what numa_init() leaves: every range on its node), the
 * reservations, sparse_init() with the memmap poisoned, free_area_init(),
 * deferred_setup() (first_deferred_pfn kept in fdp_setup[]),
 * memmap_init().  Checks that the case's shared sections are shared.
 */
static void boot_early(const struct layout_case *c)
{
	memblock_reset_for_test();
	memset(node_data, 0, sizeof(node_data));
	page_alloc_grow = NULL;
	memmap_poison = true;
	deferred_cfg.strategy = MEMMAP_DEFERRED;
	deferred_cfg.early_bytes = 0;
	shim_smp_init(1);
	sim_nodes = c->nodes;

	for (int i = 0; i < MAX_RANGES && c->ram[i].size; i++) {
		assert_int_equal(memblock_add(c->ram[i].base, c->ram[i].size), 0);
		assert_int_equal(memblock_set_node(c->ram[i].base, c->ram[i].size,
						   &memblock.memory, c->ram[i].nid), 0);
	}
	nr_online_nodes = c->nodes;
	for (int n = 0; n < c->nodes; n++)
		NODE_DATA(n)->node_id = n;
	memblock_allow_resize();
	for (int i = 0; i < MAX_RANGES && c->rsv[i].size; i++)
		assert_int_equal(memblock_reserve(c->rsv[i].base, c->rsv[i].size), 0);

	assert_true(sparse_init(true) > 0);
	for (size_t s = 0; s < ARRAY_SIZE(c->shared_sec) && c->shared_nodes[s]; s++) {
		bool seen[MAX_NUMNODES] = { false };
		int nodes = 0;

		for (u64 pfn = section_nr_to_pfn(c->shared_sec[s]);
		     pfn < section_nr_to_pfn(c->shared_sec[s] + 1); pfn++) {
			bool ram;
			int nid = layout_nid(c, pfn, &ram);

			if (ram && !seen[nid]) {
				seen[nid] = true;
				nodes++;
			}
		}
		if (nodes != c->shared_nodes[s])
			fail_msg("layout: section %llu holds RAM of %d nodes, want %d",
				 (unsigned long long)c->shared_sec[s], nodes, c->shared_nodes[s]);
	}
	free_area_init();
	deferred_setup();
	for (int n = 0; n < c->nodes; n++)
		fdp_setup[n] = NODE_DATA(n)->first_deferred_pfn;
	assert_true(memmap_init() > 0);
}

/* boot_late - memblock_free_all(), the grow hook, four CPUs, the late deferred pass. */
static void boot_late(void)
{
	struct deferred_node_stats late[MAX_NUMNODES];

	page_alloc_grow = deferred_grow_zone;
	shim_smp_init(NR_CPUS_SIM);
	page_alloc_init_late(late);
}


/*
 * test_init_once - the whole boot on @state's layout, then every struct
 * page with a memmap: written once, no poison, the layout's node, its
 * zone, PageReserved when reserved or a hole; then the kernel's checks.
 */
static void test_init_once(void **state)
{
	const struct layout_case *c = *state;
	struct mm_node_counts counts[MAX_NUMNODES];
	u64 bad = 0, checked = 0;

	boot_early(c);
	assert_true(memblock_free_all() > 0);
	boot_late();

	for (u64 pfn = 0; pfn < ALIGN_UP(max_pfn, PAGES_PER_SECTION); pfn++) {
		const struct page *p;
		bool ram, rsv, poison;
		int nid, zone;

		if (!pfn_valid(pfn))
			continue;
		p = pfn_to_page(pfn);
		nid = layout_nid(c, pfn, &ram);
		zone = pfn < DMA32_END_PFN ? ZONE_DMA32 : ZONE_NORMAL;
		rsv = !ram || layout_reserved(c, pfn);
		poison = page_has_poison(p);
		checked++;
		if (!poison && p->init_count == 1 && page_to_nid(p) == nid &&
		    page_zonenum(p) == zone && (!rsv || PageReserved(p)))
			continue;
		if (bad++ < REPORT_MAX)
			print_message("pfn 0x%llx (%s of node %d, section %llu, memmap on node %d, "
				      "node %d first_deferred_pfn 0x%llx): %s, initialised %u times, "
				      "node %d zone %d%s\n",
				      (unsigned long long)pfn, !ram ? "hole" : rsv ? "reserved" : "RAM",
				      nid, (unsigned long long)pfn_to_section_nr(pfn),
				      mem_section[pfn_to_section_nr(pfn)].nid, nid,
				      (unsigned long long)fdp_setup[nid],
				      poison ? "still poisoned" : "no poison",
				      poison ? 0 : p->init_count, page_to_nid(p), page_zonenum(p),
				      rsv && !PageReserved(p) ? ", not PageReserved" : "");
	}
	if (bad)
		fail_msg("%llu of %llu struct pages are wrong", (unsigned long long)bad,
			 (unsigned long long)checked);
	assert_int_equal(memmap_check_poison(), 0);
	assert_int_equal(mm_check_accounting(counts), 0);
}

/*
 * untouched_above_fdp - every struct page of RAM at or above its node's
 * first_deferred_pfn of deferred_setup() still holds the poison byte,
 * reserved pages included (the late pass initialises those too), except
 * (when @grown_ok) those below the node's first_deferred_pfn now (what
 * deferred_grow_zone() grew).
 * Return: the number of struct pages that break it (the first few printed).
 */
static u64 untouched_above_fdp(const struct layout_case *c, const char *when, bool grown_ok)
{
	u64 bad = 0;

	for (int i = 0; i < MAX_RANGES && c->ram[i].size; i++) {
		const struct sim_range *r = &c->ram[i];
		u64 fdp_now = NODE_DATA(r->nid)->first_deferred_pfn;

		for (u64 pfn = PHYS_PFN(r->base); pfn < PHYS_PFN(r->base + r->size); pfn++) {
			if (pfn < fdp_setup[r->nid])
				continue;
			if (grown_ok && pfn < fdp_now)
				continue;
			if (page_all_poison(pfn_to_page(pfn)))
				continue;
			if (bad++ < REPORT_MAX)
				print_message("%s: pfn 0x%llx of node %d (first_deferred_pfn 0x%llx, "
					      "now 0x%llx) was written early: flags 0x%llx, "
					      "init_count %u\n", when, (unsigned long long)pfn,
					      r->nid, (unsigned long long)fdp_setup[r->nid],
					      (unsigned long long)fdp_now,
					      (unsigned long long)pfn_to_page(pfn)->flags,
					      pfn_to_page(pfn)->init_count);
		}
	}
	return bad;
}

/*
 * test_early_untouched - the early path on @state's layout leaves the
 * deferred struct pages poisoned: after memmap_init() and after
 * memblock_free_all() all of them, reserved ones included (the kernel's
 * own before-SMP check, memmap_check_deferred_poison(), agrees); after one
 * deferred_grow_zone() per node, all but the grown ones.  Then the rest of
 * the boot, and every struct page initialised once (the kernel's poison
 * check).
 */
static void test_early_untouched(void **state)
{
	const struct layout_case *c = *state;
	u64 bad, grown_before = deferred_grown_pages();
	bool deferred = false;

	boot_early(c);
	for (int n = 0; n < c->nodes; n++)
		deferred |= fdp_setup[n] != ~0ULL;
	assert_true(deferred);		/* otherwise the case checks nothing */
	bad = untouched_above_fdp(c, "after memmap_init", false);
	if (bad)
		fail_msg("memmap_init() wrote %llu deferred struct pages", (unsigned long long)bad);

	assert_true(memblock_free_all() > 0);
	bad = untouched_above_fdp(c, "after memblock_free_all", false);
	if (bad)
		fail_msg("memblock_free_all() wrote %llu deferred struct pages", (unsigned long long)bad);
	{
		u64 checked;

		assert_int_equal(memmap_check_deferred_poison(&checked), 0);
		assert_true(checked > 0);
	}
	for (int n = 0; n < c->nodes; n++)
		if (NODE_DATA(n)->first_deferred_pfn != ~0ULL)
			assert_true(deferred_grow_zone(n, 0));
	assert_true(deferred_grown_pages() > grown_before);
	bad = untouched_above_fdp(c, "after memblock_free_all and deferred_grow_zone", true);
	if (bad)
		fail_msg("the early path wrote %llu deferred struct pages it did not grow",
			 (unsigned long long)bad);

	boot_late();
	assert_int_equal(memmap_check_poison(), 0);
}

/*
 * test_kho_deserialize - the early path on @state's layout, then
 * kho_deserialize() with kho.deferred=deserialize on the case's blocks as
 * a validated handoff: the struct pages of each block at or above the
 * first_deferred_pfn of the block's node are initialised there, with that
 * node, those below it were initialised early; either way exactly once,
 * and pages_inited_early and the log count the former.  Then the rest of
 * the boot and the kernel's checks (which leave the blocks to KHO).
 */
static void test_kho_deserialize(void **state)
{
	const struct layout_case *c = *state;
	struct mm_node_counts counts[MAX_NUMNODES];
	u64 deferred = 0, pages = 0, n = 0, bad = 0;
	char line[128];

	static struct kho_block table[MAX_RANGES];

	boot_early(c);
	kho_reset_for_test();
	kho_in.blocks = table;		/* what kho_populate() allocates in scratch */
	kho_in.cap = MAX_RANGES;
	kho_cfg.deferred = KHO_DEFERRED_DESERIALIZE;
	for (int i = 0; i < MAX_RANGES && c->kho[i].size; i++) {
		const struct sim_rsv *b = &c->kho[i];

		assert_true(b->base % b->size == 0 && !(b->size & (b->size - 1)));
		assert_true(memblock_is_region_memory(b->base, b->size));
		assert_false(memblock_is_region_reserved(b->base, b->size));
		kho_in.blocks[n++] = (struct kho_block){ .phys = b->base, .size = b->size };
		for (u64 pfn = PHYS_PFN(b->base); pfn < PHYS_PFN(b->base + b->size); pfn++) {
			bool ram;

			pages++;
			deferred += pfn >= fdp_setup[layout_nid(c, pfn, &ram)];
		}
	}
	assert_true(n > 0);
	kho_in.nr_blocks = n;
	kho_in.revived = true;
	memblock_set_kho_scratch_only();
	kho_deserialize();

	for (u64 i = 0; i < n; i++) {
		for (u64 pfn = PHYS_PFN(kho_in.blocks[i].phys);
		     pfn < PHYS_PFN(kho_in.blocks[i].phys + kho_in.blocks[i].size); pfn++) {
			const struct page *p = pfn_to_page(pfn);
			bool ram;
			int nid = layout_nid(c, pfn, &ram);

			if (!page_has_poison(p) && p->init_count == 1 && page_to_nid(p) == nid &&
			    page_zonenum(p) == zone_for_pfn(pfn))
				continue;
			if (bad++ < REPORT_MAX)
				print_message("preserved pfn 0x%llx of node %d (first_deferred_pfn 0x%llx, "
					      "memmap on node %d): %s, initialised %u times, node %d\n",
					      (unsigned long long)pfn, nid, (unsigned long long)fdp_setup[nid],
					      section_memmap_nid(pfn),
					      page_has_poison(p) ? "still poisoned" : "no poison",
					      page_has_poison(p) ? 0 : p->init_count, page_to_nid(p));
		}
	}
	if (bad)
		fail_msg("%llu preserved struct pages are wrong after deserialize", (unsigned long long)bad);
	if (kho_stats.pages_inited_early != deferred)
		fail_msg("pages_inited_early %llu, want %llu", (unsigned long long)kho_stats.pages_inited_early,
			 (unsigned long long)deferred);
	snprintf(line, sizeof(line), "%llu of %llu preserved pages lie at or above first_deferred_pfn",
		 (unsigned long long)deferred, (unsigned long long)pages);
	if (!shim_log_contains(line))
		fail_msg("log lacks \"%s\":\n%s", line, shim_log_text());

	assert_true(memblock_free_all() > 0);
	boot_late();
	assert_int_equal(memmap_check_poison(), 0);
	assert_int_equal(mm_check_accounting(counts), 0);
}

/*
 * test_early_pfn_to_nid - the contract of early_pfn_to_nid(): the node of
 * the region holding the pfn, whatever section it is in; in a hole the
 * node of the region below, below all memory the first region's; node 0
 * for a region without a node and for an empty memblock.
 */
static void test_early_pfn_to_nid(void **state)
{
	(void)state;
	memblock_reset_for_test();
	assert_int_equal(early_pfn_to_nid(0), 0);		/* no memory at all */

	assert_int_equal(memblock_add(16 * MIB, 100 * MIB), 0);	/* no node yet */
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(20 * MIB)), 0);

	assert_int_equal(memblock_set_node(16 * MIB, 100 * MIB, &memblock.memory, 3), 0);
	assert_int_equal(memblock_add(116 * MIB, 100 * MIB), 0);	/* shares section 0 */
	assert_int_equal(memblock_set_node(116 * MIB, 100 * MIB, &memblock.memory, 1), 0);
	assert_int_equal(memblock_add(300 * MIB, 4 * MIB), 0);	/* after a hole */
	assert_int_equal(memblock_set_node(300 * MIB, 4 * MIB, &memblock.memory, 2), 0);
	assert_int_equal(memblock.memory.cnt, 3);

	assert_int_equal(early_pfn_to_nid(0), 3);			/* below all memory */
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(16 * MIB)), 3);
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(116 * MIB) - 1), 3);
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(116 * MIB)), 1);	/* same section, node 1 */
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(216 * MIB) - 1), 1);
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(216 * MIB)), 1);	/* hole: the region below */
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(300 * MIB) - 1), 1);
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(300 * MIB)), 2);
	assert_int_equal(early_pfn_to_nid(PHYS_PFN(304 * MIB)), 2);	/* above all memory */
	assert_int_equal(early_pfn_to_nid(MAX_PFN), 2);
}

int main(void)
{
	struct CMUnitTest tests[3 * ARRAY_SIZE(init_once_cases) + 1];
	size_t nkho = 0;
	size_t n = CASE_TABLE_ADD(tests, 0, init_once_cases, test_init_once, layout_setup,
				  layout_teardown);

	/* the same layouts, named test_<layout>_early_untouched and _kho_deserialize */
	for (size_t i = 0; i < ARRAY_SIZE(init_once_cases); i++) {
		const char *name = init_once_cases[i].name;
		int len = (int)(strlen(name) - strlen("_init_once"));

		early_cases[i] = init_once_cases[i];
		snprintf(early_names[i], sizeof(early_names[i]), "%.*s_early_untouched", len, name);
		early_cases[i].name = early_names[i];
		if (!init_once_cases[i].kho[0].size)
			continue;
		kho_cases[nkho] = init_once_cases[i];
		snprintf(kho_names[nkho], sizeof(kho_names[nkho]), "%.*s_kho_deserialize", len, name);
		kho_cases[nkho].name = kho_names[nkho];
		nkho++;
	}
	n = CASE_TABLE_ADD(tests, n, early_cases, test_early_untouched, layout_setup,
			   layout_teardown);
	n = case_table_add(tests, n, ARRAY_SIZE(tests), kho_cases, sizeof(kho_cases[0]), nkho,
			   test_kho_deserialize, layout_setup, layout_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_early_pfn_to_nid);
	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
