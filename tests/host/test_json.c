// SPDX-License-Identifier: MIT
/*
 * tests/host/test_json.c - kernel/json.c, the results line builder: a line
 * with every kind of member, escaping, the truncated form when a line does
 * not fit its buffer, and json_begin_buf() holding a line far longer than
 * JSON_LINE_MAX (the memmap event with one object per NUMA node).
 *
 * results_write() is replaced here to keep whole lines of any length.
 *
 * SOURCES:
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kernel/json.h>
#include "shim.h"

static char last[65536];
static size_t last_len;

/* results_write - keep the last line whole (the shim's copy is bounded). */
void results_write(const char *line, size_t len)
{
	assert_true(len < sizeof(last));
	memcpy(last, line, len);
	last[len] = 0;
	last_len = len;
}

static void test_members_and_escaping(void **state)
{
	struct json_line j;

	(void)state;
	json_begin(&j, "demo");
	json_u64(&j, "n", 42);
	json_bool(&j, "ok", true);
	json_str(&j, "s", "a\"b\\c\n");
	json_array_begin(&j, "list");
	json_u64(&j, NULL, 1);
	json_object_begin(&j, NULL);
	json_u64(&j, "x", 2);
	json_object_end(&j);
	json_array_end(&j);
	json_end(&j);
	assert_string_equal(last, "{\"event\":\"demo\",\"n\":42,\"ok\":true,"
			    "\"s\":\"a\\\"b\\\\c\\u000a\",\"list\":[1,{\"x\":2}]}\n");
}

/* fill - @n objects of a few numbers each into @j's "nodes" array. */
static void fill(struct json_line *j, int n)
{
	json_array_begin(j, "nodes");
	for (int i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_u64(j, "nid", (u64)i);
		json_u64(j, "present_pages", 16777216);
		json_u64(j, "free_pages", 15431677);
		json_u64(j, "reserved_pages", 1345539);
		json_object_end(j);
	}
	json_array_end(j);
}

static void test_overflow_is_truncated_form(void **state)
{
	struct json_line j;

	(void)state;
	json_begin(&j, "memmap");
	fill(&j, 64);
	json_end(&j);
	assert_string_equal(last, "{\"event\":\"memmap\",\"truncated\":true}\n");
}

static void test_caller_buffer_holds_long_line(void **state)
{
	static char big[32768];
	struct json_line j;
	int objects = 0;

	(void)state;
	json_begin_buf(&j, "memmap", big, sizeof(big));
	json_u64(&j, "gen", 0);
	fill(&j, 64);
	json_end(&j);
	assert_true(last_len > JSON_LINE_MAX);
	assert_null(strstr(last, "truncated"));
	for (const char *p = last; (p = strstr(p, "\"nid\":")); p++)
		objects++;
	assert_int_equal(objects, 64);
	assert_non_null(strstr(last, "{\"nid\":63,"));
	assert_string_equal(last + last_len - 3, "]}\n");
}

static void test_caller_buffer_overflow_stays_in_it(void **state)
{
	char small[128];
	struct json_line j;

	(void)state;
	json_begin_buf(&j, "memmap", small, sizeof(small));
	fill(&j, 4);
	json_end(&j);
	assert_string_equal(last, "{\"event\":\"memmap\",\"truncated\":true}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_and_escaping),
		cmocka_unit_test(test_overflow_is_truncated_form),
		cmocka_unit_test(test_caller_buffer_holds_long_line),
		cmocka_unit_test(test_caller_buffer_overflow_stays_in_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
