/*
 * kho/vmalloc.c - preserving an array of pages the way Linux describes a
 * vmalloc area across kexec: a 16-byte struct kho_vmalloc naming a chain
 * of one-page chunks that list the physical address of every piece.
 *
 * DOC: kho_vmalloc
 *
 * kholab has no vmalloc, so an "area" here is simply an ordered array of
 * pieces of 2^order pages each, wherever they are; the owner keeps the
 * descriptor in its own preserved data.  Every chunk page and every piece
 * is preserved as its own block(s) - a piece of order k is one block of
 * order k, never merged with its neighbours - because Linux's restore
 * looks for a marker at each piece's head and at each chunk page.
 * Restoring takes each chunk page back first (so a pointer that was never
 * preserved is refused before it is read), then its pieces; the chunk
 * pages are freed once read.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <mm/page_alloc.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

/* unwind - unpreserve @nr pieces and every chunk from @first (a failed preserve). */
static void unwind(u64 first, const u64 *pieces, u32 nr, unsigned int order)
{
	for (u32 i = 0; i < nr; i++)
		kho_unpreserve_phys(pieces[i], PAGE_SIZE << order);
	while (first) {
		struct kho_vmalloc_chunk *c = __va(first);
		u64 next = c->next;

		kho_unpreserve_phys(first, PAGE_SIZE);
		free_pages(virt_to_page(c), 0);
		first = next;
	}
}

/* new_chunk - a zeroed, preserved chunk page linked after @prev; NULL if out of memory. */
static struct kho_vmalloc_chunk *new_chunk(struct kho_vmalloc_chunk *prev, u64 *first)
{
	struct kho_vmalloc_chunk *c = kho_page_alloc();

	if (!c)
		return NULL;
	if (kho_preserve_phys(__pa(c), PAGE_SIZE)) {
		kho_page_free(c);
		return NULL;
	}
	if (prev)
		prev->next = __pa(c);
	else
		*first = __pa(c);
	return c;
}

/* kho_preserve_vmalloc - see kho.h. */
int kho_preserve_vmalloc(const u64 *pieces, u32 nr, unsigned int order, struct kho_vmalloc *desc)
{
	struct kho_vmalloc_chunk *c = NULL;
	u64 first = 0;
	u32 slot = 0, i;
	int err;

	if (!desc || (nr && !pieces) || order > KHO_MAX_ORDER || (u64)nr << order > ~0U)
		return -EINVAL;
	c = new_chunk(NULL, &first);
	if (!c)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (pieces[i] & ((PAGE_SIZE << order) - 1)) {
			err = -EINVAL;
			goto fail;
		}
		err = kho_preserve_phys(pieces[i], PAGE_SIZE << order);
		if (err)
			goto fail;
		if (slot == KHO_VMALLOC_CHUNK_SLOTS) {
			c = new_chunk(c, &first);
			slot = 0;
			if (!c) {
				err = -ENOMEM;
				i++;		/* this piece is preserved: unwind it too */
				goto fail;
			}
		}
		c->phys[slot++] = pieces[i];
	}
	*desc = (struct kho_vmalloc){ .first = first, .total_pages = nr << order,
				      .flags = KHO_VMALLOC_ALLOC, .order = (u16)order };
	return 0;

fail:
	unwind(first, pieces, i, order);
	pr_err("cannot preserve an array of %u pieces of order %u (%d)\n", nr, order, err);
	return err;
}

/* restore_chunk - take the chunk page at @phys back; NULL (logged) if it was not preserved. */
static const struct kho_vmalloc_chunk *restore_chunk(u64 phys)
{
	struct page *p = (phys & (PAGE_SIZE - 1)) ? NULL : kho_restore_pages(phys, 1);

	if (!p)
		pr_err("kho_vmalloc chunk 0x%llx is not a preserved page\n", (unsigned long long)phys);
	return p ? page_address(p) : NULL;
}

/* kho_restore_vmalloc - see kho.h. */
int kho_restore_vmalloc(const struct kho_vmalloc *desc, u64 *pieces, u32 max, u32 *nr)
{
	u64 chunk = desc->first, pages = 0, step;
	u32 n = 0;

	/*
	 * Any order Linux can send (its huge vmalloc areas use pieces above
	 * buddy's order 10), but a piece of 2^32 pages or more cannot be
	 * counted in the u32 total_pages.
	 */
	if (desc->order >= 32 || (desc->flags & KHO_VMALLOC_ALLOC) == 0) {
		pr_err("kho_vmalloc descriptor with order %u or flags 0x%x is not an area; not restoring it\n",
		       desc->order, desc->flags);
		return -EINVAL;
	}
	step = 1ULL << desc->order;
	while (chunk) {
		const struct kho_vmalloc_chunk *c = restore_chunk(chunk);
		u64 next;

		if (!c)
			return -EINVAL;
		for (u32 i = 0; i < KHO_VMALLOC_CHUNK_SLOTS && c->phys[i]; i++) {
			if (pages + step > desc->total_pages || n == max ||
			    !kho_restore_pages(c->phys[i], step)) {
				pr_err("kho_vmalloc piece %u at 0x%llx: beyond %u pages, no room, or not preserved\n",
				       n, (unsigned long long)c->phys[i], desc->total_pages);
				free_pages(virt_to_page(c), 0);
				return -EINVAL;
			}
			pieces[n++] = c->phys[i];
			pages += step;
		}
		next = c->next;
		free_pages(virt_to_page(c), 0);
		chunk = next;
	}
	if (pages != desc->total_pages) {
		pr_err("kho_vmalloc lists %llu pages, its descriptor says %u\n",
		       (unsigned long long)pages, desc->total_pages);
		return -EINVAL;
	}
	*nr = n;
	return 0;
}
