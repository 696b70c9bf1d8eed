/*
 * libc/stdio.h - formatted output into memory (there are no FILEs).
 *
 * Implemented in kernel/lib/vsnprintf.c.  Supported: flags "-0+ #", width
 * and precision (also '*'), length hh h l ll z t j, conversions
 * d i u o x X c s p %.  Not supported: floating point, %n, wide chars; such
 * a conversion is copied to the output verbatim and consumes no argument.
 * %s of NULL prints "(null)"; %p prints 0x<hex>, or "(nil)" for NULL.
 */
#ifndef KHOLAB_LIBC_STDIO_H
#define KHOLAB_LIBC_STDIO_H

#include <stddef.h>
#include <stdarg.h>

/*
 * Host unit tests link kernel/lib/ next to the host libc, so there each
 * name becomes kl_NAME.  On the host only kernel/lib/ and its tests include
 * this header, as <libc/stdio.h>; the kernel sees plain names via -Iinclude/libc.
 */
#ifdef KHOLAB_HOST_TEST
#define vsnprintf	kl_vsnprintf
#define snprintf	kl_snprintf
#endif

#define __kl_printf(f, a)	__attribute__((format(printf, f, a)))

/*
 * snprintf family: write at most @size bytes including the terminating NUL
 * (always written when @size > 0).  Return the length the full output
 * would have had, as C99 does.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __kl_printf(3, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) __kl_printf(3, 4);

#endif /* KHOLAB_LIBC_STDIO_H */
