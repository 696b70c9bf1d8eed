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
#include <kernel/spinlock.h>
#include <kernel/smp.h>
#include <string.h>

#define PRINTK_BUF	512

int console_loglevel = LOGLEVEL_DEFAULT;
static bool at_line_start = true;
static spinlock_t console_lock = SPINLOCK_INIT;
static int console_owner = -1;		/* CPU holding console_lock */

/*
 * console_acquire - serialize lines from several CPUs.  A CPU that already
 * holds the lock (an exception inside printk) goes ahead; a CPU that waits
 * too long (the holder died) goes ahead too rather than lose the message.
 * Return: true if the caller took the lock and must release it.
 */
static bool console_acquire(void)
{
	int me = smp_processor_id();

	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
		return false;
	for (u32 spins = 0; !spin_trylock(&console_lock); spins++)
		if (spins > 50000000)
			return false;
	console_owner = me;
	return true;
}

static void console_release(bool locked)
{
	if (!locked)
		return;
	console_owner = -1;
	spin_unlock(&console_lock);
}

/* vprintk - see printk.h. */
int vprintk(const char *fmt, va_list ap)
{
	char msg[PRINTK_BUF];
	int level = LOGLEVEL_DEFAULT, n;
	bool cont = false, locked;

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
	locked = console_acquire();
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
	console_release(locked);
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
