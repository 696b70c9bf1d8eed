/*
 * kho/test/corrupt_v1.c - kho.corrupt= damage that only a kho-v1 chunk list can
 * suffer, and the kho-v1 way to claim a page is preserved.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_corrupt.h>
#include <kho/kho_internal.h>
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

/* kho_corrupt_v1_inject - see kho_corrupt.h: make the list claim the page at @phys is preserved (order 0). */
int kho_corrupt_v1_inject(void *fdt, phys_addr_t phys)
{
	u64 pfn = PHYS_PFN(phys), *bits = kho_page_alloc();	/* zeroed, above 1 MiB */
	struct khoser_mem_bitmap_ptr e;

	if (!bits)
		return -ENOMEM;
	bits[(pfn % PRESERVE_BITS) / 64] |= 1ULL << (pfn % 64);
	e.phys_start = (pfn / PRESERVE_BITS) * PRESERVE_BITS << PAGE_SHIFT;
	e.bitmap = __pa(bits);
	pr_warn("kho.corrupt: claiming 0x%llx is preserved\n", (unsigned long long)phys);
	return append_chunk(fdt, 0, e);
}

/* kho_corrupt_v1 - see kho_corrupt.h. */
int kho_corrupt_v1(int kind, void *fdt, u64 map, u64 top)
{
	struct khoser_mem_chunk *first = map ? __va(map) : NULL;

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
