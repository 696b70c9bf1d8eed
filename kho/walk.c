/*
 * kho/walk.c - read a received kho-v1 preserved-memory list, trusting
 * nothing in it.
 *
 * DOC: walking the chunk list
 *
 * The list was written by another kernel, possibly a different build or a
 * different ABI revision, so every pointer is checked before it is
 * dereferenced: chunks and bitmaps must be page aligned and in RAM the
 * caller says it may read; orders, counts and bitmap bases must be what
 * kho-v1 allows; no block may run past the end of the address space; and
 * at most KHO_MAX_CHUNKS chunks are followed, which turns a cycle into
 * -ELOOP instead of a hang.
 *
 * The walker allocates nothing and prints nothing.  Boot code runs it
 * first as a dry run (no block callback) and revives KHO only if the whole
 * list is sound, then runs it again to reserve each block.  On error the
 * first defect is described in a struct kho_walk_defect for the log.
 */
#include <kho/kho.h>
#include <kernel/layout.h>
#include <errno.h>

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
		if (p->phys_start & (span - 1))
			return defect(d, -EINVAL, "bitmap phys_start misaligned for its order",
				      p->phys_start);
		ret = walk_bitmap(__va(p->bitmap), p->phys_start, order, ops, arg, d);
		if (ret)
			return ret;
	}
	return 0;
}

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
		c = __va(phys);
		ret = walk_chunk(c, phys, ops, arg, d);
		if (ret)
			return ret;
		phys = c->hdr.next;
	}
	return 0;
}
