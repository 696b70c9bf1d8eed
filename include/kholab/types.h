/*
 * kholab/types.h - fixed-width integer names shared by the loader, the
 * kernel and the host tests.
 *
 * The kernel is freestanding; <stdint.h>, <stddef.h> and <stdbool.h> are
 * provided by gcc itself even with -ffreestanding, so we build on them.
 */
#ifndef KHOLAB_TYPES_H
#define KHOLAB_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;

#endif /* KHOLAB_TYPES_H */
