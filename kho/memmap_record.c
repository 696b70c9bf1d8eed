/*
 * kho/memmap_record.c - kho.memmap=handover's record on the receiving
 * side: read it, check all of it before using any of it, and answer which
 * sections' memmap was adopted.  The format and the design are in the DOC
 * of kho/memmap_handover.c; this file is what the fuzzer runs
 * (tests/fuzz/fuzz_kho_populate.c), so it needs nothing but the received
 * handoff and memblock.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <kho/kho_memmap.h>
#include <mm/memblock.h>
#include <mm/page.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <libfdt.h>
#include <string.h>
#include <stddef.h>
#include <errno.h>

struct kho_memmap_stats kho_memmap_stats;

/* The received record: pairs of {section, backing} inside the preserved FDT. */
static const u64 *pairs;
static u64 nr_pairs;

/* kho_memmap_layout - see kho_memmap.h. */
void kho_memmap_layout(u32 w[KHO_MEMMAP_LAYOUT_WORDS])
{
	w[0] = sizeof(struct page);
	w[1] = offsetof(struct page, flags);
	w[2] = offsetof(struct page, private);
	w[3] = offsetof(struct page, _refcount);
	w[4] = offsetof(struct page, _mapcount);
	w[5] = offsetof(struct page, init_count);
	w[6] = offsetof(struct page, compound_head);
	w[7] = PAGE_NID_SHIFT;
	w[8] = PAGE_ZONE_SHIFT;
}

/* kho_memmap_section - see kho_memmap.h. */
u64 kho_memmap_section(u64 i, u64 *sec, u64 *pa)
{
	if (i >= nr_pairs)
		return nr_pairs;
	memcpy(sec, &pairs[2 * i], 8);
	memcpy(pa, &pairs[2 * i + 1], 8);
	return nr_pairs;
}

/* pair - entry @i of the record being checked (before nr_pairs is set). */
static void pair(u64 i, u64 *sec, u64 *pa)
{
	memcpy(sec, &pairs[2 * i], 8);
	memcpy(pa, &pairs[2 * i + 1], 8);
}

/* backing_block - the received block that is exactly [@pa, @pa + 2 MiB), or NULL. */
static struct kho_block *backing_block(u64 pa)
{
	u64 n, lo = 0, hi;
	struct kho_block *b = kho_received_blocks(&n);

	for (hi = n; lo < hi;) {
		u64 mid = (lo + hi) / 2;

		if (b[mid].phys == pa)
			return b[mid].size == PMD_SIZE ? &b[mid] : NULL;
		if (b[mid].phys < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* check_record - the whole record must hold (see the DOC); NULL or what is wrong. */
static const char *check_record(const void *fdt, u64 *count)
{
	u32 mine[KHO_MEMMAP_LAYOUT_WORDS];
	const void *w, *v, *sec;
	int wl, vl, sl;
	u64 start, prev = 0;

	if (fdt_check_header(fdt) || fdt_node_check_compatible(fdt, 0, KHO_MEMMAP_COMPATIBLE))
		return "not a kholab-memmap-v1 tree";
	w = fdt_getprop(fdt, 0, "struct-page", &wl);
	v = fdt_getprop(fdt, 0, "vmemmap-start", &vl);
	sec = fdt_getprop(fdt, 0, "sections", &sl);
	kho_memmap_layout(mine);
	if (!w || wl != (int)sizeof(mine) || memcmp(w, mine, sizeof(mine)))
		return "its struct page layout is not this kernel's";
	if (!v || vl != 8 || (memcpy(&start, v, 8), start != VMEMMAP_START))
		return "its memmap is mapped elsewhere";
	if (!sec || sl % 16)
		return "its section list is missing or not pairs of u64";
	pairs = sec;
	*count = (u64)sl / 16;
	for (u64 i = 0; i < *count; i++) {
		u64 s, pa;

		pair(i, &s, &pa);
		if (i && s <= prev)
			return "its sections are not in ascending order";
		if (!memblock_is_region_memory(PFN_PHYS(section_nr_to_pfn(s)), PAGE_SIZE) &&
		    !memblock_is_memory(PFN_PHYS(section_nr_to_pfn(s + 1) - 1)))
			return "a section it lists holds no RAM here";
		if (!backing_block(pa))
			return "a backing it lists is not a preserved 2 MiB block";
		prev = s;
	}
	return NULL;
}

/* kho_memmap_receive - see kho_memmap.h. */
int kho_memmap_receive(void)
{
	const char *why;
	u64 phys, count = 0;

	pairs = NULL;
	nr_pairs = 0;
	if (!kho_is_revived() || kho_cfg.memmap != KHO_MEMMAP_HANDOVER ||
	    kho_retrieve_subtree(KHO_MEMMAP_SUBTREE, &phys, NULL))
		return 0;
	why = check_record(__va(phys), &count);
	if (why) {
		pairs = NULL;
		kho_memmap_stats.refused = why;
		pr_warn("memmap handover refused (%s); initialising every struct page instead\n", why);
		return -EINVAL;
	}
	nr_pairs = count;
	for (u64 i = 0; i < count; i++) {	/* the backings are memmap, not an owner's */
		u64 sec, pa;

		pair(i, &sec, &pa);
		backing_block(pa)->memmap_backing = true;
	}
	kho_memmap_stats.adopted_sections = count;
	pr_info("memmap handover: adopting the memmap of %llu sections\n", (unsigned long long)count);
	return 0;
}

/* find - index of section @sec in the record, or -1. */
static long find(u64 sec)
{
	u64 lo = 0, hi = nr_pairs;

	while (lo < hi) {
		u64 mid = (lo + hi) / 2, s, pa;

		pair(mid, &s, &pa);
		if (s == sec)
			return (long)mid;
		if (s < sec)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* kho_memmap_backing - see kho_memmap.h. */
phys_addr_t kho_memmap_backing(u64 sec)
{
	long i = nr_pairs ? find(sec) : -1;
	u64 s, pa;

	if (i < 0)
		return 0;
	pair((u64)i, &s, &pa);
	return pa;
}

/* kho_memmap_adopted - see kho_memmap.h. */
bool kho_memmap_adopted(const struct kho_block *b)
{
	return nr_pairs && !b->memmap_backing && find(pfn_to_section_nr(PHYS_PFN(b->phys))) >= 0;
}

