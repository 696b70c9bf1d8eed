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

/**
 * kho_corrupt_apply - damage the finished handoff as kho.corrupt= says
 * (nothing for "none").  Return: 0, or -EINVAL when the kind cannot apply
 * to this handoff (e.g. no chunk to damage), -ENOMEM.
 */
int kho_corrupt_apply(const struct kho_corrupt_ctx *c);

#endif /* KHO_KHO_CORRUPT_H */
