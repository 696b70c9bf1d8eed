/*
 * kernel/results.c - the results channel: JSON lines on port 0xE9.
 *
 * QEMU's debugcon device writes every byte sent to port 0xE9 to a file
 * (run-qemu.sh --results), so tests read what the kernel measured and
 * decided without scraping the human log.  Lines are built by kernel/json.c;
 * this file only writes them out.
 */
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/spinlock.h>

#define DEBUGCON_PORT	0xe9

static spinlock_t results_lock = SPINLOCK_INIT;	/* one line at a time, any CPU */

/* results_write - see results.h. */
void results_write(const char *line, size_t len)
{
	spin_lock(&results_lock);
	for (size_t i = 0; i < len; i++)
		outb(DEBUGCON_PORT, (u8)line[i]);
	spin_unlock(&results_lock);
}
