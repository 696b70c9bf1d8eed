/*
 * kernel/printk.h - leveled kernel log to the serial console.
 *
 * Each line is "[seconds.micros] prefix: message"; the timestamp comes from
 * the calibrated TSC (kernel/tsc.c).  A file sets its prefix once by
 * defining pr_fmt() before including this header, as Linux does:
 *     #define pr_fmt(fmt) "memblock: " fmt
 * Messages above the console loglevel (loglevel=) are dropped.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stdbool.h>

#define KERN_SOH	"\001"
#define KERN_EMERG	KERN_SOH "0"
#define KERN_ALERT	KERN_SOH "1"
#define KERN_CRIT	KERN_SOH "2"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"
#define KERN_CONT	KERN_SOH "c"	/* continue the previous line */

#define LOGLEVEL_DEFAULT	6	/* messages of level <= this are shown */

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

/**
 * printk - format and log one message.
 * @fmt: optional KERN_* level prefix, then a printf-style format.
 *
 * Return: the number of characters formatted (before truncation).
 */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vprintk - printk() with a va_list. */
int vprintk(const char *fmt, va_list ap);

/* Longest message text kept, with its NUL; a longer one ends in "...\n". */
#define PRINTK_MSG_MAX	512

/**
 * struct printk_msg - one message, prefix read and text formatted.
 * @level: the KERN_* level (LOGLEVEL_DEFAULT when the format had none)
 * @cont:  KERN_CONT: the text continues the previous line
 * @len:   the formatted length before truncation (what printk() returns)
 * @text:  the text, NUL-terminated
 */
struct printk_msg {
	int level;
	bool cont;
	int len;
	char text[PRINTK_MSG_MAX];
};

/**
 * printk_emit - output one message; vprintk() (kernel/printk.c) calls it.
 * The kernel's is the serial console (kernel/console.c), the host tests'
 * the shim's capture log.
 */
void printk_emit(const struct printk_msg *m);

#define pr_emerg(fmt, ...)	printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...)	printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...)	printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	printk(KERN_DEBUG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...)	printk(KERN_CONT fmt, ##__VA_ARGS__)

/* Console loglevel; set from the loglevel= parameter. */
extern int console_loglevel;

#endif /* KERNEL_PRINTK_H */
