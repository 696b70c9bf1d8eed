/*
 * kho/memmap_handover.c - kho.memmap=handover: the next kernel adopts the
 * struct pages of preserved memory instead of initialising them.
 *
 * DOC: handing over the memmap
 *
 * Receiving N GiB of preserved memory costs a kernel N/64 GiB of struct
 * pages to write (kho.deferred= only decides when and on which CPUs).  Yet
 * the sender already has those struct pages, and between two kholab
 * kernels their layout is the same.  With kho.memmap=handover the sender
 * also preserves the memmap backing (one 2 MiB block per 128 MiB section)
 * of every section that holds preserved memory, and describes it in the
 * subtree "kholab_memmap" (compatible "kholab-memmap-v1"):
 *
 *   struct-page    u32[9]: sizeof(struct page) and the offsets of flags,
 *                  private, _refcount, _mapcount, init_count and
 *                  compound_head, then the node and zone shifts of flags
 *   vmemmap-start  u64: where the memmap is mapped
 *   sections       u64[2n]: {section number, backing address}, ascending
 *
 * The receiver (kho.memmap=handover too) checks the record before it uses
 * any of it: the same struct page layout, sections ascending, each inside
 * its RAM, each backing exactly a preserved block of 2 MiB.  A record that
 * fails is ignored as a whole, with the reason, and every struct page is
 * initialised as usual.  sparse_init() then maps those backings where a
 * fresh memmap would go (sparse_adopt_backing), the rest of each adopted
 * section is initialised as usual, and the blocks' own struct pages are
 * used as they arrive.  They are checked when the owner takes a block back
 * (kho_restore_folio()), the first moment anyone trusts them, per page: no
 * poison, initialised (init_count), the node and zone this kernel gives
 * the pfn, no flag but PG_head (on a block's first page only), _mapcount
 * -1.  Reference counts, compound marks and the private word need no
 * check: the restore writes them.  Before that only buddy may read a head
 * (when a neighbour merges), and deserialize has written KHO's marker into
 * its private word, which no buddy order matches.  A block that fails is
 * initialised as if nothing had been handed over: its data was never in
 * question, so nothing is lost.  kho.corrupt=memmap damages one struct
 * page on purpose to prove it.  (Blocks below first_deferred_pfn get a
 * fresh init early anyway, which passes the same check.)
 *
 * No Linux has this; kholab -> kholab only.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kho/kho_memmap.h>
#include <mm/paging.h>
#include <mm/sparse.h>
#include <mm/memblock.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* ---- the sender ---- */

/* Sections that hold preserved memory, one byte each, while the record is built. */
struct mark_ctx {
	u8 *mark;
	u64 nr;
};

/* mark_section - kho_for_each_preserved() callback: mark the block's sections. */
static int mark_section(phys_addr_t phys, unsigned int order, void *arg)
{
	struct mark_ctx *c = arg;
	u64 s = pfn_to_section_nr(PHYS_PFN(phys));
	u64 e = pfn_to_section_nr(PHYS_PFN(phys + (PAGE_SIZE << order) - 1));

	for (; s <= e && s < c->nr; s++)
		c->mark[s] = 1;
	return 0;
}

/* section_backing - the 2 MiB block backing section @sec's memmap, or 0 (not so mapped). */
static phys_addr_t section_backing(u64 sec)
{
	u64 size = 0, *e = lookup_address((u64)(uintptr_t)pfn_to_page(section_nr_to_pfn(sec)), &size);

	return e && size == PMD_SIZE ? (*e & PTE_ADDR_MASK) & ~(PMD_SIZE - 1) : 0;
}

/* build_record - the record's FDT for the marked sections (also preserved). */
static int build_record(const u64 *pairs_out, u64 n)
{
	u32 w[KHO_MEMMAP_LAYOUT_WORDS];
	unsigned int order = 0;
	struct page *p;
	void *fdt;
	int err;

	while ((PAGE_SIZE << order) < 1024 + n * 16)
		order++;
	p = kho_alloc_pages(order);
	if (!p)
		return -ENOMEM;
	fdt = page_address(p);
	kho_memmap_layout(w);
	err = fdt_create(fdt, (int)(PAGE_SIZE << order));
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_property_string(fdt, "compatible", KHO_MEMMAP_COMPATIBLE);
	err = err ?: fdt_property(fdt, "struct-page", w, sizeof(w));
	err = err ?: fdt_property(fdt, "vmemmap-start", &(u64){ VMEMMAP_START }, 8);
	err = err ?: fdt_property(fdt, "sections", pairs_out, (int)(n * 16));
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	if (err) {
		pr_err("memmap handover: building the record failed: %s\n", fdt_strerror(err));
		free_pages(p, order);
		return -ENOSPC;
	}
	return kho_add_subtree(KHO_MEMMAP_SUBTREE, fdt);
}

/* kho_memmap_send - see kho_memmap.h. */
int kho_memmap_send(void)
{
	struct mark_ctx c = { .nr = pfn_to_section_nr(max_pfn - 1) + 1 };
	unsigned int order = 0;
	struct page *mp, *pp;
	u64 n = 0, *out;
	int err;

	while ((PAGE_SIZE << order) < c.nr * 16 && order < MAX_PAGE_ORDER)
		order++;
	if ((PAGE_SIZE << order) < c.nr * 16) {		/* 2^18 sections: 32 TiB */
		pr_err("memmap handover: %llu sections are more than one record holds; not handed over\n",
		       (unsigned long long)c.nr);
		return -E2BIG;
	}
	mp = alloc_pages(order, NUMA_NO_NODE);
	pp = mp ? alloc_pages(order, NUMA_NO_NODE) : NULL;
	if (!pp) {
		if (mp)
			free_pages(mp, order);
		return -ENOMEM;
	}
	c.mark = page_address(mp);
	out = page_address(pp);
	memset(c.mark, 0, c.nr);
	err = kho_for_each_preserved(mark_section, &c);
	for (u64 s = 0; s < c.nr && !err; s++) {
		phys_addr_t pa = c.mark[s] ? section_backing(s) : 0;

		if (!pa)
			continue;
		err = kho_preserve_phys(pa, PMD_SIZE);
		out[2 * n] = s;
		out[2 * n + 1] = pa;
		n += !err;
	}
	err = err ?: build_record(out, n);
	free_pages(mp, order);
	free_pages(pp, order);
	kho_memmap_stats.sent_sections = n;
	if (!err)
		pr_info("memmap handover: the memmap of %llu sections (%llu MiB) goes with the handoff\n",
			(unsigned long long)n, (unsigned long long)(n * 2));
	return err;
}

/* kho_memmap_poison_rest - see kho_memmap.h. */
void kho_memmap_poison_rest(void)
{
	u64 n;
	const struct kho_block *b = kho_received_blocks(&n);

	for (u64 i = 0, s, pa; i < kho_memmap_section(i, &s, &pa); i++) {
		u64 pfn, end, k = 0;

		pfn = section_nr_to_pfn(s);
		end = pfn + PAGES_PER_SECTION;
		while (k < n && PHYS_PFN(b[k].phys + b[k].size) <= pfn)
			k++;
		for (; pfn < end; k++) {		/* poison what lies between the blocks */
			u64 stop = k < n && PHYS_PFN(b[k].phys) < end ? PHYS_PFN(b[k].phys) : end;

			if (stop > pfn)
				memmap_fill(pfn_to_page(pfn), (stop - pfn) * sizeof(struct page),
					    MEMMAP_POISON_BYTE);
			pfn = k < n && PHYS_PFN(b[k].phys) < end ? PHYS_PFN(b[k].phys + b[k].size) : end;
		}
	}
}

/* page_ok - one handed-over struct page of @pfn, the head of its block if @head. */
static bool page_ok(u64 pfn, int nid, bool head)
{
	const struct page *p = pfn_to_page(pfn);
	u64 links = (PAGE_NID_MASK << PAGE_NID_SHIFT) | (PAGE_ZONE_MASK << PAGE_ZONE_SHIFT);
	u64 allowed = links | (head ? 1ULL << PG_head : 0);

	/* poison fails on init_count and on flags: no need to scan all eight words */
	return p->init_count && p->init_count != MEMMAP_POISON32 &&
	       page_to_nid(p) == nid && page_zonenum(p) == zone_for_pfn(pfn) &&
	       !(p->flags & ~allowed) && p->_mapcount == -1;
}

/* kho_memmap_check_block - see kho_memmap.h. */
int kho_memmap_check_block(phys_addr_t phys, unsigned int order, bool head_only)
{
	u64 pfn = PHYS_PFN(phys), end = head_only ? pfn + 1 : pfn + (1ULL << order);
	int nid = early_pfn_to_nid(pfn);

	for (u64 q = pfn; q < end; q++) {
		if (!page_ok(q, nid, q == pfn)) {
			const struct page *p = pfn_to_page(q);

			pr_warn("memmap handover: the struct page of 0x%llx (block 0x%llx, order %u) is not one this kernel can use (flags 0x%llx, init count %u); initialising the block instead\n",
				(unsigned long long)PFN_PHYS(q), (unsigned long long)phys, order,
				(unsigned long long)p->flags, p->init_count);
			__atomic_fetch_add(&kho_memmap_stats.fallbacks, 1, __ATOMIC_RELAXED);
			return -EINVAL;
		}
	}
	return 0;
}
