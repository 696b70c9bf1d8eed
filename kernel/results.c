/*
 * kernel/results.c - the results channel: JSON lines on port 0xE9.
 *
 * QEMU's debugcon device writes every byte sent to port 0xE9 to a file
 * (run-qemu.sh --results), so tests read what the kernel measured and
 * decided without scraping the human log.  The builder escapes strings and
 * never overflows its line buffer.
 */
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/spinlock.h>
#include <stdio.h>
#include <string.h>

#define DEBUGCON_PORT	0xe9

static spinlock_t results_lock = SPINLOCK_INIT;	/* one line at a time, any CPU */

/* put - append raw text, remembering overflow instead of writing past the end. */
static void put(struct json_line *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n >= sizeof(j->buf) - 8) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* put_key - comma if needed, then "key": (no key inside arrays). */
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

/* put_escaped - a JSON string literal for @s. */
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
			put(j, (const char *)&c, 1);
		}
	}
	put(j, "\"", 1);
}

/* json_begin - start a line {"event":"@event". */
void json_begin(struct json_line *j, const char *event)
{
	j->len = 0;
	j->overflow = false;
	j->event = event;
	j->depth = 0;
	j->need_comma = false;
	put(j, "{", 1);
	put_key(j, "event");
	put_escaped(j, event);
}

/* json_u64 - "key":v */
void json_u64(struct json_line *j, const char *key, u64 v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	put_key(j, key);
	put(j, num, (size_t)n);
}

/* json_bool - "key":true|false */
void json_bool(struct json_line *j, const char *key, bool v)
{
	put_key(j, key);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

/* json_str - "key":"escaped" */
void json_str(struct json_line *j, const char *key, const char *s)
{
	put_key(j, key);
	put_escaped(j, s);
}

void json_array_begin(struct json_line *j, const char *key)
{
	put_key(j, key);
	put(j, "[", 1);
	j->need_comma = false;
	j->depth++;
}

void json_array_end(struct json_line *j)
{
	put(j, "]", 1);
	j->need_comma = true;
	j->depth--;
}

void json_object_begin(struct json_line *j, const char *key)
{
	put_key(j, key);
	put(j, "{", 1);
	j->need_comma = false;
	j->depth++;
}

void json_object_end(struct json_line *j)
{
	put(j, "}", 1);
	j->need_comma = true;
	j->depth--;
}

/* debugcon_write - send bytes to port 0xE9. */
static void debugcon_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(DEBUGCON_PORT, (u8)s[i]);
}

/* json_end - see results.h. */
void json_end(struct json_line *j)
{
	if (j->overflow) {
		struct json_line t;

		json_begin(&t, j->event);
		json_bool(&t, "truncated", true);
		*j = t;
	}
	j->buf[j->len++] = '}';	/* put() kept room for these two */
	j->buf[j->len++] = '\n';
	spin_lock(&results_lock);
	debugcon_write(j->buf, j->len);
	spin_unlock(&results_lock);
}
