/*
 * boot/acpi.c - find the ACPI RSDP in the UEFI configuration table.
 */
#include "boot/loader.h"

/* True if the two GUIDs are byte for byte equal. */
static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;
	u32 i;

	for (i = 0; i < sizeof(*a); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* Look for the table @guid; its address or 0. */
static u64 find_table(EFI_GUID guid)
{
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++)
		if (guid_eq(&ST->ConfigurationTable[i].VendorGuid, &guid))
			return (u64)ST->ConfigurationTable[i].VendorTable;
	return 0;
}

/* Physical address of the RSDP (ACPI 2.0 preferred, then 1.0), or 0. */
u64 acpi_find_rsdp(void)
{
	u64 rsdp = find_table((EFI_GUID)ACPI_20_TABLE_GUID);

	if (!rsdp)
		rsdp = find_table((EFI_GUID)ACPI_TABLE_GUID);
	return rsdp;
}
