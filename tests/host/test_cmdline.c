/*
 * tests/host/test_cmdline.c - kernel command line parsing (kernel/cmdline.c).
 *
 * SOURCES: kernel/cmdline.c
 *
 * Runs the real parser against a small parameter table with one entry of
 * each type, and checks stored values, problem counts and the exact log
 * lines other tests and users rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <kernel/cmdline.h>
#include "shim.h"

static const char *const selftest_choices[] = {
	"none", "fault", "panic", "hang", "triple", NULL
};

static bool opt_debug;
static u64 opt_mem;
static u64 opt_loglevel;
static u64 opt_reserve;
static int opt_selftest;
static char opt_name[8];
static bool seen_mem;

static const struct kernel_param params[] = {
	{ .name = "debug", .type = PARAM_BOOL, .value = &opt_debug },
	{ .name = "mem", .type = PARAM_U64, .flags = PARAM_F_SIZE, .value = &opt_mem,
	  .min = 0x100000, .max = 0x10000000000ULL, .seen = &seen_mem },
	{ .name = "loglevel", .type = PARAM_U64, .value = &opt_loglevel,
	  .min = 0, .max = 7 },
	{ .name = "reserve", .type = PARAM_U64, .flags = PARAM_F_PERCENT,
	  .value = &opt_reserve, .min = 0, .max = 100 },
	{ .name = "selftest", .type = PARAM_ENUM, .value = &opt_selftest,
	  .choices = selftest_choices },
	{ .name = "name", .type = PARAM_STR, .value = opt_name, .max = sizeof(opt_name) },
};

/* setup - put every parameter back to its default and clear the log. */
static int setup(void **state)
{
	(void)state;
	opt_debug = false;
	opt_mem = 0x4000000;
	opt_loglevel = 6;
	opt_reserve = 10;
	opt_selftest = 0;
	strcpy(opt_name, "kholab");
	seen_mem = false;
	shim_log_reset();
	return 0;
}

/* parse - run the parser on @s against the test table. */
static int parse(const char *s)
{
	return parse_cmdline(s, params, sizeof(params) / sizeof(params[0]));
}

/* parse_size: plain decimal and hex, with and without suffixes. */
static void test_parse_size_numbers(void **state)
{
	u64 v;

	(void)state;
	assert_int_equal(parse_size("0", false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_size("12345", false, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(parse_size("0x1f", false, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(parse_size("0XABCdef", false, &v), 0);
	assert_int_equal(v, 0xabcdef);
	assert_int_equal(parse_size("010", false, &v), 0);
	assert_int_equal(v, 10);	/* no octal */
	assert_int_equal(parse_size("18446744073709551615", false, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_size("0xffffffffffffffff", false, &v), 0);
	assert_true(v == UINT64_MAX);
}

/* parse_size: K/M/G/T suffixes in either case, only when allowed. */
static void test_parse_size_suffixes(void **state)
{
	u64 v;

	(void)state;
	assert_int_equal(parse_size("4K", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("4k", true, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64M", true, &v), 0);
	assert_int_equal(v, 64ULL << 20);
	assert_int_equal(parse_size("2g", true, &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_size("3T", true, &v), 0);
	assert_int_equal(v, 3ULL << 40);
	assert_int_equal(parse_size("0x10M", true, &v), 0);
	assert_int_equal(v, 16ULL << 20);
	assert_int_equal(parse_size("4K", false, &v), -EINVAL);
	assert_int_equal(parse_size("4KB", true, &v), -EINVAL);
	assert_int_equal(parse_size("4P", true, &v), -EINVAL);
}

/* parse_size: overflow is -ERANGE, junk is -EINVAL, *out untouched. */
static void test_parse_size_errors(void **state)
{
	u64 v = 77;

	(void)state;
	assert_int_equal(parse_size("18446744073709551616", false, &v), -ERANGE);
	assert_int_equal(parse_size("0x10000000000000000", false, &v), -ERANGE);
	assert_int_equal(parse_size("16777216T", true, &v), -ERANGE);
	assert_int_equal(parse_size("16777215T", true, &v), 0);
	assert_true(v == 16777215ULL << 40);
	v = 77;
	assert_int_equal(parse_size("", true, &v), -EINVAL);
	assert_int_equal(parse_size("0x", true, &v), -EINVAL);
	assert_int_equal(parse_size("abc", true, &v), -EINVAL);
	assert_int_equal(parse_size("12abc", false, &v), -EINVAL);
	assert_int_equal(parse_size("-1", false, &v), -EINVAL);
	assert_int_equal(parse_size(" 1", false, &v), -EINVAL);
	assert_int_equal(parse_size("1 ", false, &v), -EINVAL);
	assert_int_equal(parse_size("0x1g0", true, &v), -EINVAL);
	assert_int_equal(parse_size(NULL, true, &v), -EINVAL);
	assert_int_equal(v, 77);
}

/* NULL and empty/blank command lines are fine and change nothing. */
static void test_empty_cmdline(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("   \t  "), 0);
	assert_int_equal(shim_log_records(), 0);
	assert_int_equal(opt_selftest, 0);
	assert_true(opt_mem == 0x4000000);
}

/* Every type set in one line; separators are any mix of spaces and tabs. */
static void test_all_types(void **state)
{
	(void)state;
	assert_int_equal(parse("  debug\tmem=512M \t loglevel=3   selftest=panic\t\tname=abc  "), 0);
	assert_true(opt_debug);
	assert_true(opt_mem == 512ULL << 20);
	assert_true(seen_mem);
	assert_int_equal(opt_loglevel, 3);
	assert_int_equal(opt_selftest, 2);
	assert_string_equal(opt_name, "abc");
	assert_int_equal(shim_log_records(), 0);
}

/* Each bool spelling, case-insensitively; a bare key means true. */
static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "debug=on", "debug=y", "debug=1", "debug=yes",
					   "debug=true", "debug=ON", "debug=True", "debug" };
	static const char *const no[] = { "debug=off", "debug=n", "debug=0", "debug=no",
					  "debug=false", "debug=NO" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		opt_debug = false;
		assert_int_equal(parse(yes[i]), 0);
		assert_true(opt_debug);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		opt_debug = true;
		assert_int_equal(parse(no[i]), 0);
		assert_false(opt_debug);
	}
}

/* A bad bool keeps the default and names all accepted spellings. */
static void test_bool_bad_value(void **state)
{
	(void)state;
	opt_debug = true;
	assert_int_equal(parse("debug=maybe"), 1);
	assert_true(opt_debug);
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value 'maybe' for 'debug' (accepted: on/off, y/n, 1/0, "
		"yes/no, true/false); using default 'on'\n");
	assert_int_equal(shim_log_count_level(3), 1);
}

/* Unknown keys are warned about by name and counted, then ignored. */
static void test_unknown_key(void **state)
{
	(void)state;
	assert_int_equal(parse("foo debug bar=1"), 2);
	assert_true(opt_debug);
	assert_string_equal(shim_log_record(0, NULL),
			    "cmdline: unknown parameter 'foo' ignored\n");
	assert_string_equal(shim_log_record(1, NULL),
			    "cmdline: unknown parameter 'bar' ignored\n");
	assert_int_equal(shim_log_count_level(4), 2);
	assert_int_equal(shim_log_count_level(3), 0);
}

/* Keys match whole names only, case-sensitively. */
static void test_key_exact_match(void **state)
{
	(void)state;
	assert_int_equal(parse("deb debugx DEBUG =1"), 4);
	assert_false(opt_debug);
	assert_true(shim_log_contains("unknown parameter 'deb' ignored"));
	assert_true(shim_log_contains("unknown parameter 'debugx' ignored"));
	assert_true(shim_log_contains("unknown parameter 'DEBUG' ignored"));
	assert_true(shim_log_contains("unknown parameter '' ignored"));
}

/* The enum error lists choices and names the current value as default. */
static void test_enum_bad_value(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest=bogus"), 1);
	assert_int_equal(opt_selftest, 0);
	assert_true(shim_log_contains(
		"cmdline: bad value 'bogus' for 'selftest' (accepted: none, fault, panic, "
		"hang, triple); using default 'none'"));
	assert_int_equal(shim_log_count_level(3), 1);

	shim_log_reset();
	assert_int_equal(parse("selftest=hang selftest=Panic"), 1);
	assert_int_equal(opt_selftest, 3);
	assert_true(shim_log_contains("bad value 'Panic' for 'selftest'"));
	assert_true(shim_log_contains("using default 'hang'"));
}

/* A key without value is a bad value '' for every non-bool type. */
static void test_missing_value(void **state)
{
	(void)state;
	assert_int_equal(parse("selftest mem loglevel= name"), 4);
	assert_int_equal(opt_selftest, 0);
	assert_true(opt_mem == 0x4000000);
	assert_false(seen_mem);
	assert_int_equal(opt_loglevel, 6);
	assert_string_equal(opt_name, "kholab");
	assert_true(shim_log_contains("bad value '' for 'selftest' (accepted: none,"));
	assert_true(shim_log_contains("bad value '' for 'mem' (accepted:"));
	assert_true(shim_log_contains("bad value '' for 'loglevel' (accepted: 0..7); "
				      "using default 6\n"));
	assert_true(shim_log_contains("bad value '' for 'name' (accepted: up to 7 characters); "
				      "using default 'kholab'\n"));
	assert_true(shim_log_contains("bad value '' for 'debug'") == false);
	assert_int_equal(parse("debug="), 1);	/* '=' with nothing is not a bool */
	assert_false(opt_debug);
}

/* u64 range: limits inclusive, outside is an error quoting the range. */
static void test_u64_range(void **state)
{
	(void)state;
	assert_int_equal(parse("loglevel=0"), 0);
	assert_int_equal(opt_loglevel, 0);
	assert_int_equal(parse("loglevel=7"), 0);
	assert_int_equal(opt_loglevel, 7);
	assert_int_equal(parse("loglevel=8"), 1);
	assert_int_equal(opt_loglevel, 7);
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value '8' for 'loglevel' (accepted: 0..7); using default 7\n");
	assert_int_equal(parse("loglevel=1K"), 1);	/* no suffix without PARAM_F_SIZE */
	assert_int_equal(parse("loglevel=0x7"), 0);
	assert_int_equal(opt_loglevel, 7);
}

/* Size parameters: suffixes, hex, overflow and out-of-range errors. */
static void test_u64_size(void **state)
{
	(void)state;
	assert_int_equal(parse("mem=0x200000"), 0);
	assert_true(opt_mem == 0x200000);
	assert_int_equal(parse("mem=1T"), 0);
	assert_true(opt_mem == 1ULL << 40);
	assert_int_equal(parse("mem=1K"), 1);	/* below min */
	assert_int_equal(parse("mem=99999999999999999999"), 1);
	assert_int_equal(parse("mem=12Q"), 1);
	assert_true(opt_mem == 1ULL << 40);
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value '1K' for 'mem' (accepted: 1048576..1099511627776 with "
		"K/M/G suffix); using default 1099511627776\n");
	assert_int_equal(shim_log_count("bad value"), 3);
}

/* PARAM_F_PERCENT accepts a trailing '%' and keeps the number. */
static void test_u64_percent(void **state)
{
	(void)state;
	assert_int_equal(parse("reserve=25%"), 0);
	assert_int_equal(opt_reserve, 25);
	assert_int_equal(parse("reserve=30"), 0);
	assert_int_equal(opt_reserve, 30);
	assert_int_equal(parse("reserve=101%"), 1);
	assert_int_equal(parse("reserve=5%%"), 1);
	assert_int_equal(parse("loglevel=5%"), 1);	/* not a percent param */
	assert_int_equal(opt_reserve, 30);
	assert_true(shim_log_contains("bad value '101%' for 'reserve' (accepted: 0..100, "
				      "optionally with %); using default 30"));
}

/* Strings up to max-1 characters; longer ones are rejected whole. */
static void test_str_param(void **state)
{
	(void)state;
	assert_int_equal(parse("name=1234567"), 0);
	assert_string_equal(opt_name, "1234567");
	assert_int_equal(parse("name=12345678"), 1);
	assert_string_equal(opt_name, "1234567");
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value '12345678' for 'name' (accepted: up to 7 characters); "
		"using default '1234567'\n");
	assert_int_equal(parse("name="), 0);	/* explicit empty string */
	assert_string_equal(opt_name, "");
}

/* Double-quoted values may hold spaces; the quotes are not stored. */
static void test_quoted_values(void **state)
{
	(void)state;
	assert_int_equal(parse("name=\"a b\tc\" debug"), 0);
	assert_string_equal(opt_name, "a b\tc");
	assert_true(opt_debug);
	assert_int_equal(parse("selftest=\"fault\""), 0);
	assert_int_equal(opt_selftest, 1);
	assert_int_equal(parse("name=\"\""), 0);
	assert_string_equal(opt_name, "");
	assert_int_equal(parse("name=\"unterminated"), 1);	/* runs to the end: too long */
	assert_int_equal(parse("name=\"x y"), 0);
	assert_string_equal(opt_name, "x y");
	assert_int_equal(parse("selftest=\"no such\""), 1);
	assert_true(shim_log_contains("bad value 'no such' for 'selftest'"));
}

/* A later occurrence of a key overrides an earlier one. */
static void test_repeated_keys(void **state)
{
	(void)state;
	assert_int_equal(parse("loglevel=1 selftest=fault loglevel=4 debug debug=off "
			       "selftest=triple"), 0);
	assert_int_equal(opt_loglevel, 4);
	assert_int_equal(opt_selftest, 4);
	assert_false(opt_debug);
	/* a bad later value keeps the earlier good one */
	assert_int_equal(parse("loglevel=2 loglevel=99"), 1);
	assert_int_equal(opt_loglevel, 2);
}

/* The return value counts every problem, good words still apply. */
static void test_problem_count(void **state)
{
	(void)state;
	assert_int_equal(parse("a b=1 loglevel=9 debug selftest=x mem=2G c"), 5);
	assert_true(opt_debug);
	assert_true(opt_mem == 2ULL << 30);
	assert_int_equal(shim_log_count_level(4), 3);
	assert_int_equal(shim_log_count_level(3), 2);
	assert_int_equal(shim_log_records(), 5);
}

/* Newlines (a cmdline.txt file) separate words like spaces. */
static void test_newlines(void **state)
{
	(void)state;
	assert_int_equal(parse("debug\nloglevel=2\r\n"), 0);
	assert_true(opt_debug);
	assert_int_equal(opt_loglevel, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_size_numbers, setup),
		cmocka_unit_test_setup(test_parse_size_suffixes, setup),
		cmocka_unit_test_setup(test_parse_size_errors, setup),
		cmocka_unit_test_setup(test_empty_cmdline, setup),
		cmocka_unit_test_setup(test_all_types, setup),
		cmocka_unit_test_setup(test_bool_spellings, setup),
		cmocka_unit_test_setup(test_bool_bad_value, setup),
		cmocka_unit_test_setup(test_unknown_key, setup),
		cmocka_unit_test_setup(test_key_exact_match, setup),
		cmocka_unit_test_setup(test_enum_bad_value, setup),
		cmocka_unit_test_setup(test_missing_value, setup),
		cmocka_unit_test_setup(test_u64_range, setup),
		cmocka_unit_test_setup(test_u64_size, setup),
		cmocka_unit_test_setup(test_u64_percent, setup),
		cmocka_unit_test_setup(test_str_param, setup),
		cmocka_unit_test_setup(test_quoted_values, setup),
		cmocka_unit_test_setup(test_repeated_keys, setup),
		cmocka_unit_test_setup(test_problem_count, setup),
		cmocka_unit_test_setup(test_newlines, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
