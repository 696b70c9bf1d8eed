/*
 * kernel/panic.c - panic(): the top level's way to give up, loudly.
 */
#include <kernel/exit.h>
#include <kernel/printk.h>
#include <kernel/traps.h>
#include <stdio.h>

static int panicking;

/* panic - see exit.h. */
void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	__asm__ volatile("cli");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", msg);
	if (!panicking++)
		dump_backtrace((u64)(uintptr_t)__builtin_frame_address(0), 0);
	kernel_exit(false, msg);
}
