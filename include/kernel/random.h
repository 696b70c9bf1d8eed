/*
 * kernel/random.h - a small deterministic pseudo-random generator for the
 * stress tests and fault injectors: Marsaglia's xorshift64 (shifts 13, 7,
 * 17).  Seeded by the caller, so a failing run can be repeated with its
 * seed.  Not for anything that must be unpredictable.
 */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <kholab/types.h>

/* xorshift64 - advance *@state (never 0) and return the new value. */
static inline u64 xorshift64(u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif /* KERNEL_RANDOM_H */
