/*
 * kho/kho_test.h - kho/test/, the machinery that tests KHO, as
 * init/generation.c drives it.
 *
 * DOC: the KHO test machinery
 *
 * Two test clients (kho/test/test.c, kholab's; kho/test/test_linux.c,
 * Linux's test_kho protocol) preserve seeded random folios in one
 * generation and restore and verify them in the next, through the same
 * include/kho/kho.h any owner of preserved memory uses.  The fault
 * injector (kho.corrupt=) and the handoff dump (kho.dump=1) act inside
 * kho_fill_handoff() through kho_test_hooks, which init/generation.c
 * registers with kho_set_hooks() (include/kho/kho_hooks.h).  What the
 * files of kho/test/ share among themselves is in
 * kho/test/kho_test_internal.h.
 */
#ifndef KHO_KHO_TEST_H
#define KHO_KHO_TEST_H

#include <kholab/types.h>

struct kho_hooks;

/* What Linux's test_kho protocol found in one generation (kho/test/test_linux.c). */
struct kho_test_linux_result {
	bool found;			/* a kho_test subtree arrived */
	bool ok;			/* every folio back and the checksum matches */
	u32 nr_folios, restored;
	u32 csum_want, csum_got;
};

/* Results of the test clients for one generation. */
struct kho_test_result {
	u64 folios, bytes;		/* what the previous generation said it preserved */
	u64 restored, mismatches, lost;
	u64 ledger_entries;
	u64 restore_ns;
	u64 verify_ns, verify_cpus;	/* vm shape: the parallel restore-and-check */
	u64 written;			/* vm shape: folios that held the stream (the rest zero) */
	bool found;			/* the kholab_test subtree was there */
	struct kho_test_linux_result linux;	/* kho.test=linux|both */
};

/**
 * kho_test_restore - restore and verify what the previous generation's
 * test clients (kho.test=) preserved (nothing on a cold boot), and emit
 * the "kho_restore" results event.  Return: 0 if everything came back
 * intact, -EIO otherwise (details in @r and the log).
 */
int kho_test_restore(u64 gen, struct kho_test_result *r);

/**
 * kho_test_preserve - for each client kho.test= names: preserve a fresh
 * seeded random set of folios spread over every node and both sides of
 * first_deferred_pfn, with the client's subtree (kholab's also a ledger
 * page).  Return: 0 or a negative errno.
 */
int kho_test_preserve(u64 gen);

/* kho_test_make_busy - kho.test_busy: give every AP 200 ms of work right now. */
void kho_test_make_busy(void);

/* The hooks kho/test/ gives the core (kho/test/hooks.c): kho.corrupt=, kho.dump=1. */
extern const struct kho_hooks kho_test_hooks;

#endif /* KHO_KHO_TEST_H */
