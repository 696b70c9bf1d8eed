/*
 * mm/memmap_check.h - checks that fail the boot when memory init is wrong.
 */
#ifndef MM_MEMMAP_CHECK_H
#define MM_MEMMAP_CHECK_H

#include <kholab/types.h>
#include <mm/page.h>

struct mm_node_counts {
	u64 present;		/* RAM pages memblock knows on the node */
	u64 free;		/* pages inside free buddy blocks (memmap scan) */
	u64 reserved;		/* PageReserved RAM pages (memmap scan) */
	u64 noinit;		/* pages under RSRV_NOINIT reservations */
	u64 allocated;		/* pages handed out by buddy */
	u64 left;		/* deferred pages nobody initialised (background init stopped) */
	u64 memblock_free;	/* what memblock says is free */
	u64 left_free;		/* ... of which memblock-free (never given to buddy) */
	u64 taken;		/* RSRV_NOINIT pages their owner took back (in free/allocated) */
};

/*
 * memmap_noinit_taken - set by the owner of RSRV_NOINIT memory (KHO): true
 * if it took @pfn back, so its struct page is initialised and the page is
 * buddy's (allocated, or freed since).  NULL: no page was taken back.
 */
extern bool (*memmap_noinit_taken)(u64 pfn);

/* page_has_poison - true if any 8-byte word of @p still holds the poison. */
bool page_has_poison(const struct page *p);

/* page_all_poison - true if every 8-byte word of @p still holds the poison. */
bool page_all_poison(const struct page *p);

/**
 * memmap_check_poison - with memmap_poison=1: every struct page with a
 * memmap holds no poison word and was initialised exactly once.
 *
 * Return: 0, or -EINVAL after logging the first bad pfn and the totals.
 */
int memmap_check_poison(void);

/**
 * mm_check_accounting - per node and in total: present == free + reserved
 * + noinit + allocated (every RAM page in exactly one class, classes found
 * by scanning the memmap), free == the zones' counters, buddy's managed
 * pages == free + allocated, and free + allocated == what memblock had
 * free at the hand-over (buddy allocations all came from there) plus
 * what owners took back from RSRV_NOINIT (memmap_noinit_taken).  Pages a
 * stopped background init never reached count as "left" and are not read.
 * Valid once no memory init runs any more.
 * @counts: receives the per-node numbers (MAX_NUMNODES entries)
 *
 * Return: 0, or -EINVAL after logging the numbers that disagree.
 */
/**
 * memmap_check_deferred_poison - with memmap_poison=1, before SMP: every
 * struct page of RAM at or above its node's first_deferred_pfn (what
 * deferred init will initialise, reserved pages included) must still be
 * all poison, i.e. the boot CPU wrote none of them early.  Pages grown on
 * demand lie below the moved first_deferred_pfn, RSRV_NOINIT ones belong
 * to their owner: neither is read.
 * @checked: receives the number of struct pages checked
 *
 * Return: 0, or -EFAULT after logging how many were written and the first.
 */
int memmap_check_deferred_poison(u64 *checked);

int mm_check_accounting(struct mm_node_counts *counts);

/**
 * buddy_selftest - selftest=buddy: invariants, then a seeded random
 * alloc/free stress over all orders and nodes that must return to the same
 * free counts, then invariants again.
 *
 * Return: 0, or -EINVAL / -ENOMEM with the reason logged and, in a few
 * words, in buddy_selftest_why ("" after a pass).
 */
int buddy_selftest(u64 seed);
extern const char *buddy_selftest_why;

#endif /* MM_MEMMAP_CHECK_H */
