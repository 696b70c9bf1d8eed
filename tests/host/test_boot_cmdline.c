/*
 * tests/host/test_boot_cmdline.c - the kernel command line from UEFI load
 * options (UCS-2) and from cmdline.txt.
 *
 * SOURCES: boot/cmdline.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "boot/cmdline.h"

/* Widen the ASCII @s into @w (with its NUL); returns the byte count. */
static u64 ucs2(const char *s, u16 *w)
{
	u64 i;

	for (i = 0; s[i]; i++)
		w[i] = (u8)s[i];
	w[i] = 0;
	return (i + 1) * 2;
}

static void test_load_options(void **state)
{
	u16 w[64];
	char out[64];
	u64 n;

	(void)state;
	n = ucs2("\\EFI\\BOOT\\BOOTX64.EFI  console=ttyS0 quiet ", w);
	assert_int_equal(cmdline_from_ucs2(w, n, out, sizeof(out)), 19);
	assert_string_equal(out, "console=ttyS0 quiet");
	n = ucs2("a=1 b=2", w);		/* no image path */
	assert_int_equal(cmdline_from_ucs2(w, n, out, sizeof(out)), 7);
	assert_string_equal(out, "a=1 b=2");
	n = ucs2("boot.efi", w);	/* only the image path: empty */
	assert_int_equal(cmdline_from_ucs2(w, n, out, sizeof(out)), 0);
	assert_int_equal(cmdline_from_ucs2(w, 0, out, sizeof(out)), 0);
	w[0] = 0x263a;			/* non-ASCII becomes '?' */
	w[1] = 'x';
	assert_int_equal(cmdline_from_ucs2(w, 4, out, sizeof(out)), 2);
	assert_string_equal(out, "?x");
	n = ucs2("0123456789", w);
	assert_int_equal(cmdline_from_ucs2(w, n, out, 10), -E2BIG);
}

static void test_cmdline_txt(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(cmdline_from_text("a=1 b\r\n\n", 8, out, sizeof(out)), 5);
	assert_string_equal(out, "a=1 b");
	assert_int_equal(cmdline_from_text("a\nb\n", 4, out, sizeof(out)), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(cmdline_from_text("", 0, out, sizeof(out)), 0);
	/* 15 characters fit in 16 bytes, 16 do not. */
	assert_int_equal(cmdline_from_text("0123456789abcde\n", 16, out,
					   sizeof(out)), 15);
	assert_int_equal(cmdline_from_text("0123456789abcdef", 16, out,
					   sizeof(out)), -E2BIG);
	assert_int_equal(cmdline_from_text("a\0b", 3, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_options),
		cmocka_unit_test(test_cmdline_txt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
