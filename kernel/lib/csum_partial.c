/*
 * kernel/lib/csum_partial.c - csum_partial() with x86-64 Linux's exact
 * carry behaviour, in portable C.
 *
 * Linux adds 64-bit words with a chain of add-with-carry instructions and
 * then adds the last carry back once (dropping that addition's own
 * carry).  For long buffers it keeps two such accumulators, one for each
 * half of every 80-byte block, and adds the second into the first at the
 * end.  The tail is added in 40/32/16/8-byte steps and a final 1..7-byte
 * little-endian word, and the 64-bit result is folded to 32 bits.  Which
 * words go into which accumulator and where carries are dropped decides
 * whether a sum comes out as 0 or 0xffffffff, so this follows the same
 * grouping exactly.
 */
#include <kernel/checksum.h>
#include <string.h>

/* add_words - @acc + @n little-endian words at @p with a carry chain, then the last carry once. */
static u64 add_words(u64 acc, const u8 *p, int n)
{
	u64 carry = 0;

	for (int i = 0; i < n; i++) {
		unsigned __int128 t;
		u64 w;

		/*
		 * x86 is little-endian.  __builtin_memcpy: the kernel is built
		 * -fno-builtin, and a real memcpy() call per word (rep movsb)
		 * made a 256 MiB checksum take seconds under TCG; this is one load.
		 */
		__builtin_memcpy(&w, p + 8 * i, 8);
		t = (unsigned __int128)acc + w + carry;	/* 65 bits */
		acc = (u64)t;
		carry = (u64)(t >> 64);
	}
	return acc + carry;	/* its own carry-out is dropped */
}

/* fold - 64 bits to 32 with end-around carry. */
static u32 fold(u64 acc)
{
	u64 s = (acc & 0xffffffffULL) + (acc >> 32);

	return (u32)((s + (s >> 32)) & 0xffffffffULL);
}

/* csum_partial - see checksum.h. */
u32 csum_partial(const void *buf, u64 len, u32 sum)
{
	const u8 *p = buf;
	u64 a = sum;

	if (len >= 80) {
		u64 b = 0;

		for (; len >= 80; p += 80, len -= 80) {
			a = add_words(a, p, 5);
			b = add_words(b, p + 40, 5);
		}
		a = add_words(a, (const u8 *)&b, 1);
	}
	if (len >= 40) {
		a = add_words(a, p, 5);
		p += 40;
		len -= 40;
	}
	if (len & 32) {
		a = add_words(a, p, 4);
		p += 32;
	}
	if (len & 16) {
		a = add_words(a, p, 2);
		p += 16;
	}
	if (len & 8) {
		a = add_words(a, p, 1);
		p += 8;
	}
	if (len & 7) {
		u8 tail[8] = { 0 };

		__builtin_memcpy(tail, p, len & 7);
		a = add_words(a, tail, 1);
	}
	return fold(a);
}
