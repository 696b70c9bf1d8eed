/*
 * mm/mmzone.c - the global tables of physical memory: nodes with their
 * zones, and the section table.  Filled by mm/numa.c, mm/sparse.c and
 * mm/mm_init.c during boot.
 */
#include <mm/mmzone.h>

struct pglist_data node_data[MAX_NUMNODES];
int nr_online_nodes;
struct mem_section *mem_section;
u64 max_pfn;
