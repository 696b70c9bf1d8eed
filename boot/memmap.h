/*
 * boot/memmap.h - turning the UEFI memory map into kholab's (pure code,
 * host-testable; the UEFI descriptor layout is restated here so this file
 * needs no UEFI headers).
 */
#ifndef BOOT_MEMMAP_H
#define BOOT_MEMMAP_H

#include <kholab/bootinfo.h>

/* UEFI memory types (UEFI 2.x, EFI_MEMORY_TYPE). */
enum {
	EFI_MT_RESERVED = 0,
	EFI_MT_LOADER_CODE = 1,
	EFI_MT_LOADER_DATA = 2,
	EFI_MT_BS_CODE = 3,
	EFI_MT_BS_DATA = 4,
	EFI_MT_RT_CODE = 5,
	EFI_MT_RT_DATA = 6,
	EFI_MT_CONVENTIONAL = 7,
	EFI_MT_UNUSABLE = 8,
	EFI_MT_ACPI_RECLAIM = 9,
	EFI_MT_ACPI_NVS = 10,
	EFI_MT_MMIO = 11,
	EFI_MT_MMIO_PORT = 12,
	EFI_MT_PAL_CODE = 13,
	EFI_MT_PERSISTENT = 14,
};

#define EFI_PAGE_BYTES	4096ULL

/* One UEFI memory descriptor as the firmware lays it out (stride may differ). */
struct efi_mdesc {
	u32 type;
	u32 pad;
	u64 phys_start;
	u64 virt_start;
	u64 pages;
	u64 attribute;
};

/* Map one raw UEFI memory type to enum kholab_mem_type. */
u32 memmap_kholab_type(u32 efi_type);

/*
 * Convert the UEFI map (@map_size bytes, descriptors @desc_size apart) into
 * @out (room for @max entries): sorted by base, contiguous ranges of equal
 * kholab type merged.  Sets *@count and *@phys_top (end of the highest RAM
 * or ACPI range).  Returns 0, -E2BIG if more than @max entries remain, or
 * -EINVAL for a malformed map (bad stride, overflowing or overlapping range).
 */
int memmap_convert(const void *map, u64 map_size, u64 desc_size,
		   struct kholab_mmap_entry *out, u32 max, u32 *count,
		   u64 *phys_top);

#endif /* BOOT_MEMMAP_H */
