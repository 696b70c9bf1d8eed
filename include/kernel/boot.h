/*
 * kernel/boot.h - the kernel's view of the boot info it was handed.
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <kholab/bootinfo.h>

/* This boot's kexec generation (0 on a cold boot), for results events. */
extern u64 kholab_generation;

/**
 * bootinfo_validate - check a boot info before anything in it is trusted.
 * @bi:   the structure (mapped)
 * @why:  receives a one-line reason on failure
 * @len:  size of @why
 *
 * Checks magic, version, size, the memory map's entry size and count, the
 * command line length and the kernel's 2 MiB alignment.  Addresses are not
 * dereferenced here, so the map's contents are not checked (the kernel
 * sorts and de-overlaps it with memory_map_sanitize()).
 *
 * Return: 0, or -EINVAL with @why filled.
 */
int bootinfo_validate(const struct kholab_bootinfo *bi, char *why, size_t len);

/**
 * bootinfo_check_map - is the memory map sorted, non-overlapping and free
 * of wrap-around?  The kernel does not call this: it accepts any map and
 * sanitizes it with memory_map_sanitize().  Only the host tests use it.
 * Return: 0, or -EINVAL with @why filled.
 */
int bootinfo_check_map(const struct kholab_mmap_entry *map, u32 count, char *why, size_t len);

/* bootinfo_usable_bytes - sum of the map entries that are RAM the kernel owns. */
u64 bootinfo_usable_bytes(const struct kholab_bootinfo *bi,
			  const struct kholab_mmap_entry *map);

/* mem_type_name - short name of an enum kholab_mem_type value. */
const char *mem_type_name(u32 type);

#endif /* KERNEL_BOOT_H */
