/*
 * kho/test/kho_test_internal.h - what the files of kho/test/ share and
 * nothing else uses: the test clients' helpers, the fault injector's
 * per-format operations and the handoff dump.  The core (the files of
 * kho/ itself) never includes it; init/generation.c uses
 * include/kho/kho_test.h.
 *
 * DOC: the handoff dump records
 *
 * With kho.dump=1, the kernel that is about to kexec emits everything it
 * hands over as results records, and run-qemu.sh --kho-dump DIR turns them
 * back into files (docs/kho-dump.md).
 *
 * Records (one JSON line each, see docs/results.md):
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"hex":"..."}
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"zero":N}
 *   {"event":"kho_dump","gen":G,"file":F,"offset":O,"size":S,"text":"..."}
 *   {"event":"kho_dump_end","gen":G,"files":N,"bytes":B,"errors":E}
 * where S is the file's total size and O the position of this piece; the
 * pieces of one file come in ascending, gap-free order.
 *
 * Files: root.dtb, subtrees/<name>.dtb (an FDT blob) or subtrees/<name>.bin
 * (a kho-v4 blob that is not an FDT, blob-size bytes), kho_data.bin (the
 * 32-byte struct kho_data), scratch.bin (the kho_scratch[] array),
 * pages/0x<phys>.bin (every page of the encoded map, 4096 bytes each:
 * kho-v1's chunks and bitmaps, kho-v4's root, tables and leaves) and
 * preserved.txt ("0x<phys> <order>" per preserved block, as the sender
 * tracks them).
 */
#ifndef KHO_TEST_KHO_TEST_INTERNAL_H
#define KHO_TEST_KHO_TEST_INTERNAL_H

#include <kho/kho_internal.h>
#include <kho/kho_corrupt.h>
#include <kho/kho_test.h>

/* ---- the test clients (kho/test/test.c, kho/test/test_linux.c) ---- */

/* kho_test_linux_preserve - Linux's test_kho sender, seeded with @seed. */
int kho_test_linux_preserve(u64 gen, u64 seed);

/*
 * kho_test_linux_restore - Linux's test_kho receiver: prints "KHO restore
 * succeeded" or "KHO restore failed" when a kho_test subtree arrived.
 * Return: 0 (also when none arrived), or -EIO.
 */
int kho_test_linux_restore(u64 gen, struct kho_test_linux_result *r);

/* kho_test_rand - the clients' xorshift64* generator. */
u64 kho_test_rand(u64 *s);

/*
 * kho_test_folio_stream - the pseudo-random stream of the folio of 2^@order
 * pages at @phys for @seed: written into it with @fill, else only read.
 * Return: the FNV-1a checksum of the folio's contents.
 */
u64 kho_test_folio_stream(u64 seed, phys_addr_t phys, unsigned int order, bool fill);

/* struct kho_test_tables - the sender's folio list while it preserves (buddy pages). */
struct kho_test_tables {
	u64 *folio;		/* phys | order */
	u64 *csum;		/* the folio's checksum; vm shape: 0 = left unwritten */
	u64 cap;		/* entries */
	unsigned int order;	/* of each table's allocation */
};

/* kho_test_tables_get - room for @cap entries (fewer if 2^MAX_PAGE_ORDER pages cannot hold them); 0 or -ENOMEM. */
int kho_test_tables_get(struct kho_test_tables *t, u64 cap);

/*
 * kho_test_keep - preserve folio @p of @order and list it in @t at *@n with
 * @csum (xored into *@csum_all); a failure is logged and the folio freed.
 * Return: 0 or kho_preserve_folio()'s error.
 */
int kho_test_keep(struct kho_test_tables *t, u64 *n, struct page *p, unsigned int order,
		  u64 csum, u64 *csum_all);

/* kho_test_tables_put - give the tables back. */
void kho_test_tables_put(struct kho_test_tables *t);

/* struct test_fdt - the kholab_test sub-FDT's properties, as received. */
struct test_fdt {
	u64 magic, gen, seed, count, ledger;
	u64 fill_every;			/* vm shape: every k-th 2 MiB folio written; 0: random shape */
	const u64 *folios, *csums;	/* unaligned inside the FDT: memcpy each entry */
};

/* The vm shape's largest set: 192 GiB of 2 MiB folios plus its tail. */
#define KHO_TEST_MAX_FOLIOS	(98304 + 4096)

/* kho_test_vm_folios - how many folios kho.test_shape=vm preserves for @bytes. */
u64 kho_test_vm_folios(u64 bytes);

/*
 * kho_test_preserve_vm - kho.test_shape=vm (kho/test/vm_shape.c): preserve
 * kho.test_mem bytes as 2 MiB folios and a tail of 4 KiB pages, round
 * robin over the nodes, writing the stream into every *@fill_every-th one
 * and into any whose memory was not zero; entries go to @t at *@n.
 * Return: 0 or a negative errno (logged).
 */
int kho_test_preserve_vm(u64 seed, struct kho_test_tables *t, u64 *n, u64 *budget,
			 u64 *csum_all, u64 *fill_every);

/*
 * kho_test_verify_vm - restore and check every folio of @t on all CPUs:
 * written ones by their stream's checksum, the others by two zero words
 * per page; counts into @r and the "kho_verify" figures.
 */
void kho_test_verify_vm(const struct test_fdt *t, struct kho_test_result *r);

/*
 * kho_test_fdt_begin - a test client's subtree FDT: 2^@order pages from
 * kho_alloc_pages() (preserved with the handoff), the root node open and
 * its "compatible" set to @compatible.  *@err gets libfdt's result so far.
 * Return: the FDT, or NULL without memory.
 */
void *kho_test_fdt_begin(unsigned int order, const char *compatible, int *err);

/*
 * kho_test_fdt_end - close the root node of @fdt (from kho_test_fdt_begin()
 * with @order), finish it and add it to the handoff as subtree @name; @err
 * is libfdt's result so far.  On a libfdt error the pages are freed.
 * Return: 0, -ENOSPC (libfdt failed) or kho_add_subtree()'s error.
 */
int kho_test_fdt_end(void *fdt, unsigned int order, int err, const char *name);

/*
 * kho_test_alloc_folio - a preservable folio of @order on node @nid:
 * @kind 0 below first_deferred_pfn, 1 at or above it, else anywhere
 * (falling back to anywhere on the node above 1 MiB).  NULL if none.
 */
struct page *kho_test_alloc_folio(unsigned int order, int nid, int kind);

/* ---- fault injection (kho/test/corrupt.c, corrupt_v1.c, corrupt_v4.c) ---- */

/* kho_corrupt_map_of - the root FDT's preserved-memory-map (0 if none). */
u64 kho_corrupt_map_of(const void *fdt);

/* kho_corrupt_set_map - rewrite preserved-memory-map in place; 0 or -EINVAL. */
int kho_corrupt_set_map(void *fdt, u64 v);

/* What struct kho_corrupt_format.apply returns for a kind it leaves to the common code. */
#define KHO_CORRUPT_OTHER	1

/**
 * struct kho_corrupt_format - what the fault injector knows of one wire
 * format's own structures (kho/test/corrupt_<name>.c).
 * @abi:        the struct kho_abi name of the format it damages, e.g. "v4"
 * @apply:      damage the handoff as @kind says, for the kinds only this
 *              format can suffer (and block-overlap); @map is the root's
 *              preserved-memory-map, @top an address past the end of RAM.
 *              Return: 0, a negative errno, or KHO_CORRUPT_OTHER for a
 *              kind it does not own
 * @inject:     make the encoded map of root FDT @fdt also claim the block
 *              of 2^@order pages at @phys.  Return: 0 or a negative errno
 * @head_bytes: kho.corrupt=bitflip: how many bytes at the start of the
 *              map's first page (at @map) hold its structure
 */
struct kho_corrupt_format {
	const char *abi;
	int (*apply)(int kind, const struct kho_send_ctx *c, void *fdt, u64 map, u64 top);
	int (*inject)(void *fdt, phys_addr_t phys, unsigned int order);
	u64 (*head_bytes)(u64 map);
};

/* The formats the injector knows: kho/test/corrupt_v1.c, kho/test/corrupt_v4.c. */
extern const struct kho_corrupt_format kho_corrupt_v1, kho_corrupt_v4;

/**
 * kho_corrupt_apply - damage the finished handoff as kho.corrupt= says
 * (nothing for "none").  Return: 0, or -EINVAL when the kind cannot apply
 * to this handoff (e.g. no chunk to damage), -ENOMEM.
 */
int kho_corrupt_apply(const struct kho_send_ctx *c);

/* ---- the handoff dump (kho/test/dump.c) ---- */

/**
 * kho_dump_emit - when kho.dump=1, emit the handoff of generation @gen.
 * @gen:      this kernel's generation
 * @fdt_phys: the root FDT (what kho_finalize() returned)
 * @kd:       the kho_data record as the next kernel will receive it; its
 *            scratch_addr is the destination address, so the scratch bytes
 *            are taken from kho_scratch[] and the addresses left as given
 *
 * Does nothing when kho.dump is off.  Never allocates and never changes
 * the handoff; anything it cannot read is counted in kho_dump_end.errors
 * and logged.
 */
void kho_dump_emit(u64 gen, u64 fdt_phys, const struct kho_data *kd);

#endif /* KHO_TEST_KHO_TEST_INTERNAL_H */
