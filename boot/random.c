/*
 * boot/random.c - random numbers for load_addr=random: RDRAND when CPUID
 * has it, else the TSC; a configured seed makes the sequence reproducible.
 */
#include "boot/loader.h"

/* Mix @x into a well-spread 64-bit value (splitmix64 finaliser). */
static u64 mix(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* True if CPUID.1:ECX bit 30 (RDRAND) is set. */
static bool have_rdrand(void)
{
	u32 a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 30) & 1;
}

/* Try RDRAND a few times; true with *@v filled if it delivered. */
static bool rdrand(u64 *v)
{
	unsigned char ok;
	int i;

	for (i = 0; i < 10; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/*
 * Return random value number @round: from the seed when one is configured
 * (reproducible placement), else RDRAND, else the TSC.
 */
u64 random_u64(const struct boot_config *cfg, u64 round)
{
	u64 v;

	if (cfg->has_seed)
		return mix(cfg->seed + round * 0x9e3779b97f4a7c15ULL);
	if (have_rdrand() && rdrand(&v))
		return v;
	return mix(rdtsc() ^ round);
}
