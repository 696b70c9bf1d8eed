/*
 * libc/stdlib.h - string to integer conversion for the kernel and libfdt.
 *
 * Implemented in kernel/lib/strtoul.c.  As in C: leading white space, an
 * optional sign, base 0 auto-detects 0x (hex) and 0 (octal), *endptr is
 * set past the last digit used (or to the start if there was none).
 * Unlike C there is no errno: out-of-range results saturate at the type's
 * limit.  Kernel code that must see errors should use parse_size()
 * (<kernel/cmdline.h>) instead.
 */
#ifndef KHOLAB_LIBC_STDLIB_H
#define KHOLAB_LIBC_STDLIB_H

#include <stddef.h>

/*
 * Host unit tests link kernel/lib/ next to the host libc, so there each
 * name becomes kl_NAME.  On the host only kernel/lib/ and its tests include
 * this header, as <libc/stdlib.h>; the kernel sees plain names via -Iinclude/libc.
 */
#ifdef KHOLAB_HOST_TEST
#define strtoul		kl_strtoul
#define strtoull	kl_strtoull
#define strtol		kl_strtol
#define strtoll		kl_strtoll
#endif

unsigned long strtoul(const char *s, char **endptr, int base);
unsigned long long strtoull(const char *s, char **endptr, int base);
long strtol(const char *s, char **endptr, int base);
long long strtoll(const char *s, char **endptr, int base);

#endif /* KHOLAB_LIBC_STDLIB_H */
