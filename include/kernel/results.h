/*
 * kernel/results.h - machine-readable results: one JSON object per line on
 * the QEMU debugcon port 0xE9.  Schema: docs/results.md.
 *
 * Usage:
 *     struct json_line j;
 *     json_begin(&j, "boot");
 *     json_u64(&j, "gen", 0);
 *     json_str(&j, "reason", why);
 *     json_end(&j);          // writes the line
 * A line that would not fit is written as {"event":"...","truncated":true}.
 */
#ifndef KERNEL_RESULTS_H
#define KERNEL_RESULTS_H

#include <kholab/types.h>

#define JSON_LINE_MAX	1024

struct json_line {
	char buf[JSON_LINE_MAX];
	size_t len;
	bool overflow;
	const char *event;
	int depth;		/* open arrays/objects inside the event */
	bool need_comma;
};

void json_begin(struct json_line *j, const char *event);
void json_u64(struct json_line *j, const char *key, u64 v);
void json_bool(struct json_line *j, const char *key, bool v);
void json_str(struct json_line *j, const char *key, const char *s);
/* json_array_begin/json_object_begin take key NULL inside an array. */
void json_array_begin(struct json_line *j, const char *key);
void json_array_end(struct json_line *j);
void json_object_begin(struct json_line *j, const char *key);
void json_object_end(struct json_line *j);
/* json_end - close the object and emit the line on the results channel. */
void json_end(struct json_line *j);

#endif /* KERNEL_RESULTS_H */
