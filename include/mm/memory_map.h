/*
 * mm/memory_map.h - the boot info's memory map: put in order, then handed
 * to memblock.
 *
 * DOC: sanitizing the memory map
 *
 * The name says what the file works on: the memory map of struct
 * kholab_bootinfo (KHOLAB_MMAP_MAX entries of struct kholab_mmap_entry).
 * Linux does the same job in arch/x86/kernel/e820.c, where it is called
 * sanitizing the e820 table (e820__update_table(), formerly
 * sanitize_e820_map()), followed by e820__memblock_setup().  kholab's map
 * is not an E820 table, though: it has kholab's own types, whichever front
 * door built it (from UEFI's map, or from an E820 one).  The file used to
 * be named bootmem_map.c, after bootmem, the boot-time allocator that
 * memblock replaced and Linux 4.20 removed; nothing here allocates.  "memmap"
 * was not an option: in kholab (and Linux) that is the struct page array.
 *
 * The loader (or the previous kernel, on kexec) hands over a map of
 * struct kholab_mmap_entry.  The protocol says it is sorted and free of
 * overlaps, but firmware maps are known to break both promises, so the
 * kernel first puts the map in order with memory_map_sanitize() and then
 * feeds it to memblock with memblock_init_from_map().
 *
 * Sanitizing rules, each fix logged with one pr_warn (prefix "memory_map: "):
 *   - entries of length 0 are dropped;
 *   - an entry whose end passes 2^64 is clipped to end at 2^64 - 1
 *     (exclusive), i.e. its last byte is lost;
 *   - a type outside enum kholab_mem_type becomes KHOLAB_MEM_RESERVED;
 *   - an unsorted map is sorted by base;
 *   - where entries overlap, the overlap takes the more restrictive type:
 *     any non-RAM type beats any RAM type (kholab_mem_is_ram()), and
 *     within each class the order, weakest first, is
 *       RAM:     USABLE < LOADER_DATA < BOOTINFO < KERNEL_ELF < KERNEL
 *       non-RAM: ACPI_RECLAIM < PERSISTENT < ACPI_NVS < RUNTIME < MMIO
 *                < RESERVED < UNUSABLE
 *     (the more a range matters to firmware, hardware or a running owner,
 *     or the less it can be trusted, the stronger its type);
 * and, silently, touching entries of equal type are merged (their efi_type
 * becomes ~0u when the merged entries disagreed on it).
 *
 * memblock_init_from_map() then adds every RAM-type entry to memblock
 * (shrunk inward to whole pages), reserves the kernel image, its ELF copy,
 * the boot info and other loader data, and reserves page 0.  ACPI tables
 * (reclaim and NVS) are not memory to memblock at all, so nothing is ever
 * allocated from them, in this kernel or any kernel it kexecs.
 */
#ifndef MM_MEMORY_MAP_H
#define MM_MEMORY_MAP_H

#include <kholab/types.h>
#include <kholab/bootinfo.h>

/**
 * memory_map_sanitize - sort, de-overlap and merge a memory map in place.
 * @map:   the entries; up to @max of them may be written
 * @count: in: entries in @map; out: entries after sanitizing
 * @max:   capacity of @map (at least *@count)
 *
 * Work happens in a private copy, so on failure @map and *@count are left
 * as they were.  A map larger than KHOLAB_MMAP_MAX entries is refused.
 * Return: 0; -EINVAL for a NULL argument, *@count > @max or *@count >
 * KHOLAB_MMAP_MAX; -ENOSPC when the result needs more than @max entries.
 */
int memory_map_sanitize(struct kholab_mmap_entry *map, u32 *count, u32 max);

/**
 * memblock_init_from_map - describe a sanitized map to memblock.
 * @map:   sorted, non-overlapping entries (see memory_map_sanitize())
 * @count: how many
 *
 * RAM ranges are added on node 0, and KERNEL, KERNEL_ELF, BOOTINFO and
 * LOADER_DATA ranges are reserved with MEMBLOCK_RSRV_KERN on node 0; page 0
 * is always reserved.  numa_init() (mm/numa.c) later moves each region to
 * its node from the ACPI SRAT.
 * Return: 0; -ENOMEM if no whole page of RAM was found (the caller should
 * panic) or memblock ran out of slots.
 */
int memblock_init_from_map(const struct kholab_mmap_entry *map, u32 count);

#endif /* MM_MEMORY_MAP_H */
