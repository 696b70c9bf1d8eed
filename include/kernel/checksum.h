/*
 * kernel/checksum.h - the Internet-checksum accumulator Linux's test_kho
 * chains over its folios (kernel/lib/csum_partial.c).
 */
#ifndef KERNEL_CHECKSUM_H
#define KERNEL_CHECKSUM_H

#include <kholab/types.h>

/**
 * csum_partial - add @len bytes at @buf to the 32-bit running sum @sum the
 * way x86-64 Linux does: little-endian 64-bit words with end-around carry,
 * folded to 32 bits, neither folded to 16 bits nor inverted.  Bit for bit
 * the same result as Linux's, including its 0 / 0xffffffff representation,
 * so a sum computed by one kernel can be checked by the other.
 */
u32 csum_partial(const void *buf, u64 len, u32 sum);

#endif /* KERNEL_CHECKSUM_H */
