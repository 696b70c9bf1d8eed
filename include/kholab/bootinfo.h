/*
 * kholab/bootinfo.h - the one structure the loader, and the kexec path
 * (init/kexec.c) for the next generation, hand to the kernel.
 *
 * DOC: boot-info protocol
 *
 * The loader fills one struct kholab_bootinfo in pages of its own memory
 * type and passes its physical address in %rdi to the kernel entry point.
 * Everything the structure points to is a plain u64 physical address, never
 * a C pointer, so the loader (identity mapped, UEFI) and the kernel (higher
 * half) agree whatever their address spaces are.
 *
 * Versioning: @magic never changes.  @version is bumped whenever a field
 * changes meaning or moves; the kernel refuses any version but its own and
 * says both numbers.  @size is sizeof(struct kholab_bootinfo) as the writer
 * knew it, so a reader can detect truncation.  Every offset below is pinned
 * with static_assert, including the ones that kernel/entry.asm reads before
 * paging is set up.  Fields added later in space that was reserved (and
 * zero) keep the version: zero means "none" for them (@modules_phys).
 *
 * The memory map is in kholab's own type enum (enum kholab_mem_type); the raw
 * UEFI type is kept next to it for the record.  Handoff records form a
 * singly linked list in the spirit of Linux's x86 setup_data list: a 16-byte
 * header {next, type, len} followed by @len bytes of payload.  A cold boot
 * has none; KHO adds a record of type KHOLAB_HANDOFF_KHO (10, Linux's
 * SETUP_KEXEC_KHO) whose payload is Linux's 32-byte struct kho_data.
 */
#ifndef KHOLAB_BOOTINFO_H
#define KHOLAB_BOOTINFO_H

#include <kholab/types.h>

#define KHOLAB_BOOTINFO_MAGIC	0x4f464e49424c484bULL	/* "KHLBINFO" */
#define KHOLAB_BOOTINFO_VERSION	1

/*
 * The loader allocates the kernel image, the ELF copy and the boot info with
 * UEFI memory types from the OS-loader range (0x80000000 and up), so that
 * the final UEFI memory map itself says which ranges they are:
 * KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL) and so on.
 */
#define KHOLAB_EFI_TYPE(t)	(0x80000000u | (u32)(t))

/* Upper bound on memory map entries a boot-info may carry. */
#define KHOLAB_MMAP_MAX		512
/* Upper bound on the command line, including the terminating NUL. */
#define KHOLAB_CMDLINE_MAX	1024

/**
 * enum kholab_mem_type - what a physical range is, in the kernel's words.
 *
 * USABLE is RAM the kernel may allocate once it has consumed the boot info
 * (UEFI conventional, boot-services and loader code/data).  KERNEL,
 * KERNEL_ELF and BOOTINFO are RAM the loader filled for the kernel: usable
 * RAM, but reserved until the kernel says otherwise.
 */
enum kholab_mem_type {
	KHOLAB_MEM_RESERVED = 0,	/* firmware reserved, unknown, MMIO */
	KHOLAB_MEM_USABLE = 1,
	KHOLAB_MEM_ACPI_RECLAIM = 2,
	KHOLAB_MEM_ACPI_NVS = 3,
	KHOLAB_MEM_UNUSABLE = 4,	/* UEFI reported errors in it */
	KHOLAB_MEM_RUNTIME = 5,		/* UEFI runtime services code/data */
	KHOLAB_MEM_MMIO = 6,
	KHOLAB_MEM_PERSISTENT = 7,
	KHOLAB_MEM_KERNEL = 8,		/* the loaded kernel image (memsz) */
	KHOLAB_MEM_KERNEL_ELF = 9,	/* the copy of the kernel ELF file */
	KHOLAB_MEM_BOOTINFO = 10,	/* this structure, its map, cmdline */
	KHOLAB_MEM_LOADER_DATA = 11,	/* other loader data still in use */
	KHOLAB_MEM_NR_TYPES
};

/* True for types that are RAM the kernel owns (mem_usable_bytes counts them). */
static inline bool kholab_mem_is_ram(u32 type)
{
	return type == KHOLAB_MEM_USABLE || type == KHOLAB_MEM_KERNEL ||
	       type == KHOLAB_MEM_KERNEL_ELF || type == KHOLAB_MEM_BOOTINFO ||
	       type == KHOLAB_MEM_LOADER_DATA;
}

/**
 * struct kholab_mmap_entry - one physical range; entries are sorted by
 * @base and do not overlap.
 */
struct kholab_mmap_entry {
	u64 base;
	u64 size;
	u32 type;		/* enum kholab_mem_type */
	u32 efi_type;		/* raw UEFI type, or ~0u if not from UEFI */
};

/* Handoff record types (values follow Linux's x86 setup_data types). */
#define KHOLAB_HANDOFF_KHO	10	/* SETUP_KEXEC_KHO: struct kho_data */

/**
 * struct kholab_handoff - header of one handoff record; @len payload bytes
 * follow the header immediately.  @next is the physical address of the next
 * record, 0 at the end of the list.
 */
struct kholab_handoff {
	u64 next;
	u32 type;
	u32 len;
	u8 data[];
};

/**
 * struct kho_data - Linux's x86 KHO handoff payload (32 bytes, packed).
 * @fdt_addr:     physical address of the KHO root FDT
 * @fdt_size:     its size (one page)
 * @scratch_addr: physical address of the struct kho_scratch array
 * @scratch_size: size of that array in bytes
 */
struct kho_data {
	u64 fdt_addr;
	u64 fdt_size;
	u64 scratch_addr;
	u64 scratch_size;
} __attribute__((packed));

/* bootinfo flags */
#define KHOLAB_BI_FLAG_UEFI	(1u << 0)	/* produced by the UEFI loader */
#define KHOLAB_BI_FLAG_KEXEC	(1u << 1)	/* produced by kexec */
#define KHOLAB_BI_FLAG_BZIMAGE	(1u << 2)	/* produced by the x86 boot-protocol adapter */
#define KHOLAB_BI_FLAG_PVH	(1u << 3)	/* produced by the PVH adapter (direct boot) */

/* Most modules a boot info lists, and the longest name (with its NUL). */
#define KHOLAB_MODULES_MAX	8
#define KHOLAB_MODULE_NAME	48

/**
 * struct kholab_module - a file the boot path put in memory for the kernel,
 * e.g. "linux/bzImage" and "linux/initrd" for kexec.next=linux.  Its range
 * is KHOLAB_MEM_LOADER_DATA in the memory map, so the kernel keeps it.
 */
struct kholab_module {
	u64 phys;
	u64 size;
	char name[KHOLAB_MODULE_NAME];	/* NUL-terminated path, no leading '/' */
};

/**
 * struct kholab_bootinfo - the loader -> kernel (and kernel -> next kernel)
 * contract.  All addresses are physical.
 */
struct kholab_bootinfo {
	u64 magic;		/* KHOLAB_BOOTINFO_MAGIC */
	u32 version;		/* KHOLAB_BOOTINFO_VERSION */
	u32 size;		/* sizeof(struct kholab_bootinfo) of the writer */
	u64 generation;		/* 0 on a cold boot, +1 per kexec */
	u64 rsdp_phys;		/* ACPI 2.0+ RSDP, 0 if none was found */
	u64 cmdline_phys;	/* NUL-terminated kernel command line */
	u32 cmdline_len;	/* strlen of the command line */
	u32 flags;		/* KHOLAB_BI_FLAG_* */
	u64 kernel_phys;	/* where the image (lowest PT_LOAD) starts */
	u64 kernel_size;	/* bytes from kernel_phys to the end of memsz */
	u64 kernel_virt;	/* link address that kernel_phys is mapped at */
	u64 elf_phys;		/* copy of the kernel ELF file, for kexec */
	u64 elf_size;
	u64 mmap_phys;		/* array of struct kholab_mmap_entry */
	u32 mmap_count;
	u32 mmap_entry_size;	/* sizeof(struct kholab_mmap_entry) */
	u64 handoff_phys;	/* first struct kholab_handoff, 0 if none */
	u64 phys_top;		/* end of the highest RAM range (for entry.asm) */
	u64 self_phys;		/* physical address of this structure */
	u64 self_size;		/* bytes reserved for it, map and cmdline */
	u64 loader_tsc;		/* TSC when the loader jumped to the kernel */
	u64 modules_phys;	/* array of struct kholab_module, 0 if none */
	u32 modules_count;
	u32 reserved32;		/* zero */
	u64 reserved[2];	/* zero */
};

/* The layout is a contract: pin it. */
_Static_assert(sizeof(struct kholab_mmap_entry) == 24, "mmap entry layout");
_Static_assert(sizeof(struct kholab_handoff) == 16, "handoff header layout");
_Static_assert(sizeof(struct kho_data) == 32, "kho_data layout (Linux ABI)");
_Static_assert(offsetof(struct kho_data, scratch_addr) == 16, "kho_data");
_Static_assert(offsetof(struct kholab_bootinfo, version) == 8, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, size) == 12, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, generation) == 16, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, rsdp_phys) == 24, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, cmdline_phys) == 32, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, cmdline_len) == 40, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, flags) == 44, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, kernel_phys) == 48, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, kernel_size) == 56, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, kernel_virt) == 64, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, elf_phys) == 72, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, elf_size) == 80, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, mmap_phys) == 88, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, mmap_count) == 96, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, mmap_entry_size) == 100, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, handoff_phys) == 104, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, phys_top) == 112, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, self_phys) == 120, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, self_size) == 128, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, loader_tsc) == 136, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, modules_phys) == 144, "bootinfo");
_Static_assert(offsetof(struct kholab_bootinfo, modules_count) == 152, "bootinfo");
_Static_assert(sizeof(struct kholab_bootinfo) == 176, "bootinfo size");
_Static_assert(sizeof(struct kholab_module) == 64, "module layout");

#endif /* KHOLAB_BOOTINFO_H */
