/*
 * kholab/x86_boot.h - the x86 Linux boot protocol, as data: the setup
 * header at offset 0x1f1 of a bzImage, the 4096-byte boot_params page a
 * loader hands to the 64-bit entry at (load address + 0x200) in %rsi, and
 * the e820 entries inside it.
 *
 * DOC: x86 boot protocol
 *
 * kholab meets it twice: build/kholab.bzImage carries such a header so a
 * Linux kexec_file_load() accepts it and its adapter (boot/adapter/bzimage.c) turns
 * the boot_params it receives into a struct kholab_bootinfo; and
 * kexec.next=linux (init/kexec_linux.c) reads a Linux bzImage's header
 * and builds boot_params for it.  Only the fields either side uses are
 * named; everything else is padding that must stay zero.  Offsets are the
 * protocol's and are pinned below; all values are little-endian.
 */
#ifndef KHOLAB_X86_BOOT_H
#define KHOLAB_X86_BOOT_H

#include <kholab/types.h>

#define X86_BOOT_HDR_OFFSET	0x1f1		/* setup header inside the file and boot_params */
#define X86_BOOT_FLAG		0xaa55
#define X86_BOOT_MAGIC		0x53726448	/* "HdrS" */
#define X86_BOOT_MIN_VERSION	0x020c		/* what Linux's kexec_file_load requires */
#define X86_BOOT_ENTRY64	0x200		/* 64-bit entry, from the protected-mode part */
#define X86_LOADED_HIGH		0x01		/* loadflags */
#define XLF_KERNEL_64		(1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define XLF_5LEVEL		(1u << 5)
#define X86_E820_MAX		128
#define X86_E820_RAM		1
#define X86_E820_RESERVED	2
#define X86_E820_ACPI		3
#define X86_E820_NVS		4
#define X86_E820_UNUSABLE	5
#define X86_E820_PMEM		7
#define X86_E820_PRAM		12
#define X86_SETUP_KEXEC_KHO	10		/* setup_data type of the KHO record */

/* struct x86_setup_header - file offset 0x1f1 .. 0x26b of a bzImage. */
struct x86_setup_header {
	u8 setup_sects;
	u16 root_flags;
	u32 syssize;
	u16 ram_size;
	u16 vid_mode;
	u16 root_dev;
	u16 boot_flag;
	u16 jump;
	u32 header;
	u16 version;
	u32 realmode_swtch;
	u16 start_sys_seg;
	u16 kernel_version;
	u8 type_of_loader;
	u8 loadflags;
	u16 setup_move_size;
	u32 code32_start;
	u32 ramdisk_image;
	u32 ramdisk_size;
	u32 bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver;
	u8 ext_loader_type;
	u32 cmd_line_ptr;
	u32 initrd_addr_max;
	u32 kernel_alignment;
	u8 relocatable_kernel;
	u8 min_alignment;
	u16 xloadflags;
	u32 cmdline_size;
	u32 hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset;
	u32 payload_length;
	u64 setup_data;
	u64 pref_address;
	u32 init_size;
	u32 handover_offset;
	u32 kernel_info_offset;
} __attribute__((packed));

/* struct x86_e820_entry - one range of the boot_params memory map (20 bytes). */
struct x86_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __attribute__((packed));

/* struct x86_boot_params - the zero page. */
struct x86_boot_params {
	u8 _screen_etc[0x70];
	u64 acpi_rsdp_addr;			/* 0x070 */
	u8 _pad1[0x0c0 - 0x078];
	u32 ext_ramdisk_image;			/* 0x0c0 */
	u32 ext_ramdisk_size;			/* 0x0c4 */
	u32 ext_cmd_line_ptr;			/* 0x0c8 */
	u8 _pad2[0x1e8 - 0x0cc];
	u8 e820_entries;			/* 0x1e8 */
	u8 _pad3[0x1ef - 0x1e9];
	u8 sentinel;				/* 0x1ef: must be 0 */
	u8 _pad4;
	struct x86_setup_header hdr;		/* 0x1f1 */
	u8 _pad5[0x2d0 - 0x26c];
	struct x86_e820_entry e820_table[X86_E820_MAX];	/* 0x2d0 */
	u8 _pad6[0x1000 - 0xcd0];
} __attribute__((packed));

_Static_assert(sizeof(struct x86_setup_header) == 0x26c - 0x1f1, "setup header size");
_Static_assert(__builtin_offsetof(struct x86_setup_header, boot_flag) == 0x1fe - 0x1f1, "boot_flag");
_Static_assert(__builtin_offsetof(struct x86_setup_header, header) == 0x202 - 0x1f1, "HdrS");
_Static_assert(__builtin_offsetof(struct x86_setup_header, type_of_loader) == 0x210 - 0x1f1, "type_of_loader");
_Static_assert(__builtin_offsetof(struct x86_setup_header, ramdisk_image) == 0x218 - 0x1f1, "ramdisk_image");
_Static_assert(__builtin_offsetof(struct x86_setup_header, cmd_line_ptr) == 0x228 - 0x1f1, "cmd_line_ptr");
_Static_assert(__builtin_offsetof(struct x86_setup_header, kernel_alignment) == 0x230 - 0x1f1, "kernel_alignment");
_Static_assert(__builtin_offsetof(struct x86_setup_header, xloadflags) == 0x236 - 0x1f1, "xloadflags");
_Static_assert(__builtin_offsetof(struct x86_setup_header, cmdline_size) == 0x238 - 0x1f1, "cmdline_size");
_Static_assert(__builtin_offsetof(struct x86_setup_header, setup_data) == 0x250 - 0x1f1, "setup_data");
_Static_assert(__builtin_offsetof(struct x86_setup_header, pref_address) == 0x258 - 0x1f1, "pref_address");
_Static_assert(__builtin_offsetof(struct x86_setup_header, init_size) == 0x260 - 0x1f1, "init_size");
_Static_assert(sizeof(struct x86_e820_entry) == 20, "e820 entry");
_Static_assert(__builtin_offsetof(struct x86_boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(__builtin_offsetof(struct x86_boot_params, ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(__builtin_offsetof(struct x86_boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(__builtin_offsetof(struct x86_boot_params, sentinel) == 0x1ef, "sentinel");
_Static_assert(__builtin_offsetof(struct x86_boot_params, hdr) == 0x1f1, "hdr");
_Static_assert(__builtin_offsetof(struct x86_boot_params, e820_table) == 0x2d0, "e820_table");
_Static_assert(sizeof(struct x86_boot_params) == 4096, "boot_params is one page");

#endif /* KHOLAB_X86_BOOT_H */
