/*
 * kho/kho_corrupt.h - KHO fault injection (kho.corrupt=KIND): the kinds
 * and the switches, for init/params.c and the verdict in
 * init/generation.c.
 *
 * DOC: kho.corrupt kinds
 *
 * Each kind damages the finished handoff in one way, in the sending
 * kernel (kho/test/corrupt.c, through the on_send hook of
 * include/kho/kho_hooks.h), and the receiving kernel must refuse it;
 * docs/robustness.md lists them.  kho_corrupt_names[] are the kho.corrupt=
 * words, in the order of enum kho_corrupt_kind.
 */
#ifndef KHO_KHO_CORRUPT_H
#define KHO_KHO_CORRUPT_H

#include <kholab/types.h>

enum kho_corrupt_kind {
	KHO_CORRUPT_NONE,
	KHO_CORRUPT_FDT_MAGIC,		/* root FDT magic */
	KHO_CORRUPT_FDT_TRUNCATED,	/* totalsize smaller than the tree */
	KHO_CORRUPT_FDT_TOTALSIZE,	/* totalsize larger than fdt_size */
	KHO_CORRUPT_COMPATIBLE,		/* "kho-v9" */
	KHO_CORRUPT_MAP_MISSING,	/* no preserved-memory-map */
	KHO_CORRUPT_MAP_LENGTH,		/* a 4-byte preserved-memory-map */
	KHO_CORRUPT_MAP_ZERO,		/* 0, while subtrees are present */
	KHO_CORRUPT_MAP_OUTSIDE_RAM,
	KHO_CORRUPT_MAP_UNALIGNED,
	KHO_CORRUPT_CHUNK_CYCLE,	/* the last chunk points at the first */
	KHO_CORRUPT_CHUNK_NUM_ELMS,	/* 256 */
	KHO_CORRUPT_CHUNK_ORDER,	/* 11 */
	KHO_CORRUPT_BITMAP_OUTSIDE_RAM,
	KHO_CORRUPT_BLOCK_IN_SCRATCH,
	KHO_CORRUPT_BLOCK_ON_KERNEL,	/* the next kernel's image */
	KHO_CORRUPT_BLOCK_ON_HANDOFF,	/* the page of the handoff record */
	KHO_CORRUPT_BLOCK_OVERLAP,	/* the same blocks listed twice */
	KHO_CORRUPT_SCRATCH_OUTSIDE_RAM,
	KHO_CORRUPT_SCRATCH_OVERLAP,
	KHO_CORRUPT_SCRATCH_ZERO,
	KHO_CORRUPT_FDT_SIZE,		/* kho_data.fdt_size 8192 */
	/* kho-v4 only */
	KHO_CORRUPT_TREE_OUTSIDE_RAM,	/* a root entry points past RAM */
	KHO_CORRUPT_TREE_UNALIGNED,	/* a root entry 8 bytes into its page */
	KHO_CORRUPT_TREE_IN_SCRATCH,	/* a root entry points into global scratch */
	KHO_CORRUPT_TREE_REPEATED,	/* a level-1 table lists one leaf twice */
	KHO_CORRUPT_KEY_ZERO,		/* bit 0 of the leaf of key prefix 0 */
	KHO_CORRUPT_KEY_LARGE,		/* root entry 4: keys of 2^53 and up */
	KHO_CORRUPT_ORDER_LARGE,	/* a block of order 16 */
	KHO_CORRUPT_BLOB_SIZE_MISSING,	/* kexec-metadata without blob-size */
	KHO_CORRUPT_BLOB_SIZE_LARGE,	/* kexec-metadata blob-size 1 GiB */
	KHO_CORRUPT_DATA_UNPRESERVED,	/* kexec-metadata preserved-data on the next kernel */
	KHO_CORRUPT_METADATA_TRUNCATED,	/* kexec-metadata blob-size 40 */
	KHO_CORRUPT_METADATA_VERSION,	/* kexec-metadata version 2 */
	KHO_CORRUPT_BITFLIP,		/* kho.corrupt_bits random flips (kho.corrupt_seed) */
	KHO_CORRUPT_MEMMAP,		/* kho.memmap=handover: a bad flag in a handed-over struct page */
	KHO_CORRUPT_NR
};

struct kho_corrupt_config {
	int kind;		/* enum kho_corrupt_kind */
	u64 seed;
	u64 bits;
};

extern struct kho_corrupt_config kho_corrupt_cfg;
extern const char *const kho_corrupt_names[];

#endif /* KHO_KHO_CORRUPT_H */
