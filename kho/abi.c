/*
 * kho/abi.c - the wire formats this kernel speaks: which one it writes,
 * and which one a received root FDT is written in.
 *
 * DOC: the table of wire formats
 *
 * Each format is one kho/abi_<name>.c defining a struct kho_abi
 * (include/kho/kho_internal.h) and one row of abis[] below; nothing else
 * in kho/ names a format.  The first row is the default (kho.abi= unset);
 * kho.abi= words are the rows' names.  A receiver recognises a format
 * only by the root FDT's compatible string, compared byte for byte
 * including its NUL; anything else is refused by kho/validate.c with the
 * list kho_abi_names() gives.
 */
#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <string.h>
#include <errno.h>

/* One row per format, the default first: kho/abi_v4.c, kho/abi_v1.c. */
extern const struct kho_abi kho_abi_v4, kho_abi_v1;
static const struct kho_abi *const abis[] = { &kho_abi_v4, &kho_abi_v1 };

/* kho_abi_send - see kho_internal.h: kho.abi= entry for this generation. */
const struct kho_abi *kho_abi_send(void)
{
	u64 g = kho_stats.gen < kho_cfg.nr_abi ? kho_stats.gen : kho_cfg.nr_abi - 1u;

	return kho_cfg.nr_abi ? abis[kho_cfg.abi[g]] : abis[0];
}

/* kho_abi_sent - see kho_boot.h. */
const char *kho_abi_sent(void)
{
	return kho_abi_send()->compatible;
}

/* kho_parse_abi_arg - see kho_config.h. */
int kho_parse_abi_arg(const char *arg)
{
	u8 list[KHO_ABI_LIST_MAX];
	int n = 0;

	while (*arg) {
		const char *comma = strchr(arg, ',');
		size_t len = comma ? (size_t)(comma - arg) : strlen(arg), i;

		for (i = 0; i < ARRAY_SIZE(abis); i++)
			if (strlen(abis[i]->name) == len && !memcmp(arg, abis[i]->name, len))
				break;
		if (i == ARRAY_SIZE(abis) || n == KHO_ABI_LIST_MAX)
			return -EINVAL;
		list[n++] = (u8)i;
		arg += len;
		if (*arg == ',' && !*++arg)
			return -EINVAL;	/* a trailing comma */
	}
	if (!n)
		return -EINVAL;
	memcpy(kho_cfg.abi, list, sizeof(list));
	kho_cfg.nr_abi = (u8)n;
	return 0;
}

/* kho_abi_find - see kho_internal.h. */
const struct kho_abi *kho_abi_find(const char *compat, int len)
{
	for (size_t i = 0; i < ARRAY_SIZE(abis); i++)
		if (len == (int)strlen(abis[i]->compatible) + 1 &&
		    !memcmp(compat, abis[i]->compatible, (size_t)len))
			return abis[i];
	return NULL;
}

/* kho_abi_names - see kho_internal.h. */
const char *kho_abi_names(void)
{
	static char names[64];
	size_t at = 0;

	for (size_t i = 0; i < ARRAY_SIZE(abis); i++) {
		size_t n = strlen(abis[i]->compatible);

		if (at + n + 3 > sizeof(names))
			break;
		if (i) {
			memcpy(names + at, ", ", 2);
			at += 2;
		}
		memcpy(names + at, abis[i]->compatible, n);
		at += n;
	}
	names[at] = 0;
	return names;
}
