/*
 * tests/host/test_printk_format.c - the kernel's printf engine
 * (kernel/lib/vsnprintf.c) against the host C library.
 *
 * SOURCES: kernel/lib/vsnprintf.c kernel/lib/string.c
 *
 * In host tests our libc is built under kl_* names (include/libc/stdio.h, string.h),
 * so both formatters live side by side.  check() runs one format through
 * both at several buffer sizes and compares return values and every byte
 * of the buffers, so truncation and NUL placement are covered too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>		/* the host's, the reference */
#include <string.h>
#include <limits.h>
#include <sys/types.h>
#include <cmocka.h>

/* host_vsnprintf - the host's vsnprintf, captured before ours is declared. */
static int host_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

#include <libc/stdio.h>		/* ours: kl_snprintf, kl_vsnprintf, ... */

#define BUF 320

/*
 * check_at - format with both at buffer size @size (buffers pre-filled with
 * '#') and fail the test on any difference in result or bytes.
 */
static void check_at(int line, size_t size, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list a1, a2;
	int wn, gn;

	memset(want, '#', sizeof(want));
	memset(got, '#', sizeof(got));
	va_copy(a1, ap);
	va_copy(a2, ap);
	wn = host_vsnprintf(want, size, fmt, a1);
	gn = kl_vsnprintf(got, size, fmt, a2);
	va_end(a1);
	va_end(a2);
	if (wn != gn || memcmp(want, got, sizeof(want)) != 0) {
		print_error("line %d: format \"%s\" size %zu: host %d \"%.*s\", ours %d \"%.*s\"\n",
			    line, fmt, size, wn, (int)strnlen(want, size), want, gn,
			    (int)strnlen(got, size), got);
		fail();
	}
}

/* check_fmt - compare both formatters at full size and at truncating sizes. */
static void __attribute__((format(printf, 2, 3))) check_fmt(int line, const char *fmt, ...)
{
	va_list ap;
	char tmp[BUF];
	int len;
	size_t sizes[8];
	size_t n = 0;

	va_start(ap, fmt);
	{
		va_list a;

		va_copy(a, ap);
		len = host_vsnprintf(tmp, sizeof(tmp), fmt, a);
		va_end(a);
	}
	sizes[n++] = BUF;
	sizes[n++] = 0;
	sizes[n++] = 1;
	sizes[n++] = 2;
	if (len > 0 && (size_t)len < BUF) {
		sizes[n++] = (size_t)len / 2 + 1;
		sizes[n++] = (size_t)len;
		sizes[n++] = (size_t)len + 1;
	}
	for (size_t i = 0; i < n; i++) {
		va_list a;

		va_copy(a, ap);
		check_at(line, sizes[i], fmt, a);
		va_end(a);
	}
	va_end(ap);
}

/*
 * check_raw - check_fmt() without gcc's format checking, for formats that
 * are valid C but draw a -Wformat warning (flags that cancel each other).
 */
static void check_raw(int line, const char *fmt, ...)
{
	char tmp[BUF];
	va_list ap;

	va_start(ap, fmt);
	for (size_t size = 0; size < 40; size++) {
		va_list a;

		va_copy(a, ap);
		check_at(line, size, fmt, a);
		va_end(a);
	}
	{
		va_list a;

		va_copy(a, ap);
		check_at(line, sizeof(tmp), fmt, a);
		va_end(a);
	}
	va_end(ap);
}

#define CHECK(fmt, ...) check_fmt(__LINE__, fmt, ##__VA_ARGS__)
#define CHECK_RAW(fmt, ...) check_raw(__LINE__, fmt, ##__VA_ARGS__)

/* Literal text and %%. */
static void test_literals(void **state)
{
	(void)state;
	CHECK_RAW("");
	CHECK("hello, world");
	CHECK("%%");
	CHECK("a%%b%%%%c");
	CHECK("100%% sure\n");
}

/* %d/%i at every length, including the most negative values. */
static void test_signed(void **state)
{
	(void)state;
	CHECK("%d %d %d", 0, 1, -1);
	CHECK("%d|%d", INT_MAX, INT_MIN);
	CHECK("%i|%i", 42, -42);
	CHECK("%ld|%ld", LONG_MAX, LONG_MIN);
	CHECK("%lld|%lld", LLONG_MAX, LLONG_MIN);
	CHECK("%hd|%hd|%hd", 70000, -32768, 32767);
	CHECK("%hhd|%hhd|%hhd", 200, -128, 127);
	CHECK("%zd|%zd", (ssize_t)-5, (ssize_t)LONG_MAX);
	CHECK("%td|%td", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)12);
	CHECK("%jd|%jd", INTMAX_MIN, INTMAX_MAX);
}

/* %u at every length, including the maximum values. */
static void test_unsigned(void **state)
{
	(void)state;
	CHECK("%u|%u", 0u, UINT_MAX);
	CHECK("%lu|%llu", ULONG_MAX, ULLONG_MAX);
	CHECK("%hu|%hhu", 65537, 257);
	CHECK("%zu|%ju", SIZE_MAX, UINTMAX_MAX);
	CHECK("%tu", (ptrdiff_t)1234);
}

/* %x, %X, %o with and without '#', including zero. */
static void test_hex_octal(void **state)
{
	(void)state;
	CHECK("%x|%X|%o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	CHECK("%lx|%llX|%llo", ULONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CHECK("%#x|%#X|%#o", 0xabcu, 0xabcu, 8u);
	CHECK("%#x|%#X|%#o|%o", 0u, 0u, 0u, 0u);
	CHECK("%#.0x|%#.0o|%.0o|%.0x", 0u, 0u, 0u, 0u);
	CHECK("%#10x|%#-10x|%#010x|%#.6x", 0x1fu, 0x1fu, 0x1fu, 0x1fu);
	CHECK("%#5o|%#05o|%#.4o|%#.1o", 8u, 8u, 8u, 8u);
	CHECK("%hhx|%hx|%zx", 0x1ff, 0x1ffff, (size_t)0xabcdef);
}

/* The '-', '0', '+' and ' ' flags and their interactions. */
static void test_flags(void **state)
{
	(void)state;
	CHECK("[%+d] [%+d] [% d] [% d]", 5, -5, 5, -5);
	CHECK_RAW("[%+ d] [% +d]", 7, 7);
	CHECK_RAW("[%5d] [%-5d] [%05d] [%-05d]", 42, 42, 42, 42);
	CHECK_RAW("[%05d] [%+05d] [% 05d] [%0-5d]", -42, 42, 42, -42);
	CHECK("[%08x] [%-8X] [%08o]", 0xbeefu, 0xbeefu, 0777u);
	CHECK("[%020lld] [%+020lld]", LLONG_MIN, LLONG_MAX);
}

/* Width and precision, literal and from '*' (negative ones included). */
static void test_width_precision(void **state)
{
	(void)state;
	CHECK_RAW("[%5.3d] [%.5d] [%08.3d] [%.0d] [%5.0d]", 7, -42, 12, 0, 0);
	CHECK("[%*d] [%*d] [%-*d]", 8, 99, -8, 99, 6, -1);
	CHECK("[%.*d] [%.*d] [%*.*d]", 4, 3, -1, 3, 7, 5, 123);
	CHECK("[%.*x] [%0*x]", 10, 0xffu, 10, 0xffu);
	CHECK("[%1d] [%2d]", 12345, -1);
	CHECK("[%200d]", 1);
	CHECK("[%-300u]", 3u);		/* longer than the test buffer */
}

/* %s with width, precision and empty strings. */
static void test_strings(void **state)
{
	(void)state;
	CHECK("[%s] [%s]", "abc", "");
	CHECK("[%10s] [%-10s] [%2s]", "abc", "abc", "abcdef");
	CHECK("[%.2s] [%10.2s] [%-10.4s] [%.0s] [%.10s]", "abcdef", "abcdef", "abcdef",
	      "abc", "abc");
	CHECK("[%*s] [%-*s] [%.*s] [%*.*s]", 6, "x", 6, "y", 3, "abcdef", -6, 2, "abcdef");
	CHECK("%s=%s;%s", "key", "value", "rest");
}

/* %s of NULL prints "(null)", cut to the precision like any string. */
static void test_null_string(void **state)
{
	const char *volatile nul = NULL;
	char buf[32];

	(void)state;
	CHECK("[%s] [%10s] [%-8s]", nul, nul, nul);
	assert_int_equal(kl_snprintf(buf, sizeof(buf), "%.3s|%.10s", nul, nul), 10);
	assert_string_equal(buf, "(nu|(null)");
}

/* %c, including width, '-' and a NUL character. */
static void test_chars(void **state)
{
	(void)state;
	CHECK("[%c] [%c%c]", 'A', 'o', 'k');
	CHECK("[%5c] [%-5c]", 'x', 'y');
	CHECK("[%c]", '\0');
	CHECK("[%c]", 0x1ff);
}

/* %p prints 0x<hex>, "(nil)" for NULL, with width and '-'. */
static void test_pointers(void **state)
{
	(void)state;
	CHECK("%p|%p", (void *)0x1234, (void *)(uintptr_t)-1);
	CHECK("%p", (void *)0);
	CHECK("[%20p] [%-20p] [%8p]", (void *)0xffffffff80000000ul, (void *)0x10, (void *)0);
	CHECK("%p", (void *)&state);
}

/* Truncation: return value is the full length; NULL buffer with size 0. */
static void test_truncation(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(kl_snprintf(NULL, 0, "%d-%s", 12345, "abcdef"), 12);
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(kl_snprintf(buf, 0, "hello"), 5);
	assert_int_equal(buf[0], 'Z');
	assert_int_equal(kl_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Z');
	assert_int_equal(kl_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(kl_snprintf(buf, sizeof(buf), "%08d", -1), 8);
	assert_string_equal(buf, "-000000");
	CHECK("a longer line %d %s %x %c %p end", -1, "str", 0xffu, 'c', (void *)0x99);
}

/* Conversions we do not support are copied through and take no argument. */
static void test_unsupported(void **state)
{
	const char *volatile fmt1 = "%5.2f|%d";
	const char *volatile fmt2 = "50%";
	const char *volatile fmt3 = "%ll";
	char buf[32];

	(void)state;
	assert_int_equal(kl_snprintf(buf, sizeof(buf), fmt1, 7), 7);
	assert_string_equal(buf, "%5.2f|7");
	assert_int_equal(kl_snprintf(buf, sizeof(buf), fmt2, 0), 3);
	assert_string_equal(buf, "50%");
	assert_int_equal(kl_snprintf(buf, sizeof(buf), fmt3, 0), 3);
	assert_string_equal(buf, "%ll");
}

/* kl_snprintf and kl_vsnprintf agree; a log-line shaped format. */
static void test_mixed(void **state)
{
	char a[BUF], b[BUF];

	(void)state;
	assert_int_equal(kl_snprintf(a, sizeof(a), "[%5lu.%06lu] %s: %-8s|%#llx", 12ul, 345ul,
				     "mm", "ok", 0x1000ull),
			 snprintf(b, sizeof(b), "[%5lu.%06lu] %s: %-8s|%#llx", 12ul, 345ul,
				  "mm", "ok", 0x1000ull));
	assert_string_equal(a, b);
	assert_string_equal(a, "[   12.000345] mm: ok      |0x1000");
	CHECK("[%5lu.%06lu] %s: bad value '%.*s' for '%s' (accepted: %s); using default %llu\n",
	      3ul, 14159ul, "cmdline", 3, "abcdef", "mem", "0..7", 6ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_hex_octal),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_width_precision),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_mixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
