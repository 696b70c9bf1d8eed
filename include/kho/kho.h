/*
 * kho/kho.h - Kexec HandOver (KHO): what subsystems and boot code call.
 *
 * DOC: the KHO interface
 *
 * A kernel that is going to kexec marks memory it wants the next kernel to
 * keep (preserve), registers per-subsystem FDT blobs (subtrees), and at
 * kexec time serializes both into the kho-v1 handoff: a root FDT plus a
 * linked list of chunk pages that point at one-page bitmaps
 * (include/kholab/kho_abi.h has the byte layouts).
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
 * The receiving side uses kho_parse_root_fdt(), kho_find_subtree() and
 * kho_walk_mem_map(), which never allocate and check everything they read.
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

/* ---- subtrees and the root FDT (kho/fdt.c) ---- */

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
 * kho_remove_subtree - forget the subtree whose blob is @fdt and unpreserve
 * the pages kho_add_subtree() preserved for it.
 *
 * Return: 0, or -ENOENT if @fdt was not added.
 */
int kho_remove_subtree(void *fdt);

/**
 * kho_build_root_fdt - write the kho-v1 root FDT into @buf.
 * @buf:          KHO_FDT_SIZE bytes, 8-byte aligned
 * @mem_map_phys: first chunk of the preserved-memory list (0 = none)
 *
 * Properties hold native-byte-order u64s; subtrees appear as child nodes in
 * the order they were added, each with an "fdt" property.
 *
 * Return: 0, or -ENOSPC if it does not fit in one page.
 */
int kho_build_root_fdt(void *buf, u64 mem_map_phys);

/**
 * kho_parse_root_fdt - check a received root FDT and read its memory map.
 * @fdt:      the blob; @fdt_size: bytes readable at @fdt
 * @mem_map_phys: receives the first chunk address (0 = nothing preserved)
 *
 * Return: 0; -EINVAL for a bad header, a size over @fdt_size, a compatible
 * other than exactly "kho-v1", or a memory-map property not 8 bytes long;
 * -ENOENT when the memory-map property is missing.
 */
int kho_parse_root_fdt(const void *fdt, u64 fdt_size, u64 *mem_map_phys);

/**
 * kho_find_subtree - look up child node @name of a checked root FDT.
 * @phys: receives its "fdt" property (the blob's physical address)
 *
 * Return: 0; -ENOENT if there is no such node or property; -EINVAL if the
 * property is not exactly 8 bytes.
 */
int kho_find_subtree(const void *fdt, const char *name, u64 *phys);

/* ---- the preserved-memory list (kho/serialize.c, kho/walk.c) ---- */

/**
 * kho_serialize_mem - write the kho-v1 chunk list for what is preserved now.
 * @first_chunk_phys: receives the first chunk's address, or 0 when nothing
 *                    is preserved
 *
 * Chunks are ordinary pages (not preserved); the bitmaps they point at are
 * the live tracking bitmaps, so nothing may be (un)preserved until the
 * kexec happens or kho_free_serialized() is called.
 *
 * Return: 0, or -ENOMEM (then no chunk is left allocated).
 */
int kho_serialize_mem(u64 *first_chunk_phys);

/**
 * kho_free_serialized - give back the chunks of an abandoned kexec.
 * @first_chunk_phys: what kho_serialize_mem() returned (0 is fine)
 */
void kho_free_serialized(u64 first_chunk_phys);

/**
 * struct kho_walk_ops - what kho_walk_mem_map() asks its caller.
 * @ram_ok: is [phys, phys + len) RAM the receiver may read now?
 * @block:  one preserved block, in chunk order; non-zero stops the walk
 *          and is returned.  NULL for a dry run that only validates.
 */
struct kho_walk_ops {
	bool (*ram_ok)(u64 phys, u64 len, void *arg);
	int (*block)(u64 phys, unsigned int order, void *arg);
};

/**
 * struct kho_walk_defect - the first thing kho_walk_mem_map() rejected.
 * @why:  what was wrong, e.g. "chunk not page aligned"
 * @addr: the physical address (or value) it concerns
 */
struct kho_walk_defect {
	const char *why;
	u64 addr;
};

/**
 * kho_walk_mem_map - validate and walk a received preserved-memory list.
 * @first_chunk: the root FDT's preserved-memory-map (0 = empty list)
 * @ops:         callbacks; @ops->ram_ok is required
 * @arg:         passed to the callbacks
 * @defect:      if not NULL, receives the first defect on error
 *
 * Reads only through __va() of pages @ops->ram_ok accepted and allocates
 * nothing.  Run it once with @ops->block NULL to decide all-or-nothing,
 * then again to act.
 *
 * Return: 0; -EINVAL for a misaligned chunk, bitmap or phys_start, an
 * order > 10, num_elms > 255 or a block past the end of the address space;
 * -EFAULT for a chunk or bitmap outside RAM; -ELOOP after KHO_MAX_CHUNKS
 * chunks; or the first non-zero value of @ops->block.
 */
int kho_walk_mem_map(u64 first_chunk, const struct kho_walk_ops *ops, void *arg,
		     struct kho_walk_defect *defect);

#endif /* KHO_KHO_H */
