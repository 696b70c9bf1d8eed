// SPDX-License-Identifier: MIT
/*
 * tests/host/test_deferred_claim.c - the section claims of
 * memmap_init=background (mm/deferred_claim.c) under real threads.
 *
 * The claim state machine is run on its own, with a fake claim_init_fn
 * that counts, per section, how often it was called (an atomic counter),
 * notes when it runs on a section that is not BUSY, and dawdles a little
 * to widen every window.  One checker, check_sections(), reads the
 * counters and the states afterwards; every race test, clean or with a
 * planted bug, judges its rounds with it:
 *
 *  test_basics_single_thread: the contract of every call, one thread.
 *
 *  test_race_each_section_once: 200 rounds of 3 background workers
 *  (claim_work() over interleaved nodes, two of which share sections)
 *  and 3 "demand" threads (claim_run() of the same section numbers in the
 *  same order, of random sections, then claim_grow()); afterwards every
 *  section was initialised exactly once and is DONE.
 *
 *  test_race_stopped_midway: the same with the stop flag raised by the
 *  init that reaches a random count; afterwards no section was
 *  initialised twice or is BUSY, and every PENDING one was never
 *  initialised (a stopped init leaves whole sections, never half of one).
 *
 *  test_fault_racy_caught / test_fault_give_up_caught: the same harness
 *  with claim_fault set; the checker must report a section initialised
 *  twice (RACY: claim by load-then-store) or one never initialised
 *  (GIVE_UP: a worker that loses a claim stops) within a bounded number
 *  of rounds - proof that the clean tests can fail.
 *
 * The harness is built to make both planted bugs show on a 2-core
 * machine: the demand threads walk the same sections in the same order,
 * so they convoy and arrive at each section together (two claimers inside
 * RACY's window), and they get a head start over the workers and claim
 * every STRIDE-th section, so each worker's cursor soon meets a section
 * already taken (where GIVE_UP's worker quits) while the sections in
 * between are still PENDING.  The seed is printed; KHOLAB_SEED replays
 * the section choices (the interleaving itself is the scheduler's).
 *
 * SOURCES: mm/deferred_claim.c
 * LDLIBS: -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <cmocka.h>

#include <mm/deferred_claim.h>
#include <kernel/io.h>
#include "shim.h"

#define BASE		1000	/* first tracked section number: not 0 on purpose */
#define NSEC		512	/* sections tracked by the race tests */
#define NR_WORKERS	3
#define NR_DEMAND	3
#define ROUNDS		200	/* rounds of the clean race tests */
#define FAULT_ROUNDS	200	/* most rounds a planted bug may hide for */
#define STRIDE		4	/* the demand sweep claims every STRIDE-th section */
#define HEAD_START	8	/* sweep claims made before the workers start */
#define RANDOM_RUNS	16	/* claim_run() of random sections per demand thread */
#define GROW_CALLS	4	/* claim_grow() calls per demand thread */
#define SPIN		64	/* pause loops per initialised section */
#define YIELD_EVERY	32	/* ... and a sched_yield() in one init of this many */

/* The race tests' nodes: 0 and 1 share ten sections, node 2 is unused. */
static const struct { int nid; u64 first, end; } race_nodes[] = {
	{ 0, BASE, BASE + 200 },
	{ 1, BASE + 190, BASE + 360 },
	{ 3, BASE + 360, BASE + NSEC },
};

/* What one round did; written by all threads, read after they joined. */
static struct {
	u8 state[NSEC];		/* the claim states (claims_setup()'s array) */
	u32 inits[NSEC];	/* calls of count_init() per section */
	u64 total_inits;
	u64 stray;		/* count_init() of an untracked section */
	u64 not_busy;		/* count_init() while the section was not BUSY */
	u64 stop_after;		/* raise stop at this many inits (0: never) */
	bool stop;		/* claim_work()'s stop flag */
	u64 pages;		/* pages the claim calls reported */
	u64 sweep_claims;	/* sweep claims made so far (the head start) */
	int demand_left;	/* demand threads not finished yet */
	u64 sweep_off;		/* the sweep's first section (shared by all) */
	u64 seed;		/* this round's seed */
	u64 grow_lied;		/* claim_grow() said false with a section not DONE */
	u64 lost_runs;		/* sweep claim_run()s that found another thread's claim */
	pthread_barrier_t go;
} h;

/* section_pages - what the fake init says it initialised for section @nr. */
static u64 section_pages(u64 nr)
{
	return 1 + nr % 5;
}

/*
 * count_init - the fake claim_init_fn: count the call, note a call on a
 * section that is not BUSY, raise the stop flag at the chosen count, and
 * dawdle (now and then giving the CPU away) so other threads get between.
 */
static u64 count_init(u64 nr)
{
	u64 total;

	if (nr < BASE || nr - BASE >= NSEC) {
		__atomic_fetch_add(&h.stray, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (claim_state(nr) != SECTION_BUSY)
		__atomic_fetch_add(&h.not_busy, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h.inits[nr - BASE], 1, __ATOMIC_RELAXED);
	total = __atomic_add_fetch(&h.total_inits, 1, __ATOMIC_RELAXED);
	if (h.stop_after && total == h.stop_after)
		__atomic_store_n(&h.stop, true, __ATOMIC_RELEASE);
	for (volatile int i = 0; i < SPIN; i++)
		cpu_relax();
	if ((nr + total) % YIELD_EVERY == 0)
		sched_yield();
	return section_pages(nr);
}

/* stopped - has the round's stop flag been raised? */
static bool stopped(void)
{
	return __atomic_load_n(&h.stop, __ATOMIC_ACQUIRE);
}

/* next_rand - a thread's own xorshift64 stream. */
static u64 next_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* struct verdict - what check_sections() found. */
struct verdict {
	u64 doubled;		/* sections initialised more than once */
	u64 lost;		/* sections that should have been, but never were */
	u64 busy;		/* sections left BUSY */
	u64 pending_inited;	/* PENDING sections that were initialised */
	u64 pending;		/* PENDING sections (allowed only when stopped) */
	char first[160];	/* the first problem, in words ("" if none) */
};

/* note - record @v's first problem, printf-style. */
__attribute__((format(printf, 2, 3)))
static void note(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->first[0])
		return;
	va_start(ap, fmt);
	vsnprintf(v->first, sizeof(v->first), fmt, ap);
	va_end(ap);
}

/*
 * check_sections - THE checker of every race test.  Each tracked section
 * must have been initialised at most once and must not be BUSY; when the
 * work ran to the end (@stopped_run false) each must be DONE and
 * initialised exactly once; when it was stopped each is DONE and
 * initialised once, or PENDING and never initialised.
 * Return: the counts, and the first problem in words.
 */
static struct verdict check_sections(bool stopped_run)
{
	static const char *const names[] = { "NONE", "PENDING", "BUSY", "DONE" };
	struct verdict v = { 0 };

	for (u64 i = 0; i < NSEC; i++) {
		unsigned long long nr = BASE + i;
		int st = claim_state(BASE + i);
		u32 n = h.inits[i];

		if (n > 1) {
			v.doubled++;
			note(&v, "section %llu initialised %u times (now %s)", nr, n,
			     names[st & 3]);
		}
		if (st == SECTION_BUSY) {
			v.busy++;
			note(&v, "section %llu left BUSY (initialised %u times)", nr, n);
		}
		if (st == SECTION_PENDING)
			v.pending++;
		if (st == SECTION_PENDING && n) {
			v.pending_inited++;
			note(&v, "section %llu still PENDING but initialised %u times", nr, n);
		}
		if (!n && (st != SECTION_PENDING || !stopped_run)) {
			v.lost++;
			note(&v, "section %llu never initialised (now %s)", nr, names[st & 3]);
		}
	}
	return v;
}

/* verdict_ok - true if check_sections() found nothing wrong. */
static bool verdict_ok(const struct verdict *v)
{
	return !v->doubled && !v->lost && !v->busy && !v->pending_inited;
}

/* now_ms - a monotonic clock in milliseconds, for the race tests' reports. */
static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/* all_done - every tracked section DONE right now? */
static bool all_done(void)
{
	for (u64 i = 0; i < NSEC; i++)
		if (claim_state(BASE + i) != SECTION_DONE)
			return false;
	return true;
}

/* wait_head_start - a worker waits until the demand threads made HEAD_START sweep claims. */
static void wait_head_start(void)
{
	while (__atomic_load_n(&h.sweep_claims, __ATOMIC_ACQUIRE) < HEAD_START &&
	       __atomic_load_n(&h.demand_left, __ATOMIC_ACQUIRE) > 0 && !stopped())
		sched_yield();
}

/* worker_thread - a background worker: claim_work() from its node on, honouring the stop flag. */
static void *worker_thread(void *arg)
{
	int nid = race_nodes[(uintptr_t)arg % ARRAY_SIZE(race_nodes)].nid;
	u64 secs, pages;

	pthread_barrier_wait(&h.go);
	wait_head_start();
	pages = claim_work(nid, &h.stop, &secs);
	__atomic_fetch_add(&h.pages, pages, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * demand_grow - a demand thread's claim_grow() calls; one that answers
 * false while a section is not DONE broke its contract (the states only
 * move forward, so a section not DONE now was not DONE then either).
 * Return: the pages they initialised.
 */
static u64 demand_grow(u64 *rng)
{
	u64 pages = 0;

	for (int i = 0; i < GROW_CALLS && !stopped(); i++) {
		u64 r = next_rand(rng), p;
		int nid = r % 4 ? race_nodes[r % ARRAY_SIZE(race_nodes)].nid : -1;
		bool more = claim_grow(nid, &p);

		pages += p;
		if (more)
			continue;
		if (!all_done())
			__atomic_fetch_add(&h.grow_lied, 1, __ATOMIC_RELAXED);
		break;
	}
	return pages;
}

/*
 * demand_thread - on-demand growth: the sweep (every STRIDE-th section
 * from the round's offset, the same numbers in the same order in every
 * demand thread), random sections, then claim_grow().
 */
static void *demand_thread(void *arg)
{
	u64 rng = (h.seed ^ ((uintptr_t)arg + 1) * 0x9e3779b97f4a7c15ULL) | 1, pages = 0;

	pthread_barrier_wait(&h.go);
	for (u64 k = h.sweep_off; k < NSEC && !stopped(); k += STRIDE) {
		u64 p = claim_run(BASE + k);

		if (!p)
			__atomic_fetch_add(&h.lost_runs, 1, __ATOMIC_RELAXED);
		pages += p;
		__atomic_fetch_add(&h.sweep_claims, 1, __ATOMIC_RELEASE);
	}
	for (int i = 0; i < RANDOM_RUNS && !stopped(); i++)
		pages += claim_run(BASE + next_rand(&rng) % NSEC);
	pages += demand_grow(&rng);
	__atomic_fetch_add(&h.pages, pages, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&h.demand_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* race_setup - the race tests' tracking: NSEC sections, the race_nodes, counters cleared. */
static void race_setup(u64 seed, u64 stop_after)
{
	memset(h.inits, 0, sizeof(h.inits));
	h.total_inits = h.stray = h.not_busy = h.pages = h.sweep_claims = h.grow_lied = 0;
	h.lost_runs = 0;
	h.stop = false;
	h.stop_after = stop_after;
	h.seed = seed;
	h.sweep_off = seed % STRIDE;
	h.demand_left = NR_DEMAND;
	claims_setup(h.state, BASE, NSEC, count_init);
	for (size_t i = 0; i < ARRAY_SIZE(race_nodes); i++)
		assert_int_equal(claims_add_node(race_nodes[i].nid, race_nodes[i].first,
						 race_nodes[i].end), 0);
	assert_int_equal(claims_pending(), NSEC);
}

/*
 * run_round - one round: NR_DEMAND demand threads and NR_WORKERS workers
 * on fresh claims, released together; returns once all have joined.
 * @stop_after: the init that raises the stop flag (0: none does).
 */
static void run_round(u64 seed, u64 stop_after)
{
	pthread_t t[NR_DEMAND + NR_WORKERS];

	race_setup(seed, stop_after);
	assert_int_equal(pthread_barrier_init(&h.go, NULL, NR_DEMAND + NR_WORKERS), 0);
	for (uintptr_t i = 0; i < NR_DEMAND + NR_WORKERS; i++) {
		void *(*fn)(void *) = i < NR_DEMAND ? demand_thread : worker_thread;
		void *arg = (void *)(i < NR_DEMAND ? i : i - NR_DEMAND);

		assert_int_equal(pthread_create(&t[i], NULL, fn, arg), 0);
	}
	for (int i = 0; i < NR_DEMAND + NR_WORKERS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&h.go);
}

/* expected_pages - what the claim calls should have reported, from the init counts. */
static u64 expected_pages(void)
{
	u64 n = 0;

	for (u64 i = 0; i < NSEC; i++)
		n += h.inits[i] * section_pages(BASE + i);
	return n;
}

/*
 * check_round - check_sections() and the bookkeeping of a clean round:
 * no init outside the tracked range or of a section not BUSY, and the
 * claim calls reported the pages the inits returned.
 */
static struct verdict check_round(int round, u64 seed, bool stopped_run)
{
	struct verdict v = check_sections(stopped_run);

	if (!verdict_ok(&v))
		fail_msg("round %d (seed %#llx): %s; %llu doubled, %llu lost, %llu BUSY, "
			 "%llu PENDING but initialised", round, (unsigned long long)seed, v.first,
			 (unsigned long long)v.doubled, (unsigned long long)v.lost,
			 (unsigned long long)v.busy, (unsigned long long)v.pending_inited);
	if (h.stray || h.not_busy)
		fail_msg("round %d (seed %#llx): %llu inits of untracked sections, "
			 "%llu of sections not BUSY", round, (unsigned long long)seed, (unsigned long long)h.stray,
			 (unsigned long long)h.not_busy);
	if (h.pages != expected_pages())
		fail_msg("round %d (seed %#llx): claim calls reported %llu pages, "
			 "inits returned %llu", round, (unsigned long long)seed, (unsigned long long)h.pages,
			 (unsigned long long)expected_pages());
	return v;
}

/*
 * test_race_each_section_once - workers and demand threads race over the
 * same sections, ROUNDS times: afterwards every section was initialised
 * exactly once and is DONE, the init only ever ran on a BUSY section, and
 * the pages add up, and claim_grow() never answered false while a
 * section was not DONE (it once did, when another CPU had moved a node's
 * cursor past the last section but not yet made its claim: no section
 * BUSY, one still PENDING behind every cursor; finish_any() closed that).
 */
static void test_race_each_section_once(void **state)
{
	u64 lied = 0, lost = 0, t0 = now_ms();

	(void)state;
	for (int r = 0; r < ROUNDS; r++) {
		u64 seed = shim_rand();

		run_round(seed, 0);
		check_round(r, seed, false);
		assert_int_equal(h.total_inits, NSEC);
		lied += h.grow_lied;
		lost += h.lost_runs;
	}
	assert_true(lost > 0);		/* the demand threads did meet each other's claims */
	print_message("%d rounds of %d threads over %d sections: each initialised once; "
		      "%llu sweep claims found another's (%llu ms)\n", ROUNDS,
		      NR_WORKERS + NR_DEMAND, NSEC, (unsigned long long)lost,
		      (unsigned long long)(now_ms() - t0));
	if (lied)
		print_message("claim_grow() answered false %llu times while a section was not DONE\n",
			      (unsigned long long)lied);
	assert_int_equal(lied, 0);
}

/*
 * test_race_stopped_midway - the same race with the stop flag raised by
 * a random init: no section initialised twice or left BUSY, every PENDING
 * one never initialised, every other one DONE and initialised once; the
 * stop is honoured promptly (at most two more inits per thread past the
 * one that raised it); and over all rounds some sections were left.
 */
static void test_race_stopped_midway(void **state)
{
	u64 left = 0, t0 = now_ms();

	(void)state;
	for (int r = 0; r < ROUNDS; r++) {
		u64 seed = shim_rand(), stop_after = NSEC / 8 + seed % (NSEC / 2);
		struct verdict v;

		run_round(seed, stop_after);
		v = check_round(r, seed, true);
		if (h.total_inits > stop_after + 2 * (NR_WORKERS + NR_DEMAND))
			fail_msg("round %d (seed %#llx): stop raised at init %llu, "
				 "but %llu inits ran", r, (unsigned long long)seed, (unsigned long long)stop_after,
				 (unsigned long long)h.total_inits);
		assert_int_equal(v.pending, claims_pending());
		left += v.pending;
	}
	assert_true(left > 0);		/* otherwise the stop stopped nothing */
	print_message("%d stopped rounds left %llu sections PENDING, none half done (%llu ms)\n",
		      ROUNDS, (unsigned long long)left, (unsigned long long)(now_ms() - t0));
}

/*
 * hunt - run rounds with claim_fault = @fault until check_sections()
 * reports what @found_it looks for, at most FAULT_ROUNDS; claim_fault is
 * put back either way.  Return: the round that caught it, or -1.
 */
static int hunt(int fault, bool (*found_it)(const struct verdict *), struct verdict *v)
{
	int caught = -1;

	claim_fault = fault;
	for (int r = 0; r < FAULT_ROUNDS && caught < 0; r++) {
		run_round(shim_rand(), 0);
		*v = check_sections(false);
		if (found_it(v))
			caught = r;
	}
	claim_fault = CLAIM_FAULT_NONE;
	return caught;
}

static bool found_doubled(const struct verdict *v)
{
	return v->doubled > 0;
}

static bool found_lost(const struct verdict *v)
{
	return v->lost > 0;
}

/*
 * test_fault_racy_caught - with claims made by load-then-store (two CPUs
 * can both win), check_sections() reports a section initialised twice
 * within FAULT_ROUNDS rounds.
 */
static void test_fault_racy_caught(void **state)
{
	struct verdict v;
	u64 t0 = now_ms();
	int r = hunt(CLAIM_FAULT_RACY, found_doubled, &v);

	(void)state;
	if (r < 0)
		fail_msg("CLAIM_FAULT_RACY went unnoticed for %d rounds", FAULT_ROUNDS);
	print_message("CLAIM_FAULT_RACY caught in round %d (%llu ms): checker: %s (%llu sections "
		      "doubled)\n", r + 1, (unsigned long long)(now_ms() - t0), v.first,
		      (unsigned long long)v.doubled);
}

/*
 * test_fault_give_up_caught - with workers that stop at the first claim
 * they lose, check_sections() reports a section never initialised within
 * FAULT_ROUNDS rounds.
 */
static void test_fault_give_up_caught(void **state)
{
	struct verdict v;
	u64 t0 = now_ms();
	int r = hunt(CLAIM_FAULT_GIVE_UP, found_lost, &v);

	(void)state;
	if (r < 0)
		fail_msg("CLAIM_FAULT_GIVE_UP went unnoticed for %d rounds", FAULT_ROUNDS);
	print_message("CLAIM_FAULT_GIVE_UP caught in round %d (%llu ms): checker: %s "
		      "(%llu sections lost)\n", r + 1, (unsigned long long)(now_ms() - t0), v.first,
		      (unsigned long long)v.lost);
}

/* ---- the contract, one thread ------------------------------------------ */

/*
 * The single-thread layout: 16 sections from BASE; node 0 holds 0..5,
 * node 1 holds 4..9 (4 and 5 shared: interleaved memory), node 2 holds
 * 12..15; 10 and 11 hold no deferred memory.
 */
#define SMALL	16

/* small_setup - claims for the single-thread layout, counters cleared. */
static void small_setup(void)
{
	memset(h.inits, 0, sizeof(h.inits));
	h.total_inits = h.stray = h.not_busy = 0;
	h.stop_after = 0;
	claims_setup(h.state, BASE, SMALL, count_init);
	assert_int_equal(claims_add_node(0, BASE, BASE + 6), 0);
	assert_int_equal(claims_add_node(1, BASE + 4, BASE + 10), 0);
	assert_int_equal(claims_add_node(2, BASE + 12, BASE + 16), 0);
}

/*
 * test_setup_and_add_node - claims_setup() makes every tracked section
 * NONE and forgets earlier nodes; claims_add_node() marks its sections
 * PENDING (shared ones once) and refuses a bad node, an empty or inverted
 * range, a range not tracked, and a node added already (-EINVAL);
 * claim_state() of an untracked section is NONE.
 */
static void test_setup_and_add_node(void **state)
{
	(void)state;
	memset(h.state, 0x77, sizeof(h.state));
	claims_setup(h.state, BASE, SMALL, count_init);
	for (u64 i = 0; i < SMALL; i++)
		assert_int_equal(h.state[i], SECTION_NONE);
	assert_int_equal(h.state[SMALL], 0x77);		/* only its @nr bytes */
	assert_int_equal(claims_pending(), 0);
	assert_int_equal(claims_add_node(-1, BASE, BASE + 1), -EINVAL);
	assert_int_equal(claims_add_node(MAX_NUMNODES, BASE, BASE + 1), -EINVAL);
	assert_int_equal(claims_add_node(0, BASE + 3, BASE + 3), -EINVAL);
	assert_int_equal(claims_add_node(0, BASE + 5, BASE + 4), -EINVAL);
	assert_int_equal(claims_add_node(0, BASE - 1, BASE + 2), -EINVAL);
	assert_int_equal(claims_add_node(0, BASE + 14, BASE + SMALL + 1), -EINVAL);
	assert_int_equal(claims_pending(), 0);
	assert_int_equal(claims_add_node(0, BASE, BASE + 6), 0);
	assert_int_equal(claims_add_node(0, BASE + 12, BASE + 16), -EINVAL);
	assert_int_equal(claims_add_node(1, BASE + 4, BASE + 10), 0);
	assert_int_equal(claims_add_node(2, BASE + 12, BASE + 16), 0);
	assert_int_equal(claims_pending(), 14);
	for (u64 i = 0; i < SMALL; i++)
		assert_int_equal(claim_state(BASE + i),
				 i == 10 || i == 11 ? SECTION_NONE : SECTION_PENDING);
	assert_int_equal(claim_state(BASE - 1), SECTION_NONE);
	assert_int_equal(claim_state(BASE + SMALL), SECTION_NONE);

	claims_setup(NULL, 0, 0, NULL);			/* nothing tracked */
	assert_int_equal(claims_pending(), 0);
	assert_int_equal(claim_state(BASE), SECTION_NONE);
	assert_false(claim_section(BASE));
	assert_int_equal(claims_add_node(0, BASE, BASE + 1), -EINVAL);
	small_setup();					/* node 0 may be added again */
	assert_int_equal(claims_pending(), 14);
}

/*
 * test_claim_publish_run - claim_section() wins a PENDING section once
 * (BUSY, not initialised by the claim itself) and never a BUSY, DONE,
 * NONE or untracked one; claim_publish() makes it DONE; claim_run()
 * initialises a PENDING section once and does nothing to a DONE, NONE or
 * untracked one; the init always runs on a BUSY section.
 */
static void test_claim_publish_run(void **state)
{
	(void)state;
	small_setup();
	assert_true(claim_section(BASE + 4));
	assert_false(claim_section(BASE + 4));
	assert_int_equal(claim_state(BASE + 4), SECTION_BUSY);
	assert_int_equal(claims_pending(), 13);
	assert_int_equal(h.total_inits, 0);
	claim_publish(BASE + 4);
	assert_int_equal(claim_state(BASE + 4), SECTION_DONE);
	assert_false(claim_section(BASE + 4));
	assert_int_equal(claim_run(BASE + 4), 0);	/* DONE: returns at once */
	assert_int_equal(h.inits[4], 0);

	assert_int_equal(claim_run(BASE + 5), section_pages(BASE + 5));
	assert_int_equal(h.inits[5], 1);
	assert_int_equal(claim_state(BASE + 5), SECTION_DONE);
	assert_int_equal(claim_run(BASE + 5), 0);
	assert_int_equal(h.inits[5], 1);

	assert_false(claim_section(BASE + 10));		/* NONE */
	assert_int_equal(claim_run(BASE + 10), 0);
	assert_int_equal(claim_state(BASE + 10), SECTION_NONE);
	assert_false(claim_section(BASE - 1));		/* untracked */
	assert_int_equal(claim_run(BASE + SMALL), 0);
	h.state[SMALL] = 0x33;
	claim_publish(BASE + SMALL);			/* untracked: ignored */
	assert_int_equal(h.state[SMALL], 0x33);
	assert_int_equal(h.total_inits, 1);
	assert_int_equal(h.not_busy + h.stray, 0);
	assert_int_equal(claims_pending(), 12);
}

/* publish_all_busy - publish every BUSY section of the single-thread layout. */
static void publish_all_busy(void)
{
	for (u64 i = 0; i < SMALL; i++)
		if (claim_state(BASE + i) == SECTION_BUSY)
			claim_publish(BASE + i);
}

/*
 * test_next_and_work - claim_next() hands out a node's sections in order,
 * skipping the ones claimed already (BUSY or DONE), claims but does not
 * initialise them, and answers -1 past the node's end and for a node
 * never added or out of range; claim_work() does nothing once stopped,
 * otherwise runs its own node's sections, then the other nodes', once.
 */
static void test_next_and_work(void **state)
{
	bool stop = true;
	u64 secs = 99;

	(void)state;
	small_setup();
	assert_true(claim_section(BASE + 2));		/* a demand claim, ahead of the cursor */
	claim_run(BASE + 4);
	assert_int_equal(claim_next(0), BASE + 0);
	assert_int_equal(claim_next(0), BASE + 1);
	assert_int_equal(claim_next(0), BASE + 3);	/* 2 is BUSY */
	assert_int_equal(claim_next(0), BASE + 5);	/* 4 is DONE */
	assert_int_equal(claim_next(0), -1);
	assert_int_equal(claim_next(0), -1);
	assert_int_equal(h.total_inits, 1);		/* only claim_run(4) initialised */
	assert_int_equal(claim_state(BASE + 5), SECTION_BUSY);
	assert_int_equal(claim_next(5), -1);		/* never added */
	assert_int_equal(claim_next(-1), -1);
	assert_int_equal(claim_next(MAX_NUMNODES), -1);
	publish_all_busy();
	assert_int_equal(claim_next(1), BASE + 6);	/* 4, 5 shared and done */
	publish_all_busy();

	assert_int_equal(claim_work(1, &stop, &secs), 0);
	assert_int_equal(secs, 0);
	assert_int_equal(claims_pending(), 7);
	stop = false;
	assert_int_equal(claim_work(1, &stop, &secs),
			 section_pages(BASE + 7) + section_pages(BASE + 8) +
			 section_pages(BASE + 9) + section_pages(BASE + 12) +
			 section_pages(BASE + 13) + section_pages(BASE + 14) +
			 section_pages(BASE + 15));
	assert_int_equal(secs, 7);
	assert_int_equal(claims_pending(), 0);
	for (u64 i = 7; i < SMALL; i++)
		assert_int_equal(h.inits[i], i == 10 || i == 11 ? 0 : 1);
	assert_int_equal(claim_work(0, NULL, NULL), 0);	/* none left; @sections NULL is fine */
}

/*
 * test_grow - claim_grow() runs the next PENDING section of the node
 * asked for, of node 0 on for NUMA_NO_NODE or a node out of range, of
 * the nodes after it for a node without sections; it returns true while
 * it found work and false, with no pages, once every section is DONE.
 */
static void test_grow(void **state)
{
	u64 pages = 99;
	int grown = 0;

	(void)state;
	small_setup();
	assert_true(claim_grow(2, &pages));
	assert_int_equal(pages, section_pages(BASE + 12));
	assert_int_equal(h.inits[12], 1);
	assert_true(claim_grow(-1, &pages));
	assert_int_equal(h.inits[0], 1);
	assert_true(claim_grow(MAX_NUMNODES + 3, &pages));
	assert_int_equal(h.inits[1], 1);
	assert_true(claim_grow(7, &pages));		/* no sections: 8..63, then 0 */
	assert_int_equal(h.inits[2], 1);
	while (claim_grow(1, &pages))
		grown++;
	assert_int_equal(grown, 10);
	assert_int_equal(pages, 0);
	assert_int_equal(claims_pending(), 0);
	for (u64 i = 0; i < SMALL; i++)
		assert_int_equal(h.inits[i], i == 10 || i == 11 ? 0 : 1);
	assert_false(claim_grow(-1, &pages));
	assert_int_equal(h.not_busy + h.stray, 0);
}

/* teardown - every test leaves the planted bugs off. */
static int teardown(void **state)
{
	(void)state;
	claim_fault = CLAIM_FAULT_NONE;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_setup_and_add_node, teardown),
		cmocka_unit_test_teardown(test_claim_publish_run, teardown),
		cmocka_unit_test_teardown(test_next_and_work, teardown),
		cmocka_unit_test_teardown(test_grow, teardown),
		cmocka_unit_test_teardown(test_race_each_section_once, teardown),
		cmocka_unit_test_teardown(test_race_stopped_midway, teardown),
		cmocka_unit_test_teardown(test_fault_racy_caught, teardown),
		cmocka_unit_test_teardown(test_fault_give_up_caught, teardown),
	};

	shim_seed_init("test_deferred_claim");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
