/*
 * kho/abi_v4.c - the kho-v4 wire format (Linux 7.2 and 7.3): the radix
 * tree that encodes the preserved set, its walker, and the
 * "preserved-data" / "blob-size" properties of a subtree node.
 * include/kholab/kho_abi.h has the constants and docs/kho.md a picture.
 *
 * DOC: building the radix tree
 *
 * kholab's tracking bitmaps (kho/preserve.c) are already valid leaves: the
 * bitmap with index i of order k holds bit (pfn >> k) % 32768, which is
 * the leaf bit of the block's key, and its leaf prefix (key >> 15) is
 * (1 << (37 - k)) | i.  So the encoder allocates only the root and the
 * tables of levels 4..1 and points level-1 entries at the live bitmaps.
 * Tables are ordinary pages above 1 MiB (never scratch, never preserved);
 * the receiver reads them while it allocates only from scratch, then
 * forgets them.  An abandoned kexec gives the tables back.
 *
 * DOC: walking a received radix tree
 *
 * Depth first, entries ascending, so keys come out ascending.  Every table
 * and leaf pointer must be page aligned, readable RAM and pass the
 * caller's map_page_ok (outside scratch and the handoff), and no page may
 * be reached twice (a shared subtree would list its blocks twice, a
 * pointer back up would loop).  Root entries above 3 would give keys of
 * 2^53 or more; key 0 has no order bit.  Every order a key can carry up to
 * KHO_V4_MAX_ORDER (51) is taken: Linux's kho_preserve_pages() splits a
 * range by alignment and length only, so a large aligned range arrives as
 * one block of order 16, 18 or more.  Order 52 (key 1) is a block of
 * 2^64 bytes and refused here; whether a block of a lower order fits in
 * RAM is the caller's check (kho/validate.c), as for any block.  The
 * walker allocates nothing and prints nothing: the first defect is
 * described in a struct kho_walk_defect.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* ---- keys ---- */

/* kho_v4_key - see kho_internal.h. */
u64 kho_v4_key(u64 phys, unsigned int order)
{
	/* LAB kho-radix: BEGIN */
	/* LAB kho-radix: HINT the contract, and hints to unfold: docs/labs/kho-radix.md */
	/* LAB kho-radix: STUB (void)phys; (void)order; */
	/* LAB kho-radix: STUB return 0; */
	return (1ULL << (KHO_V4_ORDER0_BIT - order)) | (phys >> (PAGE_SHIFT + order));
	/* LAB kho-radix: END */
}

/* kho_v4_key_decode - see kho_internal.h. */
int kho_v4_key_decode(u64 key, u64 *phys, unsigned int *order)
{
	/* LAB kho-radix: BEGIN */
	/* LAB kho-radix: HINT the contract, and hints to unfold: docs/labs/kho-radix.md */
	/* LAB kho-radix: STUB (void)key; (void)phys; (void)order; */
	/* LAB kho-radix: STUB return -ENOSYS; */
	unsigned int top;

	if (!key || key >> KHO_V4_KEY_BITS)
		return -EINVAL;
	top = 63u - (unsigned int)__builtin_clzll(key);
	*order = KHO_V4_ORDER0_BIT - top;
	*phys = top ? key << (64 - top) : 0;	/* the order bit falls off the top */
	return 0;
	/* LAB kho-radix: END */
}

/* index_at - the entry of table level @level (1..5) that @key goes through. */
static unsigned int index_at(u64 key, int level)
{
	return (unsigned int)(key >> kho_v4_level_shift(level)) & (KHO_V4_TABLE_ENTRIES - 1);
}

/* ---- encoder ---- */

/*
 * insert_leaf - make the tables on the path of leaf prefix @prefix (key >>
 * 15) exist under @root and point the level-1 entry at @leaf_phys.
 * Return: 0 or -ENOMEM (tables added so far stay linked; free_tree frees them).
 */
static int insert_leaf(u64 *root, u64 prefix, u64 leaf_phys)
{
	/* LAB kho-radix: BEGIN */
	/* LAB kho-radix: HINT the contract, and hints to unfold: docs/labs/kho-radix.md */
	/* LAB kho-radix: STUB (void)root; (void)prefix; (void)leaf_phys; (void)index_at; */
	/* LAB kho-radix: STUB return -ENOSYS; */
	u64 key = prefix << KHO_V4_LEAF_SHIFT, *table = root;

	for (int level = KHO_V4_LEVELS; level > 1; level--) {
		unsigned int i = index_at(key, level);

		if (!table[i]) {
			u64 *t = kho_page_alloc();

			if (!t)
				return -ENOMEM;
			table[i] = __pa(t);
		}
		table = __va(table[i]);
	}
	table[index_at(key, 1)] = leaf_phys;
	return 0;
	/* LAB kho-radix: END */
}

/* free_tables - give back @table of @level and the tables below it (not the leaves). */
static void free_tables(u64 *table, int level)
{
	for (unsigned int i = 0; level > 1 && i < KHO_V4_TABLE_ENTRIES; i++)
		if (table[i])
			free_tables(__va(table[i]), level - 1);
	kho_page_free(table);
}

/* v4_free - see struct kho_abi: the tables of an abandoned kexec. */
static void v4_free(u64 root_phys)
{
	if (root_phys)
		free_tables(__va(root_phys), KHO_V4_LEVELS);
}

/* v4_encode - see struct kho_abi: the root and tables over the live bitmaps. */
static int v4_encode(u64 *root_phys)
{
	u64 *root = kho_page_alloc();
	int err = 0;

	if (!root)
		return -ENOMEM;
	kho_track_lock();
	for (unsigned int order = 0; order <= KHO_MAX_ORDER && !err; order++)
		for (struct kho_table_page *t = kho_order_table(order); t && !err; t = t->next)
			for (u32 i = 0; i < t->count && !err; i++)
				err = insert_leaf(root, (1ULL << (37 - order)) | t->ent[i].index,
						  __pa(t->ent[i].bits));
	kho_track_unlock();
	if (err) {
		free_tables(root, KHO_V4_LEVELS);
		pr_err("no page for the radix tree; the handoff is not built\n");
		*root_phys = 0;
		return err;
	}
	*root_phys = __pa(root);
	return 0;
}

/* ---- walker ---- */

/* struct walk - one walk's state: what the caller asked, which pages were seen. */
struct walk {
	const struct kho_walk_ops *ops;
	void *arg;
	struct kho_walk_defect *d;
	u64 nr_seen;
};

static u64 seen[KHO_V4_MAX_TREE_PAGES];	/* tree pages of the current walk */

/* defect - record the first defect and return @err. */
static int defect(struct walk *w, int err, const char *why, u64 addr)
{
	if (w->d) {
		w->d->why = why;
		w->d->addr = addr;
	}
	return err;
}

/* visit_page - check a table or leaf pointer before it is read. */
static int visit_page(struct walk *w, u64 phys)
{
	const char *why;

	if (phys & (PAGE_SIZE - 1))
		return defect(w, -EINVAL, "radix tree page not page aligned", phys);
	if (!w->ops->ram_ok(phys, PAGE_SIZE, w->arg))
		return defect(w, -EFAULT, "radix tree page not in RAM", phys);
	why = w->ops->map_page_ok ? w->ops->map_page_ok(phys, w->arg) : NULL;
	if (why)
		return defect(w, -EINVAL, why, phys);
	for (u64 i = 0; i < w->nr_seen; i++)
		if (seen[i] == phys)
			return defect(w, -EINVAL, "radix tree page reachable twice", phys);
	if (w->nr_seen == KHO_V4_MAX_TREE_PAGES)
		return defect(w, -E2BIG, "radix tree has too many pages", phys);
	seen[w->nr_seen++] = phys;
	return 0;
}

/* walk_leaf - report every set bit of the leaf for key prefix @prefix. */
static int walk_leaf(struct walk *w, const u64 *bits, u64 prefix)
{
	for (u32 word = 0; word < KHO_V4_LEAF_BITS / 64; word++) {
		for (u64 m = bits[word]; m; m &= m - 1) {
			u64 key = (prefix << KHO_V4_LEAF_SHIFT) | (word * 64 + (u64)__builtin_ctzll(m));
			unsigned int order;
			u64 phys, last;
			int ret;

			if (kho_v4_key_decode(key, &phys, &order))
				return defect(w, -EINVAL, "radix tree key 0 (no order bit)", key);
			if (order > KHO_V4_MAX_ORDER)
				return defect(w, -EINVAL,
					      "preserved block order above 51 (larger than the 64-bit address space)",
					      order);
			if (__builtin_add_overflow(phys, (PAGE_SIZE << order) - 1, &last))
				return defect(w, -EINVAL, "preserved block past the end of memory", phys);
			if (!w->ops->block)
				continue;
			ret = w->ops->block(phys, order, w->arg);
			if (ret)
				return defect(w, ret, "block callback failed", phys);
		}
	}
	return 0;
}

/* walk_table - the entries of a table of @level (5 = root) whose keys start with @prefix. */
static int walk_table(struct walk *w, const u64 *table, int level, u64 prefix)
{
	for (unsigned int i = 0; i < KHO_V4_TABLE_ENTRIES; i++) {
		u64 child = table[i], p = prefix | ((u64)i << (KHO_V4_TABLE_SHIFT * (level - 1)));
		int ret;

		if (!child)
			continue;
		if (level == KHO_V4_LEVELS && i >= 4)
			return defect(w, -EINVAL, "radix root entry above 3 (a key of 2^53 or more)", i);
		ret = visit_page(w, child);
		ret = ret ?: level == 1 ? walk_leaf(w, __va(child), p) :
					  walk_table(w, __va(child), level - 1, p);
		if (ret)
			return ret;
	}
	return 0;
}

/* kho_v4_walk - see kho_internal.h. */
int kho_v4_walk(u64 root, const struct kho_walk_ops *ops, void *arg, struct kho_walk_defect *d)
{
	struct walk w = { .ops = ops, .arg = arg, .d = d };
	int ret;

	if (!ops || !ops->ram_ok)
		return defect(&w, -EINVAL, "walker called without ram_ok", 0);
	if (!root)
		return defect(&w, -EINVAL, "preserved-memory-map is 0 (kho-v4 needs a radix root)", 0);
	ret = visit_page(&w, root);
	return ret ?: walk_table(&w, __va(root), KHO_V4_LEVELS, 0);
}

/* ---- subtree nodes and the dump ---- */

/* write_subtree - "preserved-data" and "blob-size", both native u64. */
static int write_subtree(void *fdt, u64 phys, u64 size)
{
	int err = fdt_property(fdt, KHO_V4_PROP_DATA, &phys, sizeof(phys));

	return err ?: fdt_property(fdt, KHO_V4_PROP_SIZE, &size, sizeof(size));
}

/* read_subtree - both properties exactly 8 bytes, blob-size mandatory and non-zero. */
static int read_subtree(const void *fdt, int node, u64 *phys, u64 *size)
{
	int err = kho_fdt_u64(fdt, node, KHO_V4_PROP_DATA, phys);

	if (err)
		return err;
	err = kho_fdt_u64(fdt, node, KHO_V4_PROP_SIZE, size);
	return err || !*size ? -EINVAL : 0;
}

/* page_fn - adapts for_each_map_page's callback to the walker's page check. */
struct page_fn {
	int (*fn)(u64 phys, void *arg);
	void *arg;
};

/* map_page_cb - walker callback: hand every tree page to the dump. */
static const char *map_page_cb(u64 phys, void *arg)
{
	struct page_fn *p = arg;

	return p->fn(phys, p->arg) ? "stopped" : NULL;
}

/* dump_ram_ok - the dump reads only what this kernel built itself. */
static bool dump_ram_ok(u64 phys, u64 len, void *arg)
{
	(void)arg;
	return len && phys + len > phys;
}

/* for_each_map_page - the root, every table and every leaf, depth first. */
static int for_each_map_page(u64 root, int (*fn)(u64 phys, void *arg), void *arg)
{
	struct page_fn p = { fn, arg };
	struct kho_walk_ops ops = { .ram_ok = dump_ram_ok, .map_page_ok = map_page_cb };

	return kho_v4_walk(root, &ops, &p, NULL);
}

const struct kho_abi kho_abi_v4 = {
	.name = "v4",
	.compatible = KHO_V4_COMPATIBLE,
	.encode_mem = v4_encode,
	.free_mem = v4_free,
	.write_subtree = write_subtree,
	.read_subtree = read_subtree,
	.subtree_defect = "a subtree node lacks an 8-byte preserved-data or a non-zero blob-size",
	.flags = KHO_ABI_METADATA,
	.walk_mem = kho_v4_walk,
	.for_each_map_page = for_each_map_page,
};
