/*
 * boot/elf.c - copy the PT_LOAD segments of a checked kernel ELF to the
 * physical base the loader chose.
 */
#include "boot/loader.h"

/*
 * Copy every PT_LOAD of @elf to @phys + (p_vaddr - lowest_vaddr).  The
 * whole span is zeroed first, so bss and any gaps read as zero.
 */
void elf_load_segments(const void *elf, const struct elf_image *img, u64 phys)
{
	struct elf64_phdr ph;
	u32 i;

	__builtin_memset((void *)phys, 0, img->span);
	for (i = 0; i < img->phnum; i++) {
		elf_read_phdr(elf, img, i, &ph);
		if (ph.p_type != ELF_PT_LOAD || ph.p_filesz == 0)
			continue;
		__builtin_memcpy((u8 *)phys + (ph.p_vaddr - img->lowest_vaddr),
				 (const u8 *)elf + ph.p_offset, ph.p_filesz);
	}
}
