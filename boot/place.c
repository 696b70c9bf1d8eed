/*
 * boot/place.c - choose the 2 MiB aligned physical base of the kernel image
 * (load_addr=auto|random|0xHEX) and allocate it as KHOLAB_MEM_KERNEL.
 */
#include "boot/loader.h"
#include "boot/memmap.h"

#define KERNEL_EFI_TYPE	((EFI_MEMORY_TYPE)KHOLAB_EFI_TYPE(KHOLAB_MEM_KERNEL))
#define RANDOM_TRIES	8
/* Random placement never picks a slot below this (real-mode leftovers). */
#define RANDOM_MIN	0x1000000ULL

/* Round @v up to a multiple of 2 MiB. */
static u64 align_up_2m(u64 v)
{
	return (v + TWO_MIB - 1) & ~(TWO_MIB - 1);
}

/*
 * auto: the highest 2 MiB aligned spot below 4 GiB.  Allocate 2 MiB more
 * than needed as high as the firmware will, then free the unaligned head
 * and tail.
 */
static EFI_STATUS place_auto(u64 pages, u64 *phys)
{
	u64 extra = TWO_MIB / EFI_PAGE_SIZE, head, aligned;
	EFI_PHYSICAL_ADDRESS addr = FOUR_GIB - 1;
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateMaxAddress, KERNEL_EFI_TYPE,
			       pages + extra, &addr);
	if (EFI_ERROR(st)) {
		log_efi_error(L"AllocatePages(kernel, below 4 GiB)", st);
		return st;
	}
	aligned = align_up_2m(addr);
	head = (aligned - addr) / EFI_PAGE_SIZE;
	if (head) {
		st = BS->FreePages(addr, head);
		if (EFI_ERROR(st)) {
			log_efi_error(L"FreePages(kernel head)", st);
			return st;
		}
	}
	if (extra - head) {
		st = BS->FreePages(aligned + pages * EFI_PAGE_SIZE, extra - head);
		if (EFI_ERROR(st)) {
			log_efi_error(L"FreePages(kernel tail)", st);
			return st;
		}
	}
	*phys = aligned;
	return EFI_SUCCESS;
}

/* 0xHEX: exactly at @want, or a message naming the address. */
static EFI_STATUS place_fixed(u64 pages, u64 want, u64 *phys)
{
	EFI_PHYSICAL_ADDRESS addr = want;
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateAddress, KERNEL_EFI_TYPE, pages, &addr);
	if (EFI_ERROR(st)) {
		Print(L"kholab-boot: cannot place the kernel at load_addr=0x%lx "
		      L"(%ld bytes): AllocatePages failed: %r (0x%lx); giving up\n",
		      want, pages * EFI_PAGE_SIZE, st, (UINT64)st);
		return st;
	}
	*phys = addr;
	return EFI_SUCCESS;
}

/* Read the current memory map into pool memory (*@map, free with FreePool). */
static EFI_STATUS read_map(void **map, UINTN *size, UINTN *dsize)
{
	UINTN key;
	UINT32 ver;
	EFI_STATUS st;

	*size = 0;
	*map = NULL;
	st = BS->GetMemoryMap(size, NULL, &key, dsize, &ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		log_efi_error(L"GetMemoryMap(size)", st);
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	*size += 8 * *dsize;
	st = BS->AllocatePool(EfiLoaderData, *size, map);
	if (EFI_ERROR(st)) {
		log_efi_error(L"AllocatePool(memory map)", st);
		return st;
	}
	st = BS->GetMemoryMap(size, *map, &key, dsize, &ver);
	if (EFI_ERROR(st)) {
		log_efi_error(L"GetMemoryMap", st);
		(void)BS->FreePool(*map);	/* already failing */
	}
	return st;
}

/*
 * Number of 2 MiB aligned slots of @bytes in conventional range @d; *@first
 * gets the lowest one.
 */
static u64 slots_in(const EFI_MEMORY_DESCRIPTOR *d, u64 bytes, u64 *first)
{
	u64 start = d->PhysicalStart, end = start + d->NumberOfPages * EFI_PAGE_SIZE;

	if (d->Type != EfiConventionalMemory)
		return 0;
	if (start < RANDOM_MIN)
		start = RANDOM_MIN;
	start = align_up_2m(start);
	if (start >= end || end - start < bytes)
		return 0;
	*first = start;
	return (end - bytes - start) / TWO_MIB + 1;
}

/* Turn slot number @n (counted over the whole map) into an address. */
static u64 slot_addr(void *map, UINTN size, UINTN dsize, u64 bytes, u64 n)
{
	u64 off, first = 0, k;

	for (off = 0; off < size; off += dsize) {
		k = slots_in((EFI_MEMORY_DESCRIPTOR *)((u8 *)map + off), bytes,
			     &first);
		if (n < k)
			return first + n * TWO_MIB;
		n -= k;
	}
	return 0;
}

/* random: a random slot in conventional memory; bounded retries. */
static EFI_STATUS place_random(const struct boot_config *cfg, u64 pages,
			       u64 *phys)
{
	u64 bytes = pages * EFI_PAGE_SIZE, total = 0, first, off, round;
	EFI_PHYSICAL_ADDRESS addr;
	UINTN size, dsize;
	EFI_STATUS st;
	void *map;

	st = read_map(&map, &size, &dsize);
	if (EFI_ERROR(st))
		return st;
	for (off = 0; off < size; off += dsize)
		total += slots_in((EFI_MEMORY_DESCRIPTOR *)((u8 *)map + off),
				  bytes, &first);
	st = EFI_OUT_OF_RESOURCES;
	for (round = 0; total && round < RANDOM_TRIES; round++) {
		addr = slot_addr(map, size, dsize, bytes,
				 random_u64(cfg, round) % total);
		st = BS->AllocatePages(AllocateAddress, KERNEL_EFI_TYPE, pages,
				       &addr);
		if (!EFI_ERROR(st)) {
			Print(L"kholab-boot: load_addr=random chose 0x%lx "
			      L"(one of %ld slots, try %ld)\n", addr, total, round + 1);
			*phys = addr;
			break;
		}
	}
	if (EFI_ERROR(st))
		Print(L"kholab-boot: load_addr=random found no free 2 MiB aligned "
		      L"range of %ld bytes (%ld candidates, %ld tries): %r; giving up\n",
		      bytes, total, round, st);
	if (EFI_ERROR(BS->FreePool(map)) && !EFI_ERROR(st)) {
		log_efi_error(L"FreePool(memory map)", EFI_INVALID_PARAMETER);
		st = EFI_INVALID_PARAMETER;
	}
	return st;
}

/*
 * Allocate @span bytes for the kernel image where @cfg says; *@phys gets
 * the 2 MiB aligned base.  EFI_SUCCESS or the failing status (printed).
 */
EFI_STATUS place_kernel(const struct boot_config *cfg, u64 span, u64 *phys)
{
	u64 pages = EFI_SIZE_TO_PAGES(span);

	switch (cfg->load_mode) {
	case LOAD_RANDOM:
		return place_random(cfg, pages, phys);
	case LOAD_FIXED:
		return place_fixed(pages, cfg->load_addr, phys);
	case LOAD_AUTO:
	default:
		return place_auto(pages, phys);
	}
}
