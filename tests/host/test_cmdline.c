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
#include "case_table.h"

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

/* One parse_size() call: input, suffixes allowed, return, value on success. */
struct size_case {
	const char *s;
	bool suffix;
	int ret;
	u64 v;
};

/* parse_size: plain decimal and hex, with and without suffixes. */
static const struct size_case size_numbers[] = {
	{ "0", false, 0, 0 },
	{ "12345", false, 0, 12345 },
	{ "0x1f", false, 0, 0x1f },
	{ "0XABCdef", false, 0, 0xabcdef },
	{ "010", false, 0, 10 },		/* no octal */
	{ "18446744073709551615", false, 0, UINT64_MAX },
	{ "0xffffffffffffffff", false, 0, UINT64_MAX },
};

/* parse_size: K/M/G/T suffixes in either case, only when allowed. */
static const struct size_case size_suffixes[] = {
	{ "4K", true, 0, 4096 },
	{ "4k", true, 0, 4096 },
	{ "64M", true, 0, 64ULL << 20 },
	{ "2g", true, 0, 2ULL << 30 },
	{ "3T", true, 0, 3ULL << 40 },
	{ "0x10M", true, 0, 16ULL << 20 },
	{ "4K", false, -EINVAL, 0 },
	{ "4KB", true, -EINVAL, 0 },
	{ "4P", true, -EINVAL, 0 },
};

/* parse_size: overflow is -ERANGE, junk is -EINVAL. */
static const struct size_case size_errors[] = {
	{ "18446744073709551616", false, -ERANGE, 0 },
	{ "0x10000000000000000", false, -ERANGE, 0 },
	{ "16777216T", true, -ERANGE, 0 },
	{ "16777215T", true, 0, 16777215ULL << 40 },
	{ "", true, -EINVAL, 0 },
	{ "0x", true, -EINVAL, 0 },
	{ "abc", true, -EINVAL, 0 },
	{ "12abc", false, -EINVAL, 0 },
	{ "-1", false, -EINVAL, 0 },
	{ " 1", false, -EINVAL, 0 },
	{ "1 ", false, -EINVAL, 0 },
	{ "0x1g0", true, -EINVAL, 0 },
	{ NULL, true, -EINVAL, 0 },
};

/*
 * test_parse_size - every call of one size_groups[] row (in *state) gives
 * its return; on success *out is the value, on failure *out is untouched.
 */
static void test_parse_size(void **state)
{
	const struct case_group *g = *state;

	for (size_t i = 0; i < g->n; i++) {
		const struct size_case *c = (const struct size_case *)g->rows + i;
		u64 v = 77;
		int ret = parse_size(c->s, c->suffix, &v);
		u64 want = c->ret ? 77 : c->v;

		if (ret != c->ret || v != want)
			fail_msg("parse_size(\"%s\", %d): %d with %#llx, want %d with %#llx",
				 c->s ? c->s : "(null)", c->suffix, ret, (unsigned long long)v,
				 c->ret, (unsigned long long)want);
	}
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

/* expect_logged - every string of the NULL-terminated @needles is in the log. */
static void expect_logged(const char *const *needles)
{
	for (; *needles; needles++)
		if (!shim_log_contains(*needles))
			fail_msg("not logged: '%s'; the log:\n%s", *needles, shim_log_text());
}

/* Keys match whole names only, case-sensitively. */
static void test_key_exact_match(void **state)
{
	(void)state;
	assert_int_equal(parse("deb debugx DEBUG =1"), 4);
	assert_false(opt_debug);
	expect_logged((const char *const[]){
		"unknown parameter 'deb' ignored", "unknown parameter 'debugx' ignored",
		"unknown parameter 'DEBUG' ignored", "unknown parameter '' ignored", NULL });
}

/* expect_selftest - parse(@line) reports @problems and leaves selftest at @want. */
static void expect_selftest(const char *line, int problems, int want)
{
	assert_int_equal(parse(line), problems);
	assert_int_equal(opt_selftest, want);
}

/* The enum error lists choices and names the current value as default. */
static void test_enum_bad_value(void **state)
{
	(void)state;
	expect_selftest("selftest=bogus", 1, 0);
	assert_true(shim_log_contains(
		"cmdline: bad value 'bogus' for 'selftest' (accepted: none, fault, panic, "
		"hang, triple); using default 'none'"));
	assert_int_equal(shim_log_count_level(3), 1);

	shim_log_reset();
	expect_selftest("selftest=hang selftest=Panic", 1, 3);
	expect_logged((const char *const[]){
		"bad value 'Panic' for 'selftest'", "using default 'hang'", NULL });
}

/* A key without value is a bad value '' for every non-bool type. */
static void test_missing_value(void **state)
{
	(void)state;
	expect_selftest("selftest mem loglevel= name", 4, 0);
	assert_true(opt_mem == 0x4000000);
	assert_false(seen_mem);
	assert_int_equal(opt_loglevel, 6);
	assert_string_equal(opt_name, "kholab");
	expect_logged((const char *const[]){
		"bad value '' for 'selftest' (accepted: none,",
		"bad value '' for 'mem' (accepted:",
		"bad value '' for 'loglevel' (accepted: 0..7); using default 6\n",
		"bad value '' for 'name' (accepted: up to 7 characters); using default 'kholab'\n",
		NULL });
	assert_false(shim_log_contains("bad value '' for 'debug'"));
	assert_int_equal(parse("debug="), 1);	/* '=' with nothing is not a bool */
	assert_false(opt_debug);
}

/* expect_u64 - parse(@line) reports @problems and leaves *@opt == @want. */
static void expect_u64(const char *line, int problems, const u64 *opt, u64 want)
{
	int got = parse(line);

	if (got != problems || *opt != want)
		fail_msg("parse(\"%s\"): %d problem(s), value %llu; want %d, %llu", line, got,
			 (unsigned long long)*opt, problems, (unsigned long long)want);
}

/* u64 range: limits inclusive, outside is an error quoting the range. */
static void test_u64_range(void **state)
{
	(void)state;
	expect_u64("loglevel=0", 0, &opt_loglevel, 0);
	expect_u64("loglevel=7", 0, &opt_loglevel, 7);
	expect_u64("loglevel=8", 1, &opt_loglevel, 7);
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value '8' for 'loglevel' (accepted: 0..7); using default 7\n");
	expect_u64("loglevel=1K", 1, &opt_loglevel, 7);	/* no suffix without PARAM_F_SIZE */
	expect_u64("loglevel=0x7", 0, &opt_loglevel, 7);
}

/* Size parameters: suffixes, hex, overflow and out-of-range errors. */
static void test_u64_size(void **state)
{
	(void)state;
	expect_u64("mem=0x200000", 0, &opt_mem, 0x200000);
	expect_u64("mem=1T", 0, &opt_mem, 1ULL << 40);
	expect_u64("mem=1K", 1, &opt_mem, 1ULL << 40);	/* below min */
	expect_u64("mem=99999999999999999999", 1, &opt_mem, 1ULL << 40);
	expect_u64("mem=12Q", 1, &opt_mem, 1ULL << 40);
	assert_string_equal(shim_log_record(0, NULL),
		"cmdline: bad value '1K' for 'mem' (accepted: 1048576..1099511627776 with "
		"K/M/G suffix); using default 1099511627776\n");
	assert_int_equal(shim_log_count("bad value"), 3);
}

/* PARAM_F_PERCENT accepts a trailing '%' and keeps the number. */
static void test_u64_percent(void **state)
{
	(void)state;
	expect_u64("reserve=25%", 0, &opt_reserve, 25);
	expect_u64("reserve=30", 0, &opt_reserve, 30);
	expect_u64("reserve=101%", 1, &opt_reserve, 30);
	expect_u64("reserve=5%%", 1, &opt_reserve, 30);
	expect_u64("loglevel=5%", 1, &opt_reserve, 30);	/* not a percent param */
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
	/* single quotes group too, and each kind holds the other */
	assert_int_equal(parse("name='a \"b' debug"), 0);
	assert_string_equal(opt_name, "a \"b");
	assert_true(opt_debug);
	assert_int_equal(parse("name=\"x'y\""), 0);
	assert_string_equal(opt_name, "x'y");
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

static struct case_group size_groups[] = {
	CASE_GROUP("test_parse_size_numbers", size_numbers),
	CASE_GROUP("test_parse_size_suffixes", size_suffixes),
	CASE_GROUP("test_parse_size_errors", size_errors),
};

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(size_groups) + 16] = {
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
	size_t n = CASE_TABLE_ADD(tests, 16, size_groups, test_parse_size, setup, NULL);

	return CASE_TABLE_RUN(tests, n, NULL, NULL);
}
