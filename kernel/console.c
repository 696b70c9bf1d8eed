/*
 * kernel/console.c - the kernel log's console: level filter, timestamps,
 * serial output (printk_emit(), see printk.h).
 *
 * vprintk() (kernel/printk.c) hands over each formatted message.  One
 * above console_loglevel is dropped; the rest go to COM1 with a
 * "[seconds.micros] " stamp at the start of each line.  KERN_CONT continues
 * the current line; any other message starts a new one.  A lock keeps the
 * lines of several CPUs apart.
 */
#include <kernel/printk.h>
#include <kernel/serial.h>
#include <kernel/tsc.h>
#include <stdio.h>
#include <kernel/spinlock.h>
#include <kernel/smp.h>
#include <string.h>

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

/* console_release - undo console_acquire(); @locked is what it returned. */
static void console_release(bool locked)
{
	if (!locked)
		return;
	console_owner = -1;
	spin_unlock(&console_lock);
}

/* put_stamp - "[seconds.micros] " from the TSC clock. */
static void put_stamp(void)
{
	char stamp[32];
	u64 ns = ktime_ns();
	int sl = snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
			  (unsigned long long)(ns / 1000000000ULL),
			  (unsigned long long)(ns % 1000000000ULL / 1000));

	serial_write(stamp, (unsigned long)sl);
}

/* printk_emit - see printk.h. */
void printk_emit(const struct printk_msg *m)
{
	bool locked;

	if (!m->cont && m->level > console_loglevel)
		return;
	locked = console_acquire();
	if (!m->cont && !at_line_start)
		serial_write("\n", 1);

	for (const char *p = m->text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (at_line_start)
			put_stamp();
		serial_write(p, len);
		at_line_start = nl != NULL;
		p += len;
	}
	console_release(locked);
}
