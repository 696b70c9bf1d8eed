/*
 * kernel/bootinfo.c - checking the boot info the loader or kexec left us.
 *
 * Nothing from the boot info is used before bootinfo_validate() accepted
 * it: a mismatched version means the loader and kernel were built from
 * different trees, and guessing at field meanings would corrupt memory.
 */
#include <kernel/boot.h>
#include <kernel/layout.h>
#include <stdio.h>
#include <errno.h>

/* What this kernel was booted as: start_kernel() sets both first thing. */
phys_addr_t kernel_phys_base;	/* where the image runs (layout.h: __pa()) */
u64 kholab_generation;		/* the boot info's generation: 0 on a cold boot */

static const char *const type_names[KHOLAB_MEM_NR_TYPES] = {
	[KHOLAB_MEM_RESERVED] = "reserved",
	[KHOLAB_MEM_USABLE] = "usable",
	[KHOLAB_MEM_ACPI_RECLAIM] = "ACPI reclaim",
	[KHOLAB_MEM_ACPI_NVS] = "ACPI NVS",
	[KHOLAB_MEM_UNUSABLE] = "unusable",
	[KHOLAB_MEM_RUNTIME] = "UEFI runtime",
	[KHOLAB_MEM_MMIO] = "MMIO",
	[KHOLAB_MEM_PERSISTENT] = "persistent",
	[KHOLAB_MEM_KERNEL] = "kernel",
	[KHOLAB_MEM_KERNEL_ELF] = "kernel ELF",
	[KHOLAB_MEM_BOOTINFO] = "boot info",
	[KHOLAB_MEM_LOADER_DATA] = "loader data",
};

/* mem_type_name - see boot.h. */
const char *mem_type_name(u32 type)
{
	return type < KHOLAB_MEM_NR_TYPES ? type_names[type] : "unknown";
}

/* bootinfo_validate - see boot.h. */
int bootinfo_validate(const struct kholab_bootinfo *bi, char *why, size_t len)
{
	if (bi->magic != KHOLAB_BOOTINFO_MAGIC) {
		snprintf(why, len, "bootinfo: bad magic 0x%llx (expected 0x%llx)",
			 (unsigned long long)bi->magic, (unsigned long long)KHOLAB_BOOTINFO_MAGIC);
		return -EINVAL;
	}
	if (bi->version != KHOLAB_BOOTINFO_VERSION) {
		snprintf(why, len, "bootinfo: version %u not supported (this kernel speaks version %u)",
			 bi->version, KHOLAB_BOOTINFO_VERSION);
		return -EINVAL;
	}
	if (bi->size < sizeof(*bi)) {
		snprintf(why, len, "bootinfo: size %u too small (this kernel needs %zu)",
			 bi->size, sizeof(*bi));
		return -EINVAL;
	}
	if (bi->mmap_entry_size != sizeof(struct kholab_mmap_entry)) {
		snprintf(why, len, "bootinfo: memory map entry size %u (expected %zu)",
			 bi->mmap_entry_size, sizeof(struct kholab_mmap_entry));
		return -EINVAL;
	}
	if (!bi->mmap_count || bi->mmap_count > KHOLAB_MMAP_MAX || !bi->mmap_phys) {
		snprintf(why, len, "bootinfo: memory map has %u entries (allowed 1..%u)",
			 bi->mmap_count, KHOLAB_MMAP_MAX);
		return -EINVAL;
	}
	if (bi->cmdline_len >= KHOLAB_CMDLINE_MAX || (bi->cmdline_len && !bi->cmdline_phys)) {
		snprintf(why, len, "bootinfo: command line length %u (maximum %u)",
			 bi->cmdline_len, KHOLAB_CMDLINE_MAX - 1);
		return -EINVAL;
	}
	if (!bi->kernel_phys || (bi->kernel_phys & ((1ULL << 21) - 1))) {
		snprintf(why, len, "bootinfo: kernel at 0x%llx is not 2 MiB aligned",
			 (unsigned long long)bi->kernel_phys);
		return -EINVAL;
	}
	return 0;
}

/* bootinfo_check_map - see boot.h. */
int bootinfo_check_map(const struct kholab_mmap_entry *map, u32 count, char *why, size_t len)
{
	for (u32 i = 0; i < count; i++) {
		if (map[i].base + map[i].size < map[i].base) {
			snprintf(why, len, "bootinfo: memory map entry %u wraps around", i);
			return -EINVAL;
		}
		if (i && map[i].base < map[i - 1].base + map[i - 1].size) {
			snprintf(why, len,
				 "bootinfo: memory map entries %u and %u overlap or are unsorted", i - 1, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* bootinfo_usable_bytes - see boot.h. */
u64 bootinfo_usable_bytes(const struct kholab_bootinfo *bi,
			  const struct kholab_mmap_entry *map)
{
	u64 sum = 0;

	for (u32 i = 0; i < bi->mmap_count; i++)
		if (kholab_mem_is_ram(map[i].type))
			sum += map[i].size;
	return sum;
}
