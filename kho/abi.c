/*
 * kho/abi.c - the wire formats this kernel speaks: which one it writes,
 * and which one a received root FDT is written in.
 *
 * A receiver recognises a format only by the root FDT's compatible
 * string, compared byte for byte including its NUL; anything else is
 * refused by kho/validate.c with the list kho_abi_names() gives.
 */
#include <kho/kho_internal.h>
#include <kernel/layout.h>
#include <string.h>

static const struct kho_abi *const abis[] = { &kho_abi_v1 };

/* kho_abi_send - see kho_internal.h. */
const struct kho_abi *kho_abi_send(void)
{
	return abis[0];
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
