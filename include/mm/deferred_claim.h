/*
 * mm/deferred_claim.h - who initialises which section of deferred memory,
 * when many CPUs want to at once (memmap_init=background).
 *
 * DOC: section claims
 *
 * Every section that holds struct pages of deferred memory has one state
 * byte, and exactly one CPU can move it out of SECTION_PENDING:
 *
 *   PENDING --claim (CAS, acq_rel)--> BUSY --publish (store, release)--> DONE
 *
 * The CPU that wins the compare-and-swap initialises the section's struct
 * pages and frees its free memory, then publishes DONE.  A CPU that loses
 * does nothing to that section; one that must see the section's struct
 * pages (it wants a page in it) waits with acquire loads until DONE, after
 * which every store of the initialiser is visible to it.  So no struct
 * page is initialised twice (the CAS admits one winner), and none is lost:
 * a section leaves PENDING only through a claim, and a claim's winner
 * always publishes.
 *
 * Work is found through a per-node cursor (an atomic section number that
 * only grows): background workers and on-demand growth take the next
 * section from it and claim it.  A caller that needs one particular
 * section (alloc_pages_range() into memory not yet initialised) claims it
 * directly; the cursor's owner then loses that claim and simply moves on.
 *
 * claim_fault plants two classic bugs for the host race tests
 * (tests/host/test_deferred_claim.c), which must catch both.
 */
#ifndef MM_DEFERRED_CLAIM_H
#define MM_DEFERRED_CLAIM_H

#include <kholab/types.h>
#include <mm/mmzone.h>

enum section_state {
	SECTION_NONE,		/* no deferred struct page in it (or not tracked) */
	SECTION_PENDING,	/* deferred struct pages that nobody has claimed */
	SECTION_BUSY,		/* one CPU is initialising it */
	SECTION_DONE,		/* initialised; its free memory is in buddy */
};

/* enum claim_fault - bugs planted on purpose, for the tests that must catch them. */
enum claim_fault {
	CLAIM_FAULT_NONE,
	CLAIM_FAULT_RACY,	/* claim by load-then-store: two CPUs can both win */
	CLAIM_FAULT_GIVE_UP,	/* a worker that loses a claim thinks the node is done */
};

extern int claim_fault;

/*
 * claim_init_fn - initialise every deferred struct page of section @nr
 * (of every node whose deferred range holds part of it) and free its free
 * memory.  Return: the pages it initialised.
 */
typedef u64 (*claim_init_fn)(u64 nr);

/**
 * claims_setup - start tracking sections [@base, @base + @nr) in @state
 * (@nr bytes the caller owns, set to SECTION_NONE here); @init does the
 * work of a section that is won.  Forgets every earlier setup.
 */
void claims_setup(u8 *state, u64 base, u64 nr, claim_init_fn init);

/**
 * claims_add_node - sections [@first, @end) hold node @nid's deferred
 * memory: mark them PENDING and point the node's cursor at @first.  Two
 * nodes' ranges may share sections (interleaved memory); the claim still
 * admits one CPU per section.
 * Return: 0, or -EINVAL when the range is not tracked or the node was
 * added already.
 */
int claims_add_node(int nid, u64 first, u64 end);

/* claim_state - the state of section @nr (an acquire load; NONE if untracked). */
int claim_state(u64 nr);

/* claim_section - try to move section @nr from PENDING to BUSY.  Return: true if this CPU won. */
bool claim_section(u64 nr);

/* claim_publish - section @nr, won by this CPU and initialised, becomes DONE (release). */
void claim_publish(u64 nr);

/**
 * claim_run - claim, initialise and publish section @nr if it is still
 * PENDING; if another CPU holds it, wait until that CPU publishes.
 * Return: pages this call initialised (0 if another CPU did).
 */
u64 claim_run(u64 nr);

/**
 * claim_next - claim the next PENDING section of node @nid's cursor.
 * Return: its number, or -1 when the node's cursor is past its last
 * section.
 */
long claim_next(int nid);

/**
 * claim_work - what a background worker does: claim and run sections of
 * node @nid, then of the other nodes, until none is left or *@stop is set
 * (checked before each claim).  @sections, if not NULL, counts the sections
 * this call ran.  Return: pages this call initialised.
 */
u64 claim_work(int nid, const bool *stop, u64 *sections);

/**
 * claim_grow - on-demand growth: run the next PENDING section of node
 * @nid (any node if it has none, or if @nid is NUMA_NO_NODE); if none is
 * PENDING but one is BUSY, wait until one is published.  *@pages gets the
 * pages this call initialised.
 * Return: true if buddy may have more memory now, false if every tracked
 * section is DONE.
 */
bool claim_grow(int nid, u64 *pages);

/* claims_pending - sections still PENDING (a count; racy while workers run). */
u64 claims_pending(void);

#endif /* MM_DEFERRED_CLAIM_H */
