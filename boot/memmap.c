/*
 * boot/memmap.c - convert the final UEFI memory map into the boot-info map.
 *
 * Runs after ExitBootServices, so it allocates nothing: entries are inserted
 * one at a time into the caller's array, kept sorted, and merged with their
 * neighbours on the way in.  Pure code, host-tested.
 */
#include "boot/memmap.h"
#include "boot/boot_errno.h"

/* Map one raw UEFI memory type to enum kholab_mem_type. */
u32 memmap_kholab_type(u32 efi_type)
{
	switch (efi_type) {
	case EFI_MT_CONVENTIONAL:
	case EFI_MT_BS_CODE:
	case EFI_MT_BS_DATA:
	case EFI_MT_LOADER_CODE:
	case EFI_MT_LOADER_DATA:
		return KHOLAB_MEM_USABLE;
	case EFI_MT_ACPI_RECLAIM:
		return KHOLAB_MEM_ACPI_RECLAIM;
	case EFI_MT_ACPI_NVS:
		return KHOLAB_MEM_ACPI_NVS;
	case EFI_MT_UNUSABLE:
		return KHOLAB_MEM_UNUSABLE;
	case EFI_MT_RT_CODE:
	case EFI_MT_RT_DATA:
		return KHOLAB_MEM_RUNTIME;
	case EFI_MT_MMIO:
	case EFI_MT_MMIO_PORT:
		return KHOLAB_MEM_MMIO;
	case EFI_MT_PERSISTENT:
		return KHOLAB_MEM_PERSISTENT;
	}
	if ((efi_type & 0x80000000u) &&
	    (efi_type & ~0x80000000u) < KHOLAB_MEM_NR_TYPES)
		return efi_type & ~0x80000000u;
	return KHOLAB_MEM_RESERVED;
}

/* True if @b starts where @a ends and both are the same kholab type. */
static bool mergeable(const struct kholab_mmap_entry *a,
		      const struct kholab_mmap_entry *b)
{
	return a->type == b->type && a->base + a->size == b->base;
}

/*
 * Insert @e into the sorted array @out of *@n entries (room for @max),
 * merging with its neighbours.  Returns 0, -EINVAL on overlap, -E2BIG if full.
 */
static int insert_entry(struct kholab_mmap_entry *out, u32 *n, u32 max,
			const struct kholab_mmap_entry *e)
{
	u32 i = *n, k;

	while (i > 0 && out[i - 1].base > e->base)
		i--;
	if (i > 0 && out[i - 1].base + out[i - 1].size > e->base)
		return -EINVAL;
	if (i < *n && e->base + e->size > out[i].base)
		return -EINVAL;

	if (i > 0 && mergeable(&out[i - 1], e)) {
		out[i - 1].size += e->size;
		if (i < *n && mergeable(&out[i - 1], &out[i])) {
			out[i - 1].size += out[i].size;
			for (k = i; k + 1 < *n; k++)
				out[k] = out[k + 1];
			(*n)--;
		}
		return 0;
	}
	if (i < *n && mergeable(e, &out[i])) {
		out[i].base = e->base;
		out[i].size += e->size;
		out[i].efi_type = e->efi_type;
		return 0;
	}
	if (*n >= max)
		return -E2BIG;
	for (k = *n; k > i; k--)
		out[k] = out[k - 1];
	out[i] = *e;
	(*n)++;
	return 0;
}

/* True for ranges that count towards phys_top. */
static bool counts_for_top(u32 type)
{
	return kholab_mem_is_ram(type) || type == KHOLAB_MEM_ACPI_RECLAIM ||
	       type == KHOLAB_MEM_ACPI_NVS;
}

/*
 * Convert the UEFI map (@map_size bytes, descriptors @desc_size apart) into
 * @out (room for @max entries): sorted by base, contiguous ranges of equal
 * kholab type merged.  Sets *@count and *@phys_top.  Returns 0, -E2BIG or
 * -EINVAL (see memmap.h).
 */
int memmap_convert(const void *map, u64 map_size, u64 desc_size,
		   struct kholab_mmap_entry *out, u32 max, u32 *count,
		   u64 *phys_top)
{
	struct kholab_mmap_entry e;
	struct efi_mdesc d;
	u64 off, top = 0;
	u32 n = 0, i;
	int ret;

	*count = 0;
	*phys_top = 0;
	if (desc_size < sizeof(d) || map_size % desc_size)
		return -EINVAL;

	for (off = 0; off < map_size; off += desc_size) {
		__builtin_memcpy(&d, (const u8 *)map + off, sizeof(d));
		if (d.pages == 0)
			continue;
		if (d.pages > (~0ULL - d.phys_start) / EFI_PAGE_BYTES)
			return -EINVAL;
		e.base = d.phys_start;
		e.size = d.pages * EFI_PAGE_BYTES;
		e.type = memmap_kholab_type(d.type);
		e.efi_type = d.type;
		ret = insert_entry(out, &n, max, &e);
		if (ret)
			return ret;
	}

	for (i = 0; i < n; i++)
		if (counts_for_top(out[i].type) && out[i].base + out[i].size > top)
			top = out[i].base + out[i].size;
	*count = n;
	*phys_top = top;
	return 0;
}
