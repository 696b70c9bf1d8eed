/*
 * kho/kho_memmap.h - kho.memmap=handover: the memmap of preserved memory
 * goes with the handoff (kho/memmap_handover.c, docs/kho.md).
 */
#ifndef KHO_KHO_MEMMAP_H
#define KHO_KHO_MEMMAP_H

#include <kholab/types.h>

#define KHO_MEMMAP_SUBTREE	"kholab_memmap"
#define KHO_MEMMAP_COMPATIBLE	"kholab-memmap-v1"
#define KHO_MEMMAP_LAYOUT_WORDS	9

/* enum kho_memmap_mode - kho.memmap=: init the receiver's struct pages, or hand them over. */
enum kho_memmap_mode { KHO_MEMMAP_INIT, KHO_MEMMAP_HANDOVER };

/* struct kho_memmap_stats - what the handover did, for the kho_restore event. */
struct kho_memmap_stats {
	u64 sent_sections;	/* sender: sections whose memmap went along */
	u64 adopted_sections;	/* receiver: sections whose memmap it adopted */
	u64 adopted_blocks;	/* receiver: preserved blocks used as they came */
	u64 fallbacks;		/* receiver: blocks whose struct pages failed the check */
	u64 check_ns;		/* receiver: the check of every adopted struct page */
	const char *refused;	/* receiver: why the record was ignored, or NULL */
};

extern struct kho_memmap_stats kho_memmap_stats;

/**
 * kho_memmap_send - sender, kho.memmap=handover, before kho_finalize():
 * preserve the 2 MiB memmap backing of every section that holds preserved
 * memory and add the "kholab_memmap" record.  Return: 0 or a negative errno.
 */
int kho_memmap_send(void);

/**
 * kho_memmap_receive - receiver, after kho_populate(), before sparse_init():
 * check the record (all or nothing) and keep it.  Return: 0 (also when
 * none came or kho.memmap=init), -EINVAL when it was refused (logged).
 */
int kho_memmap_receive(void);

/* kho_memmap_backing - sparse_adopt_backing: the handed-over backing of section @sec, or 0. */
phys_addr_t kho_memmap_backing(u64 sec);

struct kho_block;

/*
 * kho_memmap_adopted - received block @b lies in a section whose memmap
 * was adopted, and is an owner's (not itself the backing of an adopted
 * memmap, whose struct pages describe reserved memory).
 */
bool kho_memmap_adopted(const struct kho_block *b);

/*
 * kho_memmap_poison_rest - memmap_poison=1: poison the struct pages of the
 * adopted sections outside the preserved blocks (sparse_init() leaves
 * adopted sections alone).
 */
void kho_memmap_poison_rest(void);

/**
 * kho_memmap_check_block - may the handed-over struct pages of the block
 * of 2^@order pages at @phys be used?  Only its head with @head_only.
 * Return: 0, or -EINVAL (logged, counted as a fallback): initialise them.
 */
int kho_memmap_check_block(phys_addr_t phys, unsigned int order, bool head_only);

/* ---- shared by kho/memmap_handover.c and kho/memmap_record.c ---- */

/*
 * kho_memmap_layout - this kernel's struct page layout as the record
 * states it: the size, the offsets of flags, private, _refcount,
 * _mapcount, init_count and compound_head, the node and zone shifts.
 */
void kho_memmap_layout(u32 w[KHO_MEMMAP_LAYOUT_WORDS]);

/*
 * kho_memmap_section - entry @i of the accepted record into *@sec and
 * *@pa (untouched when @i is past the end).  Return: the number of entries.
 */
u64 kho_memmap_section(u64 i, u64 *sec, u64 *pa);

#endif /* KHO_KHO_MEMMAP_H */
