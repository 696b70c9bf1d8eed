/*
 * kho/scratch.c - the scratch areas: memory guaranteed free of preserved
 * data, where the next kernel lives and allocates until it has reserved
 * everything it was handed.
 *
 * DOC: KHO scratch
 *
 * A cold boot reserves nr_nodes + 2 areas: [0] lowmem (below 4 GiB: the
 * next kernel's page-table root must be there), [1] global (the next
 * kernel image, its ELF copy and boot info, then any-node allocations;
 * below DIRECT_MAP_MAX_GIB, since the next kernel starts there on boot page
 * tables that map no more), [2 + n] one per node (its memmap, allocated on
 * the node, anywhere in it).  Sizes follow
 * Linux: by default 200% of the memory this kernel itself reserved from
 * memblock (RSRV_KERN) below 4 GiB, in total minus that, and per node;
 * kho_scratch=N% changes the percentage, kho_scratch=L,G,N gives sizes.
 * Every later generation receives the array and keeps the same addresses.
 *
 * Unlike Linux, which lets scratch serve movable allocations after boot
 * (CMA), kholab keeps scratch reserved for the kernel's whole life: simpler,
 * and no preserved folio can ever land in it.  Memory below 1 MiB is scratch
 * on every KHO boot (the AP trampoline needs a page there).
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <kho/kho_internal.h>
#include <mm/memblock.h>
#include <mm/mmzone.h>
#include <kernel/cmdline.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <string.h>
#include <errno.h>

#define SCRATCH_ALIGN		(4ULL << 20)	/* Linux: PAGE_SIZE << MAX_PAGE_ORDER, addresses and sizes */
#define SCRATCH_MIN		(16ULL << 20)	/* the global area also holds the next kernel */

/* kho_parse_scratch_arg - see kho_config.h. */
int kho_parse_scratch_arg(const char *arg)
{
	char buf[64], *parts[3];
	u64 v[3];
	size_t len = strlen(arg);
	int n = 0;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (arg[len - 1] == '%') {
		memcpy(buf, arg, len - 1);
		buf[len - 1] = 0;
		if (parse_size(buf, false, &v[0]) || !v[0] || v[0] > 10000)
			return -EINVAL;
		kho_cfg.scratch_scale = v[0];
		kho_cfg.scratch_lowmem = kho_cfg.scratch_global = kho_cfg.scratch_pernode = 0;
		return 0;
	}
	memcpy(buf, arg, len + 1);
	parts[n++] = buf;
	for (char *p = buf; *p && n < 3; p++)
		if (*p == ',') {
			*p = 0;
			parts[n++] = p + 1;
		}
	if (n != 3)
		return -EINVAL;
	for (int i = 0; i < 3; i++)
		if (parse_size(parts[i], true, &v[i]) || !v[i])
			return -EINVAL;
	kho_cfg.scratch_lowmem = v[0];
	kho_cfg.scratch_global = v[1];
	kho_cfg.scratch_pernode = v[2];
	return 0;
}

/* scale - @bytes times the configured percentage, rounded up to SCRATCH_ALIGN. */
static u64 scale(u64 bytes)
{
	return ALIGN_UP(bytes * kho_cfg.scratch_scale / 100, SCRATCH_ALIGN);
}

/* alloc_area - reserve one scratch area; 0 on failure (logged). */
static phys_addr_t alloc_area(const char *what, u64 size, phys_addr_t min, phys_addr_t max,
			      int nid)
{
	phys_addr_t pa;

	if (nid >= 0) {
		void *va = memblock_alloc_exact_nid_raw(size, SCRATCH_ALIGN, min, max, nid);

		pa = va ? __pa(va) : 0;
	} else {
		pa = memblock_phys_alloc_range(size, SCRATCH_ALIGN, min, max);
	}
	if (!pa)
		pr_err("cannot reserve %llu MiB of %s scratch; the next kernel cannot be revived\n",
		       (unsigned long long)(size >> 20), what);
	return pa;
}

/* kho_note_scratch_free - see kho_internal.h: memblock's free ranges inside scratch. */
void kho_note_scratch_free(void)
{
	phys_addr_t start, end;
	u64 i;

	kho_nr_scratch_free = 0;
	for (int s = 0; s < kho_nr_scratch; s++) {
		u64 a = kho_scratch[s].addr, e = a + kho_scratch[s].size;

		for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, NULL) {
			u64 lo = start > a ? start : a, hi = end < e ? end : e;

			if (lo < hi && kho_nr_scratch_free < KHO_MAX_SCRATCH_FREE)
				kho_scratch_free[kho_nr_scratch_free++] = (struct kho_scratch){ lo, hi - lo };
		}
	}
}

/* kho_scratch_free_ranges - see kho_boot.h. */
int kho_scratch_free_ranges(const struct kho_scratch **ranges)
{
	*ranges = kho_scratch_free;
	return kho_nr_scratch_free;
}

/*
 * kho_next_kernel_area - see kho_boot.h: the global area [1].  A kholab
 * generation started by kexec runs from the start of that area itself, and
 * the next one replaces it in place (the relocation stub and its segment
 * list live outside scratch).  When the area is empty - a Linux sender
 * whose RAM is all below 4 GiB sends it with size 0 - the largest range of
 * scratch this kernel left free.
 */
int kho_next_kernel_area(u64 *addr, u64 *size)
{
	int best = -1;

	if (kho_nr_scratch < 3)
		return -ENODEV;
	if (kho_scratch[1].size) {
		*addr = kho_scratch[1].addr;
		*size = kho_scratch[1].size;
		return 0;
	}
	for (int i = 0; i < kho_nr_scratch_free; i++)
		if (best < 0 || kho_scratch_free[i].size > kho_scratch_free[best].size)
			best = i;
	if (best < 0)
		return -ENOSPC;
	*addr = kho_scratch_free[best].addr;
	*size = kho_scratch_free[best].size;
	return 0;
}

/* kho_reserve_scratch - see kho_boot.h. */
void kho_reserve_scratch(void)
{
	u64 low, global, node[MAX_NUMNODES];
	bool ok = true;

	if (!kho_cfg.enabled || kho_is_revived())
		return;
	low = memblock_reserved_kern_size(1ULL << 32, NUMA_NO_NODE);
	if (kho_cfg.scratch_lowmem) {
		low = ALIGN_UP(kho_cfg.scratch_lowmem, SCRATCH_ALIGN);
		global = ALIGN_UP(kho_cfg.scratch_global, SCRATCH_ALIGN);
	} else {
		global = scale(memblock_reserved_kern_size(MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE) - low);
		low = scale(low);
	}
	if (!kho_cfg.scratch_lowmem && global < SCRATCH_MIN)
		global = SCRATCH_MIN;	/* the default rule; explicit sizes are taken as given */
	for (int n = 0; n < nr_online_nodes; n++)
		node[n] = kho_cfg.scratch_pernode ? ALIGN_UP(kho_cfg.scratch_pernode, SCRATCH_ALIGN) :
			  scale(memblock_reserved_kern_size(MEMBLOCK_ALLOC_ANYWHERE, n));

	kho_scratch[0] = (struct kho_scratch){ alloc_area("lowmem", low, 1ULL << 20, 1ULL << 32, -1), low };
	kho_scratch[1] = (struct kho_scratch){ alloc_area("global", global, 0,
							 (u64)DIRECT_MAP_MAX_GIB << 30, -1), global };
	ok = kho_scratch[0].addr && kho_scratch[1].addr;
	for (int n = 0; n < nr_online_nodes && ok; n++) {
		kho_scratch[2 + n].size = node[n];
		kho_scratch[2 + n].addr = alloc_area("node", node[n], 0, MEMBLOCK_ALLOC_ANYWHERE, n);
		ok = kho_scratch[2 + n].addr != 0;
	}
	if (!ok) {
		kho_nr_scratch = 0;
		kho_cfg.enabled = false;
		pr_err("scratch reservation failed; KHO is off for this boot\n");
		return;
	}
	kho_nr_scratch = 2 + nr_online_nodes;
	for (int i = 0; i < kho_nr_scratch && i < KHO_MAX_SCRATCH_FREE; i++)
		kho_scratch_free[i] = kho_scratch[i];	/* fresh areas: all free */
	kho_nr_scratch_free = kho_nr_scratch < KHO_MAX_SCRATCH_FREE ? kho_nr_scratch :
			      KHO_MAX_SCRATCH_FREE;
	for (int i = 0; i < kho_nr_scratch; i++)
		pr_info("scratch[%d] %-7s [0x%llx-0x%llx) %llu MiB\n", i,
			i == 0 ? "lowmem" : i == 1 ? "global" : "node",
			(unsigned long long)kho_scratch[i].addr,
			(unsigned long long)(kho_scratch[i].addr + kho_scratch[i].size),
			(unsigned long long)(kho_scratch[i].size >> 20));
}
