/*
 * kernel/printk.c - the kernel log: levels, timestamps, serial output.
 *
 * A message is formatted into a bounded buffer (longer ones are cut and
 * end in "..."), dropped if its level is above console_loglevel, and
 * written to COM1 with a "[seconds.micros] " stamp at the start of each
 * line.  KERN_CONT continues the current line.  Single CPU for now; the SMP
 * work adds the console lock.
 */
#include <kernel/printk.h>
#include <kernel/serial.h>
#include <kernel/tsc.h>
#include <stdio.h>
#include <string.h>

#define PRINTK_BUF	512

int console_loglevel = LOGLEVEL_DEFAULT;
static bool at_line_start = true;

/* vprintk - see printk.h. */
int vprintk(const char *fmt, va_list ap)
{
	char msg[PRINTK_BUF];
	int level = LOGLEVEL_DEFAULT, n;
	bool cont = false;

	if (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] == 'c')
			cont = true;
		else if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= PRINTK_BUF)
		memcpy(msg + PRINTK_BUF - 5, "...\n", 5);
	if (!cont && level > console_loglevel)
		return n;
	if (!cont && !at_line_start)
		serial_write("\n", 1);

	for (const char *p = msg; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (at_line_start) {
			char stamp[32];
			u64 ns = ktime_ns();
			int sl = snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
					  (unsigned long long)(ns / 1000000000ULL),
					  (unsigned long long)(ns % 1000000000ULL / 1000));
			serial_write(stamp, (unsigned long)sl);
		}
		serial_write(p, len);
		at_line_start = nl != NULL;
		p += len;
	}
	return n;
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
