/*
 * mm/mm_init.c - nodes, zones and the memmap, then the hand-over to buddy.
 *
 * DOC: memmap initialisation
 *
 * After sparse_init() every present section has memmap backing, but the
 * struct pages hold junk (or poison).  free_area_init() sizes the zones;
 * memmap_init() writes every struct page once; memblock_free_all() marks
 * what memblock reserved as PageReserved and frees the rest into buddy.
 * From then on memory is allocated with alloc_pages().
 *
 * memmap_init_range() is the unit of work: a pfn range of one zone of one
 * node.  The eager strategy runs it over everything on the boot CPU; the
 * deferred strategy (mm/deferred.c) runs most of it later on all CPUs.
 */
#define pr_fmt(fmt) "mm_init: " fmt

#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/memblock.h>
#include <mm/sparse.h>
#include <mm/deferred.h>
#include <kernel/printk.h>
#include <string.h>

bool memmap_poison;

/* zone_names - printable zone names, indexed by enum zone_type. */
static const char *const zone_names[MAX_NR_ZONES] = { "DMA32", "Normal" };

/* zone_clip - intersect [*s, *e) with zone @zt's pfn bounds; false if empty. */
static bool zone_clip(int zt, u64 *s, u64 *e)
{
	u64 lo = zt == ZONE_DMA32 ? 0 : DMA32_END_PFN;
	u64 hi = zt == ZONE_DMA32 ? DMA32_END_PFN : ~0ULL;

	if (*s < lo)
		*s = lo;
	if (*e > hi)
		*e = hi;
	return *s < *e;
}

/* free_area_init - see mm_init.h. */
void free_area_init(void)
{
	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 node_start = ~0ULL, node_end = 0, s, e;
		int i, rnid;

		pgdat->node_present_pages = 0;
		for_each_mem_pfn_range(i, nid, &s, &e, &rnid) {
			if (s >= e)
				continue;
			node_start = s < node_start ? s : node_start;
			node_end = e > node_end ? e : node_end;
			pgdat->node_present_pages += e - s;
		}
		if (node_start > node_end)
			node_start = node_end = 0;
		pgdat->node_start_pfn = node_start;
		pgdat->node_spanned_pages = node_end - node_start;
		pgdat->first_deferred_pfn = ~0ULL;

		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &pgdat->node_zones[zt];
			u64 zs = node_start, ze = node_end;

			z->nid = nid;
			z->type = (enum zone_type)zt;
			z->name = zone_names[zt];
			zone_init_free_lists(z);
			z->zone_start_pfn = z->spanned_pages = z->present_pages = 0;
			if (!zone_clip(zt, &zs, &ze))
				continue;
			z->zone_start_pfn = zs;
			z->spanned_pages = ze - zs;
			for_each_mem_pfn_range(i, nid, &s, &e, &rnid)
				if (zone_clip(zt, &s, &e) && s < ze && e > zs)
					z->present_pages += (e < ze ? e : ze) - (s > zs ? s : zs);
			pr_info("node %d zone %-6s pfn [0x%llx-0x%llx) %llu pages present\n", nid,
				z->name, (unsigned long long)zs, (unsigned long long)ze,
				(unsigned long long)z->present_pages);
		}
	}
}

/* __init_single_page - see mm_init.h. */
void __init_single_page(struct page *page, u64 pfn, int zone, int nid)
{
	u32 prev = page->init_count;

	(void)pfn;
	memset(page, 0, sizeof(*page));
	/* with poison on, a first init sees the poison; anything else is a repeat */
	page->init_count = !memmap_poison || prev == MEMMAP_POISON32 ? 1 : prev + 1;
	set_page_links(page, zone, nid);
	page->_refcount = 1;
	page->_mapcount = -1;
	INIT_LIST_HEAD(&page->lru);
}

/*
 * memmap_init_range - see mm_init.h.
 *
 * The hot loop of boot: it writes each 64-byte struct page with eight
 * plain 8-byte stores (the same state __init_single_page() produces), with
 * the flags word computed once per range, so it runs close to the store
 * floor.  Only with memmap_poison does it read the old init_count first.
 */
u64 memmap_init_range(u64 start_pfn, u64 end_pfn, int zone, int nid)
{
	struct page proto;

	if (end_pfn <= start_pfn)
		return 0;
	memset(&proto, 0, sizeof(proto));
	set_page_links(&proto, zone, nid);
	proto._refcount = 1;
	proto._mapcount = -1;
	proto.init_count = 1;

	for (struct page *p = pfn_to_page(start_pfn), *end = pfn_to_page(end_pfn); p < end; p++) {
		u32 count = proto.init_count;

		if (memmap_poison)
			count = p->init_count == MEMMAP_POISON32 ? 1 : p->init_count + 1;
		p->flags = proto.flags;
		p->lru.next = &p->lru;
		p->lru.prev = &p->lru;
		p->private = 0;
		p->_refcount = 1;
		p->_mapcount = -1;
		p->init_count = count;
		p->_pad0 = 0;
		p->compound_head = 0;
		p->_pad1 = 0;
	}
	return end_pfn - start_pfn;
}

/*
 * init_unavailable_range - the holes inside present sections: initialise
 * the struct pages of [start_pfn, end_pfn), a range with no memory in it,
 * as reserved pages.  A hole has no node of its own; its pages get
 * early_pfn_to_nid()'s answer for holes (the node of the memory just
 * below), the same for every pfn of the range, so it is looked up once.
 * Return: struct pages initialised.
 */
static u64 init_unavailable_range(u64 start_pfn, u64 end_pfn)
{
	int nid = early_pfn_to_nid(start_pfn);
	u64 n = 0;

	for (u64 pfn = start_pfn; pfn < end_pfn; pfn++) {
		if (!pfn_valid(pfn))
			continue;
		__init_single_page(pfn_to_page(pfn), pfn, zone_for_pfn(pfn), nid);
		set_page_flag(pfn_to_page(pfn), PG_reserved);
		n++;
	}
	return n;
}

/* memmap_init - see mm_init.h. */
u64 memmap_init(void)
{
	u64 s, e, hole_start = 0, n = 0;
	int i, nid;

	for_each_mem_pfn_range(i, NUMA_NO_NODE, &s, &e, &nid) {
		if (s >= e)
			continue;
		n += init_unavailable_range(hole_start, s);
		for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
			u64 zs = s, ze = e;

			if (ze > NODE_DATA(nid)->first_deferred_pfn)
				ze = NODE_DATA(nid)->first_deferred_pfn;	/* the rest is late */
			if (zone_clip(zt, &zs, &ze))
				n += memmap_init_range(zs, ze, zt, nid);
		}
		hole_start = e;
	}
	/* the tail of the last present section */
	n += init_unavailable_range(hole_start, ALIGN_UP(hole_start, PAGES_PER_SECTION));
	return n;
}

/* mark_reserved - set PageReserved on the struct pages of pfns [s, e). */
static void mark_reserved(u64 s, u64 e)
{
	for (u64 pfn = s; pfn < e; pfn++)
		if (pfn_valid(pfn))
			set_page_flag(pfn_to_page(pfn), PG_reserved);
}

/*
 * reserve_pages - mark PageReserved the struct pages of [start, end) that
 * the early memmap init wrote: RAM below the first_deferred_pfn of the
 * page's own node (the node of its memblock range, which in a section
 * shared by nodes need not be the section's), and holes in present
 * sections.  RAM at or above that mark is left alone: the late pass
 * initialises it as reserved after SMP (mm/deferred.c), so the boot CPU
 * writes none of it.  Setting the flag twice is harmless, so regions that
 * share a boundary page need no bookkeeping.
 */
static void reserve_pages(phys_addr_t start, phys_addr_t end)
{
	u64 pos = PFN_DOWN(start), e = PFN_UP(end), ms, me;
	int i, nid;

	for_each_mem_pfn_range(i, NUMA_NO_NODE, &ms, &me, &nid) {
		u64 early_end;

		if (me <= pos || ms >= me)
			continue;
		if (ms >= e)
			break;
		mark_reserved(pos, ms > pos ? ms : pos);	/* a hole below this RAM */
		pos = ms > pos ? ms : pos;
		early_end = me < e ? me : e;
		if (early_end > NODE_DATA(nid)->first_deferred_pfn)
			early_end = NODE_DATA(nid)->first_deferred_pfn;
		mark_reserved(pos, early_end);
		pos = me < e ? me : e;
	}
	mark_reserved(pos, e);					/* a hole above all of it */
}

/* free_range - give [s, e) (pfns) to buddy, split at zone boundaries. */
static u64 free_range(u64 s, u64 e)
{
	u64 n = 0;

	for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
		u64 zs = s, ze = e;

		if (zone_clip(zt, &zs, &ze))
			n += __free_pages_bulk(zs, ze);
	}
	return n;
}

/* memblock_free_all - see mm_init.h. */
u64 memblock_free_all(void)
{
	struct memblock_region *r;
	phys_addr_t start, end;
	u64 i, freed = 0;
	int nid;

	for_each_reserved_mem_region(r) {
		if (r->flags & MEMBLOCK_RSRV_NOINIT)
			continue;	/* the owner initialises these struct pages */
		reserve_pages(r->base, r->base + r->size);
	}
	for_each_mem_region(r)
		if (r->flags & MEMBLOCK_NOMAP)
			reserve_pages(r->base, r->base + r->size);

	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, &nid) {
		u64 s = PFN_UP(start), e = PFN_DOWN(end);

		if (e > NODE_DATA(nid)->first_deferred_pfn)
			e = NODE_DATA(nid)->first_deferred_pfn;	/* deferred init frees the rest */
		if (s < e)
			freed += free_range(s, e);
	}
	return freed;
}
