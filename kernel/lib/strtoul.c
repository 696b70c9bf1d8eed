/*
 * kernel/lib/strtoul.c - string to integer conversion (<stdlib.h>).
 *
 * C semantics except that there is no errno: a value out of range
 * saturates at the limit of the result type.  libfdt uses strtoul() to
 * parse unit addresses in node paths.
 */
#include <libc/stdlib.h>
#include <libc/limits.h>
#include <libc/ctype.h>
#include <stdbool.h>

/* digit_value - value of @c as a digit in bases up to 36, or 99 if none. */
static int digit_value(int c)
{
	if (isdigit(c))
		return c - '0';
	if (isalpha(c))
		return tolower(c) - 'a' + 10;
	return 99;
}

/*
 * scan - parse the sign and digits of @s in @base (0 = auto) into a
 * magnitude, saturating at ULLONG_MAX and flagging *@overflow.
 */
static unsigned long long scan(const char *s, char **endptr, int base,
			       bool *neg, bool *overflow)
{
	const char *p = s;
	unsigned long long v = 0;
	bool any = false;

	*neg = false;
	*overflow = false;
	if (base < 0 || base == 1 || base > 36)
		goto out;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		int d = digit_value((unsigned char)*p);

		if (d >= base)
			break;
		any = true;
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base) {
			*overflow = true;
			v = ULLONG_MAX;
		} else if (!*overflow) {
			v = v * (unsigned)base + (unsigned)d;
		}
	}
out:
	if (endptr)
		*endptr = (char *)(any ? p : s);
	return any ? v : 0;
}

/**
 * strtoull - convert the start of @s to unsigned long long in @base.
 * @endptr: if not NULL, set to the first unused character.
 *
 * Return: the value (negated if a '-' came first), ULLONG_MAX on overflow.
 */
unsigned long long strtoull(const char *s, char **endptr, int base)
{
	bool neg, overflow;
	unsigned long long v = scan(s, endptr, base, &neg, &overflow);

	if (overflow)
		return ULLONG_MAX;
	return neg ? -v : v;
}

/**
 * strtoul - convert the start of @s to unsigned long in @base.
 * @endptr: if not NULL, set to the first unused character.
 *
 * Return: the value (negated if a '-' came first), ULONG_MAX on overflow.
 */
unsigned long strtoul(const char *s, char **endptr, int base)
{
	bool neg, overflow;
	unsigned long long v = scan(s, endptr, base, &neg, &overflow);

	if (overflow || v > ULONG_MAX)
		return ULONG_MAX;
	return neg ? -(unsigned long)v : (unsigned long)v;
}

/**
 * strtoll - convert the start of @s to long long in @base.
 * @endptr: if not NULL, set to the first unused character.
 *
 * Return: the value, clamped to LLONG_MIN..LLONG_MAX.
 */
long long strtoll(const char *s, char **endptr, int base)
{
	bool neg, overflow;
	unsigned long long v = scan(s, endptr, base, &neg, &overflow);

	if (neg) {
		if (overflow || v > (unsigned long long)LLONG_MAX + 1)
			return LLONG_MIN;
		return v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	}
	if (overflow || v > LLONG_MAX)
		return LLONG_MAX;
	return (long long)v;
}

/**
 * strtol - convert the start of @s to long in @base.
 * @endptr: if not NULL, set to the first unused character.
 *
 * Return: the value, clamped to LONG_MIN..LONG_MAX.
 */
long strtol(const char *s, char **endptr, int base)
{
	long long v = strtoll(s, endptr, base);

	if (v > LONG_MAX)
		return LONG_MAX;
	if (v < LONG_MIN)
		return LONG_MIN;
	return (long)v;
}
