// SPDX-License-Identifier: MIT
/*
 * tests/host/test_kho_vmalloc.c - kho/vmalloc.c, arrays of pages handed
 * over the way Linux describes a vmalloc area (struct kho_vmalloc and its
 * chain of one-page chunks), on whole simulated kernels (kho_boot_sim.h):
 *
 *  - preserving, in a cold-booted generation 0: the descriptor
 *    (total_pages, flags, order), the chunk chain (511 slots a chunk, the
 *    pieces in order, 0 after the last, next links), and the preserved
 *    set - every chunk page one order-0 block and every piece one block of
 *    the array's order, never merged although the pieces are contiguous;
 *  - failing: out of memory at every allocation the call makes (buddy
 *    drained to that many free pages), a piece already preserved, a
 *    misaligned piece, bad arguments - nothing stays preserved and every
 *    page taken is given back;
 *  - restoring, in generation 1 after a real handoff (kho_finalize(),
 *    kho_populate(), kho_deserialize() writing the markers): the
 *    descriptor found through kho_retrieve_subtree(), every piece back in
 *    order with its content, the chunk pages freed; and chains broken one
 *    way each (a chunk or piece that was not preserved, a misaligned
 *    chunk, total_pages too small or too large, no room) refused.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c mm/memory_map.c kernel/bootinfo.c mm/sparse.c mm/mm_init.c mm/deferred.c mm/page_alloc.c mm/mmzone.c mm/memmap_check.c kernel/jobs.c kernel/tsc.c kernel/cmdline.c kho/state.c kho/preserve.c kho/scratch.c kho/validate.c kho/abi.c kho/abi_v1.c kho/abi_v4.c kho/subtree.c kho/deserialize.c kho/restore.c kho/handover.c kho/vmalloc.c mm/deferred_bg.c mm/deferred_claim.c kho/memmap_handover.c kho/memmap_record.c
 * LDLIBS: -lfdt -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "kho_boot_sim.h"
#include "kho_sim.h"
#include "case_table.h"

#define MAX_PIECES	1536
#define AREA_BLOCK	9			/* pieces are cut from order-9 allocations */
#define PATTERN		0x5bd1e9955bd1e995ULL
#define DESC_NAME	"kholab-vmalloc-test"

static struct boot_sim_gen gen0, gen1;

/* struct area - an array of @nr pieces of 2^@order pages, cut from @blocks. */
static struct area {
	u64 pieces[MAX_PIECES];
	u32 nr;
	unsigned int order;
	struct page *blocks[8];
	int nblocks;
} area;

static struct page *desc_page;		/* generation 0's page holding the descriptor */

/*
 * grab_area - @nr pieces of order @order, consecutive in order-9 blocks
 * from the running generation's buddy (so neighbouring pieces could be
 * merged into larger blocks, which kho_preserve_vmalloc() must not do).
 */
static void grab_area(u32 nr, unsigned int order)
{
	u64 step = 1ULL << order, pages = (u64)nr << order;

	area.nr = nr;
	area.order = order;
	area.nblocks = 0;
	while ((u64)area.nblocks << AREA_BLOCK < pages) {
		struct page *b = kho_alloc_pages(AREA_BLOCK);

		assert_non_null(b);
		assert_true(area.nblocks < (int)ARRAY_SIZE(area.blocks));
		area.blocks[area.nblocks++] = b;
	}
	for (u32 i = 0; i < nr; i++) {
		u64 page = i * step;

		area.pieces[i] = PFN_PHYS(page_to_pfn(area.blocks[page >> AREA_BLOCK])) +
				 ((page & ((1ULL << AREA_BLOCK) - 1)) << PAGE_SHIFT);
	}
}

/* fill_area - every word of every piece: its address mixed with PATTERN. */
static void fill_area(void)
{
	for (u32 i = 0; i < area.nr; i++) {
		u64 *w = __va(area.pieces[i]);

		for (u64 k = 0; k < (PAGE_SIZE << area.order) / 8; k++)
			w[k] = (area.pieces[i] + 8 * k) ^ PATTERN;
	}
}

/* area_intact - fill_area()'s content is still in every piece. */
static bool area_intact(void)
{
	for (u32 i = 0; i < area.nr; i++) {
		const u64 *w = __va(area.pieces[i]);

		for (u64 k = 0; k < (PAGE_SIZE << area.order) / 8; k++)
			if (w[k] != ((area.pieces[i] + 8 * k) ^ PATTERN))
				return false;
	}
	return true;
}

/*
 * expect_chain - @d describes `area`: total pages, flags, order, and a
 * chain of ceil(nr / 511) chunks (one for no pieces) listing the pieces
 * in order, 0 after the last one.  Return: the chunks' addresses in
 * @chunks, and how many.
 */
static u32 expect_chain(const struct kho_vmalloc *d, u64 *chunks)
{
	u32 want = area.nr ? (area.nr + KHO_VMALLOC_CHUNK_SLOTS - 1) / KHO_VMALLOC_CHUNK_SLOTS : 1;
	u32 n = 0, k = 0;

	assert_int_equal(d->total_pages, (u64)area.nr << area.order);
	assert_int_equal(d->flags, KHO_VMALLOC_ALLOC);
	assert_int_equal(d->order, area.order);
	for (u64 c = d->first; c; c = ((const struct kho_vmalloc_chunk *)__va(c))->next) {
		const struct kho_vmalloc_chunk *chunk = __va(c);

		assert_true(n < want);
		assert_int_equal(c & (PAGE_SIZE - 1), 0);
		chunks[n++] = c;
		for (u32 s = 0; s < KHO_VMALLOC_CHUNK_SLOTS; s++) {
			if (k < area.nr)
				assert_int_equal(chunk->phys[s], area.pieces[k++]);
			else
				assert_int_equal(chunk->phys[s], 0);
		}
	}
	assert_int_equal(n, want);
	assert_int_equal(k, area.nr);
	return n;
}

/*
 * expect_preserved - the tracker holds exactly the @n chunk pages (order
 * 0) and the pieces (each one block of the area's order), plus @others
 * preserved before.
 */
static void expect_preserved(const u64 *chunks, u32 n, u64 others)
{
	static struct kho_sim_blk blk[MAX_PIECES + 8];
	struct kho_sim_list all = { blk, 0, (int)ARRAY_SIZE(blk) };
	u32 found_chunks = 0, found_pieces = 0;

	assert_int_equal(kho_preserved_blocks(), n + area.nr + others);
	assert_int_equal(kho_for_each_preserved(kho_sim_collect, &all), 0);
	for (int b = 0; b < all.n; b++) {
		for (u32 i = 0; i < n; i++)
			found_chunks += blk[b].phys == chunks[i] && blk[b].order == 0;
		for (u32 i = 0; i < area.nr; i++)
			found_pieces += blk[b].phys == area.pieces[i] && blk[b].order == area.order;
	}
	assert_int_equal(found_chunks, n);
	assert_int_equal(found_pieces, area.nr);
	for (u32 i = 0; i < n; i++)
		assert_true(kho_is_preserved(chunks[i], PAGE_SIZE));
}

/* ======================================================================
 * Preserving
 * ==================================================================== */

/* struct preserve_case - an array of @nr pieces of order @order. */
struct preserve_case {
	const char *name;
	u32 nr;
	unsigned int order;
};

static const struct preserve_case preserve_cases[] = {
	{ "test_preserve_0_pages", 0, 0 },
	{ "test_preserve_1_page", 1, 0 },
	{ "test_preserve_511_pages", 511, 0 },
	{ "test_preserve_512_pages", 512, 0 },
	{ "test_preserve_1500_pages", 1500, 0 },
	{ "test_preserve_600_order_2_pieces", 600, 2 },
};

/* test_preserve - one preserve_cases[] row: descriptor, chain and preserved set. */
static void test_preserve(void **state)
{
	const struct preserve_case *c = *state;
	struct kho_vmalloc d;
	u64 chunks[8];
	u32 n;

	boot_sim_cold_boot(&gen0);
	grab_area(c->nr, c->order);
	memset(&d, 0xee, sizeof(d));
	assert_int_equal(kho_preserve_vmalloc(area.pieces, area.nr, area.order, &d), 0);
	n = expect_chain(&d, chunks);
	expect_preserved(chunks, n, 0);
}

/* drained pages: the buddy emptied, then some given back, so allocation fails on cue */
static u64 drained[PHYS_PFN(BOOT_SIM_BYTES)];
static u64 nr_drained;

/*
 * drain_to - take every free page from buddy, then give back @keep of
 * them above 1 MiB: the next @keep page allocations of KHO succeed, the
 * one after fails.
 */
static void drain_to(u64 keep)
{
	struct page *p;

	nr_drained = 0;
	while ((p = alloc_pages(0, NUMA_NO_NODE)))
		drained[nr_drained++] = page_to_pfn(p);
	assert_int_equal(nr_free_pages(), 0);
	for (u64 i = nr_drained; i-- > 0 && keep;) {
		if (drained[i] < PHYS_PFN(KHO_MIN_PRESERVE_PHYS))
			continue;
		free_pages(pfn_to_page(drained[i]), 0);
		drained[i] = 0;
		keep--;
	}
	assert_int_equal(keep, 0);
}

/* undrain - give back every page drain_to() still holds. */
static void undrain(void)
{
	for (u64 i = 0; i < nr_drained; i++)
		if (drained[i])
			free_pages(pfn_to_page(drained[i]), 0);
	nr_drained = 0;
}

/*
 * test_unwind_out_of_memory - 512 pieces (two chunks) with room for
 * 0, 1, 2, ... page allocations: every call that runs out returns -ENOMEM
 * with nothing preserved and every page back in buddy, until one has
 * room enough and succeeds.
 */
static void test_unwind_out_of_memory(void **state)
{
	struct kho_vmalloc d;
	int failures = 0;
	u64 keep;

	(void)state;
	boot_sim_cold_boot(&gen0);
	grab_area(512, 0);
	for (keep = 0; keep < 32; keep++) {
		int err;

		drain_to(keep);
		err = kho_preserve_vmalloc(area.pieces, area.nr, area.order, &d);
		if (!err) {
			undrain();
			break;
		}
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(kho_preserved_blocks(), 0);
		assert_int_equal(kho_tracking_pages(), 0);
		assert_int_equal(nr_free_pages(), keep);
		failures++;
		undrain();
	}
	assert_true(keep < 32);
	assert_true(failures >= 3);	/* the first chunk, its tracking, the second chunk */
	assert_true(shim_log_contains("cannot preserve an array of 512 pieces"));
}

/*
 * expect_unwound - a call on `area` failed with @err: only the @others
 * blocks preserved before remain, and buddy holds as many free pages as
 * @free before the call.
 */
static void expect_unwound(int err, int want_err, u64 others, u64 free)
{
	assert_int_equal(err, want_err);
	assert_int_equal(kho_preserved_blocks(), others);
	assert_int_equal(nr_free_pages(), free);
}

/* test_unwind_piece_preserved_already - a piece in the second chunk was preserved: -EEXIST. */
static void test_unwind_piece_preserved_already(void **state)
{
	struct kho_vmalloc d;
	u64 free;

	(void)state;
	boot_sim_cold_boot(&gen0);
	grab_area(600, 0);
	assert_int_equal(kho_preserve_phys(area.pieces[550], PAGE_SIZE), 0);
	free = nr_free_pages();
	expect_unwound(kho_preserve_vmalloc(area.pieces, area.nr, area.order, &d), -EEXIST, 1, free);
	assert_true(kho_is_preserved(area.pieces[550], PAGE_SIZE));
	assert_false(kho_is_preserved(area.pieces[549], PAGE_SIZE));
	assert_false(kho_is_preserved(area.pieces[551], PAGE_SIZE));
}

/* test_unwind_misaligned_piece - an order-2 piece one page off: -EINVAL. */
static void test_unwind_misaligned_piece(void **state)
{
	struct kho_vmalloc d;
	u64 free;

	(void)state;
	boot_sim_cold_boot(&gen0);
	grab_area(600, 2);
	area.pieces[550] += PAGE_SIZE;
	free = nr_free_pages();
	expect_unwound(kho_preserve_vmalloc(area.pieces, area.nr, area.order, &d), -EINVAL, 0, free);
}

/* test_bad_arguments - refused before anything is allocated. */
static void test_bad_arguments(void **state)
{
	struct kho_vmalloc d;
	u64 free;

	(void)state;
	boot_sim_cold_boot(&gen0);
	grab_area(4, 0);
	free = nr_free_pages();
	assert_int_equal(kho_preserve_vmalloc(area.pieces, area.nr, 0, NULL), -EINVAL);
	assert_int_equal(kho_preserve_vmalloc(NULL, 1, 0, &d), -EINVAL);
	assert_int_equal(kho_preserve_vmalloc(area.pieces, area.nr, KHO_MAX_ORDER + 1, &d), -EINVAL);
	assert_int_equal(kho_preserve_vmalloc(area.pieces, 1U << 23, 10, &d), -EINVAL);	/* 2^33 pages */
	assert_int_equal(kho_preserved_blocks(), 0);
	assert_int_equal(nr_free_pages(), free);
}

/* ======================================================================
 * Restoring after a handoff
 * ==================================================================== */

/*
 * struct restore_case - an array of @nr pieces of order @order handed
 * over; @breakit (if set) damages the descriptor copy, the chain in
 * memory or @max before the restore; @why (NULL: success) is the message
 * the refusal logs.
 */
struct restore_case {
	const char *name;
	u32 nr;
	unsigned int order;
	void (*breakit)(struct kho_vmalloc *d, u32 *max);
	const char *why;
};

/* not_preserved - a page of this generation's scratch: never a preserved block. */
static u64 not_preserved(void)
{
	return kho_scratch[0].addr + PAGE_SIZE;
}

static struct kho_vmalloc_chunk *chunk_at(u64 phys)
{
	return __va(phys);
}

static void first_unpreserved(struct kho_vmalloc *d, u32 *max) { (void)max; d->first = not_preserved(); }
static void first_misaligned(struct kho_vmalloc *d, u32 *max) { (void)max; d->first += 8; }
static void link_unpreserved(struct kho_vmalloc *d, u32 *max) { (void)max; chunk_at(d->first)->next = not_preserved(); }
static void piece_unpreserved(struct kho_vmalloc *d, u32 *max) { (void)max; chunk_at(d->first)->phys[3] = not_preserved(); }
static void total_too_small(struct kho_vmalloc *d, u32 *max) { (void)max; d->total_pages--; }
static void total_too_large(struct kho_vmalloc *d, u32 *max) { (void)max; d->total_pages++; }
static void no_room(struct kho_vmalloc *d, u32 *max) { *max = d->total_pages - 1; }
static void flags_zero(struct kho_vmalloc *d, u32 *max) { (void)max; d->flags = 0; }
static void order_16(struct kho_vmalloc *d, u32 *max) { (void)max; d->order = 16; }

#define CHUNK_REFUSED	"is not a preserved page"
#define PIECE_REFUSED	"beyond"
#define REFUSED_SILENTLY ""		/* -EINVAL, nothing particular logged */

static const struct restore_case restore_cases[] = {
	{ "test_restore_1_page", 1, 0, NULL, NULL },
	{ "test_restore_511_pages", 511, 0, NULL, NULL },
	{ "test_restore_512_pages", 512, 0, NULL, NULL },
	{ "test_restore_1500_pages", 1500, 0, NULL, NULL },
	{ "test_restore_600_order_2_pieces", 600, 2, NULL, NULL },
	{ "test_restore_first_chunk_unpreserved", 512, 0, first_unpreserved, CHUNK_REFUSED },
	{ "test_restore_first_chunk_misaligned", 512, 0, first_misaligned, CHUNK_REFUSED },
	{ "test_restore_chain_link_unpreserved", 1500, 0, link_unpreserved, CHUNK_REFUSED },
	{ "test_restore_piece_unpreserved", 512, 0, piece_unpreserved, PIECE_REFUSED },
	{ "test_restore_total_pages_too_small", 512, 0, total_too_small, PIECE_REFUSED },
	{ "test_restore_total_pages_too_large", 512, 0, total_too_large, "its descriptor says" },
	{ "test_restore_no_room", 512, 0, no_room, PIECE_REFUSED },
	{ "test_restore_flags_zero", 512, 0, flags_zero, REFUSED_SILENTLY },
	{ "test_restore_order_16", 512, 0, order_16, REFUSED_SILENTLY },
};

/*
 * hand_over_area - generation 0: the area preserved and filled, its
 * descriptor in a page of its own handed over as blob DESC_NAME; then
 * generation 1 boots on the same RAM in kho.deferred=deserialize (markers
 * written before buddy).  Return: the descriptor as generation 1 reads it.
 */
static struct kho_vmalloc hand_over_area(u32 nr, unsigned int order, u64 *chunks, u32 *nchunks)
{
	struct kho_vmalloc d;
	u64 phys, size;

	boot_sim_cold_boot(&gen0);
	grab_area(nr, order);
	fill_area();
	assert_int_equal(kho_preserve_vmalloc(area.pieces, area.nr, area.order, &d), 0);
	*nchunks = expect_chain(&d, chunks);
	desc_page = kho_alloc_pages(0);
	assert_non_null(desc_page);
	memcpy(page_address(desc_page), &d, sizeof(d));
	assert_int_equal(kho_add_blob(DESC_NAME, page_address(desc_page), sizeof(d)), 0);
	boot_sim_hand_over(&gen1);
	desc_page = NULL;			/* forgotten with the sender */

	kho_reset_for_test();			/* the next kernel */
	shim_log_reset();
	kho_cfg.deferred = KHO_DEFERRED_DESERIALIZE;
	boot_sim_memory(&gen1, NULL);
	if (!gen1.revived)
		fail_msg("handoff refused: %s\n%s", kho_rejected_reason(), shim_log_text());
	assert_int_equal(kho_retrieve_subtree(DESC_NAME, &phys, &size), 0);
	assert_true(size >= sizeof(d));
	assert_non_null(kho_restore_pages(phys, 1));
	memcpy(&d, __va(phys), sizeof(d));
	return d;
}

/*
 * test_restore - one restore_cases[] row: generation 1 takes the area
 * back with kho_restore_vmalloc(): every piece in order, its content and
 * its struct pages intact, each chunk page freed once read (and not
 * restorable again); or, with the row's damage, refused with its message.
 */
static void test_restore(void **state)
{
	const struct restore_case *c = *state;
	static u64 got[MAX_PIECES];
	u64 chunks[8], free;
	u32 nchunks, n = 0, max = MAX_PIECES;
	struct kho_vmalloc d = hand_over_area(c->nr, c->order, chunks, &nchunks);
	int err;

	if (c->breakit)
		c->breakit(&d, &max);
	free = nr_free_pages();
	err = kho_restore_vmalloc(&d, got, max, &n);
	if (c->why) {
		assert_int_equal(err, -EINVAL);
		if (!shim_log_contains(c->why))
			fail_msg("no \"%s\" in the log:\n%s", c->why, shim_log_text());
		return;
	}
	if (err)
		fail_msg("restore failed (%d):\n%s", err, shim_log_text());
	assert_int_equal(n, area.nr);
	for (u32 i = 0; i < n; i++) {
		const struct page *p = pfn_to_page(PHYS_PFN(area.pieces[i]));

		assert_int_equal(got[i], area.pieces[i]);
		for (u64 k = 0; k < (1ULL << area.order); k++)
			assert_int_equal(p[k]._refcount, 1);
		assert_int_equal(p->private, 0);			/* the marker is gone */
	}
	assert_true(area_intact());
	assert_int_equal(nr_free_pages() - free, nchunks);	/* the chunk pages */
	for (u32 i = 0; i < nchunks; i++)
		assert_null(kho_restore_pages(chunks[i], 1));	/* restored once already */
	assert_null(kho_restore_pages(area.pieces[0], 1ULL << area.order));
	assert_int_equal(kho_lost_count(), 0);
}

/* ======================================================================
 * Fixtures and main
 * ==================================================================== */

/* teardown - forget a descriptor blob a failed case left registered, then boot_sim_teardown(). */
static int teardown(void **state)
{
	if (desc_page)
		kho_remove_subtree(page_address(desc_page));
	desc_page = NULL;
	return boot_sim_teardown(state);
}

int main(void)
{
	struct CMUnitTest tests[4 + ARRAY_SIZE(preserve_cases) + ARRAY_SIZE(restore_cases)] = {
		cmocka_unit_test_setup_teardown(test_unwind_out_of_memory, boot_sim_setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwind_piece_preserved_already, boot_sim_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unwind_misaligned_piece, boot_sim_setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, boot_sim_setup, teardown),
	};
	size_t n = 4;

	n = CASE_TABLE_ADD(tests, n, preserve_cases, test_preserve, boot_sim_setup, teardown);
	n = CASE_TABLE_ADD(tests, n, restore_cases, test_restore, boot_sim_setup, teardown);
	return CASE_TABLE_RUN(tests, n, boot_sim_group_setup, NULL);
}
