/*
 * boot/log.c - the one shape of firmware-call error message the loader
 * prints before ExitBootServices.
 */
#include "boot/loader.h"

/* Print "kholab-boot: <call> failed: <status name> (0x<status>)". */
void log_efi_error(const CHAR16 *call, EFI_STATUS st)
{
	Print(L"kholab-boot: %s failed: %r (0x%lx)\n", call, st, (UINT64)st);
}
