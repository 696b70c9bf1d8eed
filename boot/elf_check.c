/*
 * boot/elf_check.c - decide whether a file is a kernel the loader can place.
 *
 * Pure code: no UEFI calls, so the host tests feed it hand-made images.
 * Every offset and size in the file is distrusted and checked for overflow
 * before it is used.
 */
#include "boot/elf_check.h"
#include "boot/boot_errno.h"

/* Record @why in @img and return -ENOEXEC. */
static int reject(struct elf_image *img, const char *why)
{
	img->reason = why;
	return -ENOEXEC;
}

/* Copy program header @i of a checked image into @ph (no alignment needs). */
void elf_read_phdr(const void *buf, const struct elf_image *img, u32 i,
		   struct elf64_phdr *ph)
{
	const u8 *p = (const u8 *)buf + img->phoff +
		      (u64)i * sizeof(struct elf64_phdr);

	__builtin_memcpy(ph, p, sizeof(*ph));
}

/* Check the ELF header alone; fills phoff/phnum/entry.  0 or -ENOEXEC. */
static int check_header(const void *buf, u64 len, struct elf_image *img)
{
	struct elf64_ehdr eh;
	u64 ph_bytes;

	if (len < sizeof(eh))
		return reject(img, "file too small for an ELF header");
	__builtin_memcpy(&eh, buf, sizeof(eh));
	for (int i = 0; i < ELF_MAGIC_LEN; i++)
		if (eh.e_ident[i] != (u8)ELF_MAGIC[i])
			return reject(img, "bad ELF magic");
	if (eh.e_ident[ELF_EI_CLASS] != ELF_CLASS64)
		return reject(img, "not ELFCLASS64");
	if (eh.e_ident[ELF_EI_DATA] != ELF_DATA2LSB)
		return reject(img, "not little endian");
	if (eh.e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT ||
	    eh.e_version != ELF_EV_CURRENT)
		return reject(img, "unknown ELF version");
	if (eh.e_machine != ELF_EM_X86_64)
		return reject(img, "machine is not x86-64");
	if (eh.e_type != ELF_ET_EXEC)
		return reject(img, "not an executable (ET_EXEC)");
	if (eh.e_phentsize != sizeof(struct elf64_phdr))
		return reject(img, "unexpected program header size");
	if (eh.e_phnum == 0)
		return reject(img, "no program headers");
	ph_bytes = (u64)eh.e_phnum * sizeof(struct elf64_phdr);
	if (eh.e_phoff > len || ph_bytes > len - eh.e_phoff)
		return reject(img, "program headers lie outside the file");
	img->phoff = eh.e_phoff;
	img->phnum = eh.e_phnum;
	img->entry = eh.e_entry;
	return 0;
}

/* Check one PT_LOAD against the file size.  0 or -ENOEXEC. */
static int check_segment(const struct elf64_phdr *ph, u64 len,
			 struct elf_image *img)
{
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return reject(img, "a PT_LOAD segment lies outside the file");
	if (ph->p_filesz > ph->p_memsz)
		return reject(img, "a PT_LOAD segment has p_filesz > p_memsz");
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return reject(img, "a PT_LOAD segment wraps the address space");
	return 0;
}

/* True if PT_LOADs @a and @b share any byte of address space. */
static bool segments_overlap(const struct elf64_phdr *a,
			     const struct elf64_phdr *b)
{
	if (a->p_memsz == 0 || b->p_memsz == 0)
		return false;
	return a->p_vaddr < b->p_vaddr + b->p_memsz &&
	       b->p_vaddr < a->p_vaddr + a->p_memsz;
}

/*
 * Validate the kernel ELF file @buf of @len bytes and fill @img.
 * Returns 0, or -ENOEXEC with @img->reason set.
 */
int elf_check(const void *buf, u64 len, struct elf_image *img)
{
	struct elf64_phdr ph, other;
	u64 lo = ~0ULL, hi = 0;
	bool entry_ok = false;
	u32 i, j, loads = 0;
	int ret;

	__builtin_memset(img, 0, sizeof(*img));
	ret = check_header(buf, len, img);
	if (ret)
		return ret;

	for (i = 0; i < img->phnum; i++) {
		elf_read_phdr(buf, img, i, &ph);
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		ret = check_segment(&ph, len, img);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			elf_read_phdr(buf, img, j, &other);
			if (other.p_type == ELF_PT_LOAD &&
			    segments_overlap(&ph, &other))
				return reject(img, "PT_LOAD segments overlap");
		}
		loads++;
		if (ph.p_vaddr < lo)
			lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > hi)
			hi = ph.p_vaddr + ph.p_memsz;
		if ((ph.p_flags & ELF_PF_X) && img->entry >= ph.p_vaddr &&
		    img->entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}

	if (loads == 0)
		return reject(img, "no PT_LOAD segment");
	if (lo & (ELF_IMAGE_ALIGN - 1))
		return reject(img, "lowest PT_LOAD is not 2 MiB aligned");
	if (hi <= lo)
		return reject(img, "image is empty (all p_memsz are 0)");
	if (hi - lo > ELF_IMAGE_MAX_SPAN)
		return reject(img, "image spans more than 1 GiB");
	if (!entry_ok)
		return reject(img, "entry point is not inside an executable PT_LOAD");

	img->lowest_vaddr = lo;
	img->span = hi - lo;
	img->entry_off = img->entry - lo;
	return 0;
}
