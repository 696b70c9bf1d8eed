/*
 * libc/ctype.h - ASCII character classes for the kernel.
 *
 * Locale-free: only the 7-bit "C" locale exists.  Arguments outside
 * 0..127 (and EOF) belong to no class and are returned unchanged by the
 * case mappings.
 */
#ifndef KHOLAB_LIBC_CTYPE_H
#define KHOLAB_LIBC_CTYPE_H

/* isdigit - true for '0'..'9'. */
static inline int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* isupper - true for 'A'..'Z'. */
static inline int isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

/* islower - true for 'a'..'z'. */
static inline int islower(int c)
{
	return c >= 'a' && c <= 'z';
}

/* isalpha - true for ASCII letters. */
static inline int isalpha(int c)
{
	return isupper(c) || islower(c);
}

/* isalnum - true for ASCII letters and digits. */
static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

/* isxdigit - true for hex digits in either case. */
static inline int isxdigit(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* isspace - true for space, \t, \n, \v, \f and \r. */
static inline int isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* isprint - true for printable ASCII, space included. */
static inline int isprint(int c)
{
	return c >= 0x20 && c < 0x7f;
}

/* tolower - map 'A'..'Z' to lower case; anything else unchanged. */
static inline int tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}

/* toupper - map 'a'..'z' to upper case; anything else unchanged. */
static inline int toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}

#endif /* KHOLAB_LIBC_CTYPE_H */
