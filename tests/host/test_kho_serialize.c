/*
 * tests/host/test_kho_serialize.c - kho/abi_v1.c's encoder and walker: the
 * kho-v1 chunk list as written (layout facts: ascending orders, one order
 * per chunk, 255 entries per chunk, next links, phys_start values), a
 * seeded random round trip preserve -> serialize -> walk, and every
 * defect the receiver's walker must reject in a hand-made list.
 *
 * Seed: KHOLAB_SEED (decimal or 0x hex), printed at the start.
 *
 * SOURCES: kho/preserve.c kho/abi_v1.c
 * LDLIBS: -lfdt
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <errno.h>

#include <kho/kho_internal.h>
#include <mm/page.h>
#include "shim.h"
#include "kho_sim.h"

#define SIM_MAX_PFN	((1ULL << 20))		/* struct pages for 4 GiB (the pool's) */
#define HAND_BASE	(32ULL << 20)		/* hand-made chunks live here */

#define MAX_BLKS	8192
static struct kho_sim_blk got_blk[MAX_BLKS];
static struct kho_sim_list got = { got_blk, 0, MAX_BLKS };

/* ram_ok - the receiver's view: simulated RAM from 1 MiB up, minus a hole. */
static u64 hole_start, hole_end;
static bool ram_ok(u64 phys, u64 len, void *arg)
{
	(void)arg;
	if (phys < (1ULL << 20) || phys + len > KHO_SIM_BYTES || phys + len < phys)
		return false;
	return phys + len <= hole_start || phys >= hole_end;
}

/* walks pass &got as their argument; rec_ops appends every block to it */
static const struct kho_walk_ops dry_ops = { .ram_ok = ram_ok };
static const struct kho_walk_ops rec_ops = { .ram_ok = ram_ok, .block = kho_sim_collect };

static int group_setup(void **state)
{
	(void)state;
	return kho_sim_group_setup("test_kho_serialize", SIM_MAX_PFN);
}

/* setup - kho_sim_setup(), no hole in RAM, got empty, the hand-made area zeroed. */
static int setup(void **state)
{
	kho_sim_setup(state);
	hole_start = hole_end = 0;
	got.n = 0;
	memset(__va(HAND_BASE), 0, 16 * PAGE_SIZE);
	return 0;
}

static struct khoser_mem_chunk *chunk_at(u64 phys)
{
	return __va(phys);
}

static void test_empty(void **state)
{
	u64 first = 123;

	(void)state;
	assert_int_equal(kho_serialize_mem(&first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(shim_page_pool_in_use(), 0);
	assert_int_equal(kho_walk_mem_map(0, &rec_ops, &got, NULL), 0);
	assert_int_equal(got.n, 0);
	kho_free_serialized(0);
}

static void test_chunk_per_order(void **state)
{
	u64 first, held;
	struct khoser_mem_chunk *c;
	const u64 *bits;

	(void)state;
	/* Added high order first: the list must still go 0, 3, 10. */
	assert_int_equal(kho_preserve_phys(1ULL << 32, 4ULL << 20), 0);	/* order 10 */
	assert_int_equal(kho_preserve_phys(0x5000000 + 8 * PAGE_SIZE, 8 * PAGE_SIZE), 0); /* 3 */
	assert_int_equal(kho_preserve_phys(0x7000000 + PAGE_SIZE, PAGE_SIZE), 0);	/* 0 */
	assert_int_equal(kho_preserve_phys(0x200000, PAGE_SIZE), 0);			/* 0 */
	held = shim_page_pool_in_use();
	assert_int_equal(kho_serialize_mem(&first), 0);
	assert_int_equal(shim_page_pool_in_use(), held + 3);
	assert_int_equal(first & (PAGE_SIZE - 1), 0);

	c = chunk_at(first);
	assert_int_equal(c->hdr.order, 0);
	assert_int_equal(c->hdr.num_elms, 1);	/* both pages in bitmap 0 */
	assert_int_equal(c->bitmaps[0].phys_start, 0);
	bits = __va(c->bitmaps[0].bitmap);
	assert_int_equal(bits[0x200 / 64], 1ULL << (0x200 % 64));
	assert_int_equal(bits[0x7001 / 64], 1ULL << (0x7001 % 64));
	assert_int_equal(c->bitmaps[1].phys_start, 0);	/* unused entries stay zero */
	assert_int_equal(c->bitmaps[1].bitmap, 0);

	c = chunk_at(c->hdr.next);
	assert_int_equal(c->hdr.order, 3);
	assert_int_equal(c->hdr.num_elms, 1);
	assert_int_equal(c->bitmaps[0].phys_start, 0);
	bits = __va(c->bitmaps[0].bitmap);
	assert_int_equal(bits[(0x5008 >> 3) / 64], 1ULL << ((0x5008 >> 3) % 64));

	c = chunk_at(c->hdr.next);
	assert_int_equal(c->hdr.order, 10);
	assert_int_equal(c->hdr.num_elms, 1);
	/* order 10: a bitmap spans 32768 << 22 = 128 GiB; 4 GiB is in bitmap 0. */
	assert_int_equal(c->bitmaps[0].phys_start, 0);
	bits = __va(c->bitmaps[0].bitmap);
	assert_int_equal(bits[((1ULL << 32) >> 22) / 64], 1);	/* bit 1024 */
	assert_int_equal(c->hdr.next, 0);

	kho_free_serialized(first);
	assert_int_equal(shim_page_pool_in_use(), held);
}

static void test_255_per_chunk(void **state)
{
	u64 first;
	struct khoser_mem_chunk *c;

	(void)state;
	/* 256 order-0 bitmaps: one page in each 128 MiB stretch from 128 MiB up. */
	for (u64 i = 1; i <= 256; i++)
		assert_int_equal(kho_preserve_phys((i << 27) + i * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1000), 5), 0);
	assert_int_equal(kho_serialize_mem(&first), 0);

	c = chunk_at(first);
	assert_int_equal(c->hdr.order, 0);
	assert_int_equal(c->hdr.num_elms, 255);
	for (u64 i = 0; i < 255; i++) {
		const u64 *bits = __va(c->bitmaps[i].bitmap);

		assert_int_equal(c->bitmaps[i].phys_start, (i + 1) << 27);
		assert_int_equal(bits[(i + 1) / 64], 1ULL << ((i + 1) % 64));
	}
	c = chunk_at(c->hdr.next);
	assert_int_equal(c->hdr.order, 0);
	assert_int_equal(c->hdr.num_elms, 1);
	assert_int_equal(c->bitmaps[0].phys_start, 256ULL << 27);
	c = chunk_at(c->hdr.next);
	assert_int_equal(c->hdr.order, 5);
	assert_int_equal(c->hdr.num_elms, 1);
	assert_int_equal(c->hdr.next, 0);

	assert_int_equal(kho_walk_mem_map(first, &rec_ops, &got, NULL), 0);
	assert_int_equal(got.n, 257);
	assert_int_equal(got.blk[0].phys, (1ULL << 27) + PAGE_SIZE);
	assert_int_equal(got.blk[256].phys, 0x1000000);
	assert_int_equal(got.blk[256].order, 5);
	kho_free_serialized(first);
}

static void test_serialize_enomem(void **state)
{
	u64 first = 7, held;

	(void)state;
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x1000), 0), 0);
	assert_int_equal(kho_preserve_folio(pfn_to_page(0x2000), 1), 0);
	held = shim_page_pool_in_use();
	shim_page_pool_fail_after(1);	/* the order-1 chunk fails */
	assert_int_equal(kho_serialize_mem(&first), -ENOMEM);
	assert_int_equal(first, 0);
	assert_int_equal(shim_page_pool_in_use(), held);
	assert_true(shim_log_contains("KHO: no page for the preserved-memory chunk list"));
	shim_page_pool_fail_after(-1);
}

static int blk_cmp(const void *a, const void *b)
{
	const struct kho_sim_blk *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

static void test_random_round_trip(void **state)
{
	static struct kho_sim_blk want[MAX_BLKS];

	(void)state;
	for (int round = 0; round < 8; round++) {
		int nwant = 0, target = 200 + (int)(shim_rand() % 1500);
		u64 first;

		kho_unpreserve_all();
		while (nwant < target) {
			unsigned int order = shim_rand() % (KHO_MAX_ORDER + 1);
			/* Mostly low memory (dense bitmaps), sometimes up to 64 TiB. */
			u64 limit = shim_rand() % 4 ? (64ULL << 30) : (1ULL << 46);
			u64 pfn = (shim_rand() % (limit >> PAGE_SHIFT)) & ~((1ULL << order) - 1);
			int err = kho_preserve_phys(PFN_PHYS(pfn), PAGE_SIZE << order);

			if (pfn < 256) {
				assert_int_equal(err, -EINVAL);
				continue;
			}
			if (err == -EEXIST)
				continue;
			assert_int_equal(err, 0);
			want[nwant].phys = PFN_PHYS(pfn);
			want[nwant++].order = order;
		}
		assert_int_equal(kho_preserved_blocks(), nwant);
		assert_int_equal(kho_serialize_mem(&first), 0);
		got.n = 0;
		assert_int_equal(kho_walk_mem_map(first, &dry_ops, NULL, NULL), 0);
		assert_int_equal(kho_walk_mem_map(first, &rec_ops, &got, NULL), 0);
		assert_int_equal(got.n, nwant);
		/* Chunk order is already (order, address) ascending. */
		for (int i = 1; i < got.n; i++)
			assert_true(blk_cmp(&got.blk[i - 1], &got.blk[i]) < 0);
		qsort(want, nwant, sizeof(want[0]), blk_cmp);
		for (int i = 0; i < nwant; i++) {
			assert_int_equal(got.blk[i].phys, want[i].phys);
			assert_int_equal(got.blk[i].order, want[i].order);
		}
		/* Orders ascend from chunk to chunk, and each chunk is full but the last of an order. */
		for (u64 p = first; p; p = chunk_at(p)->hdr.next) {
			struct khoser_mem_chunk *c = chunk_at(p);

			if (c->hdr.next) {
				struct khoser_mem_chunk *n = chunk_at(c->hdr.next);

				assert_true(n->hdr.order >= c->hdr.order);
				if (n->hdr.order == c->hdr.order)
					assert_int_equal(c->hdr.num_elms, 255);
			}
			for (u32 i = 1; i < c->hdr.num_elms; i++)
				assert_true(c->bitmaps[i].phys_start > c->bitmaps[i - 1].phys_start);
		}
		kho_free_serialized(first);
	}
}

/* ---- walker rejections, on hand-made lists at HAND_BASE ---- */

#define CH0	HAND_BASE
#define CH1	(HAND_BASE + PAGE_SIZE)
#define BM0	(HAND_BASE + 8 * PAGE_SIZE)

/* hand_list - CH0 (order @order) -> CH1 (order @order), each one bitmap BM0. */
static void hand_list(unsigned int order)
{
	struct khoser_mem_chunk *a = chunk_at(CH0), *b = chunk_at(CH1);
	u64 *bits = __va(BM0);

	a->hdr.next = CH1;
	a->hdr.order = b->hdr.order = order;
	a->hdr.num_elms = b->hdr.num_elms = 1;
	a->bitmaps[0].phys_start = 0;
	a->bitmaps[0].bitmap = BM0;
	b->bitmaps[0].phys_start = (u64)PRESERVE_BITS << (order + PAGE_SHIFT);
	b->bitmaps[0].bitmap = BM0;
	bits[0] = 0x5;	/* blocks 0 and 2 */
	bits[PRESERVE_BITS / 64 - 1] = 1ULL << 63;	/* the last block */
}

/* expect_defect - walking from @first fails with @err naming @why at @addr. */
static void expect_defect(u64 first, int err, const char *why, u64 addr)
{
	struct kho_walk_defect d = { NULL, 0 };

	got.n = 0;
	assert_int_equal(kho_walk_mem_map(first, &dry_ops, NULL, &d), err);
	assert_non_null(d.why);
	assert_non_null(strstr(d.why, why));
	assert_int_equal(d.addr, addr);
}

static void test_walk_hand_list_ok(void **state)
{
	u64 span = (u64)PRESERVE_BITS << (3 + PAGE_SHIFT);

	(void)state;
	hand_list(3);
	assert_int_equal(kho_walk_mem_map(CH0, &rec_ops, &got, NULL), 0);
	assert_int_equal(got.n, 6);
	assert_int_equal(got.blk[0].phys, 0);
	assert_int_equal(got.blk[1].phys, 2 * (PAGE_SIZE << 3));
	assert_int_equal(got.blk[2].phys, (u64)(PRESERVE_BITS - 1) * (PAGE_SIZE << 3));
	assert_int_equal(got.blk[3].phys, span);
	assert_int_equal(got.blk[5].order, 3);
}

static void test_walk_rejects_chunks(void **state)
{
	(void)state;
	hand_list(0);
	expect_defect(CH0 + 8, -EINVAL, "chunk not page aligned", CH0 + 8);
	expect_defect(KHO_SIM_BYTES, -EFAULT, "chunk not in RAM", KHO_SIM_BYTES);
	chunk_at(CH0)->hdr.next = CH1 + 16;
	expect_defect(CH0, -EINVAL, "chunk not page aligned", CH1 + 16);
	hole_start = CH1;
	hole_end = CH1 + PAGE_SIZE;
	chunk_at(CH0)->hdr.next = CH1;
	expect_defect(CH0, -EFAULT, "chunk not in RAM", CH1);
	hole_start = hole_end = 0;
	/* CH0 -> CH1 -> CH0 ... */
	chunk_at(CH1)->hdr.next = CH0;
	expect_defect(CH0, -ELOOP, "cycle", CH0);
	chunk_at(CH0)->hdr.next = CH0;
	expect_defect(CH0, -ELOOP, "cycle", CH0);
	chunk_at(CH0)->hdr.next = CH1;
	chunk_at(CH1)->hdr.next = 0;
	chunk_at(CH1)->hdr.order = 11;
	expect_defect(CH0, -EINVAL, "order above 10", CH1);
	chunk_at(CH1)->hdr.order = 0;
	chunk_at(CH1)->hdr.num_elms = 256;
	expect_defect(CH0, -EINVAL, "num_elms above 255", CH1);
	chunk_at(CH1)->hdr.num_elms = 255;	/* entries 1..254 are zero: bitmap 0 */
	expect_defect(CH0, -EFAULT, "bitmap not in RAM", 0);
}

static void test_walk_rejects_bitmaps(void **state)
{
	struct khoser_mem_chunk *b = chunk_at(CH1);

	(void)state;
	hand_list(2);
	b->bitmaps[0].phys_start += PAGE_SIZE << 2;
	expect_defect(CH0, -EINVAL, "phys_start misaligned", b->bitmaps[0].phys_start);
	/* Aligned for order 0 but not for order 2. */
	b->bitmaps[0].phys_start = (u64)PRESERVE_BITS << PAGE_SHIFT;
	expect_defect(CH0, -EINVAL, "phys_start misaligned", (u64)PRESERVE_BITS << PAGE_SHIFT);
	b->bitmaps[0].phys_start = (u64)PRESERVE_BITS << (2 + PAGE_SHIFT);
	b->bitmaps[0].bitmap = BM0 + 512;
	expect_defect(CH0, -EINVAL, "bitmap not page aligned", BM0 + 512);
	b->bitmaps[0].bitmap = KHO_SIM_BYTES + PAGE_SIZE;
	expect_defect(CH0, -EFAULT, "bitmap not in RAM", KHO_SIM_BYTES + PAGE_SIZE);
	b->bitmaps[0].bitmap = 0x1000;	/* below 1 MiB: not readable here */
	expect_defect(CH0, -EFAULT, "bitmap not in RAM", 0x1000);
	b->bitmaps[0].bitmap = BM0;
	assert_int_equal(kho_walk_mem_map(CH0, &dry_ops, NULL, NULL), 0);
	assert_int_equal(got.n, 0);	/* dry run: no block calls */
}

static int fail_second(u64 phys, unsigned int order, void *arg)
{
	int *n = arg;

	(void)phys;
	(void)order;
	return ++*n == 2 ? -EBUSY : 0;
}

static void test_walk_callback_stops(void **state)
{
	const struct kho_walk_ops ops = { .ram_ok = ram_ok, .block = fail_second };
	const struct kho_walk_ops no_ram = { .block = kho_sim_collect };
	struct kho_walk_defect d = { NULL, 0 };
	int n = 0;

	(void)state;
	hand_list(0);
	assert_int_equal(kho_walk_mem_map(CH0, &ops, &n, &d), -EBUSY);
	assert_int_equal(n, 2);
	assert_int_equal(d.addr, 2 * PAGE_SIZE);
	assert_int_equal(kho_walk_mem_map(CH0, &no_ram, NULL, NULL), -EINVAL);
	assert_int_equal(kho_walk_mem_map(CH0, NULL, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_chunk_per_order),
		cmocka_unit_test(test_255_per_chunk),
		cmocka_unit_test(test_serialize_enomem),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_walk_hand_list_ok),
		cmocka_unit_test(test_walk_rejects_chunks),
		cmocka_unit_test(test_walk_rejects_bitmaps),
		cmocka_unit_test(test_walk_callback_stops),
	};

	return kho_sim_run(tests, ARRAY_SIZE(tests), group_setup, setup, kho_sim_teardown);
}
