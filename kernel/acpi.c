/*
 * kernel/acpi.c - the ACPI tables kholab reads.
 *
 * The RSDP (from the boot info) names the XSDT (revision >= 2) or RSDT;
 * acpi_init() keeps a list of the tables whose length and checksum are
 * right.  Tables are read through the direct map.  Besides the MADT (CPUs)
 * and SRAT (NUMA nodes), the FADT and DSDT give the S5 power-off used when
 * QEMU's isa-debug-exit device is absent.
 */
#define pr_fmt(fmt) "ACPI: " fmt

#include <kernel/acpi.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/io.h>
#include <string.h>
#include <errno.h>

#define ACPI_MAX_TABLES	64

struct acpi_rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt_address;
	u32 length;		/* revision >= 2 from here on */
	u64 xsdt_address;
	u8 extended_checksum;
	u8 reserved[3];
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 2.0 RSDP");

static const struct acpi_table_header *tables[ACPI_MAX_TABLES];
static int nr_tables;

/* checksum_ok - true when @len bytes at @p sum to 0 mod 256. */
static bool checksum_ok(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* phys_ok - true if [pa, pa+len) lies in the direct map. */
static bool phys_ok(u64 pa, u64 len)
{
	u64 top = direct_map_gib << 30;

	return pa && pa < top && len <= top - pa;
}

/* table_at - the header at @pa if its length and checksum are right, else NULL. */
static const struct acpi_table_header *table_at(u64 pa)
{
	const struct acpi_table_header *h;

	if (!phys_ok(pa, sizeof(*h)))
		return NULL;
	h = __va(pa);
	if (h->length < sizeof(*h) || !phys_ok(pa, h->length)) {
		pr_warn("table %.4s at 0x%llx has bad length %u; ignoring it\n", h->signature,
			(unsigned long long)pa, h->length);
		return NULL;
	}
	if (!checksum_ok(h, h->length)) {
		pr_warn("table %.4s at 0x%llx has a bad checksum; ignoring it\n", h->signature,
			(unsigned long long)pa);
		return NULL;
	}
	return h;
}

/* add_dsdt - append the FADT's DSDT (X_DSDT preferred) to the table list. */
static void add_dsdt(void)
{
	const struct acpi_table_header *fadt = NULL, *dsdt;
	u32 dsdt32 = 0;
	u64 dsdt64 = 0;

	for (int i = 0; i < nr_tables; i++)
		if (!memcmp(tables[i]->signature, "FACP", 4))
			fadt = tables[i];
	if (!fadt || fadt->length < 44 || nr_tables >= ACPI_MAX_TABLES)
		return;
	memcpy(&dsdt32, (const u8 *)fadt + 40, 4);
	if (fadt->length >= 148)
		memcpy(&dsdt64, (const u8 *)fadt + 140, 8);
	dsdt = table_at(dsdt64 ? dsdt64 : dsdt32);
	if (dsdt && !memcmp(dsdt->signature, "DSDT", 4))
		tables[nr_tables++] = dsdt;
}

/* acpi_init - see acpi.h. */
int acpi_init(u64 rsdp_phys)
{
	const struct acpi_rsdp *rsdp;
	const struct acpi_table_header *root;
	bool xsdt;
	u32 n, entry_size;

	nr_tables = 0;
	if (!rsdp_phys) {
		pr_warn("no RSDP from the loader; running without ACPI (1 CPU, 1 node)\n");
		return -ENODEV;
	}
	if (!phys_ok(rsdp_phys, sizeof(*rsdp)))
		return -EINVAL;
	rsdp = __va(rsdp_phys);
	if (memcmp(rsdp->signature, "RSD PTR ", 8) || !checksum_ok(rsdp, 20) ||
	    (rsdp->revision >= 2 && (rsdp->length < sizeof(*rsdp) ||
				     !checksum_ok(rsdp, sizeof(*rsdp))))) {
		pr_err("RSDP at 0x%llx is corrupt; running without ACPI\n",
		       (unsigned long long)rsdp_phys);
		return -EINVAL;
	}
	xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
	root = table_at(xsdt ? rsdp->xsdt_address : rsdp->rsdt_address);
	if (!root || memcmp(root->signature, xsdt ? "XSDT" : "RSDT", 4)) {
		pr_err("%s is missing or corrupt; running without ACPI\n", xsdt ? "XSDT" : "RSDT");
		return -EINVAL;
	}
	entry_size = xsdt ? 8 : 4;
	n = (root->length - sizeof(*root)) / entry_size;
	for (u32 i = 0; i < n && nr_tables < ACPI_MAX_TABLES; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * entry_size;
		u64 pa = 0;
		const struct acpi_table_header *t;

		memcpy(&pa, e, entry_size);
		t = table_at(pa);
		if (t)
			tables[nr_tables++] = t;
	}
	/* The root table and the DSDT are tables too: keep them findable and reserved. */
	if (nr_tables < ACPI_MAX_TABLES)
		tables[nr_tables++] = root;
	add_dsdt();
	if (n > ACPI_MAX_TABLES)
		pr_warn("%u tables, only %d kept: raise ACPI_MAX_TABLES\n", n, ACPI_MAX_TABLES);
	pr_info("RSDP rev %u, %s with %d valid tables\n", rsdp->revision, xsdt ? "XSDT" : "RSDT",
		nr_tables);
	return 0;
}

/* acpi_table_range - see acpi.h. */
bool acpi_table_range(int i, u64 *base, u64 *size)
{
	if (i < 0 || i >= nr_tables)
		return false;
	*base = __pa(tables[i]);
	*size = tables[i]->length;
	return true;
}

/* acpi_find_table - see acpi.h. */
const struct acpi_table_header *acpi_find_table(const char *sig)
{
	for (int i = 0; i < nr_tables; i++)
		if (!memcmp(tables[i]->signature, sig, 4))
			return tables[i];
	return NULL;
}

#define MADT_LAPIC		0
#define MADT_X2APIC		9

/* acpi_cpu_apic_ids - see acpi.h. */
int acpi_cpu_apic_ids(u32 *ids, int max)
{
	const struct acpi_table_header *madt = acpi_find_table("APIC");
	const u8 *p, *end;
	int cpus = 0;

	if (!madt)
		return 0;
	for_each_subtable(madt, 44, p, end) {
		u32 flags, id;

		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			memcpy(&flags, p + 4, 4);
			id = p[3];
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			memcpy(&flags, p + 8, 4);
			memcpy(&id, p + 4, 4);
		} else {
			continue;
		}
		if (!(flags & 3))		/* neither enabled nor online capable */
			continue;
		if (cpus < max)
			ids[cpus] = id;
		cpus++;
	}
	if (cpus > max)
		pr_warn("MADT lists %d CPUs, only %d kept: raise MAX_CPUS\n", cpus, max);
	return cpus < max ? cpus : max;
}

/* acpi_count_cpus - see acpi.h. */
int acpi_count_cpus(void)
{
	u32 ids[MAX_CPUS];
	int n = acpi_cpu_apic_ids(ids, MAX_CPUS);

	return n ? n : 1;
}

/* aml_pkg_len - decode an AML PkgLength at @p; returns bytes it used (0 if bad). */
static int aml_pkg_len(const u8 *p, const u8 *end)
{
	int extra = p[0] >> 6;

	return p + 1 + extra <= end ? 1 + extra : 0;
}

/* aml_small_int - decode ZeroOp/OneOp/BytePrefix at @p into @v; bytes used or 0. */
static int aml_small_int(const u8 *p, const u8 *end, u8 *v)
{
	if (p >= end)
		return 0;
	if (p[0] == 0x00 || p[0] == 0x01) {
		*v = p[0];
		return 1;
	}
	if (p[0] == 0x0a && p + 1 < end) {
		*v = p[1];
		return 2;
	}
	return 0;
}

/* acpi_poweroff - see acpi.h. */
int acpi_poweroff(void)
{
	const struct acpi_table_header *fadt = acpi_find_table("FACP");
	const struct acpi_table_header *dsdt = acpi_find_table("DSDT");
	const u8 *p, *end;
	u32 pm1a_cnt;
	u8 slp_typ = 0xff;

	if (!fadt || fadt->length < 68 || !dsdt)
		return -ENODEV;
	memcpy(&pm1a_cnt, (const u8 *)fadt + 64, 4);
	if (!pm1a_cnt)
		return -ENODEV;

	/* Find NameOp "_S5_" PackageOp PkgLength NumElements SLP_TYPa ... */
	end = (const u8 *)dsdt + dsdt->length;
	for (p = (const u8 *)(dsdt + 1); p + 8 < end; p++) {
		int n;

		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		n = aml_pkg_len(p + 5, end);
		if (!n)
			break;
		if (!aml_small_int(p + 5 + n + 1, end, &slp_typ))
			slp_typ = 0xff;
		break;
	}
	if (slp_typ == 0xff)
		return -ENODEV;
	outw((u16)pm1a_cnt, (u16)((slp_typ & 7) << 10 | 1 << 13));
	for (int i = 0; i < 1000000; i++)
		cpu_relax();
	return -ETIMEDOUT;
}
