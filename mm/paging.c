/*
 * mm/paging.c - the kernel's page tables.
 *
 * entry.asm starts the kernel on page tables in .bss that cover at most
 * DIRECT_MAP_MAX_GIB.  Once memblock knows where RAM is, paging_init()
 * builds the real ones from memblock pages: the direct map of every RAM
 * range (rounded out to whole large pages), the same tables from PML4
 * slot 0 on as an identity map, and the kernel image at KERNEL_VIRT.  The vmemmap
 * is added afterwards by mm/vmemmap.c through map_kernel_range().
 *
 * The identity map stays: the AP trampoline and the kexec relocation stub
 * run with paging on at physical addresses.
 */
#define pr_fmt(fmt) "paging: " fmt

#include <mm/paging.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include <kernel/io.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

#define NUMA_NO_NODE	(-1)

static u64 *pml4;		/* virtual address of the live PML4 */
static bool rewrote_present;	/* map_one() wrote over a present entry */

/* pt_alloc - one zeroed page-table page from memblock on @nid; NULL if none. */
static u64 *pt_alloc(int nid)
{
	return memblock_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, 0, MEMBLOCK_ALLOC_ACCESSIBLE, nid);
}

/*
 * next_table - the table that entry @e points to, allocating it if empty.
 * Returns NULL on allocation failure or if @e maps a large page.
 */
static u64 *next_table(u64 *e, int nid)
{
	if (!(*e & PTE_PRESENT)) {
		u64 *t = pt_alloc(nid);

		if (!t)
			return NULL;
		*e = __pa(t) | PTE_PRESENT | PTE_WRITE;
	} else if (*e & PTE_PS) {
		return NULL;
	}
	return __va(*e & PTE_ADDR_MASK);
}

/*
 * map_one - map one page of @size (4K, 2M or 1G) at @va -> @pa in @root.
 * Return: 0 (also when a large page already maps @va: every mapping this
 * file makes is linear, so it is the same one), -EEXIST when a smaller-grained
 * table is already there (retry with a smaller page), or -ENOMEM.
 */
static int map_one(u64 *root, u64 va, u64 pa, u64 size, int nid)
{
	/* level 1: PML4 entry, 2: PDPT (1G), 3: PD (2M), 4: PT (4K) */
	u64 *tables[5] = { root, NULL, NULL, NULL, NULL };
	static const u64 sizes[5] = { 0, 0, PUD_SIZE, PMD_SIZE, PAGE_SIZE };
	int level;

	for (level = 1; level <= 4; level++) {
		u64 *e = &tables[level - 1][(va >> (48 - 9 * level)) & 511];

		if (*e & PTE_PRESENT && *e & PTE_PS)
			return 0;
		if (sizes[level] == size) {
			if (*e & PTE_PRESENT && size != PAGE_SIZE)
				return -EEXIST;
			rewrote_present |= (*e & PTE_PRESENT) != 0;
			*e = pa | PTE_PRESENT | PTE_WRITE | (size != PAGE_SIZE ? PTE_PS : 0);
			return 0;
		}
		tables[level] = next_table(e, nid);
		if (!tables[level])
			return -ENOMEM;
	}
	return -EINVAL;
}

/* map_range_in - map_kernel_range() into page tables @root. */
static int map_range_in(u64 *root, u64 va, u64 pa, u64 size, int nid, bool allow_1g)
{
	u64 end = va + size;

	while (va < end) {
		u64 step = PAGE_SIZE;
		int err;

		if (allow_1g && !(va & (PUD_SIZE - 1)) && !(pa & (PUD_SIZE - 1)) &&
		    end - va >= PUD_SIZE)
			step = PUD_SIZE;
		else if (!(va & (PMD_SIZE - 1)) && !(pa & (PMD_SIZE - 1)) && end - va >= PMD_SIZE)
			step = PMD_SIZE;
		while ((err = map_one(root, va, pa, step, nid)) == -EEXIST)
			step = step == PUD_SIZE ? PMD_SIZE : PAGE_SIZE;
		if (err)
			return err;
		va += step;
		pa += step;
	}
	return 0;
}

/*
 * map_kernel_range - see paging.h.  Filling entries that were not present
 * needs no TLB flush (x86 caches no translation for a not-present entry);
 * only when a present entry was rewritten is CR3 reloaded.  That matters:
 * under TCG a reload flushes QEMU's whole software TLB, about 3 us, and the
 * vmemmap of a 256 GiB guest is 2048 calls.
 */
int map_kernel_range(u64 va, u64 pa, u64 size, int nid)
{
	int err;

	rewrote_present = false;
	err = map_range_in(pml4, va, pa, size, nid, false);
	if (rewrote_present)
		write_cr3(read_cr3());
	return err;
}

/* lookup_address - see paging.h. */
u64 *lookup_address(u64 va, u64 *page_size)
{
	static const u64 sizes[5] = { 0, 0, PUD_SIZE, PMD_SIZE, PAGE_SIZE };
	u64 *table = pml4;

	for (int level = 1; table && level <= 4; level++) {
		u64 *e = &table[(va >> (48 - 9 * level)) & 511];

		if (!(*e & PTE_PRESENT))
			return NULL;
		if (level == 4 || (level >= 2 && *e & PTE_PS)) {
			*page_size = sizes[level];
			return e;
		}
		table = __va(*e & PTE_ADDR_MASK);
	}
	return NULL;
}

/* paging_init - see paging.h. */
int paging_init(void)
{
	u32 a, b, c, d;
	u64 *root, mapped = 0, end_of_ram = 4ULL << 30;
	phys_addr_t start, end;
	bool use_1g;
	u64 i;
	int err;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	use_1g = d & (1u << 26);
	/* below 4 GiB: an AP loads CR3 in 32-bit mode on its way to long mode */
	root = memblock_alloc_try_nid(PAGE_SIZE, PAGE_SIZE, 0, 1ULL << 32, NUMA_NO_NODE);
	if (!root)
		return -ENOMEM;

	/* The direct map: every memblock memory range, rounded out to 2 MiB. */
	for_each_mem_range(i, &start, &end) {
		start = ALIGN_DOWN(start, PMD_SIZE);
		end = ALIGN_UP(end, PMD_SIZE);
		end_of_ram = end > end_of_ram ? end : end_of_ram;
		err = map_range_in(root, PAGE_OFFSET + start, start, end - start, NUMA_NO_NODE,
				   use_1g);
		if (err)
			return err;
		mapped += end - start;
	}
	/*
	 * All of the first 4 GiB, RAM or not: ACPI tables (which are not
	 * memblock memory), the LAPIC, IOAPIC and firmware live there.
	 */
	err = map_range_in(root, PAGE_OFFSET, 0, 4ULL << 30, NUMA_NO_NODE, use_1g);
	if (err)
		return err;
	/*
	 * Identity map of all RAM: share the direct map's PDPTs, one PML4
	 * entry per 512 GiB (entry 0 <- 273, 1 <- 274, ...).  The kexec stub
	 * runs at the physical address of whatever page buddy gave it.
	 */
	for (u64 s = 0; s < ALIGN_UP(end_of_ram, 1ULL << 39) >> 39; s++)
		root[s] = root[((PAGE_OFFSET >> 39) & 511) + s];
	/* The kernel image. */
	err = map_range_in(root, KERNEL_VIRT, kernel_phys_base,
			   ALIGN_UP((u64)(_kernel_end - _kernel_start), PMD_SIZE), NUMA_NO_NODE,
			   false);
	if (err)
		return err;

	write_cr3(__pa(root));
	pml4 = root;
	pr_info("direct map of %llu MiB with %s pages; identity map kept for AP start-up and kexec\n",
		(unsigned long long)(mapped >> 20), use_1g ? "1 GiB" : "2 MiB");
	return 0;
}
