/*
 * kho/kho_corrupt.h - KHO fault injection (kho.corrupt=KIND).
 */
#ifndef KHO_KHO_CORRUPT_H
#define KHO_KHO_CORRUPT_H

#include <kholab/bootinfo.h>
#include <kholab/kho_abi.h>

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
	KHO_CORRUPT_NR
};

struct kho_corrupt_config {
	int kind;		/* enum kho_corrupt_kind */
	u64 seed;
	u64 bits;
};

extern struct kho_corrupt_config kho_corrupt_cfg;
extern const char *const kho_corrupt_names[];

/* What the sending kernel knows about the handoff it is about to make. */
struct kho_corrupt_ctx {
	struct kho_data *kd;		/* the record (staging copy) */
	struct kho_scratch *scratch;	/* the scratch array (staging copy) */
	int nr_scratch;
	u64 next_kernel_phys;		/* where the next kernel will run */
	u64 handoff_phys;		/* where the next kernel will find the record */
	u64 phys_top;			/* end of RAM */
};

/* kho_corrupt_map_of - the root FDT's preserved-memory-map (0 if none). */
u64 kho_corrupt_map_of(const void *fdt);

/* kho_corrupt_set_map - rewrite preserved-memory-map in place; 0 or -EINVAL. */
int kho_corrupt_set_map(void *fdt, u64 v);

/* What struct kho_corrupt_format.apply returns for a kind it leaves to the common code. */
#define KHO_CORRUPT_OTHER	1

/**
 * struct kho_corrupt_format - what the fault injector knows of one wire
 * format's own structures (kho/test/corrupt_<name>.c).
 * @abi:        the struct kho_abi name of the format it damages, e.g. "v4"
 * @apply:      damage the handoff as @kind says, for the kinds only this
 *              format can suffer (and block-overlap); @map is the root's
 *              preserved-memory-map, @top an address past the end of RAM.
 *              Return: 0, a negative errno, or KHO_CORRUPT_OTHER for a
 *              kind it does not own
 * @inject:     make the encoded map of root FDT @fdt also claim the block
 *              of 2^@order pages at @phys.  Return: 0 or a negative errno
 * @head_bytes: kho.corrupt=bitflip: how many bytes at the start of the
 *              map's first page (at @map) hold its structure
 */
struct kho_corrupt_format {
	const char *abi;
	int (*apply)(int kind, const struct kho_corrupt_ctx *c, void *fdt, u64 map, u64 top);
	int (*inject)(void *fdt, phys_addr_t phys, unsigned int order);
	u64 (*head_bytes)(u64 map);
};

/* The formats the injector knows: kho/test/corrupt_v1.c, kho/test/corrupt_v4.c. */
extern const struct kho_corrupt_format kho_corrupt_v1, kho_corrupt_v4;

/**
 * kho_corrupt_apply - damage the finished handoff as kho.corrupt= says
 * (nothing for "none").  Return: 0, or -EINVAL when the kind cannot apply
 * to this handoff (e.g. no chunk to damage), -ENOMEM.
 */
int kho_corrupt_apply(const struct kho_corrupt_ctx *c);

#endif /* KHO_KHO_CORRUPT_H */
