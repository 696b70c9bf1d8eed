/*
 * tests/host/test_boot_config.c - config_parse(): defaults, every key,
 * bad values, unknown keys and comments.
 *
 * SOURCES: boot/config.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "boot/config.h"

/* Parse the C string @text into @cfg. */
static int parse(const char *text, struct boot_config *cfg)
{
	return config_parse(text, strlen(text), cfg);
}

static void test_defaults(void **state)
{
	struct boot_config cfg;

	(void)state;
	assert_int_equal(parse("", &cfg), 0);
	assert_int_equal(cfg.load_mode, LOAD_AUTO);
	assert_false(cfg.has_exit_port);
	assert_int_equal(cfg.corrupt, CORRUPT_NONE);
	assert_false(cfg.has_seed);
	assert_int_equal(parse("# only a comment\n\n   \r\n", &cfg), 0);
	assert_int_equal(cfg.load_mode, LOAD_AUTO);
}

static void test_every_key(void **state)
{
	struct boot_config cfg;

	(void)state;
	assert_int_equal(parse("load_addr=0x140000000\r\n"
			       "  exit_port = 0xf4   # QEMU isa-debug-exit\n"
			       "test_corrupt=version\n"
			       "seed=12345", &cfg), 0);
	assert_int_equal(cfg.load_mode, LOAD_FIXED);
	assert_int_equal(cfg.load_addr, 0x140000000ULL);
	assert_true(cfg.has_exit_port);
	assert_int_equal(cfg.exit_port, 0xf4);
	assert_int_equal(cfg.corrupt, CORRUPT_VERSION);
	assert_true(cfg.has_seed);
	assert_int_equal(cfg.seed, 12345);

	assert_int_equal(parse("load_addr=random\nseed=0xff\ntest_corrupt=magic\n", &cfg), 0);
	assert_int_equal(cfg.load_mode, LOAD_RANDOM);
	assert_int_equal(cfg.seed, 255);
	assert_int_equal(cfg.corrupt, CORRUPT_MAGIC);
	assert_int_equal(parse("load_addr=auto\ntest_corrupt=size\n", &cfg), 0);
	assert_int_equal(cfg.load_mode, LOAD_AUTO);
	assert_int_equal(cfg.corrupt, CORRUPT_SIZE);
	assert_int_equal(parse("test_corrupt=none\n", &cfg), 0);
	assert_int_equal(cfg.corrupt, CORRUPT_NONE);
}

static void test_bad_load_addr(void **state)
{
	struct boot_config cfg;

	(void)state;
	assert_int_equal(parse("load_addr=0x4001000\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "line 1"));
	assert_non_null(strstr(cfg.err, "'load_addr'"));
	assert_non_null(strstr(cfg.err, "not 2 MiB aligned"));
	assert_int_equal(parse("\nload_addr=high\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "line 2"));
	assert_non_null(strstr(cfg.err, "auto, random, 0xHEX"));
	assert_int_equal(parse("load_addr=0x\n", &cfg), -EINVAL);
	assert_int_equal(parse("load_addr=0x10000000000000000\n", &cfg), -EINVAL);
	assert_int_equal(parse("load_addr=0x20000g\n", &cfg), -EINVAL);
}

static void test_bad_other_values(void **state)
{
	struct boot_config cfg;

	(void)state;
	assert_int_equal(parse("exit_port=244\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "'exit_port'"));
	assert_int_equal(parse("exit_port=0x10000\n", &cfg), -EINVAL);
	assert_int_equal(parse("test_corrupt=all\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "none, magic, version, size"));
	assert_int_equal(parse("seed=-1\n", &cfg), -EINVAL);
	assert_int_equal(parse("seed=18446744073709551616\n", &cfg), -EINVAL);
	assert_int_equal(parse("seed=\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "'seed'"));
}

static void test_unknown_key_and_syntax(void **state)
{
	struct boot_config cfg;

	(void)state;
	assert_int_equal(parse("# hi\nload_adr=auto\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "line 2"));
	assert_non_null(strstr(cfg.err, "'load_adr'"));
	assert_non_null(strstr(cfg.err, "unknown key"));
	assert_non_null(strstr(cfg.err, "load_addr, exit_port, test_corrupt, seed"));
	assert_int_equal(parse("load_addr\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "expected key=value"));
	assert_int_equal(parse("=auto\n", &cfg), -EINVAL);
	assert_non_null(strstr(cfg.err, "missing key"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bad_load_addr),
		cmocka_unit_test(test_bad_other_values),
		cmocka_unit_test(test_unknown_key_and_syntax),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
