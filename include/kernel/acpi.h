/*
 * kernel/acpi.h - finding and checking ACPI tables (RSDP, XSDT/RSDT, MADT,
 * SRAT, FADT).  Every table's signature, length and checksum are checked
 * before a field is read; a bad table is skipped with a warning.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <kholab/types.h>
#include <kernel/smp.h>	/* MAX_CPUS */

struct acpi_table_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_table_header) == 36, "ACPI SDT header");

/**
 * acpi_init - validate the RSDP at @rsdp_phys and the XSDT (or RSDT) it
 * points to, and remember every table whose checksum is right.
 *
 * Return: 0, -ENODEV without an RSDP, -EINVAL if the RSDP or root table
 * is corrupt (the kernel then runs without ACPI: one CPU, one node).
 */
int acpi_init(u64 rsdp_phys);

/**
 * acpi_table_range - physical range of the @i-th valid table (0-based),
 * so the kernel can keep every table reserved for its whole life.
 * Return: false when there is no @i-th table.
 */
bool acpi_table_range(int i, u64 *base, u64 *size);

/* acpi_find_table - the first valid table with signature @sig, or NULL. */
const struct acpi_table_header *acpi_find_table(const char *sig);

/* acpi_count_cpus - enabled (or online-capable) processors in the MADT; 1 without one. */
int acpi_count_cpus(void);

/**
 * acpi_cpu_apic_ids - APIC ids of the enabled or online-capable processors
 * of the MADT (LAPIC and x2APIC entries), in table order.
 * @ids: output, @max: its size
 *
 * Return: the number stored (0 without a MADT).
 */
int acpi_cpu_apic_ids(u32 *ids, int max);

/*
 * for_each_subtable - walk the variable-length entries that follow a
 * table's fixed part (@skip bytes); each entry starts {u8 type, u8 length}.
 * Stops at a zero, too short or overlong entry length.
 */
#define for_each_subtable(t, skip, p, end)					\
	for (p = (const u8 *)(t) + (skip), end = (const u8 *)(t) + (t)->length;	\
	     p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1])

/**
 * acpi_poweroff - enter S5 through the FADT's PM1a control block using the
 * SLP_TYP of the DSDT's \_S5 package.
 *
 * Return: only on failure: -ENODEV (no FADT/DSDT/\_S5) or -ETIMEDOUT.
 */
int acpi_poweroff(void);

#endif /* KERNEL_ACPI_H */
