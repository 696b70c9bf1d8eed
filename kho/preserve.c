/*
 * kho/preserve.c - which memory the next kernel must keep: per-order sparse
 * bitmaps, set by kho_preserve_*() and cleared by kho_unpreserve_*().
 *
 * DOC: preserving memory
 *
 * Memory is preserved in naturally aligned blocks of 2^order pages.  A
 * block (pfn, order) is bit (pfn >> order) % PRESERVE_BITS of bitmap
 * (pfn >> order) / PRESERVE_BITS of its order; these are exactly the
 * bitmaps both wire formats hand over (kho/abi_v1.c points its chunks at
 * them, kho/abi_v4.c makes them the radix tree's leaves), so encoding
 * needs no copy.
 * See include/kho/kho_internal.h for the index that finds a bitmap.
 *
 * No byte may be preserved twice, at whatever orders: before a block is
 * set, every order is asked whether it already covers part of it.  A
 * lower order o' might hold any of the 2^(order - o') bits under the
 * block (always inside one bitmap, since 2^10 divides PRESERVE_BITS); a
 * higher order holds at most the one bit of the block that contains it.
 *
 * Range calls are all-or-nothing: preserving rolls back the blocks it set
 * when one fails; unpreserving checks every block before clearing any.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho.h>
#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/numa.h>
#include <string.h>
#include <errno.h>

#define BITMAP_WORDS	(PRESERVE_BITS / 64)
#define MIN_PFN		PHYS_PFN(KHO_MIN_PRESERVE_PHYS)

static struct kho_table_page *tables[KHO_MAX_ORDER + 1];
static spinlock_t track_lock = SPINLOCK_INIT;
static u64 nr_blocks, nr_bytes, nr_tracking_pages;

struct kho_table_page *kho_order_table(unsigned int order)
{
	return order <= KHO_MAX_ORDER ? tables[order] : NULL;
}

void kho_track_lock(void)
{
	spin_lock(&track_lock);
}

void kho_track_unlock(void)
{
	spin_unlock(&track_lock);
}

/* alloc_above_1m - 2^@order pages from 1 MiB (always scratch) up to @end_pfn, any node. */
static struct page *alloc_above_1m(unsigned int order, u64 end_pfn)
{
	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct page *p = alloc_pages_range(order, nid, PHYS_PFN(KHO_MIN_PRESERVE_PHYS), end_pfn);

		if (p)
			return p;
	}
	return NULL;
}

/* kho_alloc_pages - see kho.h: memory KHO can preserve (not below 1 MiB). */
struct page *kho_alloc_pages(unsigned int order)
{
	return alloc_above_1m(order, ~0ULL);
}

/*
 * kho_alloc_meta_pages - see kho_internal.h: like kho_alloc_pages(), but
 * below DIRECT_MAP_MAX_GIB as well.
 */
struct page *kho_alloc_meta_pages(unsigned int order)
{
	return alloc_above_1m(order, PHYS_PFN((u64)DIRECT_MAP_MAX_GIB << 30));
}

void *kho_page_alloc(void)
{
	struct page *page = kho_alloc_meta_pages(0);	/* above 1 MiB: never scratch */
	void *va;

	if (!page)
		return NULL;
	va = page_address(page);
	memset(va, 0, PAGE_SIZE);
	return va;
}

void kho_page_free(void *va)
{
	free_pages(virt_to_page(va), 0);
}

/* ---- the sorted index of bitmaps ---- */

/* table_find - the page of @order's index that holds or would hold @index. */
static struct kho_table_page *table_find(unsigned int order, u64 index)
{
	struct kho_table_page *t = tables[order];

	while (t && t->next && (!t->count || t->ent[t->count - 1].index < index))
		t = t->next;
	return t;
}

/* slot_of - first entry of @t whose index is >= @index (t->count if none). */
static u32 slot_of(const struct kho_table_page *t, u64 index)
{
	u32 lo = 0, hi = t->count;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (t->ent[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* bitmap_lookup - @order's bitmap number @index, or NULL if it has none. */
static u64 *bitmap_lookup(unsigned int order, u64 index)
{
	struct kho_table_page *t = table_find(order, index);
	u32 i;

	if (!t)
		return NULL;
	i = slot_of(t, index);
	return i < t->count && t->ent[i].index == index ? t->ent[i].bits : NULL;
}

/* table_insert - enter @bits as @order's bitmap @index; 0 or -ENOMEM. */
static int table_insert(unsigned int order, u64 index, u64 *bits)
{
	struct kho_table_page *t = table_find(order, index), *n;
	u32 i;

	if (!t) {
		t = kho_page_alloc();
		if (!t)
			return -ENOMEM;
		nr_tracking_pages++;
		tables[order] = t;
	}
	if (t->count == KHO_TABLE_ENTRIES) {
		/* Full: move the upper half to a new page after this one. */
		u32 keep = KHO_TABLE_ENTRIES / 2;

		n = kho_page_alloc();
		if (!n)
			return -ENOMEM;
		nr_tracking_pages++;
		n->count = t->count - keep;
		memcpy(n->ent, &t->ent[keep], n->count * sizeof(n->ent[0]));
		t->count = keep;
		n->next = t->next;
		t->next = n;
		if (index > t->ent[keep - 1].index)
			t = n;
	}
	i = slot_of(t, index);
	memmove(&t->ent[i + 1], &t->ent[i], (t->count - i) * sizeof(t->ent[0]));
	t->ent[i].index = index;
	t->ent[i].bits = bits;
	t->count++;
	return 0;
}

/* table_remove - drop @order's entry @index (which exists). */
static void table_remove(unsigned int order, u64 index)
{
	struct kho_table_page *t = table_find(order, index), **link;
	u32 i = slot_of(t, index);

	t->count--;
	memmove(&t->ent[i], &t->ent[i + 1], (t->count - i) * sizeof(t->ent[0]));
	if (t->count)
		return;
	for (link = &tables[order]; *link != t; link = &(*link)->next)
		;
	*link = t->next;
	kho_page_free(t);
	nr_tracking_pages--;
}

/* ---- blocks ---- */

static bool bit_test(const u64 *bits, u64 b)
{
	return bits[b / 64] >> (b % 64) & 1;
}

/* bits_any - is any of the @n bits from @first set?  @n is a power of two
 * that divides @first. */
static bool bits_any(const u64 *bits, u64 first, u64 n)
{
	u64 w;

	if (n < 64)
		return bits[first / 64] >> (first % 64) & ((1ULL << n) - 1);
	for (w = first / 64; w < (first + n) / 64; w++)
		if (bits[w])
			return true;
	return false;
}

/* block_overlaps - does any order already preserve part of (@pfn, @order)? */
static bool block_overlaps(u64 pfn, unsigned int order)
{
	unsigned int o;

	for (o = 0; o <= KHO_MAX_ORDER; o++) {
		u64 hi = pfn >> o;
		u64 *bits = bitmap_lookup(o, hi / PRESERVE_BITS);

		if (!bits)
			continue;
		if (o <= order ? bits_any(bits, hi % PRESERVE_BITS, 1ULL << (order - o))
			       : bit_test(bits, hi % PRESERVE_BITS))
			return true;
	}
	return false;
}

/* block_is_set - is exactly (@pfn, @order) preserved? */
static bool block_is_set(u64 pfn, unsigned int order)
{
	u64 hi = pfn >> order;
	u64 *bits = bitmap_lookup(order, hi / PRESERVE_BITS);

	return bits && bit_test(bits, hi % PRESERVE_BITS);
}

/* block_set - preserve (@pfn, @order), known not to overlap; 0 or -ENOMEM. */
static int block_set(u64 pfn, unsigned int order)
{
	u64 hi = pfn >> order;
	u64 *bits = bitmap_lookup(order, hi / PRESERVE_BITS);

	if (!bits) {
		bits = kho_page_alloc();
		if (!bits)
			return -ENOMEM;
		if (table_insert(order, hi / PRESERVE_BITS, bits)) {
			kho_page_free(bits);
			return -ENOMEM;
		}
		nr_tracking_pages++;
	}
	bits[hi % PRESERVE_BITS / 64] |= 1ULL << (hi % 64);
	nr_blocks++;
	nr_bytes += PAGE_SIZE << order;
	return 0;
}

/* block_clear - unpreserve (@pfn, @order), known to be set; frees an
 * emptied bitmap. */
static void block_clear(u64 pfn, unsigned int order)
{
	u64 hi = pfn >> order;
	u64 *bits = bitmap_lookup(order, hi / PRESERVE_BITS);
	u64 w;

	bits[hi % PRESERVE_BITS / 64] &= ~(1ULL << (hi % 64));
	nr_blocks--;
	nr_bytes -= PAGE_SIZE << order;
	for (w = 0; w < BITMAP_WORDS; w++)
		if (bits[w])
			return;
	table_remove(order, hi / PRESERVE_BITS);
	kho_page_free(bits);
	nr_tracking_pages--;
}

/* ---- ranges ---- */

/* split_order - the order of the block that starts a split at @pfn. */
static unsigned int split_order(u64 pfn, u64 end)
{
	unsigned int align = pfn ? (unsigned int)__builtin_ctzll(pfn) : 63;
	unsigned int fit = 63 - (unsigned int)__builtin_clzll(end - pfn);
	unsigned int order = align < fit ? align : fit;

	return order < KHO_MAX_ORDER ? order : KHO_MAX_ORDER;
}

/* check_range - 0 if [@pfn, @pfn + @nr) may be preserved at all. */
static int check_range(u64 pfn, u64 nr)
{
	if (!nr || pfn < MIN_PFN || pfn >= MAX_PFN || nr > MAX_PFN - pfn)
		return -EINVAL;
	return 0;
}

/* unset_range - clear the blocks of the split of [@pfn, @end). */
static void unset_range(u64 pfn, u64 end)
{
	while (pfn < end) {
		unsigned int order = split_order(pfn, end);

		block_clear(pfn, order);
		pfn += 1ULL << order;
	}
}

/* preserve_range - preserve the split of [@pfn, @pfn + @nr); all or nothing. */
static int preserve_range(u64 pfn, u64 nr)
{
	u64 start = pfn, end = pfn + nr;
	int err = check_range(pfn, nr);

	if (err)
		return err;
	kho_track_lock();
	while (pfn < end) {
		unsigned int order = split_order(pfn, end);

		err = block_overlaps(pfn, order) ? -EEXIST : block_set(pfn, order);
		if (err)
			break;
		pfn += 1ULL << order;
	}
	if (err)
		unset_range(start, pfn);
	kho_track_unlock();
	if (err == -ENOMEM)
		pr_err("no page to track preserved memory 0x%llx-0x%llx; nothing of it is preserved\n",
		       (unsigned long long)PFN_PHYS(start), (unsigned long long)PFN_PHYS(end) - 1);
	return err;
}

/* unpreserve_range - unpreserve the split of [@pfn, @pfn + @nr); all or nothing. */
static int unpreserve_range(u64 pfn, u64 nr)
{
	u64 p, end = pfn + nr;
	int err = check_range(pfn, nr);

	if (err)
		return err;
	kho_track_lock();
	for (p = pfn; p < end; p += 1ULL << split_order(p, end)) {
		if (!block_is_set(p, split_order(p, end))) {
			err = -ENOENT;
			break;
		}
	}
	if (!err)
		unset_range(pfn, end);
	kho_track_unlock();
	return err;
}

/* folio_check - 0 if (@page, @order) names a naturally aligned block. */
static int folio_check(const struct page *page, unsigned int order)
{
	if (!page || order > KHO_MAX_ORDER ||
	    (page_to_pfn(page) & ((1ULL << order) - 1)))
		return -EINVAL;
	return 0;
}

int kho_preserve_folio(struct page *page, unsigned int order)
{
	int err = folio_check(page, order);

	return err ?: preserve_range(page_to_pfn(page), 1ULL << order);
}

int kho_unpreserve_folio(struct page *page, unsigned int order)
{
	int err = folio_check(page, order);

	return err ?: unpreserve_range(page_to_pfn(page), 1ULL << order);
}

int kho_preserve_pages(struct page *page, u64 nr)
{
	return page ? preserve_range(page_to_pfn(page), nr) : -EINVAL;
}

int kho_unpreserve_pages(struct page *page, u64 nr)
{
	return page ? unpreserve_range(page_to_pfn(page), nr) : -EINVAL;
}

int kho_preserve_phys(phys_addr_t phys, u64 size)
{
	if ((phys | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	return preserve_range(PHYS_PFN(phys), PHYS_PFN(size));
}

int kho_unpreserve_phys(phys_addr_t phys, u64 size)
{
	if ((phys | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	return unpreserve_range(PHYS_PFN(phys), PHYS_PFN(size));
}

bool kho_is_preserved(phys_addr_t phys, u64 size)
{
	u64 pfn = PHYS_PFN(phys), end;
	bool hit = false;

	if (!size || phys + size < phys || pfn >= MAX_PFN)
		return false;
	end = PFN_UP(phys + size);
	if (end > MAX_PFN)
		end = MAX_PFN;
	kho_track_lock();
	/* Any naturally aligned split of the range covers the same pages. */
	while (!hit && pfn < end) {
		unsigned int order = split_order(pfn, end);

		hit = block_overlaps(pfn, order);
		pfn += 1ULL << order;
	}
	kho_track_unlock();
	return hit;
}

/* ---- reading it all ---- */

int kho_for_each_preserved(int (*fn)(phys_addr_t phys, unsigned int order, void *arg),
			   void *arg)
{
	unsigned int order;
	int ret = 0;

	kho_track_lock();
	for (order = 0; order <= KHO_MAX_ORDER && !ret; order++) {
		for (struct kho_table_page *t = tables[order]; t && !ret; t = t->next) {
			for (u32 i = 0; i < t->count && !ret; i++) {
				const u64 *bits = t->ent[i].bits;

				for (u64 w = 0; w < BITMAP_WORDS && !ret; w++) {
					for (u64 m = bits[w]; m && !ret; m &= m - 1) {
						u64 b = w * 64 + (u64)__builtin_ctzll(m);
						u64 hi = t->ent[i].index * PRESERVE_BITS + b;

						ret = fn(PFN_PHYS(hi << order), order, arg);
					}
				}
			}
		}
	}
	kho_track_unlock();
	return ret;
}

u64 kho_preserved_blocks(void)
{
	return nr_blocks;
}

u64 kho_preserved_bytes(void)
{
	return nr_bytes;
}

u64 kho_tracking_pages(void)
{
	return nr_tracking_pages;
}

void kho_unpreserve_all(void)
{
	unsigned int order;

	kho_track_lock();
	for (order = 0; order <= KHO_MAX_ORDER; order++) {
		while (tables[order]) {
			struct kho_table_page *t = tables[order];

			for (u32 i = 0; i < t->count; i++)
				kho_page_free(t->ent[i].bits);
			tables[order] = t->next;
			kho_page_free(t);
		}
	}
	nr_blocks = nr_bytes = nr_tracking_pages = 0;
	kho_track_unlock();
}
