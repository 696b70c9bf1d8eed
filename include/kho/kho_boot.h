/*
 * kho/kho_boot.h - the points where KHO joins the boot (start_kernel()).
 *
 * DOC: KHO in the boot order
 *
 *  kho_early_init()       right after memblock knows RAM: validate the whole
 *                         handoff (all or nothing), add + mark the scratch
 *                         areas, switch memblock to scratch-only mode
 *  kho_reserve_scratch()  cold boot: reserve scratch for the next kernel
 *  kho_deserialize()      after the early memmap init, before buddy:
 *                         reserve every preserved block RSRV_NOINIT and mark
 *                         its head page, as kho.deferred= says; leave
 *                         scratch-only mode
 *  kho_init_late()        after deferred init: kho.deferred=restore's
 *                         parallel init of preserved struct pages
 *  kho_restore_*()        the owners take their memory back
 */
#ifndef KHO_KHO_BOOT_H
#define KHO_KHO_BOOT_H

#include <kholab/bootinfo.h>
#include <kholab/kho_abi.h>
#include <mm/page.h>

enum kho_deferred_mode {
	KHO_DEFERRED_OFF,		/* no deferred init on a KHO boot (Linux before the fix) */
	KHO_DEFERRED_UNSAFE,		/* the seed's bug: marker into uninitialised pages */
	KHO_DEFERRED_DESERIALIZE,	/* what landed: init deferred pages at deserialize */
	KHO_DEFERRED_RESTORE,		/* the reviewer's proposal: init after SMP */
};

enum kho_test_mode { KHO_TEST_RANDOM, KHO_TEST_EDGES, KHO_TEST_EMPTY };

struct kho_config {
	bool enabled;			/* kho=on|off */
	int deferred;			/* enum kho_deferred_mode (kho.deferred=) */
	u64 scratch_scale;		/* percent (kho_scratch=N%), default 200 */
	u64 scratch_lowmem, scratch_global, scratch_pernode;	/* kho_scratch=L,G,N */
	char scratch_arg[64];		/* raw kho_scratch= value */
	u64 test_mem;			/* kho.test_mem= bytes */
	u64 test_seed;			/* kho.test_seed= (0: from the TSC) */
	bool dump;			/* kho.dump=1: emit the handoff as results records */
	int test_mode;			/* kho.test_mode=random|edges|empty */
	bool test_busy;			/* kho.test_busy=1: APs busy when kexec starts */
};

extern struct kho_config kho_cfg;

/* The scratch areas in use this generation: [0] lowmem, [1] global, [2..] nodes. */
#define KHO_MAX_SCRATCH		(2 + 64)
extern struct kho_scratch kho_scratch[KHO_MAX_SCRATCH];
extern int kho_nr_scratch;

/* Per-boot KHO facts for the results events. */
struct kho_boot_stats {
	bool revived;			/* this boot received a valid handoff */
	u64 blocks, bytes;		/* preserved blocks received */
	u64 deserialize_ns;		/* kho_deserialize() on the boot CPU */
	u64 pages_inited_early;		/* struct pages kho_deserialize() initialised */
	u64 pages_inited_late;		/* struct pages initialised after SMP (restore) */
	u64 late_ns;			/* that parallel pass */
	const char *rejected;		/* why a received handoff was refused, or NULL */
	u64 rejected_addr;
};
extern struct kho_boot_stats kho_stats;

/* kho_parse_scratch_arg - apply kho_scratch= (N% or L,G,N); 0 or -EINVAL. */
int kho_parse_scratch_arg(const char *arg);

/**
 * kho_early_init - look for a KHO handoff record in @bi and, if there is
 * one, validate all of it before touching memblock; if valid, add and mark
 * the scratch areas (and [0, 1 MiB), always scratch on x86) and enter
 * scratch-only mode.  Any defect: "KHO: <what> ...; disabling KHO revival"
 * and a cold boot.  Must run before the first memblock allocation.
 *
 * Return: true if the handoff will be revived.
 */
bool kho_early_init(const struct kholab_bootinfo *bi);

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
 * kho_restore_folio - take back a preserved folio: check that its struct
 * pages were initialised and that the head carries {order, KHO_PAGE_MAGIC},
 * clear the marker, set refcounts (head 1, tails 0, compound).
 * Return: the head page, or NULL (with the reason logged) — in particular
 * for an address that was not preserved or was restored already.
 */
struct page *kho_restore_folio(phys_addr_t phys);

/* kho_restore_pages - the same for @nr order-0 pages (each refcount 1). */
struct page *kho_restore_pages(phys_addr_t phys, u64 nr);

/* kho_received_fdt - the root FDT of a revived handoff, or NULL. */
const void *kho_received_fdt(void);

/* kho_is_revived - this boot received and accepted a handoff. */
bool kho_is_revived(void);

/* One preserved block of a revived handoff. */
struct kho_block {
	u64 phys;
	u64 size;
};

/* kho_received_blocks - the validated blocks, sorted by address; *@n of them. */
const struct kho_block *kho_received_blocks(u64 *n);

/* kho_mode_name - "off", "unsafe", "deserialize" or "restore". */
const char *kho_mode_name(void);

/* kho_lost_count - restores that found uninitialised pages or a lost marker. */
u64 kho_lost_count(void);

/*
 * kho_alloc_pages - 2^@order pages that can be preserved: never below
 * 1 MiB, which is scratch on every KHO boot.  NULL if none.
 */
struct page *kho_alloc_pages(unsigned int order);

/* kho_finalize - freeze the preserved set into kho-v1 form (kho/handover.c). */
int kho_finalize(u64 *fdt_phys);

/* Results of the test client for one generation (kho/test.c). */
struct kho_test_result {
	u64 folios, bytes;		/* what the previous generation said it preserved */
	u64 restored, mismatches, lost;
	u64 ledger_entries;
	u64 restore_ns;
	bool found;			/* the kho_test subtree was there */
};

/**
 * kho_test_restore - restore and verify what the previous generation's
 * test client preserved (nothing on a cold boot).  Return: 0 if everything
 * came back intact, -EIO otherwise (details in @r and the log).
 */
int kho_test_restore(u64 gen, struct kho_test_result *r);

/**
 * kho_test_preserve - preserve a fresh seeded random set of folios spread
 * over every node and both sides of first_deferred_pfn, the ledger page,
 * and the kho_test sub-FDT.  Return: 0 or a negative errno.
 */
int kho_test_preserve(u64 gen);

/* kho_test_make_busy - kho.test_busy: give every AP 200 ms of work right now. */
void kho_test_make_busy(void);

#ifdef KHOLAB_HOST_TEST
/* kho_reset_for_test - back to "no handoff received" (host tests, fuzzing). */
void kho_reset_for_test(void);
#endif

#endif /* KHO_KHO_BOOT_H */
