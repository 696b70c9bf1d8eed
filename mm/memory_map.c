/*
 * mm/memory_map.c - put the boot-info memory map in order (Linux: sanitize
 * the e820 table) and hand it to memblock.  The rules, and why the name, are
 * the DOC: comment in include/mm/memory_map.h.
 *
 * Sanitizing is a sweep over boundaries: every entry's start and end is a
 * boundary; between two neighbouring boundaries the type is that of the
 * strongest entry covering the stretch (or a hole if none does).  Stretches
 * are emitted in address order and touching ones of equal type merged.
 * All work happens in static scratch arrays (there is no allocator yet), so
 * the caller's map is only written once the result is known to fit.
 */
#define pr_fmt(fmt) "memory_map: " fmt

#include <mm/memory_map.h>
#include <kernel/boot.h>
#include <mm/memblock.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <errno.h>

#define ULL(x)			((unsigned long long)(x))
#define MAX_OVERLAP_WARNINGS	16	/* then one summary line */

static struct kholab_mmap_entry in[KHOLAB_MMAP_MAX];
static struct kholab_mmap_entry out[2 * KHOLAB_MMAP_MAX];
static u64 bounds[2 * KHOLAB_MMAP_MAX];

/*
 * Which type wins where two entries overlap: the later in this list.  The
 * RAM types (usable memory and what the loader placed in it) come first,
 * so any firmware type wins over them.
 */
static const u32 weakest_first[] = {
	KHOLAB_MEM_USABLE, KHOLAB_MEM_LOADER_DATA, KHOLAB_MEM_BOOTINFO, KHOLAB_MEM_KERNEL_ELF,
	KHOLAB_MEM_KERNEL, KHOLAB_MEM_ACPI_RECLAIM, KHOLAB_MEM_PERSISTENT, KHOLAB_MEM_ACPI_NVS,
	KHOLAB_MEM_RUNTIME, KHOLAB_MEM_MMIO, KHOLAB_MEM_RESERVED, KHOLAB_MEM_UNUSABLE,
};
_Static_assert(sizeof(weakest_first) / sizeof(weakest_first[0]) == KHOLAB_MEM_NR_TYPES,
	       "every memory type has a strength");

/* strength - @type's place in weakest_first[] (an unknown type is strongest). */
static unsigned int strength(u32 type)
{
	for (unsigned int i = 0; i < KHOLAB_MEM_NR_TYPES; i++)
		if (weakest_first[i] == type)
			return i;
	return KHOLAB_MEM_NR_TYPES;
}


static u64 entry_end(const struct kholab_mmap_entry *e)
{
	return e->base + e->size;
}

/* stronger - does type @a win an overlap against type @b? */
static bool stronger(u32 a, u32 b)
{
	return strength(a) > strength(b);
}

/* sort_entries - stable insertion sort by base; true if anything moved. */
static bool sort_entries(struct kholab_mmap_entry *e, u32 n)
{
	bool moved = false;

	for (u32 i = 1; i < n; i++) {
		struct kholab_mmap_entry key = e[i];
		u32 j = i;

		while (j > 0 && e[j - 1].base > key.base) {
			e[j] = e[j - 1];
			j--;
		}
		if (j != i) {
			e[j] = key;
			moved = true;
		}
	}
	return moved;
}

static void sort_u64(u64 *v, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 key = v[i];
		u32 j = i;

		while (j > 0 && v[j - 1] > key) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = key;
	}
}

/* copy_checked - copy @map to in[], dropping and clipping; return count. */
static u32 copy_checked(const struct kholab_mmap_entry *map, u32 n)
{
	u32 m = 0;

	for (u32 i = 0; i < n; i++) {
		struct kholab_mmap_entry e = map[i];

		if (e.size > ~0ULL - e.base) {
			pr_warn("entry %u [%#llx, +%#llx) runs past 2^64; clipped "
				"to end at %#llx\n", i, ULL(e.base), ULL(e.size),
				ULL(~0ULL));
			e.size = ~0ULL - e.base;
		}
		if (!e.size) {
			pr_warn("entry %u at %#llx (%s) has length 0; dropped\n",
				i, ULL(e.base), mem_type_name(e.type));
			continue;
		}
		if (e.type >= KHOLAB_MEM_NR_TYPES) {
			pr_warn("entry %u [%#llx-%#llx] has unknown type %u; "
				"treated as reserved\n", i, ULL(e.base),
				ULL(entry_end(&e) - 1), e.type);
			e.type = KHOLAB_MEM_RESERVED;
		}
		in[m++] = e;
	}
	return m;
}

/* warn_overlaps - one pr_warn per overlapping pair (sorted input). */
static void warn_overlaps(u32 n)
{
	u32 warned = 0, more = 0;

	for (u32 i = 0; i < n; i++) {
		for (u32 j = i + 1; j < n && in[j].base < entry_end(&in[i]); j++) {
			const struct kholab_mmap_entry *a = &in[i], *b = &in[j];
			u64 end = entry_end(a) < entry_end(b) ? entry_end(a)
							      : entry_end(b);
			u32 win = stronger(b->type, a->type) ? b->type : a->type;

			if (warned++ >= MAX_OVERLAP_WARNINGS) {
				more++;
				continue;
			}
			pr_warn("entries [%#llx-%#llx] (%s) and [%#llx-%#llx] (%s) "
				"overlap; [%#llx-%#llx] is taken as %s\n",
				ULL(a->base), ULL(entry_end(a) - 1),
				mem_type_name(a->type), ULL(b->base),
				ULL(entry_end(b) - 1), mem_type_name(b->type),
				ULL(b->base), ULL(end - 1), mem_type_name(win));
		}
	}
	if (more)
		pr_warn("%u more overlapping pairs resolved the same way\n", more);
}

/* sweep - build out[] from the sorted in[]; return the entry count. */
static u32 sweep(u32 n)
{
	u32 nb = 0, k = 0;

	for (u32 i = 0; i < n; i++) {
		bounds[nb++] = in[i].base;
		bounds[nb++] = entry_end(&in[i]);
	}
	sort_u64(bounds, nb);

	for (u32 x = 0; x + 1 < nb; x++) {
		u64 s = bounds[x], e = bounds[x + 1];
		int win = -1;

		if (s == e)
			continue;
		/* Boundaries include every end, so an entry covers all or none. */
		for (u32 i = 0; i < n && in[i].base <= s; i++) {
			if (entry_end(&in[i]) <= s)
				continue;
			if (win < 0 || stronger(in[i].type, in[win].type))
				win = (int)i;
		}
		if (win < 0)
			continue;	/* a hole */
		if (k && entry_end(&out[k - 1]) == s &&
		    out[k - 1].type == in[win].type) {
			out[k - 1].size += e - s;
			if (out[k - 1].efi_type != in[win].efi_type)
				out[k - 1].efi_type = ~0u;
			continue;
		}
		out[k].base = s;
		out[k].size = e - s;
		out[k].type = in[win].type;
		out[k].efi_type = in[win].efi_type;
		k++;
	}
	return k;
}

/* memory_map_sanitize - see memory_map.h. */
int memory_map_sanitize(struct kholab_mmap_entry *map, u32 *count, u32 max)
{
	u32 n, k;

	if (!map || !count) {
		pr_err("sanitize: no map given; nothing done\n");
		return -EINVAL;
	}
	if (*count > max || *count > KHOLAB_MMAP_MAX) {
		pr_err("sanitize: %u entries do not fit (capacity %u, at most "
		       "%u supported); map left as it was\n", *count, max,
		       KHOLAB_MMAP_MAX);
		return -EINVAL;
	}

	n = copy_checked(map, *count);
	if (sort_entries(in, n))
		pr_warn("the memory map is not sorted by address; sorted it\n");
	warn_overlaps(n);
	k = sweep(n);

	if (k > max) {
		pr_err("sanitize: the cleaned map needs %u entries but only %u "
		       "fit; map left as it was\n", k, max);
		return -ENOSPC;
	}
	for (u32 i = 0; i < k; i++)
		map[i] = out[i];
	*count = k;
	return 0;
}

/* is_kernel_owned - types that are RAM but in use by the kernel at entry. */
static bool is_kernel_owned(u32 type)
{
	return type == KHOLAB_MEM_KERNEL || type == KHOLAB_MEM_KERNEL_ELF ||
	       type == KHOLAB_MEM_BOOTINFO || type == KHOLAB_MEM_LOADER_DATA;
}

/*
 * add_ram - add one run of touching RAM entries [s, e), shrunk inward to
 * whole pages.  Return: bytes added (0 when no whole page), or an errno
 * through *@err.
 */
static u64 add_ram(u64 s, u64 e, int *err)
{
	u64 ps = ALIGN_UP(s, PAGE_SIZE), pe = ALIGN_DOWN(e, PAGE_SIZE);

	if (ps < s || pe <= ps) {
		pr_warn("RAM [%#llx-%#llx] holds no whole page; not used\n",
			ULL(s), ULL(e - 1));
		return 0;
	}
	if (ps != s || pe != e)
		pr_warn("RAM [%#llx-%#llx] is not page aligned; using "
			"[%#llx-%#llx]\n", ULL(s), ULL(e - 1), ULL(ps),
			ULL(pe - 1));
	*err = memblock_add_node(ps, pe - ps, 0, MEMBLOCK_NONE);
	return *err ? 0 : pe - ps;
}

/* memblock_init_from_map - see memory_map.h. */
int memblock_init_from_map(const struct kholab_mmap_entry *map, u32 count)
{
	u64 ram = 0, run_s = 0, run_e = 0;
	bool in_run = false;
	int err = 0;

	for (u32 i = 0; i < count && !err; i++) {
		const struct kholab_mmap_entry *e = &map[i];
		u64 end = e->size > ~0ULL - e->base ? ~0ULL : entry_end(e);

		if (!e->size)
			continue;
		if (kholab_mem_is_ram(e->type)) {
			if (in_run && e->base == run_e) {
				run_e = end;
			} else {
				if (in_run)
					ram += add_ram(run_s, run_e, &err);
				run_s = e->base;
				run_e = end;
				in_run = true;
			}
		}
		if (!err && is_kernel_owned(e->type)) {
			u64 rs = ALIGN_DOWN(e->base, PAGE_SIZE);
			u64 re = ALIGN_UP(end, PAGE_SIZE);

			if (re < end)
				re = ~0ULL;
			err = memblock_reserve_kern(rs, re - rs);
		}
	}
	if (in_run && !err)
		ram += add_ram(run_s, run_e, &err);
	if (!err)
		err = memblock_reserve(0, PAGE_SIZE);
	if (!err)
		err = memblock_set_node(0, PHYS_ADDR_MAX, &memblock.reserved, 0);
	if (err) {
		pr_err("memblock ran out of room for the boot memory map (%d); "
		       "the map is only partly described\n", err);
		return err;
	}
	if (!ram) {
		pr_err("no usable RAM (not one whole page) in the boot memory "
		       "map of %u entries; the kernel cannot continue\n", count);
		return -ENOMEM;
	}
	pr_info("%llu KiB of RAM in %llu regions, %llu KiB reserved\n",
		ULL(memblock_phys_mem_size() >> 10), ULL(memblock.memory.cnt),
		ULL(memblock_reserved_size() >> 10));
	memblock_dump_all();
	return 0;
}
