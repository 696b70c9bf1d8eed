// SPDX-License-Identifier: MIT
/*
 * kernel/printk.c - printk() and vprintk(): read the KERN_* prefix and
 * format the message into a bounded buffer (see printk.h).
 *
 * Pure code: the formatted message goes to printk_emit(), provided by the
 * kernel's console (kernel/console.c: level filter, timestamps, COM1) and
 * by the host tests' shim (a capture log).  Both link this file.
 */
#include <kernel/printk.h>
#include <stdio.h>
#include <string.h>

/*
 * printk_parse - fill @m's level and continuation from the KERN_* prefix
 * of @fmt (at most one) and return the format after it.
 */
static const char *printk_parse(struct printk_msg *m, const char *fmt)
{
	m->level = LOGLEVEL_DEFAULT;
	m->cont = false;
	if (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] == 'c')
			m->cont = true;
		else if (fmt[1] >= '0' && fmt[1] <= '7')
			m->level = fmt[1] - '0';
		fmt += 2;
	}
	return fmt;
}

/* vprintk - see printk.h. */
int vprintk(const char *fmt, va_list ap)
{
	struct printk_msg m;

	fmt = printk_parse(&m, fmt);
	m.len = vsnprintf(m.text, sizeof(m.text), fmt, ap);
	if (m.len >= PRINTK_MSG_MAX)
		memcpy(m.text + PRINTK_MSG_MAX - 5, "...\n", 5);
	printk_emit(&m);
	return m.len;
}

/* printk - see printk.h. */
int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
