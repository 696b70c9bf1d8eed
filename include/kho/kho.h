/*
 * kho/kho.h - Kexec HandOver (KHO): the interface other subsystems use.
 *
 * DOC: the KHO interface
 *
 * A kernel that is going to kexec marks memory it wants the next kernel to
 * keep (preserve), registers per-subsystem blobs (subtrees), and at kexec
 * time encodes both into the handoff, in the wire format kho.abi= names
 * for this generation: a root FDT plus the format's map of the preserved
 * blocks (include/kholab/kho_abi.h has the byte layouts).
 *
 * Preserved memory is tracked in naturally aligned blocks of 2^order pages,
 * order 0..KHO_MAX_ORDER.  Ranges that are not one block are split
 * greedily: from the current pfn, order = min(ctz(pfn),
 * floor(log2(end_pfn - pfn)), KHO_MAX_ORDER).  Memory below 1 MiB is never
 * preserved: kholab keeps it as scratch on every KHO boot.
 *
 * Errors, for every function below: -EINVAL for a bad argument (NULL,
 * zero size, misaligned, order > 10, beyond the physical address space, or
 * touching the first MiB), -EEXIST when the memory overlaps memory that is
 * already preserved (at any order), -ENOENT when unpreserving memory that
 * is not preserved exactly so, -ENOMEM when tracking pages run out.  A
 * failed call changes nothing.
 *
 * The receiving kernel's owners take their memory back with
 * kho_restore_folio() / kho_restore_pages() and find their blobs with
 * kho_retrieve_subtree().  How the handoff is laid out in memory (the wire
 * format) is not visible here: see include/kho/kho_internal.h.
 */
#ifndef KHO_KHO_H
#define KHO_KHO_H

#include <kholab/types.h>
#include <kholab/kho_abi.h>

struct page;

/* Lowest physical address KHO preserves; everything below is scratch. */
#define KHO_MIN_PRESERVE_PHYS	(1ULL << 20)

/* Most subtrees one kernel can register, and the longest name (w/o NUL). */
#define KHO_MAX_SUBTREES	32
#define KHO_SUBTREE_NAME_MAX	31

/* Most chunks the walker follows before it calls the list a cycle. */
#define KHO_MAX_CHUNKS		65536

/*
 * Most preserved blocks a receiver can check and track; more is refused.
 * Only a bound against a count that would overflow: the table (24 bytes a
 * block) is allocated in the handoff's scratch, sized by the handoff, and
 * a handoff whose table does not fit is refused then.  A Linux's 1 GiB of
 * 4 KiB memfd folios is 262,144 blocks; 192 GiB of 2 MiB folios 98,304.
 */
#define KHO_MAX_BLOCKS		(1ULL << 24)

/* ---- preserving memory (kho/preserve.c) ---- */

/**
 * kho_preserve_folio - preserve the 2^@order pages starting at @page.
 * @page:  head page; its pfn must be a multiple of 2^@order
 * @order: 0..KHO_MAX_ORDER
 *
 * Return: 0, -EINVAL, -EEXIST or -ENOMEM (see the DOC above).
 */
int kho_preserve_folio(struct page *page, unsigned int order);

/**
 * kho_preserve_pages - preserve @nr pages starting at @page, split into
 * naturally aligned blocks.
 *
 * Return: 0, -EINVAL, -EEXIST or -ENOMEM; on error nothing is preserved.
 */
int kho_preserve_pages(struct page *page, u64 nr);

/**
 * kho_preserve_phys - preserve [@phys, @phys + @size), split into naturally
 * aligned blocks.  Both must be page aligned and @size non-zero.
 *
 * Return: 0, -EINVAL, -EEXIST or -ENOMEM; on error nothing is preserved.
 */
int kho_preserve_phys(phys_addr_t phys, u64 size);

/**
 * kho_unpreserve_folio - undo kho_preserve_folio(@page, @order).
 *
 * Return: 0, -EINVAL, or -ENOENT if exactly that block is not preserved.
 */
int kho_unpreserve_folio(struct page *page, unsigned int order);

/**
 * kho_unpreserve_pages - undo kho_preserve_pages(@page, @nr).
 *
 * Return: 0, -EINVAL, or -ENOENT if any of its blocks is not preserved
 * (then nothing is unpreserved).
 */
int kho_unpreserve_pages(struct page *page, u64 nr);

/**
 * kho_unpreserve_phys - undo kho_preserve_phys(@phys, @size).
 *
 * Return: 0, -EINVAL, or -ENOENT if any of its blocks is not preserved
 * (then nothing is unpreserved).
 */
int kho_unpreserve_phys(phys_addr_t phys, u64 size);

/**
 * kho_is_preserved - is any byte of [@phys, @phys + @size) preserved?
 *
 * Return: true if so; false otherwise or for a bad range.
 */
bool kho_is_preserved(phys_addr_t phys, u64 size);

/**
 * kho_for_each_preserved - call @fn(phys, order, @arg) for every preserved
 * block, by ascending order, then ascending address.  A non-zero return
 * from @fn stops the walk.  @fn must not preserve or unpreserve.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int kho_for_each_preserved(int (*fn)(phys_addr_t phys, unsigned int order, void *arg),
			   void *arg);

/* kho_preserved_blocks / kho_preserved_bytes - what is preserved now. */
u64 kho_preserved_blocks(void);
u64 kho_preserved_bytes(void);

/* kho_tracking_pages - pages held for bitmaps and index tables. */
u64 kho_tracking_pages(void);

/**
 * kho_unpreserve_all - drop every preserved block and free the tracking
 * pages (an abandoned kexec, or a test starting over).  Subtrees stay
 * registered; call kho_remove_subtree() for those.
 */
void kho_unpreserve_all(void);

/* ---- subtrees (kho/subtree.c) ---- */

/**
 * kho_add_subtree - hand @fdt to the next kernel as child node @name.
 * @name: 1..KHO_SUBTREE_NAME_MAX characters of [A-Za-z0-9,._+-]
 * @fdt:  a valid, page-aligned FDT blob; its fdt_totalsize() rounded up
 *        to pages is preserved
 *
 * Return: 0; -EINVAL for a bad name or blob; -EEXIST if @name is taken or
 * the blob's pages are already preserved; -ENOMEM when the table is full
 * or tracking pages run out.
 */
int kho_add_subtree(const char *name, void *fdt);

/**
 * kho_add_subtree_folio - as kho_add_subtree(), for an FDT at the start of
 * a folio of 2^@order pages that is preserved whole, as one block of that
 * order: what Linux's test_kho does with its FDT (an order-1 folio for up
 * to 512 folios), so the next kernel sees exactly Linux's key.
 * @order: 0..KHO_MAX_ORDER; @fdt aligned to the folio, its totalsize
 *         within it
 *
 * Return: as kho_add_subtree().  kho_remove_subtree() unpreserves the
 * whole folio.
 */
int kho_add_subtree_folio(const char *name, void *fdt, unsigned int order);

/**
 * kho_add_blob - hand @size bytes at @blob to the next kernel as child node
 * @name, for blobs that are not FDTs (kho-v4 records their size; kho-v1
 * can only describe FDTs, so its receivers cannot use such a blob).  The
 * blob's pages are preserved, as for kho_add_subtree().
 *
 * Return: as kho_add_subtree().
 */
int kho_add_blob(const char *name, void *blob, u64 size);

/**
 * kho_remove_subtree - forget the subtree whose blob is @fdt and unpreserve
 * the pages kho_add_subtree() preserved for it.
 *
 * Return: 0, or -ENOENT if @fdt was not added.
 */
int kho_remove_subtree(void *fdt);

/**
 * kho_retrieve_subtree - the blob the previous kernel handed over as @name.
 * @phys: receives its physical address (its pages are preserved: restore
 *        them with kho_restore_pages() before keeping them)
 * @size: if not NULL, receives its length (0 from kho-v1: an FDT, sized
 *        by its own header)
 *
 * Return: 0; -ENOENT on a cold boot or when there is no such subtree;
 * -EINVAL when the node is malformed.
 */
int kho_retrieve_subtree(const char *name, u64 *phys, u64 *size);

/* ---- arrays of pages (kho/vmalloc.c) ---- */

/**
 * kho_preserve_vmalloc - preserve an ordered array of @nr pieces, each
 * 2^@order pages at the physical address @pieces[i], as Linux's
 * kho_vmalloc: one-page chunks listing the pieces, every chunk page and
 * every piece preserved as its own block(s).
 * @desc: receives the 16-byte descriptor; keep it in preserved data
 *
 * Return: 0; -EINVAL for a misaligned piece or bad argument, -EEXIST for
 * memory already preserved, -ENOMEM; on error nothing stays preserved.
 */
int kho_preserve_vmalloc(const u64 *pieces, u32 nr, unsigned int order, struct kho_vmalloc *desc);

/**
 * kho_restore_vmalloc - take back an array described by @desc: every chunk
 * page (then freed) and every piece (kho_restore_pages()).
 * @pieces: receives the pieces' physical addresses, room for @max
 * @nr:     receives how many there were
 *
 * Return: 0; -EINVAL when a chunk or piece was not preserved, more pieces
 * than @max, or the page count differs from the descriptor's.
 */
int kho_restore_vmalloc(const struct kho_vmalloc *desc, u64 *pieces, u32 max, u32 *nr);

/* ---- taking preserved memory back (kho/restore.c) ---- */

/**
 * kho_restore_folio - take back a preserved folio: check that its struct
 * pages were initialised and that the head carries {order, KHO_PAGE_MAGIC},
 * clear the marker, set refcounts (head 1, tails 0, compound).
 * Return: the head page, or NULL (with the reason logged) - in particular
 * for an address that was not preserved or was restored already.
 */
struct page *kho_restore_folio(phys_addr_t phys);

/*
 * kho_restore_pages - the same for @nr order-0 pages starting at @phys
 * (each refcount 1).  Every block is checked before any is taken.
 */
struct page *kho_restore_pages(phys_addr_t phys, u64 nr);

/* kho_lost_count - restores that found uninitialised pages or a lost marker. */
u64 kho_lost_count(void);

/* kho_is_revived - this boot received and accepted a handoff. */
bool kho_is_revived(void);

/*
 * kho_rejected_reason - why this boot refused a received handoff, or why
 * a kexec'd boot has none ("no KHO handoff record ..."); NULL otherwise.
 */
const char *kho_rejected_reason(void);

/* kho_handoff_refused - a handoff record came and this boot refused it. */
bool kho_handoff_refused(void);

/*
 * kho_alloc_pages - 2^@order pages that can be preserved: never below
 * 1 MiB, which is scratch on every KHO boot.  NULL if none.
 */
struct page *kho_alloc_pages(unsigned int order);

#endif /* KHO_KHO_H */
