/*
 * kernel/results.h - machine-readable results: one JSON object per line on
 * the QEMU debugcon port 0xE9.  Schema: docs/results.md.
 *
 * Usage (the builder is kernel/json.h):
 *     struct json_line j;
 *     json_begin(&j, "boot");
 *     json_u64(&j, "gen", 0);
 *     json_str(&j, "reason", why);
 *     json_end(&j);          // writes the line
 * A line that would not fit is written as {"event":"...","truncated":true}.
 */
#ifndef KERNEL_RESULTS_H
#define KERNEL_RESULTS_H

#include <kernel/json.h>

/**
 * results_write - put one finished line on the results channel.
 * @line: @len bytes, ending in '\n'
 *
 * Called by json_end().  The kernel's (kernel/results.c) writes the bytes
 * to port 0xE9, one whole line at a time whichever CPU calls; the host
 * tests' shim captures the line instead.
 */
void results_write(const char *line, size_t len);

#endif /* KERNEL_RESULTS_H */
