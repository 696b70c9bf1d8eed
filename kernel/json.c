// SPDX-License-Identifier: MIT
/*
 * kernel/json.c - the JSON line builder (see json.h).
 *
 * Pure code: it formats into the caller's struct json_line and only
 * json_end() calls out, to results_write().  The kernel links it with
 * kernel/results.c (port 0xE9); the host tests with their shim (a capture).
 */
#include <kernel/json.h>
#include <kernel/results.h>
#include <stdio.h>
#include <string.h>

/* Bytes put() keeps free at the end of the buffer, for json_end()'s "}\n". */
#define JSON_RESERVE	8

/* put - append raw text, remembering overflow instead of writing past the end. */
static void put(struct json_line *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n >= j->cap - JSON_RESERVE) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* put_key - a comma if needed, then "key": (no key inside arrays). */
static void put_key(struct json_line *j, const char *key)
{
	if (j->need_comma)
		put(j, ",", 1);
	j->need_comma = true;
	if (key) {
		put(j, "\"", 1);
		put(j, key, strlen(key));
		put(j, "\":", 2);
	}
}

/* put_escaped - a JSON string literal for @s: quotes, backslashes and
 * bytes outside printable ASCII escaped. */
static void put_escaped(struct json_line *j, const char *s)
{
	put(j, "\"", 1);
	for (; s && *s; s++) {
		char esc[8];
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			int n = snprintf(esc, sizeof(esc), "\\u%04x", c);

			put(j, esc, (size_t)n);
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

/* json_begin - see json.h. */
void json_begin(struct json_line *j, const char *event)
{
	json_begin_buf(j, event, j->small, sizeof(j->small));
}

/* json_begin_buf - see json.h. */
void json_begin_buf(struct json_line *j, const char *event, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->overflow = false;
	j->event = event;
	j->need_comma = false;
	put(j, "{", 1);
	put_key(j, "event");
	put_escaped(j, event);
}

/* json_u64 - see json.h. */
void json_u64(struct json_line *j, const char *key, u64 v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	put_key(j, key);
	put(j, num, (size_t)n);
}

/* json_bool - see json.h. */
void json_bool(struct json_line *j, const char *key, bool v)
{
	put_key(j, key);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

/* json_str - see json.h. */
void json_str(struct json_line *j, const char *key, const char *s)
{
	put_key(j, key);
	put_escaped(j, s);
}

/* open_nested - "key": and the opening @bracket of an array or object. */
static void open_nested(struct json_line *j, const char *key, const char *bracket)
{
	put_key(j, key);
	put(j, bracket, 1);
	j->need_comma = false;
}

/* close_nested - the closing @bracket; what follows is another member. */
static void close_nested(struct json_line *j, const char *bracket)
{
	put(j, bracket, 1);
	j->need_comma = true;
}

/* json_array_begin - see json.h. */
void json_array_begin(struct json_line *j, const char *key)
{
	open_nested(j, key, "[");
}

/* json_array_end - see json.h. */
void json_array_end(struct json_line *j)
{
	close_nested(j, "]");
}

/* json_object_begin - see json.h. */
void json_object_begin(struct json_line *j, const char *key)
{
	open_nested(j, key, "{");
}

/* json_object_end - see json.h. */
void json_object_end(struct json_line *j)
{
	close_nested(j, "}");
}

/* json_end - see json.h. */
void json_end(struct json_line *j)
{
	if (j->overflow) {	/* start again in the same buffer, short form */
		json_begin_buf(j, j->event, j->buf, j->cap);
		json_bool(j, "truncated", true);
	}
	j->buf[j->len++] = '}';	/* put() kept room for these two */
	j->buf[j->len++] = '\n';
	results_write(j->buf, j->len);
}
