/*
 * kernel/exit.c - the last thing kholab does: say the verdict and stop.
 *
 * The verdict goes out three ways so that whoever watches can read it: a
 * log line, an "exit" JSON event, and the isa-debug-exit port, whose value
 * becomes QEMU's exit status (include/kholab/exitcodes.h).  Without that
 * device the write is ignored and we fall back to ACPI S5, then to hlt.
 */
#define pr_fmt(fmt) "exit: " fmt

#include <kernel/exit.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/acpi.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/timeline.h>
#include <kholab/exitcodes.h>

static int exiting;

/* kernel_exit - see exit.h. */
void kernel_exit(bool pass, const char *reason)
{
	struct json_line j;

	__asm__ volatile("cli");
	if (__atomic_fetch_add(&exiting, 1, __ATOMIC_SEQ_CST))
		goto out;	/* a fault on the way out, or another CPU exiting */
	timeline_emit("exit");		/* kernel/timeline.c: once per generation */

	printk(KERN_NOTICE "exit: verdict %s: %s (after %llu ms)\n", pass ? "PASS" : "FAIL",
	       reason, (unsigned long long)(ktime_ns() / 1000000));
	json_begin(&j, "exit");
	json_str(&j, "status", pass ? "pass" : "fail");
	json_str(&j, "reason", reason);
	json_u64(&j, "uptime_ns", ktime_ns());
	json_end(&j);
out:
	outl(KHOLAB_DEBUG_EXIT_PORT, pass ? KHOLAB_EXIT_PASS : KHOLAB_EXIT_FAIL);
	if (exiting == 1) {
		int err = acpi_poweroff();

		pr_emerg("no isa-debug-exit device and ACPI S5 failed (%d); halting\n", err);
	}
	halt_forever();
}
