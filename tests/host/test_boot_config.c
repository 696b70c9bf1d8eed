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
#include "case_table.h"

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

/* One text config_parse() must refuse, and what its error must mention. */
struct config_reject {
	const char *text;
	const char *err[4];		/* substrings of cfg.err; NULL ends */
};

static const struct config_reject bad_load_addr[] = {
	{ "load_addr=0x4001000\n", { "line 1", "'load_addr'", "not 2 MiB aligned" } },
	{ "\nload_addr=high\n", { "line 2", "auto, random, 0xHEX" } },
	{ "load_addr=0x\n", { NULL } },
	{ "load_addr=0x10000000000000000\n", { NULL } },
	{ "load_addr=0x20000g\n", { NULL } },
};

static const struct config_reject bad_other_values[] = {
	{ "exit_port=244\n", { "'exit_port'" } },
	{ "exit_port=0x10000\n", { NULL } },
	{ "test_corrupt=all\n", { "none, magic, version, size" } },
	{ "seed=-1\n", { NULL } },
	{ "seed=18446744073709551616\n", { NULL } },
	{ "seed=\n", { "'seed'" } },
};

static const struct config_reject bad_keys_and_syntax[] = {
	{ "# hi\nload_adr=auto\n", { "line 2", "'load_adr'", "unknown key",
				       "load_addr, exit_port, test_corrupt, seed" } },
	{ "load_addr\n", { "expected key=value" } },
	{ "=auto\n", { "missing key" } },
};

/* test_rejected - every text of one reject_groups[] row (in *state) is
 * refused with -EINVAL and an error mentioning what the text's row lists. */
static void test_rejected(void **state)
{
	const struct case_group *g = *state;
	struct boot_config cfg;

	for (size_t i = 0; i < g->n; i++) {
		const struct config_reject *r = (const struct config_reject *)g->rows + i;
		int ret = parse(r->text, &cfg);

		if (ret != -EINVAL)
			fail_msg("row %zu: parse gave %d, want -EINVAL", i, ret);
		for (int j = 0; j < 4 && r->err[j]; j++)
			if (!strstr(cfg.err, r->err[j]))
				fail_msg("row %zu: error '%s' does not mention '%s'", i, cfg.err,
					 r->err[j]);
	}
}

static struct case_group reject_groups[] = {
	CASE_GROUP("test_bad_load_addr", bad_load_addr),
	CASE_GROUP("test_bad_other_values", bad_other_values),
	CASE_GROUP("test_unknown_key_and_syntax", bad_keys_and_syntax),
};

int main(void)
{
	struct CMUnitTest tests[2 + ARRAY_SIZE(reject_groups)] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
	};
	size_t n = CASE_TABLE_ADD(tests, 2, reject_groups, test_rejected, NULL, NULL);

	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
