/*
 * mm/memblock_query.c - reading memblock: sizes and membership queries,
 * memblock=debug's dump of both arrays, and the iterators, above all the
 * lockstep walk of "memory minus reserved" that every free-range loop and
 * the allocator (mm/memblock.c) are built on.
 */
#define pr_fmt(fmt) "memblock: " fmt

#include <mm/memblock.h>
#include "memblock_internal.h"
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <stdio.h>
#include <string.h>

#define ULL(x)		((unsigned long long)(x))

/* ---- public: queries --------------------------------------------------- */

/* memblock_phys_mem_size - see memblock.h. */
phys_addr_t memblock_phys_mem_size(void)
{
	return memblock.memory.total_size;
}

/* memblock_reserved_size - see memblock.h. */
phys_addr_t memblock_reserved_size(void)
{
	return memblock.reserved.total_size;
}

/* memblock_reserved_kern_size - see memblock.h. */
phys_addr_t memblock_reserved_kern_size(phys_addr_t limit, int nid)
{
	struct memblock_region *r;
	phys_addr_t total = 0;

	for_each_reserved_mem_region(r) {
		phys_addr_t end = region_end(r);

		if (r->base >= limit)
			break;
		if (!(r->flags & MEMBLOCK_RSRV_KERN))
			continue;
		if (nid != NUMA_NO_NODE && r->nid != nid)
			continue;
		total += (end < limit ? end : limit) - r->base;
	}
	return total;
}

/* memblock_start_of_DRAM - see memblock.h. */
phys_addr_t memblock_start_of_DRAM(void)
{
	return memblock.memory.cnt ? memblock.memory.regions[0].base : 0;
}

/* memblock_end_of_DRAM - see memblock.h. */
phys_addr_t memblock_end_of_DRAM(void)
{
	u64 n = memblock.memory.cnt;

	return n ? region_end(&memblock.memory.regions[n - 1]) : 0;
}

/* search - index of the region of @t holding @addr, or -1. */
static s64 search(const struct memblock_type *t, phys_addr_t addr)
{
	u64 lo = 0, hi = t->cnt;

	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;
		const struct memblock_region *r = &t->regions[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr >= region_end(r))
			lo = mid + 1;
		else
			return (s64)mid;
	}
	return -1;
}

/*
 * early_pfn_to_nid - see memblock.h.  The region holding the pfn, or the
 * last region below it, is found with search()'s bisection: lo ends as
 * the number of regions that start at or below the pfn's address.
 */
int early_pfn_to_nid(u64 pfn)
{
	const struct memblock_type *t = &memblock.memory;
	phys_addr_t addr = PFN_PHYS(pfn);
	u64 lo = 0, hi = t->cnt;
	int nid;

	if (!t->cnt)
		return 0;
	while (lo < hi) {
		u64 mid = lo + (hi - lo) / 2;

		if (addr < t->regions[mid].base)
			hi = mid;
		else
			lo = mid + 1;
	}
	nid = t->regions[lo ? lo - 1 : 0].nid;	/* below all memory: the first region */
	return nid < 0 ? 0 : nid;
}

/* memblock_is_memory - see memblock.h. */
bool memblock_is_memory(phys_addr_t addr)
{
	return search(&memblock.memory, addr) >= 0;
}

/* memblock_is_reserved - see memblock.h. */
bool memblock_is_reserved(phys_addr_t addr)
{
	return search(&memblock.reserved, addr) >= 0;
}

/* memblock_is_region_memory - see memblock.h. */
bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = cap_size(base, &size);
	s64 i = search(&memblock.memory, base);

	return size && i >= 0 && end <= region_end(&memblock.memory.regions[i]);
}

/* memblock_is_region_reserved - see memblock.h. */
bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = cap_size(base, &size);
	struct memblock_region *r;

	for_each_reserved_mem_region(r) {
		if (r->base >= end)
			break;
		if (region_end(r) > base)
			return size != 0;
	}
	return false;
}

/* flag_names - "NONE" or the set flags joined with '|'. */
static const char *flag_names(u32 flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"HOTPLUG", "MIRROR", "NOMAP", "DRIVER_MANAGED",
		"RSRV_NOINIT", "RSRV_KERN", "KHO_SCRATCH",
	};
	size_t used = 0;

	buf[0] = '\0';
	if (!flags)
		return "NONE";
	for (unsigned int b = 0; b < 32 && used < len; b++) {
		if (!(flags & (1u << b)))
			continue;
		if (b < ARRAY_SIZE(names))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "|" : "", names[b]);
		else
			used += snprintf(buf + used, len - used, "%s%#x",
					 used ? "|" : "", 1u << b);
	}
	return buf;
}

static void dump_type(const struct memblock_type *t)
{
	char fl[96];

	pr_info(" %s.cnt = %llu, total %#llx bytes\n", t->name, ULL(t->cnt),
		ULL(t->total_size));
	for (u64 i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];

		pr_info(" %s[%llu] [0x%016llx-0x%016llx] %#llx bytes on node %d "
			"flags: %s\n", t->name, ULL(i), ULL(r->base),
			ULL(region_end(r) - 1), ULL(r->size), r->nid,
			flag_names(r->flags, fl, sizeof(fl)));
	}
}

/* __memblock_dump_all - see memblock.h. */
void __memblock_dump_all(void)
{
	pr_info("dump: %s, current_limit %#llx%s\n",
		memblock.bottom_up ? "bottom-up" : "top-down",
		ULL(memblock.current_limit),
		memblock_is_kho_scratch_only() ? ", KHO scratch only" : "");
	dump_type(&memblock.memory);
	dump_type(&memblock.reserved);
}

/* memblock_dump_all - see memblock.h. */
void memblock_dump_all(void)
{
	if (memblock_debug)
		__memblock_dump_all();
}

/* ---- iterators --------------------------------------------------------- */

/*
 * skip_region - does a walk with @nid and @flags pass over @m?  @free is
 * true when reserved memory is subtracted: NOMAP memory is never free.
 */
static bool skip_region(const struct memblock_region *m, int nid, u32 flags,
			bool free)
{
	if (nid != NUMA_NO_NODE && m->nid != nid)
		return true;
	if ((m->flags & MEMBLOCK_NOMAP) && (free || !(flags & MEMBLOCK_NOMAP)))
		return true;
	if ((m->flags & MEMBLOCK_DRIVER_MANAGED) &&
	    !(flags & MEMBLOCK_DRIVER_MANAGED))
		return true;
	if ((flags & MEMBLOCK_MIRROR) && !(m->flags & MEMBLOCK_MIRROR))
		return true;
	if ((flags & MEMBLOCK_KHO_SCRATCH) && !(m->flags & MEMBLOCK_KHO_SCRATCH))
		return true;
	return false;
}

/*
 * Gap @g of @b is the space before b->regions[g]: it starts where region
 * g-1 ends (0 for g = 0) and ends where region g starts (PHYS_ADDR_MAX for
 * g = b->cnt).  With no @b (nothing subtracted) there is one gap, all of
 * memory, so a walk without @b is a walk over that one gap.  A cursor packs
 * the memory index (low 32 bits) and the gap index (high 32 bits).
 */
static u64 gap_count(const struct memblock_type *b)
{
	return b ? b->cnt + 1 : 1;
}

static phys_addr_t gap_start(const struct memblock_type *b, u64 g)
{
	return g ? region_end(&b->regions[g - 1]) : 0;
}

static phys_addr_t gap_end(const struct memblock_type *b, u64 g)
{
	return b && g < b->cnt ? b->regions[g].base : PHYS_ADDR_MAX;
}

static void emit(phys_addr_t s, phys_addr_t e, int nid, phys_addr_t *out_start,
		 phys_addr_t *out_end, int *out_nid)
{
	if (out_start)
		*out_start = s;
	if (out_end)
		*out_end = e;
	if (out_nid)
		*out_nid = nid;
}

#define CURSOR(ia, ib)	((u64)(ia) | ((u64)(ib) << 32))

/* __next_mem_range - see memblock.h. */
void __next_mem_range(u64 *idx, int nid, u32 flags,
		      struct memblock_type *a, struct memblock_type *b,
		      phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid)
{
	u64 ia = *idx & 0xffffffffu, ib = *idx >> 32;

	for (; ia < a->cnt; ia++) {
		const struct memblock_region *m = &a->regions[ia];
		phys_addr_t ms = m->base, me = region_end(m);

		if (skip_region(m, nid, flags, b != NULL))
			continue;
		for (; ib < gap_count(b); ib++) {
			phys_addr_t gs = gap_start(b, ib), ge = gap_end(b, ib);

			if (gs >= me)
				break;		/* gap is past this region */
			if (ge <= ms)
				continue;	/* gap is before it */
			emit(ms > gs ? ms : gs, me < ge ? me : ge, m->nid,
			     out_start, out_end, out_nid);
			/* whichever of region and gap ends first is done */
			*idx = me <= ge ? CURSOR(ia + 1, ib) : CURSOR(ia, ib + 1);
			return;
		}
	}
	*idx = MEMBLOCK_ITER_DONE;
}

/*
 * __next_mem_range_rev - see memblock.h.  Here the cursor holds counts of
 * what is left: the next region is ia - 1 and the next gap ib - 1.
 */
void __next_mem_range_rev(u64 *idx, int nid, u32 flags,
			  struct memblock_type *a, struct memblock_type *b,
			  phys_addr_t *out_start, phys_addr_t *out_end,
			  int *out_nid)
{
	u64 ia, ib;

	if (*idx == MEMBLOCK_ITER_REV_START) {
		ia = a->cnt;
		ib = gap_count(b);
	} else {
		ia = *idx & 0xffffffffu;
		ib = *idx >> 32;
	}

	for (; ia > 0; ia--) {
		const struct memblock_region *m = &a->regions[ia - 1];
		phys_addr_t ms = m->base, me = region_end(m);

		if (skip_region(m, nid, flags, b != NULL))
			continue;
		for (; ib > 0; ib--) {
			phys_addr_t gs = gap_start(b, ib - 1);
			phys_addr_t ge = gap_end(b, ib - 1);

			if (ge <= ms)
				break;		/* gap is below this region */
			if (gs >= me)
				continue;	/* gap is above it */
			emit(ms > gs ? ms : gs, me < ge ? me : ge, m->nid,
			     out_start, out_end, out_nid);
			/* whichever of region and gap starts last is done */
			*idx = ms >= gs ? CURSOR(ia - 1, ib) : CURSOR(ia, ib - 1);
			return;
		}
	}
	*idx = MEMBLOCK_ITER_DONE;
}

/* __next_mem_pfn_range - see memblock.h. */
void __next_mem_pfn_range(int *idx, int nid, u64 *out_start_pfn,
			  u64 *out_end_pfn, int *out_nid)
{
	struct memblock_type *t = &memblock.memory;

	for ((*idx)++; *idx >= 0 && (u64)*idx < t->cnt; (*idx)++) {
		const struct memblock_region *r = &t->regions[*idx];

		if (nid != NUMA_NO_NODE && r->nid != nid)
			continue;
		if (PFN_UP(r->base) >= PFN_DOWN(region_end(r)))
			continue;
		if (out_start_pfn)
			*out_start_pfn = PFN_UP(r->base);
		if (out_end_pfn)
			*out_end_pfn = PFN_DOWN(region_end(r));
		if (out_nid)
			*out_nid = r->nid;
		return;
	}
	*idx = -1;
}

