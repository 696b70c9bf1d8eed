/*
 * boot/loader.h - declarations shared by the UEFI side of the loader (the
 * files that talk to firmware; the pure ones have their own headers).
 */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <kholab/bootinfo.h>
#include <kholab/x86.h>
#include "boot/config.h"
#include "boot/elf_check.h"

#define TWO_MIB		0x200000ULL
#define FOUR_GIB	0x100000000ULL

/* log.c: "kholab-boot: <call> failed: <status> (0x..)" on ConOut. */
void log_efi_error(const CHAR16 *call, EFI_STATUS st);

/* file.c */
EFI_STATUS file_open_root(EFI_HANDLE device, EFI_FILE_HANDLE *root);
EFI_STATUS file_read(EFI_FILE_HANDLE root, const CHAR16 *path, UINT32 mem_type,
		     bool optional, void **buf, UINT64 *size);
EFI_STATUS file_free(void *buf, UINT64 size);

/* random.c */
u64 random_u64(const struct boot_config *cfg, u64 round);

/* place.c */
EFI_STATUS place_kernel(const struct boot_config *cfg, u64 span, u64 *phys);

/* elf.c */
void elf_load_segments(const void *elf, const struct elf_image *img, u64 phys);

/* acpi.c */
u64 acpi_find_rsdp(void);

/* exitbs.c */
EFI_STATUS exit_boot_services(EFI_HANDLE image, void **map, UINTN *map_size,
			      UINTN *desc_size);

/* serial.c (usable after ExitBootServices) */
void serial_puts(const char *s);
void serial_put_hex(u64 v);
void serial_put_dec(u64 v);

#endif /* BOOT_LOADER_H */
