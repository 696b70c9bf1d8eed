/*
 * kernel/lib/string.c - memory and string functions (<string.h>).
 *
 * Used by the kernel and by Debian's libfdt.a.  The kernel is built with
 * -O2, where gcc may turn a byte loop into a call to memset()/memcpy();
 * inside those very functions that would recurse forever, so every loop
 * here is marked NO_LIBCALL.  In the kernel memcpy/memset use "rep movsb"
 * / "rep stosb", which are fast on every CPU with ERMSB.
 */
#include <libc/string.h>
#include <libc/errno.h>
#include <libc/ctype.h>
#include <stdbool.h>

#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

#if defined(__x86_64__) && !defined(KHOLAB_HOST_TEST)
#define USE_REP_STRING 1
#else
#define USE_REP_STRING 0
#endif

/**
 * memcpy - copy @n bytes from @src to @dst; the areas must not overlap.
 *
 * Return: @dst.
 */
NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
#if USE_REP_STRING
	void *d = dst;

	__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
#else
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
#endif
	return dst;
}

/**
 * memmove - copy @n bytes from @src to @dst; the areas may overlap.
 *
 * Return: @dst.
 */
NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

/**
 * memset - fill @n bytes at @dst with the byte value @c.
 *
 * Return: @dst.
 */
NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
#if USE_REP_STRING
	void *d = dst;

	__asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
#else
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
#endif
	return dst;
}

/**
 * memcmp - compare @n bytes as unsigned chars.
 *
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 */
NO_LIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/**
 * memchr - find the first byte equal to (unsigned char)@c in @n bytes.
 *
 * Return: pointer to it, or NULL.
 */
NO_LIBCALL void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

/**
 * strlen - length of the NUL-terminated string @s.
 *
 * Return: the number of bytes before the NUL.
 */
NO_LIBCALL size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/**
 * strnlen - length of @s, looking at no more than @max bytes.
 *
 * Return: strlen(@s), or @max if no NUL is among the first @max bytes.
 */
NO_LIBCALL size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/*
 * compare - the string comparison behind strncmp() and strncasecmp(): at
 * most @n characters as unsigned chars, lower-cased first when @fold.
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 */
static NO_LIBCALL int compare(const char *a, const char *b, size_t n, bool fold)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		int d = fold ? tolower(*p) - tolower(*q) : *p - *q;

		if (d)
			return d;
		if (!*p)
			break;
	}
	return 0;
}

/**
 * strcmp - compare two strings as unsigned chars.
 *
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 */
NO_LIBCALL int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

/**
 * strncmp - compare at most @n characters of two strings.
 *
 * Return: <0, 0 or >0 as @a sorts before, equal to or after @b.
 */
NO_LIBCALL int strncmp(const char *a, const char *b, size_t n)
{
	return compare(a, b, n, false);
}

/**
 * strcasecmp - compare two strings, ignoring ASCII case.
 *
 * Return: <0, 0 or >0 as lower-cased @a sorts before, equal to or after @b.
 */
NO_LIBCALL int strcasecmp(const char *a, const char *b)
{
	return strncasecmp(a, b, (size_t)-1);
}

/**
 * strncasecmp - compare at most @n characters, ignoring ASCII case.
 *
 * Return: <0, 0 or >0 as lower-cased @a sorts before, equal to or after @b.
 */
NO_LIBCALL int strncasecmp(const char *a, const char *b, size_t n)
{
	return compare(a, b, n, true);
}

/**
 * strchr - find the first (char)@c in @s; the NUL itself can be found.
 *
 * Return: pointer to it, or NULL.
 */
NO_LIBCALL char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/**
 * strrchr - find the last (char)@c in @s; the NUL itself can be found.
 *
 * Return: pointer to it, or NULL.
 */
NO_LIBCALL char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

/**
 * strstr - find the first occurrence of @needle in @haystack.
 *
 * Return: pointer to it (@haystack for an empty needle), or NULL.
 */
NO_LIBCALL char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	return n ? NULL : (char *)haystack;
}

/**
 * strlcpy - copy @src into @dst of @size bytes, truncating, NUL-terminated
 * whenever @size > 0.
 *
 * Return: strlen(@src); a value >= @size means the copy was truncated.
 */
NO_LIBCALL size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/**
 * strscpy - copy @src into @dst of @size bytes, NUL-terminated whenever
 * @size > 0; never reads @src past @size bytes.
 *
 * Return: the length copied, or -E2BIG if @src did not fit (truncated).
 */
NO_LIBCALL long strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (size == 0)
		return -E2BIG;
	n = strnlen(src, size);
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return (long)n;
}
