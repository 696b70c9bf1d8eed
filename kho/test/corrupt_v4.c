/*
 * kho/test/corrupt_v4.c - kho.corrupt= damage that only a kho-v4 handoff
 * can suffer: radix tree pointers and keys, and the subtree properties and
 * kexec-metadata blob.  Each kind breaks exactly one rule the receiver
 * checks (kho/abi_v4.c, kho/validate.c; docs/robustness.md lists them).
 *
 * DOC: damaging a kho-v4 handoff
 *
 * The fault injector (kho/test/corrupt.c) finds this file's struct
 * kho_corrupt_format by the name of the format being sent ("v4").  It
 * owns the kinds from tree-outside-ram to metadata-version and
 * block-overlap, which claims a smaller block at the place of the first
 * preserved one.  A claimed block is one more key in the tree, tables
 * created as needed.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include "kho_test_internal.h"
#include <mm/page_alloc.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* zeroed_page - a fresh zeroed page's physical address, 0 if none. */
static u64 zeroed_page(void)
{
	void *p = kho_page_alloc();

	return p ? __pa(p) : 0;
}

/* leaf_of - the leaf on the path of @key, tables created as needed; NULL if out of memory. */
static u64 *leaf_of(u64 root, u64 key)
{
	u64 *table = __va(root);

	for (int level = KHO_V4_LEVELS; level >= 1; level--) {
		unsigned int i = (unsigned int)(key >> kho_v4_level_shift(level)) &
				 (KHO_V4_TABLE_ENTRIES - 1);

		if (!table[i] && !(table[i] = zeroed_page()))
			return NULL;
		table = __va(table[i]);
	}
	return table;
}

/* set_key - make the tree hold @key (whatever it decodes to). */
static int set_key(u64 root, u64 key)
{
	u64 *leaf = root ? leaf_of(root, key) : NULL;
	u64 bit = key & (KHO_V4_LEAF_BITS - 1);

	if (!leaf)
		return -ENOMEM;
	leaf[bit / 64] |= 1ULL << (bit % 64);
	return 0;
}

/* inject - see struct kho_corrupt_format: one more key in the tree. */
static int inject(void *fdt, phys_addr_t phys, unsigned int order)
{
	pr_warn("kho.corrupt: claiming 0x%llx (order %u) is preserved\n", (unsigned long long)phys,
		order);
	return set_key(kho_corrupt_map_of(fdt), kho_v4_key(phys, order));
}

/* first_block - kho_for_each_preserved callback: remember the first block. */
static int first_block(phys_addr_t phys, unsigned int order, void *arg)
{
	u64 *b = arg;

	b[0] = phys;
	b[1] = order;
	return 1;
}

/* overlap - list a second, overlapping block: a smaller order at the same place. */
static int overlap(void *fdt)
{
	u64 b[2] = { 0, 0 };

	kho_for_each_preserved(first_block, b);
	if (!b[0])
		return -EINVAL;
	return b[1] ? inject(fdt, b[0], 0) : inject(fdt, ALIGN_DOWN(b[0], 2 * PAGE_SIZE), 1);
}

/* first_entry - the first non-zero entry of the root table, or NULL. */
static u64 *first_entry(u64 root)
{
	u64 *t = __va(root);

	for (int i = 0; i < 4; i++)
		if (t[i])
			return &t[i];
	return NULL;
}

/* repeat_leaf - a level-1 table names one of its leaves a second time. */
static int repeat_leaf(u64 root)
{
	u64 *t = __va(root);

	for (int level = KHO_V4_LEVELS; level > 1; level--) {
		u64 *e = NULL;

		for (int i = 0; i < KHO_V4_TABLE_ENTRIES && !e; i++)
			e = t[i] ? &t[i] : NULL;
		if (!e)
			return -EINVAL;
		t = __va(*e);
	}
	for (int i = 0; i < KHO_V4_TABLE_ENTRIES; i++)
		if (t[i]) {
			t[(i + 1) % KHO_V4_TABLE_ENTRIES] = t[i];
			return 0;
		}
	return -EINVAL;
}

/* metadata - the kexec-metadata node of the root FDT, or a negative libfdt error. */
static int metadata(void *fdt)
{
	return fdt_subnode_offset(fdt, 0, KHO_KEXEC_METADATA_NAME);
}

/* set_u64 - rewrite a u64 property of @node in place. */
static int set_u64(void *fdt, int node, const char *name, u64 v)
{
	return node < 0 || fdt_setprop_inplace(fdt, node, name, &v, sizeof(v)) ? -EINVAL : 0;
}

/* bump_version - the kexec-metadata blob itself says version 2. */
static int bump_version(const struct kho_send_ctx *c, void *fdt)
{
	u64 phys, size;
	int node = metadata(fdt);

	if (node < 0 || c->abi->read_subtree(fdt, node, &phys, &size))
		return -EINVAL;
	((struct kho_kexec_metadata *)__va(phys))->version = 2;
	return 0;
}

/* apply - see struct kho_corrupt_format: the tree, subtree and metadata kinds, block-overlap. */
static int apply(int kind, const struct kho_send_ctx *c, void *fdt, u64 root, u64 top)
{
	u64 *e = root ? first_entry(root) : NULL;

	switch (kind) {
	case KHO_CORRUPT_TREE_OUTSIDE_RAM:	return e ? (*e = top, 0) : -EINVAL;
	case KHO_CORRUPT_TREE_UNALIGNED:	return e ? (*e += 8, 0) : -EINVAL;
	case KHO_CORRUPT_TREE_IN_SCRATCH:	return e ? (*e = c->scratch[1].addr, 0) : -EINVAL;
	case KHO_CORRUPT_TREE_REPEATED:		return root ? repeat_leaf(root) : -EINVAL;
	case KHO_CORRUPT_KEY_ZERO:		return set_key(root, 0);
	case KHO_CORRUPT_KEY_LARGE:
		return root ? ((((u64 *)__va(root))[4] = zeroed_page()) ? 0 : -ENOMEM) : -EINVAL;
	case KHO_CORRUPT_ORDER_LARGE:		return set_key(root, kho_v4_key(1ULL << 32, 16));
	case KHO_CORRUPT_BLOB_SIZE_MISSING:
		return metadata(fdt) < 0 || fdt_nop_property(fdt, metadata(fdt), KHO_V4_PROP_SIZE) ?
		       -EINVAL : 0;
	case KHO_CORRUPT_BLOB_SIZE_LARGE:
		return set_u64(fdt, metadata(fdt), KHO_V4_PROP_SIZE, 1ULL << 30);
	case KHO_CORRUPT_DATA_UNPRESERVED:
		return set_u64(fdt, metadata(fdt), KHO_V4_PROP_DATA, c->next_kernel_phys);
	case KHO_CORRUPT_METADATA_TRUNCATED:
		return set_u64(fdt, metadata(fdt), KHO_V4_PROP_SIZE, 40);
	case KHO_CORRUPT_METADATA_VERSION:	return bump_version(c, fdt);
	case KHO_CORRUPT_BLOCK_OVERLAP:		return overlap(fdt);
	default:				return KHO_CORRUPT_OTHER;
	}
}

/* head_bytes - see struct kho_corrupt_format: the root's entries 0..3, all a key below 2^53 uses. */
static u64 head_bytes(u64 root)
{
	(void)root;
	return 4 * sizeof(u64);
}

const struct kho_corrupt_format kho_corrupt_v4 = {
	.abi = "v4",
	.apply = apply,
	.inject = inject,
	.head_bytes = head_bytes,
};
