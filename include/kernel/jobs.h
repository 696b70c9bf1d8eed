/*
 * kernel/jobs.h - split one large range of work (pfns, sections, ...) into
 * chunks and run them on several CPUs at once.
 *
 * In the spirit of Linux's padata_do_multithreaded(), with our own design:
 * the caller describes a job (a range [start, start + size) of units and a
 * function that handles one chunk of it), names the CPUs it may borrow, and
 * padata_do_multithreaded() starts helpers on them, works itself, and
 * returns once every unit has been handled exactly once.
 *
 * Chunks are handed out dynamically from one shared cursor (an atomic
 * fetch-add), so a slow CPU simply takes fewer chunks.  The chunk-size rule
 * and the cursor are pure functions of their inputs and are unit-tested on
 * the host.
 */
#ifndef KERNEL_JOBS_H
#define KERNEL_JOBS_H

#include <kholab/types.h>
#include <kernel/smp.h>

/* Chunks per worker the size rule aims for, so that load evens out. */
#define PADATA_LOAD_BALANCE	4

/**
 * struct padata_stats - what one padata_do_multithreaded() call did.
 * @workers: workers that took part, the caller included (1 + helpers
 *	started); 0 for an empty job.  A helper may find no chunk left.
 * @chunks: chunks handed out in total (sum of @per_worker_chunks).
 * @ns_total: wall time of the whole call, from the TSC (0 before the TSC
 *	is calibrated).
 * @chunk_size: the chunk size chosen (see padata_chunk_size()).
 * @cpu: CPU number of each worker slot; slot 0 is the caller.
 * @per_worker_chunks: chunks run by each worker slot, indexed like @cpu;
 *	slots at @workers and above are 0.
 */
struct padata_stats {
	int workers;
	u64 chunks;
	u64 ns_total;
	u64 chunk_size;
	int cpu[MAX_CPUS];
	u64 per_worker_chunks[MAX_CPUS];
};

/**
 * struct padata_mt_job - one multithreaded job.
 * @thread_fn: handles the chunk [start, end); called concurrently on
 *	several CPUs with disjoint chunks.
 * @fn_arg: passed to every @thread_fn call.
 * @start: first unit (e.g. a pfn).
 * @size: number of units; 0 is a valid, empty job.
 * @align: every chunk boundary other than the job's own start and end is a
 *	multiple of @align (an absolute unit number, not an offset from
 *	@start); a power of two, or 0/1 for no constraint.
 * @min_chunk: no chunk is smaller than this, except the first and last
 *	(which the job's start and end may cut short).
 * @max_threads: most workers, the caller included; 0 means no limit beyond
 *	the CPUs given.
 * @name: the job's name in trace records, e.g. "memmap".
 * @trace: emit one "chunk" results record per chunk.
 * @stats: if not NULL, filled in by padata_do_multithreaded().
 */
struct padata_mt_job {
	void (*thread_fn)(u64 start, u64 end, void *arg);
	void *fn_arg;
	u64 start;
	u64 size;
	u64 align;
	u64 min_chunk;
	int max_threads;
	const char *name;
	bool trace;
	struct padata_stats *stats;
};

/**
 * struct padata_cursor - the shared hand-out point of a job's chunks.
 * @next: the aligned position the next taker's chunk begins at (it may lie
 *	before @start for the first chunk, and runs past @end once all are
 *	taken); advanced by @chunk with an atomic fetch-add.
 * @start: first unit of the job.
 * @end: one past the last unit of the job.
 * @chunk: distance between successive boundaries; a multiple of @align.
 * @align: the boundary alignment (1 for none).
 */
struct padata_cursor {
	u64 next;
	u64 start;
	u64 end;
	u64 chunk;
	u64 align;
};

/**
 * padata_chunk_size - the chunk size a job gets with @nworks workers.
 * @job: the job (@size, @min_chunk, @align are used).
 * @nworks: planned workers; values below 1 count as 1.
 *
 * The rule: max(@min_chunk, @size / (@nworks * PADATA_LOAD_BALANCE)),
 * never 0, then rounded up to a multiple of @align (the largest multiple
 * of @align when that would wrap a u64).  It may exceed @size: the cursor
 * clamps it.  Assumes @job->align is valid (0, 1 or a power of two).
 *
 * Return: the chunk size in units (at least 1).
 */
u64 padata_chunk_size(const struct padata_mt_job *job, int nworks);

/**
 * padata_cursor_init - set up @c to hand out [@start, @start + @size) in
 * chunks of @chunk units whose interior boundaries are multiples of @align.
 * @c: the cursor to initialise.
 * @start: first unit.
 * @size: number of units (0: the cursor hands out nothing).
 * @chunk: chunk size; rounded up to a multiple of @align here.
 * @align: 0/1 for none, else a power of two.
 *
 * Return: 0, or -EINVAL if @align is not a power of two, @chunk is 0, or
 * the range (plus the overshoot of MAX_CPUS racing takers) would wrap u64.
 */
int padata_cursor_init(struct padata_cursor *c, u64 start, u64 size,
		       u64 chunk, u64 align);

/**
 * padata_nr_chunks - how many chunks @c hands out in total (when fresh).
 * @c: an initialised cursor not yet taken from.
 *
 * Return: the number of chunks (0 for an empty range).
 */
u64 padata_nr_chunks(const struct padata_cursor *c);

/**
 * padata_next_chunk - take the next chunk from @c.
 * @c: the shared cursor; any number of CPUs may call this at once.
 * @start: receives the chunk's first unit.
 * @end: receives one past its last unit.
 *
 * Chunks taken from one cursor are disjoint and together cover the range
 * exactly once; each chunk's boundaries are multiples of the alignment
 * except where they are the range's own start or end.
 *
 * Return: true with [*@start, *@end) filled in (never empty), or false when
 * no chunk is left (the outputs are then untouched).
 */
bool padata_next_chunk(struct padata_cursor *c, u64 *start, u64 *end);

/**
 * padata_do_multithreaded - run @job on the caller and on CPUs from @cpus.
 * @job: the job; @job->stats, if set, is filled in.
 * @cpus: CPUs the job may borrow, or NULL for every online CPU.  The
 *	caller's own number may appear and is not started as a helper (the
 *	caller always works); duplicates are ignored.
 * @ncpus: entries in @cpus (ignored when @cpus is NULL).
 *
 * The number of workers, the caller included, is at most the number of
 * usable CPUs (the caller plus the distinct other CPUs in @cpus), at most
 * @job->max_threads (if non-zero), and at most the number of chunks.
 * Helpers are started with smp_call_on_cpu_async(); a CPU that refuses
 * (-EBUSY, or offline) is skipped and the next one in @cpus is tried.  The
 * caller then takes chunks like any helper and finally waits for every
 * helper it started.  Must not be called concurrently by two CPUs that
 * share helper CPUs.
 *
 * Return: 0 once every unit has been handled; -EINVAL (and no calls) for a
 * NULL @job or @job->thread_fn, an @align that is not a power of two, a
 * range that wraps u64, a negative @ncpus or @job->max_threads, or a CPU
 * number in @cpus outside 0..MAX_CPUS-1.
 */
int padata_do_multithreaded(struct padata_mt_job *job, const int *cpus, int ncpus);

#endif /* KERNEL_JOBS_H */
