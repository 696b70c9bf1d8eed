// SPDX-License-Identifier: MIT
/*
 * boot/utoa.h - an unsigned number as text, for the loader, which has no
 * printf of its own: its pure config parser (boot/config.c) and its serial
 * log after ExitBootServices (boot/serial.c) both use it.  Header-only, so
 * each user (and its host test) needs no extra source file.
 */
#ifndef BOOT_UTOA_H
#define BOOT_UTOA_H

#include <kholab/types.h>

/* Bytes of buffer utoa() needs: 20 decimal digits of a u64, and a NUL. */
#define UTOA_BUF	21

/**
 * utoa - write @v in @base (2..16; lower-case hex digits) at the end of
 * @buf, NUL-terminated, no prefix.
 * Return: the first digit, inside @buf.
 */
static inline char *utoa(char buf[UTOA_BUF], u64 v, unsigned int base)
{
	char *p = buf + UTOA_BUF - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return p;
}

#endif /* BOOT_UTOA_H */
