/*
 * mm/vmemmap.c - backing for the virtually contiguous memmap.
 *
 * A section's 32768 struct pages take exactly 2 MiB and start 2 MiB
 * aligned in the vmemmap, so one section = one PMD mapping of one 2 MiB
 * block allocated on the section's node.  When memblock has no aligned
 * 2 MiB block left, the section is mapped page by page instead.
 */
#define pr_fmt(fmt) "vmemmap: " fmt

#include <mm/sparse.h>
#include <mm/paging.h>
#include <mm/memblock.h>
#include <kernel/printk.h>
#include <errno.h>

#define SECTION_MEMMAP_BYTES	(PAGES_PER_SECTION * sizeof(struct page))

_Static_assert(SECTION_MEMMAP_BYTES == PMD_SIZE, "one section's memmap is one PMD");

/* vmemmap_populate - see sparse.h. */
int vmemmap_populate(u64 section_nr, int nid)
{
	/* LAB sparse-vmemmap: BEGIN */
	/* LAB sparse-vmemmap: HINT the contract, and hints to unfold: docs/labs/sparse-vmemmap.md */
	/* LAB sparse-vmemmap: STUB (void)section_nr; (void)nid; */
	/* LAB sparse-vmemmap: STUB return -ENOSYS; */
	u64 va = (u64)(uintptr_t)pfn_to_page(section_nr_to_pfn(section_nr));
	phys_addr_t pa;

	pa = memblock_phys_alloc_try_nid(PMD_SIZE, PMD_SIZE, nid);
	if (pa)
		return map_kernel_range(va, pa, PMD_SIZE, nid);

	pr_warn("no 2 MiB block for section %llu on node %d; mapping its memmap with 4 KiB pages\n",
		(unsigned long long)section_nr, nid);
	for (u64 off = 0; off < PMD_SIZE; off += PAGE_SIZE) {
		int err;

		pa = memblock_phys_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, nid);
		if (!pa)
			return -ENOMEM;
		err = map_kernel_range(va + off, pa, PAGE_SIZE, nid);
		if (err)
			return err;
	}
	return 0;
	/* LAB sparse-vmemmap: END */
}

/* vmemmap_map_backing - see sparse.h. */
int vmemmap_map_backing(u64 section_nr, phys_addr_t pa, int nid)
{
	return map_kernel_range((u64)(uintptr_t)pfn_to_page(section_nr_to_pfn(section_nr)), pa,
				PMD_SIZE, nid);
}

/* vmemmap_section_written - see sparse.h. */
bool vmemmap_section_written(u64 section_nr)
{
	u64 va = (u64)(uintptr_t)pfn_to_page(section_nr_to_pfn(section_nr));
	u64 end = va + SECTION_MEMMAP_BYTES, size = PAGE_SIZE;

	for (; va < end; va += size) {
		u64 *e = lookup_address(va, &size);

		if (!e)
			return false;	/* not mapped: nothing can have been written */
		if (*e & PTE_DIRTY)
			return true;
	}
	return false;
}
