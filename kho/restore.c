/*
 * kho/restore.c - owners take their preserved memory back.
 *
 * DOC: restoring a preserved block
 *
 * A restore trusts nothing it has not checked: every struct page of the
 * block must have been initialised (no memmap poison, an init count), and
 * the head page must carry {order, KHO_PAGE_MAGIC} with the block's order.
 * Otherwise the metadata was lost - what happens in kho.deferred=unsafe,
 * where deferred init never ran over the block's struct pages - and the restore
 * says what it found where, counts it, and returns NULL; it never hands
 * out a page in a state it cannot vouch for.  Success clears the marker
 * (a second restore fails) and sets reference counts the way Linux does.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <mm/mmzone.h>
#include <mm/deferred_bg.h>
#include <mm/memmap_check.h>
#include <kho/kho_memmap.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>

static u64 lost;

/* Lost blocks logged one by one; after that only counted (a whole lost
 * handoff of 2 MiB folios would otherwise print 30,000 lines). */
#define LOST_LOGGED	16

/* note_lost - count a lost block; true if it is still to be logged. */
static bool note_lost(void)
{
	u64 n = __atomic_fetch_add(&lost, 1, __ATOMIC_RELAXED);

	if (n == LOST_LOGGED)
		pr_err("more than %d preserved blocks lost; the rest are only counted\n", LOST_LOGGED);
	return n < LOST_LOGGED;
}

/* kho_lost_count - see kho.h. */
u64 kho_lost_count(void)
{
	return lost;
}

/* find_block - index of the received block that starts at @phys, or -1. */
static long find_block(phys_addr_t phys)
{
	u64 n;
	const struct kho_block *b = kho_received_blocks(&n);
	u64 lo = 0, hi = n;

	while (lo < hi) {
		u64 mid = (lo + hi) / 2;

		if (b[mid].phys == phys)
			return (long)mid;
		if (b[mid].phys < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* page_uninitialised - true if memmap init never wrote @p. */
static bool page_uninitialised(const struct page *p)
{
	return p->flags == MEMMAP_POISON64 || p->init_count == 0 ||
	       p->init_count == MEMMAP_POISON32;
}

/*
 * check_adopted - a block whose struct pages were handed over is trusted
 * from here on: check every one of them first (kho/memmap_handover.c), and
 * initialise the block's struct pages if one fails - its data was never
 * in question.
 */
static void check_adopted(phys_addr_t phys, u64 size, unsigned int order)
{
	u64 t0 = rdtsc();

	if (kho_memmap_check_block(phys, order, false))
		kho_reinit_block(phys, size);
	__atomic_fetch_add(&kho_memmap_stats.check_ns, tsc_to_ns(rdtsc() - t0), __ATOMIC_RELAXED);
}

/*
 * check_block - the shared checks; returns the block index or -1 (logged,
 * and counted as lost when the metadata is what went wrong).
 */
static long check_block(phys_addr_t phys)
{
	long idx = find_block(phys);
	u64 n;
	struct kho_block *b = kho_received_blocks(&n);
	union kho_page_info info;
	unsigned int order;
	struct page *head;

	if (!kho_is_revived() || idx < 0) {
		pr_err("restore of 0x%llx: that address was not preserved\n", (unsigned long long)phys);
		return -1;
	}
	if (b[idx].restored) {
		pr_err("restore of 0x%llx: already restored once\n", (unsigned long long)phys);
		return -1;
	}
	order = (unsigned int)__builtin_ctzll(b[idx].size >> PAGE_SHIFT);
	if (kho_cfg.deferred != KHO_DEFERRED_UNSAFE && kho_memmap_adopted(&b[idx]))
		check_adopted(phys, b[idx].size, order);	/* kho.memmap=handover */
	for (u64 pfn = PHYS_PFN(phys); pfn < PHYS_PFN(phys + b[idx].size); pfn++) {
		struct page *p = pfn_to_page(pfn);

		if (page_uninitialised(p)) {
			if (note_lost())
				pr_err("restore of 0x%llx: struct page of 0x%llx was never initialised (flags 0x%llx, init count 0x%x): metadata lost\n",
				       (unsigned long long)phys, (unsigned long long)PFN_PHYS(pfn),
				       (unsigned long long)p->flags, p->init_count);
			return -1;
		}
	}
	head = pfn_to_page(PHYS_PFN(phys));
	info.page_private = head->private;
	if (info.magic != KHO_PAGE_MAGIC || info.order != order) {
		if (note_lost())
			pr_err("restore of 0x%llx: marker lost (found magic 0x%x order %u, want 0x%x order %u)\n",
			       (unsigned long long)phys, info.magic, info.order, KHO_PAGE_MAGIC, order);
		return -1;
	}
	return idx;
}

/* kho_block_of - see kho_internal.h. */
long kho_block_of(u64 pfn)
{
	u64 n, lo = 0, hi;
	const struct kho_block *b = kho_received_blocks(&n);

	hi = n;
	while (lo < hi) {
		u64 mid = (lo + hi) / 2;

		if (PHYS_PFN(b[mid].phys + b[mid].size) <= pfn)
			lo = mid + 1;
		else if (PHYS_PFN(b[mid].phys) > pfn)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

/* pfn_taken - memmap_noinit_taken: @pfn lies in a block its owner restored. */
static bool pfn_taken(u64 pfn)
{
	u64 n;
	const struct kho_block *b = kho_received_blocks(&n);
	long idx = kho_block_of(pfn);

	return idx >= 0 && b[idx].restored;
}

/*
 * account_managed - restored pages become buddy-managed pages of their
 * zone.  The owner may free them to buddy, which then looks at the struct
 * pages around them: with memmap_init=background the sections holding the
 * block are claimed and initialised first (the block's own struct pages
 * stay KHO's: RSRV_NOINIT), and the accounting check learns to read them.
 */
static void account_managed(phys_addr_t phys, u64 nr)
{
	struct zone *z = page_zone(pfn_to_page(PHYS_PFN(phys)));

	deferred_bg_init_range(PHYS_PFN(phys), PHYS_PFN(phys) + nr);	/* mm/deferred_bg.c */
	memmap_noinit_taken = pfn_taken;

	spin_lock(&z->lock);
	z->managed_pages += nr;
	spin_unlock(&z->lock);
}

/* kho_restore_folio - see kho.h. */
struct page *kho_restore_folio(phys_addr_t phys)
{
	long idx = check_block(phys);
	u64 n;
	struct kho_block *b = kho_received_blocks(&n);
	struct page *head;
	u64 nr;

	if (idx < 0)
		return NULL;
	nr = b[idx].size >> PAGE_SHIFT;
	head = pfn_to_page(PHYS_PFN(phys));
	head->private = 0;
	head->_refcount = 1;
	if (nr > 1) {
		set_page_flag(head, PG_head);
		head->private = (u64)__builtin_ctzll(nr);	/* compound order, as buddy keeps it */
		for (u64 i = 1; i < nr; i++) {
			head[i]._refcount = 0;
			head[i].compound_head = (u64)(uintptr_t)head | 1;
		}
	}
	b[idx].restored = true;
	account_managed(phys, nr);
	return head;
}

/* kho_restore_pages - see kho.h.  All blocks are checked before any is taken. */
struct page *kho_restore_pages(phys_addr_t phys, u64 nr)
{
	u64 n, done;
	struct kho_block *b = kho_received_blocks(&n);

	for (done = 0; done < nr;) {		/* check every block first */
		phys_addr_t pa = phys + (done << PAGE_SHIFT);
		long idx = check_block(pa);

		if (idx < 0)
			return NULL;
		if (done + (b[idx].size >> PAGE_SHIFT) > nr) {
			pr_err("restore of %llu pages at 0x%llx: block at 0x%llx runs past the range\n",
			       (unsigned long long)nr, (unsigned long long)phys, (unsigned long long)pa);
			return NULL;
		}
		done += b[idx].size >> PAGE_SHIFT;
	}
	for (done = 0; done < nr;) {		/* then take them all */
		phys_addr_t pa = phys + (done << PAGE_SHIFT);
		long idx = find_block(pa);
		u64 len = b[idx].size >> PAGE_SHIFT;
		struct page *p = pfn_to_page(PHYS_PFN(pa));

		p->private = 0;
		for (u64 i = 0; i < len; i++)
			p[i]._refcount = 1;
		b[idx].restored = true;
		account_managed(pa, len);
		done += len;
	}
	return pfn_to_page(PHYS_PFN(phys));
}
