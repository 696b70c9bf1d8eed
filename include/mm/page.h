/*
 * mm/page.h - struct page, the sparse memmap and pfn helpers.
 *
 * DOC: the memmap
 *
 * Every 4 KiB page frame of RAM has one 64-byte struct page (1/64 of RAM).
 * Physical memory is cut into 128 MiB sections (SECTION_SIZE_BITS 27,
 * 32768 pages); a section whose range holds any RAM is "present" and gets
 * memmap backing, exactly 2 MiB = one PMD, allocated on the section's node
 * (the first node with RAM in it; section_memmap_nid()).  Node boundaries
 * need not be section aligned, so a section may hold pages of several
 * nodes: each page's own node comes from memblock (early_pfn_to_nid()),
 * never from its section.  All memmaps sit in one virtually contiguous
 * array at VMEMMAP_START, so pfn_to_page(pfn) is vmemmap + pfn and holes
 * (sections without RAM) cost no memory, only unmapped virtual space.
 *
 * The node and zone of a page are kept in the top bits of page->flags, as
 * Linux does, so they need no extra bytes.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <kholab/types.h>
#include <kernel/list.h>
#include <kernel/layout.h>

#define MAX_PAGE_ORDER		10
#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define SECTION_SIZE_BITS	27
#define PFN_SECTION_SHIFT	(SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	(1UL << PFN_SECTION_SHIFT)
#define MAX_PHYSMEM_BITS	46	/* 64 TiB */
#define NR_MEM_SECTIONS		(1UL << (MAX_PHYSMEM_BITS - SECTION_SIZE_BITS))
#define MAX_PFN			(1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT))

#define VMEMMAP_START		0xffffea0000000000ULL

/**
 * struct page - what the kernel knows about one page frame (64 bytes).
 * @flags:	   PG_* bits, plus the zone (bits 56..58) and node (48..55)
 * @lru:	   link in a buddy free list while PageBuddy
 * @private:	   buddy order while PageBuddy; KHO's {order, magic} marker
 * @_refcount:	   references; 0 on the first page of a free block (the other
 *		   pages of a free block are not touched when it is freed)
 * @_mapcount:	   unused by kholab beyond initialisation (-1)
 * @init_count:	   how many times memmap init wrote this page (memmap_poison)
 * @compound_head: for tail pages of a compound page: head address | 1
 */
struct page {
	u64 flags;
	struct list_head lru;
	u64 private;
	s32 _refcount;
	s32 _mapcount;
	u32 init_count;
	u32 _pad0;
	u64 compound_head;
	u64 _pad1;
};

_Static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes like Linux's");

/* page->flags bits */
enum pageflags {
	PG_reserved = 0,	/* never handed to buddy: firmware, kernel, holes */
	PG_buddy = 1,		/* free, on a buddy list, order in private */
	PG_head = 2,		/* first page of a compound (order > 0) allocation */
	PG_nosave_noinit = 3,	/* under a RSRV_NOINIT reservation */
};

#define PAGE_NID_SHIFT		48
#define PAGE_ZONE_SHIFT		56
#define PAGE_NID_MASK		0xffULL
#define PAGE_ZONE_MASK		0x7ULL

#define MEMMAP_POISON_BYTE	0x5a
#define MEMMAP_POISON64		0x5a5a5a5a5a5a5a5aULL
#define MEMMAP_POISON32		0x5a5a5a5aU

#ifdef KHOLAB_HOST_TEST
extern struct page *vmemmap;	/* host tests: a lazily backed mmap */
#else
#define vmemmap ((struct page *)VMEMMAP_START)
#endif

/* pfn_to_page / page_to_pfn - the vmemmap identity. */
static inline struct page *pfn_to_page(u64 pfn) { return vmemmap + pfn; }
static inline u64 page_to_pfn(const struct page *p) { return (u64)(p - vmemmap); }

static inline bool test_page_flag(const struct page *p, int bit) { return p->flags & (1ULL << bit); }
static inline void set_page_flag(struct page *p, int bit) { p->flags |= 1ULL << bit; }
static inline void clear_page_flag(struct page *p, int bit) { p->flags &= ~(1ULL << bit); }

#define PageReserved(p)		test_page_flag(p, PG_reserved)
#define PageBuddy(p)		test_page_flag(p, PG_buddy)
#define PageHead(p)		test_page_flag(p, PG_head)

static inline int page_to_nid(const struct page *p)
{
	return (int)((p->flags >> PAGE_NID_SHIFT) & PAGE_NID_MASK);
}

static inline int page_zonenum(const struct page *p)
{
	return (int)((p->flags >> PAGE_ZONE_SHIFT) & PAGE_ZONE_MASK);
}

static inline void set_page_links(struct page *p, int zone, int nid)
{
	p->flags &= ~((PAGE_NID_MASK << PAGE_NID_SHIFT) | (PAGE_ZONE_MASK << PAGE_ZONE_SHIFT));
	p->flags |= ((u64)nid & PAGE_NID_MASK) << PAGE_NID_SHIFT |
		    ((u64)zone & PAGE_ZONE_MASK) << PAGE_ZONE_SHIFT;
}

static inline void *page_address(const struct page *p)
{
	return __va(PFN_PHYS(page_to_pfn(p)));
}

static inline struct page *virt_to_page(const void *va)
{
	return pfn_to_page(PHYS_PFN(__pa(va)));
}

/* ---- sections ---- */

#define SECTION_PRESENT		(1u << 0)	/* holds RAM */
#define SECTION_HAS_MEMMAP	(1u << 1)	/* vmemmap backing is mapped */
#define SECTION_ADOPTED		(1u << 2)	/* ... one the previous kernel handed over */
#define SECTION_EARLY		(1u << 2)	/* memmap initialised before SMP */

struct mem_section {
	u8 flags;
	u8 nid;
};

extern struct mem_section *mem_section;	/* NR_MEM_SECTIONS entries, memblock-allocated */
extern u64 max_pfn;			/* one past the highest RAM pfn */

static inline u64 pfn_to_section_nr(u64 pfn) { return pfn >> PFN_SECTION_SHIFT; }
static inline u64 section_nr_to_pfn(u64 sec) { return sec << PFN_SECTION_SHIFT; }

/* pfn_valid_section - pfn_valid() without the max_pfn bound (for section walks). */
static inline bool pfn_valid_section(u64 pfn)
{
	return mem_section && pfn < ALIGN_UP(max_pfn, PAGES_PER_SECTION) &&
	       (mem_section[pfn_to_section_nr(pfn)].flags & SECTION_HAS_MEMMAP);
}

/* pfn_valid - true if @pfn has a struct page (its section has a memmap). */
static inline bool pfn_valid(u64 pfn)
{
	return pfn_valid_section(pfn);
}

/*
 * section_memmap_nid - the node @pfn's section's memmap was allocated on:
 * the first node sparse_init() found RAM of in the section.  Only where
 * the struct pages live, not the page's own node: a section may hold RAM
 * of several nodes, and a page's node (its links, zone, and which
 * first_deferred_pfn applies to it) is early_pfn_to_nid() (mm/memblock.h)
 * or, once its struct page is initialised, page_to_nid().
 */
static inline int section_memmap_nid(u64 pfn)
{
	return mem_section[pfn_to_section_nr(pfn)].nid;
}

#endif /* MM_PAGE_H */
