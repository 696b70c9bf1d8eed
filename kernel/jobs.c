/*
 * kernel/jobs.c - multithreaded jobs: one range of units, many CPUs.
 *
 * Our own design in the spirit of Linux's padata_do_multithreaded(); see
 * include/kernel/jobs.h for the contracts.
 */

/**
 * DOC: multithreaded jobs
 *
 * A job is a range [start, start + size) of units plus a function that
 * handles one chunk [s, e) of it.  padata_do_multithreaded() picks a chunk
 * size, starts helpers on other CPUs and works itself; everyone takes
 * chunks from one shared &struct padata_cursor until none is left.
 *
 * Chunk size: max(min_chunk, size / (workers * PADATA_LOAD_BALANCE)),
 * rounded up to the alignment, so each worker gets several chunks and a
 * slow CPU (or one that started late) just takes fewer of them.
 *
 * The cursor: boundaries are base + k * chunk, where base is the job start
 * rounded down to the alignment and chunk is a multiple of it, so every
 * boundary is aligned.  A taker claims the next boundary with one atomic
 * operation on cursor.next that also moves it on for everyone else, so no
 * boundary is handed out twice, and since next walks every boundary in turn
 * until it passes end, the chunks, clipped to the job's range, cover it
 * exactly once.  A taker that finds the range drained leaves next alone,
 * so next overshoots end by at most one chunk per concurrent taker;
 * padata_cursor_init() refuses ranges where that could wrap a u64.
 *
 * Trace: with job->trace each chunk writes one "chunk" results record
 * (CPU, start, units, TSC before and after).  The results channel is one
 * port shared by all CPUs; json_end() serialises whole lines itself
 * (kernel/results.c's lock), and each CPU builds its line on its own stack.
 */
#define pr_fmt(fmt) "jobs: " fmt

#include <kernel/jobs.h>
#include <kernel/smp.h>
#include <kernel/results.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/printk.h>
#include <errno.h>
#include <string.h>

#define U64_MAX_VAL	(~(u64)0)

/* is_pow2_or_none - true for 0, 1 and powers of two. */
static bool is_pow2_or_none(u64 a)
{
	return (a & (a - 1)) == 0;
}

/* norm_align - the alignment as a usable mask base: 0 means 1. */
static u64 norm_align(u64 a)
{
	return a ? a : 1;
}

/* padata_chunk_size - see jobs.h. */
u64 padata_chunk_size(const struct padata_mt_job *job, int nworks)
{
	/* LAB deferred-init: BEGIN */
	/* LAB deferred-init: HINT the contract, and hints to unfold: docs/labs/deferred-init.md */
	/* LAB deferred-init: STUB (void)job; (void)nworks; */
	/* LAB deferred-init: STUB return 0; */
	u64 align = norm_align(job->align);
	u64 n = nworks < 1 ? 1 : (u64)nworks;
	u64 chunk = job->size / (n * PADATA_LOAD_BALANCE);

	if (chunk < job->min_chunk)
		chunk = job->min_chunk;
	if (!chunk)
		chunk = 1;
	if (chunk > U64_MAX_VAL - (align - 1))
		return U64_MAX_VAL & ~(align - 1);	/* no room to round up */
	return (chunk + align - 1) & ~(align - 1);
	/* LAB deferred-init: END */
}

/* padata_cursor_init - see jobs.h. */
int padata_cursor_init(struct padata_cursor *c, u64 start, u64 size,
		       u64 chunk, u64 align)
{
	u64 end, base, span;

	if (!is_pow2_or_none(align) || !chunk)
		return -EINVAL;
	align = norm_align(align);
	if (size > U64_MAX_VAL - start)
		return -EINVAL;
	end = start + size;
	base = start & ~(align - 1);

	/*
	 * One chunk spanning [base, end) is as large as any can usefully be;
	 * clamping keeps the arithmetic small without changing the chunks.
	 */
	span = end - base;
	if (span && chunk > span)
		chunk = span;
	if (chunk > U64_MAX_VAL - (align - 1))
		return -EINVAL;
	chunk = (chunk + align - 1) & ~(align - 1);
	if (chunk > (U64_MAX_VAL - end) / (MAX_CPUS + 1))
		return -EINVAL;		/* the overshoot past end could wrap */

	c->start = start;
	c->end = end;
	c->chunk = chunk;
	c->align = align;
	c->next = size ? base : end;
	return 0;
}

/* padata_nr_chunks - see jobs.h. */
u64 padata_nr_chunks(const struct padata_cursor *c)
{
	u64 next = __atomic_load_n(&c->next, __ATOMIC_RELAXED);

	if (next >= c->end)
		return 0;
	return (c->end - next - 1) / c->chunk + 1;
}

/* padata_next_chunk - see jobs.h. */
bool padata_next_chunk(struct padata_cursor *c, u64 *start, u64 *end)
{
	/* LAB deferred-init: BEGIN */
	/* LAB deferred-init: HINT the contract, and hints to unfold: docs/labs/deferred-init.md */
	/* LAB deferred-init: STUB (void)c; (void)start; (void)end; */
	/* LAB deferred-init: STUB return false; */
	u64 b;

	if (__atomic_load_n(&c->next, __ATOMIC_RELAXED) >= c->end)
		return false;
	/* Relaxed: the cursor only has to be atomic; chunks carry no data. */
	b = __atomic_fetch_add(&c->next, c->chunk, __ATOMIC_RELAXED);
	if (b >= c->end)
		return false;
	*start = b < c->start ? c->start : b;
	*end = c->end - b > c->chunk ? b + c->chunk : c->end;
	return true;
	/* LAB deferred-init: END */
}

struct padata_run;

/* One worker slot: slot 0 is the caller, the rest are helpers. */
struct padata_worker {
	struct padata_run *run;
	int cpu;
	u64 chunks;		/* written only by this worker */
};

/* Everything one padata_do_multithreaded() call shares with its helpers. */
struct padata_run {
	const struct padata_mt_job *job;
	struct padata_cursor cursor;
	struct padata_worker w[MAX_CPUS];
};

/* trace_chunk - one "chunk" results record. */
static void trace_chunk(const struct padata_mt_job *job, int cpu, u64 s, u64 e,
			u64 t0, u64 t1)
{
	struct json_line j;

	json_begin(&j, "chunk");
	json_str(&j, "job", job->name ? job->name : "");
	json_u64(&j, "cpu", (u64)cpu);
	json_u64(&j, "start", s);
	json_u64(&j, "units", e - s);
	json_u64(&j, "tsc_start", t0);
	json_u64(&j, "tsc_end", t1);
	json_end(&j);		/* takes the results lock */
}

/* padata_work - take and run chunks until the cursor is drained. */
static void padata_work(void *arg)
{
	struct padata_worker *w = arg;
	const struct padata_mt_job *job = w->run->job;
	u64 s, e;

	while (padata_next_chunk(&w->run->cursor, &s, &e)) {
		if (job->trace) {
			u64 t0 = rdtsc();

			job->thread_fn(s, e, job->fn_arg);
			trace_chunk(job, w->cpu, s, e, t0, rdtsc());
		} else {
			job->thread_fn(s, e, job->fn_arg);
		}
		w->chunks++;
	}
}

/*
 * collect_helpers - the distinct CPUs of @cpus other than @self, in order,
 * into @out (room for MAX_CPUS).  Returns how many, or -EINVAL for a CPU
 * number outside 0..MAX_CPUS-1.
 */
static int collect_helpers(const int *cpus, int ncpus, int self, int *out)
{
	bool seen[MAX_CPUS];
	int n = 0;

	memset(seen, 0, sizeof(seen));
	if (!cpus)
		ncpus = nr_cpus_online();
	for (int i = 0; i < ncpus; i++) {
		int cpu = cpus ? cpus[i] : i;

		if (cpu < 0 || cpu >= MAX_CPUS)
			return -EINVAL;
		if (cpu == self || seen[cpu])
			continue;
		seen[cpu] = true;
		out[n++] = cpu;
	}
	return n;
}

/* padata_do_multithreaded - see jobs.h. */
int padata_do_multithreaded(struct padata_mt_job *job, const int *cpus, int ncpus)
{
	struct padata_run run;
	int helpers[MAX_CPUS];
	int self, nhelpers, avail, started = 0;
	u64 nchunks, want, t0, t1;
	int ret;

	if (!job || !job->thread_fn || !is_pow2_or_none(job->align) ||
	    job->max_threads < 0 || (cpus && ncpus < 0) ||
	    job->size > U64_MAX_VAL - job->start)
		return -EINVAL;

	self = smp_processor_id();
	nhelpers = collect_helpers(cpus, ncpus, self, helpers);
	if (nhelpers < 0)
		return nhelpers;
	avail = 1 + nhelpers;
	if (job->max_threads && job->max_threads < avail)
		avail = job->max_threads;

	memset(&run, 0, sizeof(run));
	run.job = job;
	ret = padata_cursor_init(&run.cursor, job->start, job->size,
				 padata_chunk_size(job, avail), job->align);
	if (ret)
		return ret;
	nchunks = padata_nr_chunks(&run.cursor);
	want = nchunks < (u64)avail ? nchunks : (u64)avail;

	t0 = rdtsc();
	for (int i = 0; i < nhelpers && (u64)(1 + started) < want; i++) {
		struct padata_worker *w = &run.w[1 + started];

		w->run = &run;
		w->cpu = helpers[i];
		ret = smp_call_on_cpu_async(helpers[i], padata_work, w);
		if (ret == 0) {
			started++;
			continue;
		}
		if (ret != -EBUSY)
			pr_warn("%s: CPU %d refused work (%d), skipped\n",
				job->name ? job->name : "job", helpers[i], ret);
		w->run = NULL;
	}
	run.w[0].run = &run;
	run.w[0].cpu = self;
	if (want)
		padata_work(&run.w[0]);
	for (int i = 1; i <= started; i++)
		smp_wait_cpu(run.w[i].cpu);
	t1 = rdtsc();

	if (job->stats) {
		struct padata_stats *st = job->stats;

		memset(st, 0, sizeof(*st));
		st->workers = want ? 1 + started : 0;
		st->chunk_size = run.cursor.chunk;
		st->ns_total = tsc_to_ns(t1 - t0);
		for (int i = 0; i < st->workers; i++) {
			st->cpu[i] = run.w[i].cpu;
			st->per_worker_chunks[i] = run.w[i].chunks;
			st->chunks += run.w[i].chunks;
		}
	}
	return 0;
}
