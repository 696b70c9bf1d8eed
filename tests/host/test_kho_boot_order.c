// SPDX-License-Identifier: MIT
/*
 * tests/host/test_kho_boot_order.c - the boot order this project is about:
 * a KHO handoff received while deferred struct page init is on, once per
 * kho.deferred= mode and wire format (kho-v4, kho-v1), on simulated memory
 * with two NUMA nodes and four shim CPUs (docs/kho.md,
 * docs/deferred-init.md).
 *
 * Every case boots twice with the real code, in start_kernel()'s order:
 *
 *  generation 0, a cold boot: memblock from a sanitized memory map, two
 *  nodes, sparse_init() with the memmap poisoned, free_area_init(),
 *  deferred_setup(), memmap_init() (struct pages below first_deferred_pfn),
 *  kho_reserve_scratch(), memblock_free_all(), page_alloc_init_late().
 *  Then folios are allocated below, exactly at and above each node's
 *  first_deferred_pfn, filled with a pattern and preserved, and the
 *  handoff is built (kho_finalize(), kho_fill_handoff()) where kexec puts
 *  it: in the global scratch area, beside the next kernel.
 *
 *  generation 1, on the same memory (a kexec keeps RAM): kho_populate()
 *  validates the handoff and leaves memblock allocating from scratch only;
 *  the same memory steps run with kho_deserialize() before
 *  memblock_free_all() and kho_init_late() after the deferred pass, in the
 *  mode the case names; then every folio is restored (kho_restore_folio()).
 *
 * Expected: off, deserialize and restore give every folio back with its
 * data and every struct page initialised (once; twice below
 * first_deferred_pfn for init at restore, which that approach implies);
 * unsafe, the bug where deferred init overwrites preserved struct pages
 * (in kholab's order: never initialises them), loses exactly the folios at
 * or above first_deferred_pfn and gives back those below.  The generic
 * checks (accounting, memmap poison) pass in every mode: they leave pages
 * under RSRV_NOINIT to their owner, so only the restore sees the loss.
 * SHIM_LOG_ECHO=1 shows both kernels' logs.
 *
 * The two-generation fixture (RAM, nodes, CPUs, the memory steps, the
 * handoff, the memmap taken from scratch in generation 1) is
 * kho_boot_sim.h's.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c mm/memory_map.c kernel/bootinfo.c mm/sparse.c mm/mm_init.c mm/deferred.c mm/page_alloc.c mm/mmzone.c mm/memmap_check.c kernel/jobs.c kernel/tsc.c kernel/cmdline.c kho/state.c kho/preserve.c kho/scratch.c kho/validate.c kho/abi.c kho/abi_v1.c kho/abi_v4.c kho/subtree.c kho/deserialize.c kho/restore.c kho/handover.c mm/deferred_bg.c mm/deferred_claim.c kho/memmap_handover.c kho/memmap_record.c
 * LDLIBS: -lfdt -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kho_boot_sim.h"
#include "case_table.h"

#define PATTERN		0x9e3779b97f4a7c15ULL

/* Where a folio is put relative to its node's first_deferred_pfn. */
enum place { BELOW, AT, ABOVE };

/* One preserved folio: where generation 0 put it. */
struct folio {
	int nid;
	enum place place;
	unsigned int order;
	u64 phys;
	bool deferred;				/* at or above first_deferred_pfn */
};

#define F(n, p, o)	{ .nid = (n), .place = (p), .order = (o) }

static struct folio folios[] = {
	F(0, BELOW, 0), F(0, BELOW, 10), F(0, AT, 3), F(0, ABOVE, 10), F(0, ABOVE, 0),
	F(1, BELOW, 2), F(1, AT, 0), F(1, ABOVE, 5), F(1, ABOVE, 10),
};

static struct boot_sim_gen gen0, gen1;
static u64 handed_over;		/* blocks preserved when generation 0 finalized */

/* expect_fdp - each node's first_deferred_pfn: the section after its top zone's start. */
static void expect_fdp(const struct boot_sim_gen *g)
{
	for (int n = 0; n < BOOT_SIM_NODES; n++) {
		u64 want = ALIGN_UP(g->node_start[n] + 1, PAGES_PER_SECTION);

		if (g->fdp[n] != want || g->fdp[n] % PAGES_PER_SECTION ||
		    g->fdp[n] <= g->node_start[n] || g->fdp[n] >= g->node_end[n])
			fail_msg("node %d [0x%llx, 0x%llx): first_deferred_pfn 0x%llx, want 0x%llx",
				 n, (unsigned long long)g->node_start[n],
				 (unsigned long long)g->node_end[n], (unsigned long long)g->fdp[n],
				 (unsigned long long)want);
	}
	assert_int_equal(g->fdp[0], PHYS_PFN(128 * BOOT_SIM_MIB));
	assert_int_equal(g->fdp[1], PHYS_PFN(BOOT_SIM_NODE1_START + 128 * BOOT_SIM_MIB));
}

/* fill - the folio's content: each word its own address mixed with PATTERN. */
static void fill(u64 phys, unsigned int order)
{
	u64 *w = __va(phys);

	for (u64 i = 0; i < (PAGE_SIZE << order) / 8; i++)
		w[i] = (phys + 8 * i) ^ PATTERN;
}

/* intact - the content fill() wrote is still there. */
static bool intact(u64 phys, unsigned int order)
{
	const u64 *w = __va(phys);

	for (u64 i = 0; i < (PAGE_SIZE << order) / 8; i++)
		if (w[i] != ((phys + 8 * i) ^ PATTERN))
			return false;
	return true;
}

/* place_folio - allocate @f from generation 0's buddy where its plan says. */
static void place_folio(struct folio *f)
{
	u64 fdp = gen0.fdp[f->nid], n = 1ULL << f->order, lo, hi;
	struct page *p;

	switch (f->place) {
	case BELOW:
		lo = PHYS_PFN(KHO_MIN_PRESERVE_PHYS) > gen0.node_start[f->nid] ?
		     PHYS_PFN(KHO_MIN_PRESERVE_PHYS) : gen0.node_start[f->nid];
		hi = fdp;
		break;
	case AT:
		lo = fdp;
		hi = fdp + n;
		break;
	default:
		lo = fdp + PAGES_PER_SECTION / 2;
		hi = gen0.node_end[f->nid];
		break;
	}
	p = alloc_pages_range(f->order, f->nid, lo, hi);
	if (!p)
		fail_msg("no order-%u folio on node %d in pfns [0x%llx, 0x%llx)", f->order, f->nid,
			 (unsigned long long)lo, (unsigned long long)hi);
	f->phys = PFN_PHYS(page_to_pfn(p));
	f->deferred = page_to_pfn(p) >= fdp;
	assert_int_equal(f->deferred, f->place != BELOW);
}

/*
 * generation0 - the cold boot (boot_sim_cold_boot()), the folios placed,
 * filled and preserved, and the handoff for the next kernel
 * (boot_sim_hand_over(), which fills in gen1's boot info and memory map).
 */
static void generation0(void)
{
	boot_sim_cold_boot(&gen0);
	expect_fdp(&gen0);

	for (size_t i = 0; i < ARRAY_SIZE(folios); i++) {
		place_folio(&folios[i]);
		fill(folios[i].phys, folios[i].order);
		assert_int_equal(kho_preserve_folio(pfn_to_page(PHYS_PFN(folios[i].phys)),
						    folios[i].order), 0);
	}
	handed_over = boot_sim_hand_over(&gen1);
	assert_true(handed_over > ARRAY_SIZE(folios));	/* and the root FDT's page */
}

/* struct_pages_inited - every struct page of the folio was written @times times. */
static bool struct_pages_inited(const struct folio *f, u32 times)
{
	for (u64 pfn = PHYS_PFN(f->phys); pfn < PHYS_PFN(f->phys) + (1ULL << f->order); pfn++) {
		const struct page *p = pfn_to_page(pfn);

		if (p->flags == MEMMAP_POISON64 || p->init_count != times)
			return false;
	}
	return true;
}

/*
 * struct_pages_placed - every struct page of the folio has the folio's
 * node and the zone of its pfn (the first one that does not in *@bad).
 */
static bool struct_pages_placed(const struct folio *f, u64 *bad)
{
	for (u64 pfn = PHYS_PFN(f->phys); pfn < PHYS_PFN(f->phys) + (1ULL << f->order); pfn++) {
		const struct page *p = pfn_to_page(pfn);

		if (page_to_nid(p) != f->nid || page_zonenum(p) != zone_for_pfn(pfn)) {
			*bad = pfn;
			return false;
		}
	}
	return true;
}

/*
 * check_early_init - generation 1 right after the early memmap init: the
 * folios below first_deferred_pfn are initialised, the others untouched
 * (still poison) - unless deferred init is off, when all are initialised.
 */
static void check_early_init(const struct boot_sim_gen *g)
{
	bool eager = kho_cfg.deferred == KHO_DEFERRED_OFF;

	if (!g->revived)
		fail_msg("handoff refused: %s\n%s", kho_rejected_reason(), shim_log_text());
	for (size_t i = 0; i < ARRAY_SIZE(folios); i++) {
		const struct folio *f = &folios[i];
		const struct page *head = pfn_to_page(PHYS_PFN(f->phys));

		assert_int_equal(PHYS_PFN(f->phys) >= g->fdp[f->nid], !eager && f->deferred);
		if (eager || !f->deferred) {
			if (!struct_pages_inited(f, 1))
				fail_msg("folio %zu at 0x%llx (below first_deferred_pfn) not initialised early",
					 i, (unsigned long long)f->phys);
		} else if (head->flags != MEMMAP_POISON64) {
			fail_msg("folio %zu at 0x%llx (deferred) was written before deferred init",
				 i, (unsigned long long)f->phys);
		}
	}
}

/* received_pages - pages of the received blocks, those at or above first_deferred_pfn only if @deferred_only. */
static u64 received_pages(const struct boot_sim_gen *g, bool deferred_only)
{
	u64 n, pages = 0;
	const struct kho_block *b = kho_received_blocks(&n);

	for (u64 i = 0; i < n; i++)
		for (u64 pfn = PHYS_PFN(b[i].phys); pfn < PHYS_PFN(b[i].phys + b[i].size); pfn++)
			pages += !deferred_only || pfn >= g->fdp[early_pfn_to_nid(pfn)];
	return pages;
}

/* struct mode_case - one wire format and kho.deferred= mode, and what it must do. */
struct mode_case {
	const char *name;
	const char *abi;		/* kho.abi= of generation 0 */
	int mode;			/* kho.deferred= of generation 1 (enum kho_deferred_mode) */
	bool loses_deferred;		/* folios at/above first_deferred_pfn are lost */
};

static struct mode_case mode_cases[] = {
	{ "test_v4_off_restores_all", "v4", KHO_DEFERRED_OFF, false },
	{ "test_v4_unsafe_loses_deferred_folios", "v4", KHO_DEFERRED_UNSAFE, true },
	{ "test_v4_deserialize_restores_all", "v4", KHO_DEFERRED_DESERIALIZE, false },
	{ "test_v4_restore_restores_all", "v4", KHO_DEFERRED_RESTORE, false },
	{ "test_v1_off_restores_all", "v1", KHO_DEFERRED_OFF, false },
	{ "test_v1_unsafe_loses_deferred_folios", "v1", KHO_DEFERRED_UNSAFE, true },
	{ "test_v1_deserialize_restores_all", "v1", KHO_DEFERRED_DESERIALIZE, false },
	{ "test_v1_restore_restores_all", "v1", KHO_DEFERRED_RESTORE, false },
};

/* expect_restore - restore folio @f as mode case @c expects; returns 1 if it was lost. */
static u64 expect_restore(const struct mode_case *c, const struct folio *f)
{
	bool lost = c->loses_deferred && f->deferred;
	/* init at restore writes every block again after SMP, those below first_deferred_pfn a second time */
	u32 times = c->mode == KHO_DEFERRED_RESTORE && !f->deferred ? 2 : 1;
	struct page *p = kho_restore_folio(f->phys);
	u64 bad = 0;

	if (lost) {
		if (p)
			fail_msg("folio at 0x%llx (deferred) restored in unsafe mode",
				 (unsigned long long)f->phys);
		return 1;
	}
	if (!p)
		fail_msg("folio at 0x%llx (node %d, %s first_deferred_pfn) not restored:\n%s",
			 (unsigned long long)f->phys, f->nid, f->deferred ? "at/above" : "below",
			 shim_log_text());
	assert_int_equal(page_to_pfn(p), PHYS_PFN(f->phys));
	assert_int_equal(p->_refcount, 1);
	if (!struct_pages_inited(f, times))
		fail_msg("folio at 0x%llx: struct pages not initialised exactly %u time(s)",
			 (unsigned long long)f->phys, times);
	if (!struct_pages_placed(f, &bad))
		fail_msg("folio at 0x%llx: the struct page of pfn 0x%llx has node %d zone %d, "
			 "want node %d zone %d", (unsigned long long)f->phys,
			 (unsigned long long)bad, page_to_nid(pfn_to_page(bad)),
			 page_zonenum(pfn_to_page(bad)), f->nid, zone_for_pfn(bad));
	if (!intact(f->phys, f->order))
		fail_msg("folio at 0x%llx: content changed across the handoff",
			 (unsigned long long)f->phys);
	assert_null(kho_restore_folio(f->phys));	/* a second restore is refused */
	return 0;
}

/*
 * test_mode - one mode_cases[] row (in *state): generation 0 hands over,
 * generation 1 receives in the row's mode and restores every folio.
 */
static void test_mode(void **state)
{
	const struct mode_case *c = *state;
	u64 lost0, lost = 0, want_lost = 0;

	assert_int_equal(kho_parse_abi_arg(c->abi), 0);
	generation0();
	kho_reset_for_test();			/* the next kernel's KHO state */
	shim_log_reset();
	kho_cfg.deferred = c->mode;
	boot_sim_memory(&gen1, check_early_init);	/* which fails unless the handoff was accepted */
	assert_string_equal(kho_in.abi->name, c->abi);
	assert_int_equal(kho_stats.blocks, handed_over);
	if (c->mode == KHO_DEFERRED_OFF) {
		for (int n = 0; n < BOOT_SIM_NODES; n++)
			assert_true(gen1.fdp[n] == ~0ULL);	/* no deferred init on a KHO boot */
	} else {
		expect_fdp(&gen1);
	}
	assert_int_equal(kho_stats.pages_inited_early,
			 c->mode == KHO_DEFERRED_DESERIALIZE ? received_pages(&gen1, true) : 0);
	assert_int_equal(kho_stats.pages_inited_late,
			 c->mode == KHO_DEFERRED_RESTORE ? received_pages(&gen1, false) : 0);

	lost0 = kho_lost_count();
	for (size_t i = 0; i < ARRAY_SIZE(folios); i++) {
		lost += expect_restore(c, &folios[i]);
		want_lost += c->loses_deferred && folios[i].deferred;
	}
	assert_int_equal(lost, want_lost);
	assert_int_equal(kho_lost_count() - lost0, want_lost);
	if (c->loses_deferred) {
		assert_int_equal(want_lost, 6);		/* two AT and four ABOVE folios */
		assert_int_equal(shim_log_count("was never initialised"), 6);
	}
}

/*
 * test_global_scratch_reach - on a machine with RAM far above
 * DIRECT_MAP_MAX_GIB the global scratch area, which the next kernel is
 * loaded into and runs from on its boot page tables, must still lie below
 * that limit; the per-node area may lie anywhere.  Before this rule a
 * 600 GiB guest could not kexec at all ("global scratch ends at ...,
 * above the 512 GiB the next kernel's boot page tables map").
 */
static void test_global_scratch_reach(void **state)
{
	const u64 high = 600ULL << 30;
	const u64 reach = (u64)DIRECT_MAP_MAX_GIB << 30;
	struct kholab_mmap_entry map[8] = {	/* room for the sanitized map */
		{ .base = 0, .size = 0x9f000, .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = BOOT_SIM_MIB, .size = BOOT_SIM_BYTES - BOOT_SIM_MIB,
		  .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = high, .size = BOOT_SIM_BYTES, .type = KHOLAB_MEM_USABLE, .efi_type = 7 },
		{ .base = BOOT_SIM_GEN0_KERNEL, .size = BOOT_SIM_KERNEL_BYTES,
		  .type = KHOLAB_MEM_KERNEL, .efi_type = 7 },
	};
	u32 nmap = 4;

	(void)state;
	shim_phys_init(high + BOOT_SIM_BYTES);	/* lazily backed: only what is written costs */
	assert_int_equal(memory_map_sanitize(map, &nmap, ARRAY_SIZE(map)), 0);
	memblock_reset_for_test();
	memset(node_data, 0, sizeof(node_data));
	nr_online_nodes = 1;
	assert_int_equal(memblock_init_from_map(map, nmap), 0);
	kho_reserve_scratch();

	assert_int_equal(kho_nr_scratch, 3);
	assert_true(kho_scratch[1].size >= 16 * BOOT_SIM_MIB);
	assert_true(kho_scratch[1].addr + kho_scratch[1].size <= reach);
	assert_true(kho_scratch[2].addr >= high);	/* top-down: the high RAM was there to take */
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(mode_cases) + 1];
	size_t n = CASE_TABLE_ADD(tests, 0, mode_cases, test_mode, boot_sim_setup, boot_sim_teardown);

	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_global_scratch_reach,
									boot_sim_setup, boot_sim_teardown);

	return CASE_TABLE_RUN(tests, n, boot_sim_group_setup, NULL);
}
