// SPDX-License-Identifier: MIT
/*
 * tests/host/test_csum_partial.c - kernel/lib/csum_partial.c, the 32-bit
 * running checksum Linux's test_kho chains over its folios: fixed vectors
 * (which pin the exact 0 / 0xffffffff representation x86-64 Linux
 * produces), and a seeded property check against an independent sum.
 *
 * The independent sum adds the buffer as little-endian 32-bit words
 * (zero-padded at the end) with end-around carry.  Both are ones'-
 * complement sums of the same bytes at the same positions modulo 4, so
 * they are congruent modulo 2^32 - 1; they may disagree only in how they
 * write zero (0 or 0xffffffff), which is why they are compared modulo
 * 0xffffffff.  For the same reason, summing A and then B from A's result
 * is congruent to summing A||B whenever len(A) is a multiple of 4 (B's
 * bytes keep their positions modulo 4); that, and not bit equality, is
 * what the chaining check asserts.
 *
 * Seed: KHOLAB_SEED (decimal or 0x hex), printed at the start.
 *
 * SOURCES: kernel/lib/csum_partial.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <kernel/checksum.h>
#include "shim.h"

#define ONES	0xffffffffULL		/* 2^32 - 1: the modulus of a 32-bit ones'-complement sum */
#define MAX_LEN	20000
#define SLACK	8			/* room for unaligned starts */

static u8 buf[MAX_LEN + SLACK], copy[MAX_LEN + SLACK];

/*
 * ref_sum - the independent sum: @sum plus @len bytes at @p as
 * little-endian 32-bit words, the last one zero-padded, each added with
 * end-around carry.  Return: the 32-bit result (0 or 0xffffffff for zero).
 */
static u32 ref_sum(const u8 *p, size_t len, u32 sum)
{
	u32 acc = sum;

	for (size_t i = 0; i < len; i += 4) {
		u32 w = 0;

		for (size_t k = 0; k < 4 && i + k < len; k++)
			w |= (u32)p[i + k] << (8 * k);
		acc += w;
		acc += acc < w;		/* the carry out of bit 31 comes back in at bit 0 */
	}
	return acc;
}

/* fill_random - @len random bytes at @p. */
static void fill_random(u8 *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (u8)shim_rand();
}

static u8 zero(size_t i) { (void)i; return 0; }
static u8 ones(size_t i) { (void)i; return 0xff; }
static u8 index_byte(size_t i) { return (u8)(i & 0xff); }
static u8 affine_byte(size_t i) { return (u8)((7 * i + 3) & 0xff); }
static u8 count_from_1(size_t i) { return (u8)(i + 1); }

/* csum_of - csum_partial over @len bytes that @fill makes, from @sum. */
static u32 csum_of(u8 (*fill)(size_t i), size_t len, u32 sum)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = fill(i);
	return csum_partial(buf, len, sum);
}

/* struct vector - csum_partial(@len bytes made by @fill, @sum) must be @want. */
static const struct vector {
	const char *what;
	u8 (*fill)(size_t i);
	size_t len;
	u32 sum, want;
} vectors[] = {
	{ "4096 zero bytes", zero, 4096, 0, 0x00000000 },
	{ "4096 bytes 0xff", ones, 4096, 0, 0xffffffff },
	{ "4096 bytes i & 0xff", index_byte, 4096, 0, 0x01fdfa06 },
	{ "4096 bytes i & 0xff from 0x12345678", index_byte, 4096, 0x12345678, 0x1432507e },
	{ "13 bytes 01..0d", count_from_1, 13, 0, 0x1815121c },
};

/* test_vectors - the fixed results, bit for bit (including how zero is written). */
static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		u32 got = csum_of(v->fill, v->len, v->sum);

		if (got != v->want)
			fail_msg("%s: 0x%08x, want 0x%08x", v->what, got, v->want);
	}
}

/* test_chained_vector - a page of index bytes, then 8192 bytes of (7i + 3), chained. */
static void test_chained_vector(void **state)
{
	u32 first = csum_of(index_byte, 4096, 0);

	(void)state;
	assert_int_equal(csum_of(affine_byte, 8192, first), 0xfe0205f9);
}

/* test_empty - no bytes: the running sum comes back unchanged. */
static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(csum_partial(buf, 0, 0), 0);
	assert_int_equal(csum_partial(buf, 0, 0x12345678), 0x12345678);
	assert_int_equal(csum_partial(buf, 0, 0xffffffff), 0xffffffff);
}

/*
 * test_every_short_length - lengths 0..200 (every tail and 80-byte-block
 * path) of random bytes from random sums agree with the reference.
 */
static void test_every_short_length(void **state)
{
	(void)state;
	for (size_t len = 0; len <= 200; len++) {
		u32 sum = (u32)shim_rand();

		fill_random(buf, len);
		if (csum_partial(buf, len, sum) % ONES != ref_sum(buf, len, sum) % ONES)
			fail_msg("length %zu, sum 0x%x: csum_partial 0x%x, reference 0x%x", len, sum,
				 csum_partial(buf, len, sum), ref_sum(buf, len, sum));
	}
}

/*
 * test_random_buffers - random lengths 0..MAX_LEN at random start offsets
 * 0..7: congruent to the reference, and the same result wherever the
 * bytes lie in memory (x86-64 Linux reads unaligned words).
 */
static void test_random_buffers(void **state)
{
	(void)state;
	for (int round = 0; round < 400; round++) {
		size_t len = shim_rand() % (MAX_LEN + 1), off = shim_rand() % SLACK;
		size_t off2 = (off + 1 + shim_rand() % (SLACK - 1)) % SLACK;
		u32 sum = round % 4 ? (u32)shim_rand() : 0, got;

		fill_random(buf + off, len);
		got = csum_partial(buf + off, len, sum);
		if (got % ONES != ref_sum(buf + off, len, sum) % ONES)
			fail_msg("round %d: length %zu at offset %zu, sum 0x%x: csum_partial 0x%x, reference 0x%x",
				 round, len, off, sum, got, ref_sum(buf + off, len, sum));
		memcpy(copy + off2, buf + off, len);
		assert_int_equal(csum_partial(copy + off2, len, sum), got);
	}
}

/*
 * test_chaining - csum_partial(B, csum_partial(A, s)) is congruent to
 * csum_partial(A||B, s) when len(A) is a multiple of 4 (see the top of
 * the file); both also agree with the reference over A||B.
 */
static void test_chaining(void **state)
{
	(void)state;
	for (int round = 0; round < 400; round++) {
		size_t len = shim_rand() % (MAX_LEN + 1);
		size_t split = (shim_rand() % (len + 1)) & ~(size_t)3;
		u32 sum = (u32)shim_rand(), whole, chained;

		fill_random(buf, len);
		whole = csum_partial(buf, len, sum);
		chained = csum_partial(buf + split, len - split, csum_partial(buf, split, sum));
		if (whole % ONES != chained % ONES || whole % ONES != ref_sum(buf, len, sum) % ONES)
			fail_msg("round %d: %zu bytes split at %zu, sum 0x%x: whole 0x%x, chained 0x%x",
				 round, len, split, sum, whole, chained);
	}
}

/*
 * test_reference_self_check - the reference itself on sums worked by
 * hand: end-around carry, a zero-padded tail, and positions modulo 4.
 */
static void test_reference_self_check(void **state)
{
	static const u8 carry[8] = { 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0 };
	static const u8 tail[5] = { 1, 2, 3, 4, 5 };

	(void)state;
	assert_int_equal(ref_sum(carry, 8, 0), 0x00000002);	/* 0xffffffff + 2 = 0x1_00000001 -> 2 */
	assert_int_equal(ref_sum(tail, 5, 0), 0x04030206);	/* 0x04030201 + 0x00000005 */
	assert_int_equal(ref_sum(tail, 0, 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_chained_vector),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_reference_self_check),
		cmocka_unit_test(test_every_short_length),
		cmocka_unit_test(test_random_buffers),
		cmocka_unit_test(test_chaining),
	};

	shim_seed_init("test_csum_partial");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
