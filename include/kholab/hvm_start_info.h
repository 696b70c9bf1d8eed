/*
 * kholab/hvm_start_info.h - the PVH direct-boot protocol, as data: the ELF
 * note that names a 32-bit entry point, and the start-of-day block a PVH
 * loader (QEMU's pvh option ROM, Firecracker, Cloud Hypervisor, Xen) leaves
 * for that entry in %ebx.
 *
 * DOC: PVH boot protocol
 *
 * A PVH kernel is a plain ELF file whose PT_NOTE holds a note of name "Xen"
 * and type XEN_ELFNOTE_PHYS32_ENTRY (18); its descriptor is the physical
 * address of the entry.  The loader puts the PT_LOAD segments at their
 * physical addresses (p_paddr) and jumps there in 32-bit protected mode,
 * paging off, flat CS/DS/ES/SS, interrupts off, with %ebx = the physical
 * address of a struct hvm_start_info.  Version 1 of that block adds the
 * memory map (E820 types); version 0 has none, so kholab needs version 1.
 * Addresses in it are physical; 0 means "not given".  Layouts are the
 * protocol's and are pinned below; all values are little-endian.
 * boot/adapter/pvh.c turns the block into a struct kholab_bootinfo.
 */
#ifndef KHOLAB_HVM_START_INFO_H
#define KHOLAB_HVM_START_INFO_H

#include <kholab/types.h>

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define HVM_START_MAGIC			0x336ec578	/* "xEn3", 0x80 set in 'E' */
#define HVM_START_MIN_VERSION		1		/* the first with a memory map */

/* Memory map entry types (the E820 values). */
#define HVM_MEMMAP_RAM			1
#define HVM_MEMMAP_RESERVED		2
#define HVM_MEMMAP_ACPI			3
#define HVM_MEMMAP_NVS			4
#define HVM_MEMMAP_UNUSABLE		5
#define HVM_MEMMAP_DISABLED		6
#define HVM_MEMMAP_PMEM			7

/**
 * struct hvm_start_info - the block %ebx points at on entry.
 * @magic:          HVM_START_MAGIC
 * @version:        0 or 1; the fields from @memmap_paddr on exist from 1
 * @flags:          SIF_* flags (none matter to kholab)
 * @nr_modules:     entries in the module list
 * @modlist_paddr:  array of struct hvm_modlist_entry
 * @cmdline_paddr:  NUL-terminated kernel command line
 * @rsdp_paddr:     ACPI RSDP
 * @memmap_paddr:   array of struct hvm_memmap_entry
 * @memmap_entries: its length
 */
struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

/* struct hvm_modlist_entry - one module (QEMU: the -initrd file). */
struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
};

/* struct hvm_memmap_entry - one physical range and its E820 type. */
struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "hvm_start_info");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "hvm_start_info");
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
_Static_assert(offsetof(struct hvm_memmap_entry, type) == 16, "hvm_memmap_entry");
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "hvm_memmap_entry size");

#endif /* KHOLAB_HVM_START_INFO_H */
