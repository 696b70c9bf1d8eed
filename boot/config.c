/*
 * boot/config.c - parse kholab.cfg: "key=value" lines, '#' starts a comment,
 * blank lines and surrounding spaces ignored.  Any unknown key or bad value
 * is an error whose message names the key and what it accepts.
 */
#include "boot/config.h"
#include "boot/boot_errno.h"
#include "boot/utoa.h"

/* A non-NUL-terminated slice of the config text. */
struct span {
	const char *p;
	u64 n;
};

/* Append the C string @s to @cfg->err (truncating at its end). */
static void err_add(struct boot_config *cfg, const char *s)
{
	u64 i = 0;

	while (cfg->err[i])
		i++;
	while (*s && i + 1 < CONFIG_ERR_MAX)
		cfg->err[i++] = *s++;
	cfg->err[i] = '\0';
}

/* Append the slice @sp to @cfg->err. */
static void err_add_span(struct boot_config *cfg, struct span sp)
{
	char buf[48];
	u64 i;

	for (i = 0; i < sp.n && i + 1 < sizeof(buf); i++)
		buf[i] = sp.p[i];
	buf[i] = '\0';
	err_add(cfg, buf);
}

/* Append the decimal @v to @cfg->err. */
static void err_add_u(struct boot_config *cfg, u64 v)
{
	char buf[UTOA_BUF];

	err_add(cfg, utoa(buf, v, 10));
}

/* Write "kholab.cfg line N: key 'K': WHAT" to @cfg->err; returns -EINVAL. */
static int fail(struct boot_config *cfg, u64 line, struct span key,
		const char *what)
{
	cfg->err[0] = '\0';
	err_add(cfg, "kholab.cfg line ");
	err_add_u(cfg, line);
	err_add(cfg, ": ");
	if (key.n) {
		err_add(cfg, "key '");
		err_add_span(cfg, key);
		err_add(cfg, "': ");
	}
	err_add(cfg, what);
	return -EINVAL;
}

/* True if @sp is exactly the C string @s. */
static bool span_is(struct span sp, const char *s)
{
	u64 i;

	for (i = 0; i < sp.n; i++)
		if (s[i] != sp.p[i])
			return false;
	return s[i] == '\0';
}

/* Drop leading and trailing blanks (space, tab, CR) from @sp. */
static struct span trim(struct span sp)
{
	while (sp.n && (sp.p[0] == ' ' || sp.p[0] == '\t' || sp.p[0] == '\r')) {
		sp.p++;
		sp.n--;
	}
	while (sp.n && (sp.p[sp.n - 1] == ' ' || sp.p[sp.n - 1] == '\t' ||
			sp.p[sp.n - 1] == '\r'))
		sp.n--;
	return sp;
}

/* Parse "0x" followed by 1..16 hex digits into *@v.  0 or -EINVAL. */
static int parse_hex(struct span sp, u64 *v)
{
	u64 i, x = 0;
	int d;

	if (sp.n < 3 || sp.n > 18 || sp.p[0] != '0' ||
	    (sp.p[1] != 'x' && sp.p[1] != 'X'))
		return -EINVAL;
	for (i = 2; i < sp.n; i++) {
		char c = sp.p[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		x = x << 4 | (u64)d;
	}
	*v = x;
	return 0;
}

/* Parse a decimal or 0x-hex u64 into *@v, refusing overflow.  0 or -EINVAL. */
static int parse_u64(struct span sp, u64 *v)
{
	u64 i, x = 0;

	if (sp.n > 2 && sp.p[0] == '0' && (sp.p[1] == 'x' || sp.p[1] == 'X'))
		return parse_hex(sp, v);
	if (sp.n == 0)
		return -EINVAL;
	for (i = 0; i < sp.n; i++) {
		u64 d = (u64)(sp.p[i] - '0');

		if (sp.p[i] < '0' || sp.p[i] > '9' || x > (~0ULL - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/*
 * The setters, one per key: store @val in @cfg and return NULL, or return
 * what the key accepts when @val is not one of those.
 */
static const char *set_load_addr(struct boot_config *cfg, struct span val)
{
	u64 v;

	if (span_is(val, "auto")) {
		cfg->load_mode = LOAD_AUTO;
	} else if (span_is(val, "random")) {
		cfg->load_mode = LOAD_RANDOM;
	} else if (parse_hex(val, &v)) {
		return "bad value (accepted: auto, random, 0xHEX aligned to 0x200000)";
	} else if (v & 0x1fffff) {
		return "address is not 2 MiB aligned (accepted: auto, random, 0xHEX aligned to 0x200000)";
	} else {
		cfg->load_mode = LOAD_FIXED;
		cfg->load_addr = v;
	}
	return NULL;
}

static const char *set_exit_port(struct boot_config *cfg, struct span val)
{
	u64 v;

	if (parse_hex(val, &v) || v > 0xffff)
		return "bad value (accepted: 0xHEX I/O port, at most 0xffff)";
	cfg->has_exit_port = true;
	cfg->exit_port = (u16)v;
	return NULL;
}

static const char *set_test_corrupt(struct boot_config *cfg, struct span val)
{
	static const char *const names[] = {
		[CORRUPT_NONE] = "none",
		[CORRUPT_MAGIC] = "magic",
		[CORRUPT_VERSION] = "version",
		[CORRUPT_SIZE] = "size",
	};

	for (u32 i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (span_is(val, names[i])) {
			cfg->corrupt = (enum test_corrupt)i;
			return NULL;
		}
	}
	return "bad value (accepted: none, magic, version, size)";
}

static const char *set_seed(struct boot_config *cfg, struct span val)
{
	u64 v;

	if (parse_u64(val, &v))
		return "bad value (accepted: a decimal or 0xHEX 64-bit number)";
	cfg->has_seed = true;
	cfg->seed = v;
	return NULL;
}

/* Every key kholab.cfg knows, and its setter. */
static const struct {
	const char *name;
	const char *(*set)(struct boot_config *cfg, struct span val);
} config_keys[] = {
	{ "load_addr", set_load_addr },
	{ "exit_port", set_exit_port },
	{ "test_corrupt", set_test_corrupt },
	{ "seed", set_seed },
};

#define NR_CONFIG_KEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

/* Apply one "key=value" pair to @cfg.  0 or -EINVAL with @cfg->err set. */
static int apply(struct boot_config *cfg, u64 line, struct span key,
		 struct span val)
{
	const char *why;

	for (u32 i = 0; i < NR_CONFIG_KEYS; i++) {
		if (!span_is(key, config_keys[i].name))
			continue;
		why = config_keys[i].set(cfg, val);
		return why ? fail(cfg, line, key, why) : 0;
	}
	fail(cfg, line, key, "unknown key (accepted keys: ");
	for (u32 i = 0; i < NR_CONFIG_KEYS; i++) {
		err_add(cfg, i ? ", " : "");
		err_add(cfg, config_keys[i].name);
	}
	err_add(cfg, ")");
	return -EINVAL;
}

/* Parse one line (without its '\n') numbered @line.  0 or -EINVAL. */
static int parse_line(struct boot_config *cfg, u64 line, struct span sp)
{
	struct span key, val, none = { 0, 0 };
	u64 i;

	for (i = 0; i < sp.n; i++)
		if (sp.p[i] == '#')
			sp.n = i;
	sp = trim(sp);
	if (sp.n == 0)
		return 0;
	for (i = 0; i < sp.n && sp.p[i] != '='; i++)
		;
	if (i == sp.n)
		return fail(cfg, line, none, "expected key=value");
	key = trim((struct span){ sp.p, i });
	val = trim((struct span){ sp.p + i + 1, sp.n - i - 1 });
	if (key.n == 0)
		return fail(cfg, line, none, "missing key before '='");
	return apply(cfg, line, key, val);
}

/* Fill @cfg with the defaults used when kholab.cfg is missing. */
void config_defaults(struct boot_config *cfg)
{
	__builtin_memset(cfg, 0, sizeof(*cfg));
	cfg->load_mode = LOAD_AUTO;
	cfg->corrupt = CORRUPT_NONE;
}

/*
 * Parse @len bytes of kholab.cfg text into @cfg (defaults first).  Returns
 * 0, or -EINVAL with @cfg->err saying what was wrong.
 */
int config_parse(const char *text, u64 len, struct boot_config *cfg)
{
	u64 start = 0, i, line = 1;
	int ret;

	config_defaults(cfg);
	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i < len || i > start) {
			ret = parse_line(cfg, line,
					 (struct span){ text + start, i - start });
			if (ret)
				return ret;
		}
		start = i + 1;
		line++;
	}
	return 0;
}
