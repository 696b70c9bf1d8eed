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
#define BI_MODULES_OFF	(BI_CMDLINE_OFF + KHOLAB_CMDLINE_MAX)
#define BI_BYTES	(BI_MODULES_OFF + KHOLAB_MODULES_MAX * sizeof(struct kholab_module))
#define MOD_EFI_TYPE	((EFI_MEMORY_TYPE)KHOLAB_EFI_TYPE(KHOLAB_MEM_LOADER_DATA))

_Static_assert(BI_MODULES_OFF % 8 == 0, "module list alignment");

static struct boot_config cfg;

/* The failure path: tell QEMU (if configured), then hand @st back. */
static EFI_STATUS fail(EFI_STATUS st)
{
	if (cfg.has_exit_port)
		outl(cfg.exit_port, KHOLAB_EXIT_LOADER);
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
		outl(cfg.exit_port, KHOLAB_EXIT_LOADER);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Find the volume we were loaded from (*@li, *@root); read \kholab.cfg. */
static EFI_STATUS open_boot_volume(EFI_HANDLE image, EFI_LOADED_IMAGE **li,
				   EFI_FILE_HANDLE *root)
{
	EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &li_guid, (void **)li);
	if (EFI_ERROR(st)) {
		log_efi_error(L"HandleProtocol(LoadedImage)", st);
		return st;
	}
	st = file_open_root((*li)->DeviceHandle, root);
	if (EFI_ERROR(st))
		return st;
	return load_config(*root);
}

/* Read \kholab.elf whole into *@elf (kept for kexec) and validate it into @img. */
static EFI_STATUS read_kernel(EFI_FILE_HANDLE root, void **elf, UINT64 *elf_size,
			      struct elf_image *img)
{
	EFI_STATUS st;

	st = file_read(root, L"\\kholab.elf", ELF_EFI_TYPE, false, elf, elf_size);
	if (EFI_ERROR(st))
		return st;
	if (elf_check(*elf, *elf_size, img)) {
		Print(L"kholab-boot: \\kholab.elf is not a valid kernel: %a\n",
		      img->reason);
		return EFI_LOAD_ERROR;
	}
	return EFI_SUCCESS;
}

/* Choose the 2 MiB aligned physical base *@phys and copy the segments there. */
static EFI_STATUS load_kernel(const void *elf, const struct elf_image *img, u64 *phys)
{
	EFI_STATUS st;

	st = place_kernel(&cfg, img->span, phys);
	if (EFI_ERROR(st))
		return st;
	elf_load_segments(elf, img, *phys);
	Print(L"kholab-boot: kernel at phys 0x%lx (%ld bytes), entry 0x%lx\n",
	      *phys, img->span, *phys + img->entry_off);
	return EFI_SUCCESS;
}

/*
 * Read the optional files a kexec into Linux needs (\linux\bzImage,
 * \linux\initrd) into loader-data memory the kernel keeps, and list them
 * in @bi's modules.  Missing files are not an error: kexec.next=linux
 * reports their absence itself.
 */
static EFI_STATUS read_modules(EFI_FILE_HANDLE root, struct kholab_bootinfo *bi)
{
	static const struct { const CHAR16 *path; const char *name; } files[] = {
		{ L"\\linux\\bzImage", "linux/bzImage" },
		{ L"\\linux\\initrd", "linux/initrd" },
	};
	struct kholab_module *m = (void *)((u8 *)bi + BI_MODULES_OFF);

	bi->modules_phys = (u64)m;
	for (UINTN i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		void *buf = NULL;
		UINT64 size = 0;
		EFI_STATUS st = file_read(root, files[i].path, MOD_EFI_TYPE, true, &buf, &size);

		if (st == EFI_NOT_FOUND)
			continue;
		if (EFI_ERROR(st))
			return st;
		m[bi->modules_count].phys = (u64)buf;
		m[bi->modules_count].size = size;
		for (u32 c = 0; files[i].name[c]; c++)
			m[bi->modules_count].name[c] = files[i].name[c];
		bi->modules_count++;
		Print(L"kholab-boot: module %a: %ld bytes at 0x%lx\n", files[i].name, size, (u64)buf);
	}
	return EFI_SUCCESS;
}

/*
 * Fill everything in the boot info @bi that does not need the final memory
 * map: the kernel placed at @phys from @img, its ELF file (@elf, @elf_size),
 * the command line already in @bi, and the ACPI RSDP.
 */
static void fill_bootinfo(struct kholab_bootinfo *bi, const struct elf_image *img,
			  u64 phys, const void *elf, u64 elf_size)
{
	bi->magic = KHOLAB_BOOTINFO_MAGIC;
	bi->version = KHOLAB_BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->generation = 0;
	bi->cmdline_phys = (u64)bi + BI_CMDLINE_OFF;
	bi->cmdline_len = cstr_len((char *)bi + BI_CMDLINE_OFF);
	bi->flags = KHOLAB_BI_FLAG_UEFI;
	bi->kernel_phys = phys;
	bi->kernel_size = img->span;
	bi->kernel_virt = img->lowest_vaddr;
	bi->elf_phys = (u64)elf;
	bi->elf_size = elf_size;
	bi->mmap_phys = (u64)bi + BI_MMAP_OFF;
	bi->mmap_entry_size = sizeof(struct kholab_mmap_entry);
	bi->handoff_phys = 0;
	bi->self_phys = (u64)bi;
	bi->self_size = EFI_SIZE_TO_PAGES(BI_BYTES) * EFI_PAGE_SIZE;
	bi->rsdp_phys = acpi_find_rsdp();
	Print(L"kholab-boot: cmdline \"%a\", ACPI RSDP 0x%lx, bootinfo 0x%lx\n",
	      (char *)bi + BI_CMDLINE_OFF, bi->rsdp_phys, (u64)bi);
}

/*
 * After ExitBootServices: convert the final UEFI map (@map, @map_size bytes
 * of @dsize byte descriptors) into @bi, spoil @bi if kholab.cfg asks, log,
 * and jump to @entry with the identity mapping UEFI left.  Never returns;
 * halts if the map cannot be handed over.
 */
static __attribute__((noreturn)) void hand_over(struct kholab_bootinfo *bi,
						 const void *map, UINTN map_size,
						 UINTN dsize, u64 entry)
{
	int ret;

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

	bi->loader_tsc = rdtsc();
	jump_to_kernel(entry, (u64)bi);
}

/*
 * The loader: read config, command line and kernel, place the kernel, fill
 * the boot info, leave boot services and hand over.  Each step prints its
 * own error; a failure before ExitBootServices returns through fail().
 */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct kholab_bootinfo *bi;
	struct elf_image img;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	UINTN map_size, dsize;
	UINT64 elf_size;
	void *elf, *map;
	EFI_STATUS st;
	u64 phys;

	InitializeLib(image, systab);
	st = open_boot_volume(image, &li, &root);
	if (EFI_ERROR(st))
		return fail(st);
	/* The boot info first, so the command line goes straight in. */
	st = alloc_bootinfo(&bi);
	if (EFI_ERROR(st))
		return fail(st);
	st = load_cmdline(li, root, (char *)bi + BI_CMDLINE_OFF);
	if (EFI_ERROR(st))
		return fail(st);
	st = read_kernel(root, &elf, &elf_size, &img);
	if (EFI_ERROR(st))
		return fail(st);
	st = load_kernel(elf, &img, &phys);
	if (EFI_ERROR(st))
		return fail(st);
	st = read_modules(root, bi);
	if (EFI_ERROR(st))
		return fail(st);
	fill_bootinfo(bi, &img, phys, elf, elf_size);
	/* The final memory map; no UEFI calls after this. */
	st = exit_boot_services(image, &map, &map_size, &dsize);
	if (EFI_ERROR(st))
		return fail(st);
	hand_over(bi, map, map_size, dsize, phys + img.entry_off);
}
