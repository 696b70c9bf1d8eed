/*
 * kernel/cmdline.c - parse the kernel command line against a parameter
 * table (see include/kernel/cmdline.h).
 *
 * The command line is never copied or modified: words are handled as
 * (pointer, length) slices of it.  Problems are logged and counted but
 * never fatal; a parameter given a bad value keeps its current (default)
 * value.  Log formats are relied on by tests:
 *   cmdline: unknown parameter 'KEY' ignored
 *   cmdline: bad value 'VAL' for 'KEY' (accepted: ...); using default DFLT
 */
#define pr_fmt(fmt) "cmdline: " fmt

#include <kernel/cmdline.h>
#include <kernel/printk.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A piece of the command line: @len bytes at @p, not NUL-terminated. */
struct slice {
	const char *p;
	size_t len;
};

/* Longest number text parse_size() is handed from the command line. */
#define NUM_TEXT_MAX	64

static const char *const bool_true[] = { "on", "y", "1", "yes", "true", NULL };
static const char *const bool_false[] = { "off", "n", "0", "no", "false", NULL };

/* is_sep - true for the characters that separate words. */
static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* slice_is - true if @s equals the string @word (ASCII case ignored if @icase). */
static bool slice_is(struct slice s, const char *word, bool icase)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		char a = s.p[i], b = word[i];

		if (b == '\0')
			return false;
		if (icase ? tolower((unsigned char)a) != tolower((unsigned char)b) : a != b)
			return false;
	}
	return word[i] == '\0';
}

/* find_word - index of @s in the NULL-terminated list @words, or -1. */
static int find_word(struct slice s, const char *const *words, bool icase)
{
	for (int i = 0; words && words[i]; i++)
		if (slice_is(s, words[i], icase))
			return i;
	return -1;
}

/*
 * next_word - split the word starting at or after @s into @key and @val;
 * *@has_val tells whether there was an '='.  A value starting with '"'
 * runs to the next '"' (or the end), one starting with '\'' to the next
 * '\'' (so a Linux command line, where only '"' groups, can carry a
 * kholab word with spaces inside its own quotes).  Returns where to
 * continue, or NULL at the end of the line.
 */
static const char *next_word(const char *s, struct slice *key, struct slice *val,
			     bool *has_val)
{
	while (is_sep(*s))
		s++;
	if (*s == '\0')
		return NULL;
	key->p = s;
	while (*s && *s != '=' && !is_sep(*s))
		s++;
	key->len = (size_t)(s - key->p);
	*has_val = *s == '=';
	val->p = s;
	val->len = 0;
	if (!*has_val)
		return s;
	s++;
	if (*s == '"' || *s == '\'') {
		char q = *s;

		val->p = ++s;
		while (*s && *s != q)
			s++;
		val->len = (size_t)(s - val->p);
		return *s ? s + 1 : s;
	}
	val->p = s;
	while (*s && !is_sep(*s))
		s++;
	val->len = (size_t)(s - val->p);
	return s;
}

/**
 * parse_size - parse decimal or 0x hex, optionally followed by one K/M/G/T.
 * @s: the whole text; @allow_suffix: accept the suffix; @out: the result.
 *
 * Return: 0, -EINVAL if malformed, -ERANGE if it does not fit in a u64.
 */
int parse_size(const char *s, bool allow_suffix, u64 *out)
{
	unsigned int base = 10, shift = 0;
	bool any = false, overflow = false;
	u64 v = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned int d;

		if (isdigit((unsigned char)*s))
			d = (unsigned int)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned int)(tolower((unsigned char)*s) - 'a' + 10);
		else
			break;
		any = true;
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		else
			v = v * base + d;
	}
	if (!any)
		return -EINVAL;
	if (*s && allow_suffix) {
		switch (toupper((unsigned char)*s)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		case 'T': shift = 40; break;
		default: return -EINVAL;
		}
		s++;
	}
	if (*s)
		return -EINVAL;
	if (overflow || v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* u64_limits - the range of a PARAM_U64; min = max = 0 means unbounded. */
static void u64_limits(const struct kernel_param *kp, u64 *min, u64 *max)
{
	*min = kp->min;
	*max = (kp->min == 0 && kp->max == 0) ? UINT64_MAX : kp->max;
}

/*
 * describe - write the "accepted" list and the current value of @kp, as
 * shown in a bad-value error, into @acc and @dflt.
 */
static void describe(const struct kernel_param *kp, char *acc, size_t acc_size,
		     char *dflt, size_t dflt_size)
{
	size_t n = 0;
	u64 min, max;

	acc[0] = '\0';
	switch (kp->type) {
	case PARAM_BOOL:
		snprintf(acc, acc_size, "on/off, y/n, 1/0, yes/no, true/false");
		snprintf(dflt, dflt_size, "'%s'", *(bool *)kp->value ? "on" : "off");
		break;
	case PARAM_U64:
		u64_limits(kp, &min, &max);
		snprintf(acc, acc_size, "%llu..%llu%s%s", (unsigned long long)min,
			 (unsigned long long)max,
			 kp->flags & PARAM_F_SIZE ? " with K/M/G suffix" : "",
			 kp->flags & PARAM_F_PERCENT ? ", optionally with %" : "");
		snprintf(dflt, dflt_size, "%llu", (unsigned long long)*(u64 *)kp->value);
		break;
	case PARAM_ENUM: {
		int cur = *(int *)kp->value, count = 0;

		for (int i = 0; kp->choices && kp->choices[i]; i++) {
			n += (size_t)snprintf(acc + n, acc_size - n, "%s%s", i ? ", " : "",
					      kp->choices[i]);
			if (n >= acc_size)
				n = acc_size - 1;
			count++;
		}
		snprintf(dflt, dflt_size, "'%s'",
			 cur >= 0 && cur < count ? kp->choices[cur] : "?");
		break;
	}
	case PARAM_STR: {
		const char *cur = kp->value;

		snprintf(acc, acc_size, "up to %llu characters",
			 kp->max ? (unsigned long long)kp->max - 1 : 0ULL);
		snprintf(dflt, dflt_size, "'%.*s'", (int)strnlen(cur, kp->max), cur);
		break;
	}
	}
}

/* report_bad - log the bad-value error for @kp given @val. */
static void report_bad(const struct kernel_param *kp, struct slice val)
{
	char acc[256], dflt[96];

	describe(kp, acc, sizeof(acc), dflt, sizeof(dflt));
	pr_err("bad value '%.*s' for '%s' (accepted: %s); using default %s\n",
	       (int)val.len, val.p, kp->name, acc, dflt);
}

/* set_u64 - parse @val for the u64 parameter @kp. Return: 0 or -EINVAL. */
static int set_u64(const struct kernel_param *kp, struct slice val)
{
	char text[NUM_TEXT_MAX];
	u64 v, min, max;

	if (kp->flags & PARAM_F_PERCENT && val.len && val.p[val.len - 1] == '%')
		val.len--;
	if (val.len >= sizeof(text))
		return -EINVAL;
	memcpy(text, val.p, val.len);
	text[val.len] = '\0';
	if (parse_size(text, kp->flags & PARAM_F_SIZE, &v))
		return -EINVAL;
	u64_limits(kp, &min, &max);
	if (v < min || v > max)
		return -EINVAL;
	*(u64 *)kp->value = v;
	return 0;
}

/*
 * apply - store @val (absent unless @has_val) into the parameter @kp.
 * Return: 0, or -EINVAL if the value is not acceptable (nothing stored).
 */
static int apply(const struct kernel_param *kp, struct slice val, bool has_val)
{
	int i;

	if (kp->type == PARAM_BOOL) {
		if (!has_val || find_word(val, bool_true, true) >= 0)
			*(bool *)kp->value = true;
		else if (find_word(val, bool_false, true) >= 0)
			*(bool *)kp->value = false;
		else
			return -EINVAL;
		return 0;
	}
	if (!has_val)
		return -EINVAL;
	switch (kp->type) {
	case PARAM_U64:
		return set_u64(kp, val);
	case PARAM_ENUM:
		i = find_word(val, kp->choices, false);
		if (i < 0)
			return -EINVAL;
		*(int *)kp->value = i;
		return 0;
	case PARAM_STR:
		if (kp->max == 0 || val.len > kp->max - 1)
			return -EINVAL;
		memcpy(kp->value, val.p, val.len);
		((char *)kp->value)[val.len] = '\0';
		return 0;
	default:
		return -EINVAL;
	}
}

/* find_param - the entry of @params named @key, or NULL. */
static const struct kernel_param *find_param(struct slice key,
					     const struct kernel_param *params, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (params[i].name && slice_is(key, params[i].name, false))
			return &params[i];
	return NULL;
}

/**
 * parse_cmdline - apply each word of @cmdline to the matching entry of
 * @params (n entries), logging unknown keys and bad values.
 *
 * Return: the number of problems logged; 0 if all was understood.
 */
int parse_cmdline(const char *cmdline, const struct kernel_param *params, size_t n)
{
	const char *s = cmdline;
	struct slice key, val;
	bool has_val;
	int problems = 0;

	while (s && (s = next_word(s, &key, &val, &has_val)) != NULL) {
		const struct kernel_param *kp = find_param(key, params, n);

		if (!kp) {
			pr_warn("unknown parameter '%.*s' ignored\n", (int)key.len, key.p);
			problems++;
		} else if (apply(kp, val, has_val) < 0) {
			report_bad(kp, val);
			problems++;
		} else if (kp->seen) {
			*kp->seen = true;
		}
	}
	return problems;
}
