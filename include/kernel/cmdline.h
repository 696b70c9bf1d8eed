/*
 * kernel/cmdline.h - the kernel command line: "key=value key2 ..." parsed
 * against one table of known parameters (init/params.c).
 *
 * DOC: boot parameters
 *
 * Every boot switch is one struct kernel_param.  Parsing never fails the
 * boot: an unknown key is reported as a warning naming it and ignored; a bad
 * value is reported as an error naming the key and the accepted values, and
 * the parameter keeps its default.  Numbers accept 0x hex and K/M/G (and T)
 * suffixes (powers of 1024) where the parameter allows a size.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kholab/types.h>

enum param_type {
	PARAM_BOOL,	/* bool: "1/0/y/n/yes/no/on/off/true/false"; bare key = true */
	PARAM_U64,	/* u64 in [min, max]; size suffixes if PARAM_F_SIZE */
	PARAM_ENUM,	/* int index into choices[] */
	PARAM_STR,	/* copies the value into a char buffer of max bytes */
};

#define PARAM_F_SIZE	(1u << 0)	/* accept K/M/G/T suffixes */
#define PARAM_F_PERCENT	(1u << 1)	/* accept a trailing '%' (value kept as is) */

struct kernel_param {
	const char *name;
	enum param_type type;
	unsigned int flags;
	void *value;			/* bool*, u64*, int*, or char[max] */
	const char *const *choices;	/* PARAM_ENUM: NULL-terminated */
	u64 min, max;			/* PARAM_U64 range; PARAM_STR buffer size */
	bool *seen;			/* optional: set when the key was given */
	const char *help;		/* one line for docs and errors */
};

/**
 * parse_cmdline - apply a command line to a parameter table.
 * @cmdline: NUL-terminated "key=value key2 key3=..." (may be NULL/empty)
 * @params:  the table
 * @n:       number of entries in @params
 *
 * Words are separated by spaces or tabs; a value may be double-quoted to
 * contain spaces.  Later occurrences of a key override earlier ones.
 *
 * Return: the number of problems reported (unknown keys plus bad values);
 * 0 when everything was understood.
 */
int parse_cmdline(const char *cmdline, const struct kernel_param *params, size_t n);

/**
 * parse_size - parse an unsigned number with optional 0x prefix and, if
 * @allow_suffix, one K/M/G/T suffix (powers of 1024).
 * @s: the text (whole string must be consumed)
 * @out: result
 *
 * Return: 0, -EINVAL for malformed text, -ERANGE on overflow.
 */
int parse_size(const char *s, bool allow_suffix, u64 *out);

#endif /* KERNEL_CMDLINE_H */
