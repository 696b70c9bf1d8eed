// SPDX-License-Identifier: MIT
/*
 * tests/host/test_kho_orders.c - kho-v4 blocks above buddy's orders, as a
 * Linux sender makes them: kho_preserve_pages() cuts a range by alignment
 * and length only, so a 256 MiB aligned range (reserve_mem=, a huge
 * vmalloc area) arrives as one block of order 16, 1 GiB as order 18.
 * kholab's own tracker stops at order 10, so these tests write such keys
 * into the radix tree by hand, after kho_finalize() built it:
 *
 *  - the walker reports every order from 16 to 51 at its address, and
 *    refuses order 52 (key 1: 2^64 bytes);
 *  - a whole handoff on simulated kernels (kho_boot_sim.h: 1 GiB, two
 *    nodes split at 512 MiB): generation 0 hands over an order-16 block
 *    and a kho_vmalloc area whose one piece is that block; generation 1
 *    accepts it, names it as its largest block, reserves it (buddy never
 *    hands out a page of it), keeps its content, and restores it through
 *    kho_restore_vmalloc(); a descriptor of order 32 is refused;
 *  - blocks that do not fit are refused with a message that says so: past
 *    the end of RAM, across the two nodes (a 1 GiB block at 0), order 51
 *    at 2^63.
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

#define MIB		(1ULL << 20)
#define BIG_ORDER	16			/* 256 MiB: one aligned quarter of the simulated RAM */
#define BIG_BYTES	(PAGE_SIZE << BIG_ORDER)
#define AREA_NAME	"kholab-orders-test"
#define PATTERN		0x9e3779b97f4a7c15ULL

static struct boot_sim_gen gen0, gen1;

/* ======================================================================
 * Writing keys into a built radix tree
 * ==================================================================== */

/*
 * table_page - a zeroed page from the running generation's buddy for a
 * table or leaf this test adds (above 1 MiB, never scratch, as the
 * encoder's own).  Return: its physical address.
 */
static u64 table_page(void)
{
	void *p = kho_page_alloc();

	assert_non_null(p);
	return __pa(p);
}

/*
 * insert_key - set @key's bit in the tree at @root, adding the tables and
 * the leaf on its path that are missing.  Return: nothing; pages taken
 * are counted in *@added when @added is not NULL.
 */
static void insert_key(u64 root, u64 key, u64 *added)
{
	u64 *table = __va(root);

	for (int level = KHO_V4_LEVELS; level >= 1; level--) {
		unsigned int i = (unsigned int)(key >> kho_v4_level_shift(level)) &
				 (KHO_V4_TABLE_ENTRIES - 1);

		if (!table[i]) {
			table[i] = table_page();
			if (added)
				(*added)++;
		}
		table = __va(table[i]);
	}
	table[(key & (KHO_V4_LEAF_BITS - 1)) / 64] |= 1ULL << (key % 64);
}

/* map_root - the preserved-memory-map of the root FDT at @fdt_phys. */
static u64 map_root(u64 fdt_phys)
{
	u64 map = 0;

	assert_int_equal(kho_parse_root_fdt(__va(fdt_phys), KHO_FDT_SIZE, &map), 0);
	assert_true(map != 0);
	return map;
}

/* ======================================================================
 * The walker on its own
 * ==================================================================== */

static bool any_ram(u64 phys, u64 len, void *arg)
{
	(void)phys;
	(void)len;
	(void)arg;
	return true;
}

/*
 * test_walk_orders_16_to_51 - one block of every order from 16 to 51 at
 * the first aligned address above 0 (order 51: 2^63) comes out of the
 * walk with its order and address; key 1, order 52, is refused with the
 * order as the defect's address.
 */
static void test_walk_orders_16_to_51(void **state)
{
	static struct kho_sim_blk got_blk[64];
	struct kho_sim_list got = { got_blk, 0, 64 };
	struct kho_walk_ops ops = { .ram_ok = any_ram, .block = kho_sim_collect };
	struct kho_walk_defect d = { 0 };
	const unsigned int top = KHO_V4_KEY_MAX_ORDER - 1;	/* 4096 << 51 = 2^63 */
	u64 root;

	(void)state;
	assert_int_equal(KHO_V4_MAX_ORDER, top);
	boot_sim_cold_boot(&gen0);
	root = table_page();
	for (unsigned int order = 16; order <= top; order++)
		insert_key(root, kho_v4_key(PAGE_SIZE << order, order), NULL);
	assert_int_equal(kho_v4_walk(root, &ops, &got, &d), 0);
	assert_int_equal(got.n, top - 16 + 1);
	for (int i = 0; i < got.n; i++) {		/* keys ascend: the largest order first */
		unsigned int order = top - (unsigned int)i;

		assert_int_equal(got.blk[i].order, order);
		assert_int_equal(got.blk[i].phys, PAGE_SIZE << order);
	}

	insert_key(root, 1, NULL);			/* the order bit alone */
	assert_int_equal(kho_v4_walk(root, &ops, &got, &d), -EINVAL);
	assert_string_equal(d.why, "preserved block order above 51 (larger than the 64-bit address space)");
	assert_int_equal(d.addr, KHO_V4_KEY_MAX_ORDER);
}

/* ======================================================================
 * A whole handoff
 * ==================================================================== */

/* tree_page_at - for_each_map_page callback: count the tree pages inside *@arg's window. */
static u64 window_lo, window_hi, tree_pages_inside;
static int tree_page_at(u64 phys, void *arg)
{
	(void)arg;
	tree_pages_inside += phys >= window_lo && phys < window_hi;
	return 0;
}

/*
 * free_window - an order-@order aligned window of generation 0's RAM that
 * holds no preserved block, no scratch area and no page of the tree at
 * @map: where a Linux sender could have had a block of that order.
 * Return: its address (the test fails when there is none).
 */
static u64 free_window(unsigned int order, u64 map)
{
	u64 size = PAGE_SIZE << order;

	for (u64 w = size; w + size <= BOOT_SIM_BYTES; w += size) {
		bool clear = !kho_is_preserved(w, size);

		for (int s = 0; s < kho_nr_scratch && clear; s++)
			clear = w + size <= kho_scratch[s].addr ||
				kho_scratch[s].addr + kho_scratch[s].size <= w;
		window_lo = w;
		window_hi = w + size;
		tree_pages_inside = 0;
		assert_int_equal(kho_abi_v4.for_each_map_page(map, tree_page_at, NULL), 0);
		if (clear && !tree_pages_inside)
			return w;
	}
	fail_msg("no %llu MiB window clear of preserved memory, scratch and tree pages",
		 (unsigned long long)(size >> 20));
	return 0;
}

/*
 * hand_over_with - boot_sim_hand_over(), with @extra(map, arg) run on the
 * finished radix tree before the record is written: the place a test
 * adds what only a Linux sender makes.
 */
static void hand_over_with(struct boot_sim_gen *next, void (*extra)(u64 map, void *arg), void *arg)
{
	u64 fdt_phys, area, area_size, record;

	assert_int_equal(kho_finalize(&fdt_phys), 0);
	extra(map_root(fdt_phys), arg);
	assert_int_equal(kho_next_kernel_area(&area, &area_size), 0);
	assert_true(area_size >= 4 * BOOT_SIM_MIB + BOOT_SIM_BOOTINFO_BYTES);
	record = area + 4 * BOOT_SIM_MIB + PAGE_SIZE;
	assert_int_equal(kho_fill_handoff(__va(record), fdt_phys, &(struct kho_handoff_target){
		.record_phys = record, .next_kernel_phys = area, .phys_top = BOOT_SIM_BYTES }), 0);

	memset(next, 0, sizeof(*next));
	next->bi.handoff_phys = record;
	next->bi.kernel_phys = area;
	next->bi.kernel_size = BOOT_SIM_KERNEL_BYTES;
	next->bi.self_phys = area + 4 * BOOT_SIM_MIB;
	next->bi.self_size = BOOT_SIM_BOOTINFO_BYTES;
	boot_sim_set_map(next, area, area + 4 * BOOT_SIM_MIB);
	boot_sim_forget_sender(__va(fdt_phys));
}

/* What generation 0 made for the big-block handoff. */
static struct big {
	struct kho_vmalloc *desc;	/* in the blob page */
	struct kho_vmalloc_chunk *chunk;
	u64 window;			/* the order-16 block */
	u64 pages_added;		/* tree pages this test wrote */
} big;

/*
 * add_big_block - @extra of hand_over_with(): the order-16 block's key in
 * the tree, its first and last words marked, and the kho_vmalloc area
 * (one chunk, one piece: the block) that describes it.
 */
static void add_big_block(u64 map, void *arg)
{
	u64 *w;

	(void)arg;
	big.window = free_window(BIG_ORDER, map);
	insert_key(map, kho_v4_key(big.window, BIG_ORDER), &big.pages_added);
	window_lo = big.window;
	window_hi = big.window + BIG_BYTES;
	tree_pages_inside = 0;
	assert_int_equal(kho_abi_v4.for_each_map_page(map, tree_page_at, NULL), 0);
	assert_int_equal(tree_pages_inside, 0);		/* the pages added are elsewhere */
	w = __va(big.window);
	w[0] = PATTERN;
	w[BIG_BYTES / 8 - 1] = ~PATTERN;
	big.chunk->phys[0] = big.window;
	*big.desc = (struct kho_vmalloc){ .first = __pa(big.chunk), .total_pages = 1U << BIG_ORDER,
					  .flags = KHO_VMALLOC_ALLOC, .order = BIG_ORDER };
}

/*
 * big_handoff - generation 0 preserves a folio, a chunk page and a blob
 * page for the descriptor, hands over with the order-16 block added;
 * generation 1 boots in kho.deferred=@mode.  Return: nothing; gen1 says
 * whether the handoff was accepted.
 */
static void big_handoff(int mode)
{
	struct page *folio, *chunk, *blob;

	boot_sim_cold_boot(&gen0);
	folio = kho_alloc_pages(3);
	chunk = kho_alloc_pages(0);
	blob = kho_alloc_pages(0);
	assert_non_null(folio);
	assert_non_null(chunk);
	assert_non_null(blob);
	assert_int_equal(kho_preserve_folio(folio, 3), 0);
	memset(page_address(chunk), 0, PAGE_SIZE);
	assert_int_equal(kho_preserve_folio(chunk, 0), 0);
	big.chunk = page_address(chunk);
	big.desc = page_address(blob);
	assert_int_equal(kho_add_blob(AREA_NAME, big.desc, sizeof(*big.desc)), 0);
	hand_over_with(&gen1, add_big_block, NULL);

	kho_reset_for_test();			/* the next kernel */
	shim_log_reset();
	kho_cfg.deferred = mode;
	boot_sim_memory(&gen1, NULL);
}

/* struct big_case - the kho.deferred= mode generation 1 receives the big block in. */
struct big_case {
	const char *name;
	int mode;
};

/*
 * test_big_block - one mode of big_cases[]: generation 1 accepts the
 * order-16 block, names it, reserves it whole (buddy hands out no page
 * of it), initialised its struct pages, leaves its content alone, and
 * gives it back through kho_restore_vmalloc() exactly once; an order-32
 * descriptor is refused.
 */
static void test_big_block(void **state)
{
	const struct big_case *c = *state;
	char line[128];
	u64 phys, size, pieces[4];
	u32 n = 0;
	struct kho_vmalloc d;
	const u64 *w;
	const struct page *p;

	big_handoff(c->mode);
	if (!gen1.revived)
		fail_msg("handoff refused: %s\n%s", kho_rejected_reason(), shim_log_text());
	snprintf(line, sizeof(line), "largest preserved block: order %d (256 MiB) at 0x%llx", BIG_ORDER,
		 (unsigned long long)big.window);
	if (!shim_log_contains(line))
		fail_msg("no \"%s\" in the log:\n%s", line, shim_log_text());
	assert_null(alloc_pages_range(0, big.window < BOOT_SIM_NODE1_START ? 0 : 1,
				      PHYS_PFN(big.window), PHYS_PFN(big.window + BIG_BYTES)));

	assert_int_equal(kho_retrieve_subtree(AREA_NAME, &phys, &size), 0);
	assert_int_equal(size, sizeof(d));
	assert_non_null(kho_restore_pages(phys, 1));
	memcpy(&d, __va(phys), sizeof(d));
	assert_int_equal(kho_restore_vmalloc(&d, pieces, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pieces[0], big.window);
	p = pfn_to_page(PHYS_PFN(big.window));
	for (u64 k = 0; k < (1ULL << BIG_ORDER); k++)
		if (p[k]._refcount != 1)
			fail_msg("page %llu of the block has refcount %d", (unsigned long long)k,
				 p[k]._refcount);
	w = __va(big.window);
	assert_true(w[0] == PATTERN && w[BIG_BYTES / 8 - 1] == ~PATTERN);
	assert_null(kho_restore_pages(big.window, 1ULL << BIG_ORDER));	/* once only */
	assert_int_equal(kho_lost_count(), 0);

	d.order = 32;				/* a piece of 2^32 pages: not countable */
	assert_int_equal(kho_restore_vmalloc(&d, pieces, 4, &n), -EINVAL);
	assert_true(shim_log_contains("kho_vmalloc descriptor with order 32"));
}

static const struct big_case big_cases[] = {
	{ "test_big_block_deserialize", KHO_DEFERRED_DESERIALIZE },
	{ "test_big_block_restore", KHO_DEFERRED_RESTORE },
	{ "test_big_block_off", KHO_DEFERRED_OFF },
};

/* A block that does not fit: where its key says, and the refusal it must get. */
struct misfit_case {
	const char *name;
	u64 phys;
	unsigned int order;
	const char *why;
};

static const struct misfit_case misfit_cases[] = {
	{ "test_order_18_past_the_end_of_ram", 1ULL << 30, 18,
	  "preserved block of order 18 (1024 MiB) does not fit in RAM" },
	{ "test_order_18_across_both_nodes", 0, 18,
	  "preserved block of order 18 (1024 MiB) is not RAM of one node throughout" },
	{ "test_order_51_at_2_63", 1ULL << 63, 51,
	  "preserved block of order 51 (8796093022208 MiB) does not fit in RAM" },
};

/* add_misfit - @extra of hand_over_with(): the row's key. */
static void add_misfit(u64 map, void *arg)
{
	const struct misfit_case *c = arg;

	insert_key(map, kho_v4_key(c->phys, c->order), NULL);
}

/*
 * test_misfit - one misfit_cases[] row: generation 1's kho_populate(),
 * run where start_kernel() runs it (init/main.c: after numa_init() has
 * put the two nodes into memblock), refuses the whole handoff with the
 * row's message.
 */
static void test_misfit(void **state)
{
	const struct misfit_case *c = *state;

	boot_sim_cold_boot(&gen0);
	hand_over_with(&gen1, add_misfit, (void *)c);
	kho_reset_for_test();
	shim_log_reset();
	memblock_reset_for_test();
	assert_int_equal(memblock_init_from_map(gen1.map, gen1.nmap), 0);
	boot_sim_two_nodes();
	assert_false(kho_populate(&gen1.bi));
	if (!shim_log_contains(c->why))
		fail_msg("no \"%s\" in the log:\n%s", c->why, shim_log_text());
	assert_string_equal(kho_rejected_reason(), c->why);
}

int main(void)
{
	struct CMUnitTest tests[1 + ARRAY_SIZE(big_cases) + ARRAY_SIZE(misfit_cases)] = {
		cmocka_unit_test_setup_teardown(test_walk_orders_16_to_51, boot_sim_setup,
						boot_sim_teardown),
	};
	size_t n = 1;

	n = CASE_TABLE_ADD(tests, n, big_cases, test_big_block, boot_sim_setup, boot_sim_teardown);
	n = CASE_TABLE_ADD(tests, n, misfit_cases, test_misfit, boot_sim_setup, boot_sim_teardown);
	return CASE_TABLE_RUN(tests, n, boot_sim_group_setup, NULL);
}
