/*
 * kho/test/corrupt_v1.c - kho.corrupt= damage that only a kho-v1 chunk
 * list can suffer, and the kho-v1 way to claim a page is preserved.
 *
 * DOC: damaging a kho-v1 handoff
 *
 * The fault injector (kho/test/corrupt.c) finds this file's struct
 * kho_corrupt_format by the name of the format being sent ("v1").  It
 * owns the chunk-list kinds (chunk-cycle, chunk-num-elms, chunk-order,
 * bitmap-outside-ram) and block-overlap, which lists the first bitmap of
 * the list a second time in a chunk of its own.  A claimed block is one
 * more chunk at the end of the list, of order 0 only.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include "kho_test_internal.h"
#include <mm/page_alloc.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <errno.h>

/* last_chunk - the last chunk of the list starting at @first (not NULL). */
static struct khoser_mem_chunk *last_chunk(u64 first)
{
	struct khoser_mem_chunk *c = __va(first);

	for (int n = 0; c->hdr.next && n < 100000; n++)
		c = __va(c->hdr.next);
	return c;
}

/* append_chunk - add a chunk of @order with one bitmap entry at the end of the list. */
static int append_chunk(void *fdt, unsigned int order, struct khoser_mem_bitmap_ptr e)
{
	struct khoser_mem_chunk *c = kho_page_alloc();	/* zeroed, above 1 MiB */
	u64 first = kho_corrupt_map_of(fdt);

	if (!c)
		return -ENOMEM;
	c->hdr.order = order;
	c->hdr.num_elms = 1;
	c->bitmaps[0] = e;
	if (first)
		last_chunk(first)->hdr.next = __pa(c);
	else
		return kho_corrupt_set_map(fdt, __pa(c));
	return 0;
}

/* inject - see struct kho_corrupt_format: make the list claim the page at @phys (order 0 only). */
static int inject(void *fdt, phys_addr_t phys, unsigned int order)
{
	u64 pfn = PHYS_PFN(phys), *bits;
	struct khoser_mem_bitmap_ptr e;

	if (order)
		return -EINVAL;
	bits = kho_page_alloc();	/* zeroed, above 1 MiB */
	if (!bits)
		return -ENOMEM;
	bits[(pfn % PRESERVE_BITS) / 64] |= 1ULL << (pfn % 64);
	e.phys_start = (pfn / PRESERVE_BITS) * PRESERVE_BITS << PAGE_SHIFT;
	e.bitmap = __pa(bits);
	pr_warn("kho.corrupt: claiming 0x%llx is preserved\n", (unsigned long long)phys);
	return append_chunk(fdt, 0, e);
}

/* apply - see struct kho_corrupt_format: the chunk-list kinds and block-overlap. */
static int apply(int kind, const struct kho_send_ctx *c, void *fdt, u64 map, u64 top)
{
	struct khoser_mem_chunk *first = map ? __va(map) : NULL;

	(void)c;
	if (kind != KHO_CORRUPT_BLOCK_OVERLAP &&
	    (kind < KHO_CORRUPT_CHUNK_CYCLE || kind > KHO_CORRUPT_BITMAP_OUTSIDE_RAM))
		return KHO_CORRUPT_OTHER;
	if (!first)
		return -EINVAL;		/* nothing preserved: no chunk to damage */
	switch (kind) {
	case KHO_CORRUPT_CHUNK_CYCLE:		last_chunk(map)->hdr.next = map; return 0;
	case KHO_CORRUPT_CHUNK_NUM_ELMS:	first->hdr.num_elms = KHOSER_BITMAP_SIZE + 1; return 0;
	case KHO_CORRUPT_CHUNK_ORDER:		first->hdr.order = KHO_MAX_ORDER + 1; return 0;
	case KHO_CORRUPT_BITMAP_OUTSIDE_RAM:	first->bitmaps[0].bitmap = top; return 0;
	case KHO_CORRUPT_BLOCK_OVERLAP:
		return append_chunk(fdt, first->hdr.order, first->bitmaps[0]);
	default:
		return -EINVAL;
	}
}

/* head_bytes - see struct kho_corrupt_format: the first chunk's header and its used entries. */
static u64 head_bytes(u64 map)
{
	return 16 + 16 * (u64)((struct khoser_mem_chunk *)__va(map))->hdr.num_elms;
}

const struct kho_corrupt_format kho_corrupt_v1 = {
	.abi = "v1",
	.apply = apply,
	.inject = inject,
	.head_bytes = head_bytes,
};
