/*
 * mm/sparse.c - which 128 MiB sections hold RAM, and their memmaps.
 *
 * See the DOC in include/mm/page.h.  Sections are marked present from
 * memblock's memory ranges (so a q35 PCI hole, or any gap in the map, gets
 * no backing), each takes its node from those ranges, and each present
 * section gets a memmap through vmemmap_populate().
 */
#define pr_fmt(fmt) "sparse: " fmt

#include <mm/sparse.h>
#include <mm/memblock.h>
#include <kernel/printk.h>
#include <mm/mm_init.h>
#include <kernel/exit.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <string.h>
#include <errno.h>

static u64 nr_sections;		/* entries in mem_section[] */
phys_addr_t (*sparse_adopt_backing)(u64 section_nr);

/* memmap_fill - see sparse.h.  @bytes must be a multiple of 64. */
void memmap_fill(void *va, u64 bytes, u8 byte)
{
#ifdef KHOLAB_HOST_TEST
	memset(va, byte, bytes);
#else
	u64 pattern = 0x0101010101010101ULL * byte;
	u8 *end = (u8 *)va + bytes;

	/* eight 8-byte stores per 64 bytes: the same store pattern as memmap init */
	__asm__ volatile("1:\n\t"
			 "movq %1, 0(%0)\n\t"
			 "movq %1, 8(%0)\n\t"
			 "movq %1, 16(%0)\n\t"
			 "movq %1, 24(%0)\n\t"
			 "movq %1, 32(%0)\n\t"
			 "movq %1, 40(%0)\n\t"
			 "movq %1, 48(%0)\n\t"
			 "movq %1, 56(%0)\n\t"
			 "addq $64, %0\n\t"
			 "cmpq %2, %0\n\t"
			 "jb 1b"
			 : "+r"(va) : "r"(pattern), "r"(end) : "memory");
#endif
}

bool memmap_floor;

/* memmap_fill_all - fill every present section's memmap with @byte. */
static void memmap_fill_all(u8 byte)
{
	for (u64 sec = 0; sec < nr_sections; sec++)
		if ((mem_section[sec].flags & (SECTION_HAS_MEMMAP | SECTION_ADOPTED)) == SECTION_HAS_MEMMAP)
			memmap_fill(pfn_to_page(section_nr_to_pfn(sec)),
				    PAGES_PER_SECTION * sizeof(struct page), byte);
}

/* memmap_store_floor - see sparse.h. */
void memmap_store_floor(u64 *first_ns, u64 *warm_ns)
{
	u8 byte = memmap_poison ? MEMMAP_POISON_BYTE : 0;
	u64 t0 = rdtsc();

	memmap_fill_all(byte);		/* first touch: pays the host's faults under QEMU */
	*first_ns = tsc_to_ns(rdtsc() - t0);
	t0 = rdtsc();
	memmap_fill_all(byte);		/* the same bytes again, now faulted in */
	*warm_ns = tsc_to_ns(rdtsc() - t0);
	pr_info("store floor: %llu MiB of memmap written in %llu us on first touch, %llu us warm\n",
		(unsigned long long)(memmap_bytes() >> 20), (unsigned long long)(*first_ns / 1000),
		(unsigned long long)(*warm_ns / 1000));
}

/* memmap_bytes - see sparse.h. */
u64 memmap_bytes(void)
{
	u64 n = 0;

	for (u64 sec = 0; sec < nr_sections; sec++)
		if (mem_section[sec].flags & SECTION_HAS_MEMMAP)
			n += PAGES_PER_SECTION * sizeof(struct page);
	return n;
}

/* mark_present - record that [start_pfn, end_pfn) of node @nid holds RAM. */
static void mark_present(u64 start_pfn, u64 end_pfn, int nid)
{
	/* LAB sparse-vmemmap: BEGIN */
	/* LAB sparse-vmemmap: HINT the contract, and hints to unfold: docs/labs/sparse-vmemmap.md */
	/* LAB sparse-vmemmap: STUB (void)start_pfn; (void)end_pfn; (void)nid; */
	/* LAB sparse-vmemmap: STUB panic("lab sparse-vmemmap: mark_present() is not implemented"); */
	for (u64 sec = pfn_to_section_nr(start_pfn); sec <= pfn_to_section_nr(end_pfn - 1); sec++) {
		struct mem_section *ms = &mem_section[sec];

		if (ms->flags & SECTION_PRESENT && ms->nid != nid)
			pr_warn("section %llu holds RAM of nodes %d and %d; its memmap goes to node %d\n",
				(unsigned long long)sec, ms->nid, nid, ms->nid);
		if (!(ms->flags & SECTION_PRESENT)) {
			ms->flags |= SECTION_PRESENT;
			ms->nid = (u8)nid;
		}
	}
	/* LAB sparse-vmemmap: END */
}

/* sparse_init - see sparse.h. */
long sparse_init(bool poison)
{
	u64 start_pfn, end_pfn, present_sections = 0;
	int i, nid;

	max_pfn = PFN_DOWN(memblock_end_of_DRAM());
	nr_sections = pfn_to_section_nr(max_pfn - 1) + 1;
	mem_section = memblock_alloc(nr_sections * sizeof(*mem_section), 64);
	if (!mem_section)
		return -ENOMEM;

	for_each_mem_pfn_range(i, NUMA_NO_NODE, &start_pfn, &end_pfn, &nid)
		if (end_pfn > start_pfn)
			mark_present(start_pfn, end_pfn, nid);

	for (u64 sec = 0; sec < nr_sections; sec++) {
		struct mem_section *ms = &mem_section[sec];
		phys_addr_t adopt;
		int err;

		if (!(ms->flags & SECTION_PRESENT))
			continue;
		adopt = sparse_adopt_backing ? sparse_adopt_backing(sec) : 0;
		if (adopt)
			ms->flags |= SECTION_ADOPTED;
		err = adopt ? vmemmap_map_backing(sec, adopt, ms->nid) : vmemmap_populate(sec, ms->nid);
		if (err) {
			pr_err("no memory for the memmap of section %llu (node %d)\n",
			       (unsigned long long)sec, ms->nid);
			return err;
		}
		ms->flags |= SECTION_HAS_MEMMAP;
		present_sections++;
	}

	/*
	 * The backing is not written here: memmap init writes every byte of
	 * each struct page itself, in the phase its strategy gives it.  Only
	 * the poison check mode fills it first, so that a struct page no one
	 * initialised still reads as poison.
	 */
	if (poison)
		memmap_fill_all(MEMMAP_POISON_BYTE);

	pr_info("%llu of %llu sections present, %llu MiB of memmap%s\n",
		(unsigned long long)present_sections, (unsigned long long)nr_sections,
		(unsigned long long)(present_sections * 2), poison ? " (poisoned)" : "");
	return (long)present_sections;
}
