/*
 * kernel/exit.h - ending a kholab run with a verdict, and panic().
 */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include <kholab/types.h>

/**
 * kernel_exit - report the verdict and stop the machine.
 * @pass:   true for a pass
 * @reason: one line for the exit event and the log
 *
 * Emits {"event":"exit",...} on the results channel, then tries, in order:
 * QEMU's isa-debug-exit (so QEMU's exit status is the verdict), ACPI S5
 * power-off, and finally halts with interrupts off.
 */
void kernel_exit(bool pass, const char *reason) __attribute__((noreturn));

/**
 * panic - report an unrecoverable error with a formatted message and a
 * backtrace of the caller, then kernel_exit(false).  Only top-level code
 * (start_kernel and its init steps) should call it.
 */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* KERNEL_EXIT_H */
