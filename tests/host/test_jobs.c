/*
 * tests/host/test_jobs.c - multithreaded jobs (kernel/jobs.c).
 *
 * SOURCES: kernel/jobs.c kernel/tsc.c
 * LDLIBS: -pthread
 *
 * The chunk-size rule and the cursor are checked directly; the dispatcher
 * runs on the shim's pthread CPUs (shim_smp_init), so chunks really are
 * taken concurrently.  Every unit handled bumps an atomic per-unit counter,
 * and every chunk is logged, so coverage (exactly once), alignment and
 * minimum size are checked for randomly drawn jobs.  The PRNG seed is
 * printed; set KHOLAB_SEED to replay a run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <pthread.h>
#include <cmocka.h>

#include <kernel/jobs.h>
#include <kernel/tsc.h>
#include "shim.h"

#define MAX_UNITS	20000
#define MAX_LOGGED	(MAX_UNITS + 16)
#define RANDOM_RUNS	150

static u64 seed;		/* from shim_seed_init(), named in failure messages */

/* What the job's thread_fn saw; written concurrently, checked afterwards. */
struct record {
	u64 start;			/* job start: counter index base */
	u32 count[MAX_UNITS];		/* calls covering each unit */
	u64 outside;			/* units outside [start, start + MAX_UNITS) */
	u64 nchunks;			/* chunks logged */
	u64 cs[MAX_LOGGED], ce[MAX_LOGGED];
	int ccpu[MAX_LOGGED];
};

static struct record rec;

/* record_fn - the job: count each unit and log the chunk. */
static void record_fn(u64 s, u64 e, void *arg)
{
	struct record *r = arg;
	u64 i = __atomic_fetch_add(&r->nchunks, 1, __ATOMIC_RELAXED);

	if (i < MAX_LOGGED) {
		r->cs[i] = s;
		r->ce[i] = e;
		r->ccpu[i] = smp_processor_id();
	}
	for (u64 u = s; u < e; u++) {
		if (u < r->start || u - r->start >= MAX_UNITS)
			__atomic_fetch_add(&r->outside, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&r->count[u - r->start], 1, __ATOMIC_RELAXED);
	}
}

/* record_reset - clear the record for a job starting at @start. */
static void record_reset(u64 start)
{
	memset(&rec, 0, sizeof(rec));
	rec.start = start;
}

/*
 * make_job - a job that records into rec (emptied) and reports into @st;
 * *@st is poisoned, so that checks see only what a run wrote.
 */
static struct padata_mt_job make_job(u64 start, u64 size, u64 align, u64 min_chunk,
				     int max_threads, struct padata_stats *st)
{
	struct padata_mt_job job = {
		.thread_fn = record_fn, .fn_arg = &rec, .start = start, .size = size,
		.align = align, .min_chunk = min_chunk, .max_threads = max_threads,
		.name = "test", .stats = st,
	};

	if (st)
		memset(st, 0xff, sizeof(*st));
	record_reset(start);
	return job;
}

/* run_on - bring @ncpus shim CPUs online and run @job on all of them; it must succeed. */
static void run_on(int ncpus, struct padata_mt_job job)
{
	int cpus[MAX_CPUS];

	for (int c = 0; c < ncpus; c++)
		cpus[c] = c;
	shim_smp_init(ncpus);
	assert_int_equal(padata_do_multithreaded(&job, cpus, ncpus), 0);
}

/* ref_nchunks - chunks a job gets with chunk size @chunk, computed apart. */
static u64 ref_nchunks(u64 start, u64 size, u64 align, u64 chunk)
{
	u64 a = align ? align : 1;
	u64 base = start / a * a;

	if (!size)
		return 0;
	return (start + size - base + chunk - 1) / chunk;
}

/*
 * check_record - every unit of [start, start + size) covered exactly once,
 * nothing outside; chunks non-empty, interior boundaries aligned, and no
 * chunk below min_chunk except one touching the job's start or end.
 */
static void check_record(u64 start, u64 size, u64 align, u64 min_chunk)
{
	u64 a = align ? align : 1;

	assert_true(size <= MAX_UNITS);
	assert_int_equal(rec.outside, 0);
	for (u64 i = 0; i < size; i++)
		if (rec.count[i] != 1)
			fail_msg("unit %llu covered %u times (seed %llu)",
				 (unsigned long long)(start + i), rec.count[i],
				 (unsigned long long)seed);
	assert_true(rec.nchunks <= MAX_LOGGED);
	for (u64 i = 0; i < rec.nchunks; i++) {
		u64 s = rec.cs[i], e = rec.ce[i];

		assert_true(s < e);
		if (s != start && s % a)
			fail_msg("chunk [%llu, %llu) starts unaligned (align %llu, seed %llu)",
				 (unsigned long long)s, (unsigned long long)e,
				 (unsigned long long)a, (unsigned long long)seed);
		if (e != start + size && e % a)
			fail_msg("chunk [%llu, %llu) ends unaligned (align %llu, seed %llu)",
				 (unsigned long long)s, (unsigned long long)e,
				 (unsigned long long)a, (unsigned long long)seed);
		if (s != start && e != start + size && e - s < min_chunk)
			fail_msg("interior chunk [%llu, %llu) below min_chunk %llu (seed %llu)",
				 (unsigned long long)s, (unsigned long long)e,
				 (unsigned long long)min_chunk, (unsigned long long)seed);
	}
}

static int setup(void **state)
{
	(void)state;
	shim_smp_init(1);
	shim_results_reset();
	shim_log_reset();
	tsc_khz = 1000000;	/* pretend 1 GHz so ns_total is meaningful */
	return 0;
}

/* The rule: max(min_chunk, size / (nworks * 4)) rounded up to align. */
static void test_chunk_size_rule(void **state)
{
	struct padata_mt_job j = { .size = 1000 };

	(void)state;
	assert_int_equal(padata_chunk_size(&j, 1), 250);
	assert_int_equal(padata_chunk_size(&j, 5), 50);
	assert_int_equal(padata_chunk_size(&j, 0), 250);	/* counts as 1 */
	j.min_chunk = 100;
	assert_int_equal(padata_chunk_size(&j, 5), 100);
	assert_int_equal(padata_chunk_size(&j, 1), 250);
	j.align = 64;
	assert_int_equal(padata_chunk_size(&j, 5), 128);
	assert_int_equal(padata_chunk_size(&j, 1), 256);
	j.align = 1;
	j.min_chunk = 0;
	j.size = 3;
	assert_int_equal(padata_chunk_size(&j, 8), 1);		/* never 0 */
	j.align = 0;
	j.size = 1ULL << 40;
	j.min_chunk = 4096;
	assert_int_equal(padata_chunk_size(&j, 16), (1ULL << 40) / 64);
	j.min_chunk = ~0ULL;
	j.align = 8;
	assert_int_equal(padata_chunk_size(&j, 1), ~7ULL);	/* no wrap */
}

/* Draining a cursor by hand: contiguous, aligned interior boundaries. */
static void test_cursor_alignment(void **state)
{
	struct padata_cursor c;
	u64 s, e, prev_end, n = 0;

	(void)state;
	assert_int_equal(padata_cursor_init(&c, 1000, 5000, 300, 256), 0);
	assert_int_equal(c.chunk, 512);
	assert_int_equal(padata_nr_chunks(&c), ref_nchunks(1000, 5000, 256, 512));
	prev_end = 1000;
	while (padata_next_chunk(&c, &s, &e)) {
		assert_int_equal(s, prev_end);
		assert_true(e > s);
		if (s != 1000)
			assert_int_equal(s % 256, 0);
		if (e != 6000)
			assert_int_equal(e % 256, 0);
		prev_end = e;
		n++;
	}
	assert_int_equal(prev_end, 6000);
	assert_int_equal(n, ref_nchunks(1000, 5000, 256, 512));
	/* drained stays drained, outputs untouched */
	s = e = 7;
	assert_false(padata_next_chunk(&c, &s, &e));
	assert_int_equal(s, 7);
	assert_int_equal(e, 7);
	/* first chunk is [1000, 1024): the edge may be short */
	assert_int_equal(padata_cursor_init(&c, 1000, 5000, 24, 0), 0);
	assert_true(padata_next_chunk(&c, &s, &e));
	assert_int_equal(s, 1000);
	assert_int_equal(e, 1024);
	/* bad alignment, zero chunk and wrapping ranges are refused */
	assert_int_equal(padata_cursor_init(&c, 0, 10, 4, 3), -EINVAL);
	assert_int_equal(padata_cursor_init(&c, 0, 10, 0, 1), -EINVAL);
	assert_int_equal(padata_cursor_init(&c, ~0ULL - 5, 10, 1, 1), -EINVAL);
}

/*
 * min_chunk wins over size / (nworks * 4), rounded up to the alignment:
 * the chunk size a run uses (the chunks themselves are the cursor's, in
 * test_stats_add_up).
 */
static void test_min_chunk(void **state)
{
	struct padata_stats st;
	struct padata_mt_job job = make_job(13, 10000, 16, 700, 0, &st);

	(void)state;
	assert_int_equal(padata_chunk_size(&job, 4), 704);	/* 700 rounded up to 16 */
	run_on(4, job);
	assert_int_equal(st.chunk_size, 704);
}

/* workers = min(usable CPUs, max_threads, chunks). */
static void test_worker_count(void **state)
{
	struct padata_stats st;
	struct padata_mt_job job;
	int all[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	int others[] = { 5, 6, 5 };		/* caller not listed; 5 twice */

	(void)state;
	shim_smp_init(8);
	job = make_job(0, 8000, 0, 1, 0, &st);
	assert_int_equal(padata_do_multithreaded(&job, all, 8), 0);
	assert_int_equal(st.workers, 8);

	job = make_job(0, 8000, 0, 1, 3, &st);
	assert_int_equal(padata_do_multithreaded(&job, all, 8), 0);
	assert_int_equal(st.workers, 3);
	assert_int_equal(shim_smp_started(1), 2);	/* once per call */
	assert_int_equal(shim_smp_started(2), 2);
	assert_int_equal(shim_smp_started(3), 1);

	job = make_job(0, 100, 0, 50, 0, &st);	/* two chunks only */
	assert_int_equal(padata_do_multithreaded(&job, all, 8), 0);
	assert_int_equal(st.workers, 2);
	assert_int_equal(st.chunks, 2);

	job = make_job(0, 8000, 0, 1, 0, &st);	/* caller + CPUs 5 and 6 */
	assert_int_equal(padata_do_multithreaded(&job, others, 3), 0);
	assert_int_equal(st.workers, 3);
	assert_int_equal(st.cpu[0], 0);
	assert_int_equal(st.cpu[1], 5);
	assert_int_equal(st.cpu[2], 6);

	job = make_job(0, 8000, 0, 1, 0, &st);	/* NULL: every online CPU */
	assert_int_equal(padata_do_multithreaded(&job, NULL, 0), 0);
	assert_int_equal(st.workers, 8);
	check_record(0, 8000, 0, 1);
}

/*
 * run_random - draw @runs jobs and run each on @ncpus_lo..@ncpus_hi shim
 * CPUs; check coverage, alignment, min_chunk, worker count and stats.
 */
static void run_random(int runs, int ncpus_lo, int ncpus_hi)
{
	for (int r = 0; r < runs; r++) {
		int ncpus = ncpus_lo + (int)(shim_rand() % (u64)(ncpus_hi - ncpus_lo + 1));
		u64 start = shim_rand() % 4 == 0 ? (1ULL << 40) + shim_rand() % 100000 : shim_rand() % 100000;
		u64 size = shim_rand() % 8 == 0 ? shim_rand() % 4 : shim_rand() % MAX_UNITS;
		u64 align = shim_rand() % 3 == 0 ? 0 : 1ULL << (shim_rand() % 11);
		u64 min_chunk = shim_rand() % 4 == 0 ? 0 : shim_rand() % 600;
		int max_threads = (int)(shim_rand() % 10);
		int cpus[MAX_CPUS], n = 0, avail;
		struct padata_stats st;
		struct padata_mt_job job;
		u64 chunk, want, sum = 0;

		shim_smp_init(ncpus);
		for (int c = 0; c < ncpus; c++)	/* a random subset, caller maybe */
			if (shim_rand() % 4)
				cpus[n++] = c;
		avail = 1;
		for (int i = 0; i < n; i++)
			avail += cpus[i] != 0;
		if (max_threads && max_threads < avail)
			avail = max_threads;
		job = make_job(start, size, align, min_chunk, max_threads, &st);
		chunk = padata_chunk_size(&job, avail);
		want = ref_nchunks(start, size, align, chunk);

		assert_int_equal(padata_do_multithreaded(&job, cpus, n), 0);
		check_record(start, size, align, min_chunk);
		assert_int_equal(rec.nchunks, want);
		assert_int_equal(st.chunks, want);
		assert_int_equal(st.workers, want < (u64)avail ? want : (u64)avail);
		for (int i = 0; i < st.workers; i++)
			sum += st.per_worker_chunks[i];
		assert_int_equal(sum, st.chunks);
	}
}

/* Random jobs with the caller alone (no helper threads at all). */
static void test_random_single(void **state)
{
	(void)state;
	run_random(RANDOM_RUNS, 1, 1);
}

/*
 * One cursor, chunks of one unit, drained by CONTEND_THREADS threads that
 * start together: every chunk is one fetch-add on the same word, so a cursor that
 * reads and writes it back in two steps hands some unit out twice.
 */
#define CONTEND_THREADS	4
#define CONTEND_UNITS	(1u << 20)

static struct padata_cursor contend_cursor;
static pthread_barrier_t contend_start;
static u8 contend_count[CONTEND_UNITS];
static u64 contend_bad;		/* chunks outside the range or not one unit long */

static void *contend_fn(void *arg)
{
	u64 s, e;

	(void)arg;
	pthread_barrier_wait(&contend_start);
	while (padata_next_chunk(&contend_cursor, &s, &e)) {
		if (e != s + 1 || s >= CONTEND_UNITS)
			__atomic_fetch_add(&contend_bad, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&contend_count[s], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* contended_drain - one drain; false (and a failure message) if a unit was not taken exactly once. */
static bool contended_drain(void)
{
	pthread_t t[CONTEND_THREADS];
	u64 twice = 0, missed = 0;

	memset(contend_count, 0, sizeof(contend_count));
	contend_bad = 0;
	assert_int_equal(padata_cursor_init(&contend_cursor, 0, CONTEND_UNITS, 1, 0), 0);
	assert_int_equal(pthread_barrier_init(&contend_start, NULL, CONTEND_THREADS), 0);
	for (int i = 0; i < CONTEND_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, contend_fn, NULL), 0);
	for (int i = 0; i < CONTEND_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&contend_start);
	for (u32 u = 0; u < CONTEND_UNITS; u++) {
		twice += contend_count[u] > 1;
		missed += contend_count[u] == 0;
	}
	if (!twice && !missed && !contend_bad)
		return true;
	print_error("%d threads draining one cursor of %u one-unit chunks: %llu unit(s) handed "
		    "out more than once, %llu never, %llu bad chunk(s) (is the cursor advanced "
		    "with one atomic fetch-add?)\n", CONTEND_THREADS, CONTEND_UNITS,
		    (unsigned long long)twice, (unsigned long long)missed,
		    (unsigned long long)contend_bad);
	return false;
}

/*
 * contended_drains - drain one contended cursor again and again for about
 * CONTEND_MS: on a loaded machine the threads may run one after the
 * other for a while, so one drain alone proves little.
 */
#define CONTEND_MS	600

static void contended_drains(void)
{
	struct timespec t0, t;
	long ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0; ms < CONTEND_MS; round++) {
		if (!contended_drain())
			fail_msg("a unit handed out twice or never in drain %d", round + 1);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
}

/* Random jobs on 2..8 pthread CPUs taking chunks concurrently; one contended cursor. */
static void test_random_threads(void **state)
{
	(void)state;
	run_random(RANDOM_RUNS, 2, 8);
	contended_drains();
}

/* Size 0: nothing is called, nobody is started, stats are empty. */
static void test_zero_size(void **state)
{
	struct padata_stats st;

	(void)state;
	run_on(4, make_job(123, 0, 8, 4, 0, &st));
	assert_int_equal(rec.nchunks, 0);
	assert_int_equal(st.workers, 0);
	assert_int_equal(st.chunks, 0);
	for (int c = 1; c < 4; c++)
		assert_int_equal(shim_smp_started(c), 0);
}

/* Bad jobs are refused before anything runs. */
static void test_bad_jobs(void **state)
{
	struct padata_mt_job job;
	int cpus[] = { 0, 1 };
	int bad_cpus[] = { 1, MAX_CPUS };

	(void)state;
	shim_smp_init(2);
	job = make_job(0, 100, 3, 0, 0, NULL);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 2), -EINVAL);
	job = make_job(0, 100, 0, 0, 0, NULL);
	job.thread_fn = NULL;
	assert_int_equal(padata_do_multithreaded(&job, cpus, 2), -EINVAL);
	assert_int_equal(padata_do_multithreaded(NULL, cpus, 2), -EINVAL);
	job = make_job(~0ULL - 10, 100, 0, 0, 0, NULL);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 2), -EINVAL);
	job = make_job(0, 100, 0, 0, -1, NULL);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 2), -EINVAL);
	job = make_job(0, 100, 0, 0, 0, NULL);
	assert_int_equal(padata_do_multithreaded(&job, bad_cpus, 2), -EINVAL);
	assert_int_equal(padata_do_multithreaded(&job, cpus, -1), -EINVAL);
	assert_int_equal(rec.nchunks, 0);
	assert_int_equal(shim_smp_started(1), 0);
}

/* A busy CPU is skipped and the next one listed is used instead. */
static void test_busy_cpu_skipped(void **state)
{
	struct padata_stats st;
	struct padata_mt_job job = make_job(0, 4000, 0, 1, 3, &st);
	int cpus[] = { 0, 1, 2, 3 };

	(void)state;
	shim_smp_init(4);
	shim_smp_set_busy(1, true);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 4), 0);
	assert_int_equal(st.workers, 3);
	assert_int_equal(st.cpu[1], 2);
	assert_int_equal(st.cpu[2], 3);
	assert_int_equal(shim_smp_started(1), 0);
	assert_int_equal(shim_smp_started(2), 1);
	assert_int_equal(shim_smp_started(3), 1);
	assert_int_equal(shim_log_count("refused"), 0);	/* -EBUSY is quiet */
	check_record(0, 4000, 0, 1);

	/* all helpers busy: the caller does everything */
	shim_smp_set_busy(2, true);
	shim_smp_set_busy(3, true);
	job = make_job(0, 4000, 0, 1, 0, &st);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 4), 0);
	assert_int_equal(st.workers, 1);
	assert_int_equal(st.per_worker_chunks[0], st.chunks);
	check_record(0, 4000, 0, 1);

	/* an offline CPU is skipped with a warning */
	shim_smp_init(2);
	job = make_job(0, 4000, 0, 1, 0, &st);
	assert_int_equal(padata_do_multithreaded(&job, cpus, 4), 0);
	assert_int_equal(st.workers, 2);
	assert_int_equal(shim_log_count("CPU 2 refused work"), 1);
	check_record(0, 4000, 0, 1);
}

/* Stats add up: per-worker chunks sum to chunks, which thread_fn saw. */
static void test_stats_add_up(void **state)
{
	struct padata_stats st;
	struct padata_mt_job job = make_job(7, 19999, 32, 10, 0, &st);
	u64 sum = 0, by_cpu[MAX_CPUS] = { 0 };

	(void)state;
	run_on(6, job);
	assert_int_equal(st.workers, 6);
	assert_int_equal(st.chunk_size, padata_chunk_size(&job, 6));
	assert_int_equal(st.chunks, rec.nchunks);
	for (u64 i = 0; i < rec.nchunks; i++)
		by_cpu[rec.ccpu[i]]++;
	for (int i = 0; i < st.workers; i++) {
		sum += st.per_worker_chunks[i];
		assert_int_equal(st.per_worker_chunks[i], by_cpu[st.cpu[i]]);
	}
	assert_int_equal(sum, st.chunks);
	for (int i = st.workers; i < MAX_CPUS; i++)
		assert_int_equal(st.per_worker_chunks[i], 0);
	check_record(7, 19999, 32, 10);
	/* interior chunks are exactly the chunk size, so never below min_chunk */
	for (u64 i = 0; i < rec.nchunks; i++)
		if (rec.cs[i] != 7 && rec.ce[i] != 7 + 19999)
			assert_int_equal(rec.ce[i] - rec.cs[i], st.chunk_size);
}

/* trace: one "chunk" record per chunk, units adding up to the size. */
static void test_trace_records(void **state)
{
	struct padata_stats st;
	struct padata_mt_job job = make_job(100, 5000, 64, 200, 0, &st);
	u64 units = 0;

	(void)state;
	job.name = "memmap";
	job.trace = true;
	run_on(4, job);
	assert_int_equal(shim_results_lines(), (int)st.chunks);
	assert_int_equal(shim_results_count("{\"event\":\"chunk\",\"job\":\"memmap\",\"cpu\":"),
			 (int)st.chunks);
	for (int i = 0; i < shim_results_lines(); i++) {
		const char *l = shim_results_line(i);
		unsigned long long cpu, s, n, t0, t1;

		assert_int_equal(sscanf(l, "{\"event\":\"chunk\",\"job\":\"memmap\",\"cpu\":%llu,"
					"\"start\":%llu,\"units\":%llu,\"tsc_start\":%llu,"
					"\"tsc_end\":%llu}", &cpu, &s, &n, &t0, &t1), 5);
		assert_true(cpu < 4);
		assert_true(s >= 100 && s + n <= 5100 && n > 0);
		assert_true(t1 >= t0);
		units += n;
	}
	assert_int_equal(units, 5000);

	shim_results_reset();			/* trace off: silent */
	run_on(4, make_job(100, 5000, 64, 200, 0, &st));
	assert_int_equal(shim_results_lines(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_chunk_size_rule, setup),
		cmocka_unit_test_setup(test_cursor_alignment, setup),
		cmocka_unit_test_setup(test_min_chunk, setup),
		cmocka_unit_test_setup(test_worker_count, setup),
		cmocka_unit_test_setup(test_random_single, setup),
		cmocka_unit_test_setup(test_random_threads, setup),
		cmocka_unit_test_setup(test_zero_size, setup),
		cmocka_unit_test_setup(test_bad_jobs, setup),
		cmocka_unit_test_setup(test_busy_cpu_skipped, setup),
		cmocka_unit_test_setup(test_stats_add_up, setup),
		cmocka_unit_test_setup(test_trace_records, setup),
	};

	seed = shim_seed_init("test_jobs");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
