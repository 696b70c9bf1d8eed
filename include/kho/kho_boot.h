/*
 * kho/kho_boot.h - the points where KHO joins the boot: start_kernel()
 * calls the first four, the generation's end (init/generation.c) and
 * kexec (init/kexec.c, init/kexec_linux.c) the rest.
 *
 * DOC: KHO in the boot order
 *
 *  kho_populate()         right after memblock knows RAM: validate the whole
 *                         handoff (all or nothing), add + mark the scratch
 *                         areas, switch memblock to scratch-only mode
 *  kho_reserve_scratch()  cold boot: reserve scratch for the next kernel
 *  kho_deserialize()      after the early memmap init, before buddy:
 *                         reserve every preserved block RSRV_NOINIT and mark
 *                         its head page, as kho.deferred= says; leave
 *                         scratch-only mode
 *  kho_init_late()        after deferred init: kho.deferred=restore's
 *                         parallel init of preserved struct pages
 *  kho_finalize()         the last act of a generation that hands over:
 *                         encode the preserved set and the root FDT
 *  kho_fill_handoff()     write the handoff record for the next kernel
 */
#ifndef KHO_KHO_BOOT_H
#define KHO_KHO_BOOT_H

#include <kholab/bootinfo.h>
#include <kho/kho_config.h>
#include <kholab/kho_abi.h>

/**
 * kho_populate - look for a KHO handoff record in @bi and, if there is
 * one, validate all of it before touching memblock; if valid, add and mark
 * the scratch areas (and [0, 1 MiB), always scratch on x86) and enter
 * scratch-only mode.  Any defect: "KHO: <what> ...; disabling KHO revival"
 * and a cold boot.  Must run before the first memblock allocation.
 *
 * Return: true if the handoff will be revived.
 */
bool kho_populate(const struct kholab_bootinfo *bi);

/**
 * kho_reserve_scratch - on a boot without a revived handoff (and kho=on),
 * reserve the scratch areas for the next kernel, sized by Linux's rule.
 * Call after the memmap is allocated (it counts) and before buddy.
 */
void kho_reserve_scratch(void);

/**
 * kho_deserialize - reserve every preserved block (RSRV_NOINIT) and prepare
 * its head page's marker as kho.deferred= says; leave scratch-only mode and
 * keep the scratch areas away from buddy.  Between the early memmap init
 * and memblock_free_all().
 */
void kho_deserialize(void);

/* kho_init_late - after deferred init: kho.deferred=restore's parallel work. */
void kho_init_late(void);

/**
 * kho_finalize - preserve a page for the root FDT, encode the preserved
 * memory in this kernel's wire format, and write the root FDT (one node
 * per subtree) into that page.
 * @fdt_phys: receives the root FDT's physical address
 *
 * Nothing may be preserved or unpreserved after this (the encoded map may
 * point at the live tracking bitmaps).
 * Return: 0, or a negative errno (the handover is then abandoned).
 */
int kho_finalize(u64 *fdt_phys);

/* kho_abi_sent - the compatible string of the wire format this kernel writes. */
const char *kho_abi_sent(void);

/**
 * kho_scratch_free_ranges - the parts of the scratch areas this kernel has
 * not used itself (all of them after a cold boot; what scratch-only mode
 * left free after a KHO boot): where a kexec may put a foreign kernel.
 * Return: how many ranges *@ranges holds.
 */
int kho_scratch_free_ranges(const struct kho_scratch **ranges);

/**
 * kho_next_kernel_area - where a kexec must put the next kernel and its
 * boot info: the global scratch area (only scratch is free of preserved
 * memory in every generation), or, when the previous kernel sent that area
 * empty, the largest part of scratch this kernel left free.
 * Return: 0; -ENODEV when this boot has no scratch (kho=off); -ENOSPC when
 * nothing of scratch is free.
 */
int kho_next_kernel_area(u64 *addr, u64 *size);

/* Where the next kernel will find things, for kho_fill_handoff(). */
struct kho_handoff_target {
	u64 record_phys;		/* where the record will be in the next kernel */
	u64 next_kernel_phys;		/* the next kernel's image */
	u64 phys_top;			/* end of RAM */
	u64 gen;			/* this generation (for the on_send hook) */
};

/* KHO_HANDOFF_BYTES - room kho_fill_handoff() needs at most (scratch: nodes + 2). */
#define KHO_HANDOFF_MAX_SCRATCH	(2 + 64)
#define KHO_HANDOFF_BYTES	(sizeof(struct kholab_handoff) + sizeof(struct kho_data) + \
				 KHO_HANDOFF_MAX_SCRATCH * sizeof(struct kho_scratch))

/**
 * kho_fill_handoff - write the handoff record the next kernel reads: the
 * kholab_handoff header of type KHOLAB_HANDOFF_KHO, struct kho_data naming
 * @fdt_phys, and a copy of the scratch array right after it; then call
 * the registered on_send hook, if any (include/kho/kho_hooks.h).
 * @buf:  a staging copy of the record, KHO_HANDOFF_BYTES long, that will
 *        be copied to @t->record_phys
 *
 * Return: 0; -ENODEV without scratch; or what the on_send hook returned
 * (e.g. -EINVAL when kho.corrupt= cannot be applied to this handoff).
 */
int kho_fill_handoff(void *buf, u64 fdt_phys, const struct kho_handoff_target *t);

#endif /* KHO_KHO_BOOT_H */
