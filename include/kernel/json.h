// SPDX-License-Identifier: MIT
/*
 * kernel/json.h - build one JSON object as one line of text.
 *
 * The builder (kernel/json.c) does no I/O: it escapes strings, puts commas
 * and keys where they belong and never writes past its buffer.  json_end()
 * closes the line and passes it to results_write() (kernel/results.h),
 * which the kernel and the host tests each provide.
 *
 * A line that would not fit in its buffer (JSON_LINE_MAX bytes inside the
 * struct, or the larger one a caller gives json_begin_buf() for an event
 * that grows with the machine, e.g. one object per NUMA node) is replaced,
 * at json_end(), by {"event":"<event>","truncated":true}.
 */
#ifndef KERNEL_JSON_H
#define KERNEL_JSON_H

#include <kholab/types.h>

#define JSON_LINE_MAX	1024

/* One line under construction; only the json_* functions touch it. */
struct json_line {
	char *buf;		/* @small, or the caller's buffer */
	size_t cap;		/* bytes in @buf */
	char small[JSON_LINE_MAX];
	size_t len;
	bool overflow;		/* something did not fit: emit the truncated form */
	const char *event;
	bool need_comma;	/* the next member needs a ',' before it */
};

/* json_begin - start the line {"event":"@event" in @j. */
void json_begin(struct json_line *j, const char *event);
/*
 * json_begin_buf - the same, building the line in the caller's @buf of
 * @cap bytes (which must outlive json_end()) instead of @j's own.
 */
void json_begin_buf(struct json_line *j, const char *event, char *buf, size_t cap);
/* json_u64 - add "@key":@v (decimal). */
void json_u64(struct json_line *j, const char *key, u64 v);
/* json_bool - add "@key":true or false. */
void json_bool(struct json_line *j, const char *key, bool v);
/* json_str - add "@key":"@s", escaped (NULL reads as ""). */
void json_str(struct json_line *j, const char *key, const char *s);
/*
 * json_array_begin, json_object_begin - open "@key":[ or "@key":{.  Inside
 * an array members have no key: pass @key NULL (to these and the adders).
 */
void json_array_begin(struct json_line *j, const char *key);
void json_object_begin(struct json_line *j, const char *key);
/* json_array_end, json_object_end - close what the matching begin opened. */
void json_array_end(struct json_line *j);
void json_object_end(struct json_line *j);
/*
 * json_end - close the object, end the line with '\n' and hand it to
 * results_write().
 */
void json_end(struct json_line *j);

#endif /* KERNEL_JSON_H */
