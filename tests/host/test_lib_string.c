/*
 * tests/host/test_lib_string.c - the kernel's string and number functions
 * (kernel/lib/string.c, kernel/lib/strtoul.c) and <ctype.h>.
 *
 * SOURCES: kernel/lib/string.c kernel/lib/strtoul.c
 *
 * Our libc is built under kl_* names on the host (see include/libc/string.h),
 * so the host's strto*() stay reachable as a reference for the parsers.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>		/* the host's, the reference */
#include <cmocka.h>

/* Host strto* captured before our <libc/stdlib.h> renames the names. */
static unsigned long host_strtoul(const char *s, char **e, int b) { return strtoul(s, e, b); }
static unsigned long long host_strtoull(const char *s, char **e, int b) { return strtoull(s, e, b); }
static long host_strtol(const char *s, char **e, int b) { return strtol(s, e, b); }
static long long host_strtoll(const char *s, char **e, int b) { return strtoll(s, e, b); }

#include <libc/string.h>
#include <libc/stdlib.h>
#include <libc/errno.h>
#include <libc/limits.h>
#include <libc/ctype.h>

/* fill - write a recognisable pattern (i * 7 + seed) into @n bytes at @p. */
static void fill(unsigned char *p, size_t n, int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + (size_t)seed);
}

/* memcpy: every small size at every alignment, bytes outside untouched. */
static void test_memcpy(void **state)
{
	unsigned char src[80], dst[80];

	(void)state;
	fill(src, sizeof(src), 3);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n < 64; n++) {
			kl_memset(dst, 0xee, sizeof(dst));
			assert_ptr_equal(kl_memcpy(dst + off, src + (7 - off), n), dst + off);
			for (size_t i = 0; i < sizeof(dst); i++) {
				if (i >= off && i < off + n)
					assert_int_equal(dst[i], src[7 - off + i - off]);
				else
					assert_int_equal(dst[i], 0xee);
			}
		}
	}
}

/* memmove: overlapping copies in both directions and trivial cases. */
static void test_memmove_overlap(void **state)
{
	unsigned char buf[64], ref[64];

	(void)state;
	for (size_t d = 0; d < 16; d++) {
		for (size_t s = 0; s < 16; s++) {
			fill(buf, sizeof(buf), 1);
			fill(ref, sizeof(ref), 1);
			assert_ptr_equal(kl_memmove(buf + d, buf + s, 40), buf + d);
			for (size_t i = 0; i < 40; i++)
				assert_int_equal(buf[d + i], ref[s + i]);
			for (size_t i = 0; i < d; i++)
				assert_int_equal(buf[i], ref[i]);
		}
	}
	fill(buf, sizeof(buf), 5);
	fill(ref, sizeof(ref), 5);
	kl_memmove(buf, buf, sizeof(buf));
	kl_memmove(buf + 1, buf, 0);
	assert_int_equal(kl_memcmp(buf, ref, sizeof(buf)), 0);
}

/* memset: the fill byte is (unsigned char)c; n == 0 writes nothing. */
static void test_memset(void **state)
{
	unsigned char buf[40];

	(void)state;
	kl_memset(buf, 0x11, sizeof(buf));
	assert_ptr_equal(kl_memset(buf + 3, 0x1ab, 30), buf + 3);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i >= 3 && i < 33 ? 0xab : 0x11);
	kl_memset(buf, 0, 0);
	assert_int_equal(buf[0], 0x11);
}

/* memcmp compares unsigned bytes; memchr finds bytes past NULs. */
static void test_memcmp_memchr(void **state)
{
	const unsigned char a[] = { 1, 2, 0x80, 4 }, b[] = { 1, 2, 0x01, 9 };
	const char s[] = "ab\0cd\0";

	(void)state;
	assert_true(kl_memcmp(a, b, 4) > 0);
	assert_true(kl_memcmp(b, a, 4) < 0);
	assert_int_equal(kl_memcmp(a, b, 2), 0);
	assert_int_equal(kl_memcmp(a, b, 0), 0);
	assert_ptr_equal(kl_memchr(s, 'd', sizeof(s)), s + 4);
	assert_ptr_equal(kl_memchr(s, 0, sizeof(s)), s + 2);
	assert_ptr_equal(kl_memchr(s, 'a' + 0x100, sizeof(s)), s);
	assert_null(kl_memchr(s, 'z', sizeof(s)));
	assert_null(kl_memchr(s, 'd', 4));
}

/* strlen and strnlen, including limits shorter and longer than the string. */
static void test_strlen(void **state)
{
	(void)state;
	assert_int_equal(kl_strlen(""), 0);
	assert_int_equal(kl_strlen("kholab"), 6);
	assert_int_equal(kl_strnlen("kholab", 3), 3);
	assert_int_equal(kl_strnlen("kholab", 6), 6);
	assert_int_equal(kl_strnlen("kholab", 100), 6);
	assert_int_equal(kl_strnlen("kholab", 0), 0);
}

/* strcmp family: sign of the result, unsigned chars, length limits, case. */
static void test_strcmp_family(void **state)
{
	(void)state;
	assert_int_equal(kl_strcmp("abc", "abc"), 0);
	assert_true(kl_strcmp("abc", "abd") < 0);
	assert_true(kl_strcmp("abc", "ab") > 0);
	assert_true(kl_strcmp("", "a") < 0);
	assert_true(kl_strcmp("\x80", "\x01") > 0);
	assert_int_equal(kl_strncmp("abcX", "abcY", 3), 0);
	assert_true(kl_strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(kl_strncmp("a", "b", 0), 0);
	assert_int_equal(kl_strncmp("ab", "ab\0x", 10), 0);
	assert_int_equal(kl_strcasecmp("KhoLab", "kHOlAB"), 0);
	assert_true(kl_strcasecmp("apple", "BANANA") < 0);
	assert_int_equal(kl_strncasecmp("MEMmap", "memory", 3), 0);
	assert_true(kl_strncasecmp("MEMmap", "memory", 4) != 0);
}

/* strchr/strrchr (NUL findable) and strstr. */
static void test_strchr_strstr(void **state)
{
	const char *s = "a/b/c";

	(void)state;
	assert_ptr_equal(kl_strchr(s, '/'), s + 1);
	assert_ptr_equal(kl_strrchr(s, '/'), s + 3);
	assert_ptr_equal(kl_strchr(s, '\0'), s + 5);
	assert_ptr_equal(kl_strrchr(s, '\0'), s + 5);
	assert_null(kl_strchr(s, 'x'));
	assert_null(kl_strrchr(s, 'x'));
	assert_string_equal(kl_strstr("memblock: reserve", "reserve"), "reserve");
	assert_string_equal(kl_strstr("aaab", "aab"), "aab");
	assert_string_equal(kl_strstr("abc", ""), "abc");
	assert_null(kl_strstr("abc", "abcd"));
	assert_null(kl_strstr("", "a"));
}

/* strlcpy truncates, always terminates and returns strlen(src). */
static void test_strlcpy(void **state)
{
	char buf[6] = "zzzzz";

	(void)state;
	assert_int_equal(kl_strlcpy(buf, "abc", sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(kl_strlcpy(buf, "abcdefgh", sizeof(buf)), 8);
	assert_string_equal(buf, "abcde");
	assert_int_equal(kl_strlcpy(buf, "xyz", 0), 3);
	assert_string_equal(buf, "abcde");
	assert_int_equal(kl_strlcpy(buf, "xyz", 1), 3);
	assert_string_equal(buf, "");
}

/* strscpy returns the length, or -E2BIG after a truncated copy. */
static void test_strscpy(void **state)
{
	char buf[6];
	const char exact[6] = { 'a', 'b', 'c', 'd', 'e', 'f' };	/* no NUL */

	(void)state;
	assert_int_equal(kl_strscpy(buf, "abcde", sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(kl_strscpy(buf, "abcdef", sizeof(buf)), -E2BIG);
	assert_string_equal(buf, "abcde");
	assert_int_equal(kl_strscpy(buf, exact, sizeof(buf)), -E2BIG);	/* reads <= 6 */
	assert_string_equal(buf, "abcde");
	assert_int_equal(kl_strscpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(kl_strscpy(buf, "x", 0), -E2BIG);
}

/* Inputs for the strto* comparisons with the host library. */
static const char *const num_inputs[] = {
	"0", "42", "  \t\n42xyz", "+17", "-17", "0x1F", "0X1f", "0x", "0xg", "017", "08",
	"0", "", "   ", "-", "+", "abc", "zz", "Zz9", "1a2b", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999", "-18446744073709551615",
	"-18446744073709551616", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "-9223372036854775809", "0xffffffffffffffff",
	"0x10000000000000000", "0777777777777777777777", "01777777777777777777777",
	"02000000000000000000000", "  -0x10", "0x-1", "1 2",
};
static const int num_bases[] = { 0, 2, 8, 10, 16, 36 };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The four parsers, for parse_with(). */
enum num_fn { FN_STRTOUL, FN_STRTOULL, FN_STRTOL, FN_STRTOLL };
static const char *const num_fn_names[] = { "strtoul", "strtoull", "strtol", "strtoll" };

/*
 * parse_with - run parser @fn, ours (@ours) or the host's, on @s in @base.
 * Return: the value, widened (signed results sign-extended) to 64 bits;
 * *@end is set as the parser sets it.
 */
static unsigned long long parse_with(enum num_fn fn, bool ours, const char *s, int base,
				     char **end)
{
	switch (fn) {
	case FN_STRTOUL:
		return ours ? kl_strtoul(s, end, base) : host_strtoul(s, end, base);
	case FN_STRTOULL:
		return ours ? kl_strtoull(s, end, base) : host_strtoull(s, end, base);
	case FN_STRTOL:
		return (unsigned long long)(ours ? kl_strtol(s, end, base) : host_strtol(s, end, base));
	default:
		return (unsigned long long)(ours ? kl_strtoll(s, end, base) : host_strtoll(s, end, base));
	}
}

/*
 * expect_host_agrees - for every input in num_inputs[] and base in
 * num_bases[], parsers @fn_a and @fn_b give the host's value and endptr;
 * a mismatch names the parser, the input and the base.
 */
static void expect_host_agrees(enum num_fn fn_a, enum num_fn fn_b)
{
	const enum num_fn fns[] = { fn_a, fn_b };

	for (size_t i = 0; i < ARRAY_SIZE(num_inputs); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(num_bases); j++) {
			const char *s = num_inputs[i];
			int base = num_bases[j];

			for (size_t f = 0; f < ARRAY_SIZE(fns); f++) {
				char *we, *ge;
				unsigned long long w = parse_with(fns[f], false, s, base, &we);
				unsigned long long g = parse_with(fns[f], true, s, base, &ge);

				if (w != g || we != ge)
					fail_msg("%s(\"%s\", %d): host %#llx end %td, ours %#llx end %td",
						 num_fn_names[fns[f]], s, base, w, we - s, g, ge - s);
			}
		}
	}
}

/* strtoul/strtoull agree with the host for every input and base, endptr too. */
static void test_strtoul_vs_host(void **state)
{
	(void)state;
	expect_host_agrees(FN_STRTOUL, FN_STRTOULL);
}

/* strtol/strtoll agree with the host, clamping at the signed limits. */
static void test_strtol_vs_host(void **state)
{
	(void)state;
	expect_host_agrees(FN_STRTOL, FN_STRTOLL);
}

/* strtoul: bases 0/10/16 with endptr, spelled out for the reader. */
static void test_strtoul_examples(void **state)
{
	const char *s;
	char *end;

	(void)state;
	s = "0x1000 rest";
	assert_int_equal(kl_strtoul(s, &end, 0), 0x1000);
	assert_ptr_equal(end, s + 6);
	s = "0755";
	assert_int_equal(kl_strtoul(s, &end, 0), 0755);
	assert_ptr_equal(end, s + 4);
	assert_int_equal(kl_strtoul(s, &end, 10), 755);
	s = "ff:";
	assert_int_equal(kl_strtoul(s, &end, 16), 0xff);
	assert_ptr_equal(end, s + 2);
	s = "0x";
	assert_int_equal(kl_strtoul(s, &end, 16), 0);
	assert_ptr_equal(end, s + 1);	/* the "0" was a number, the 'x' is not */
	s = "nope";
	assert_int_equal(kl_strtoul(s, &end, 10), 0);
	assert_ptr_equal(end, s);
	assert_int_equal(kl_strtoul("99999999999999999999", NULL, 10), ULONG_MAX);
	assert_int_equal(kl_strtoul("12", &end, 1), 0);	/* invalid base */
	assert_int_equal(kl_strtoul("12", &end, 37), 0);
}

/* <ctype.h>: classes and case mapping over all byte values. */
static void test_ctype(void **state)
{
	(void)state;
	for (int c = -1; c < 256; c++) {
		int digit = c >= '0' && c <= '9';
		int up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z';

		assert_int_equal(!!isdigit(c), digit);
		assert_int_equal(!!isalpha(c), up || low);
		assert_int_equal(!!isalnum(c), up || low || digit);
		assert_int_equal(!!isxdigit(c), digit || (c >= 'a' && c <= 'f') ||
				 (c >= 'A' && c <= 'F'));
		assert_int_equal(!!isspace(c), c == ' ' || c == '\t' || c == '\n' ||
				 c == '\v' || c == '\f' || c == '\r');
		assert_int_equal(!!isprint(c), c >= 32 && c < 127);
		assert_int_equal(tolower(c), up ? c + 32 : c);
		assert_int_equal(toupper(c), low ? c - 32 : c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset),
		cmocka_unit_test(test_memcmp_memchr),
		cmocka_unit_test(test_strlen),
		cmocka_unit_test(test_strcmp_family),
		cmocka_unit_test(test_strchr_strstr),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_strscpy),
		cmocka_unit_test(test_strtoul_vs_host),
		cmocka_unit_test(test_strtol_vs_host),
		cmocka_unit_test(test_strtoul_examples),
		cmocka_unit_test(test_ctype),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
