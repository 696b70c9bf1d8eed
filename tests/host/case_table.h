// SPDX-License-Identifier: MIT
/*
 * tests/host/case_table.h - one cmocka case per row of a table.
 *
 * A table-driven test keeps its cases as data: an array of rows whose
 * first member is `const char *name`, and one test function that finds
 * its row in *state.  CASE_TABLE_ADD() appends one CMUnitTest per row,
 * named after the row, so every row is its own result
 * (host:<binary>:<row name>) and a failure names the row that failed.
 * CASE_TABLE_RUN() then runs the list built so far.  A case that walks
 * a list of its own (several calls that belong together) is a row of
 * struct case_group.
 *
 *	static struct bad_case { const char *name; int field; const char *why; }
 *		bad_cases[] = { { "test_too_big", 99, "too big" }, ... };
 *	static void test_bad(void **state) { struct bad_case *c = *state; ... }
 *	...
 *	struct CMUnitTest tests[4 + ARRAY_SIZE(bad_cases)] = { cmocka_unit_test(...), ... };
 *	size_t n = CASE_TABLE_ADD(tests, 4, bad_cases, test_bad, NULL, NULL);
 *	return CASE_TABLE_RUN(tests, n, NULL, NULL);
 *
 * A row reaches its test through the case's initial state; a per-case
 * setup receives it in *state and must leave it there.
 *
 * Include after <cmocka.h>.
 */
#ifndef TESTS_HOST_CASE_TABLE_H
#define TESTS_HOST_CASE_TABLE_H

#include <stdio.h>
#include <stdlib.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * struct case_group - a case_table row for a case that walks a list of
 * rows of its own (of any type): the case's name and the list.
 */
struct case_group {
	const char *name;
	const void *rows;
	size_t n;
};

/* CASE_GROUP - a struct case_group initializer for case @name walking array @rows. */
#define CASE_GROUP(name, rows)	{ (name), (rows), ARRAY_SIZE(rows) }

/**
 * case_table_add - append to @tests (holding @n cases, room for @room) one
 * case per row of @rows (@nrows rows of @row_size bytes, each starting
 * with its name): @fn with @setup/@teardown, the row as initial state.
 * Aborts the program when @tests has no room left (a test-writing error).
 * Return: the new number of cases in @tests.
 */
static inline size_t case_table_add(struct CMUnitTest *tests, size_t n, size_t room,
				    const void *rows, size_t row_size, size_t nrows,
				    CMUnitTestFunction fn, CMFixtureFunction setup,
				    CMFixtureFunction teardown)
{
	for (size_t i = 0; i < nrows; i++) {
		const char *row = (const char *)rows + i * row_size;

		if (n >= room) {
			fprintf(stderr, "case_table_add: no room for case %s\n",
				*(const char *const *)row);
			abort();
		}
		tests[n++] = (struct CMUnitTest){
			.name = *(const char *const *)row,
			.test_func = fn,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)row,
		};
	}
	return n;
}

/* CASE_TABLE_ADD - case_table_add() for arrays @tests and @rows (sizes taken from them). */
#define CASE_TABLE_ADD(tests, n, rows, fn, setup, teardown)				\
	case_table_add((tests), (n), sizeof(tests) / sizeof((tests)[0]), (rows),	\
		       sizeof((rows)[0]), sizeof(rows) / sizeof((rows)[0]),		\
		       (fn), (setup), (teardown))

/* CASE_TABLE_RUN - run the first @n cases of @tests as one group (as cmocka_run_group_tests). */
#define CASE_TABLE_RUN(tests, n, group_setup, group_teardown)				\
	_cmocka_run_group_tests("tests", (tests), (n), (group_setup), (group_teardown))

#endif /* TESTS_HOST_CASE_TABLE_H */
