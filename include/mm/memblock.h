/*
 * mm/memblock.h - the boot-time physical memory allocator.
 *
 * DOC: memblock
 *
 * Before any page allocator exists the kernel describes physical memory
 * with two sorted arrays of ranges, as Linux does:
 *
 *   memblock.memory    every RAM range the kernel may ever own
 *   memblock.reserved  parts of that RAM already in use (kernel image,
 *                      boot info, early allocations, page 0)
 *
 * "Free" memory is memory minus reserved.  Both arrays stay sorted by base,
 * never overlap, and neighbours that touch and share node and flags are
 * merged into one region.  The arrays start in .bss with
 * INIT_MEMBLOCK_REGIONS slots; once memblock_allow_resize() has been called
 * a full array doubles into memory memblock allocates for itself.  Running
 * out of slots before that is a panic that names INIT_MEMBLOCK_REGIONS.
 *
 * Allocations search the free ranges top-down (default) or bottom-up,
 * below memblock.current_limit, never hand out page 0, prefer the requested
 * node and then fall back to any node (unless the call is an _exact_nid
 * one), skip MEMBLOCK_NOMAP memory and, in KHO scratch-only mode, every
 * region not flagged MEMBLOCK_KHO_SCRATCH.  What they return is reserved
 * with MEMBLOCK_RSRV_KERN on the node of the memory it came from.
 *
 * With memblock_debug set (memblock=debug) every call that changes the
 * arrays or allocates logs its arguments and its caller.
 *
 * All of this is boot-time code for one CPU: there is no locking.
 */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H

#include <kholab/types.h>

#define INIT_MEMBLOCK_REGIONS	128	/* static slots per array */
#define SMP_CACHE_BYTES		64	/* alignment used when 0 is asked */

#define NUMA_NO_NODE		(-1)
#define MAX_NUMNODES		64

/* Special upper bounds for allocations. */
#define MEMBLOCK_ALLOC_ACCESSIBLE	0		/* = current_limit */
#define MEMBLOCK_ALLOC_ANYWHERE		(~(phys_addr_t)0)
#define PHYS_ADDR_MAX			(~(phys_addr_t)0)

/* Region flags; the values are Linux's. */
enum memblock_flags {
	MEMBLOCK_NONE		= 0x0,	/* nothing special */
	MEMBLOCK_HOTPLUG	= 0x1,	/* may be hot-removed later */
	MEMBLOCK_MIRROR		= 0x2,	/* mirrored (reliable) memory */
	MEMBLOCK_NOMAP		= 0x4,	/* not in the direct map, never free */
	MEMBLOCK_DRIVER_MANAGED	= 0x8,	/* added by a driver, not system RAM */
	MEMBLOCK_RSRV_NOINIT	= 0x10,	/* reserved; owner inits struct pages */
	MEMBLOCK_RSRV_KERN	= 0x20,	/* reserved by the kernel itself */
	MEMBLOCK_KHO_SCRATCH	= 0x40,	/* usable early in a KHO boot */
};

/**
 * struct memblock_region - one physical range.
 * @base:  first byte
 * @size:  length in bytes (never 0 inside an array)
 * @flags: MEMBLOCK_* bits
 * @nid:   NUMA node, or NUMA_NO_NODE
 */
struct memblock_region {
	phys_addr_t base;
	phys_addr_t size;
	u32 flags;
	int nid;
};

/**
 * struct memblock_type - one sorted array of regions.
 * @cnt:        regions in use
 * @max:        slots in @regions
 * @total_size: sum of every region's size
 * @regions:    the array (static at first, allocated after a resize)
 * @name:       "memory" or "reserved", for messages
 */
struct memblock_type {
	u64 cnt;
	u64 max;
	phys_addr_t total_size;
	struct memblock_region *regions;
	const char *name;
};

/**
 * struct memblock - the allocator's whole state.
 * @bottom_up:     allocate from low addresses up (default: top-down)
 * @current_limit: highest address (exclusive) an ACCESSIBLE allocation uses
 * @memory:        RAM
 * @reserved:      RAM in use
 */
struct memblock {
	bool bottom_up;
	phys_addr_t current_limit;
	struct memblock_type memory;
	struct memblock_type reserved;
};

extern struct memblock memblock;

/* memblock=debug: trace every call with its caller. */
extern bool memblock_debug;

/* ---- building the arrays ---------------------------------------------- */

/**
 * memblock_add_node - add [@base, @base+@size) to memory on node @nid.
 * Parts already in memory keep what they had.
 * Return: 0, or -ENOMEM if the array could not grow.
 */
int memblock_add_node(phys_addr_t base, phys_addr_t size, int nid, u32 flags);

/**
 * memblock_add - add a range to memory on no particular node.
 * Return: 0, or -ENOMEM if the array could not grow.
 */
int memblock_add(phys_addr_t base, phys_addr_t size);

/**
 * memblock_remove - take a range out of memory (reserved is untouched).
 * Return: 0, or -ENOMEM if a split needed a slot that could not be had.
 */
int memblock_remove(phys_addr_t base, phys_addr_t size);

/**
 * memblock_reserve - mark a range in use (no node, no flags).
 * Return: 0, or -ENOMEM if the array could not grow.
 */
int memblock_reserve(phys_addr_t base, phys_addr_t size);

/**
 * memblock_reserve_kern - reserve a range for the kernel (MEMBLOCK_RSRV_KERN).
 * Return: 0, or -ENOMEM if the array could not grow.
 */
int memblock_reserve_kern(phys_addr_t base, phys_addr_t size);

/**
 * memblock_phys_free - give a reserved range back (removes it from
 * reserved only).
 * Return: 0, or -ENOMEM if a split needed a slot that could not be had.
 */
int memblock_phys_free(phys_addr_t base, phys_addr_t size);

/**
 * memblock_free - memblock_phys_free() for a direct-map pointer; NULL is
 * ignored.
 * Return: nothing.
 */
void memblock_free(void *ptr, size_t size);

/**
 * memblock_mark_hotplug, memblock_clear_hotplug, memblock_mark_mirror,
 * memblock_mark_nomap, memblock_clear_nomap, memblock_mark_kho_scratch,
 * memblock_clear_kho_scratch - set or clear one flag on the memory regions
 * inside a range (regions are split at the range's ends).
 * Return: 0, or -ENOMEM if a split needed a slot that could not be had.
 */
int memblock_mark_hotplug(phys_addr_t base, phys_addr_t size);
int memblock_clear_hotplug(phys_addr_t base, phys_addr_t size);
int memblock_mark_mirror(phys_addr_t base, phys_addr_t size);
int memblock_mark_nomap(phys_addr_t base, phys_addr_t size);
int memblock_clear_nomap(phys_addr_t base, phys_addr_t size);
int memblock_mark_kho_scratch(phys_addr_t base, phys_addr_t size);
int memblock_clear_kho_scratch(phys_addr_t base, phys_addr_t size);

/**
 * memblock_reserved_mark_noinit - flag the reserved regions inside a range
 * MEMBLOCK_RSRV_NOINIT (their struct pages are left to their owner).
 * Return: 0, or -ENOMEM if a split needed a slot that could not be had.
 */
int memblock_reserved_mark_noinit(phys_addr_t base, phys_addr_t size);

/**
 * memblock_set_node - put the regions of @type inside a range on node @nid.
 * Return: 0, or -ENOMEM if a split needed a slot that could not be had.
 */
int memblock_set_node(phys_addr_t base, phys_addr_t size,
		      struct memblock_type *type, int nid);

/**
 * memblock_allow_resize - from now on full arrays double instead of
 * panicking; call once allocating from memblock is safe.
 * Return: nothing.
 */
void memblock_allow_resize(void);

/* ---- policy ------------------------------------------------------------ */

/**
 * memblock_set_current_limit - highest address (exclusive) that
 * MEMBLOCK_ALLOC_ACCESSIBLE allocations may use.
 * Return: nothing.
 */
void memblock_set_current_limit(phys_addr_t limit);

/**
 * memblock_get_current_limit - the limit set above.
 * Return: memblock.current_limit (MEMBLOCK_ALLOC_ANYWHERE by default).
 */
phys_addr_t memblock_get_current_limit(void);

/**
 * memblock_set_bottom_up - allocate from low addresses (true) or from high
 * addresses (false, the default).
 * Return: nothing.
 */
void memblock_set_bottom_up(bool enable);

/**
 * memblock_bottom_up - the direction set above.
 * Return: true when allocating bottom-up.
 */
bool memblock_bottom_up(void);

/**
 * memblock_set_kho_scratch_only - enter scratch-only mode: allocations use
 * only memory regions flagged MEMBLOCK_KHO_SCRATCH.
 * Return: nothing.
 */
void memblock_set_kho_scratch_only(void);

/**
 * memblock_clear_kho_scratch_only - leave scratch-only mode.
 * Return: nothing.
 */
/**
 * memblock_is_kho_scratch_only - true while allocations are restricted to
 * KHO scratch.
 * Return: the mode.
 */
bool memblock_is_kho_scratch_only(void);

void memblock_clear_kho_scratch_only(void);

/* ---- allocation -------------------------------------------------------- */

/*
 * Alignment must be a power of two; 0 means SMP_CACHE_BYTES.  Size 0 and
 * other alignments fail.  Every failure logs one pr_err with size, align,
 * range and node.
 */

/**
 * memblock_phys_alloc_range - allocate @size bytes at @align inside
 * [@start, @end) on any node; @end may be MEMBLOCK_ALLOC_ACCESSIBLE.
 * Return: the physical address, or 0 on failure.
 */
phys_addr_t memblock_phys_alloc_range(phys_addr_t size, phys_addr_t align,
				      phys_addr_t start, phys_addr_t end);

/**
 * memblock_phys_alloc_try_nid - allocate below current_limit, on @nid if
 * possible, else on any node.
 * Return: the physical address, or 0 on failure.
 */
phys_addr_t memblock_phys_alloc_try_nid(phys_addr_t size, phys_addr_t align,
					int nid);

/**
 * memblock_phys_alloc - allocate below current_limit on any node.
 * Return: the physical address, or 0 on failure.
 */
phys_addr_t memblock_phys_alloc(phys_addr_t size, phys_addr_t align);

/**
 * memblock_alloc_try_nid - allocate zeroed memory inside [@min_addr,
 * @max_addr) (clamped to current_limit), on @nid if possible, else on any
 * node; if @min_addr made it fail, it is dropped and the search retried.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc_try_nid(phys_addr_t size, phys_addr_t align,
			     phys_addr_t min_addr, phys_addr_t max_addr, int nid);

/**
 * memblock_alloc_try_nid_raw - memblock_alloc_try_nid() without zeroing.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc_try_nid_raw(phys_addr_t size, phys_addr_t align,
				 phys_addr_t min_addr, phys_addr_t max_addr,
				 int nid);

/**
 * memblock_alloc_exact_nid_raw - like memblock_alloc_try_nid_raw() but only
 * node @nid will do.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc_exact_nid_raw(phys_addr_t size, phys_addr_t align,
				   phys_addr_t min_addr, phys_addr_t max_addr,
				   int nid);

/**
 * memblock_alloc - zeroed memory below current_limit, any node.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc(phys_addr_t size, phys_addr_t align);

/**
 * memblock_alloc_raw - memblock_alloc() without zeroing.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc_raw(phys_addr_t size, phys_addr_t align);

/**
 * memblock_alloc_node - zeroed memory below current_limit, @nid preferred.
 * Return: the direct-map address, or NULL on failure.
 */
void *memblock_alloc_node(phys_addr_t size, phys_addr_t align, int nid);

/* ---- queries ----------------------------------------------------------- */

/**
 * memblock_phys_mem_size - total bytes of memory.
 * Return: memblock.memory.total_size.
 */
phys_addr_t memblock_phys_mem_size(void);

/**
 * memblock_reserved_size - total bytes reserved.
 * Return: memblock.reserved.total_size.
 */
phys_addr_t memblock_reserved_size(void);

/**
 * memblock_reserved_kern_size - bytes reserved with MEMBLOCK_RSRV_KERN
 * below @limit on node @nid (NUMA_NO_NODE: every node).  A reservation
 * that straddles @limit counts up to @limit.
 * Return: the byte count.
 */
phys_addr_t memblock_reserved_kern_size(phys_addr_t limit, int nid);

/**
 * memblock_start_of_DRAM - lowest memory address.
 * Return: the base of the first memory region, 0 if there is none.
 */
phys_addr_t memblock_start_of_DRAM(void);

/**
 * memblock_end_of_DRAM - end (exclusive) of the highest memory region.
 * Return: that address, 0 if there is no memory.
 */
phys_addr_t memblock_end_of_DRAM(void);

/**
 * early_pfn_to_nid - the NUMA node of page frame @pfn: the node memblock
 * gives the memory region holding the pfn's first byte.  This is the
 * node of the page itself (its struct page's links, its zone, the
 * first_deferred_pfn that decides when it is initialised), which in a
 * section shared by several nodes need not be the node the section's
 * memmap was allocated on (section_memmap_nid() in mm/page.h).
 *
 * A pfn in no memory region (a hole) gets the node of the nearest region
 * below it, or of the first region when it lies below all memory, so
 * that every pfn of a hole between two regions has one node; a region
 * that no node was set on yet (NUMA_NO_NODE, before numa_init()) and an
 * empty memblock give node 0.  O(log n) in the memory regions.
 *
 * Return: a node id >= 0.
 */
int early_pfn_to_nid(u64 pfn);

/**
 * memblock_is_memory - is @addr inside a memory region?
 * Return: true if it is.
 */
bool memblock_is_memory(phys_addr_t addr);

/**
 * memblock_is_reserved - is @addr inside a reserved region?
 * Return: true if it is.
 */
bool memblock_is_reserved(phys_addr_t addr);

/**
 * memblock_is_region_memory - is all of [@base, @base+@size) inside one
 * memory region?
 * Return: true if it is (false for @size 0).
 */
bool memblock_is_region_memory(phys_addr_t base, phys_addr_t size);

/**
 * memblock_is_region_reserved - does [@base, @base+@size) overlap any
 * reserved region?
 * Return: true if it does.
 */
bool memblock_is_region_reserved(phys_addr_t base, phys_addr_t size);

/**
 * memblock_dump_all - print both arrays when memblock_debug is set.
 * Return: nothing.
 */
void memblock_dump_all(void);

/**
 * __memblock_dump_all - print both arrays (index, range, size, node, flags)
 * whatever memblock_debug says.
 * Return: nothing.
 */
void __memblock_dump_all(void);

/* ---- iterators --------------------------------------------------------- */

/* Iterator cursor values; a cursor is opaque otherwise. */
#define MEMBLOCK_ITER_DONE	(~(u64)0)
#define MEMBLOCK_ITER_REV_START	(~(u64)0 - 1)

/**
 * __next_mem_range - step to the next range of @a that is not in @b.
 * @idx:     cursor: 0 to start; MEMBLOCK_ITER_DONE once there is no more
 * @nid:     only regions of this node (NUMA_NO_NODE: any)
 * @flags:   MEMBLOCK_* the caller accepts: NOMAP regions are skipped unless
 *           it includes MEMBLOCK_NOMAP, DRIVER_MANAGED ones unless it includes
 *           MEMBLOCK_DRIVER_MANAGED; MEMBLOCK_MIRROR and MEMBLOCK_KHO_SCRATCH
 *           restrict the walk to regions carrying them
 * @a:       the type walked (normally &memblock.memory)
 * @b:       the type subtracted (normally &memblock.reserved), or NULL
 * @out_start, @out_end, @out_nid: the range [start, end) and its node;
 *           each may be NULL
 *
 * The two sorted arrays are walked in lockstep, so a whole walk is
 * O(a->cnt + b->cnt).  Ranges come out in increasing address order.
 * Return: nothing; *@idx says whether a range was produced.
 */
void __next_mem_range(u64 *idx, int nid, u32 flags,
		      struct memblock_type *a, struct memblock_type *b,
		      phys_addr_t *out_start, phys_addr_t *out_end, int *out_nid);

/**
 * __next_mem_range_rev - __next_mem_range() from the top down; start the
 * cursor at MEMBLOCK_ITER_REV_START.
 * Return: nothing; *@idx is MEMBLOCK_ITER_DONE when there is no more.
 */
void __next_mem_range_rev(u64 *idx, int nid, u32 flags,
			  struct memblock_type *a, struct memblock_type *b,
			  phys_addr_t *out_start, phys_addr_t *out_end,
			  int *out_nid);

/**
 * __next_mem_pfn_range - step to the next memory region of node @nid (any
 * node for NUMA_NO_NODE) that holds at least one whole page.
 * @idx: cursor, -1 to start; -1 again once there is no more
 * @out_start_pfn, @out_end_pfn: first whole page, end page (exclusive)
 * @out_nid: the region's node; each output may be NULL
 * Return: nothing.
 */
void __next_mem_pfn_range(int *idx, int nid, u64 *out_start_pfn,
			  u64 *out_end_pfn, int *out_nid);

#define __for_each_mem_range(i, a, b, nid, flags, p_start, p_end, p_nid)	\
	for ((i) = 0, __next_mem_range(&(i), nid, flags, a, b,			\
				       p_start, p_end, p_nid);			\
	     (i) != MEMBLOCK_ITER_DONE;						\
	     __next_mem_range(&(i), nid, flags, a, b, p_start, p_end, p_nid))

#define __for_each_mem_range_rev(i, a, b, nid, flags, p_start, p_end, p_nid) \
	for ((i) = MEMBLOCK_ITER_REV_START,					\
	     __next_mem_range_rev(&(i), nid, flags, a, b,			\
				  p_start, p_end, p_nid);			\
	     (i) != MEMBLOCK_ITER_DONE;						\
	     __next_mem_range_rev(&(i), nid, flags, a, b,			\
				  p_start, p_end, p_nid))

/* Every memory range (NOMAP excluded; hotplug and driver-managed included). */
#define for_each_mem_range(i, p_start, p_end)					\
	__for_each_mem_range(i, &memblock.memory, NULL, NUMA_NO_NODE,		\
			     MEMBLOCK_HOTPLUG | MEMBLOCK_DRIVER_MANAGED,	\
			     p_start, p_end, NULL)

/* Free ranges (memory minus reserved) of node @nid, low to high. */
#define for_each_free_mem_range(i, nid, flags, p_start, p_end, p_nid)		\
	__for_each_mem_range(i, &memblock.memory, &memblock.reserved,		\
			     nid, flags, p_start, p_end, p_nid)

/* Free ranges of node @nid, high to low. */
#define for_each_free_mem_range_reverse(i, nid, flags, p_start, p_end, p_nid)	\
	__for_each_mem_range_rev(i, &memblock.memory, &memblock.reserved,	\
				 nid, flags, p_start, p_end, p_nid)

/* Memory regions as page frame ranges; @i is an int. */
#define for_each_mem_pfn_range(i, nid, p_start, p_end, p_nid)			\
	for ((i) = -1, __next_mem_pfn_range(&(i), nid, p_start, p_end, p_nid);	\
	     (i) >= 0; __next_mem_pfn_range(&(i), nid, p_start, p_end, p_nid))

/* Every region of memblock.memory / memblock.reserved, as a pointer. */
#define for_each_mem_region(r)							\
	for ((r) = memblock.memory.regions;					\
	     (r) < memblock.memory.regions + memblock.memory.cnt; (r)++)

#define for_each_reserved_mem_region(r)						\
	for ((r) = memblock.reserved.regions;					\
	     (r) < memblock.reserved.regions + memblock.reserved.cnt; (r)++)

#ifdef KHOLAB_HOST_TEST
/**
 * memblock_reset_for_test - back to the boot state: empty static arrays,
 * top-down, no limit, no resize, not scratch-only, debug off.
 * Return: nothing.
 */
void memblock_reset_for_test(void);
#endif

#endif /* MM_MEMBLOCK_H */
