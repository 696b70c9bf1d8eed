/*
 * kho/kho_test.h - the KHO test client (kho/test.c): preserves seeded
 * random folios and a ledger in one generation, restores and verifies them
 * in the next.  kernel/generation.c drives it.
 */
#ifndef KHO_KHO_TEST_H
#define KHO_KHO_TEST_H

#include <kholab/types.h>

/* Results of the test client for one generation. */
struct kho_test_result {
	u64 folios, bytes;		/* what the previous generation said it preserved */
	u64 restored, mismatches, lost;
	u64 ledger_entries;
	u64 restore_ns;
	bool found;			/* the kho_test subtree was there */
};

/**
 * kho_test_restore - restore and verify what the previous generation's
 * test client preserved (nothing on a cold boot), and emit the
 * "kho_restore" results event.  Return: 0 if everything came back intact,
 * -EIO otherwise (details in @r and the log).
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

#endif /* KHO_KHO_TEST_H */
