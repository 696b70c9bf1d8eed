/*
 * kholab/kho_abi.h - Linux's Kexec HandOver layouts, as data: kho-v1
 * (Linux 6.16-6.18) and kho-v4 (Linux 7.2 and 7.3).
 *
 * DOC: kho-v1
 *
 * These are the structures a kernel hands to the next one, so they must
 * match Linux's byte for byte (Linux 6.18 layout: one-page bitmaps; 6.16
 * and 6.17.0-6.17.8 used 512-byte bitmaps under the same compatible
 * string, and are not interoperable).  All fields are little-endian, in
 * x86-64 natural alignment; every size and offset is pinned below.
 *
 * Root FDT (one page): compatible = "kho-v1"; property
 * "preserved-memory-map" = u64 physical address of the first
 * khoser_mem_chunk (0 = nothing preserved), in native byte order; one
 * child node per subsystem with a u64 "fdt" property (physical address of
 * that subsystem's own FDT, whose pages are preserved too).
 *
 * Preserved memory: per order, sparse bitmaps.  Bit b of a bitmap whose
 * block starts at phys_start preserves the 2^order pages at
 * phys_start + b * (PAGE_SIZE << order).  A chunk holds bitmaps of one
 * order; chunks are linked through hdr.next and ordered by ascending order.
 */
#ifndef KHOLAB_KHO_ABI_H
#define KHOLAB_KHO_ABI_H

#include <kholab/types.h>

#define KHO_FDT_COMPATIBLE	"kho-v1"
#define KHO_V4_COMPATIBLE	"kho-v4"
#define KHO_PROP_PRESERVED	"preserved-memory-map"
#define KHO_PROP_SUBTREE_FDT	"fdt"
#define KHO_FDT_SIZE		4096

#define KHO_PAGE_MAGIC		0x4b484f50U	/* "KHOP" in page->private */
#define KHO_MAX_ORDER		10		/* MAX_PAGE_ORDER */

#define KHO_BITMAP_BYTES	4096				/* one page (6.18+) */
#define PRESERVE_BITS		(KHO_BITMAP_BYTES * 8)		/* 32768 */

struct khoser_mem_bitmap_ptr {
	u64 phys_start;		/* first byte covered by the bitmap */
	u64 bitmap;		/* physical address of the bitmap page */
};

struct khoser_mem_chunk_hdr {
	u64 next;		/* physical address of the next chunk, 0 = end */
	u32 order;		/* of every bitmap in this chunk */
	u32 num_elms;		/* used entries of bitmaps[] */
};

#define KHOSER_BITMAP_SIZE	((4096 - sizeof(struct khoser_mem_chunk_hdr)) / \
				 sizeof(struct khoser_mem_bitmap_ptr))

struct khoser_mem_chunk {
	struct khoser_mem_chunk_hdr hdr;
	struct khoser_mem_bitmap_ptr bitmaps[KHOSER_BITMAP_SIZE];
};

/* One scratch area; the handoff carries an array of nr_nodes + 2. */
struct kho_scratch {
	u64 addr;
	u64 size;
};

/* The head page's marker in the receiving kernel (6.18+): page->private. */
union kho_page_info {
	u64 page_private;
	struct {
		u32 order;
		u32 magic;
	};
};

/*
 * DOC: kho-v4
 *
 * Root FDT (one page): compatible = "kho-v4"; "preserved-memory-map" = u64
 * physical address of the radix tree's root table, never 0; one child node
 * per subsystem with u64 "preserved-data" (the blob's physical address)
 * and u64 "blob-size" (its length in bytes; the blob need not be an FDT).
 * The blob's pages are preserved by its owner.
 *
 * Preserved memory: one key per block,
 *     key = (1 << (52 - order)) | (phys >> (PAGE_SHIFT + order)),
 * so the highest set bit gives the order and the bits below it the
 * address.  Keys live in a radix tree of fixed depth: five levels of
 * tables (one page of 512 u64 physical addresses of children, 0 = none),
 * each indexing 9 bits of the key (level l >= 1 uses bits
 * 15 + 9 (l - 1) .. 23 + 9 (l - 1)), and a leaf level of one-page bitmaps
 * indexed by the low 15 bits.  Real keys are below 2^53, so the root uses
 * only entries 0..3.  Tree pages are neither preserved nor in scratch.
 *
 * Orders: a key carries any order from 0 to 52 (key 1 is the order bit
 * alone).  Linux's kho_preserve_pages() cuts a range into blocks of order
 * min(ctz(pfn), log2(pages left)), smaller only where a block would cross
 * a NUMA node, with no MAX_PAGE_ORDER cap: a 1 GiB aligned range is one
 * block of order 18, and with 52-bit physical addresses the largest
 * possible is order 40.
 */
#define KHO_V4_PROP_DATA	"preserved-data"
#define KHO_V4_PROP_SIZE	"blob-size"
#define KHO_V4_ORDER0_BIT	52			/* 64 - PAGE_SHIFT */
#define KHO_V4_KEY_BITS		53			/* keys are < 2^53 */
#define KHO_V4_KEY_MAX_ORDER	52			/* key 1: the order bit alone */
#define KHO_V4_TABLE_ENTRIES	512
#define KHO_V4_TABLE_SHIFT	9
#define KHO_V4_LEAF_SHIFT	15			/* 32768 bits per leaf */
#define KHO_V4_LEAF_BITS	(1U << KHO_V4_LEAF_SHIFT)
#define KHO_V4_LEVELS		5			/* table levels 5..1; leaves are level 0 */

/* kho_v4_level_shift - the lowest key bit that table level @l (1..5) indexes. */
#define kho_v4_level_shift(l)	(KHO_V4_LEAF_SHIFT + KHO_V4_TABLE_SHIFT * ((l) - 1))

/*
 * struct kho_vmalloc - Linux's descriptor of a preserved array of pages
 * (16 bytes, embedded in its owner's data).  The pieces' addresses are in a
 * chain of one-page struct kho_vmalloc_chunk, each piece 2^order pages,
 * every chunk page and every piece preserved as their own blocks.
 */
struct kho_vmalloc {
	u64 first;		/* physical address of the first chunk page */
	u32 total_pages;	/* 4 KiB pages in the area */
	u16 flags;		/* KHO_VMALLOC_* */
	u16 order;		/* every piece is 2^order pages */
};

#define KHO_VMALLOC_ALLOC	0x0001	/* a vmalloc area (VM_ALLOC) */
#define KHO_VMALLOC_HUGE	0x0002	/* huge mappings allowed */
#define KHO_VMALLOC_CHUNK_SLOTS	511

struct kho_vmalloc_chunk {
	u64 next;		/* physical address of the next chunk, 0 = last */
	u64 phys[KHO_VMALLOC_CHUNK_SLOTS];	/* pieces in area order; 0 ends the list */
};

/*
 * struct kho_kexec_metadata - the "kexec-metadata" subtree's blob (73
 * bytes, packed): who handed over, and how many kexecs the chain has had.
 */
struct kho_kexec_metadata {
	u32 version;			/* KHO_KEXEC_METADATA_VERSION */
	char previous_release[65];	/* NUL-terminated, zero padded */
	u32 kexec_count;		/* 1 after the first kexec from a cold boot */
} __attribute__((packed));

#define KHO_KEXEC_METADATA_NAME		"kexec-metadata"
#define KHO_KEXEC_METADATA_VERSION	1

_Static_assert(sizeof(struct kho_vmalloc) == 16, "kho_vmalloc");
_Static_assert(__builtin_offsetof(struct kho_vmalloc, total_pages) == 8, "kho_vmalloc.total_pages");
_Static_assert(__builtin_offsetof(struct kho_vmalloc, flags) == 12, "kho_vmalloc.flags");
_Static_assert(__builtin_offsetof(struct kho_vmalloc, order) == 14, "kho_vmalloc.order");
_Static_assert(sizeof(struct kho_vmalloc_chunk) == 4096, "a vmalloc chunk is one page");
_Static_assert(sizeof(struct kho_kexec_metadata) == 73, "kexec-metadata blob");
_Static_assert(__builtin_offsetof(struct kho_kexec_metadata, kexec_count) == 69, "kexec_count");
_Static_assert(KHO_V4_LEVELS == (KHO_V4_ORDER0_BIT - KHO_V4_LEAF_SHIFT + 1 + KHO_V4_TABLE_SHIFT - 1) /
	       KHO_V4_TABLE_SHIFT, "five table levels cover the key above the leaf bits");

_Static_assert(sizeof(struct khoser_mem_bitmap_ptr) == 16, "khoser_mem_bitmap_ptr");
_Static_assert(sizeof(struct khoser_mem_chunk_hdr) == 16, "khoser_mem_chunk_hdr");
_Static_assert(KHOSER_BITMAP_SIZE == 255, "255 bitmap pointers per chunk");
_Static_assert(sizeof(struct khoser_mem_chunk) == 4096, "a chunk is one page");
_Static_assert(__builtin_offsetof(struct khoser_mem_chunk_hdr, order) == 8, "hdr.order");
_Static_assert(__builtin_offsetof(struct khoser_mem_chunk_hdr, num_elms) == 12, "hdr.num_elms");
_Static_assert(__builtin_offsetof(struct khoser_mem_chunk, bitmaps) == 16, "bitmaps[]");
_Static_assert(sizeof(struct kho_scratch) == 16, "kho_scratch");
_Static_assert(sizeof(union kho_page_info) == 8, "kho_page_info");
_Static_assert(__builtin_offsetof(union kho_page_info, magic) == 4, "magic in the high half");

#endif /* KHOLAB_KHO_ABI_H */
