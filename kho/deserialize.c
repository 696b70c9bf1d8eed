/*
 * kho/deserialize.c - taking the preserved memory out of circulation and
 * marking it, in one of the four ways the Linux review discussed
 * (docs/kho.md).
 *
 * DOC: kho.deferred=
 *
 * Runs between the early memmap init and memblock_free_all(), on the boot
 * CPU, still in scratch-only mode.  For every validated block it reserves
 * the range, marks it RSRV_NOINIT (so the generic code leaves its struct
 * pages alone) and, depending on kho.deferred=:
 *
 *   off          deferred init was switched off for this boot (Linux before
 *                the fix: KEXEC_HANDOVER depended on !DEFERRED_STRUCT_PAGE_INIT),
 *                so every struct page is initialised: write the marker.
 *   unsafe       the bug: write {order, magic} into the head page even when
 *                it lies at or above first_deferred_pfn, where nobody has
 *                initialised it and nobody will (RSRV_NOINIT).  The restore
 *                finds an uninitialised struct page and reports it as lost.
 *   deserialize  init at deserialize (what Linux merged): first initialise the struct pages of the
 *                block that lie at or above their node's first_deferred_pfn
 *                (pages below it were initialised early and must not be
 *                touched again, or the marker would be lost), then write
 *                the marker.  The work runs here, on the boot CPU, before SMP.
 *   restore      init at restore (the alternative proposed in review):
 *                only reserve here; the struct
 *                pages of every block, all of them whichever side of
 *                first_deferred_pfn, are initialised after SMP in parallel
 *                (kho_init_late()) and the marker is written then.
 *
 * Finally it leaves scratch-only mode and reserves the scratch areas for
 * good (they never go to buddy in kholab; see kho/scratch.c).
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kho/kho_memmap.h>
#include <mm/memblock.h>
#include <mm/mm_init.h>
#include <mm/deferred.h>
#include <kernel/jobs.h>
#include <kernel/smp.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <string.h>

/* block_order - the order of a block of @size bytes. */
static unsigned int block_order(u64 size)
{
	return (unsigned int)__builtin_ctzll(size >> PAGE_SHIFT);
}

/* write_marker - {order, KHO_PAGE_MAGIC} in the head page's private field. */
static void write_marker(phys_addr_t phys, unsigned int order)
{
	union kho_page_info info = { .order = order, .magic = KHO_PAGE_MAGIC };

	pfn_to_page(PHYS_PFN(phys))->private = info.page_private;
}

/*
 * init_block_pages - initialise the struct pages of a block with the same
 * fast range loop the memmap init uses, as pages of the block's node
 * (early_pfn_to_nid(), from memblock: a section may hold several nodes);
 * @deferred_only skips the pages below that node's first_deferred_pfn
 * (already initialised early).  A block never straddles a zone: it is
 * naturally aligned, so one that held both sides of the 16 MiB or 4 GiB
 * boundary would start at address 0, and the validator refuses a block
 * that is not RAM of one node throughout (kho/validate.c), which also
 * keeps it in one node (Linux sends blocks of any order, some larger than
 * a section).  Return: pages initialised.
 */
static u64 init_block_pages(phys_addr_t phys, u64 size, bool deferred_only)
{
	/* LAB kho-deferred: BEGIN */
	/* LAB kho-deferred: HINT the contract, and hints to unfold: docs/labs/kho-deferred.md */
	/* LAB kho-deferred: STUB (void)phys; (void)size; (void)deferred_only; */
	/* LAB kho-deferred: STUB return 0; */
	u64 start = PHYS_PFN(phys), end = PHYS_PFN(phys + size);
	int nid = early_pfn_to_nid(start);

	if (deferred_only && start < NODE_DATA(nid)->first_deferred_pfn)
		start = NODE_DATA(nid)->first_deferred_pfn;
	return start < end ? memmap_init_range(start, end, zone_for_pfn(start), nid) : 0;
	/* LAB kho-deferred: END */
}

/*
 * deferred_pages_of - how many pages of the block at @phys, @size bytes,
 * lie at or above the first_deferred_pfn of their node (early_pfn_to_nid(),
 * not the section's): the struct pages that only deferred init would
 * write.  A block lies in one node (init_block_pages()).
 */
static u64 deferred_pages_of(phys_addr_t phys, u64 size)
{
	u64 start = PHYS_PFN(phys), end = PHYS_PFN(phys + size);
	u64 fdp = NODE_DATA(early_pfn_to_nid(start))->first_deferred_pfn;

	if (start < fdp)
		start = fdp;
	return start < end ? end - start : 0;
}

/*
 * adopt_head - kho.memmap=handover: if block @b's struct pages were handed
 * over, only write the marker.  They are checked when the owner takes the
 * block back (kho_restore_folio()), the first moment anyone trusts them;
 * until then only buddy may read the head, when a neighbour merges, and
 * the marker in its private word is no buddy order.  A block that is
 * itself an adopted memmap's backing gets its head initialised instead.
 * Return: true if the block is settled here.
 */
static bool adopt_head(const struct kho_block *b, unsigned int order)
{
	if (b->memmap_backing) {
		/*
		 * The backing of an adopted memmap: nobody restores it, only
		 * buddy may look at its head (when a neighbour merges), so the
		 * head alone is initialised, as a reserved page.
		 */
		u64 pfn = PHYS_PFN(b->phys);

		kho_stats.pages_inited_early += memmap_init_range(pfn, pfn + 1, zone_for_pfn(pfn),
								  early_pfn_to_nid(pfn));
		set_page_flag(pfn_to_page(pfn), PG_reserved);
		return true;
	}
	if (kho_cfg.deferred == KHO_DEFERRED_UNSAFE || !kho_memmap_adopted(b))
		return false;
	kho_memmap_stats.adopted_blocks++;
	write_marker(b->phys, order);
	return true;
}

/* kho_reinit_block - see kho_internal.h. */
u64 kho_reinit_block(phys_addr_t phys, u64 size)
{
	u64 done = init_block_pages(phys, size, false);

	write_marker(phys, block_order(size));
	return done;
}

/*
 * reserve_runs - reserve the @n blocks of @b (sorted, disjoint) and mark
 * them RSRV_NOINIT, one memblock call per run of touching blocks: a
 * hypervisor's 2 MiB folios lie mostly side by side, and 37,000 calls,
 * each inserting into the reserved array, cost 60 ms at 64 GiB.
 */
static void reserve_runs(const struct kho_block *b, u64 n)
{
	for (u64 i = 0; i < n;) {
		u64 start = b[i].phys, end = b[i].phys + b[i].size;

		for (i++; i < n && b[i].phys == end; i++)
			end += b[i].size;
		memblock_reserve(start, end - start);
		memblock_reserved_mark_noinit(start, end - start);
	}
}

/* kho_deserialize - see kho_boot.h. */
void kho_deserialize(void)
{
	const struct kho_block *b;
	u64 n, t0 = rdtsc(), pages = 0, deferred_pages = 0;

	if (!kho_is_revived())
		return;
	b = kho_received_blocks(&n);
	reserve_runs(b, n);
	for (u64 i = 0; i < n; i++) {
		unsigned int order = block_order(b[i].size);

		pages += b[i].size >> PAGE_SHIFT;
		deferred_pages += deferred_pages_of(b[i].phys, b[i].size);
		if (adopt_head(&b[i], order))
			continue;	/* kho.memmap=handover: its struct pages came along */
		switch (kho_cfg.deferred) {
		case KHO_DEFERRED_DESERIALIZE:
			/* LAB kho-deferred: BEGIN */
			/* LAB kho-deferred: HINT the contract, and hints to unfold: docs/labs/kho-deferred.md */
			/* LAB kho-deferred: STUB write_marker(b[i].phys, order); */
			kho_stats.pages_inited_early += init_block_pages(b[i].phys, b[i].size, true);
			write_marker(b[i].phys, order);
			/* LAB kho-deferred: END */
			break;
		case KHO_DEFERRED_OFF:
		case KHO_DEFERRED_UNSAFE:
			write_marker(b[i].phys, order);
			break;
		case KHO_DEFERRED_RESTORE:
			break;
		}
	}
	memblock_clear_kho_scratch_only();
	kho_note_scratch_free();	/* what a kexec may still overwrite */
	for (int s = 0; s < kho_nr_scratch; s++)
		memblock_reserve_kern(kho_scratch[s].addr, kho_scratch[s].size);
	kho_stats.deserialize_ns = tsc_to_ns(rdtsc() - t0);
	/* Where the handoff lies against the deferred boundary is what makes
	 * the four modes differ; the interop rig checks it from this line. */
	pr_info("%llu of %llu preserved pages lie at or above first_deferred_pfn\n",
		(unsigned long long)deferred_pages, (unsigned long long)pages);
	pr_info("deserialized %llu blocks in %llu us (kho.deferred=%s, %llu struct pages initialised here); normal allocation from now on\n",
		(unsigned long long)n, (unsigned long long)(kho_stats.deserialize_ns / 1000),
		kho_mode_name(), (unsigned long long)kho_stats.pages_inited_early);
}

/*
 * late_block - kho_init_late()'s work on one block: an adopted one has
 * every struct page checked (initialised instead if one fails), any other
 * one, in restore mode, is initialised.  Return: pages initialised.
 */
static u64 late_block(const struct kho_block *b)
{
	unsigned int order = block_order(b->size);
	u64 done;

	if (b->memmap_backing || kho_cfg.deferred != KHO_DEFERRED_RESTORE ||
	    kho_memmap_adopted(b))
		return 0;		/* settled at deserialize, or checked at restore */
	done = init_block_pages(b->phys, b->size, false);
	write_marker(b->phys, order);
	return done;
}

/* init_chunk - padata thread function: blocks [start, end) of the table. */
static void init_chunk(u64 start, u64 end, void *arg)
{
	const struct kho_block *b = arg;
	u64 done = 0;

	for (u64 i = start; i < end; i++)
		done += late_block(&b[i]);
	__atomic_fetch_add(&kho_stats.pages_inited_late, done, __ATOMIC_RELAXED);
}

/* kho_init_late - see kho_boot.h. */
void kho_init_late(void)
{
	const struct kho_block *b;
	u64 n, t0 = rdtsc();
	struct padata_stats st;
	struct padata_mt_job job = {
		.thread_fn = init_chunk,
		.align = 1,
		.min_chunk = 16,
		.name = "kho",
		.stats = &st,
	};

	if (!kho_is_revived() || kho_cfg.deferred != KHO_DEFERRED_RESTORE)
		return;
	b = kho_received_blocks(&n);
	job.fn_arg = (void *)b;
	job.size = n;
	memset(&st, 0, sizeof(st));
	padata_do_multithreaded(&job, NULL, nr_cpus_online());
	kho_stats.late_ns = tsc_to_ns(rdtsc() - t0);
	kho_stats.late_cpus = (u64)st.workers;
	pr_info("restore mode: after SMP on %d CPUs in %llu us: %llu struct pages of %llu preserved blocks initialised (%llu handed over, checked at restore)\n",
		st.workers, (unsigned long long)(kho_stats.late_ns / 1000),
		(unsigned long long)kho_stats.pages_inited_late, (unsigned long long)n,
		(unsigned long long)kho_memmap_stats.adopted_blocks);
}
