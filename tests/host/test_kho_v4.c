// SPDX-License-Identifier: MIT
/*
 * tests/host/test_kho_v4.c - the kho-v4 wire format (kho/abi_v4.c) and its
 * receive path (kho/validate.c), on simulated memory:
 *
 *  - keys: the worked examples of include/kholab/kho_abi.h's formula
 *    (key, table index per level, leaf bit) and what decoding refuses;
 *  - round trips: random sets of blocks preserved with the real tracker,
 *    encoded by kho_abi_v4.encode_mem, walked by kho_v4_walk, compared
 *    with what was preserved; the number of tables the encoder allocates
 *    against a count made here from the keys; free_mem gives every table
 *    back (leaves are the live tracker bitmaps and stay);
 *  - hand-built trees (this file's own insertion code): orders 11..15 and
 *    keys the tracker cannot make are walked (orders up to 51:
 *    test_kho_orders.c), and every walker rule is
 *    broken alone in one tree: the error, the defect text and address;
 *  - kho_populate(): a whole v4 handoff (boot info, handoff record,
 *    scratch array, root FDT) accepted with exactly the preserved blocks,
 *    then one handoff per validation rule, each breaking only that rule,
 *    refused with its message and nothing left revived; a kho-v1 handoff
 *    is still accepted.
 *
 * Seed: KHOLAB_SEED (decimal or 0x hex), printed at the start.
 *
 * SOURCES: kho/preserve.c kho/state.c kho/abi.c kho/abi_v1.c kho/abi_v4.c kho/subtree.c kho/validate.c mm/memblock.c mm/memblock_query.c
 * LDLIBS: -lfdt
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <libfdt.h>

#include <kho/kho_internal.h>
#include <mm/memblock.h>
#include <mm/page.h>
#include "shim.h"
#include "kho_sim.h"
#include "case_table.h"

#define MIB		(1ULL << 20)
#define HAND_BASE	(8 * MIB)		/* hand-built trees: [8 MiB, 64 MiB) */
#define HAND_END	(64 * MIB)
#define NOT_RAM		KHO_SIM_BYTES		/* first address the walker tests call not RAM */

#define MAX_BLKS	8192
static struct kho_sim_blk want_blk[MAX_BLKS], got_blk[MAX_BLKS];
static struct kho_sim_list want = { want_blk, 0, MAX_BLKS };	/* what the test preserved */
static struct kho_sim_list got = { got_blk, 0, MAX_BLKS };	/* what a walk reported */

/* spec_key - include/kholab/kho_abi.h's key formula, written out here. */
static u64 spec_key(u64 phys, unsigned int order)
{
	return (1ULL << (52 - order)) | (phys >> (12 + order));
}

/* spec_index - the entry of table level @l (1..5) on @key's path. */
static unsigned int spec_index(u64 key, int l)
{
	return (unsigned int)((key >> (15 + 9 * (l - 1))) & 511);
}

/* blk_cmp - qsort order of struct kho_sim_blk: address, then order. */
static int blk_cmp(const void *a, const void *b)
{
	const struct kho_sim_blk *x = a, *y = b;

	if (x->phys != y->phys)
		return x->phys < y->phys ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* expect_same_blocks - @a and @b hold the same blocks (both get sorted). */
static void expect_same_blocks(struct kho_sim_list *a, struct kho_sim_list *b)
{
	qsort(a->blk, (size_t)a->n, sizeof(a->blk[0]), blk_cmp);
	qsort(b->blk, (size_t)b->n, sizeof(b->blk[0]), blk_cmp);
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++)
		if (a->blk[i].phys != b->blk[i].phys || a->blk[i].order != b->blk[i].order)
			fail_msg("block %d: 0x%llx order %u, want 0x%llx order %u", i,
				 (unsigned long long)b->blk[i].phys, b->blk[i].order,
				 (unsigned long long)a->blk[i].phys, a->blk[i].order);
}

/* ======================================================================
 * Keys
 * ==================================================================== */

/* struct key_case - one worked example: the block, its key, indices L5..L1, leaf bit. */
struct key_case {
	const char *name;
	u64 phys;
	unsigned int order;
	u64 key;
	unsigned int index[KHO_V4_LEVELS];	/* levels 5, 4, 3, 2, 1 */
	unsigned int bit;
};

static const struct key_case key_cases[] = {
	{ "test_key_0x01234000_order_0", 0x01234000, 0, 0x0010000000001234ULL, { 2, 0, 0, 0, 0 }, 4660 },
	{ "test_key_0x3ffff000_order_0", 0x3ffff000, 0, 0x001000000003ffffULL, { 2, 0, 0, 0, 7 }, 32767 },
	{ "test_key_0x40000000_order_3", 0x40000000, 3, 0x0002000000008000ULL, { 0, 128, 0, 0, 1 }, 0 },
	{ "test_key_0x7fe00000_order_9", 0x7fe00000, 9, 0x00000800000003ffULL, { 0, 2, 0, 0, 0 }, 1023 },
	{ "test_key_0x100000000_order_10", 0x100000000ULL, 10, 0x0000040000000400ULL, { 0, 1, 0, 0, 0 }, 1024 },
};

/* test_key - one key_cases[] row: encode, the path through the tree, decode back. */
static void test_key(void **state)
{
	const struct key_case *c = *state;
	u64 key = kho_v4_key(c->phys, c->order), phys = 0;
	unsigned int order = 99;

	assert_int_equal(key, c->key);
	assert_int_equal(spec_key(c->phys, c->order), c->key);
	for (int l = KHO_V4_LEVELS; l >= 1; l--) {
		assert_int_equal(spec_index(key, l), c->index[KHO_V4_LEVELS - l]);
		assert_int_equal(kho_v4_level_shift(l), 15 + 9 * (l - 1));
	}
	assert_int_equal(key & (KHO_V4_LEAF_BITS - 1), c->bit);
	assert_int_equal(kho_v4_key_decode(key, &phys, &order), 0);
	assert_int_equal(phys, c->phys);
	assert_int_equal(order, c->order);
}

/* test_key_decode_rejects - 0 has no order bit; 2^53 and above are no keys. */
static void test_key_decode_rejects(void **state)
{
	static const u64 bad[] = { 0, 1ULL << 53, (1ULL << 53) | 1, 1ULL << 63, ~0ULL };
	u64 phys;
	unsigned int order;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(kho_v4_key_decode(bad[i], &phys, &order), -EINVAL);
	/* the largest key: an order-0 block at the top of the 64-bit space */
	assert_int_equal(kho_v4_key_decode((1ULL << 53) - 1, &phys, &order), 0);
	assert_int_equal(order, 0);
	assert_int_equal(phys, 0xfffffffffffff000ULL);
}

/* test_key_random_round_trip - every order 0..KHO_V4_MAX_ORDER at random aligned addresses. */
static void test_key_random_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		unsigned int order = (unsigned int)(shim_rand() % (KHO_V4_MAX_ORDER + 1)), got_order;
		u64 phys = shim_rand() & ~((PAGE_SIZE << order) - 1), got_phys;
		u64 key = kho_v4_key(phys, order);

		assert_int_equal(key, spec_key(phys, order));
		assert_true(key < (1ULL << 53));
		assert_int_equal(63 - __builtin_clzll(key), 52 - order);	/* the order bit */
		assert_int_equal(kho_v4_key_decode(key, &got_phys, &got_order), 0);
		assert_int_equal(got_phys, phys);
		assert_int_equal(got_order, order);
	}
}

/* ======================================================================
 * Walker callbacks of the tests
 * ==================================================================== */

static u64 hole_lo, hole_hi;		/* ram_ok: not RAM in [hole_lo, hole_hi) either */
static u64 forbid_lo, forbid_hi;	/* map_page_ok refuses pages in [forbid_lo, forbid_hi) */
static const char forbid_why[] = "a page the test forbids";
static u64 pages_seen;			/* map_page_ok calls */
static u64 last_key;			/* ordered_collect: the previous block's key */
static int fail_at = -1;		/* ordered_collect: fail on this block (-1: never) */

/* ram_ok - RAM is [1 MiB, NOT_RAM) minus the hole. */
static bool ram_ok(u64 phys, u64 len, void *arg)
{
	(void)arg;
	if (!len || phys < MIB || phys + len < phys || phys + len > NOT_RAM)
		return false;
	return phys + len <= hole_lo || phys >= hole_hi;
}

/* map_page_ok - count tree pages; refuse those in the forbidden range. */
static const char *map_page_ok(u64 phys, void *arg)
{
	(void)arg;
	pages_seen++;
	return phys >= forbid_lo && phys < forbid_hi ? forbid_why : NULL;
}

/* ordered_collect - kho_sim_collect() that also checks keys come out ascending. */
static int ordered_collect(u64 phys, unsigned int order, void *arg)
{
	u64 key = spec_key(phys, order);

	if (((struct kho_sim_list *)arg)->n == fail_at)
		return -EIO;
	if (key <= last_key)
		fail_msg("key 0x%llx (0x%llx order %u) after key 0x%llx: not ascending",
			 (unsigned long long)key, (unsigned long long)phys, order,
			 (unsigned long long)last_key);
	last_key = key;
	return kho_sim_collect(phys, order, arg);
}

static const struct kho_walk_ops dry_ops = { .ram_ok = ram_ok, .map_page_ok = map_page_ok };
static const struct kho_walk_ops rec_ops = { .ram_ok = ram_ok, .block = ordered_collect,
					     .map_page_ok = map_page_ok };

/* walk - kho_v4_walk(@root) into `got`, counting pages; the defect in *@d. */
static int walk(u64 root, const struct kho_walk_ops *ops, struct kho_walk_defect *d)
{
	got.n = 0;
	pages_seen = 0;
	last_key = 0;
	*d = (struct kho_walk_defect){ 0 };
	return kho_v4_walk(root, ops, &got, d);
}

/* ======================================================================
 * Round trips through the real tracker and encoder
 * ==================================================================== */

#define CLUSTER_PFN	PHYS_PFN(1ULL << 30)	/* half the blocks: in 64 MiB from 1 GiB */
#define CLUSTER_PAGES	PHYS_PFN(64 * MIB)

/* preserve_one - kho_preserve_folio(@pfn, @order) into `want`; false if it overlapped. */
static bool preserve_one(u64 pfn, unsigned int order)
{
	int err = kho_preserve_folio(pfn_to_page(pfn), order);

	if (err == -EEXIST)
		return false;
	assert_int_equal(err, 0);
	assert_true(kho_sim_collect(PFN_PHYS(pfn), order, &want) == 0);
	return true;
}

/*
 * preserve_random - @n blocks of orders 0..10: half in a 64 MiB cluster
 * (blocks sharing leaves and tables), half anywhere in the tracker's
 * range [1 MiB, 64 TiB); with @n >= 64 also its first and last pages.
 */
static void preserve_random(int n)
{
	if (n >= 64) {
		preserve_one(PHYS_PFN(MIB), 0);
		preserve_one(MAX_PFN - 1, 0);
		preserve_one(MAX_PFN - 2 * MAX_ORDER_NR_PAGES, KHO_MAX_ORDER);
	}
	for (int tries = 0; want.n < n; tries++) {
		unsigned int order = (unsigned int)(shim_rand() % (KHO_MAX_ORDER + 1));
		u64 pfn = shim_rand() & 1 ? CLUSTER_PFN + shim_rand() % CLUSTER_PAGES :
			  PHYS_PFN(MIB) + shim_rand() % (MAX_PFN - PHYS_PFN(MIB));

		assert_true(tries < 100 * n);
		pfn &= ~((1ULL << order) - 1);
		if (pfn >= PHYS_PFN(MIB))
			preserve_one(pfn, order);
	}
}

/* u64_cmp - qsort order of u64. */
static int u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return (x > y) - (x < y);
}

/* distinct_prefixes - how many different @keys >> @shift (@keys sorted). */
static u64 distinct_prefixes(const u64 *keys, int n, int shift)
{
	u64 count = 0;

	for (int i = 0; i < n; i++)
		count += !i || keys[i] >> shift != keys[i - 1] >> shift;
	return count;
}

/*
 * tree_shape - from `want` alone: the tables a radix tree over its keys
 * needs (the root and one per distinct path prefix at levels 4..1) and
 * its leaves (one per distinct key >> 15).
 */
static void tree_shape(u64 *tables, u64 *leaves)
{
	static u64 keys[MAX_BLKS];

	for (int i = 0; i < want.n; i++)
		keys[i] = spec_key(want.blk[i].phys, want.blk[i].order);
	qsort(keys, (size_t)want.n, sizeof(keys[0]), u64_cmp);
	*tables = 1;
	for (int l = KHO_V4_LEVELS; l > 1; l--)
		*tables += distinct_prefixes(keys, want.n, 15 + 9 * (l - 1));
	*leaves = distinct_prefixes(keys, want.n, 15);
}

/* count_page - for_each_map_page callback: count the pages. */
static int count_page(u64 phys, void *arg)
{
	(void)phys;
	(*(u64 *)arg)++;
	return 0;
}

/* struct round_trip_case - preserve @n random blocks, encode, walk, free. */
struct round_trip_case {
	const char *name;
	int n;
};

static const struct round_trip_case round_trip_cases[] = {
	{ "test_round_trip_empty", 0 },
	{ "test_round_trip_1", 1 },
	{ "test_round_trip_2", 2 },
	{ "test_round_trip_64", 64 },
	{ "test_round_trip_700", 700 },
	{ "test_round_trip_2000", 2000 },
};

/*
 * test_round_trip - one round_trip_cases[] row: what the walk reports is
 * what was preserved, in ascending key order; the encoder allocated
 * exactly the tables the keys need; the dump sees every tree page;
 * free_mem returns the pool to where it was.
 */
static void test_round_trip(void **state)
{
	const struct round_trip_case *c = *state;
	struct kho_walk_defect d;
	u64 held, map = 0, tables, leaves, dumped = 0;

	preserve_random(c->n);
	assert_int_equal(kho_preserved_blocks(), c->n);
	tree_shape(&tables, &leaves);
	held = shim_page_pool_in_use();
	assert_int_equal(kho_abi_v4.encode_mem(&map), 0);
	assert_int_not_equal(map, 0);			/* an empty tree has a root too */
	assert_int_equal(map & (PAGE_SIZE - 1), 0);
	assert_int_equal(shim_page_pool_in_use() - held, tables);

	assert_int_equal(walk(map, &dry_ops, &d), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(pages_seen, tables + leaves);
	assert_int_equal(walk(map, &rec_ops, &d), 0);
	assert_null(d.why);
	expect_same_blocks(&want, &got);
	assert_int_equal(kho_abi_v4.for_each_map_page(map, count_page, &dumped), 0);
	assert_int_equal(dumped, tables + leaves);

	kho_abi_v4.free_mem(map);
	assert_int_equal(shim_page_pool_in_use(), held);
	kho_abi_v4.free_mem(0);				/* nothing to free */
	assert_int_equal(shim_page_pool_in_use(), held);
	kho_unpreserve_all();				/* the tracker's pages too */
	assert_int_equal(shim_page_pool_in_use(), 0);
}

/* test_encode_out_of_memory - no page for a table: -ENOMEM and nothing left allocated. */
static void test_encode_out_of_memory(void **state)
{
	u64 held, map;

	(void)state;
	preserve_random(64);
	held = shim_page_pool_in_use();
	for (long room = 0; room < 6; room++) {
		shim_page_pool_fail_after(room);
		assert_int_equal(kho_abi_v4.encode_mem(&map), -ENOMEM);
		assert_int_equal(shim_page_pool_in_use(), held);
	}
	shim_page_pool_fail_after(-1);
	assert_true(shim_log_contains("no page for the radix tree"));
	kho_unpreserve_all();
	assert_int_equal(shim_page_pool_in_use(), 0);
}

/* ======================================================================
 * Hand-built trees
 * ==================================================================== */

static u64 hand_next;		/* the next free page of [HAND_BASE, HAND_END) */

/* hand_page - a zeroed page of the hand-built area. */
static u64 hand_page(void)
{
	u64 p = hand_next;

	assert_true(p + PAGE_SIZE <= HAND_END);
	hand_next += PAGE_SIZE;
	memset(__va(p), 0, PAGE_SIZE);
	return p;
}

/* table - the u64 entries of the tree page at @phys. */
static u64 *table(u64 phys)
{
	return __va(phys);
}

/*
 * hand_entry - the entry of table level @level on @key's path under
 * @root, creating the tables above it that are missing.
 */
static u64 *hand_entry(u64 root, u64 key, int level)
{
	u64 t = root;

	for (int l = KHO_V4_LEVELS; l > level; l--) {
		u64 *e = &table(t)[spec_index(key, l)];

		if (!*e)
			*e = hand_page();
		t = *e;
	}
	return &table(t)[spec_index(key, level)];
}

/* hand_insert_key - set @key's bit under @root, making its tables and leaf. */
static void hand_insert_key(u64 root, u64 key)
{
	u64 *leaf = hand_entry(root, key, 1);

	if (!*leaf)
		*leaf = hand_page();
	table(*leaf)[(key % KHO_V4_LEAF_BITS) / 64] |= 1ULL << (key % 64);
}

/* hand_insert - the block of 2^@order pages at @phys, into the tree and into `want`. */
static void hand_insert(u64 root, u64 phys, unsigned int order)
{
	hand_insert_key(root, spec_key(phys, order));
	assert_int_equal(kho_sim_collect(phys, order, &want), 0);
}

/* hand_base_tree - a valid tree of three blocks (the key examples' three subtrees). */
static u64 hand_base_tree(void)
{
	u64 root = hand_page();

	hand_insert(root, 0x01234000, 0);
	hand_insert(root, 0x40000000, 3);
	hand_insert(root, 0x100000000ULL, 10);
	return root;
}

/*
 * test_hand_orders_above_10 - orders 11..15 (which the tracker cannot
 * make), and keys at the top of the key space (root entry 3, the largest
 * key): the walker reports exactly these blocks.
 */
static void test_hand_orders_above_10(void **state)
{
	struct kho_walk_defect d;
	u64 root = hand_page();

	(void)state;
	for (unsigned int order = 11; order <= 15; order++) {
		u64 size = PAGE_SIZE << order;

		hand_insert(root, 0x40000000000ULL + order * size, order);
		hand_insert(root, (1ULL << 45) - size, order);
	}
	hand_insert(root, 1ULL << 63, 0);			/* root entry 3 */
	hand_insert(root, 0xfffffffffffff000ULL, 0);		/* key 2^53 - 1 */
	hand_insert(root, 0x40000000, 3);
	assert_true(table(root)[3] != 0);

	assert_int_equal(walk(root, &rec_ops, &d), 0);
	expect_same_blocks(&want, &got);
	assert_int_equal(walk(root, &dry_ops, &d), 0);
}

/*
 * hand_wide_tree - a tree of @pages pages: the root, one table at each
 * of levels 4..2, then level-1 tables full of empty leaves.  Return: the
 * root; *@last: the page the walk visits last.
 */
static u64 hand_wide_tree(u64 pages, u64 *last)
{
	u64 root = hand_page(), key = spec_key(0x40000000, 0), l1 = 0;
	u64 *l2 = hand_entry(root, key, 2) - spec_index(key, 2);	/* root, L4, L3, L2 */
	u64 left = pages - 4, slot = KHO_V4_TABLE_ENTRIES;
	unsigned int next_l1 = 0;

	while (left--) {
		if (slot == KHO_V4_TABLE_ENTRIES) {	/* a new level-1 table */
			l2[next_l1++] = *last = l1 = hand_page();
			slot = 0;
		} else {
			table(l1)[slot++] = *last = hand_page();
		}
	}
	return root;
}

/* test_hand_max_tree_pages - exactly KHO_V4_MAX_TREE_PAGES pages is a valid tree. */
static void test_hand_max_tree_pages(void **state)
{
	struct kho_walk_defect d;
	u64 last, root = hand_wide_tree(KHO_V4_MAX_TREE_PAGES, &last);

	(void)state;
	assert_int_equal(walk(root, &dry_ops, &d), 0);
	assert_int_equal(pages_seen, KHO_V4_MAX_TREE_PAGES);
}

/* test_hand_too_many_pages - one page more is refused at that page. */
static void test_hand_too_many_pages(void **state)
{
	struct kho_walk_defect d;
	u64 last, root = hand_wide_tree(KHO_V4_MAX_TREE_PAGES + 1, &last);

	(void)state;
	assert_int_equal(walk(root, &dry_ops, &d), -E2BIG);
	assert_string_equal(d.why, "radix tree has too many pages");
	assert_int_equal(d.addr, last);
}

/*
 * struct walker_case - a valid three-block tree (hand_base_tree()) with
 * one rule broken by @breakit, which returns the root to walk and sets
 * `defect_addr`; the walk must fail with @err, @why at that address.
 */
struct walker_case {
	const char *name;
	u64 (*breakit)(u64 root);
	int err;
	const char *why;
};

static u64 defect_addr;

#define KEY_A		spec_key(0x01234000, 0)		/* root entry 2 */
#define KEY_B		spec_key(0x40000000, 3)		/* root entry 0 */

/* misalign - add @by to the entry at @e; the walk fails there. */
static u64 misalign(u64 *e, u64 by)
{
	*e += by;
	return defect_addr = *e;
}

static u64 root_misaligned(u64 root) { return misalign(&root, 8); }
static u64 table_misaligned(u64 root) { misalign(hand_entry(root, KEY_B, 3), 0x800); return root; }
static u64 leaf_misaligned(u64 root) { misalign(hand_entry(root, KEY_A, 1), 8); return root; }

static u64 root_outside_ram(u64 root) { (void)root; return defect_addr = NOT_RAM + 16 * PAGE_SIZE; }
static u64 table_outside_ram(u64 root)
{
	*hand_entry(root, KEY_B, 4) = defect_addr = NOT_RAM;
	return root;
}
static u64 leaf_outside_ram(u64 root)
{
	*hand_entry(root, KEY_A, 1) = defect_addr = 1ULL << 40;
	return root;
}
static u64 leaf_in_ram_hole(u64 root)
{
	defect_addr = *hand_entry(root, KEY_A, 1);
	hole_lo = defect_addr;
	hole_hi = defect_addr + PAGE_SIZE;
	return root;
}

/* forbid - make map_page_ok refuse the page at @phys. */
static u64 forbid(u64 phys)
{
	forbid_lo = phys;
	forbid_hi = phys + PAGE_SIZE;
	return defect_addr = phys;
}

static u64 root_refused(u64 root) { forbid(root); return root; }
static u64 table_refused(u64 root) { forbid(*hand_entry(root, KEY_B, 2)); return root; }
static u64 leaf_refused(u64 root) { forbid(*hand_entry(root, KEY_A, 1)); return root; }

static u64 leaf_twice(u64 root)
{
	u64 *e = hand_entry(root, KEY_A, 1);

	e[1] = defect_addr = e[0];		/* the next level-1 entry: the same leaf */
	return root;
}
static u64 table_twice(u64 root)
{
	table(root)[1] = defect_addr = table(root)[0];	/* two root entries, one level-4 table */
	return root;
}
static u64 back_to_root(u64 root)
{
	hand_entry(root, KEY_A, 2)[5] = defect_addr = root;	/* a cycle */
	return root;
}

static u64 root_entry_4(u64 root)
{
	table(root)[4] = hand_page();
	defect_addr = 4;
	return root;
}
static u64 root_entry_511(u64 root)
{
	table(root)[511] = table(root)[0];
	defect_addr = 511;
	return root;
}

static u64 key_zero(u64 root)
{
	hand_insert_key(root, 0);
	defect_addr = 0;
	return root;
}

static u64 order_52(u64 root)
{
	hand_insert_key(root, 1);	/* the order bit alone: 2^64 bytes at 0 */
	defect_addr = 52;
	return root;
}

static u64 root_zero(u64 root) { (void)root; return defect_addr = 0; }

static const struct walker_case walker_cases[] = {
	{ "test_walk_root_zero", root_zero, -EINVAL,
	  "preserved-memory-map is 0 (kho-v4 needs a radix root)" },
	{ "test_walk_root_misaligned", root_misaligned, -EINVAL, "radix tree page not page aligned" },
	{ "test_walk_table_misaligned", table_misaligned, -EINVAL, "radix tree page not page aligned" },
	{ "test_walk_leaf_misaligned", leaf_misaligned, -EINVAL, "radix tree page not page aligned" },
	{ "test_walk_root_outside_ram", root_outside_ram, -EFAULT, "radix tree page not in RAM" },
	{ "test_walk_table_outside_ram", table_outside_ram, -EFAULT, "radix tree page not in RAM" },
	{ "test_walk_leaf_outside_ram", leaf_outside_ram, -EFAULT, "radix tree page not in RAM" },
	{ "test_walk_leaf_in_ram_hole", leaf_in_ram_hole, -EFAULT, "radix tree page not in RAM" },
	{ "test_walk_root_refused_by_map_page_ok", root_refused, -EINVAL, forbid_why },
	{ "test_walk_table_refused_by_map_page_ok", table_refused, -EINVAL, forbid_why },
	{ "test_walk_leaf_refused_by_map_page_ok", leaf_refused, -EINVAL, forbid_why },
	{ "test_walk_leaf_reachable_twice", leaf_twice, -EINVAL, "radix tree page reachable twice" },
	{ "test_walk_table_reachable_twice", table_twice, -EINVAL, "radix tree page reachable twice" },
	{ "test_walk_pointer_back_to_root", back_to_root, -EINVAL, "radix tree page reachable twice" },
	{ "test_walk_root_entry_4", root_entry_4, -EINVAL,
	  "radix root entry above 3 (a key of 2^53 or more)" },
	{ "test_walk_root_entry_511", root_entry_511, -EINVAL,
	  "radix root entry above 3 (a key of 2^53 or more)" },
	{ "test_walk_key_zero", key_zero, -EINVAL, "radix tree key 0 (no order bit)" },
	{ "test_walk_order_52", order_52, -EINVAL,
	  "preserved block order above 51 (larger than the 64-bit address space)" },
};

/*
 * test_walker_rule - one walker_cases[] row: the base tree walks clean,
 * the broken one fails with the row's error, text and address, both as a
 * dry run and with a block callback.
 */
static void test_walker_rule(void **state)
{
	const struct walker_case *c = *state;
	struct kho_walk_defect d;
	u64 root = hand_base_tree();

	assert_int_equal(walk(root, &rec_ops, &d), 0);
	expect_same_blocks(&want, &got);
	root = c->breakit(root);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(walk(root, pass ? &rec_ops : &dry_ops, &d), c->err);
		assert_non_null(d.why);
		assert_string_equal(d.why, c->why);
		assert_int_equal(d.addr, defect_addr);
	}
}

/* test_walk_block_callback_error - the callback's error stops the walk and is returned. */
static void test_walk_block_callback_error(void **state)
{
	struct kho_walk_defect d;
	u64 root = hand_base_tree();

	(void)state;
	fail_at = 1;
	assert_int_equal(walk(root, &rec_ops, &d), -EIO);
	assert_int_equal(got.n, 1);
	assert_string_equal(d.why, "block callback failed");
	assert_int_equal(d.addr, 0x40000000);	/* the second block in key order */
}

/*
 * test_key_1_is_order_52 - key 1 is the order bit alone: the block of
 * order 52 at 0, which kho_v4_key_decode() decodes (only 0 and keys of
 * 2^53 and more are no keys) and the walker then refuses as too large.
 * Runs last, with the output so far flushed: under UBSan a decoding that
 * shifts out of range aborts the program, and no other result is lost.
 */
static void test_key_1_is_order_52(void **state)
{
	struct kho_walk_defect d;
	u64 phys = 7, root;
	unsigned int order = 7;

	(void)state;
	assert_int_equal(kho_v4_key_decode(1, &phys, &order), 0);
	assert_int_equal(order, 52);
	assert_int_equal(phys, 0);
	root = hand_base_tree();
	hand_insert_key(root, 1);
	assert_int_equal(walk(root, &dry_ops, &d), -EINVAL);
	assert_string_equal(d.why, "preserved block order above 51 (larger than the 64-bit address space)");
	assert_int_equal(d.addr, 52);
}

/* test_walk_without_ram_ok - a walker without ram_ok refuses to start. */
static void test_walk_without_ram_ok(void **state)
{
	struct kho_walk_defect d;
	u64 root = hand_base_tree();

	(void)state;
	assert_int_equal(walk(root, &(struct kho_walk_ops){ .block = kho_sim_collect }, &d), -EINVAL);
	assert_string_equal(d.why, "walker called without ram_ok");
	assert_int_equal(kho_v4_walk(root, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(kho_v4_walk(0, &dry_ops, NULL, NULL), -EINVAL);	/* no defect wanted */
}

/* ======================================================================
 * kho_populate() on a whole handoff
 * ==================================================================== */

/* The receiver's memory: RAM [0, 0x9f000) and [1 MiB, KHO_SIM_BYTES). */
#define SCRATCH_LOW	(2 * MIB)		/* 6 MiB */
#define SCRATCH_GLOBAL	(8 * MIB)		/* 16 MiB: the kernel and its boot info */
#define SCRATCH_NODE	(24 * MIB)		/* 8 MiB */
#define KERNEL_PHYS	SCRATCH_GLOBAL
#define KERNEL_BYTES	(2 * MIB)
#define BOOTINFO_PHYS	(SCRATCH_GLOBAL + 4 * MIB)
#define BOOTINFO_BYTES	(64 * 1024)
#define RECORD_PAGE	(33 * MIB)		/* outside scratch, never preserved */
#define RECORD_PHYS	(RECORD_PAGE + 0x800)
#define SCRATCH_ARRAY	(RECORD_PAGE + 0xc00)
#define ROOT_PHYS	(34 * MIB)		/* the root FDT's page */
#define META_PHYS	(ROOT_PHYS + PAGE_SIZE)	/* kexec-metadata */
#define BLOB_PHYS	(ROOT_PHYS + 2 * PAGE_SIZE)	/* a two-page blob that is no FDT */
#define BLOB_BYTES	5000
#define SUBFDT_PHYS	(ROOT_PHYS + 4 * PAGE_SIZE)	/* an FDT subtree (kho-v1) */
#define UNPRESERVED	(36 * MIB)		/* RAM nobody preserved */
#define BLOCKS_BASE	(40 * MIB)		/* random blocks: [40 MiB, 64 MiB) */
#define BLOCKS_PAGES	PHYS_PFN(24 * MIB)
#define NR_BLOCKS	40
#define RELEASE		"kholab-test-release"

/* A subtree node of a root FDT written by this file. */
struct sub_desc {
	const char *name;
	u64 phys, size;
	bool has_size;
};

/* struct root_desc - what write_root() puts in a root FDT. */
struct root_desc {
	const char *compat;
	u64 map;
	int nsub;
	struct sub_desc sub[3];
};

/* The handoff a case builds: what the sender encoded, and the root it describes. */
static struct {
	u64 map;				/* as encoded (freed at teardown) */
	const struct kho_abi *abi;
	struct root_desc root;
	struct kholab_bootinfo bi;
} tx;

/* write_meta - a kexec-metadata blob at META_PHYS: @version, RELEASE, kexec 3. */
static void write_meta(u32 version)
{
	struct kho_kexec_metadata *m = __va(META_PHYS);

	memset(m, 0, PAGE_SIZE);
	m->version = version;
	memcpy(m->previous_release, RELEASE, sizeof(RELEASE));
	m->kexec_count = 3;
}

/* write_sub_fdt - a small valid FDT at SUBFDT_PHYS. */
static void *write_sub_fdt(void)
{
	void *fdt = __va(SUBFDT_PHYS);

	assert_int_equal(fdt_create(fdt, PAGE_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", "kholab-test-v1"), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt;
}

/*
 * write_root - the root FDT @r describes, into the page at ROOT_PHYS, with
 * libfdt directly (not kho_build_root_fdt()), so a case can write what
 * the kernel never would.  u64 properties in native byte order.
 */
static void write_root(const struct root_desc *r)
{
	void *fdt = __va(ROOT_PHYS);

	memset(fdt, 0, PAGE_SIZE);
	assert_int_equal(fdt_create(fdt, KHO_FDT_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", r->compat), 0);
	assert_int_equal(fdt_property(fdt, KHO_PROP_PRESERVED, &r->map, sizeof(r->map)), 0);
	for (int i = 0; i < r->nsub; i++) {
		const struct sub_desc *s = &r->sub[i];

		assert_int_equal(fdt_begin_node(fdt, s->name), 0);
		assert_int_equal(fdt_property(fdt, KHO_V4_PROP_DATA, &s->phys, sizeof(s->phys)), 0);
		if (s->has_size)
			assert_int_equal(fdt_property(fdt, KHO_V4_PROP_SIZE, &s->size,
						      sizeof(s->size)), 0);
		assert_int_equal(fdt_end_node(fdt), 0);
	}
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
}

/* sub_named - the sub_desc of tx.root named @name. */
static struct sub_desc *sub_named(const char *name)
{
	for (int i = 0; i < tx.root.nsub; i++)
		if (!strcmp(tx.root.sub[i].name, name))
			return &tx.root.sub[i];
	fail_msg("no subtree %s", name);
	return NULL;
}

/*
 * build_handoff - what a kholab kernel writing @abi_name hands over, on
 * simulated memory: NR_BLOCKS random blocks (into `want`), the root FDT's
 * page, for kho-v4 kexec-metadata and a two-page blob (kho_add_blob()),
 * for kho-v1 an FDT subtree; the map encoded by the real encoder and the
 * root FDT by kho_build_root_fdt(); the handoff record with its scratch
 * array outside scratch at RECORD_PHYS, and the boot info naming it.
 */
static void build_handoff(const char *abi_name)
{
	const struct kho_scratch scratch[3] = {
		{ SCRATCH_LOW, 6 * MIB }, { SCRATCH_GLOBAL, 16 * MIB }, { SCRATCH_NODE, 8 * MIB },
	};
	struct kholab_handoff *h = __va(RECORD_PHYS);
	struct kho_data *kd = (struct kho_data *)h->data;
	bool v4 = !strcmp(abi_name, "v4");

	assert_int_equal(kho_parse_abi_arg(abi_name), 0);
	while (want.n < NR_BLOCKS) {
		unsigned int order = (unsigned int)(shim_rand() % (KHO_MAX_ORDER + 1));
		u64 pfn = PHYS_PFN(BLOCKS_BASE) + shim_rand() % BLOCKS_PAGES;

		preserve_one(pfn & ~((1ULL << order) - 1), order);
	}
	assert_int_equal(kho_preserve_phys(ROOT_PHYS, PAGE_SIZE), 0);
	kho_sim_collect(ROOT_PHYS, 0, &want);
	tx.root = (struct root_desc){ .compat = v4 ? KHO_V4_COMPATIBLE : KHO_FDT_COMPATIBLE };
	if (v4) {
		write_meta(KHO_KEXEC_METADATA_VERSION);
		assert_int_equal(kho_add_blob(KHO_KEXEC_METADATA_NAME, __va(META_PHYS),
					      sizeof(struct kho_kexec_metadata)), 0);
		memset(__va(BLOB_PHYS), 0xb1, BLOB_BYTES);
		assert_int_equal(kho_add_blob("test-blob", __va(BLOB_PHYS), BLOB_BYTES), 0);
		tx.root.sub[tx.root.nsub++] = (struct sub_desc){ KHO_KEXEC_METADATA_NAME, META_PHYS,
			sizeof(struct kho_kexec_metadata), true };
		tx.root.sub[tx.root.nsub++] = (struct sub_desc){ "test-blob", BLOB_PHYS, BLOB_BYTES, true };
		kho_sim_collect(META_PHYS, 0, &want);
		kho_sim_collect(BLOB_PHYS, 1, &want);		/* 8 KiB, 8 KiB aligned */
	} else {
		assert_int_equal(kho_add_subtree("test-fdt", write_sub_fdt()), 0);
		kho_sim_collect(SUBFDT_PHYS, 0, &want);
	}
	assert_int_equal(kho_preserved_blocks(), want.n);

	tx.abi = kho_abi_send();
	assert_string_equal(tx.abi->name, abi_name);
	assert_int_equal(tx.abi->encode_mem(&tx.map), 0);
	tx.root.map = tx.map;
	assert_int_equal(kho_build_root_fdt(__va(ROOT_PHYS), tx.map), 0);

	memset(__va(RECORD_PAGE), 0, PAGE_SIZE);
	*h = (struct kholab_handoff){ .type = KHOLAB_HANDOFF_KHO, .len = sizeof(*kd) };
	*kd = (struct kho_data){ .fdt_addr = ROOT_PHYS, .fdt_size = KHO_FDT_SIZE,
				 .scratch_addr = SCRATCH_ARRAY, .scratch_size = sizeof(scratch) };
	memcpy(__va(SCRATCH_ARRAY), scratch, sizeof(scratch));
	tx.bi = (struct kholab_bootinfo){
		.magic = KHOLAB_BOOTINFO_MAGIC, .version = KHOLAB_BOOTINFO_VERSION,
		.size = sizeof(tx.bi), .generation = 1, .handoff_phys = RECORD_PHYS,
		.kernel_phys = KERNEL_PHYS, .kernel_size = KERNEL_BYTES,
		.self_phys = BOOTINFO_PHYS, .self_size = BOOTINFO_BYTES,
	};
}

/* receive - a fresh kernel's memblock and KHO state, then kho_populate(). */
static bool receive(void)
{
	memblock_reset_for_test();
	assert_int_equal(memblock_add(0, 0x9f000), 0);
	assert_int_equal(memblock_add(MIB, KHO_SIM_BYTES - MIB), 0);
	kho_reset_for_test();
	shim_log_reset();
	return kho_populate(&tx.bi);
}

/* expect_accepted - revived with exactly the blocks in `want` (sorted by address). */
static void expect_accepted(bool ok)
{
	const struct kho_block *b;
	u64 n;

	if (!ok)
		fail_msg("handoff refused: %s\n%s", kho_rejected_reason(), shim_log_text());
	assert_true(kho_is_revived());
	assert_null(kho_rejected_reason());
	assert_ptr_equal(kho_received_fdt(), __va(ROOT_PHYS));
	b = kho_received_blocks(&n);
	assert_int_equal(n, want.n);
	qsort(want.blk, (size_t)want.n, sizeof(want.blk[0]), blk_cmp);
	for (u64 i = 0; i < n; i++) {
		assert_int_equal(b[i].phys, want.blk[i].phys);
		assert_int_equal(b[i].size, PAGE_SIZE << want.blk[i].order);
	}
	assert_int_equal(kho_stats.blocks, n);
	assert_int_equal(kho_nr_scratch, 3);
	assert_true(shim_log_contains("handoff accepted"));
}

/* expect_rejected - refused for @why: logged, and nothing revived or reserved. */
static void expect_rejected(bool ok, const char *why)
{
	struct memblock_region *r;
	u64 n;

	if (ok)
		fail_msg("handoff accepted, want \"%s\"\n%s", why, shim_log_text());
	assert_non_null(kho_rejected_reason());
	assert_string_equal(kho_rejected_reason(), why);
	assert_true(shim_log_contains(why));
	assert_true(shim_log_contains("disabling KHO revival"));
	assert_false(kho_is_revived());
	assert_null(kho_received_fdt());
	kho_received_blocks(&n);
	assert_int_equal(n, 0);
	assert_int_equal(kho_nr_scratch, 0);
	assert_int_equal(memblock.reserved.cnt, 0);
	for_each_mem_region(r)
		assert_false(r->flags & MEMBLOCK_KHO_SCRATCH);
}

/* handoff_setup - kho_sim_setup() and the default format. */
static int handoff_setup(void **state)
{
	kho_sim_setup(state);
	want.n = got.n = 0;
	tx.map = 0;
	tx.abi = NULL;
	assert_int_equal(kho_parse_abi_arg("v4"), 0);
	return 0;
}

/* handoff_teardown - free the encoded map, forget the subtrees, kho_sim_teardown(). */
static int handoff_teardown(void **state)
{
	if (tx.abi)
		tx.abi->free_mem(tx.map);
	kho_remove_subtree(__va(META_PHYS));
	kho_remove_subtree(__va(BLOB_PHYS));
	kho_remove_subtree(__va(SUBFDT_PHYS));
	kho_reset_for_test();
	memblock_reset_for_test();
	kho_parse_abi_arg("v4");
	return kho_sim_teardown(state);
}

/* test_v4_handoff_accepted - kho_build_root_fdt()'s own v4 handoff goes through. */
static void test_v4_handoff_accepted(void **state)
{
	u64 phys, size;

	(void)state;
	build_handoff("v4");
	expect_accepted(receive());
	assert_true(shim_log_contains("handoff accepted (kho-v4)"));
	assert_string_equal(kho_stats.sender, RELEASE);
	assert_int_equal(kho_stats.kexec_count, 3);
	assert_int_equal(kho_retrieve_subtree("test-blob", &phys, &size), 0);
	assert_int_equal(phys, BLOB_PHYS);
	assert_int_equal(kho_retrieve_subtree("no-such-node", &phys, &size), -ENOENT);
}

/*
 * test_v4_blob_size_is_blob_length - blob-size is the blob's length in
 * bytes (include/kholab/kho_abi.h), not the pages preserved for it.
 */
static void test_v4_blob_size_is_blob_length(void **state)
{
	u64 phys, size;

	(void)state;
	build_handoff("v4");
	expect_accepted(receive());
	assert_int_equal(kho_retrieve_subtree("test-blob", &phys, &size), 0);
	assert_int_equal(size, BLOB_BYTES);
	assert_int_equal(kho_retrieve_subtree(KHO_KEXEC_METADATA_NAME, &phys, &size), 0);
	assert_int_equal(phys, META_PHYS);
	assert_int_equal(size, sizeof(struct kho_kexec_metadata));
}

/* test_v1_handoff_accepted - a kho-v1 sender (kho.abi=v1) is still understood. */
static void test_v1_handoff_accepted(void **state)
{
	u64 phys, size;

	(void)state;
	build_handoff("v1");
	assert_string_equal(fdt_getprop(__va(ROOT_PHYS), 0, "compatible", NULL), KHO_FDT_COMPATIBLE);
	expect_accepted(receive());
	assert_true(shim_log_contains("handoff accepted (kho-v1)"));
	assert_int_equal(kho_retrieve_subtree("test-fdt", &phys, &size), 0);
	assert_int_equal(phys, SUBFDT_PHYS);
	assert_int_equal(size, 0);			/* an FDT, sized by its header */
	assert_string_equal(kho_stats.sender, "");	/* kho-v1 carries no kexec-metadata */
}

/* first_entry - the first used entry of table level @down_to on the leftmost path. */
static u64 *first_entry(u64 root, int down_to)
{
	u64 *t = table(root);

	for (int l = KHO_V4_LEVELS;; l--) {
		unsigned int i = 0;

		while (i < KHO_V4_TABLE_ENTRIES && !t[i])
			i++;
		assert_true(i < KHO_V4_TABLE_ENTRIES);
		if (l == down_to)
			return &t[i];
		t = table(t[i]);
	}
}

/* move_first_leaf - copy the first leaf to @to and point the tree there. */
static void move_first_leaf(u64 to)
{
	u64 *e = first_entry(tx.map, 1);

	memcpy(__va(to), __va(*e), PAGE_SIZE);
	*e = to;
}

/*
 * struct handoff_case - a valid v4 handoff, one rule broken by @breakit
 * (which edits tx.root, written by write_root() afterwards, or memory);
 * kho_populate() must refuse it for @why at @addr.
 */
struct handoff_case {
	const char *name;
	void (*breakit)(void);
	const char *why;
	u64 addr;
};

static void nothing_broken(void) { }
static void map_zero(void) { tx.root.map = 0; }
static void blob_without_size(void) { sub_named("test-blob")->has_size = false; }
static void blob_size_zero(void) { sub_named("test-blob")->size = 0; }
static void blob_unpreserved(void) { sub_named("test-blob")->phys = UNPRESERVED; }
static void blob_runs_past(void) { sub_named("test-blob")->size = 2 * PAGE_SIZE + 1; }
static void meta_truncated(void) { sub_named(KHO_KEXEC_METADATA_NAME)->size = 72; }
static void meta_version_2(void) { write_meta(2); }
static void tree_page_in_scratch(void) { move_first_leaf(SCRATCH_NODE + 5 * PAGE_SIZE); }
static void tree_page_below_1mib(void) { move_first_leaf(0x80000); }
static void tree_page_on_record(void) { tx.root.map = RECORD_PAGE; }
static void compatible_v9(void) { tx.root.compat = "kho-v9"; }

static const struct handoff_case handoff_cases[] = {
	{ "test_populate_unchanged", nothing_broken, NULL, 0 },
	{ "test_populate_map_zero", map_zero,
	  "preserved-memory-map is 0 (kho-v4 needs a radix root)", 0 },
	{ "test_populate_blob_without_size", blob_without_size,
	  "a subtree node lacks an 8-byte preserved-data or a non-zero blob-size", ROOT_PHYS },
	{ "test_populate_blob_size_zero", blob_size_zero,
	  "a subtree node lacks an 8-byte preserved-data or a non-zero blob-size", ROOT_PHYS },
	{ "test_populate_blob_unpreserved", blob_unpreserved,
	  "a subtree's blob is not in preserved memory", UNPRESERVED },
	{ "test_populate_blob_runs_past", blob_runs_past,
	  "a subtree's blob runs past its preserved memory", BLOB_PHYS },
	{ "test_populate_metadata_truncated", meta_truncated,
	  "kexec-metadata blob is truncated (blob-size below 73)", 72 },
	{ "test_populate_metadata_version_2", meta_version_2, "kexec-metadata version is not 1", 2 },
	{ "test_populate_tree_page_in_scratch", tree_page_in_scratch,
	  "preserved-memory map page inside scratch", SCRATCH_NODE + 5 * PAGE_SIZE },
	{ "test_populate_tree_page_below_1mib", tree_page_below_1mib,
	  "preserved-memory map page below 1 MiB (always scratch)", 0x80000 },
	{ "test_populate_tree_page_on_record", tree_page_on_record,
	  "preserved-memory map page on the handoff record", RECORD_PAGE },
	{ "test_populate_compatible_kho_v9", compatible_v9,
	  "root FDT compatible \"kho-v9\" is not one of kho-v4, kho-v1", ROOT_PHYS },
};

/*
 * test_populate_rule - one handoff_cases[] row: the root rewritten by
 * write_root() from tx.root after the row's change; refused as the row
 * says, or (no @why) accepted with every block.
 */
static void test_populate_rule(void **state)
{
	const struct handoff_case *c = *state;
	bool ok;

	build_handoff("v4");
	c->breakit();
	write_root(&tx.root);
	ok = receive();
	if (!c->why) {
		expect_accepted(ok);
		assert_string_equal(kho_stats.sender, RELEASE);
		return;
	}
	expect_rejected(ok, c->why);
	assert_int_equal(kho_stats.rejected_addr, c->addr);
}

/* ======================================================================
 * Fixtures and main
 * ==================================================================== */

static int group_setup(void **state)
{
	(void)state;
	return kho_sim_group_setup("test_kho_v4", MAX_PFN);	/* struct pages for 64 TiB */
}

/* setup - kho_sim_setup(), empty lists, the walker tests' RAM and callbacks reset. */
static int setup(void **state)
{
	kho_sim_setup(state);
	want.n = got.n = 0;
	hand_next = HAND_BASE;
	hole_lo = hole_hi = forbid_lo = forbid_hi = 0;
	fail_at = -1;
	return 0;
}

/*
 * tree_teardown - the teardown of the tree cases (round trips, out of
 * memory, hand-built trees): unpreserve everything and never fail.  Each
 * of those cases checks itself that the encoder gave back every table it
 * took; a teardown that failed after a failed assertion (the tree not yet
 * freed) would turn the case's failure into a cmocka error, whose message
 * goes on the TAP result line instead of the case's own "# " lines.
 */
static int tree_teardown(void **state)
{
	(void)state;
	kho_unpreserve_all();
	return 0;
}

/* flush_setup - setup(), with what was printed so far flushed in case the case aborts. */
static int flush_setup(void **state)
{
	fflush(stdout);
	return setup(state);
}

int main(void)
{
	struct CMUnitTest tests[64] = {
		cmocka_unit_test_setup_teardown(test_key_decode_rejects, setup, kho_sim_teardown),
		cmocka_unit_test_setup_teardown(test_key_random_round_trip, setup, kho_sim_teardown),
		cmocka_unit_test_setup_teardown(test_encode_out_of_memory, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_hand_orders_above_10, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_hand_max_tree_pages, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_hand_too_many_pages, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_walk_block_callback_error, setup, kho_sim_teardown),
		cmocka_unit_test_setup_teardown(test_walk_without_ram_ok, setup, kho_sim_teardown),
		cmocka_unit_test_setup_teardown(test_v4_handoff_accepted, handoff_setup, handoff_teardown),
		cmocka_unit_test_setup_teardown(test_v4_blob_size_is_blob_length, handoff_setup,
						handoff_teardown),
		cmocka_unit_test_setup_teardown(test_v1_handoff_accepted, handoff_setup, handoff_teardown),
	};
	size_t n = 11;

	n = CASE_TABLE_ADD(tests, n, key_cases, test_key, NULL, NULL);
	n = CASE_TABLE_ADD(tests, n, round_trip_cases, test_round_trip, setup, tree_teardown);
	n = CASE_TABLE_ADD(tests, n, walker_cases, test_walker_rule, setup, kho_sim_teardown);
	n = CASE_TABLE_ADD(tests, n, handoff_cases, test_populate_rule, handoff_setup, handoff_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(test_key_1_is_order_52,
									flush_setup, kho_sim_teardown);
	return CASE_TABLE_RUN(tests, n, group_setup, NULL);
}
