/*
 * boot/main.c - efi_main: the kholab loader's whole load sequence, one step
 * after another.  Each step prints its own error; any failure ends in
 * fail(), which also pokes QEMU's isa-debug-exit when kholab.cfg asked.
 */
#include "boot/loader.h"
#include "boot/cmdline.h"
#include "boot/memmap.h"
#include "boot/boot_errno.h"
#include <kholab/exitcodes.h>

#define ELF_EFI_TYPE	((EFI_MEMORY_TYPE)KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL_ELF))
#define BI_EFI_TYPE	((EFI_MEMORY_TYPE)KHOLAB_EFI_TYPE(KHOLAB_MEM_BOOTINFO))
#define BI_MMAP_OFF	sizeof(struct kholab_bootinfo)
#define BI_CMDLINE_OFF	(BI_MMAP_OFF + KHOLAB_MMAP_MAX * sizeof(struct kholab_mmap_entry))
#define BI_BYTES	(BI_CMDLINE_OFF + KHOLAB_CMDLINE_MAX)

static struct boot_config cfg;

/* The failure path: tell QEMU (if configured), then hand @st back. */
static EFI_STATUS fail(EFI_STATUS st)
{
	if (cfg.has_exit_port)
		port_outl(cfg.exit_port, KHOLAB_EXIT_LOADER);
	return st;
}

/* Read and parse \kholab.cfg; a missing file means defaults. */
static EFI_STATUS load_config(EFI_FILE_HANDLE root)
{
	UINT64 size;
	void *text;
	EFI_STATUS st;
	int ret;

	config_defaults(&cfg);
	st = file_read(root, L"\\kholab.cfg", EfiLoaderData, true, &text, &size);
	if (st == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (EFI_ERROR(st))
		return st;
	ret = config_parse(text, size, &cfg);
	st = file_free(text, size);
	if (ret) {
		Print(L"kholab-boot: %a; fix \\kholab.cfg, giving up\n", cfg.err);
		return EFI_INVALID_PARAMETER;
	}
	return st;
}

/* Fill @out from the load options, else \cmdline.txt, else "". */
static EFI_STATUS load_cmdline(EFI_LOADED_IMAGE *li, EFI_FILE_HANDLE root,
			       char *out)
{
	UINT64 size;
	void *text;
	EFI_STATUS st;
	int ret;

	ret = cmdline_from_ucs2(li->LoadOptions, li->LoadOptionsSize, out,
				KHOLAB_CMDLINE_MAX);
	if (ret < 0) {
		Print(L"kholab-boot: load options are longer than %d characters; "
		      L"giving up\n", KHOLAB_CMDLINE_MAX - 1);
		return EFI_INVALID_PARAMETER;
	}
	if (ret > 0)
		return EFI_SUCCESS;
	st = file_read(root, L"\\cmdline.txt", EfiLoaderData, true, &text, &size);
	if (st == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (EFI_ERROR(st))
		return st;
	ret = cmdline_from_text(text, size, out, KHOLAB_CMDLINE_MAX);
	st = file_free(text, size);
	if (ret < 0) {
		Print(L"kholab-boot: \\cmdline.txt %a; giving up\n",
		      ret == -E2BIG ? "is longer than 1023 characters" :
				      "contains a NUL byte");
		return EFI_INVALID_PARAMETER;
	}
	return st;
}

/* Length of the C string @s. */
static u32 cstr_len(const char *s)
{
	u32 n = 0;

	while (s[n])
		n++;
	return n;
}

/* Allocate and zero the boot-info pages into *@bi. */
static EFI_STATUS alloc_bootinfo(struct kholab_bootinfo **bi)
{
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateAnyPages, BI_EFI_TYPE,
			       EFI_SIZE_TO_PAGES(BI_BYTES), &addr);
	if (EFI_ERROR(st)) {
		log_efi_error(L"AllocatePages(bootinfo)", st);
		return st;
	}
	__builtin_memset((void *)addr, 0, EFI_SIZE_TO_PAGES(BI_BYTES) * EFI_PAGE_SIZE);
	*bi = (struct kholab_bootinfo *)addr;
	return EFI_SUCCESS;
}

/* Log every raw UEFI descriptor on COM1 (the format the tests parse). */
static void log_efi_map(const void *map, UINTN size, UINTN dsize)
{
	const EFI_MEMORY_DESCRIPTOR *d;
	UINTN off, n = 0;

	for (off = 0; off + dsize <= size; off += dsize, n++) {
		d = (const EFI_MEMORY_DESCRIPTOR *)((const u8 *)map + off);
		serial_puts("kholab-boot: efi-mmap type=");
		serial_put_dec(d->Type);
		serial_puts(" base=");
		serial_put_hex(d->PhysicalStart);
		serial_puts(" pages=");
		serial_put_dec(d->NumberOfPages);
		serial_puts("\n");
	}
	serial_puts("kholab-boot: efi-mmap end entries=");
	serial_put_dec(n);
	serial_puts("\n");
}

/* Spoil the boot info on purpose when kholab.cfg has test_corrupt=... */
static void apply_test_corrupt(struct kholab_bootinfo *bi)
{
	if (cfg.corrupt == CORRUPT_MAGIC)
		bi->magic = ~KHOLAB_BOOTINFO_MAGIC;
	else if (cfg.corrupt == CORRUPT_VERSION)
		bi->version = 99;
	else if (cfg.corrupt == CORRUPT_SIZE)
		bi->size = 8;
}

/* Read the time-stamp counter. */
static u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Disable interrupts and jump to @entry with @bi in %rdi; never returns. */
static __attribute__((noreturn)) void jump_to_kernel(u64 entry, u64 bi)
{
	__asm__ volatile("cli\n\tjmp *%0" : : "r"(entry), "D"(bi) : "memory");
	__builtin_unreachable();
}

/* After ExitBootServices nothing can be returned to: report and stop. */
static __attribute__((noreturn)) void halt(void)
{
	if (cfg.has_exit_port)
		port_outl(cfg.exit_port, KHOLAB_EXIT_LOADER);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The loader: read config, cmdline and kernel, place it, hand over. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
	struct kholab_bootinfo *bi;
	struct elf_image img;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	UINTN map_size, dsize;
	UINT64 elf_size;
	u64 phys, entry;
	void *elf, *map;
	EFI_STATUS st;
	int ret;

	InitializeLib(image, systab);

	/* 1. Find the volume we were loaded from and read \kholab.cfg. */
	st = BS->HandleProtocol(image, &li_guid, (void **)&li);
	if (EFI_ERROR(st)) {
		log_efi_error(L"HandleProtocol(LoadedImage)", st);
		return fail(st);
	}
	st = file_open_root(li->DeviceHandle, &root);
	if (EFI_ERROR(st))
		return fail(st);
	st = load_config(root);
	if (EFI_ERROR(st))
		return fail(st);

	/* 2. Allocate the boot info now; the command line goes straight in. */
	st = alloc_bootinfo(&bi);
	if (EFI_ERROR(st))
		return fail(st);
	st = load_cmdline(li, root, (char *)bi + BI_CMDLINE_OFF);
	if (EFI_ERROR(st))
		return fail(st);

	/* 3. Read \kholab.elf whole (kept for kexec) and validate it. */
	st = file_read(root, L"\\kholab.elf", ELF_EFI_TYPE, false, &elf, &elf_size);
	if (EFI_ERROR(st))
		return fail(st);
	ret = elf_check(elf, elf_size, &img);
	if (ret) {
		Print(L"kholab-boot: \\kholab.elf is not a valid kernel: %a\n",
		      img.reason);
		return fail(EFI_LOAD_ERROR);
	}

	/* 4. Choose the 2 MiB aligned physical base and copy the segments. */
	st = place_kernel(&cfg, img.span, &phys);
	if (EFI_ERROR(st))
		return fail(st);
	elf_load_segments(elf, &img, phys);
	entry = phys + img.entry_off;
	Print(L"kholab-boot: kernel at phys 0x%lx (%ld bytes), entry 0x%lx\n",
	      phys, img.span, entry);

	/* 5. ACPI RSDP from the configuration table. */
	bi->rsdp_phys = acpi_find_rsdp();

	/* 6. Fill everything in the boot info that does not need the map. */
	bi->magic = KHOLAB_BOOTINFO_MAGIC;
	bi->version = KHOLAB_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->generation = 0;
	bi->cmdline_phys = (u64)bi + BI_CMDLINE_OFF;
	bi->cmdline_len = cstr_len((char *)bi + BI_CMDLINE_OFF);
	bi->flags = KHOLAB_BI_FLAG_UEFI;
	bi->kernel_phys = phys;
	bi->kernel_size = img.span;
	bi->kernel_virt = img.lowest_vaddr;
	bi->elf_phys = (u64)elf;
	bi->elf_size = elf_size;
	bi->mmap_phys = (u64)bi + BI_MMAP_OFF;
	bi->mmap_entry_size = sizeof(struct kholab_mmap_entry);
	bi->handoff_phys = 0;
	bi->self_phys = (u64)bi;
	bi->self_size = EFI_SIZE_TO_PAGES(BI_BYTES) * EFI_PAGE_SIZE;
	Print(L"kholab-boot: cmdline \"%a\", ACPI RSDP 0x%lx, bootinfo 0x%lx\n",
	      (char *)bi + BI_CMDLINE_OFF, bi->rsdp_phys, (u64)bi);

	/* 7. Final memory map and ExitBootServices (no UEFI calls after). */
	st = exit_boot_services(image, &map, &map_size, &dsize);
	if (EFI_ERROR(st))
		return fail(st);

	/* 8. Convert the map into the boot info, spoil it if asked, log. */
	ret = memmap_convert(map, map_size, dsize,
			     (struct kholab_mmap_entry *)bi->mmap_phys,
			     KHOLAB_MMAP_MAX, &bi->mmap_count, &bi->phys_top);
	if (ret) {
		serial_puts(ret == -E2BIG ?
			    "kholab-boot: the UEFI memory map needs more than 512 entries; cannot hand it to the kernel, halting\n" :
			    "kholab-boot: the UEFI memory map is malformed (bad stride or overlapping ranges), halting\n");
		halt();
	}
	apply_test_corrupt(bi);
	log_efi_map(map, map_size, dsize);
	serial_puts("kholab-boot: jumping to kernel entry ");
	serial_put_hex(entry);
	serial_puts(" bootinfo ");
	serial_put_hex((u64)bi);
	serial_puts("\n");

	/* 9. Hand over: rdi = boot info, identity mapping as UEFI left it. */
	bi->loader_tsc = rdtsc();
	jump_to_kernel(entry, (u64)bi);
}
