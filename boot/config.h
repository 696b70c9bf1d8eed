/*
 * boot/config.h - the loader's settings from \kholab.cfg (pure parser,
 * host-testable).
 */
#ifndef BOOT_CONFIG_H
#define BOOT_CONFIG_H

#include <kholab/types.h>

enum load_mode {
	LOAD_AUTO = 0,		/* highest 2 MiB slot below 4 GiB */
	LOAD_RANDOM,		/* random 2 MiB slot in conventional memory */
	LOAD_FIXED,		/* exactly at boot_config.load_addr */
};

enum test_corrupt {
	CORRUPT_NONE = 0,
	CORRUPT_MAGIC,
	CORRUPT_VERSION,	/* version = 99 */
	CORRUPT_SIZE,		/* size = 8 */
};

#define CONFIG_ERR_MAX	192

/**
 * struct boot_config - parsed kholab.cfg.
 * @exit_port: isa-debug-exit port written on loader failure, if @has_exit_port
 * @seed:      seed for load_addr=random, if @has_seed
 * @err:       after a failed parse, a message naming the line, key and the
 *             accepted values
 */
struct boot_config {
	enum load_mode load_mode;
	u64 load_addr;
	bool has_exit_port;
	u16 exit_port;
	enum test_corrupt corrupt;
	bool has_seed;
	u64 seed;
	char err[CONFIG_ERR_MAX];
};

/* Fill @cfg with the defaults used when kholab.cfg is missing. */
void config_defaults(struct boot_config *cfg);

/*
 * Parse @len bytes of kholab.cfg text into @cfg (defaults first).  Returns
 * 0, or -EINVAL with @cfg->err saying what was wrong.
 */
int config_parse(const char *text, u64 len, struct boot_config *cfg);

#endif /* BOOT_CONFIG_H */
