/*
 * tests/host/test_kho_fdt.c - kho/subtree.c: the subtree registry (and that
 * subtree blobs' pages are preserved), the kho-v1 root FDT (kho.abi=v1)
 * read back with hosted libfdt (compatible, native-byte-order u64
 * properties, child nodes in order of addition), and every root FDT the
 * reader must reject.
 *
 * SOURCES: kho/preserve.c kho/subtree.c kho/state.c kho/abi.c kho/abi_v1.c kho/abi_v4.c mm/memblock.c mm/memblock_query.c
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
#include <mm/page.h>
#include "shim.h"
#include "kho_sim.h"

#define SUB_A		(32ULL << 20)		/* subtree blobs live here */
#define SUB_B		(40ULL << 20)
#define MAP_VALUE	0x1122334455667000ULL

static u8 root[KHO_FDT_SIZE] __attribute__((aligned(8)));
static u8 bad[KHO_FDT_SIZE] __attribute__((aligned(8)));

/* group_setup - kho.abi=v1: the root FDT under test is kho-v1's. */
static int group_setup(void **state)
{
	(void)state;
	if (kho_parse_abi_arg("v1"))
		return -1;
	return kho_sim_group_setup(NULL, PHYS_PFN(KHO_SIM_BYTES));
}

/* teardown - no subtree registered, then kho_sim_teardown(). */
static int teardown(void **state)
{
	kho_remove_subtree(__va(SUB_A));
	kho_remove_subtree(__va(SUB_B));
	return kho_sim_teardown(state);
}

/* make_blob - a valid FDT at @phys whose totalsize is about @bytes. */
static void *make_blob(u64 phys, int bytes)
{
	void *fdt = __va(phys);
	static u8 filler[8192];

	assert_int_equal(fdt_create(fdt, bytes + 1024), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_string(fdt, "compatible", "kho-test-v1"), 0);
	assert_int_equal(fdt_property(fdt, "filler", filler, bytes - 200), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	assert_true(fdt_totalsize(fdt) <= (u32)bytes);
	return fdt;
}

static void test_root_empty(void **state)
{
	static const u8 le[8] = { 0x00, 0x70, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	const void *p;
	int len;
	u64 v = 0;

	(void)state;
	assert_int_equal(kho_build_root_fdt(root, MAP_VALUE), 0);
	assert_int_equal(fdt_check_header(root), 0);
	assert_true(fdt_totalsize(root) <= KHO_FDT_SIZE);
	p = fdt_getprop(root, 0, "compatible", &len);
	assert_non_null(p);
	assert_int_equal(len, 7);
	assert_memory_equal(p, "kho-v1", 7);
	p = fdt_getprop(root, 0, "preserved-memory-map", &len);
	assert_non_null(p);
	assert_int_equal(len, 8);
	assert_memory_equal(p, le, 8);	/* native (little-endian), not fdt64 */
	assert_int_equal(fdt_first_subnode(root, 0), -FDT_ERR_NOTFOUND);
	assert_int_equal(kho_parse_root_fdt(root, KHO_FDT_SIZE, &v), 0);
	assert_int_equal(v, MAP_VALUE);
	assert_int_equal(kho_build_root_fdt(root, 0), 0);
	assert_int_equal(kho_parse_root_fdt(root, KHO_FDT_SIZE, &v), 0);
	assert_int_equal(v, 0);
}

static void test_subtrees(void **state)
{
	void *a = make_blob(SUB_A, 5000), *b = make_blob(SUB_B, 3000);
	const char *names[2] = { "memblock", "kho_test" };
	u64 phys[2] = { SUB_A, SUB_B };
	u64 got, v;
	int node, i = 0;

	(void)state;
	assert_int_equal(kho_add_subtree("memblock", a), 0);
	assert_int_equal(kho_add_subtree("kho_test", b), 0);
	/* 5000 bytes -> 2 pages; 3000 -> 1 page. */
	assert_int_equal(kho_preserved_bytes(), 3 * PAGE_SIZE);
	assert_true(kho_is_preserved(SUB_A + PAGE_SIZE, PAGE_SIZE));
	assert_false(kho_is_preserved(SUB_A + 2 * PAGE_SIZE, PAGE_SIZE));
	assert_true(kho_is_preserved(SUB_B, PAGE_SIZE));

	assert_int_equal(kho_build_root_fdt(root, MAP_VALUE), 0);
	fdt_for_each_subnode(node, root, 0) {
		const void *p;
		int len;

		assert_true(i < 2);
		assert_string_equal(fdt_get_name(root, node, NULL), names[i]);
		p = fdt_getprop(root, node, "fdt", &len);
		assert_non_null(p);
		assert_int_equal(len, 8);
		assert_memory_equal(p, &phys[i], 8);	/* native byte order */
		i++;
	}
	assert_int_equal(i, 2);
	assert_int_equal(kho_parse_root_fdt(root, KHO_FDT_SIZE, &v), 0);
	assert_int_equal(kho_find_subtree(root, "kho_test", &got), 0);
	assert_int_equal(got, SUB_B);
	assert_int_equal(kho_find_subtree(root, "memblock", &got), 0);
	assert_int_equal(got, SUB_A);
	assert_int_equal(kho_find_subtree(root, "nope", &got), -ENOENT);

	assert_int_equal(kho_remove_subtree(a), 0);
	assert_int_equal(kho_remove_subtree(a), -ENOENT);
	assert_false(kho_is_preserved(SUB_A, 2 * PAGE_SIZE));
	assert_int_equal(kho_preserved_bytes(), PAGE_SIZE);
	assert_int_equal(kho_build_root_fdt(root, 0), 0);
	assert_int_equal(kho_find_subtree(root, "memblock", &got), -ENOENT);
	assert_int_equal(kho_find_subtree(root, "kho_test", &got), 0);
	assert_int_equal(kho_remove_subtree(b), 0);
	assert_int_equal(kho_preserved_blocks(), 0);
}

static void test_add_subtree_errors(void **state)
{
	void *a = make_blob(SUB_A, 3000), *b = make_blob(SUB_B, 3000);
	u8 *low = __va(0x80000);

	(void)state;
	assert_int_equal(kho_add_subtree("", a), -EINVAL);
	assert_int_equal(kho_add_subtree(NULL, a), -EINVAL);
	assert_int_equal(kho_add_subtree("a/b", a), -EINVAL);
	assert_int_equal(kho_add_subtree("0123456789abcdef0123456789abcdef", a), -EINVAL);
	assert_true(shim_log_contains("is not a valid node name"));
	assert_int_equal(kho_add_subtree("x", NULL), -EINVAL);
	assert_int_equal(kho_add_subtree("x", (u8 *)a + 64), -EINVAL);
	memset(__va(SUB_A + 0x100000), 0, 64);
	assert_int_equal(kho_add_subtree("x", __va(SUB_A + 0x100000)), -EINVAL); /* not an FDT */
	memcpy(low, a, fdt_totalsize(a));
	assert_int_equal(kho_add_subtree("low", low), -EINVAL);	/* below 1 MiB */
	assert_int_equal(kho_preserved_blocks(), 0);

	assert_int_equal(kho_add_subtree("0123456789abcdef0123456789abcde", a), 0);
	assert_int_equal(kho_add_subtree("0123456789abcdef0123456789abcde", b), -EEXIST);
	assert_int_equal(kho_preserve_phys(SUB_B, PAGE_SIZE), 0);
	assert_int_equal(kho_add_subtree("other", b), -EEXIST);	/* pages taken */
	assert_int_equal(kho_unpreserve_phys(SUB_B, PAGE_SIZE), 0);
	assert_int_equal(kho_add_subtree("other", b), 0);
	assert_int_equal(kho_remove_subtree(__va(SUB_A + 0x100000)), -ENOENT);
}

/* bad_root - a root with @compat (@clen bytes) and a map property of @mlen. */
static void bad_root(const void *compat, int clen, int mlen)
{
	u64 map[2] = { MAP_VALUE, 0 };

	assert_int_equal(fdt_create(bad, sizeof(bad)), 0);
	assert_int_equal(fdt_finish_reservemap(bad), 0);
	assert_int_equal(fdt_begin_node(bad, ""), 0);
	if (compat)
		assert_int_equal(fdt_property(bad, "compatible", compat, clen), 0);
	if (mlen >= 0)
		assert_int_equal(fdt_property(bad, "preserved-memory-map", map, mlen), 0);
	assert_int_equal(fdt_begin_node(bad, "sub"), 0);
	assert_int_equal(fdt_property(bad, "fdt", map, 4), 0);
	assert_int_equal(fdt_end_node(bad), 0);
	assert_int_equal(fdt_end_node(bad), 0);
	assert_int_equal(fdt_finish(bad), 0);
}

static void test_parse_rejects(void **state)
{
	u64 v = 77, p;

	(void)state;
	bad_root("kho-v1", 7, 8);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), 0);
	assert_int_equal(v, MAP_VALUE);
	assert_int_equal(kho_find_subtree(bad, "sub", &p), -EINVAL);	/* 4-byte fdt */
	/* Size: the blob is larger than what the caller says it may read. */
	assert_int_equal(kho_parse_root_fdt(bad, fdt_totalsize(bad) - 1, &v), -EINVAL);
	assert_int_equal(kho_parse_root_fdt(bad, 16, &v), -EINVAL);
	bad_root("kho-v2", 7, 8);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1x", 8, 8);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1\0other", 13, 8);	/* a list that contains it is not enough */
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1", 6, 8);		/* not NUL-terminated */
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root(NULL, 0, 8);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1", 7, 4);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1", 7, 16);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1", 7, -1);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -ENOENT);
	/* Header: bad magic, then a structure block cut short. */
	bad_root("kho-v1", 7, 8);
	((u8 *)bad)[0] ^= 0xff;
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	bad_root("kho-v1", 7, 8);
	fdt_set_size_dt_struct(bad, 8);
	assert_int_equal(kho_parse_root_fdt(bad, sizeof(bad), &v), -EINVAL);
	assert_int_equal(v, MAP_VALUE);	/* untouched by the failures */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_empty),
		cmocka_unit_test(test_subtrees),
		cmocka_unit_test(test_add_subtree_errors),
		cmocka_unit_test(test_parse_rejects),
	};

	return kho_sim_run(tests, ARRAY_SIZE(tests), group_setup, kho_sim_setup, teardown);
}
