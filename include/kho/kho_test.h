/*
 * kho/kho_test.h - the KHO test client (kho/test/test.c): preserves seeded
 * random folios and a ledger in one generation, restores and verifies them
 * in the next.  init/generation.c drives it.
 */
#ifndef KHO_KHO_TEST_H
#define KHO_KHO_TEST_H

#include <kholab/types.h>

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

/* kho_test_linux_preserve - Linux's test_kho sender, seeded with @seed. */
int kho_test_linux_preserve(u64 gen, u64 seed);

/*
 * kho_test_linux_restore - Linux's test_kho receiver: prints "KHO restore
 * succeeded" or "KHO restore failed" when a kho_test subtree arrived.
 * Return: 0 (also when none arrived), or -EIO.
 */
int kho_test_linux_restore(u64 gen, struct kho_test_linux_result *r);

/* kho_test_rand - the clients' xorshift64* generator. */
u64 kho_test_rand(u64 *s);

/*
 * kho_test_alloc_folio - a preservable folio of @order on node @nid:
 * @kind 0 below first_deferred_pfn, 1 at or above it, else anywhere
 * (falling back to anywhere on the node above 1 MiB).  NULL if none.
 */
struct page *kho_test_alloc_folio(unsigned int order, int nid, int kind);

#endif /* KHO_KHO_TEST_H */
