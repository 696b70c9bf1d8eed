/*
 * mm/numa.h - NUMA nodes from the ACPI SRAT.
 */
#ifndef MM_NUMA_H
#define MM_NUMA_H

#include <kholab/types.h>

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE	(-1)
#endif

/**
 * numa_init - give every memblock memory region and every CPU its node.
 *
 * Reads the SRAT's memory and processor affinity entries, numbers the
 * proximity domains that have memory densely from 0 in table order, sets
 * the regions' nids with memblock_set_node() and fills each node's CPU
 * list (APIC ids from the MADT).  Without an SRAT, or with one whose
 * ranges overlap each other, lie outside the memory map or leave memory
 * uncovered, it warns and puts everything on node 0.
 *
 * Return: the number of online nodes (>= 1).
 */
int numa_init(void);

/* cpu_to_node - the node of the CPU with @apic_id (0 if unknown). */
int cpu_to_node(u32 apic_id);

#endif /* MM_NUMA_H */
