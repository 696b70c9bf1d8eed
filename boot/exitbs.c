/*
 * boot/exitbs.c - take the final memory map and leave boot services.
 *
 * After the first ExitBootServices attempt only the memory allocation
 * services may be used, so errors from then on go to raw COM1, not ConOut.
 * The map buffer is allocated before the first GetMemoryMap with slack for
 * the descriptors the allocation itself adds; it is re-allocated only if
 * GetMemoryMap says it became too small.
 */
#include "boot/loader.h"

#define EBS_TRIES	4
#define MAP_SLACK	16	/* spare descriptors in the map buffer */

/* Report a failed firmware call on ConOut or, after the first EBS, COM1. */
static void report(const CHAR16 *call, const char *call_a, EFI_STATUS st,
		   bool after_ebs)
{
	if (!after_ebs) {
		log_efi_error(call, st);
		return;
	}
	serial_puts("kholab-boot: ");
	serial_puts(call_a);
	serial_puts(" failed: status ");
	serial_put_hex(st);
	serial_puts("; giving up\n");
}

/* (Re)allocate the map buffer for @need bytes plus slack.  EFI_STATUS. */
static EFI_STATUS grow(void **buf, UINTN *cap, UINTN need, UINTN dsize,
		       bool after_ebs)
{
	EFI_STATUS st;

	if (*buf) {
		st = BS->FreePool(*buf);
		*buf = NULL;
		if (EFI_ERROR(st)) {
			report(L"FreePool(memory map)", "FreePool(memory map)",
			       st, after_ebs);
			return st;
		}
	}
	*cap = need + MAP_SLACK * dsize;
	st = BS->AllocatePool(EfiLoaderData, *cap, buf);
	if (EFI_ERROR(st))
		report(L"AllocatePool(memory map)", "AllocatePool(memory map)",
		       st, after_ebs);
	return st;
}

/*
 * Get the final memory map and call ExitBootServices with its key, retrying
 * (bounded) when the map changed under us.  On success *@map, *@map_size,
 * *@desc_size describe the map the firmware had when it let go.
 */
EFI_STATUS exit_boot_services(EFI_HANDLE image, void **map, UINTN *map_size,
			      UINTN *desc_size)
{
	UINTN cap = 0, size = 0, key;
	UINT32 ver;
	bool after_ebs = false;
	EFI_STATUS st;
	int tries;

	*map = NULL;
	st = BS->GetMemoryMap(&size, NULL, &key, desc_size, &ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		report(L"GetMemoryMap(size)", "GetMemoryMap(size)",
		       EFI_ERROR(st) ? st : EFI_DEVICE_ERROR, false);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	st = grow(map, &cap, size, *desc_size, false);
	if (EFI_ERROR(st))
		return st;

	for (tries = 0; tries < EBS_TRIES; tries++) {
		size = cap;
		st = BS->GetMemoryMap(&size, *map, &key, desc_size, &ver);
		if (st == EFI_BUFFER_TOO_SMALL) {
			st = grow(map, &cap, size, *desc_size, after_ebs);
			if (EFI_ERROR(st))
				return st;
			continue;
		}
		if (EFI_ERROR(st)) {
			report(L"GetMemoryMap", "GetMemoryMap", st, after_ebs);
			return st;
		}
		st = BS->ExitBootServices(image, key);
		if (!EFI_ERROR(st)) {
			*map_size = size;
			return EFI_SUCCESS;
		}
		after_ebs = true;
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (!EFI_ERROR(st))
		st = EFI_ABORTED;	/* the map kept outgrowing its buffer */
	report(L"ExitBootServices", "ExitBootServices", st, after_ebs);
	return st;
}
