/*
 * mm/memblock.c - the boot-time physical memory allocator: two sorted
 * region arrays (memory, reserved), the operations that edit them, and the
 * allocator built on the lockstep iterators of mm/memblock_query.c.  The
 * overview is the DOC: comment in include/mm/memblock.h.
 *
 * Every edit follows one of two shapes:
 *   add:     insert only the parts of the new range that no region covers
 *            yet, then merge touching neighbours that now match;
 *   isolate: split the regions that straddle the range's ends so that the
 *            range is exactly a run of whole regions [first, last), then
 *            delete that run or change its flags/node and merge again.
 * Both first make sure the array has the slots they will need, growing it
 * if allowed, so nothing is half done when a slot runs out.
 */
#define pr_fmt(fmt) "memblock: " fmt

#include <mm/memblock.h>
#include "memblock_internal.h"
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/exit.h>
#include <kernel/symbols.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

static struct memblock_region memory_init[INIT_MEMBLOCK_REGIONS];
static struct memblock_region reserved_init[INIT_MEMBLOCK_REGIONS];

struct memblock memblock = {
	.bottom_up = false,
	.current_limit = MEMBLOCK_ALLOC_ANYWHERE,
	.memory = {
		.max = INIT_MEMBLOCK_REGIONS,
		.regions = memory_init,
		.name = "memory",
	},
	.reserved = {
		.max = INIT_MEMBLOCK_REGIONS,
		.regions = reserved_init,
		.name = "reserved",
	},
};

bool memblock_debug;
static bool resize_allowed;
static bool scratch_only;

#define ULL(x)		((unsigned long long)(x))
#define CALLER		((u64)(uintptr_t)__builtin_return_address(0))

/* ---- small helpers ----------------------------------------------------- */

/* region_end and cap_size: mm/memblock_internal.h (shared with memblock_query.c) */

/* trace - the memblock=debug line: function, arguments, caller. */
static void __attribute__((format(printf, 3, 4)))
trace(u64 caller, const char *fn, const char *fmt, ...)
{
	char args[160], sym[96];
	va_list ap;

	if (!memblock_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	pr_info("%s: %s called from %s\n", fn, args,
		symbol_format(caller, sym, sizeof(sym)));
}

/* trace_range - trace() for the common (range, nid, flags) arguments. */
static void trace_range(u64 caller, const char *fn, phys_addr_t base,
			phys_addr_t size, int nid, u32 flags)
{
	trace(caller, fn, "[0x%016llx-0x%016llx] nid %d flags %#x", ULL(base),
	      ULL(base + size - 1), nid, flags);
}

/* ---- raw array edits (callers guarantee the slots) --------------------- */

static void insert_slot(struct memblock_type *t, u64 i, phys_addr_t base,
			phys_addr_t size, int nid, u32 flags)
{
	memmove(&t->regions[i + 1], &t->regions[i],
		(t->cnt - i) * sizeof(*t->regions));
	t->regions[i].base = base;
	t->regions[i].size = size;
	t->regions[i].flags = flags;
	t->regions[i].nid = nid;
	t->cnt++;
	t->total_size += size;
}

static void delete_slots(struct memblock_type *t, u64 first, u64 last)
{
	for (u64 i = first; i < last; i++)
		t->total_size -= t->regions[i].size;
	memmove(&t->regions[first], &t->regions[last],
		(t->cnt - last) * sizeof(*t->regions));
	t->cnt -= last - first;
}

/* split_at - cut region @i in two at @at, which lies strictly inside it. */
static void split_at(struct memblock_type *t, u64 i, phys_addr_t at)
{
	struct memblock_region *r;

	memmove(&t->regions[i + 1], &t->regions[i],
		(t->cnt - i) * sizeof(*t->regions));
	t->cnt++;
	r = &t->regions[i];
	r[1].base = at;
	r[1].size = region_end(r) - at;
	r->size = at - r->base;
}

/* merge_neighbours - join regions that touch and share node and flags. */
static void merge_neighbours(struct memblock_type *t)
{
	/* LAB memblock-merge: BEGIN */
	/* LAB memblock-merge: HINT the contract, and hints to unfold: docs/labs/memblock-merge.md */
	/* LAB memblock-merge: STUB (void)t; */
	/* LAB memblock-merge: STUB panic("lab memblock-merge: merge_neighbours() is not implemented"); */
	u64 i = 0;

	while (i + 1 < t->cnt) {
		struct memblock_region *r = &t->regions[i], *n = r + 1;

		if (region_end(r) == n->base && r->nid == n->nid &&
		    r->flags == n->flags) {
			r->size += n->size;
			memmove(n, n + 1, (t->cnt - i - 2) * sizeof(*n));
			t->cnt--;
		} else {
			i++;
		}
	}
	/* LAB memblock-merge: END */
}

/*
 * joins - would the gap [gs, ge) in front of region @i extend a neighbour
 * (region i-1 ending at @gs, or region i starting at @ge) that has the
 * same node and flags?  Then filling it needs no new slot.
 */
static bool joins(const struct memblock_type *t, u64 i, phys_addr_t gs,
		  phys_addr_t ge, int nid, u32 flags)
{
	const struct memblock_region *p = i ? &t->regions[i - 1] : NULL;
	const struct memblock_region *n = i < t->cnt ? &t->regions[i] : NULL;

	return (p && region_end(p) == gs && p->nid == nid && p->flags == flags) ||
	       (n && n->base == ge && n->nid == nid && n->flags == flags);
}

/*
 * fill_gap - cover [gs, ge), which lies in front of region @i, by growing
 * a matching neighbour or inserting a new region at @i.
 * Return: 1 if a region was inserted, else 0.
 */
static int fill_gap(struct memblock_type *t, u64 i, phys_addr_t gs,
		    phys_addr_t ge, int nid, u32 flags)
{
	struct memblock_region *p = i ? &t->regions[i - 1] : NULL;
	struct memblock_region *n = i < t->cnt ? &t->regions[i] : NULL;

	if (p && region_end(p) == gs && p->nid == nid && p->flags == flags) {
		p->size += ge - gs;
	} else if (n && n->base == ge && n->nid == nid && n->flags == flags) {
		n->base = gs;
		n->size += ge - gs;
	} else {
		insert_slot(t, i, gs, ge - gs, nid, flags);
		return 1;
	}
	t->total_size += ge - gs;
	return 0;
}

/* count_gaps - how many new slots adding [base, end) would take. */
static u64 count_gaps(const struct memblock_type *t, phys_addr_t base,
		      phys_addr_t end, int nid, u32 flags)
{
	phys_addr_t cur = base;
	u64 n = 0, i;

	for (i = 0; i < t->cnt && cur < end; i++) {
		const struct memblock_region *r = &t->regions[i];

		if (region_end(r) <= cur)
			continue;
		if (r->base >= end)
			break;
		if (r->base > cur && !joins(t, i, cur, r->base, nid, flags))
			n++;
		cur = region_end(r);
	}
	if (cur < end && !joins(t, i, cur, end, nid, flags))
		n++;
	return n;
}

/* count_splits - how many regions isolating [base, end) would split. */
static u64 count_splits(const struct memblock_type *t, phys_addr_t base,
			phys_addr_t end)
{
	u64 n = 0;

	for (u64 i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];

		n += r->base < base && base < region_end(r);
		n += r->base < end && end < region_end(r);
	}
	return n;
}

/* ---- finding free memory ----------------------------------------------- */

/* Flags every allocation passes to the free-range walk. */
static u32 alloc_flags(void)
{
	return scratch_only ? MEMBLOCK_KHO_SCRATCH : MEMBLOCK_NONE;
}

/* fit - place @size bytes at @align in [s, e) in the current direction. */
static phys_addr_t fit(phys_addr_t s, phys_addr_t e, phys_addr_t size,
		       phys_addr_t align)
{
	phys_addr_t at;

	if (e <= s || e - s < size)
		return 0;
	if (memblock.bottom_up) {
		at = ALIGN_UP(s, align);
		if (at < s || at > e || e - at < size)
			return 0;
	} else {
		at = ALIGN_DOWN(e - size, align);
		if (at < s)
			return 0;
	}
	return at;
}

/*
 * fit_avoiding - fit() in [s, e) minus [ab, ae): the piece nearer to where
 * the search starts is tried first.
 */
static phys_addr_t fit_avoiding(phys_addr_t s, phys_addr_t e, phys_addr_t size,
				phys_addr_t align, phys_addr_t ab, phys_addr_t ae)
{
	phys_addr_t low_end = e < ab ? e : ab;
	phys_addr_t high_start = s > ae ? s : ae;
	phys_addr_t at;

	if (ab >= ae)
		return fit(s, e, size, align);
	if (memblock.bottom_up) {
		at = fit(s, low_end, size, align);
		return at ? at : fit(high_start, e, size, align);
	}
	at = fit(high_start, e, size, align);
	return at ? at : fit(s, low_end, size, align);
}

/*
 * find_free - a free, aligned spot for @size bytes in [@start, @end) on
 * node @nid, outside [@ab, @ae).  Page 0 is never returned, so 0 means
 * nothing fits.  *@out_nid gets the node of the memory found.
 */
static phys_addr_t find_free(phys_addr_t size, phys_addr_t align,
			     phys_addr_t start, phys_addr_t end, int nid,
			     phys_addr_t ab, phys_addr_t ae, int *out_nid)
{
	__typeof__(__next_mem_range) *next;	/* or _rev: same signature */
	struct memblock_type *mem = &memblock.memory, *rsv = &memblock.reserved;
	u32 flags = alloc_flags();
	phys_addr_t s, e, at;
	int rnid;
	u64 i;

	if (end == MEMBLOCK_ALLOC_ACCESSIBLE)
		end = memblock.current_limit;
	if (start < PAGE_SIZE)
		start = PAGE_SIZE;
	if (end <= start)
		return 0;

	/* the free ranges, from the end the search starts at */
	next = memblock.bottom_up ? __next_mem_range : __next_mem_range_rev;
	i = memblock.bottom_up ? 0 : MEMBLOCK_ITER_REV_START;
	for (next(&i, nid, flags, mem, rsv, &s, &e, &rnid); i != MEMBLOCK_ITER_DONE;
	     next(&i, nid, flags, mem, rsv, &s, &e, &rnid)) {
		s = s > start ? s : start;
		e = e < end ? e : end;
		at = fit_avoiding(s, e, size, align, ab, ae);
		if (at) {
			*out_nid = rnid;
			return at;
		}
	}
	return 0;
}

/* ---- growing an array -------------------------------------------------- */

static int add_range(struct memblock_type *t, phys_addr_t base,
		     phys_addr_t size, int nid, u32 flags);
static int remove_range(struct memblock_type *t, phys_addr_t base,
			phys_addr_t size);

static phys_addr_t array_bytes(u64 slots)
{
	return ALIGN_UP(slots * sizeof(struct memblock_region), PAGE_SIZE);
}

static bool array_is_static(const struct memblock_type *t)
{
	return t->regions == memory_init || t->regions == reserved_init;
}

/*
 * grow - double @t's array.  The new array comes from memblock itself and
 * must not land in [@avoid, @avoid + @avoid_size), the range the caller is
 * about to add or isolate (it may not be reserved yet).  Reserving the new
 * array is itself an insertion into memblock.reserved: when @t is reserved
 * that happens after the switch, when there is room; when @t is memory it
 * happens first, so a failure there leaves @t untouched.
 */
static int grow(struct memblock_type *t, phys_addr_t avoid,
		phys_addr_t avoid_size)
{
	phys_addr_t old_bytes = array_bytes(t->max);
	phys_addr_t new_bytes = array_bytes(t->max * 2);
	struct memblock_region *old = t->regions;
	bool was_static = array_is_static(t);
	phys_addr_t avoid_end = cap_size(avoid, &avoid_size);
	phys_addr_t addr;
	int nid;

	if (!resize_allowed)
		panic("memblock: the %s array is full (%llu regions) before "
		      "memblock_allow_resize(); raise INIT_MEMBLOCK_REGIONS "
		      "(now %d) in include/mm/memblock.h", t->name,
		      ULL(t->cnt), INIT_MEMBLOCK_REGIONS);

	addr = find_free(new_bytes, PAGE_SIZE, 0, memblock.current_limit,
			 NUMA_NO_NODE, avoid, avoid_end, &nid);
	if (!addr) {
		pr_err("cannot double the %s array to %llu regions: no free "
		       "%#llx bytes below %#llx; the change being made fails "
		       "with -ENOMEM\n", t->name, ULL(t->max * 2),
		       ULL(new_bytes), ULL(memblock.current_limit));
		return -ENOMEM;
	}
	if (t != &memblock.reserved &&
	    add_range(&memblock.reserved, addr, new_bytes, NUMA_NO_NODE,
		      MEMBLOCK_RSRV_KERN))
		return -ENOMEM;

	memcpy(__va(addr), old, t->cnt * sizeof(*old));
	t->regions = __va(addr);
	t->max *= 2;
	if (!was_static)
		remove_range(&memblock.reserved, __pa(old), old_bytes);
	if (t == &memblock.reserved)
		add_range(t, addr, new_bytes, NUMA_NO_NODE, MEMBLOCK_RSRV_KERN);

	if (memblock_debug)
		pr_info("%s array doubled to %llu regions at [0x%016llx-0x%016llx]\n",
			t->name, ULL(t->max), ULL(addr),
			ULL(addr + new_bytes - 1));
	return 0;
}

/* ---- the two edit shapes ----------------------------------------------- */

/* add_range - insert the uncovered parts of [base, base+size) into @t. */
static int add_range(struct memblock_type *t, phys_addr_t base,
		     phys_addr_t size, int nid, u32 flags)
{
	/* LAB memblock-merge: BEGIN */
	/* LAB memblock-merge: HINT the contract, and hints to unfold: docs/labs/memblock-merge.md */
	/* LAB memblock-merge: STUB (void)t; (void)base; (void)size; (void)nid; (void)flags; */
	/* LAB memblock-merge: STUB (void)count_gaps; (void)fill_gap; */
	/* LAB memblock-merge: STUB return -ENOSYS; */
	phys_addr_t end = cap_size(base, &size);
	phys_addr_t cur = base;
	u64 i;
	int err;

	if (!size)
		return 0;
	while (t->cnt + count_gaps(t, base, end, nid, flags) > t->max) {
		err = grow(t, base, size);
		if (err)
			return err;
	}

	for (i = 0; i < t->cnt && cur < end; i++) {
		struct memblock_region *r = &t->regions[i];

		if (region_end(r) <= cur)
			continue;
		if (r->base >= end)
			break;
		if (r->base > cur)
			i += fill_gap(t, i, cur, r->base, nid, flags);
		cur = region_end(&t->regions[i]);
	}
	if (cur < end)
		fill_gap(t, i, cur, end, nid, flags);
	merge_neighbours(t);
	return 0;
	/* LAB memblock-merge: END */
}

/*
 * isolate - split @t so that [base, base+size) is exactly the regions
 * [*first, *last) (an empty run when nothing of @t is in the range).
 */
static int isolate(struct memblock_type *t, phys_addr_t base, phys_addr_t size,
		   u64 *first, u64 *last)
{
	phys_addr_t end = cap_size(base, &size);
	bool found = false;
	int err;

	*first = *last = 0;
	if (!size)
		return 0;
	while (t->cnt + count_splits(t, base, end) > t->max) {
		err = grow(t, base, size);
		if (err)
			return err;
	}

	for (u64 i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];

		if (region_end(r) <= base)
			continue;
		if (r->base >= end)
			break;
		if (r->base < base) {
			split_at(t, i, base);	/* the upper half is next */
			continue;
		}
		if (region_end(r) > end)
			split_at(t, i, end);
		if (!found) {
			*first = i;
			found = true;
		}
		*last = i + 1;
	}
	return 0;
}

static int remove_range(struct memblock_type *t, phys_addr_t base,
			phys_addr_t size)
{
	u64 first, last;
	int err = isolate(t, base, size, &first, &last);

	if (!err)
		delete_slots(t, first, last);
	return err;
}

/* change_flag - set or clear @flag on the regions of @t inside the range. */
static int change_flag(struct memblock_type *t, phys_addr_t base,
		       phys_addr_t size, u32 flag, bool set)
{
	u64 first, last;
	int err = isolate(t, base, size, &first, &last);

	if (err)
		return err;
	for (u64 i = first; i < last; i++) {
		if (set)
			t->regions[i].flags |= flag;
		else
			t->regions[i].flags &= ~flag;
	}
	merge_neighbours(t);
	return 0;
}

/* ---- public: building -------------------------------------------------- */

/* memblock_add_node - see memblock.h. */
int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid, u32 flags)
{
	trace_range(CALLER, __func__, base, size, nid, flags);
	return add_range(&memblock.memory, base, size, nid, flags);
}

/* memblock_add - see memblock.h. */
int memblock_add(phys_addr_t base, phys_addr_t size)
{
	trace_range(CALLER, __func__, base, size, NUMA_NO_NODE, 0);
	return add_range(&memblock.memory, base, size, NUMA_NO_NODE,
			 MEMBLOCK_NONE);
}

/* memblock_remove - see memblock.h. */
int memblock_remove(phys_addr_t base, phys_addr_t size)
{
	trace_range(CALLER, __func__, base, size, NUMA_NO_NODE, 0);
	return remove_range(&memblock.memory, base, size);
}

/* memblock_reserve - see memblock.h. */
int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	trace_range(CALLER, __func__, base, size, NUMA_NO_NODE, 0);
	return add_range(&memblock.reserved, base, size, NUMA_NO_NODE,
			 MEMBLOCK_NONE);
}

/* memblock_reserve_kern - see memblock.h. */
int memblock_reserve_kern(phys_addr_t base, phys_addr_t size)
{
	trace_range(CALLER, __func__, base, size, NUMA_NO_NODE,
		    MEMBLOCK_RSRV_KERN);
	return add_range(&memblock.reserved, base, size, NUMA_NO_NODE,
			 MEMBLOCK_RSRV_KERN);
}

/* memblock_phys_free - see memblock.h. */
int memblock_phys_free(phys_addr_t base, phys_addr_t size)
{
	trace_range(CALLER, __func__, base, size, NUMA_NO_NODE, 0);
	return remove_range(&memblock.reserved, base, size);
}

/* memblock_free - see memblock.h. */
void memblock_free(void *ptr, size_t size)
{
	if (!ptr)
		return;
	trace_range(CALLER, __func__, __pa(ptr), size, NUMA_NO_NODE, 0);
	remove_range(&memblock.reserved, __pa(ptr), size);
}

/* One traced flag setter per public name. */
#define DEFINE_FLAG_OP(name, type, flag, set)				\
int name(phys_addr_t base, phys_addr_t size)				\
{									\
	trace_range(CALLER, #name, base, size, NUMA_NO_NODE, flag);	\
	return change_flag(&memblock.type, base, size, flag, set);	\
}

/* memblock_mark_hotplug and friends - see memblock.h. */
DEFINE_FLAG_OP(memblock_mark_hotplug, memory, MEMBLOCK_HOTPLUG, true)
DEFINE_FLAG_OP(memblock_clear_hotplug, memory, MEMBLOCK_HOTPLUG, false)
DEFINE_FLAG_OP(memblock_mark_mirror, memory, MEMBLOCK_MIRROR, true)
DEFINE_FLAG_OP(memblock_mark_nomap, memory, MEMBLOCK_NOMAP, true)
DEFINE_FLAG_OP(memblock_clear_nomap, memory, MEMBLOCK_NOMAP, false)
DEFINE_FLAG_OP(memblock_mark_kho_scratch, memory, MEMBLOCK_KHO_SCRATCH, true)
DEFINE_FLAG_OP(memblock_clear_kho_scratch, memory, MEMBLOCK_KHO_SCRATCH, false)
DEFINE_FLAG_OP(memblock_reserved_mark_noinit, reserved, MEMBLOCK_RSRV_NOINIT, true)

/* memblock_set_node - see memblock.h. */
int memblock_set_node(phys_addr_t base, phys_addr_t size,
		      struct memblock_type *type, int nid)
{
	u64 first, last;
	int err;

	trace(CALLER, __func__, "%s [0x%016llx-0x%016llx] nid %d", type->name,
	      ULL(base), ULL(base + size - 1), nid);
	err = isolate(type, base, size, &first, &last);
	if (err)
		return err;
	for (u64 i = first; i < last; i++)
		type->regions[i].nid = nid;
	merge_neighbours(type);
	return 0;
}

/* memblock_allow_resize - see memblock.h. */
void memblock_allow_resize(void)
{
	trace(CALLER, __func__, "arrays may grow from now on");
	resize_allowed = true;
}

/* ---- public: policy ---------------------------------------------------- */

/* memblock_set_current_limit - see memblock.h. */
void memblock_set_current_limit(phys_addr_t limit)
{
	trace(CALLER, __func__, "%#llx", ULL(limit));
	memblock.current_limit = limit;
}

/* memblock_get_current_limit - see memblock.h. */
phys_addr_t memblock_get_current_limit(void)
{
	return memblock.current_limit;
}

/* memblock_set_bottom_up - see memblock.h. */
void memblock_set_bottom_up(bool enable)
{
	trace(CALLER, __func__, "%s", enable ? "bottom-up" : "top-down");
	memblock.bottom_up = enable;
}

/* memblock_bottom_up - see memblock.h. */
bool memblock_bottom_up(void)
{
	return memblock.bottom_up;
}

/* memblock_set_kho_scratch_only - see memblock.h. */
void memblock_set_kho_scratch_only(void)
{
	trace(CALLER, __func__, "on");
	scratch_only = true;
}

/* memblock_is_kho_scratch_only - see memblock.h. */
bool memblock_is_kho_scratch_only(void)
{
	return scratch_only;
}

/* memblock_clear_kho_scratch_only - see memblock.h. */
void memblock_clear_kho_scratch_only(void)
{
	trace(CALLER, __func__, "off");
	scratch_only = false;
}

/* ---- public: allocation ------------------------------------------------ */

/* check_request - normalise @align; false (with a pr_err) if unusable. */
static bool check_request(const char *fn, u64 caller, phys_addr_t size,
			  phys_addr_t *align)
{
	char sym[96];

	if (!*align)
		*align = SMP_CACHE_BYTES;
	if (size && !(*align & (*align - 1)))
		return true;
	pr_err("%s: refusing size %#llx align %#llx (size must be > 0, align a "
	       "power of two); %s gets no memory\n", fn, ULL(size), ULL(*align),
	       symbol_format(caller, sym, sizeof(sym)));
	return false;
}

/*
 * try_alloc - find and reserve; the requested node first, then (unless
 * @exact) any node.  No logging on failure; 0 then.
 */
static phys_addr_t try_alloc(phys_addr_t size, phys_addr_t align,
			     phys_addr_t start, phys_addr_t end, int nid,
			     bool exact)
{
	phys_addr_t at;
	int got_nid = NUMA_NO_NODE;

	at = find_free(size, align, start, end, nid, 0, 0, &got_nid);
	if (!at && nid != NUMA_NO_NODE && !exact)
		at = find_free(size, align, start, end, NUMA_NO_NODE, 0, 0,
			       &got_nid);
	if (!at)
		return 0;
	if (add_range(&memblock.reserved, at, size, got_nid, MEMBLOCK_RSRV_KERN))
		return 0;
	return at;
}

/* alloc_failed - the one pr_err of a failed allocation. */
static void alloc_failed(const char *fn, u64 caller, phys_addr_t size,
			 phys_addr_t align, phys_addr_t start, phys_addr_t end,
			 int nid, bool exact)
{
	char sym[96];

	if (end == MEMBLOCK_ALLOC_ACCESSIBLE)
		end = memblock.current_limit;
	pr_err("%s: no free %#llx bytes aligned to %#llx in [%#llx-%#llx) on "
	       "node %d%s%s; %s gets no memory\n", fn, ULL(size), ULL(align),
	       ULL(start), ULL(end), nid, exact ? " (exact)" : "",
	       scratch_only ? " (KHO scratch only)" : "",
	       symbol_format(caller, sym, sizeof(sym)));
}

/* phys_alloc - the common path of the memblock_phys_alloc* family. */
static phys_addr_t phys_alloc(const char *fn, u64 caller, phys_addr_t size,
			      phys_addr_t align, phys_addr_t start,
			      phys_addr_t end, int nid)
{
	phys_addr_t at;

	trace(caller, fn, "size %#llx align %#llx [%#llx-%#llx) nid %d",
	      ULL(size), ULL(align), ULL(start), ULL(end), nid);
	if (!check_request(fn, caller, size, &align))
		return 0;
	at = try_alloc(size, align, start, end, nid, false);
	if (!at)
		alloc_failed(fn, caller, size, align, start, end, nid, false);
	return at;
}

/* memblock_phys_alloc_range - see memblock.h. */
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end)
{
	return phys_alloc(__func__, CALLER, size, align, start, end,
			  NUMA_NO_NODE);
}

/* memblock_phys_alloc_try_nid - see memblock.h. */
phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align,
					int nid)
{
	return phys_alloc(__func__, CALLER, size, align, 0,
			  MEMBLOCK_ALLOC_ACCESSIBLE, nid);
}

/* memblock_phys_alloc - see memblock.h. */
phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align)
{
	return phys_alloc(__func__, CALLER, size, align, 0,
			  MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
}

/*
 * virt_alloc - the common path of the memblock_alloc* family: clamp to
 * current_limit, retry without @min_addr, zero unless @raw.
 */
static void *virt_alloc(const char *fn, u64 caller, phys_addr_t size,
			phys_addr_t align, phys_addr_t min_addr,
			phys_addr_t max_addr, int nid, bool exact, bool raw)
{
	phys_addr_t at;

	trace(caller, fn, "size %#llx align %#llx [%#llx-%#llx) nid %d",
	      ULL(size), ULL(align), ULL(min_addr), ULL(max_addr), nid);
	if (!check_request(fn, caller, size, &align))
		return NULL;
	if (max_addr == MEMBLOCK_ALLOC_ACCESSIBLE ||
	    max_addr > memblock.current_limit)
		max_addr = memblock.current_limit;

	at = try_alloc(size, align, min_addr, max_addr, nid, exact);
	if (!at && min_addr)
		at = try_alloc(size, align, 0, max_addr, nid, exact);
	if (!at) {
		alloc_failed(fn, caller, size, align, min_addr, max_addr, nid,
			     exact);
		return NULL;
	}
	if (!raw)
		memset(__va(at), 0, size);
	return __va(at);
}

/* memblock_alloc_try_nid - see memblock.h. */
void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align,
			     phys_addr_t min_addr, phys_addr_t max_addr, int nid)
{
	return virt_alloc(__func__, CALLER, size, align, min_addr, max_addr,
			  nid, false, false);
}

/* memblock_alloc_try_nid_raw - see memblock.h. */
void *memblock_alloc_try_nid_raw(phys_addr_t size, phys_addr_t align,
				 phys_addr_t min_addr, phys_addr_t max_addr,
				 int nid)
{
	return virt_alloc(__func__, CALLER, size, align, min_addr, max_addr,
			  nid, false, true);
}

/* memblock_alloc_exact_nid_raw - see memblock.h. */
void *memblock_alloc_exact_nid_raw(phys_addr_t size, phys_addr_t align,
				   phys_addr_t min_addr, phys_addr_t max_addr,
				   int nid)
{
	return virt_alloc(__func__, CALLER, size, align, min_addr, max_addr,
			  nid, true, true);
}

/* memblock_alloc - see memblock.h. */
void *memblock_alloc(phys_addr_t size, phys_addr_t align)
{
	return virt_alloc(__func__, CALLER, size, align, 0,
			  MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, false, false);
}

/* memblock_alloc_raw - see memblock.h. */
void *memblock_alloc_raw(phys_addr_t size, phys_addr_t align)
{
	return virt_alloc(__func__, CALLER, size, align, 0,
			  MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, false, true);
}

/* memblock_alloc_node - see memblock.h. */
void *memblock_alloc_node(phys_addr_t size, phys_addr_t align, int nid)
{
	return virt_alloc(__func__, CALLER, size, align, 0,
			  MEMBLOCK_ALLOC_ACCESSIBLE, nid, false, false);
}

#ifdef KHOLAB_HOST_TEST
/* memblock_reset_for_test - see memblock.h. */
void memblock_reset_for_test(void)
{
	memset(memory_init, 0, sizeof(memory_init));
	memset(reserved_init, 0, sizeof(reserved_init));
	memblock.bottom_up = false;
	memblock.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
	memblock.memory.cnt = memblock.reserved.cnt = 0;
	memblock.memory.max = memblock.reserved.max = INIT_MEMBLOCK_REGIONS;
	memblock.memory.total_size = memblock.reserved.total_size = 0;
	memblock.memory.regions = memory_init;
	memblock.reserved.regions = reserved_init;
	memblock_debug = false;
	resize_allowed = false;
	scratch_only = false;
}
#endif
