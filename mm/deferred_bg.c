/*
 * mm/deferred_bg.c - memmap_init=background: deferred struct page init
 * that runs behind the boot instead of in front of it.
 *
 * DOC: background struct page init
 *
 * The early part is the deferred strategy's: the boot CPU initialises each
 * node's memory below first_deferred_pfn before SMP, and nothing above it.
 * What differs is who does the rest, and when.  Every section of deferred
 * memory gets a claim (mm/deferred_claim.c), and three kinds of CPU claim
 * sections:
 *
 *  - background workers: after SMP every idle AP claims sections, its own
 *    node's first, until none is left (deferred_bg_start());
 *  - on-demand growth: an allocation that finds buddy empty claims the next
 *    section and initialises it itself, before SMP and after; an
 *    alloc_pages_range() that wants particular memory claims the sections
 *    of that range (the page_alloc_grow hooks);
 *  - the boot CPU, once boot is complete and its own work is done, joins
 *    the workers (deferred_bg_finish(false)) - or, before a kexec, stops
 *    them instead (deferred_bg_finish(true)): the next kernel initialises
 *    its own memmap, so the rest would be wasted work on the kexec's path.
 *
 * The boot never waits for the work as a whole: it only waits for a
 * section it needs and nobody has finished.  first_deferred_pfn does not
 * move in this mode; the claim states say what is done.
 */
#define pr_fmt(fmt) "deferred: " fmt

#include <mm/deferred_bg.h>
#include <mm/deferred.h>
#include <mm/deferred_claim.h>
#include <mm/page_alloc.h>
#include <mm/memblock.h>
#include <kernel/smp.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/results.h>
#include <kernel/printk.h>
#include <errno.h>
#include <string.h>

struct deferred_bg_stats deferred_bg;

/* One AP's background run. */
struct bg_worker {
	int cpu;
	bool started;
	u64 pages, sections;
	u64 t0, t1;
};

static struct bg_worker workers[MAX_CPUS];
static bool working[MAX_CPUS];	/* CPU is in a background run (else: on demand) */
static bool bg_stop, finished, all_done;
static u64 last_init_tsc;	/* when the latest section's init ended (atomic max) */

/* note_init_end - raise last_init_tsc to now. */
static void note_init_end(void)
{
	u64 now = rdtsc(), seen = __atomic_load_n(&last_init_tsc, __ATOMIC_RELAXED);

	while (seen < now && !__atomic_compare_exchange_n(&last_init_tsc, &seen, now, false,
							  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* trace_section - trace=memmap: one "chunk" record per section, as kernel/jobs.c writes them. */
static void trace_section(u64 nr, u64 pages, u64 t0, u64 t1, bool demand)
{
	struct json_line j;

	json_begin(&j, "chunk");
	json_str(&j, "job", demand ? "memmap-demand" : "memmap-bg");
	json_u64(&j, "cpu", (u64)smp_processor_id());
	json_u64(&j, "start", section_nr_to_pfn(nr));
	json_u64(&j, "units", pages);
	json_u64(&j, "tsc_start", t0);
	json_u64(&j, "tsc_end", t1);
	json_end(&j);
}

/*
 * init_section - claim_init_fn: every node's deferred pages in section
 * @nr (a section at a node boundary, or of interleaved memory, may hold
 * deferred pages of two nodes).  Return: pages initialised.
 */
static u64 init_section(u64 nr)
{
	u64 s = section_nr_to_pfn(nr), e = s + PAGES_PER_SECTION, pages = 0, t0 = rdtsc();

	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 a = s > pgdat->first_deferred_pfn ? s : pgdat->first_deferred_pfn;
		u64 node_end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
		u64 b = e < node_end ? e : node_end;

		if (a < b)
			pages += deferred_init_range(nid, a, b);
	}
	if (deferred_cfg.trace)
		trace_section(nr, pages, t0, rdtsc(), !working[smp_processor_id()]);
	note_init_end();
	return pages;
}

/* count_demand - add one on-demand growth to the figures. */
static void count_demand(u64 pages, u64 t0)
{
	__atomic_fetch_add(&deferred_bg.demand_pages, pages, __ATOMIC_RELAXED);
	__atomic_fetch_add(&deferred_bg.demand_sections, pages ? 1 : 0, __ATOMIC_RELAXED);
	if (smp_processor_id() == 0)
		deferred_bg.boot_cpu_grow_ns += tsc_to_ns(rdtsc() - t0);
}

/* bg_grow - page_alloc_grow: the next section, or wait for one in progress. */
static bool bg_grow(int nid, unsigned int order)
{
	u64 t0 = rdtsc(), pages;
	bool more;

	(void)order;		/* a section (32768 pages) holds a block of any order */
	more = claim_grow(nid, &pages);
	count_demand(pages, t0);
	return more;
}

/* deferred_bg_init_range - see deferred_bg.h. */
bool deferred_bg_init_range(u64 start_pfn, u64 end_pfn)
{
	u64 t0 = rdtsc(), pages = 0;
	bool more = false;

	if (deferred_cfg.strategy != MEMMAP_BACKGROUND || start_pfn >= end_pfn)
		return false;
	for (u64 nr = pfn_to_section_nr(start_pfn); nr <= pfn_to_section_nr(end_pfn - 1); nr++) {
		int st = claim_state(nr);

		if (st == SECTION_PENDING || st == SECTION_BUSY) {
			pages += claim_run(nr);
			more = true;
		}
	}
	if (more)
		count_demand(pages, t0);
	return more;
}

/*
 * bg_grow_range - page_alloc_grow_range: one unfinished section of the
 * range, the lowest (claimed and initialised here, or waited for), so that
 * an allocation that finds room in it does not initialise the rest.
 */
static bool bg_grow_range(int nid, u64 start_pfn, u64 end_pfn)
{
	(void)nid;
	for (u64 nr = pfn_to_section_nr(start_pfn); end_pfn > start_pfn &&
	     nr <= pfn_to_section_nr(end_pfn - 1); nr++) {
		int st = claim_state(nr);

		if (st == SECTION_PENDING || st == SECTION_BUSY) {
			u64 t0 = rdtsc();

			count_demand(claim_run(nr), t0);
			return true;
		}
	}
	return false;
}

/* deferred_bg_setup - see deferred_bg.h. */
int deferred_bg_setup(void)
{
	u64 lo = ~0ULL, hi = 0;
	u8 *state;

	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

		if (pgdat->first_deferred_pfn >= end)
			continue;
		lo = pfn_to_section_nr(pgdat->first_deferred_pfn) < lo ?
		     pfn_to_section_nr(pgdat->first_deferred_pfn) : lo;
		hi = pfn_to_section_nr(end - 1) + 1 > hi ? pfn_to_section_nr(end - 1) + 1 : hi;
	}
	if (lo >= hi)
		return 0;		/* nothing deferred: too little memory */
	state = memblock_alloc(hi - lo, 8);
	if (!state)
		return -ENOMEM;
	claims_setup(state, lo, hi - lo, init_section);
	for (int nid = 0; nid < nr_online_nodes; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 end = pgdat->node_start_pfn + pgdat->node_spanned_pages;

		if (pgdat->first_deferred_pfn < end)
			claims_add_node(nid, pfn_to_section_nr(pgdat->first_deferred_pfn),
					pfn_to_section_nr(end - 1) + 1);
	}
	deferred_bg.sections = claims_pending();
	page_alloc_grow = bg_grow;
	page_alloc_grow_range = bg_grow_range;
	pr_info("background init: %llu sections of deferred memory, each claimed by one CPU\n",
		(unsigned long long)deferred_bg.sections);
	return 0;
}

/* bg_work - an AP's background run: claim sections until none is left or stopped. */
static void bg_work(void *arg)
{
	struct bg_worker *w = arg;

	w->t0 = rdtsc();
	working[w->cpu] = true;
	w->pages = claim_work(cpu_node(w->cpu), &bg_stop, &w->sections);
	working[w->cpu] = false;
	w->t1 = rdtsc();
}

/* deferred_bg_start - see deferred_bg.h. */
int deferred_bg_start(void)
{
	int me = smp_processor_id(), want = 0, n = 0;

	for (int cpu = 0; cpu < nr_cpus_online(); cpu++)
		want += cpu != me && (!deferred_cfg.threads || (u64)want + 1 < deferred_cfg.threads);
	/* said before they start: under TCG the workers' memory traffic slows the console */
	pr_info("background init: starting %d CPUs on %llu sections; the boot goes on\n", want,
		(unsigned long long)claims_pending());
	deferred_bg.start_tsc = rdtsc();
	for (int cpu = 0; cpu < nr_cpus_online() && n < want; cpu++) {
		struct bg_worker *w = &workers[cpu];

		if (cpu == me)
			continue;
		memset(w, 0, sizeof(*w));
		w->cpu = cpu;
		w->started = smp_call_on_cpu_async(cpu, bg_work, w) == 0;
		n += w->started;
	}
	deferred_bg.workers = n;
	return n;
}

/* deferred_bg_finish - see deferred_bg.h. */
bool deferred_bg_finish(bool stop)
{
	int me = smp_processor_id();
	u64 end = 0, t0 = rdtsc();

	if (finished)
		return all_done;
	finished = true;
	if (stop) {
		__atomic_store_n(&bg_stop, true, __ATOMIC_RELEASE);
	} else {
		u64 secs;

		working[me] = true;
		deferred_bg.join_pages = claim_work(cpu_node(me), NULL, &secs);
		working[me] = false;
		deferred_bg.bg_pages += deferred_bg.join_pages;
		deferred_bg.bg_sections += secs;
	}
	for (int cpu = 0; cpu < nr_cpus_online(); cpu++) {
		struct bg_worker *w = &workers[cpu];

		if (!w->started)
			continue;
		smp_wait_cpu(cpu);
		deferred_bg.bg_pages += w->pages;
		deferred_bg.bg_sections += w->sections;
	}
	deferred_bg.stopped = stop;
	deferred_bg.left_sections = claims_pending();
	all_done = !deferred_bg.left_sections;
	/* memory is ready when the last section was done, whoever did it */
	end = __atomic_load_n(&last_init_tsc, __ATOMIC_ACQUIRE);
	deferred_bg.end_tsc = all_done ? (end ? end : t0) : 0;
	if (all_done)
		pr_info("background init done: %llu pages by %d CPUs in the background (%llu by the boot CPU after boot), %llu on demand\n",
			(unsigned long long)deferred_bg.bg_pages, deferred_bg.workers + !stop,
			(unsigned long long)deferred_bg.join_pages,
			(unsigned long long)deferred_bg.demand_pages);
	else
		pr_info("background init stopped: %llu of %llu sections left uninitialised, %llu pages done in the background, %llu on demand\n",
			(unsigned long long)deferred_bg.left_sections,
			(unsigned long long)deferred_bg.sections,
			(unsigned long long)deferred_bg.bg_pages,
			(unsigned long long)deferred_bg.demand_pages);
	return all_done;
}

/* deferred_pfn_left - see deferred_bg.h. */
bool deferred_pfn_left(u64 pfn)
{
	return deferred_cfg.strategy == MEMMAP_BACKGROUND &&
	       claim_state(pfn_to_section_nr(pfn)) == SECTION_PENDING &&
	       pfn >= NODE_DATA(early_pfn_to_nid(pfn))->first_deferred_pfn;
}

/* deferred_section_claimed - see deferred_bg.h. */
bool deferred_section_claimed(u64 nr)
{
	int st = claim_state(nr);

	return st == SECTION_BUSY || st == SECTION_DONE;
}
