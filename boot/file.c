/*
 * boot/file.c - read whole files from the FAT volume the loader itself was
 * loaded from.
 */
#include "boot/loader.h"

/* Open the root directory of the volume on @device into *@root. */
EFI_STATUS file_open_root(EFI_HANDLE device, EFI_FILE_HANDLE *root)
{
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(device, &fs_guid, (void **)&fs);
	if (EFI_ERROR(st)) {
		log_efi_error(L"HandleProtocol(SimpleFileSystem)", st);
		return st;
	}
	st = fs->OpenVolume(fs, root);
	if (EFI_ERROR(st))
		log_efi_error(L"OpenVolume", st);
	return st;
}

/* Ask @f for its size in bytes.  EFI_SUCCESS or the failing status. */
static EFI_STATUS file_size(EFI_FILE_HANDLE f, UINT64 *size)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	UINT8 buf[SIZE_OF_EFI_FILE_INFO + 512] __attribute__((aligned(8)));
	UINTN len = sizeof(buf);
	EFI_STATUS st;

	st = f->GetInfo(f, &info_guid, &len, buf);
	if (EFI_ERROR(st)) {
		log_efi_error(L"GetInfo(FileInfo)", st);
		return st;
	}
	*size = ((EFI_FILE_INFO *)buf)->FileSize;
	return EFI_SUCCESS;
}

/*
 * Read all of @path into fresh pages of UEFI type @mem_type; *@buf, *@size
 * describe them (free with file_free).  A missing file returns
 * EFI_NOT_FOUND, silently if @optional, else with a message.
 */
EFI_STATUS file_read(EFI_FILE_HANDLE root, const CHAR16 *path, UINT32 mem_type,
		     bool optional, void **buf, UINT64 *size)
{
	EFI_FILE_HANDLE f;
	EFI_PHYSICAL_ADDRESS addr;
	UINTN len;
	EFI_STATUS st;

	st = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		if (!(optional && st == EFI_NOT_FOUND))
			Print(L"kholab-boot: cannot open %s: %r (0x%lx)\n", path,
			      st, (UINT64)st);
		return st;
	}
	st = file_size(f, size);
	if (EFI_ERROR(st))
		goto out;
	st = BS->AllocatePages(AllocateAnyPages, (EFI_MEMORY_TYPE)mem_type,
			       EFI_SIZE_TO_PAGES(*size + 1), &addr);
	if (EFI_ERROR(st)) {
		log_efi_error(L"AllocatePages(file)", st);
		goto out;
	}
	len = *size;
	st = f->Read(f, &len, (void *)addr);
	if (!EFI_ERROR(st) && len != *size)
		st = EFI_END_OF_FILE;
	if (EFI_ERROR(st)) {
		Print(L"kholab-boot: reading %s failed: %r (0x%lx)\n", path, st,
		      (UINT64)st);
		BS->FreePages(addr, EFI_SIZE_TO_PAGES(*size + 1));
		goto out;
	}
	((UINT8 *)addr)[*size] = 0;
	*buf = (void *)addr;
out:
	(void)f->Close(f);	/* always EFI_SUCCESS per spec */
	return st;
}

/* Give back pages from file_read().  EFI_SUCCESS or the failing status. */
EFI_STATUS file_free(void *buf, UINT64 size)
{
	EFI_STATUS st;

	st = BS->FreePages((EFI_PHYSICAL_ADDRESS)buf, EFI_SIZE_TO_PAGES(size + 1));
	if (EFI_ERROR(st))
		log_efi_error(L"FreePages(file)", st);
	return st;
}
