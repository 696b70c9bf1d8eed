/*
 * mm/numa.c - which memory and which CPUs belong to which NUMA node.
 *
 * The ACPI SRAT names a proximity domain for each memory range and each
 * CPU.  kholab turns domains into dense node ids, tells memblock the node
 * of every memory region, and records each node's CPUs in its pglist_data.
 * Anything inconsistent makes the whole table untrustworthy: kholab then
 * says why and runs with one node, as Linux does.
 */
#define pr_fmt(fmt) "NUMA: " fmt

#include <mm/numa.h>
#include <mm/mmzone.h>
#include <mm/memblock.h>
#include <kernel/acpi.h>
#include <kernel/printk.h>
#include <string.h>

#define SRAT_CPU		0
#define SRAT_MEMORY		1
#define SRAT_X2APIC		2
#define SRAT_MAX_BLOCKS		64
#define SRAT_ENABLED		(1u << 0)
#define SRAT_HOTPLUG		(1u << 1)

struct numa_block {
	u64 start, end;
	u32 pxm;
};

static struct numa_block blocks[SRAT_MAX_BLOCKS];
static int nr_blocks;
static u32 node_pxm[MAX_NUMNODES];	/* proximity domain of each node id */
static u32 cpu_apic[MAX_CPUS];
static u8 cpu_nid[MAX_CPUS];
static int nr_cpus;

/* pxm_to_node - dense node id of proximity domain @pxm; -1 if it has no memory. */
static int pxm_to_node(u32 pxm)
{
	for (int n = 0; n < nr_online_nodes; n++)
		if (node_pxm[n] == pxm)
			return n;
	return -1;
}

/* parse_memory - collect enabled, non-hotplug memory entries; false if the table is unusable. */
static bool parse_memory(const struct acpi_table_header *srat)
{
	const u8 *p, *end;

	nr_blocks = 0;
	for_each_subtable(srat, 48, p, end) {
		u64 base, len;
		u32 pxm, flags;

		if (p[0] != SRAT_MEMORY || p[1] < 40)
			continue;
		memcpy(&pxm, p + 2, 4);
		memcpy(&base, p + 8, 8);
		memcpy(&len, p + 16, 8);
		memcpy(&flags, p + 28, 4);
		if (!(flags & SRAT_ENABLED) || (flags & SRAT_HOTPLUG) || !len)
			continue;
		if (base + len < base) {
			pr_warn("SRAT memory range at 0x%llx wraps around\n", (unsigned long long)base);
			return false;
		}
		if (nr_blocks == SRAT_MAX_BLOCKS) {
			pr_warn("more than %d SRAT memory ranges: raise SRAT_MAX_BLOCKS\n",
				SRAT_MAX_BLOCKS);
			return false;
		}
		blocks[nr_blocks++] = (struct numa_block){ base, base + len, pxm };
	}
	if (!nr_blocks) {
		pr_warn("SRAT has no enabled memory ranges\n");
		return false;
	}
	return true;
}

/* overlaps_memory - true if [start, end) meets any memblock memory. */
static bool overlaps_memory(phys_addr_t start, phys_addr_t end)
{
	phys_addr_t s, e;
	u64 i;

	for_each_mem_range(i, &s, &e)
		if (s < end && start < e)
			return true;
	return false;
}

/* blocks_consistent - no overlaps, each block meets RAM, all RAM covered. */
static bool blocks_consistent(void)
{
	phys_addr_t start, end;
	u64 i;

	for (int a = 0; a < nr_blocks; a++) {
		for (int b = a + 1; b < nr_blocks; b++)
			if (blocks[a].start < blocks[b].end && blocks[b].start < blocks[a].end) {
				pr_warn("SRAT ranges [0x%llx-0x%llx) and [0x%llx-0x%llx) overlap\n",
					(unsigned long long)blocks[a].start,
					(unsigned long long)blocks[a].end,
					(unsigned long long)blocks[b].start,
					(unsigned long long)blocks[b].end);
				return false;
			}
		if (!overlaps_memory(blocks[a].start, blocks[a].end)) {
			pr_warn("SRAT range [0x%llx-0x%llx) lies outside the memory map\n",
				(unsigned long long)blocks[a].start, (unsigned long long)blocks[a].end);
			return false;
		}
	}
	for_each_mem_range(i, &start, &end) {
		phys_addr_t cur = start;

		/* walk the blocks covering [start, end) in address order */
		while (cur < end) {
			int hit = -1;

			for (int b = 0; b < nr_blocks; b++)
				if (blocks[b].start <= cur && cur < blocks[b].end)
					hit = b;
			if (hit < 0) {
				pr_warn("memory at 0x%llx is in no SRAT range\n", (unsigned long long)cur);
				return false;
			}
			cur = blocks[hit].end;
		}
	}
	return true;
}

/* parse_cpus - node of each MADT CPU from the SRAT's processor entries. */
static void parse_cpus(const struct acpi_table_header *srat)
{
	const u8 *p, *end;

	for (int c = 0; c < nr_cpus; c++)
		cpu_nid[c] = 0;
	if (!srat)
		return;
	for_each_subtable(srat, 48, p, end) {
		u32 pxm, apic, flags;
		int nid;

		if (p[0] == SRAT_CPU && p[1] >= 16) {
			pxm = p[2] | (u32)p[9] << 8 | (u32)p[10] << 16 | (u32)p[11] << 24;
			apic = p[3];
			memcpy(&flags, p + 4, 4);
		} else if (p[0] == SRAT_X2APIC && p[1] >= 24) {
			memcpy(&pxm, p + 4, 4);
			memcpy(&apic, p + 8, 4);
			memcpy(&flags, p + 12, 4);
		} else {
			continue;
		}
		if (!(flags & SRAT_ENABLED))
			continue;
		nid = pxm_to_node(pxm);
		for (int c = 0; c < nr_cpus; c++) {
			if (cpu_apic[c] != apic)
				continue;
			if (nid < 0)
				pr_warn("CPU %u is in domain %u, which has no memory; using node 0\n",
					apic, pxm);
			cpu_nid[c] = (u8)(nid < 0 ? 0 : nid);
		}
	}
}

/* one_node - the fallback: all memory and CPUs on node 0. */
static void one_node(const char *why)
{
	pr_warn("%s; using one node for all memory and CPUs\n", why);
	nr_online_nodes = 1;
	node_pxm[0] = 0;
	memblock_set_node(0, ~0ULL, &memblock.memory, 0);
}

/* numa_init - see numa.h. */
int numa_init(void)
{
	const struct acpi_table_header *srat = acpi_find_table("SRAT");
	bool ok = false;

	nr_cpus = acpi_cpu_apic_ids(cpu_apic, MAX_CPUS);
	if (!nr_cpus) {
		cpu_apic[0] = 0;
		nr_cpus = 1;
	}
	nr_online_nodes = 0;
	if (srat && parse_memory(srat) && blocks_consistent()) {
		ok = true;
		for (int b = 0; b < nr_blocks; b++) {
			int nid = pxm_to_node(blocks[b].pxm);

			if (nid < 0) {
				if (nr_online_nodes == MAX_NUMNODES) {
					pr_warn("more than %d nodes: raise MAX_NUMNODES\n", MAX_NUMNODES);
					ok = false;
					break;
				}
				nid = nr_online_nodes++;
				node_pxm[nid] = blocks[b].pxm;
			}
			memblock_set_node(blocks[b].start, blocks[b].end - blocks[b].start,
					  &memblock.memory, nid);
		}
	}
	if (!ok) {
		one_node(srat ? "SRAT unusable" : "no SRAT (or it failed its checksum)");
		srat = NULL;
	}
	parse_cpus(srat);

	for (int n = 0; n < nr_online_nodes; n++) {
		NODE_DATA(n)->node_id = n;
		NODE_DATA(n)->nr_cpus = 0;
	}
	for (int c = 0; c < nr_cpus; c++) {
		struct pglist_data *pgdat = NODE_DATA(cpu_nid[c]);

		pgdat->cpus[pgdat->nr_cpus++] = cpu_apic[c];
	}
	for (int n = 0; n < nr_online_nodes; n++)
		pr_info("node %d: proximity domain %u, %u CPUs\n", n, node_pxm[n],
			NODE_DATA(n)->nr_cpus);
	return nr_online_nodes;
}

/* cpu_to_node - see numa.h. */
int cpu_to_node(u32 apic_id)
{
	for (int c = 0; c < nr_cpus; c++)
		if (cpu_apic[c] == apic_id)
			return cpu_nid[c];
	return 0;
}
