// SPDX-License-Identifier: MIT
/*
 * tests/host/test_deferred_bg.c - memmap_init=background (mm/deferred_bg.c)
 * through the real mm code on simulated memory, with the workers on the
 * shim's pthread CPUs and the memmap poisoned, so that every struct page
 * counts how often it was initialised (init_count).
 *
 * The machine: 2.5 GiB on two nodes, node 1 starting at 1000 MiB, so
 * section 7 holds node 0's deferred tail and node 1's early head; a
 * reservation in each node's deferred memory and one across the node
 * boundary.  The boot is start_kernel()'s: memblock, sparse_init() with
 * poison, free_area_init(), deferred_setup() (memmap_init=background),
 * deferred_bg_setup(), memmap_init(), memblock_free_all().
 *
 *  test_background_init_once: an alloc_pages_range() before SMP into a
 *  section nobody initialised; then four CPUs, deferred_bg_start(), and
 *  while its three workers run the boot CPU takes the top section of each
 *  node with alloc_pages_range() and allocates three sections' worth more
 *  than buddy held with alloc_pages(); every page handed out has an
 *  initialised struct page; deferred_bg_finish(false) leaves every
 *  section DONE; memmap_check_poison() (each struct page written exactly
 *  once) and mm_check_accounting() hold, and again after freeing it all.
 *
 *  test_background_stopped: one worker, held (see "the stop test's seam")
 *  on its third section, initialised but still BUSY, while
 *  deferred_bg_finish(true) raises the stop: the worker finishes that
 *  section and stops, so exactly 3 sections are DONE, 16 PENDING, none
 *  BUSY; both checks hold with those pages "left"; on-demand growth
 *  still works after the stop (alloc_pages() beyond what buddy holds and
 *  alloc_pages_range() into the top section), fewer pages are left, and
 *  the checks still hold.
 *
 *  test_background_racy_caught: with claim_fault = CLAIM_FAULT_RACY, two
 *  workers and four CPUs sweeping the same sections with
 *  deferred_bg_init_range(): memmap_check_poison() must find a struct
 *  page initialised twice (within RACY_BOOTS boots) - so the first test's
 *  check can fail.  The buddy lists are corrupt after that; nothing
 *  allocates.
 *
 * mm/deferred_bg.c keeps its run state in statics (deferred_bg_finish()
 * answers once per boot, as in the kernel), so each boot runs in a
 * forked child; the child reports through shared memory and the parent
 * asserts.
 *
 * SOURCES: mm/memblock.c mm/memblock_query.c mm/sparse.c mm/mm_init.c mm/deferred.c mm/page_alloc.c mm/mmzone.c mm/memmap_check.c kernel/jobs.c kernel/tsc.c mm/deferred_bg.c mm/deferred_claim.c
 * LDLIBS: -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <mm/deferred.h>
#include <mm/deferred_bg.h>
#include <mm/deferred_claim.h>
#include <mm/memblock.h>
#include <mm/memmap_check.h>
#include <mm/mm_init.h>
#include <mm/page_alloc.h>
#include <mm/sparse.h>
#include <kernel/layout.h>
#include <kernel/smp.h>
#include <kernel/results.h>
#include "shim.h"

#define MIB		(1ULL << 20)
#define RAM_END		(2560 * MIB)
#define NODE1_START	(1000 * MIB)
#define NR_CPUS_SIM	4
#define MAX_HELD	1024
#define RACY_BOOTS	50	/* boots the planted bug may hide for */
#define STOP_AFTER	3	/* sections the worker claims before the stop */

static const struct { u64 base, size; int nid; } ram[] = {
	{ 0, 0x9f000, 0 },
	{ MIB, NODE1_START - MIB, 0 },
	{ NODE1_START, RAM_END - NODE1_START, 1 },
};

static const struct { u64 base, size; } rsv[] = {
	{ 300 * MIB, 3 * MIB },			/* node 0, deferred */
	{ NODE1_START - 2 * MIB, 4 * MIB },	/* across the node boundary, section 7 */
	{ 2000 * MIB + 0x800, MIB },		/* node 1, deferred, not page aligned */
};

/* What a child found, in memory it shares with the parent. */
struct child_report {
	int line;			/* the failed check's line (0: none failed) */
	char msg[256];
	u64 sections, workers, left, demand_pages, bg_pages, held_pages;
	u64 doubled_pages, first_doubled_pfn;
	u32 max_count;
	int poison_rc, acct_rc;
	char poison_line[SHIM_LOG_RECORD_LEN];
	char acct_line[SHIM_LOG_RECORD_LEN];
};

static struct child_report *rep;

static struct { struct page *page; unsigned int order; } held[MAX_HELD];
static int nheld;

/* cpu_node - the shim CPUs alternate between the two nodes. */
int cpu_node(int cpu)
{
	return cpu % 2;
}

/* vmemmap_map_backing - kho.memmap=handover's mapping; no simulated kernel hands a memmap over. */
int vmemmap_map_backing(u64 section_nr, phys_addr_t pa, int nid)
{
	(void)section_nr;
	(void)pa;
	(void)nid;
	return -ENOSYS;
}

/* vmemmap_populate - the memmap of one section: 2 MiB from memblock on @nid. */
int vmemmap_populate(u64 section_nr, int nid)
{
	(void)section_nr;
	return memblock_phys_alloc_try_nid(PMD_SIZE, PMD_SIZE, nid) ? 0 : -ENOMEM;
}

/*
 * The stop test's seam, so that the stop comes at a known point: with
 * trace=memmap on, init_section() writes one results line per section
 * before it publishes, through results_write() (weak in the shim; ours
 * wins).  The worker parks in its STOP_AFTER-th such call, its section
 * initialised but still BUSY; deferred_bg_finish(true) raises the stop
 * and then calls nr_cpus_online() (ours too), which opens the gate.  So
 * the worker sees the stop after finishing that section: it has run
 * exactly STOP_AFTER sections.  A gate nobody opens lets go after
 * SEAM_TIMEOUT_S, and the counts then tell.
 */
#define SEAM_TIMEOUT_S	5

static struct {
	bool armed;		/* park the worker (set before it starts) */
	int sections;		/* sections the worker traced */
	int parked;		/* the worker waits at the gate */
	int open;		/* the gate is open */
	int open_on_count;	/* the boot CPU's next nr_cpus_online() opens it */
} seam;
static int sim_ncpus = 1;

/* smp_online - shim_smp_init(), and nr_cpus_online() answers @n. */
static void smp_online(int n)
{
	shim_smp_init(n);
	sim_ncpus = n;
}

/* nr_cpus_online - as smp_online() set; on the boot CPU it may open the seam's gate. */
int nr_cpus_online(void)
{
	if (smp_processor_id() == 0 && __atomic_load_n(&seam.open_on_count, __ATOMIC_ACQUIRE))
		__atomic_store_n(&seam.open, 1, __ATOMIC_RELEASE);
	return sim_ncpus;
}

/* results_write - trace lines are dropped; the worker's STOP_AFTER-th parks it at the gate. */
void results_write(const char *line, size_t len)
{
	time_t t0 = time(NULL);

	(void)line;
	(void)len;
	if (!seam.armed || smp_processor_id() == 0 || ++seam.sections != STOP_AFTER)
		return;
	__atomic_store_n(&seam.parked, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&seam.open, __ATOMIC_ACQUIRE) && time(NULL) - t0 < SEAM_TIMEOUT_S)
		sched_yield();
}

/* child_fail - a check in the child failed: report it and end the child. */
__attribute__((noreturn, format(printf, 2, 3)))
static void child_fail(int line, const char *fmt, ...)
{
	va_list ap;

	rep->line = line;
	va_start(ap, fmt);
	vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
	_exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) child_fail(__LINE__, __VA_ARGS__); } while (0)

/* sec_pfn - the first pfn of section @nr. */
static u64 sec_pfn(u64 nr)
{
	return section_nr_to_pfn(nr);
}

/* copy_log_line - the last captured record containing @needle, into @out. */
static void copy_log_line(const char *needle, char *out)
{
	for (int i = shim_log_records() - 1; i >= 0; i--) {
		const char *r = shim_log_record(i, NULL);

		if (strstr(r, needle)) {
			snprintf(out, SHIM_LOG_RECORD_LEN, "%.*s", (int)strcspn(r, "\n"), r);
			return;
		}
	}
	out[0] = '\0';
}

/* memory_setup - simulated RAM and memmap, memblock from the layout. */
static void memory_setup(void)
{
	shim_phys_init(RAM_END);
	CHECK(shim_vmemmap_init(ALIGN_UP(PHYS_PFN(RAM_END), PAGES_PER_SECTION)) == 0, "vmemmap");
	shim_log_reset();
	memblock_reset_for_test();
	memset(node_data, 0, sizeof(node_data));
	page_alloc_grow = NULL;
	page_alloc_grow_range = NULL;
	memmap_poison = true;
	deferred_cfg = (struct deferred_config){ .strategy = MEMMAP_BACKGROUND };
	smp_online(1);
	for (size_t i = 0; i < ARRAY_SIZE(ram); i++) {
		CHECK(memblock_add(ram[i].base, ram[i].size) == 0, "memblock_add %zu", i);
		CHECK(memblock_set_node(ram[i].base, ram[i].size, &memblock.memory,
					ram[i].nid) == 0, "memblock_set_node %zu", i);
	}
	nr_online_nodes = 2;
	for (int n = 0; n < 2; n++)
		NODE_DATA(n)->node_id = n;
	memblock_allow_resize();
	for (size_t i = 0; i < ARRAY_SIZE(rsv); i++)
		CHECK(memblock_reserve(rsv[i].base, rsv[i].size) == 0, "memblock_reserve %zu", i);
}

/*
 * boot - start_kernel()'s memory steps with memmap_init=background, up to
 * the hand-over to buddy; nothing deferred may be written yet, and 19
 * sections (1..7 of node 0, 8..19 of node 1) are PENDING.
 */
static void boot(void)
{
	u64 checked;

	memory_setup();
	CHECK(sparse_init(true) > 0, "sparse_init");
	free_area_init();
	deferred_setup();
	CHECK(deferred_bg_setup() == 0, "deferred_bg_setup");
	CHECK(memmap_init() > 0, "memmap_init");
	CHECK(memblock_free_all() > 0, "memblock_free_all");
	CHECK(NODE_DATA(0)->first_deferred_pfn == sec_pfn(1) &&
	      NODE_DATA(1)->first_deferred_pfn == sec_pfn(8), "first_deferred_pfn 0x%llx 0x%llx",
	      (unsigned long long)NODE_DATA(0)->first_deferred_pfn,
	      (unsigned long long)NODE_DATA(1)->first_deferred_pfn);
	rep->sections = deferred_bg.sections;
	CHECK(deferred_bg.sections == 19 && claims_pending() == 19, "%llu sections tracked",
	      (unsigned long long)deferred_bg.sections);
	CHECK(memmap_check_deferred_poison(&checked) == 0 && checked > 0,
	      "deferred struct pages written before SMP");
}

/* page_inited - every struct page of the 2^@order block at @p written exactly once. */
static bool page_inited(const struct page *p, unsigned int order)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		if (page_has_poison(&p[i]) || p[i].init_count != 1)
			return false;
	return true;
}

/* hold - keep a block handed out (checked: initialised, in [@lo, @hi)) to free it later. */
static void hold(struct page *p, unsigned int order, u64 lo, u64 hi)
{
	u64 pfn;

	CHECK(p, "order-%u allocation in [0x%llx, 0x%llx) failed with %llu sections pending",
	      order, (unsigned long long)lo, (unsigned long long)hi,
	      (unsigned long long)claims_pending());
	pfn = page_to_pfn(p);
	CHECK(pfn >= lo && pfn + (1ULL << order) <= hi, "block at 0x%llx outside [0x%llx, 0x%llx)",
	      (unsigned long long)pfn, (unsigned long long)lo, (unsigned long long)hi);
	CHECK(page_inited(p, order), "block at pfn 0x%llx handed out with a struct page not "
	      "initialised once (init_count %u)", (unsigned long long)pfn, p->init_count);
	CHECK(nheld < MAX_HELD, "too many blocks held");
	held[nheld].page = p;
	held[nheld++].order = order;
	rep->held_pages += 1ULL << order;
}

/* grab - alloc_pages() max-order blocks, alternating nodes, until @pages more are held. */
static void grab(u64 pages)
{
	u64 target = rep->held_pages + pages;

	for (int nid = 0; rep->held_pages < target; nid ^= 1)
		hold(alloc_pages(MAX_PAGE_ORDER, nid), MAX_PAGE_ORDER, 0, max_pfn);
}

/* release_all - free every held block. */
static void release_all(void)
{
	while (nheld) {
		nheld--;
		free_pages(held[nheld].page, held[nheld].order);
	}
}

/* no_section_busy - true if no tracked section is BUSY. */
static bool no_section_busy(void)
{
	for (u64 nr = 0; nr < pfn_to_section_nr(ALIGN_UP(max_pfn, PAGES_PER_SECTION)); nr++)
		if (claim_state(nr) == SECTION_BUSY)
			return false;
	return true;
}

/*
 * final_checks - the kernel's own checks must hold; their log lines are
 * kept for the parent.  Return: the pages accounting counted as left.
 */
static u64 final_checks(void)
{
	struct mm_node_counts counts[MAX_NUMNODES];

	rep->poison_rc = memmap_check_poison();
	copy_log_line("struct pages", rep->poison_line);
	rep->acct_rc = mm_check_accounting(counts);
	copy_log_line(rep->acct_rc ? "node" : "accounting holds", rep->acct_line);
	CHECK(rep->poison_rc == 0, "memmap_check_poison: %s", rep->poison_line);
	CHECK(rep->acct_rc == 0, "mm_check_accounting: %s", rep->acct_line);
	return counts[0].left + counts[1].left;
}

/*
 * scenario_init_once - the boot, on-demand growth before SMP, workers on
 * three CPUs while the boot CPU allocates into deferred memory, the boot
 * CPU's join; then every struct page written once and the accounting.
 */
static void scenario_init_once(void)
{
	u64 free0;

	boot();
	/* before SMP: a range nobody initialised (section 12, node 1) */
	hold(alloc_pages_range(3, 1, sec_pfn(12) + 100, sec_pfn(13)), 3, sec_pfn(12) + 100,
	     sec_pfn(13));
	CHECK(claim_state(12) == SECTION_DONE && claims_pending() == 18, "section 12 not grown");
	free0 = nr_free_pages();
	smp_online(NR_CPUS_SIM);
	rep->workers = (u64)deferred_bg_start();
	CHECK(rep->workers == NR_CPUS_SIM - 1, "%llu workers started",
	      (unsigned long long)rep->workers);
	/* the top section of each node, while the workers start from the bottom */
	hold(alloc_pages_range(0, 0, sec_pfn(7), PHYS_PFN(NODE1_START)), 0, sec_pfn(7),
	     PHYS_PFN(NODE1_START));
	hold(alloc_pages_range(4, 1, sec_pfn(19), sec_pfn(20)), 4, sec_pfn(19), sec_pfn(20));
	grab(free0 + 3 * PAGES_PER_SECTION);
	CHECK(deferred_bg_finish(false), "deferred_bg_finish(false) left %llu sections",
	      (unsigned long long)deferred_bg.left_sections);
	CHECK(claims_pending() == 0 && no_section_busy(), "sections not DONE after the join");
	rep->left = deferred_bg.left_sections;
	rep->demand_pages = deferred_bg.demand_pages;
	rep->bg_pages = deferred_bg.bg_pages;
	CHECK(final_checks() == 0, "pages left after a full run");
	release_all();
	CHECK(mm_check_accounting((struct mm_node_counts[MAX_NUMNODES]){ 0 }) == 0,
	      "accounting after freeing everything");
	CHECK(buddy_check_invariants() == 0, "buddy invariants after freeing everything");
}

/* count_state - tracked sections in state @st now. */
static u64 count_state(int st)
{
	u64 n = 0;

	for (u64 nr = 0; nr < pfn_to_section_nr(ALIGN_UP(max_pfn, PAGES_PER_SECTION)); nr++)
		n += claim_state(nr) == st;
	return n;
}

/*
 * stop_midway - one worker, parked on its STOP_AFTER-th section (BUSY),
 * then deferred_bg_finish(true): it finishes that section and stops.
 */
static void stop_midway(void)
{
	time_t t0 = time(NULL);

	deferred_cfg.threads = 2;		/* the boot CPU and one worker */
	deferred_cfg.trace = true;		/* init_section() calls results_write() */
	seam.armed = true;
	smp_online(NR_CPUS_SIM);
	rep->workers = (u64)deferred_bg_start();
	CHECK(rep->workers == 1, "%llu workers started", (unsigned long long)rep->workers);
	while (!__atomic_load_n(&seam.parked, __ATOMIC_ACQUIRE) && time(NULL) - t0 < SEAM_TIMEOUT_S)
		sched_yield();
	CHECK(seam.parked && count_state(SECTION_BUSY) == 1 &&
	      count_state(SECTION_DONE) == STOP_AFTER - 1, "the worker did not park on its "
	      "section %d", STOP_AFTER);
	__atomic_store_n(&seam.open_on_count, 1, __ATOMIC_RELEASE);
	CHECK(!deferred_bg_finish(true), "deferred_bg_finish(true) says all is done");
	CHECK(seam.open, "deferred_bg_finish() never opened the gate");
}

/*
 * scenario_stopped - the boot, one worker stopped midway: the rest left
 * PENDING, none BUSY, the checks hold with pages left; then on-demand
 * growth after the stop (alloc_pages() beyond what buddy holds, a range
 * in the top section) and the checks again.
 */
static void scenario_stopped(void)
{
	u64 left_pages;

	boot();
	stop_midway();
	rep->left = deferred_bg.left_sections;
	CHECK(rep->left == 19 - STOP_AFTER && claims_pending() == rep->left &&
	      count_state(SECTION_BUSY) == 0 && count_state(SECTION_DONE) == STOP_AFTER,
	      "stopped with %llu left, %llu PENDING, %llu BUSY", (unsigned long long)rep->left,
	      (unsigned long long)claims_pending(), (unsigned long long)count_state(SECTION_BUSY));
	left_pages = final_checks();
	CHECK(left_pages > 0, "accounting counted no pages left");

	grab(nr_free_pages() + PAGES_PER_SECTION);	/* buddy must grow after the stop */
	CHECK(claim_state(19) == SECTION_PENDING, "section 19 was grown by alloc_pages()");
	hold(alloc_pages_range(0, 1, sec_pfn(19), sec_pfn(20)), 0, sec_pfn(19), sec_pfn(20));
	CHECK(claims_pending() <= rep->left - 2, "on-demand growth after the stop: %llu pending",
	      (unsigned long long)claims_pending());
	rep->demand_pages = deferred_bg.demand_pages;
	CHECK(final_checks() < left_pages, "left pages did not shrink after growth");
	release_all();
	final_checks();
}

static volatile int sweep_go;

/* sweep - a contender: wait for the gate, then claim or wait for every section. */
static void sweep(void *arg)
{
	(void)arg;
	while (!sweep_go)
		sched_yield();
	deferred_bg_init_range(0, max_pfn);
}

/*
 * scenario_racy - CLAIM_FAULT_RACY: two workers, three contender CPUs and
 * the boot CPU all sweep the same sections in the same order; then count
 * the struct pages written more than once and run the kernel's check.
 */
static void scenario_racy(void)
{
	boot();
	claim_fault = CLAIM_FAULT_RACY;
	deferred_cfg.threads = 3;		/* workers on CPUs 1 and 2 */
	smp_online(6);
	for (int cpu = 3; cpu < 6; cpu++)	/* the contenders first, waiting at the gate */
		CHECK(smp_call_on_cpu_async(cpu, sweep, NULL) == 0, "contender on CPU %d", cpu);
	rep->workers = (u64)deferred_bg_start();
	sweep_go = 1;
	deferred_bg_init_range(0, max_pfn);
	for (int cpu = 3; cpu < 6; cpu++)
		smp_wait_cpu(cpu);
	deferred_bg_finish(false);
	claim_fault = CLAIM_FAULT_NONE;
	for (u64 pfn = 0; pfn < max_pfn; pfn++) {
		const struct page *p = pfn_to_page(pfn);

		if (!pfn_valid(pfn) || page_has_poison(p) || p->init_count < 2)
			continue;
		if (!rep->doubled_pages++)
			rep->first_doubled_pfn = pfn;
		if (p->init_count > rep->max_count)
			rep->max_count = p->init_count;
	}
	rep->poison_rc = memmap_check_poison();
	copy_log_line("struct pages", rep->poison_line);
}

/*
 * run_child - run @scenario in a forked child with a fresh report; the
 * child must end normally.  Return: the report (shared memory).
 */
static struct child_report *run_child(void (*scenario)(void))
{
	int status;
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		scenario();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child was killed by signal %d", WTERMSIG(status));
	if (rep->line)
		fail_msg("line %d: %s", rep->line, rep->msg);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return rep;
}

/* test_background_init_once - see the file comment. */
static void test_background_init_once(void **state)
{
	struct child_report *r;

	(void)state;
	r = run_child(scenario_init_once);
	assert_int_equal(r->left, 0);
	assert_true(r->demand_pages > 0);
	print_message("%llu sections, %llu workers: %llu pages in the background, %llu on demand, "
		      "%llu held; %s; %s\n", (unsigned long long)r->sections,
		      (unsigned long long)r->workers, (unsigned long long)r->bg_pages,
		      (unsigned long long)r->demand_pages, (unsigned long long)r->held_pages,
		      r->poison_line, r->acct_line);
}

/* test_background_stopped - see the file comment. */
static void test_background_stopped(void **state)
{
	struct child_report *r;

	(void)state;
	r = run_child(scenario_stopped);
	print_message("stopped with %llu of %llu sections left; after growing on demand: %s; %s\n",
		      (unsigned long long)r->left, (unsigned long long)r->sections, r->poison_line,
		      r->acct_line);
}

/* test_background_racy_caught - see the file comment. */
static void test_background_racy_caught(void **state)
{
	struct child_report *r = NULL;
	int boot_nr;

	(void)state;
	for (boot_nr = 1; boot_nr <= RACY_BOOTS; boot_nr++) {
		r = run_child(scenario_racy);
		if (r->doubled_pages)
			break;
	}
	if (!r->doubled_pages)
		fail_msg("CLAIM_FAULT_RACY doubled no struct page in %d boots", RACY_BOOTS);
	assert_int_not_equal(r->poison_rc, 0);
	assert_non_null(strstr(r->poison_line, "struct pages are wrong"));
	print_message("CLAIM_FAULT_RACY caught in boot %d: %llu struct pages initialised more than "
		      "once (first pfn 0x%llx, up to %u times); memmap_check_poison: %s\n", boot_nr,
		      (unsigned long long)r->doubled_pages,
		      (unsigned long long)r->first_doubled_pfn, r->max_count, r->poison_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_init_once),
		cmocka_unit_test(test_background_stopped),
		cmocka_unit_test(test_background_racy_caught),
	};

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
