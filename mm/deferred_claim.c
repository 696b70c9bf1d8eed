/*
 * mm/deferred_claim.c - the section claim state machine: see the DOC in
 * include/mm/deferred_claim.h.
 *
 * Memory ordering, in one place:
 *  - claim_section(): compare-and-swap PENDING -> BUSY with acq_rel.  Only
 *    one CPU sees PENDING and installs BUSY; the others' CAS fails.
 *  - the winner's stores to struct pages are plain; buddy's free lists are
 *    reached under the zone lock, which orders them for allocators.
 *  - claim_publish(): a release store of DONE after the last of those
 *    stores; claim_state() is an acquire load, so a CPU that reads DONE
 *    also reads every struct page the winner wrote.
 *  - the node cursors are relaxed fetch-and-adds: they only spread the
 *    work, and the CAS, not the cursor, decides who owns a section.
 */
#define pr_fmt(fmt) "claim: " fmt

#include <mm/deferred_claim.h>
#include <kernel/io.h>
#include <kernel/exit.h>
#include <errno.h>
#include <string.h>

int claim_fault = CLAIM_FAULT_NONE;

/* The per-node cursor: [next, end) are the sections still to hand out. */
struct claim_node {
	u64 first, end;
	u64 next;		/* atomic */
	bool used;
};

static struct {
	u8 *state;
	u64 base, nr;
	claim_init_fn init;
	struct claim_node node[MAX_NUMNODES];
} claims;

/* tracked - true if section @nr has a state byte. */
static bool tracked(u64 nr)
{
	return claims.state && nr >= claims.base && nr - claims.base < claims.nr;
}

/* claims_setup - see deferred_claim.h. */
void claims_setup(u8 *state, u64 base, u64 nr, claim_init_fn init)
{
	memset(&claims, 0, sizeof(claims));
	claims.state = state;
	claims.base = base;
	claims.nr = nr;
	claims.init = init;
	if (state)
		memset(state, SECTION_NONE, nr);
}

/* claims_add_node - see deferred_claim.h. */
int claims_add_node(int nid, u64 first, u64 end)
{
	struct claim_node *cn;

	if (nid < 0 || nid >= MAX_NUMNODES || first >= end || !tracked(first) || !tracked(end - 1))
		return -EINVAL;
	cn = &claims.node[nid];
	if (cn->used)
		return -EINVAL;
	cn->first = first;
	cn->end = end;
	cn->next = first;
	cn->used = true;
	for (u64 s = first; s < end; s++)
		claims.state[s - claims.base] = SECTION_PENDING;
	return 0;
}

/* claim_state - see deferred_claim.h. */
int claim_state(u64 nr)
{
	return tracked(nr) ? __atomic_load_n(&claims.state[nr - claims.base], __ATOMIC_ACQUIRE)
			   : SECTION_NONE;
}

/* racy_claim - CLAIM_FAULT_RACY: check, dawdle, then set: both CPUs may win. */
static bool racy_claim(u8 *s)
{
	if (__atomic_load_n(s, __ATOMIC_RELAXED) != SECTION_PENDING)
		return false;
	for (volatile int i = 0; i < 2000; i++)
		cpu_relax();
	__atomic_store_n(s, SECTION_BUSY, __ATOMIC_RELAXED);
	return true;
}

/* claim_section - see deferred_claim.h. */
bool claim_section(u64 nr)
{
	u8 *s, expected = SECTION_PENDING;

	if (!tracked(nr))
		return false;
	s = &claims.state[nr - claims.base];
	if (claim_fault == CLAIM_FAULT_RACY)
		return racy_claim(s);
	/* LAB bg-claim: BEGIN */
	/* LAB bg-claim: HINT the contract, and hints to unfold: docs/labs/bg-claim.md */
	/* LAB bg-claim: STUB (void)s; (void)expected; */
	/* LAB bg-claim: STUB panic("lab bg-claim: claim_section() is not implemented"); */
	return __atomic_compare_exchange_n(s, &expected, SECTION_BUSY, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	/* LAB bg-claim: END */
}

/* claim_publish - see deferred_claim.h. */
void claim_publish(u64 nr)
{
	/* LAB bg-claim: BEGIN */
	/* LAB bg-claim: HINT the contract, and hints to unfold: docs/labs/bg-claim.md */
	/* LAB bg-claim: STUB (void)nr; */
	/* LAB bg-claim: STUB panic("lab bg-claim: claim_publish() is not implemented"); */
	if (tracked(nr))
		__atomic_store_n(&claims.state[nr - claims.base], SECTION_DONE, __ATOMIC_RELEASE);
	/* LAB bg-claim: END */
}

/* run_won - initialise section @nr, which this CPU won, and publish it. */
static u64 run_won(u64 nr)
{
	/* LAB bg-claim: BEGIN */
	/* LAB bg-claim: HINT the contract, and hints to unfold: docs/labs/bg-claim.md */
	/* LAB bg-claim: STUB (void)nr; */
	/* LAB bg-claim: STUB panic("lab bg-claim: run_won() is not implemented"); */
	u64 pages = claims.init(nr);

	claim_publish(nr);
	return pages;
	/* LAB bg-claim: END */
}

/* claim_run - see deferred_claim.h. */
u64 claim_run(u64 nr)
{
	/* LAB bg-claim: BEGIN */
	/* LAB bg-claim: HINT the contract, and hints to unfold: docs/labs/bg-claim.md */
	/* LAB bg-claim: STUB (void)nr; */
	/* LAB bg-claim: STUB panic("lab bg-claim: claim_run() is not implemented"); */
	if (claim_section(nr))
		return run_won(nr);
	while (claim_state(nr) == SECTION_BUSY)
		cpu_relax();
	return 0;
	/* LAB bg-claim: END */
}

/* claim_next - see deferred_claim.h. */
long claim_next(int nid)
{
	struct claim_node *cn;

	if (nid < 0 || nid >= MAX_NUMNODES || !claims.node[nid].used)
		return -1;
	cn = &claims.node[nid];
	for (;;) {
		/* LAB bg-claim: BEGIN */
		/* LAB bg-claim: HINT one try: falling out of the region goes round the loop again */
		/* LAB bg-claim: STUB (void)cn; */
		/* LAB bg-claim: STUB panic("lab bg-claim: claim_next() is not implemented"); */
		u64 nr = __atomic_fetch_add(&cn->next, 1, __ATOMIC_RELAXED);

		if (nr >= cn->end)
			return -1;
		if (claim_section(nr))
			return (long)nr;
		/* LAB bg-claim: END */
		if (claim_fault == CLAIM_FAULT_GIVE_UP)
			return -1;	/* the planted bug: "someone is ahead of me" */
	}
}

/* claim_work - see deferred_claim.h. */
u64 claim_work(int nid, const bool *stop, u64 *sections)
{
	/* LAB bg-claim: BEGIN */
	/* LAB bg-claim: HINT the contract, and hints to unfold: docs/labs/bg-claim.md */
	/* LAB bg-claim: STUB (void)nid; (void)stop; (void)sections; */
	/* LAB bg-claim: STUB panic("lab bg-claim: claim_work() is not implemented"); */
	u64 pages = 0, n = 0;

	for (int k = 0; k < MAX_NUMNODES; k++) {
		int node = (nid + k) % MAX_NUMNODES;
		long nr;

		while (!(stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE)) &&
		       (nr = claim_next(node)) >= 0) {
			pages += run_won((u64)nr);
			n++;
		}
	}
	if (sections)
		*sections = n;
	return pages;
	/* LAB bg-claim: END */
}

/*
 * finish_any - with every cursor past its end: run a section still PENDING
 * (a cursor has passed it but its claim has not landed yet, or a claim was
 * lost to a direct claimer that has not started) or wait for a BUSY one.
 * Return: false only if every section was DONE when looked at (DONE is
 * final, so then they all are).
 */
static bool finish_any(u64 *pages)
{
	for (u64 i = 0; i < claims.nr; i++) {
		u64 nr = claims.base + i;

		if (claim_state(nr) == SECTION_PENDING && claim_section(nr)) {
			*pages = run_won(nr);
			return true;
		}
		if (claim_state(nr) == SECTION_BUSY) {
			while (claim_state(nr) == SECTION_BUSY)
				cpu_relax();
			return true;
		}
	}
	return false;
}

/* claim_grow - see deferred_claim.h. */
bool claim_grow(int nid, u64 *pages)
{
	int first = nid >= 0 && nid < MAX_NUMNODES ? nid : 0;

	*pages = 0;
	for (int k = 0; k < MAX_NUMNODES; k++) {
		long nr = claim_next((first + k) % MAX_NUMNODES);

		if (nr >= 0) {
			*pages = run_won((u64)nr);
			return true;
		}
	}
	/* The cursors are done, not necessarily the sections they handed out. */
	return finish_any(pages);
}

/* claims_pending - see deferred_claim.h. */
u64 claims_pending(void)
{
	u64 n = 0;

	for (u64 i = 0; claims.state && i < claims.nr; i++)
		n += __atomic_load_n(&claims.state[i], __ATOMIC_RELAXED) == SECTION_PENDING;
	return n;
}
