/*
 * kho/kho_internal.h - the tracking structures shared by kho/preserve.c
 * (which owns them) and kho/serialize.c (which reads them).  Not for
 * other callers: use include/kho/kho.h.
 *
 * DOC: tracking tables
 *
 * For each order there is a sorted index of the bitmaps that exist: a
 * singly linked list of table pages, each holding up to
 * KHO_TABLE_ENTRIES {index, bitmap} pairs in ascending index, every entry
 * of a page below every entry of the next.  A bitmap is one page of
 * PRESERVE_BITS bits; bit b of bitmap i of order o stands for the block
 * whose pfn >> o is i * PRESERVE_BITS + b.  A bitmap exists only while it
 * has a bit set.  All pages come from alloc_pages(0, NUMA_NO_NODE).
 */
#ifndef KHO_KHO_INTERNAL_H
#define KHO_KHO_INTERNAL_H

#include <kholab/types.h>
#include <kholab/kho_abi.h>

/* struct kho_bitmap_ref - one bitmap of an order: its index and page. */
struct kho_bitmap_ref {
	u64 index;
	u64 *bits;		/* direct-map address of the bitmap page */
};

#define KHO_TABLE_ENTRIES	255

/* struct kho_table_page - one page of an order's sorted bitmap index. */
struct kho_table_page {
	struct kho_table_page *next;
	u32 count;
	u32 _pad;
	struct kho_bitmap_ref ent[KHO_TABLE_ENTRIES];
};

_Static_assert(sizeof(struct kho_table_page) == 4096, "a table is one page");

/* kho_order_table - first table page of @order (NULL: nothing preserved). */
struct kho_table_page *kho_order_table(unsigned int order);

/* kho_track_lock / kho_track_unlock - the lock over all tracking state. */
void kho_track_lock(void);
void kho_track_unlock(void);

/**
 * kho_page_alloc - one zeroed page for KHO's own use.
 * Return: its direct-map address, or NULL when memory is out.
 */
void *kho_page_alloc(void);

/* kho_page_free - give back a page from kho_page_alloc(). */
void kho_page_free(void *va);

#endif /* KHO_KHO_INTERNAL_H */
