/*
 * tests/host/test_case_runner.c - tests/host/case_runner.c, the wrapper of
 * cmocka's group runner that every host test is linked with: listing the
 * cases, running one by name, and running each case in a process of its
 * own with a time limit, so that a crash, an abort, a hang or a leak fails
 * that case alone.
 *
 * The test runs this very program again (/proc/self/exe) with
 * CASE_RUNNER_DEMO=1, which makes main() run a group of demonstration cases
 * that pass, fail, abort, crash, leak and hang, and checks the TAP the
 * wrapper prints for them.
 *
 * SOURCES:
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- the demonstration cases (CASE_RUNNER_DEMO=1) ---- */

static void demo_pass(void **state)
{
	(void)state;
	printf("demo_pass says hello\n");
}

static void demo_fail(void **state)
{
	(void)state;
	assert_int_equal(1, 2);
}

static void demo_abort(void **state)
{
	(void)state;
	fprintf(stderr, "demo_abort: about to abort\n");
	abort();
}

static void demo_null(void **state)
{
	volatile int *p = NULL;

	(void)state;
	*p = 1;
}

static void *volatile leaked;

/* lose - allocate and forget (not inlined, so the allocation stays). */
static __attribute__((noinline)) void lose(void)
{
	leaked = malloc(64);
	leaked = NULL;		/* lost: LeakSanitizer reports it when the process exits */
}

static void demo_leak(void **state)
{
	(void)state;
	lose();
}

static void demo_hang(void **state)
{
	(void)state;
	printf("demo_hang: spinning\n");
	for (;;)
		pause();
}

static void demo_after(void **state)
{
	(void)state;
}

static int run_demo(void)
{
	const struct CMUnitTest demo[] = {
		cmocka_unit_test(demo_pass),
		cmocka_unit_test(demo_fail),
		cmocka_unit_test(demo_abort),
		cmocka_unit_test(demo_null),
		cmocka_unit_test(demo_leak),
		cmocka_unit_test(demo_hang),
		cmocka_unit_test(demo_after),
	};

	return cmocka_run_group_tests(demo, NULL, NULL);
}

/* ---- the tests ---- */

/* run_self - this program with CASE_RUNNER_DEMO=1 and @env; its stdout (static). */
static const char *run_self(const char *env)
{
	static char out[65536];
	char exe[4096], cmd[8192];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t got;
	FILE *f;

	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "CASE_RUNNER_DEMO=1 CMOCKA_MESSAGE_OUTPUT=TAP %s '%s' 2>/dev/null",
		 env, exe);
	f = popen(cmd, "r");
	assert_non_null(f);
	got = fread(out, 1, sizeof(out) - 1, f);
	out[got] = '\0';
	pclose(f);
	return out;
}

/* has - @text contains @needle; prints the text when it does not. */
static int has(const char *text, const char *needle)
{
	if (strstr(text, needle))
		return 1;
	print_message("missing %s in:\n%s\n", needle, text);
	return 0;
}

/* Each case runs alone: crashes, a leak and a hang fail that case only. */
static void test_isolated(void **state)
{
	const char *out;

	(void)state;
	out = run_self("KHOLAB_CASES_ISOLATE=1 KHOLAB_CASE_TIMEOUT=1");
	assert_true(has(out, "1..7\n"));
	assert_true(has(out, "ok 1 - demo_pass\n# demo_pass says hello\n"));
	assert_true(has(out, "not ok 2 - demo_fail\n"));
	assert_true(has(out, "not ok 3 - demo_abort\n# kholab-case: case demo_abort crashed: killed by "
			"signal 6"));
	assert_true(has(out, "# demo_abort: about to abort\n"));
	assert_true(has(out, "not ok 4 - demo_null\n"));
	assert_true(has(out, "not ok 5 - demo_leak\n# kholab-case: case demo_leak passed, but its "
			"process then exited with status"));
	assert_true(has(out, "not ok 6 - demo_hang\n# kholab-case: case demo_hang ran past 1 s: a hang?"));
	assert_true(has(out, "# demo_hang: spinning\n"));
	assert_true(has(out, "ok 7 - demo_after\n"));
	assert_true(has(out, "# not ok - demo\n"));
}

/* KHOLAB_CASES_LIST names the cases and runs none; KHOLAB_CASE_ONLY picks some. */
static void test_list_and_only(void **state)
{
	const char *out;

	(void)state;
	out = run_self("KHOLAB_CASES_LIST=1");
	assert_true(has(out, "kholab-case: demo_pass\nkholab-case: demo_fail\n"));
	assert_true(has(out, "kholab-case: demo_after\n"));
	assert_null(strstr(out, "says hello"));
	out = run_self("KHOLAB_CASE_ONLY='demo_pa*'");
	assert_true(has(out, "1..1\n"));
	assert_true(has(out, "ok 1 - demo_pass\n"));
	assert_null(strstr(out, "demo_fail"));
	out = run_self("KHOLAB_CASES_ISOLATE=1 KHOLAB_CASE_ONLY=demo_after");
	assert_true(has(out, "1..1\nok 1 - demo_after\n# ok - demo\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolated),
		cmocka_unit_test(test_list_and_only),
	};

	if (getenv("CASE_RUNNER_DEMO"))
		return run_demo();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
