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
 * planted bug, judges its rounds with it.  The cases, by what they test
 * (lab bg-claim grades them in these groups, docs/labs/bg-claim.md):
 *
 *  One thread, the contract of each call, the states set by hand where
 *  a case is about one call only:
 *   test_setup_and_add_node, test_claim_section_once, test_publish_done,
 *   test_claim_run_once (claim, init while BUSY, publish), and the
 *   cursor: test_next_in_order, test_work_all_nodes,
 *   test_work_stops_between_sections, test_grow.
 *
 *  test_race_at_most_once: JITTER_ROUNDS rounds of the race below with
 *  every load of a claim byte that reads PENDING followed by a pause and
 *  a sched_yield() (the jitter, see "watched atomics"), so that a claim
 *  made of a load and a separate store (check-then-set), or a run of a
 *  section that did not win its claim, is caught in the first round even
 *  on one core: no section initialised twice, no init of a section that
 *  is not BUSY.
 *
 *  test_race_each_section_once: ROUNDS rounds of 3 background workers
 *  (claim_work() over interleaved nodes, two of which share sections)
 *  and 3 "demand" threads (claim_run() of the same section numbers in the
 *  same order, of random sections, then claim_grow()); afterwards every
 *  section was initialised exactly once and is DONE, and no claim_run()
 *  returned while its section was still BUSY.
 *
 *  test_race_stopped_midway: the same with the stop flag raised by the
 *  init that reaches a random count; afterwards no section was
 *  initialised twice or is BUSY, and every PENDING one was never
 *  initialised (a stopped init leaves whole sections, never half of one).
 *
 *  test_order_claim_is_one_cas, test_order_publish_releases,
 *  test_order_init_then_publish, test_wait_for_busy: the atomics, one
 *  thread (and a publisher thread for the last): the claim is one
 *  read-modify-write, DONE is stored with release after the init, and a
 *  claim_run() that finds the section BUSY returns only once it read
 *  DONE with acquire.
 *
 *  test_fault_racy_caught / test_fault_give_up_caught: the race harness
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
 * Watched atomics.  mm/deferred_claim.c is not linked in: it is compiled
 * into this file, after macros that put every __atomic_*_n builtin it
 * calls (and __atomic_{fetch_add,fetch_sub,add_fetch,sub_fetch},
 * __atomic_thread_fence, __sync_{val,bool}_compare_and_swap and
 * __sync_synchronize) through a watcher first.  On x86 a relaxed store of
 * DONE, or a relaxed load of it, behaves like a release or an acquire, so
 * no run can show a missing one; the watcher records, per thread, each
 * atomic access to a claim byte with its value and memory order, and the
 * order cases read that record.  An access to a claim byte that is not
 * through those builtins is not seen at all, and counts as a plain one.
 * Only this file sees the macros; the kernel and the other host tests
 * compile mm/deferred_claim.c as it is.
 *
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
#include <sys/stat.h>

/* ---- the code under test, its atomics watched -------------------------- */

void watch_load(const volatile void *p, unsigned long long v, int order, const char *func);
void watch_store(const volatile void *p, unsigned long long v, int order, const char *func);
void watch_rmw(const volatile void *p, unsigned long long old, unsigned long long now, int order,
	       const char *func);
void watch_fence(int order, const char *func);

/*
 * Each macro calls the builtin of the same name (a macro is not expanded
 * inside its own expansion), then tells the watcher what it did.  For a
 * compare-and-swap the order recorded is the one that applied: the
 * success order if it swapped, the failure order if not.
 */
#define __atomic_load_n(p, o) ({						\
	__typeof__(*(p)) w_v_ = __atomic_load_n((p), (o));			\
	watch_load((p), (unsigned long long)w_v_, (o), __func__);		\
	w_v_; })
#define __atomic_store_n(p, v, o) ({						\
	__typeof__(*(p)) w_v_ = (v);						\
	__atomic_store_n((p), w_v_, (o));					\
	watch_store((p), (unsigned long long)w_v_, (o), __func__); })
#define __atomic_exchange_n(p, v, o) ({					\
	__typeof__(*(p)) w_v_ = (v);						\
	__typeof__(*(p)) w_o_ = __atomic_exchange_n((p), w_v_, (o));		\
	watch_rmw((p), (unsigned long long)w_o_, (unsigned long long)w_v_, (o), __func__); \
	w_o_; })
#define __atomic_compare_exchange_n(p, e, d, w, so, fo) ({			\
	__typeof__(*(p)) w_e_ = *(e), w_d_ = (d);				\
	_Bool w_ok_ = __atomic_compare_exchange_n((p), (e), w_d_, (w), (so), (fo)); \
	watch_rmw((p), (unsigned long long)(w_ok_ ? w_e_ : *(e)),		\
		  (unsigned long long)(w_ok_ ? w_d_ : *(e)), w_ok_ ? (so) : (fo), __func__); \
	w_ok_; })
#define __atomic_fetch_add(p, v, o) ({					\
	__typeof__(*(p)) w_v_ = (v);						\
	__typeof__(*(p)) w_o_ = __atomic_fetch_add((p), w_v_, (o));		\
	watch_rmw((p), (unsigned long long)w_o_, (unsigned long long)(w_o_ + w_v_), (o), __func__); \
	w_o_; })
#define __atomic_fetch_sub(p, v, o) ({					\
	__typeof__(*(p)) w_v_ = (v);						\
	__typeof__(*(p)) w_o_ = __atomic_fetch_sub((p), w_v_, (o));		\
	watch_rmw((p), (unsigned long long)w_o_, (unsigned long long)(w_o_ - w_v_), (o), __func__); \
	w_o_; })
#define __atomic_add_fetch(p, v, o) ({					\
	__typeof__(*(p)) w_v_ = (v);						\
	__typeof__(*(p)) w_n_ = __atomic_add_fetch((p), w_v_, (o));		\
	watch_rmw((p), (unsigned long long)(w_n_ - w_v_), (unsigned long long)w_n_, (o), __func__); \
	w_n_; })
#define __atomic_sub_fetch(p, v, o) ({					\
	__typeof__(*(p)) w_v_ = (v);						\
	__typeof__(*(p)) w_n_ = __atomic_sub_fetch((p), w_v_, (o));		\
	watch_rmw((p), (unsigned long long)(w_n_ + w_v_), (unsigned long long)w_n_, (o), __func__); \
	w_n_; })
#define __atomic_thread_fence(o) (watch_fence((o), __func__), __atomic_thread_fence(o))
#define __sync_val_compare_and_swap(p, x, n) ({				\
	__typeof__(*(p)) w_x_ = (x), w_n_ = (n);				\
	__typeof__(*(p)) w_r_ = __sync_val_compare_and_swap((p), w_x_, w_n_);	\
	watch_rmw((p), (unsigned long long)w_r_,				\
		  (unsigned long long)(w_r_ == w_x_ ? w_n_ : w_r_), __ATOMIC_SEQ_CST, __func__); \
	w_r_; })
#define __sync_bool_compare_and_swap(p, x, n) ({				\
	__typeof__(*(p)) w_bx_ = (x);						\
	__sync_val_compare_and_swap((p), w_bx_, (n)) == w_bx_; })
#define __sync_synchronize() (watch_fence(__ATOMIC_SEQ_CST, __func__), __sync_synchronize())

#include "mm/deferred_claim.c"

#undef __atomic_load_n
#undef __atomic_store_n
#undef __atomic_exchange_n
#undef __atomic_compare_exchange_n
#undef __atomic_fetch_add
#undef __atomic_fetch_sub
#undef __atomic_add_fetch
#undef __atomic_sub_fetch
#undef __atomic_thread_fence
#undef __sync_val_compare_and_swap
#undef __sync_bool_compare_and_swap
#undef __sync_synchronize

#include <cmocka.h>
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
#define JITTER_ROUNDS	100	/* rounds of test_race_at_most_once */
#define JITTER_SPIN	200	/* pause loops after a load that reads PENDING (jitter) ... */
				/* ... then a sched_yield() */
#define WATCH_LOG	64	/* a thread's last atomic accesses the watcher keeps */
#define WAIT_LOADS	3	/* test_wait_for_busy: loads of BUSY before it publishes */

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
	u64 early_runs;		/* claim_run()s that returned with the section not DONE */
	u64 first_early;	/* the section of the first of those */
	u64 order[NSEC];	/* the sections in the order they were initialised */
	unsigned init_at;	/* the watcher's count in the thread of the last init */
	pthread_barrier_t go;
} h;

/* state_of - section @nr's claim byte, read by the test itself (not watched). */
static int state_of(u64 nr)
{
	return __atomic_load_n(&h.state[nr - BASE], __ATOMIC_ACQUIRE);
}

/* ---- the watcher (see "watched atomics" at the top) --------------------- */

enum watch_kind { WATCH_LOAD, WATCH_STORE, WATCH_RMW, WATCH_FENCE };

/* struct watch_op - one atomic access to a claim byte, or a fence, as made. */
struct watch_op {
	enum watch_kind kind;
	int order;		/* the __ATOMIC_* order that applied */
	long idx;		/* the claim byte: h.state[idx] (-1 for a fence) */
	unsigned before;	/* the value read (a store: the value stored) */
	unsigned after;		/* the value the byte holds after it */
	const char *func;	/* the function that made it */
};

static _Thread_local struct watch_op wlog[WATCH_LOG];
static _Thread_local unsigned wlog_n;	/* accesses recorded since watch_reset() */
static bool jitter;			/* pause after a load that reads PENDING ... */
static _Thread_local bool racer;	/* ... in a worker or demand thread */
static u64 jitters;			/* pauses made */
static long busy_idx = -1;		/* test_wait_for_busy's byte, whose ... */
static u64 busy_loads;			/* ... reads of BUSY are counted here */

/* watch_reset - forget this thread's recorded accesses. */
static void watch_reset(void)
{
	wlog_n = 0;
}

/* watch_idx - the claim byte @p is, or -1 if it is none (a cursor, a lock). */
static long watch_idx(const volatile void *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)h.state;

	return a >= b && a < b + sizeof(h.state) ? (long)(a - b) : -1;
}

static void watch_note(enum watch_kind kind, long idx, unsigned long long before,
		       unsigned long long after, int order, const char *func)
{
	wlog[wlog_n++ % WATCH_LOG] = (struct watch_op){ kind, order, idx, (unsigned)before,
							(unsigned)after, func };
	if (idx >= 0 && idx == busy_idx && kind != WATCH_STORE && before == SECTION_BUSY)
		__atomic_fetch_add(&busy_loads, 1, __ATOMIC_RELEASE);
}

/* dawdle - the jitter: let another thread run between this load and what follows. */
static void dawdle(void)
{
	for (volatile int i = 0; i < JITTER_SPIN; i++)
		cpu_relax();
	sched_yield();
	__atomic_fetch_add(&jitters, 1, __ATOMIC_RELAXED);
}

void watch_load(const volatile void *p, unsigned long long v, int order, const char *func)
{
	long idx = watch_idx(p);

	if (idx < 0)
		return;
	watch_note(WATCH_LOAD, idx, v, v, order, func);
	if (jitter && racer && v == SECTION_PENDING)
		dawdle();
}

void watch_store(const volatile void *p, unsigned long long v, int order, const char *func)
{
	long idx = watch_idx(p);

	if (idx >= 0)
		watch_note(WATCH_STORE, idx, v, v, order, func);
}

void watch_rmw(const volatile void *p, unsigned long long old, unsigned long long now, int order,
	       const char *func)
{
	long idx = watch_idx(p);

	if (idx >= 0)
		watch_note(WATCH_RMW, idx, old, now, order, func);
}

void watch_fence(int order, const char *func)
{
	watch_note(WATCH_FENCE, -1, 0, 0, order, func);
}

/* watch_op - this thread's @i-th recorded access since the reset (NULL if not kept). */
static const struct watch_op *watch_op(unsigned i)
{
	return i < wlog_n && wlog_n - i <= WATCH_LOG ? &wlog[i % WATCH_LOG] : NULL;
}

static bool is_release(int o)
{
	return o == __ATOMIC_RELEASE || o == __ATOMIC_ACQ_REL || o == __ATOMIC_SEQ_CST;
}

static bool is_acquire(int o)
{
	return o == __ATOMIC_ACQUIRE || o == __ATOMIC_ACQ_REL || o == __ATOMIC_SEQ_CST;
}

static const char *order_name(int o)
{
	static const char *const names[] = { "__ATOMIC_RELAXED", "__ATOMIC_CONSUME",
		"__ATOMIC_ACQUIRE", "__ATOMIC_RELEASE", "__ATOMIC_ACQ_REL", "__ATOMIC_SEQ_CST" };

	return o >= 0 && o < (int)ARRAY_SIZE(names) ? names[o] : "an unknown order";
}

static const char *kind_name(enum watch_kind k)
{
	return k == WATCH_LOAD ? "a load" : k == WATCH_STORE ? "a store" :
	       k == WATCH_RMW ? "a read-modify-write" : "a fence";
}

/*
 * watch_write_of - the first recorded access of this thread that put
 * @value into claim byte @idx (a store of it, or a read-modify-write that
 * changed the byte to it).  Return: its index, or -1.
 */
static int watch_write_of(long idx, unsigned value)
{
	for (unsigned i = 0; i < wlog_n; i++) {
		const struct watch_op *w = watch_op(i);

		if (w && w->idx == idx && w->after == value &&
		    (w->kind == WATCH_STORE || (w->kind == WATCH_RMW && w->before != value)))
			return (int)i;
	}
	return -1;
}

/* fence_between - a recorded fence of an order @want accepts in [@from, @to)? */
static bool fence_between(unsigned from, unsigned to, bool (*want)(int))
{
	for (unsigned i = from; i < to; i++) {
		const struct watch_op *w = watch_op(i);

		if (w && w->kind == WATCH_FENCE && want(w->order))
			return true;
	}
	return false;
}

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
	if (state_of(nr) != SECTION_BUSY)
		__atomic_fetch_add(&h.not_busy, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h.inits[nr - BASE], 1, __ATOMIC_RELAXED);
	total = __atomic_add_fetch(&h.total_inits, 1, __ATOMIC_RELAXED);
	if (total <= NSEC)
		h.order[total - 1] = nr;
	h.init_at = wlog_n;
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
		int st = state_of(BASE + i);
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

/* first_doubled - the first section initialised more than once (BASE + NSEC if none). */
static u64 first_doubled(void)
{
	u64 i = 0;

	while (i < NSEC && h.inits[i] <= 1)
		i++;
	return BASE + i;
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
		if (state_of(BASE + i) != SECTION_DONE)
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

	racer = true;
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
 * demand_run - claim_run(@nr) as a caller that needs the section: when it
 * returns, the section must be DONE (whoever initialised it), or the
 * caller would read struct pages still being written.
 * Return: what claim_run() returned.
 */
static u64 demand_run(u64 nr)
{
	u64 p = claim_run(nr);

	if (state_of(nr) != SECTION_DONE &&
	    __atomic_fetch_add(&h.early_runs, 1, __ATOMIC_RELAXED) == 0)
		h.first_early = nr;
	return p;
}

/*
 * demand_thread - on-demand growth: the sweep (every STRIDE-th section
 * from the round's offset, the same numbers in the same order in every
 * demand thread), random sections, then claim_grow().
 */
static void *demand_thread(void *arg)
{
	u64 rng = (h.seed ^ ((uintptr_t)arg + 1) * 0x9e3779b97f4a7c15ULL) | 1, pages = 0;

	racer = true;
	pthread_barrier_wait(&h.go);
	for (u64 k = h.sweep_off; k < NSEC && !stopped(); k += STRIDE) {
		u64 p = demand_run(BASE + k);

		if (!p)
			__atomic_fetch_add(&h.lost_runs, 1, __ATOMIC_RELAXED);
		pages += p;
		__atomic_fetch_add(&h.sweep_claims, 1, __ATOMIC_RELEASE);
	}
	for (int i = 0; i < RANDOM_RUNS && !stopped(); i++)
		pages += demand_run(BASE + next_rand(&rng) % NSEC);
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
	h.lost_runs = h.early_runs = h.first_early = 0;
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
	if (h.early_runs)
		fail_msg("round %d (seed %#llx): claim_run(%llu) returned while the section was not "
			 "DONE (%llu such returns): its caller goes on to use struct pages another CPU "
			 "is still initialising; a claim_run() that loses must wait for DONE",
			 round, (unsigned long long)seed, (unsigned long long)h.first_early,
			 (unsigned long long)h.early_runs);
	if (h.pages != expected_pages())
		fail_msg("round %d (seed %#llx): claim calls reported %llu pages, "
			 "inits returned %llu", round, (unsigned long long)seed, (unsigned long long)h.pages,
			 (unsigned long long)expected_pages());
	return v;
}

/*
 * test_race_at_most_once - the race of test_race_each_section_once with
 * the jitter on, JITTER_ROUNDS times: after every load of a claim byte
 * that reads PENDING the thread pauses and yields, so a claim that is a
 * load and then a separate store, or a run of a section whose claim was
 * not won, lets another thread in between at once.  Afterwards no section
 * was initialised twice, and the init only ever ran on a BUSY section.
 * Sections lost are test_race_each_section_once's business, not this.
 */
static void test_race_at_most_once(void **state)
{
	u64 t0 = now_ms();

	(void)state;
	jitters = 0;
	jitter = true;
	for (int r = 0; r < JITTER_ROUNDS; r++) {
		u64 seed = shim_rand();
		struct verdict v;

		run_round(seed, 0);
		v = check_sections(false);
		if (v.doubled)
			fail_msg("round %d (seed %#llx): section %llu initialised %u times; %llu "
				 "sections initialised more than once: two CPUs both won a claim (a "
				 "claim must be one compare-and-swap, and only its winner may run "
				 "the section)", r, (unsigned long long)seed,
				 (unsigned long long)first_doubled(),
				 h.inits[first_doubled() - BASE], (unsigned long long)v.doubled);
		if (h.not_busy || h.stray)
			fail_msg("round %d (seed %#llx): %llu inits of a section that was not BUSY (run "
				 "without winning its claim), %llu of untracked sections", r,
				 (unsigned long long)seed, (unsigned long long)h.not_busy,
				 (unsigned long long)h.stray);
	}
	jitter = false;
	print_message("%d rounds with jitter (%llu pauses after a load of PENDING): no section "
		      "initialised twice (%llu ms)\n", JITTER_ROUNDS, (unsigned long long)jitters,
		      (unsigned long long)(now_ms() - t0));
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

/* snapshot - the single-thread layout's claim bytes, to compare after a call. */
static void snapshot(u8 *copy)
{
	memcpy(copy, h.state, SMALL);
}

/* changed_only - every claim byte but @i (SMALL: none) is as in @copy. */
static void changed_only(const u8 *copy, u64 i)
{
	for (u64 j = 0; j < SMALL; j++)
		if (j != i && h.state[j] != copy[j])
			fail_msg("section %llu changed from %u to %u, but the call was about section "
				 "%llu only", (unsigned long long)(BASE + j), copy[j], h.state[j],
				 (unsigned long long)(BASE + i));
}

/*
 * test_claim_section_once - claim_section() moves a PENDING section to
 * BUSY and says true, once; it says false for a BUSY, DONE, NONE or
 * untracked section and leaves its byte as it was; it initialises
 * nothing and touches no other section.
 */
static void test_claim_section_once(void **state)
{
	u8 copy[SMALL];

	(void)state;
	small_setup();
	snapshot(copy);
	assert_true(claim_section(BASE + 4));
	assert_int_equal(state_of(BASE + 4), SECTION_BUSY);
	changed_only(copy, 4);
	assert_false(claim_section(BASE + 4));		/* BUSY: somebody has it */
	assert_int_equal(state_of(BASE + 4), SECTION_BUSY);
	h.state[5] = SECTION_DONE;			/* won and published, by hand */
	snapshot(copy);
	assert_false(claim_section(BASE + 5));
	assert_false(claim_section(BASE + 10));		/* NONE: nothing deferred in it */
	assert_false(claim_section(BASE - 1));		/* untracked */
	assert_false(claim_section(BASE + SMALL));
	changed_only(copy, SMALL);
	assert_true(claim_section(BASE + 15));		/* the last one */
	assert_true(claim_section(BASE + 0));		/* the first one */
	assert_int_equal(claims_pending(), 10);
	assert_int_equal(h.total_inits, 0);		/* a claim initialises nothing */
}

/*
 * test_publish_done - claim_publish() moves a BUSY section to DONE and
 * touches no other byte; an untracked section is ignored.
 */
static void test_publish_done(void **state)
{
	u8 copy[SMALL];

	(void)state;
	small_setup();
	h.state[4] = SECTION_BUSY;			/* won, by hand */
	snapshot(copy);
	claim_publish(BASE + 4);
	assert_int_equal(state_of(BASE + 4), SECTION_DONE);
	changed_only(copy, 4);
	h.state[SMALL] = 0x33;
	claim_publish(BASE + SMALL);			/* untracked: ignored */
	assert_int_equal(h.state[SMALL], 0x33);
	claim_publish(BASE - 1);
	changed_only(copy, 4);
	assert_int_equal(claims_pending(), 13);
	assert_int_equal(h.total_inits, 0);
}

/*
 * test_claim_run_once - claim_run() of a PENDING section claims it,
 * initialises it once while it is BUSY, publishes it, and returns the
 * pages the init did; of a DONE, NONE or untracked section it does
 * nothing and returns 0.
 */
static void test_claim_run_once(void **state)
{
	u8 copy[SMALL];

	(void)state;
	small_setup();
	snapshot(copy);
	assert_int_equal(claim_run(BASE + 5), section_pages(BASE + 5));
	assert_int_equal(h.inits[5], 1);
	if (h.not_busy)
		fail_msg("the init of section %d ran while it was not BUSY: claim it (claim_section()) "
			 "before the init, publish it after", BASE + 5);
	assert_int_equal(state_of(BASE + 5), SECTION_DONE);
	changed_only(copy, 5);
	assert_int_equal(claim_run(BASE + 5), 0);	/* DONE: returns at once */
	assert_int_equal(h.inits[5], 1);

	h.state[6] = SECTION_DONE;			/* done by another CPU, by hand */
	assert_int_equal(claim_run(BASE + 6), 0);
	assert_int_equal(h.inits[6], 0);
	assert_int_equal(claim_run(BASE + 10), 0);	/* NONE */
	assert_int_equal(state_of(BASE + 10), SECTION_NONE);
	assert_int_equal(claim_run(BASE - 1), 0);	/* untracked */
	assert_int_equal(claim_run(BASE + SMALL), 0);
	assert_int_equal(claim_run(BASE + 15), section_pages(BASE + 15));
	assert_int_equal(h.total_inits, 2);
	assert_int_equal(h.not_busy + h.stray, 0);
	assert_int_equal(claims_pending(), 11);
}

/*
 * test_next_in_order - claim_next() hands out a node's sections in
 * order, skipping the ones claimed already (BUSY or DONE, set by hand
 * here), claims but does not initialise them, and answers -1 past the
 * node's end and for a node never added or out of range; a section two
 * nodes share is handed out once.
 */
static const char *const state_names[] = { "NONE", "PENDING", "BUSY", "DONE" };

/* next_is - claim_next(@nid) returns @want, and a section it returns is BUSY (claimed). */
static void next_is(int nid, long want)
{
	long got = claim_next(nid);

	if (got != want)
		fail_msg("claim_next(%d) returned %ld, expected %ld", nid, got, want);
	if (want >= 0 && state_of((u64)want) != SECTION_BUSY)
		fail_msg("claim_next(%d) returned section %ld without claiming it: it is %s, not BUSY "
			 "(the cursor only hands out numbers; a section is yours when your claim won)",
			 nid, want, state_names[state_of((u64)want) & 3]);
}

static void test_next_in_order(void **state)
{
	(void)state;
	small_setup();
	h.state[2] = SECTION_BUSY;			/* a direct claim, ahead of the cursor */
	h.state[4] = SECTION_DONE;			/* ... and one already done */
	next_is(0, BASE + 0);
	next_is(0, BASE + 1);
	next_is(0, BASE + 3);				/* 2 is BUSY */
	next_is(0, BASE + 5);				/* 4 is DONE */
	next_is(0, -1);					/* past its end */
	next_is(0, -1);
	assert_int_equal(h.total_inits, 0);		/* claims, no init */
	next_is(5, -1);					/* never added */
	next_is(-1, -1);
	next_is(MAX_NUMNODES, -1);
	assert_int_equal(claims_pending(), 8);		/* 6..9 and 12..15 */
	next_is(1, BASE + 6);				/* 4, 5 shared and taken */
	next_is(1, BASE + 7);
	next_is(1, BASE + 8);
	next_is(1, BASE + 9);				/* its last */
	next_is(1, -1);
	next_is(2, BASE + 12);				/* another node's first */
	for (u64 i = 0; i < 10; i++)
		assert_int_equal(state_of(BASE + i), SECTION_BUSY + (i == 4));
	assert_int_equal(claims_pending(), 3);
	assert_int_equal(h.total_inits, 0);
}

/*
 * test_work_all_nodes - claim_work() does nothing once stopped; otherwise
 * it runs its own node's sections, in order, then the other nodes', each
 * once, counts them in @sections (which may be NULL), and returns their
 * pages.
 */
static void test_work_all_nodes(void **state)
{
	static const u64 want[] = { 4, 5, 6, 8, 9 };	/* node 1's, 7 done already */
	bool stop = true;
	u64 secs = 99, pages = 0;

	(void)state;
	small_setup();
	h.state[7] = SECTION_DONE;			/* by hand */
	assert_int_equal(claim_work(1, &stop, &secs), 0);
	assert_int_equal(secs, 0);
	assert_int_equal(claims_pending(), 13);
	stop = false;
	for (u64 i = 0; i < SMALL; i++)
		pages += i == 7 || i == 10 || i == 11 ? 0 : section_pages(BASE + i);
	assert_int_equal(claim_work(1, &stop, &secs), pages);
	assert_int_equal(secs, 13);
	assert_int_equal(claims_pending(), 0);
	for (u64 i = 0; i < SMALL; i++) {
		assert_int_equal(h.inits[i], i == 7 || i == 10 || i == 11 ? 0 : 1);
		assert_int_equal(state_of(BASE + i), i == 10 || i == 11 ? SECTION_NONE : SECTION_DONE);
	}
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)	/* its own node first */
		assert_int_equal(h.order[i], BASE + want[i]);
	assert_int_equal(h.not_busy + h.stray, 0);
	assert_int_equal(claim_work(0, NULL, NULL), 0);	/* none left; @sections NULL is fine */
}

/*
 * test_work_stops_between_sections - a stop raised while claim_work()
 * initialises a section (by the init itself, here the second) lets that
 * section finish and be published, and claims nothing more: two sections
 * DONE, none BUSY, the rest PENDING.
 */
static void test_work_stops_between_sections(void **state)
{
	u64 secs = 99;

	(void)state;
	small_setup();
	h.stop = false;
	h.stop_after = 2;
	assert_int_equal(claim_work(0, &h.stop, &secs),
			 section_pages(BASE + 0) + section_pages(BASE + 1));
	assert_int_equal(secs, 2);
	assert_int_equal(h.total_inits, 2);
	for (u64 i = 0; i < SMALL; i++) {
		int st = state_of(BASE + i);

		if (st == SECTION_BUSY)
			fail_msg("section %llu left BUSY after the stop: claimed and never run, so "
				 "nobody will ever publish it (check the stop before each claim, not "
				 "after)", (unsigned long long)(BASE + i));
		assert_int_equal(st, i < 2 ? SECTION_DONE : i == 10 || i == 11 ? SECTION_NONE :
				 SECTION_PENDING);
	}
	assert_int_equal(claims_pending(), 12);
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

/* ---- the atomics, one thread (and a publisher) -------------------------- */

/*
 * test_order_claim_is_one_cas - the write that makes a PENDING section
 * BUSY is one atomic read-modify-write of its byte (a compare-and-swap),
 * not a load and then a store: between those two another CPU can load
 * PENDING too, and both win.
 */
static void test_order_claim_is_one_cas(void **state)
{
	const struct watch_op *w;
	int i;

	(void)state;
	small_setup();
	watch_reset();
	assert_true(claim_section(BASE + 4));
	assert_int_equal(state_of(BASE + 4), SECTION_BUSY);
	i = watch_write_of(4, SECTION_BUSY);
	if (i < 0)
		fail_msg("claim_section() made section %d BUSY without an atomic write the test could "
			 "see (a plain assignment?): claim it with __atomic_compare_exchange_n()",
			 BASE + 4);
	w = watch_op((unsigned)i);
	if (w->kind != WATCH_RMW || w->before != SECTION_PENDING)
		fail_msg("%s() made section %d BUSY with %s after reading its state apart "
			 "(check-then-set): another CPU can read PENDING in between and win as "
			 "well; make the read and the write one __atomic_compare_exchange_n()",
			 w->func, BASE + 4, kind_name(w->kind));
}

/*
 * test_order_publish_releases - the write that makes a BUSY section DONE
 * is a release (a store or read-modify-write with __ATOMIC_RELEASE or
 * stronger, or a relaxed one after a release fence): a CPU that reads
 * DONE with acquire then also reads every struct page written before it.
 */
static void test_order_publish_releases(void **state)
{
	const struct watch_op *w;
	int i;

	(void)state;
	small_setup();
	h.state[4] = SECTION_BUSY;			/* won, by hand */
	watch_reset();
	claim_publish(BASE + 4);
	assert_int_equal(state_of(BASE + 4), SECTION_DONE);
	i = watch_write_of(4, SECTION_DONE);
	if (i < 0)
		fail_msg("claim_publish() made section %d DONE without an atomic store the test could "
			 "see (a plain assignment?): store it with __atomic_store_n(..., "
			 "__ATOMIC_RELEASE)", BASE + 4);
	w = watch_op((unsigned)i);
	if (!is_release(w->order) && !fence_between(0, (unsigned)i, is_release))
		fail_msg("%s() stored DONE with %s: a CPU that reads DONE may still miss struct pages "
			 "written before it (x86 never shows it, arm64 does); use __ATOMIC_RELEASE",
			 w->func, order_name(w->order));
}

/*
 * test_order_init_then_publish - claim_run() of a PENDING section: the
 * init runs while the section is BUSY, and the release of DONE comes after
 * it, never before.
 */
static void test_order_init_then_publish(void **state)
{
	const struct watch_op *w;
	int i;

	(void)state;
	small_setup();
	watch_reset();
	assert_int_equal(claim_run(BASE + 5), section_pages(BASE + 5));
	assert_int_equal(h.inits[5], 1);
	i = watch_write_of(5, SECTION_DONE);
	if (h.not_busy || (i >= 0 && (unsigned)i < h.init_at))
		fail_msg("section %d became DONE before its init ran: a CPU waiting for it would "
			 "go on while its struct pages are still being written; publish after the "
			 "init", BASE + 5);
	if (i < 0)
		fail_msg("claim_run() of section %d did not make it DONE with an atomic store the "
			 "test could see", BASE + 5);
	w = watch_op((unsigned)i);
	if (!is_release(w->order) && !fence_between(h.init_at, (unsigned)i, is_release))
		fail_msg("%s() stored DONE with %s after the init: use __ATOMIC_RELEASE", w->func,
			 order_name(w->order));
}

/* The publisher of test_wait_for_busy. */
static struct {
	u64 nr;
	bool published;		/* it stored DONE */
	bool gave_up;		/* ... without seeing WAIT_LOADS loads of BUSY */
} pub;

/*
 * publisher - another CPU finishing section pub.nr: wait until the waiter
 * has read BUSY WAIT_LOADS times (so it is waiting), at most 500 ms, then
 * store DONE with release.
 */
static void *publisher(void *arg)
{
	u64 t0 = now_ms();

	(void)arg;
	while (__atomic_load_n(&busy_loads, __ATOMIC_ACQUIRE) < WAIT_LOADS) {
		if (now_ms() - t0 > 500) {
			pub.gave_up = true;
			break;
		}
		sched_yield();
	}
	__atomic_store_n(&h.state[pub.nr - BASE], SECTION_DONE, __ATOMIC_RELEASE);
	__atomic_store_n(&pub.published, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * test_wait_for_busy - claim_run() of a section another CPU holds BUSY
 * (a publisher thread that stores DONE only once this thread has read
 * BUSY a few times) does not initialise it, returns 0 only after the
 * section is DONE, and its last read of the byte saw DONE with acquire
 * (or relaxed, then an acquire fence).
 */
static void test_wait_for_busy(void **state)
{
	const struct watch_op *w = NULL;
	pthread_t t;
	u64 got;
	int st;

	(void)state;
	small_setup();
	pub.nr = BASE + 6;
	pub.published = pub.gave_up = false;
	h.state[6] = SECTION_BUSY;			/* another CPU won it */
	busy_loads = 0;
	busy_idx = 6;
	watch_reset();
	assert_int_equal(pthread_create(&t, NULL, publisher, NULL), 0);
	got = claim_run(pub.nr);
	st = state_of(pub.nr);
	pthread_join(t, NULL);
	busy_idx = -1;
	if (st != SECTION_DONE)
		fail_msg("claim_run(%llu) returned while another CPU held the section BUSY: its "
			 "caller would use struct pages still being written; wait until it is DONE",
			 (unsigned long long)pub.nr);
	assert_int_equal(got, 0);			/* the other CPU did the work */
	assert_int_equal(h.inits[6], 0);
	if (pub.gave_up)
		fail_msg("claim_run(%llu) waited without an atomic load of the section's state that "
			 "the test could see (claim_state() is one)", (unsigned long long)pub.nr);
	for (unsigned i = wlog_n; i-- > 0 && !w;) {
		const struct watch_op *o = watch_op(i);

		if (o && o->idx == 6 && o->kind != WATCH_STORE)
			w = o;
		if (w && w->before != SECTION_DONE)
			fail_msg("claim_run(%llu)'s last read of the section's state saw %u, not DONE",
				 (unsigned long long)pub.nr, w->before);
		if (w && !is_acquire(w->order) && !fence_between(i + 1, wlog_n, is_acquire))
			fail_msg("%s() read DONE with %s: the struct pages the other CPU wrote before "
				 "DONE may not be visible yet (x86 never shows it, arm64 does); read "
				 "it with __ATOMIC_ACQUIRE, as claim_state() does", w->func,
				 order_name(w->order));
	}
	assert_non_null(w);
}

/*
 * stale_build - is this program older than mm/deferred_claim.c?  It
 * compiles that file into itself (the #include at the top), and make
 * learns that only from its object's dependency file: a program built
 * before the source last changed would test an old copy of it, and pass
 * or fail for code that is no longer there.  (Run from elsewhere than the
 * top of the tree, there is nothing to compare: false.)
 */
static bool stale_build(void)
{
	struct stat src, exe;

	if (stat("mm/deferred_claim.c", &src) || stat("/proc/self/exe", &exe))
		return false;
	return src.st_mtim.tv_sec > exe.st_mtim.tv_sec ||
	       (src.st_mtim.tv_sec == exe.st_mtim.tv_sec && src.st_mtim.tv_nsec > exe.st_mtim.tv_nsec);
}

/* test_stale - what every case runs instead when the program is stale. */
static void test_stale(void **state)
{
	(void)state;
	fail_msg("this program is older than mm/deferred_claim.c, which it compiles in: it would "
		 "test an old copy; rebuild it (make build/host/test_deferred_claim, or with BUILD= "
		 "for another build directory)");
}

/* teardown - every test leaves the planted bugs off. */
static int teardown(void **state)
{
	(void)state;
	claim_fault = CLAIM_FAULT_NONE;
	jitter = false;
	busy_idx = -1;
	h.stop_after = 0;
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_setup_and_add_node, teardown),
		cmocka_unit_test_teardown(test_claim_section_once, teardown),
		cmocka_unit_test_teardown(test_publish_done, teardown),
		cmocka_unit_test_teardown(test_claim_run_once, teardown),
		cmocka_unit_test_teardown(test_next_in_order, teardown),
		cmocka_unit_test_teardown(test_work_all_nodes, teardown),
		cmocka_unit_test_teardown(test_work_stops_between_sections, teardown),
		cmocka_unit_test_teardown(test_grow, teardown),
		cmocka_unit_test_teardown(test_order_claim_is_one_cas, teardown),
		cmocka_unit_test_teardown(test_order_publish_releases, teardown),
		cmocka_unit_test_teardown(test_order_init_then_publish, teardown),
		cmocka_unit_test_teardown(test_wait_for_busy, teardown),
		cmocka_unit_test_teardown(test_race_at_most_once, teardown),
		cmocka_unit_test_teardown(test_race_each_section_once, teardown),
		cmocka_unit_test_teardown(test_race_stopped_midway, teardown),
		cmocka_unit_test_teardown(test_fault_racy_caught, teardown),
		cmocka_unit_test_teardown(test_fault_give_up_caught, teardown),
	};

	if (stale_build())		/* every case fails, under its own name */
		for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
			tests[i].test_func = test_stale;
	shim_seed_init("test_deferred_claim");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
