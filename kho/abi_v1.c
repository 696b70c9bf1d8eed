/*
 * kho/abi_v1.c - the kho-v1 wire format (Linux 6.16-6.18): the chunk list
 * that encodes the preserved set, its walker, and the "fdt" property of a
 * subtree node.  include/kholab/kho_abi.h has the byte layouts.
 *
 * DOC: the chunk list
 *
 * A chunk is one page: a header {next, order, num_elms} and up to 255
 * {phys_start, bitmap} pointers, all of one order.  Orders are written in
 * ascending order and, within one, bitmaps by ascending phys_start; a new
 * chunk starts whenever the order changes or the current one is full.
 * The bitmap pointers name the live tracking bitmaps of kho/preserve.c,
 * so encoding copies no bits.  The root FDT's preserved-memory-map is the
 * first chunk's address, 0 when nothing is preserved.
 *
 * Neither chunks nor bitmaps are preserved: the next kernel reads them
 * while it still allocates only from scratch, then forgets them.  If the
 * kexec is abandoned, kho_free_serialized() gives the chunks back.
 *
 * DOC: walking the chunk list
 *
 * The list was written by another kernel, possibly a different build, so
 * every pointer is checked before it is dereferenced: chunks and bitmaps
 * must be page aligned and in RAM the caller says it may read; orders,
 * counts and bitmap bases must be what kho-v1 allows; no block may run
 * past the end of the address space; and at most KHO_MAX_CHUNKS chunks are
 * followed, which turns a cycle into -ELOOP instead of a hang.  The walker
 * allocates nothing and prints nothing; on error the first defect is
 * described in a struct kho_walk_defect for the log.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* ---- encoder ---- */

/* chunk_new - a zeroed chunk of @order linked after @prev (if any). */
static struct khoser_mem_chunk *chunk_new(struct khoser_mem_chunk *prev, unsigned int order)
{
	struct khoser_mem_chunk *c = kho_page_alloc();

	if (!c)
		return NULL;
	c->hdr.order = order;
	if (prev)
		prev->hdr.next = __pa(c);
	return c;
}

/* kho_serialize_mem - see kho_internal.h: the encoder. */
int kho_serialize_mem(u64 *first_chunk_phys)
{
	struct khoser_mem_chunk *first = NULL, *cur = NULL;
	unsigned int order;

	kho_track_lock();
	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		struct kho_table_page *t = kho_order_table(order);

		if (!t)
			continue;
		/* A new order always gets a new chunk. */
		cur = chunk_new(cur, order);
		if (!cur)
			goto nomem;
		if (!first)
			first = cur;
		for (; t; t = t->next) {
			for (u32 i = 0; i < t->count; i++) {
				struct khoser_mem_bitmap_ptr *p;

				if (cur->hdr.num_elms == KHOSER_BITMAP_SIZE) {
					cur = chunk_new(cur, order);
					if (!cur)
						goto nomem;
				}
				p = &cur->bitmaps[cur->hdr.num_elms++];
				p->phys_start = (t->ent[i].index * PRESERVE_BITS) << (order + PAGE_SHIFT);
				p->bitmap = __pa(t->ent[i].bits);
			}
		}
	}
	kho_track_unlock();
	*first_chunk_phys = first ? __pa(first) : 0;
	return 0;

nomem:
	kho_track_unlock();
	if (first)
		kho_free_serialized(__pa(first));
	pr_err("no page for the preserved-memory chunk list; the handoff is not built\n");
	*first_chunk_phys = 0;
	return -ENOMEM;
}

/* kho_free_serialized - see kho_internal.h. */
void kho_free_serialized(u64 first_chunk_phys)
{
	while (first_chunk_phys) {
		struct khoser_mem_chunk *c = __va(first_chunk_phys);

		first_chunk_phys = c->hdr.next;
		kho_page_free(c);
	}
}

/* ---- walker ---- */

/* defect - record the first defect and return @err. */
static int defect(struct kho_walk_defect *d, int err, const char *why, u64 addr)
{
	if (d) {
		d->why = why;
		d->addr = addr;
	}
	return err;
}

/* walk_bitmap - report the set bits of one bitmap of @order at @start. */
static int walk_bitmap(const u64 *bits, u64 start, unsigned int order,
		       const struct kho_walk_ops *ops, void *arg, struct kho_walk_defect *d)
{
	u64 w;

	for (w = 0; w < PRESERVE_BITS / 64; w++) {
		for (u64 m = bits[w]; m; m &= m - 1) {
			u64 b = w * 64 + (u64)__builtin_ctzll(m);
			u64 phys, last;
			int ret;

			/* b < 2^15 and order <= 10, so the shift cannot overflow. */
			if (__builtin_add_overflow(start, b << (order + PAGE_SHIFT), &phys) ||
			    __builtin_add_overflow(phys, (PAGE_SIZE << order) - 1, &last))
				return defect(d, -EINVAL, "preserved block past the end of memory",
					      start);
			if (!ops->block)
				continue;
			ret = ops->block(phys, order, arg);
			if (ret)
				return defect(d, ret, "block callback failed", phys);
		}
	}
	return 0;
}

/* walk_chunk - check one chunk's header and pointers, then its bitmaps. */
static int walk_chunk(const struct khoser_mem_chunk *c, u64 phys,
		      const struct kho_walk_ops *ops, void *arg, struct kho_walk_defect *d)
{
	unsigned int order = c->hdr.order;
	u32 i;

	if (c->hdr.order > KHO_MAX_ORDER)
		return defect(d, -EINVAL, "chunk order above 10", phys);
	if (c->hdr.num_elms > KHOSER_BITMAP_SIZE)
		return defect(d, -EINVAL, "chunk num_elms above 255", phys);
	for (i = 0; i < c->hdr.num_elms; i++) {
		const struct khoser_mem_bitmap_ptr *p = &c->bitmaps[i];
		u64 span = (u64)PRESERVE_BITS << (order + PAGE_SHIFT);
		int ret;

		if (p->bitmap & (PAGE_SIZE - 1))
			return defect(d, -EINVAL, "bitmap not page aligned", p->bitmap);
		if (!p->bitmap || !ops->ram_ok(p->bitmap, PAGE_SIZE, arg))
			return defect(d, -EFAULT, "bitmap not in RAM", p->bitmap);
		if (ops->map_page_ok && ops->map_page_ok(p->bitmap, arg))
			return defect(d, -EINVAL, ops->map_page_ok(p->bitmap, arg), p->bitmap);
		if (p->phys_start & (span - 1))
			return defect(d, -EINVAL, "bitmap phys_start misaligned for its order",
				      p->phys_start);
		ret = walk_bitmap(__va(p->bitmap), p->phys_start, order, ops, arg, d);
		if (ret)
			return ret;
	}
	return 0;
}

/* kho_walk_mem_map - see kho_internal.h: the walker. */
int kho_walk_mem_map(u64 first_chunk, const struct kho_walk_ops *ops, void *arg,
		     struct kho_walk_defect *d)
{
	u64 phys = first_chunk;
	u32 n;

	if (!ops || !ops->ram_ok)
		return defect(d, -EINVAL, "walker called without ram_ok", 0);
	for (n = 0; phys; n++) {
		const struct khoser_mem_chunk *c;
		int ret;

		if (n == KHO_MAX_CHUNKS)
			return defect(d, -ELOOP, "chunk list too long (a cycle?)", phys);
		if (phys & (PAGE_SIZE - 1))
			return defect(d, -EINVAL, "chunk not page aligned", phys);
		if (!ops->ram_ok(phys, PAGE_SIZE, arg))
			return defect(d, -EFAULT, "chunk not in RAM", phys);
		if (ops->map_page_ok && ops->map_page_ok(phys, arg))
			return defect(d, -EINVAL, ops->map_page_ok(phys, arg), phys);
		c = __va(phys);
		ret = walk_chunk(c, phys, ops, arg, d);
		if (ret)
			return ret;
		phys = c->hdr.next;
	}
	return 0;
}

/* ---- subtree nodes and the dump ---- */

/* write_subtree - kho-v1 names a subtree's blob by its address alone ("fdt"). */
static int write_subtree(void *fdt, u64 phys, u64 size)
{
	(void)size;	/* an FDT: its header says how long it is */
	return fdt_property(fdt, KHO_PROP_SUBTREE_FDT, &phys, sizeof(phys));
}

/* read_subtree - the "fdt" property of @node: exactly 8 bytes. */
static int read_subtree(const void *fdt, int node, u64 *phys, u64 *size)
{
	*size = 0;
	return kho_fdt_u64(fdt, node, KHO_PROP_SUBTREE_FDT, phys);
}

/*
 * for_each_map_page - every chunk page from @first and every bitmap page
 * it names, stopping at anything malformed (-EINVAL) or a non-zero @fn.
 */
static int for_each_map_page(u64 first, int (*fn)(u64 phys, void *arg), void *arg)
{
	u64 phys = first;
	int err;

	for (u32 n = 0; phys; n++) {
		const struct khoser_mem_chunk *ch;

		if (n == KHO_MAX_CHUNKS || (phys & (PAGE_SIZE - 1)))
			return -EINVAL;
		ch = __va(phys);
		err = fn(phys, arg);
		if (err)
			return err;
		if (ch->hdr.num_elms > KHOSER_BITMAP_SIZE)
			return -EINVAL;
		for (u32 i = 0; i < ch->hdr.num_elms; i++) {
			u64 b = ch->bitmaps[i].bitmap;

			if (!b || (b & (PAGE_SIZE - 1)))
				return -EINVAL;
			err = fn(b, arg);
			if (err)
				return err;
		}
		phys = ch->hdr.next;
	}
	return 0;
}

const struct kho_abi kho_abi_v1 = {
	.name = "v1",
	.compatible = KHO_FDT_COMPATIBLE,
	.encode_mem = kho_serialize_mem,
	.free_mem = kho_free_serialized,
	.write_subtree = write_subtree,
	.read_subtree = read_subtree,
	.subtree_defect = "a subtree node has no 8-byte fdt property",
	.walk_mem = kho_walk_mem_map,
	.for_each_map_page = for_each_map_page,
};
