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
int vprintk(const char *fmt, va_list ap);

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
