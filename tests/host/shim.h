/*
 * tests/host/shim.h - host stand-ins for kernel services, for unit tests.
 *
 * Linked into every host test.  printk()/vprintk() format with the host's
 * vsnprintf into a capture log instead of a serial port: one record per
 * call (KERN_CONT continues the previous one), with the KERN_* prefix
 * stripped and its level remembered.  Tests then ask what was logged.
 * Set SHIM_LOG_ECHO=1 in the environment to also copy records to stderr.
 */
#ifndef TESTS_HOST_SHIM_H
#define TESTS_HOST_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <kernel/printk.h>

/* Level recorded for a message printed without a KERN_* prefix. */
#define SHIM_LEVEL_UNTAGGED	6	/* as KERN_INFO */

/* Most records kept, and most bytes of text per record / in the log. */
#define SHIM_LOG_RECORDS	512
#define SHIM_LOG_RECORD_LEN	512
#define SHIM_LOG_TEXT_LEN	(64 * 1024)

/* shim_log_reset - forget everything captured so far. */
void shim_log_reset(void);

/**
 * shim_log_contains - search the whole captured text (all records, in order).
 * Return: true if @needle occurs in it.
 */
bool shim_log_contains(const char *needle);

/**
 * shim_log_count - count records that contain @needle.
 * Return: the number of matching records.
 */
int shim_log_count(const char *needle);

/**
 * shim_log_count_level - count records logged at @level (0..7).
 * Return: the number of such records.
 */
int shim_log_count_level(int level);

/**
 * shim_log_records - number of records captured (at most SHIM_LOG_RECORDS).
 * Return: the count.
 */
int shim_log_records(void);

/**
 * shim_log_record - one captured record, prefix stripped, NUL-terminated.
 * @i: index, 0 = oldest; @level: if not NULL, receives its level.
 * Return: the text, or NULL if @i is out of range.
 */
const char *shim_log_record(int i, int *level);

/**
 * shim_log_text - all captured text concatenated, as the console would show it.
 * Return: a NUL-terminated string owned by the shim.
 */
const char *shim_log_text(void);

/* shim_log_echo - also copy each record to stderr (for debugging a test). */
void shim_log_echo(bool on);

#endif /* TESTS_HOST_SHIM_H */
