/*
 * kholab/kho_abi.h - Linux's kho-v1 Kexec HandOver layouts, as data.
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
