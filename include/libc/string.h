/*
 * libc/string.h - memory and string functions for the kernel and libfdt.
 *
 * Implemented in kernel/lib/string.c.  Besides the C standard set there
 * are strlcpy (BSD) and strscpy (reports truncation as -E2BIG), the two
 * bounded copies kernel code should use.
 */
#ifndef KHOLAB_LIBC_STRING_H
#define KHOLAB_LIBC_STRING_H

#include <stddef.h>

/*
 * Host unit tests link kernel/lib/ next to the host libc, so there each
 * name becomes kl_NAME.  On the host only kernel/lib/ and its tests include
 * this header, as <libc/string.h>; the kernel sees plain names via -Iinclude/libc.
 */
#ifdef KHOLAB_HOST_TEST
#define memcpy		kl_memcpy
#define memmove		kl_memmove
#define memset		kl_memset
#define memcmp		kl_memcmp
#define memchr		kl_memchr
#define strlen		kl_strlen
#define strnlen		kl_strnlen
#define strcmp		kl_strcmp
#define strncmp		kl_strncmp
#define strcasecmp	kl_strcasecmp
#define strncasecmp	kl_strncasecmp
#define strchr		kl_strchr
#define strrchr		kl_strrchr
#define strstr		kl_strstr
#define strlcpy		kl_strlcpy
#define strscpy		kl_strscpy
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

size_t strlcpy(char *dst, const char *src, size_t size);
long strscpy(char *dst, const char *src, size_t size);

#endif /* KHOLAB_LIBC_STRING_H */
