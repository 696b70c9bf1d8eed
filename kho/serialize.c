/*
 * kho/serialize.c - turn the preserved-memory bitmaps into kho-v1's chunk
 * list, which the root FDT's "preserved-memory-map" points at.
 *
 * DOC: the chunk list
 *
 * A chunk is one page: a header {next, order, num_elms} and up to 255
 * {phys_start, bitmap} pointers, all of one order.  Orders are written in
 * ascending order and, within one, bitmaps by ascending phys_start; a new
 * chunk starts whenever the order changes or the current one is full.
 * The bitmap pointers name the live tracking bitmaps of kho/preserve.c,
 * so serializing copies no bits.
 *
 * Neither chunks nor bitmaps are preserved: the next kernel reads them
 * while it still allocates only from scratch, then forgets them.  If the
 * kexec is abandoned, kho_free_serialized() gives the chunks back.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho.h>
#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <errno.h>

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

void kho_free_serialized(u64 first_chunk_phys)
{
	while (first_chunk_phys) {
		struct khoser_mem_chunk *c = __va(first_chunk_phys);

		first_chunk_phys = c->hdr.next;
		kho_page_free(c);
	}
}
