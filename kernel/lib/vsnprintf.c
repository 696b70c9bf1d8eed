/*
 * kernel/lib/vsnprintf.c - printf-style formatting into a buffer (<stdio.h>).
 *
 * The one formatter behind printk() and every snprintf() in the kernel.
 * Output goes through struct out, which counts every character but stores
 * only what fits, so the return value is the untruncated length (C99).
 * No floating point: the kernel is built with -mgeneral-regs-only.
 */
#include <libc/stdio.h>
#include <libc/string.h>
#include <libc/limits.h>
#include <libc/ctype.h>
#include <stdbool.h>
#include <stdint.h>

/* Where formatted text goes: @buf holds @size bytes, @len were produced. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* One parsed conversion specification. */
struct spec {
	bool left;		/* '-' */
	bool zero;		/* '0' */
	bool plus;		/* '+' */
	bool space;		/* ' ' */
	bool alt;		/* '#' */
	int width;		/* -1: none */
	int prec;		/* -1: none */
	int length;		/* one of the LEN_* below */
};

enum { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* put - emit one character, storing it if there is room before the NUL. */
static void put(struct out *o, char c)
{
	if (o->size && o->len < o->size - 1)
		o->buf[o->len] = c;
	o->len++;
}

/* put_n - emit @n characters of @s. */
static void put_n(struct out *o, const char *s, size_t n)
{
	while (n--)
		put(o, *s++);
}

/* pad - emit @n copies of @c (nothing when @n <= 0). */
static void pad(struct out *o, char c, long n)
{
	while (n-- > 0)
		put(o, c);
}

/* put_str - emit @n bytes of @s padded to the spec's width. */
static void put_str(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	long fill = (long)sp->width - (long)n;

	if (!sp->left)
		pad(o, ' ', fill);
	put_n(o, s, n);
	if (sp->left)
		pad(o, ' ', fill);
}

/*
 * put_int - emit the magnitude @v (negative if @neg) in @base with the
 * sign, 0x prefix, precision and padding rules of C's %d/%u/%o/%x.
 */
static void put_int(struct out *o, const struct spec *sp, unsigned long long v,
		    bool neg, unsigned int base, bool upper, bool is_signed)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];		/* 22 octal digits of a 64-bit value at most */
	char prefix[2];
	int ndig = 0, nprefix = 0;
	long zeros, fill;

	while (v) {
		tmp[ndig++] = digits[v % base];
		v /= base;
	}
	if (ndig == 0 && sp->prec != 0)
		tmp[ndig++] = '0';

	if (is_signed) {
		if (neg)
			prefix[nprefix++] = '-';
		else if (sp->plus)
			prefix[nprefix++] = '+';
		else if (sp->space)
			prefix[nprefix++] = ' ';
	} else if (sp->alt && base == 16 && ndig && tmp[ndig - 1] != '0') {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = upper ? 'X' : 'x';
	}

	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	if (sp->alt && base == 8 && zeros == 0 && (ndig == 0 || tmp[ndig - 1] != '0'))
		zeros = 1;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > nprefix + ndig + zeros)
		zeros = sp->width - nprefix - ndig;
	fill = (long)sp->width - nprefix - zeros - ndig;

	if (!sp->left)
		pad(o, ' ', fill);
	put_n(o, prefix, (size_t)nprefix);
	pad(o, '0', zeros);
	while (ndig)
		put(o, tmp[--ndig]);
	if (sp->left)
		pad(o, ' ', fill);
}

/* get_signed - fetch a signed argument of the spec's length. */
static long long get_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH:	return (signed char)va_arg(*ap, int);
	case LEN_H:	return (short)va_arg(*ap, int);
	case LEN_L:	return va_arg(*ap, long);
	case LEN_LL:	return va_arg(*ap, long long);
	case LEN_Z:	return (long long)va_arg(*ap, size_t);	/* ssize_t */
	case LEN_T:	return va_arg(*ap, ptrdiff_t);
	case LEN_J:	return va_arg(*ap, intmax_t);
	default:	return va_arg(*ap, int);
	}
}

/* get_unsigned - fetch an unsigned argument of the spec's length. */
static unsigned long long get_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case LEN_HH:	return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:	return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:	return va_arg(*ap, unsigned long);
	case LEN_LL:	return va_arg(*ap, unsigned long long);
	case LEN_Z:	return va_arg(*ap, size_t);
	case LEN_T:	return (unsigned long long)va_arg(*ap, ptrdiff_t);
	case LEN_J:	return va_arg(*ap, uintmax_t);
	default:	return va_arg(*ap, unsigned int);
	}
}

/* parse_num - read a decimal field width/precision, saturating at INT_MAX. */
static int parse_num(const char **pp)
{
	const char *p = *pp;
	int n = 0;

	for (; isdigit((unsigned char)*p); p++)
		n = n > (INT_MAX - 9) / 10 ? INT_MAX : n * 10 + (*p - '0');
	*pp = p;
	return n;
}

/*
 * parse_spec - parse flags, width, precision and length after a '%'.
 * Return: pointer to the conversion character.
 */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .width = -1, .prec = -1, .length = LEN_INT };

	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else if (*p == '+')
			sp->plus = true;
		else if (*p == ' ')
			sp->space = true;
		else if (*p == '#')
			sp->alt = true;
		else
			break;
	}
	if (*p == '*') {
		int w = va_arg(*ap, int);

		p++;
		if (w < 0) {
			sp->left = true;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp->width = w;
	} else if (isdigit((unsigned char)*p)) {
		sp->width = parse_num(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int pr = va_arg(*ap, int);

			p++;
			sp->prec = pr < 0 ? -1 : pr;
		} else {
			sp->prec = parse_num(&p);
		}
	}
	switch (*p) {
	case 'h':
		sp->length = p[1] == 'h' ? LEN_HH : LEN_H;
		p += p[1] == 'h' ? 2 : 1;
		break;
	case 'l':
		sp->length = p[1] == 'l' ? LEN_LL : LEN_L;
		p += p[1] == 'l' ? 2 : 1;
		break;
	case 'z':
		sp->length = LEN_Z;
		p++;
		break;
	case 't':
		sp->length = LEN_T;
		p++;
		break;
	case 'j':
		sp->length = LEN_J;
		p++;
		break;
	}
	return p;
}

/* format_one - format the conversion at @c, whose spec began at @start. */
static void format_one(struct out *o, const struct spec *sp, const char *start,
		       const char *c, va_list *ap)
{
	switch (*c) {
	case 'd':
	case 'i': {
		long long v = get_signed(sp, ap);
		unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

		put_int(o, sp, mag, v < 0, 10, false, true);
		break;
	}
	case 'u':
		put_int(o, sp, get_unsigned(sp, ap), false, 10, false, false);
		break;
	case 'o':
		put_int(o, sp, get_unsigned(sp, ap), false, 8, false, false);
		break;
	case 'x':
	case 'X':
		put_int(o, sp, get_unsigned(sp, ap), false, 16, *c == 'X', false);
		break;
	case 'p': {
		void *ptr = va_arg(*ap, void *);
		struct spec ps = *sp;

		if (!ptr) {
			put_str(o, sp, "(nil)", 5);
			break;
		}
		ps.alt = true;
		put_int(o, &ps, (uintptr_t)ptr, false, 16, false, false);
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		put_str(o, sp, &ch, 1);
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = "(null)";
		put_str(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
		break;
	}
	case '%':
		put(o, '%');
		break;
	default:
		/* Unsupported (floating point, %n, ...): show it as written. */
		put_n(o, start, (size_t)(c - start) + (*c != '\0'));
		break;
	}
}

/**
 * vsnprintf - format @fmt with @ap into @buf of @size bytes.
 *
 * Return: the length of the complete output, excluding the NUL, even if
 * only part of it fit.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		const char *start, *c;
		struct spec sp;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		start = fmt;
		c = parse_spec(fmt + 1, &sp, &args);
		format_one(&o, &sp, start, c, &args);
		fmt = *c ? c + 1 : c;
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

/**
 * snprintf - format into @buf of @size bytes.
 *
 * Return: the length of the complete output, as vsnprintf().
 */
int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
