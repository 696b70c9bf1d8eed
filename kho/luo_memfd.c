/*
 * kho/luo_memfd.c - checking one memfd of an incoming LUO session.
 *
 * DOC: a memfd-v2 in the handoff
 *
 * A file entry's data is the physical address of a struct memfd_luo_ser
 * in an order-0 page of its own.  Its folio array (nr_folios entries of
 * {pfn and flags, file page index}) lives in pages described by a
 * kho_vmalloc: chunk pages of 511 piece addresses, each piece 2^order
 * pages, together exactly total_pages.  Each folio's order is written
 * nowhere but in the KHO tree, and a Linux receiver believes the tree:
 * a folio handed on at a smaller order reads as zeros past its end, one
 * at a larger order hands the file somebody else's pages.  So kholab
 * checks what Linux cannot:
 *
 *   - every folio starts a preserved block (its order is the block's);
 *   - folios come in file order, each at a file page aligned to its
 *     size, each starting where the previous one ended: Linux fills every
 *     hole when it preserves a memfd, so a gap means the folio before it
 *     is smaller than the memfd needs, an overlap (or a folio whose pages
 *     the previous block swallowed) that it is larger;
 *   - together they cover every page of the file, and none starts past
 *     its end (the last may reach past it: shmem may back a file's tail
 *     with a whole 2 MiB folio).
 */
#include <kho/luo.h>
#include <kholab/kho_abi.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#define PAGE_BYTES	4096ULL
#define MAX_FILE_BYTES	(1ULL << 50)	/* 1 PiB: keeps page counts far from overflow */
#define MEMFD_MAX_FOLIO_ORDER	9	/* shmem's largest folio on x86-64: a PMD, 2 MiB */

/* struct array_it - reads the folio array entry by entry across its pieces. */
struct array_it {
	const struct luo_mem *m;
	const struct kho_vmalloc_chunk *chunk;
	u64 slot;			/* the next piece's slot in chunk */
	const u8 *piece;		/* the current piece, mapped */
	u64 left;			/* bytes of it not read yet */
	u64 piece_bytes;
};

/*
 * array_next - the next folio entry (the vmalloc was checked: it holds
 * enough).  Like check_vmalloc(), it steps over chunks with no piece left,
 * empty ones included.
 */
static const struct memfd_luo_folio_ser *array_next(struct array_it *it)
{
	const struct memfd_luo_folio_ser *e;

	if (it->left == 0) {
		while (it->slot >= KHO_VMALLOC_CHUNK_SLOTS || it->chunk->phys[it->slot] == 0) {
			it->chunk = it->m->map(it->m->ctx, it->chunk->next, PAGE_BYTES);
			it->slot = 0;
		}
		it->piece = it->m->map(it->m->ctx, it->chunk->phys[it->slot++], it->piece_bytes);
		it->left = it->piece_bytes;
	}
	e = (const struct memfd_luo_folio_ser *)it->piece;
	it->piece += sizeof(*e);
	it->left -= sizeof(*e);
	return e;
}

/*
 * cover - the piece [@pa, @pa + @bytes) of the folio array must be made of
 * whole preserved blocks starting at @pa (Linux splits a piece into the
 * largest aligned blocks it can); report each.
 */
static int cover(const struct luo_mem *m, const struct luo_memfd_view *v, u64 pa, u64 bytes,
		 const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	if (pa + bytes < pa)		/* the loop below would not run */
		return luo_fail(f, LUO_E_VMALLOC, pa,
				"memfd 0x%llx of \"%s\": its folio array's piece 0x%llx+0x%llx runs past the end of the address space",
				(unsigned long long)v->token, v->session, (unsigned long long)pa,
				(unsigned long long)bytes);
	if (!m->map(m->ctx, pa, bytes))	/* array_next() maps whole pieces */
		return luo_fail(f, LUO_E_VMALLOC, pa,
				"memfd 0x%llx of \"%s\": its folio array's piece 0x%llx+0x%llx is not in RAM",
				(unsigned long long)v->token, v->session, (unsigned long long)pa,
				(unsigned long long)bytes);
	for (u64 at = pa; at < pa + bytes;) {
		u64 head;
		unsigned int order;
		int r;

		if (m->block(m->ctx, at, &head, &order) || head != at || (PAGE_BYTES << order) > pa + bytes - at)
			return luo_fail(f, LUO_E_VMALLOC, at,
					"memfd 0x%llx of \"%s\": its folio array's piece 0x%llx+0x%llx is not made of preserved blocks (at 0x%llx)",
					(unsigned long long)v->token, v->session, (unsigned long long)pa,
					(unsigned long long)bytes, (unsigned long long)at);
		if (!m->map(m->ctx, at, PAGE_BYTES << order))
			return luo_fail(f, LUO_E_VMALLOC, at, "memfd 0x%llx of \"%s\": folio array page 0x%llx is not in RAM",
					(unsigned long long)v->token, v->session, (unsigned long long)at);
		if (ops && ops->object) {
			r = ops->object(ops->arg, LUO_OBJ_ARRAY, at, order);
			if (r == -EEXIST)
				return luo_fail(f, LUO_E_SHARED, at, "the block at 0x%llx (order %u) is used by two LUO objects",
						(unsigned long long)at, order);
			if (r)
				return r;
		}
		if (c) {
			c->objects++;
			c->object_bytes += PAGE_BYTES << order;
		}
		at += PAGE_BYTES << order;
	}
	return 0;
}

/*
 * walk_chunks - the chunk chain of the folio array: @pieces pieces of
 * @piece bytes, every chunk a preserved order-0 page; report the chunks
 * and the blocks of the pieces.
 */
static int walk_chunks(const struct luo_mem *m, const struct luo_memfd_view *v, u64 pieces, u64 piece,
		       const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	const struct kho_vmalloc_ser *vm = &v->ser->folios;
	u64 found = 0, chunks = 0, chunk_pa = vm->first;
	int r;

	while (chunk_pa) {
		const struct kho_vmalloc_chunk *ch;
		char what[96];

		snprintf(what, sizeof(what), "a folio array chunk of memfd 0x%llx of \"%s\"",
			 (unsigned long long)v->token, v->session);
		if (++chunks > pieces / KHO_VMALLOC_CHUNK_SLOTS + 2)
			return luo_fail(f, LUO_E_VMALLOC, chunk_pa, "%s: more chunks than %llu pieces need (a loop?)",
					what, (unsigned long long)pieces);
		ch = m->map(m->ctx, chunk_pa, PAGE_BYTES);
		{
			u64 head;
			unsigned int order;

			if (!ch || chunk_pa % PAGE_BYTES || m->block(m->ctx, chunk_pa, &head, &order) ||
			    head != chunk_pa || order != 0)
				return luo_fail(f, LUO_E_VMALLOC, chunk_pa, "%s at 0x%llx is not a preserved order-0 page",
						what, (unsigned long long)chunk_pa);
		}
		if (ops && ops->object) {
			r = ops->object(ops->arg, LUO_OBJ_CHUNK, chunk_pa, 0);
			if (r)
				return r == -EEXIST ? luo_fail(f, LUO_E_SHARED, chunk_pa,
							       "the block at 0x%llx (order 0) is used by two LUO objects",
							       (unsigned long long)chunk_pa) : r;
		}
		if (c) {
			c->objects++;
			c->object_bytes += PAGE_BYTES;
		}
		for (u64 s = 0; s < KHO_VMALLOC_CHUNK_SLOTS && ch->phys[s]; s++) {
			if (++found > pieces)
				return luo_fail(f, LUO_E_VMALLOC, chunk_pa, "%s lists more than the %llu pieces of total_pages",
						what, (unsigned long long)pieces);
			if (ch->phys[s] % piece)
				return luo_fail(f, LUO_E_VMALLOC, ch->phys[s], "%s: piece 0x%llx is not aligned to its 0x%llx bytes",
						what, (unsigned long long)ch->phys[s], (unsigned long long)piece);
			r = cover(m, v, ch->phys[s], piece, ops, c, f);
			if (r)
				return r;
		}
		chunk_pa = ch->next;
	}
	if (found != pieces)
		return luo_fail(f, LUO_E_VMALLOC, vm->first, "memfd 0x%llx of \"%s\": its chunks list %llu pieces, total_pages needs %llu",
				(unsigned long long)v->token, v->session, (unsigned long long)found,
				(unsigned long long)pieces);
	return 0;
}

/*
 * check_vmalloc - the folio array's kho_vmalloc: its chunks and pieces, for
 * @nr folio entries.  With ops the chain is walked twice: first only
 * checked, so that a loop is refused as one (LUO_E_VMALLOC) and not as a
 * chunk or piece reported a second time (LUO_E_SHARED), then reported.
 */
static int check_vmalloc(const struct luo_mem *m, const struct luo_memfd_view *v, u64 nr,
			 const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	const struct kho_vmalloc_ser *vm = &v->ser->folios;
	u64 piece, pieces, need;
	int r;

	if (nr == 0) {
		if (vm->first || vm->total_pages || vm->flags || vm->order)
			return luo_fail(f, LUO_E_VMALLOC, v->ser_pa, "memfd 0x%llx of \"%s\" has no folio but a non-empty folio array",
					(unsigned long long)v->token, v->session);
		return 0;
	}
	if (vm->flags != KHO_VMALLOC_ALLOC || vm->order != 0 || vm->total_pages == 0)
		return luo_fail(f, LUO_E_VMALLOC, v->ser_pa,
				"memfd 0x%llx of \"%s\": folio array flags 0x%x, order %u, %u pages; memfd's array is a vmalloc area of order-0 pages (flags 0x%x)",
				(unsigned long long)v->token, v->session, vm->flags, vm->order, vm->total_pages,
				KHO_VMALLOC_ALLOC);
	piece = PAGE_BYTES << vm->order;
	pieces = vm->total_pages >> vm->order;
	need = nr * sizeof(struct memfd_luo_folio_ser);
	if (need > (u64)vm->total_pages * PAGE_BYTES || (u64)vm->total_pages * PAGE_BYTES >= need + piece + PAGE_BYTES)
		return luo_fail(f, LUO_E_VMALLOC, v->ser_pa,
				"memfd 0x%llx of \"%s\": %llu folios need %llu bytes of array, its kho_vmalloc has %u pages",
				(unsigned long long)v->token, v->session, (unsigned long long)nr,
				(unsigned long long)need, vm->total_pages);
	r = walk_chunks(m, v, pieces, piece, NULL, ops && ops->object ? NULL : c, f);
	if (!r && ops && ops->object)
		r = walk_chunks(m, v, pieces, piece, ops, c, f);
	return r;
}

/* struct folio_walk - where the previous folio ended, for the order checks. */
struct folio_walk {
	u64 prev_pa, prev_index, expected;	/* expected: the next file page to cover */
	unsigned int prev_order;
	bool any;
};

/* check_folio - folio @k at @pa, file page @index, against the tree and the folios before it. */
static int check_folio(const struct luo_mem *m, const struct luo_memfd_view *v, u64 npages, u64 k,
		       u64 pa, u64 index, unsigned int *order, struct folio_walk *w, struct luo_fault *f)
{
	u64 head, tok = v->token;
	const char *s = v->session;

	if (m->block(m->ctx, pa, &head, order))
		return luo_fail(f, LUO_E_FOLIO_UNPRESERVED, pa, "memfd 0x%llx of \"%s\": folio %llu (file page %llu) at 0x%llx lies in no preserved block",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)index,
				(unsigned long long)pa);
	if (head != pa) {
		if (w->any && head == w->prev_pa)
			return luo_fail(f, LUO_E_FOLIO_LARGE, head,
					"memfd 0x%llx of \"%s\": the folio at file page %llu is order %u in the KHO tree, which swallows folio %llu at 0x%llx: a larger order than the memfd needs",
					(unsigned long long)tok, s, (unsigned long long)w->prev_index, w->prev_order,
					(unsigned long long)k, (unsigned long long)pa);
		return luo_fail(f, LUO_E_FOLIO_UNPRESERVED, pa,
				"memfd 0x%llx of \"%s\": folio %llu at 0x%llx lies inside the preserved block 0x%llx (order %u), which is not one of its folios",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)pa,
				(unsigned long long)head, *order);
	}
	if (index & ((1ULL << *order) - 1))
		return luo_fail(f, LUO_E_FOLIO_LARGE, pa, "memfd 0x%llx of \"%s\": folio %llu at file page %llu is order %u in the KHO tree, too large for where it sits in the file",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)index, *order);
	if (w->any && index < w->expected) {
		if (index <= w->prev_index)
			return luo_fail(f, LUO_E_FOLIO_INDEX, pa, "memfd 0x%llx of \"%s\": folio %llu is at file page %llu, not after the one before (page %llu)",
					(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)index,
					(unsigned long long)w->prev_index);
		return luo_fail(f, LUO_E_FOLIO_LARGE, w->prev_pa, "memfd 0x%llx of \"%s\": the folio at file page %llu is order %u in the KHO tree, so it overlaps the folio at page %llu: a larger order than the memfd needs",
				(unsigned long long)tok, s, (unsigned long long)w->prev_index, w->prev_order,
				(unsigned long long)index);
	}
	if (index > w->expected) {
		if (w->any)
			return luo_fail(f, LUO_E_FOLIO_SMALL, w->prev_pa, "memfd 0x%llx of \"%s\": the folio at file page %llu is order %u in the KHO tree, so file pages %llu-%llu are in no folio and would read as zeros: a smaller order than the memfd needs",
					(unsigned long long)tok, s, (unsigned long long)w->prev_index, w->prev_order,
					(unsigned long long)w->expected, (unsigned long long)index - 1);
		return luo_fail(f, LUO_E_FOLIO_INDEX, pa, "memfd 0x%llx of \"%s\": the first folio is at file page %llu; pages before it are in no folio",
				(unsigned long long)tok, s, (unsigned long long)index);
	}
	if (*order > MEMFD_MAX_FOLIO_ORDER)
		return luo_fail(f, LUO_E_FOLIO_LARGE, pa, "memfd 0x%llx of \"%s\": folio %llu at file page %llu is order %u in the KHO tree; shmem makes no folio above order %d (2 MiB)",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)index, *order,
				MEMFD_MAX_FOLIO_ORDER);
	if (index >= npages)
		return luo_fail(f, LUO_E_FOLIO_INDEX, pa, "memfd 0x%llx of \"%s\": folio %llu is at file page %llu, past the end of the %llu-page file",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)index,
				(unsigned long long)npages);
	if (!m->map(m->ctx, pa, PAGE_BYTES << *order))
		return luo_fail(f, LUO_E_FOLIO_UNPRESERVED, pa, "memfd 0x%llx of \"%s\": folio %llu at 0x%llx (order %u) is not in RAM",
				(unsigned long long)tok, s, (unsigned long long)k, (unsigned long long)pa, *order);
	*w = (struct folio_walk){ pa, index, index + (1ULL << *order), *order, true };
	return 0;
}

/* check_folios - every folio of the array, in file order, covering the whole file. */
static int check_folios(const struct luo_mem *m, const struct luo_memfd_view *v, u64 nr,
			const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	const struct kho_vmalloc_ser *vm = &v->ser->folios;
	struct array_it it = { m, NULL, 0, NULL, 0, PAGE_BYTES << vm->order };
	struct folio_walk w = { 0 };
	u64 npages = (v->ser->size + PAGE_BYTES - 1) / PAGE_BYTES;
	int r;

	if (nr == 0)
		return 0;
	it.chunk = m->map(m->ctx, vm->first, PAGE_BYTES);
	for (u64 k = 0; k < nr; k++) {
		const struct memfd_luo_folio_ser *e = array_next(&it);
		u64 pa = (e->pfn_flags & MEMFD_LUO_PFN_MASK) * PAGE_BYTES;
		unsigned int order;

		r = check_folio(m, v, npages, k, pa, e->index, &order, &w, f);
		if (!r && e->pfn_flags >> MEMFD_LUO_PFN_BITS != (MEMFD_LUO_FOLIO_DIRTY | MEMFD_LUO_FOLIO_UPTODATE))
			r = luo_fail(f, LUO_E_FOLIO_FLAGS, pa,
				     "memfd 0x%llx of \"%s\": folio %llu has flags 0x%llx; Linux writes 0x3 (dirty, uptodate), and a receiver reads a folio without uptodate as zeros",
				     (unsigned long long)v->token, v->session, (unsigned long long)k,
				     (unsigned long long)(e->pfn_flags >> MEMFD_LUO_PFN_BITS));
		if (!r && ops && ops->object) {
			r = ops->object(ops->arg, LUO_OBJ_FOLIO, pa, order);
			if (r == -EEXIST)
				r = luo_fail(f, LUO_E_SHARED, pa, "memfd 0x%llx of \"%s\": folio %llu at 0x%llx is used by another LUO object too",
					     (unsigned long long)v->token, v->session, (unsigned long long)k,
					     (unsigned long long)pa);
		}
		if (!r && ops && ops->folio)
			r = ops->folio(ops->arg, v, pa, e->index, order);
		if (r)
			return r;
		if (c) {
			c->folios++;
			c->folio_bytes += PAGE_BYTES << order;
		}
	}
	if (w.expected < npages)
		return luo_fail(f, LUO_E_FOLIO_SMALL, w.prev_pa, "memfd 0x%llx of \"%s\": the last folio, at file page %llu, is order %u in the KHO tree, so file pages %llu-%llu are in no folio: a smaller order than the memfd needs",
				(unsigned long long)v->token, v->session, (unsigned long long)w.prev_index,
				w.prev_order, (unsigned long long)w.expected, (unsigned long long)npages - 1);
	return 0;
}

/* luo_check_memfd - see luo.h. */
int luo_check_memfd(const struct luo_mem *m, const char *session, const struct luo_file_ser *file,
		    const struct luo_walk_ops *ops, struct luo_counts *c, struct luo_fault *f)
{
	struct luo_memfd_view v = { session, file->token, NULL, file->data };
	u64 head, npages;
	unsigned int order;
	int r;

	if (file->data % PAGE_BYTES || m->block(m->ctx, file->data, &head, &order) || head != file->data ||
	    order != 0 || !(v.ser = m->map(m->ctx, file->data, PAGE_BYTES)))
		return luo_fail(f, LUO_E_SER_OUTSIDE, file->data,
				"memfd 0x%llx of \"%s\": its memfd_luo_ser at 0x%llx is not an order-0 page of preserved memory",
				(unsigned long long)file->token, session, (unsigned long long)file->data);
	npages = (v.ser->size + PAGE_BYTES - 1) / PAGE_BYTES;
	if (v.ser->flags || (v.ser->seals & ~MEMFD_LUO_ALL_SEALS) || v.ser->size > MAX_FILE_BYTES ||
	    v.ser->nr_folios > npages || (v.ser->size && !v.ser->nr_folios))
		return luo_fail(f, LUO_E_MEMFD, file->data,
				"memfd 0x%llx of \"%s\": flags 0x%x, seals 0x%x, size %llu, %llu folios is not a memfd Linux preserves",
				(unsigned long long)file->token, session, v.ser->flags, v.ser->seals,
				(unsigned long long)v.ser->size, (unsigned long long)v.ser->nr_folios);
	if (ops && ops->object) {
		r = ops->object(ops->arg, LUO_OBJ_MEMFD, file->data, 0);
		if (r)
			return r == -EEXIST ? luo_fail(f, LUO_E_SHARED, file->data,
						       "memfd 0x%llx of \"%s\": its memfd_luo_ser page is used by another LUO object too",
						       (unsigned long long)file->token, session) : r;
	}
	if (c) {
		c->memfds++;
		c->objects++;
		c->object_bytes += PAGE_BYTES;
	}
	r = check_vmalloc(m, &v, v.ser->nr_folios, ops, c, f);
	return r ?: check_folios(m, &v, v.ser->nr_folios, ops, c, f);
}
