/*
 * tests/host/shim.c - host stand-ins for kernel services (see shim.h).
 *
 * Generic on purpose: every host test links this file, so it must not
 * depend on any one kernel subsystem.  Where the kernel splits a service
 * into pure code and output (printk, the results channel), the host tests
 * link the pure code (HOST_SHIM_SRCS in host.mk) and this file supplies
 * only the output: printk_emit() and results_write().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "shim.h"

int console_loglevel = LOGLEVEL_DEFAULT;

struct shim_record {
	int level;
	char text[SHIM_LOG_RECORD_LEN];
};

static struct shim_record records[SHIM_LOG_RECORDS];
static int nrecords;
static char text[SHIM_LOG_TEXT_LEN];
static size_t text_len;
static int echo = -1;		/* -1: not decided yet; read SHIM_LOG_ECHO */

/* append - add @s to the record @r and to the concatenated text, truncating. */
static void append(struct shim_record *r, const char *s)
{
	size_t have = strlen(r->text);

	snprintf(r->text + have, sizeof(r->text) - have, "%s", s);
	text_len += (size_t)snprintf(text + text_len, sizeof(text) - text_len, "%s", s);
	if (text_len >= sizeof(text))
		text_len = sizeof(text) - 1;
}

/* shim_log_reset - empty the capture log (see shim.h). */
void shim_log_reset(void)
{
	nrecords = 0;
	text_len = 0;
	text[0] = '\0';
}

/* shim_log_contains - true if @needle occurs in the captured text. */
bool shim_log_contains(const char *needle)
{
	return strstr(text, needle) != NULL;
}

/* shim_log_count - number of records containing @needle. */
int shim_log_count(const char *needle)
{
	int n = 0;

	for (int i = 0; i < nrecords; i++)
		n += strstr(records[i].text, needle) != NULL;
	return n;
}

/* shim_log_count_level - number of records logged at @level. */
int shim_log_count_level(int level)
{
	int n = 0;

	for (int i = 0; i < nrecords; i++)
		n += records[i].level == level;
	return n;
}

/* shim_log_records - number of records captured. */
int shim_log_records(void)
{
	return nrecords;
}

/* shim_log_record - text (and level) of record @i, or NULL. */
const char *shim_log_record(int i, int *level)
{
	if (i < 0 || i >= nrecords)
		return NULL;
	if (level)
		*level = records[i].level;
	return records[i].text;
}

/* shim_log_text - all captured text, concatenated. */
const char *shim_log_text(void)
{
	return text;
}

/* shim_log_echo - switch copying records to stderr on or off. */
void shim_log_echo(bool on)
{
	echo = on;
}

/*
 * printk_emit - capture one message vprintk() (kernel/printk.c) formatted:
 * a new record, or more text for the last one on KERN_CONT.
 */
void printk_emit(const struct printk_msg *m)
{
	struct shim_record *r;

	if (echo < 0) {
		const char *e = getenv("SHIM_LOG_ECHO");

		echo = e && *e && *e != '0';
	}
	if (echo) {
		if (!m->cont)
			fprintf(stderr, "<%d>", m->level);
		fputs(m->text, stderr);
	}

	if (m->cont && nrecords > 0) {
		r = &records[nrecords - 1];
	} else if (nrecords < SHIM_LOG_RECORDS) {
		r = &records[nrecords++];
		r->level = m->level;
		r->text[0] = '\0';
	} else {
		return;		/* record table full: drop */
	}
	append(r, m->text);
}

/* ---- simulated physical memory, panic() and symbols (see shim.h) ------ */

#include <sys/mman.h>
#include <kholab/types.h>
#include <kernel/exit.h>
#include <kernel/symbols.h>

/* Weak so that a test linking the kernel's own definition still builds. */
__attribute__((weak)) uintptr_t host_phys_base;

static void *phys_map;
static uint64_t phys_bytes;

/* shim_phys_init - map simulated physical memory (see shim.h). */
void *shim_phys_init(uint64_t bytes)
{
	if (phys_map)
		munmap(phys_map, phys_bytes);
	phys_map = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (phys_map == MAP_FAILED) {
		fprintf(stderr, "shim: cannot map %llu bytes of simulated "
			"physical memory; aborting\n", (unsigned long long)bytes);
		abort();
	}
	phys_bytes = bytes;
	host_phys_base = (uintptr_t)phys_map;
	return phys_map;
}

jmp_buf shim_panic_jmp;
bool shim_panic_armed;
static char panic_msg[SHIM_LOG_RECORD_LEN];

/* shim_panic_disarm - see shim.h. */
void shim_panic_disarm(void)
{
	shim_panic_armed = false;
}

/* shim_panic_message - see shim.h. */
const char *shim_panic_message(void)
{
	return panic_msg;
}

/*
 * panic - log the message like the kernel does, then longjmp to the test
 * that armed shim_expect_panic(), or abort when none did.
 */
__attribute__((weak, noreturn)) void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", panic_msg);
	if (shim_panic_armed) {
		shim_panic_armed = false;
		longjmp(shim_panic_jmp, 1);
	}
	fprintf(stderr, "shim: unexpected panic: %s\n", panic_msg);
	abort();
}

/* symbol_format - host stand-in: the bare address in hex. */
__attribute__((weak)) char *symbol_format(uint64_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%#llx", (unsigned long long)addr);
	return buf;
}

/* ---- simulated vmemmap, for mm/ tests (see shim.h) -------------------- */

#include <mm/page.h>

/* Weak so that a test defining its own vmemmap still builds. */
__attribute__((weak)) struct page *vmemmap;

static size_t vmemmap_bytes;

/* shim_vmemmap_init - map room for @max_pfn struct pages (see shim.h). */
int shim_vmemmap_init(uint64_t max_pfn)
{
	void *m;

	shim_vmemmap_fini();
	vmemmap_bytes = (size_t)max_pfn * sizeof(struct page);
	if (!vmemmap_bytes)
		vmemmap_bytes = sizeof(struct page);
	m = mmap(NULL, vmemmap_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		vmemmap_bytes = 0;
		return -1;
	}
	vmemmap = m;
	return 0;
}

/* shim_vmemmap_fini - release the vmemmap mapping, if any (see shim.h). */
void shim_vmemmap_fini(void)
{
	if (vmemmap && vmemmap_bytes)
		munmap(vmemmap, vmemmap_bytes);
	vmemmap = NULL;
	vmemmap_bytes = 0;
}

/* ---- SMP on pthreads and a results capture (see shim.h) --------------- */

#include <errno.h>
#include <pthread.h>
#include <kernel/smp.h>
#include <kernel/results.h>

struct shim_cpu {
	pthread_t thread;
	bool running;		/* started and not yet joined */
	bool busy;		/* shim_smp_set_busy() */
	int started;
	int id;
	void (*fn)(void *);
	void *arg;
};

static struct shim_cpu shim_cpus[MAX_CPUS];
static int shim_ncpus = 1;
static pthread_mutex_t shim_smp_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int shim_this_cpu;

/* shim_cpu_thread - body of a simulated CPU: run the one work item. */
static void *shim_cpu_thread(void *p)
{
	struct shim_cpu *c = p;

	shim_this_cpu = c->id;
	c->fn(c->arg);
	return NULL;
}

/* shim_smp_init - see shim.h. */
void shim_smp_init(int ncpus)
{
	for (int i = 0; i < MAX_CPUS; i++)
		smp_wait_cpu(i);
	pthread_mutex_lock(&shim_smp_lock);
	shim_ncpus = ncpus < 1 ? 1 : ncpus > MAX_CPUS ? MAX_CPUS : ncpus;
	for (int i = 0; i < MAX_CPUS; i++) {
		shim_cpus[i].busy = false;
		shim_cpus[i].started = 0;
	}
	pthread_mutex_unlock(&shim_smp_lock);
}

/* shim_smp_set_busy - see shim.h. */
void shim_smp_set_busy(int cpu, bool busy)
{
	if (cpu < 0 || cpu >= MAX_CPUS)
		return;
	pthread_mutex_lock(&shim_smp_lock);
	shim_cpus[cpu].busy = busy;
	pthread_mutex_unlock(&shim_smp_lock);
}

/* shim_smp_started - see shim.h. */
int shim_smp_started(int cpu)
{
	int n;

	if (cpu < 0 || cpu >= MAX_CPUS)
		return 0;
	pthread_mutex_lock(&shim_smp_lock);
	n = shim_cpus[cpu].started;
	pthread_mutex_unlock(&shim_smp_lock);
	return n;
}

/* smp_processor_id - the simulated CPU this thread is (0: main thread). */
__attribute__((weak)) int smp_processor_id(void)
{
	return shim_this_cpu;
}

/* nr_cpus_online - as set by shim_smp_init(). */
__attribute__((weak)) int nr_cpus_online(void)
{
	return shim_ncpus;
}

/* cpu_node - one node on the host. */
__attribute__((weak)) int cpu_node(int cpu)
{
	(void)cpu;
	return 0;
}

/* smp_call_on_cpu_async - start @fn(@arg) on a new thread playing @cpu. */
__attribute__((weak)) int smp_call_on_cpu_async(int cpu, void (*fn)(void *), void *arg)
{
	struct shim_cpu *c;
	int ret = 0;

	if (cpu < 0 || cpu >= MAX_CPUS)
		return -EINVAL;
	pthread_mutex_lock(&shim_smp_lock);
	c = &shim_cpus[cpu];
	if (cpu >= shim_ncpus || cpu == smp_processor_id()) {
		ret = -EINVAL;
	} else if (c->busy || c->running) {
		ret = -EBUSY;
	} else {
		c->id = cpu;
		c->fn = fn;
		c->arg = arg;
		if (pthread_create(&c->thread, NULL, shim_cpu_thread, c)) {
			fprintf(stderr, "shim: pthread_create failed; aborting\n");
			abort();
		}
		c->running = true;
		c->started++;
	}
	pthread_mutex_unlock(&shim_smp_lock);
	return ret;
}

/* smp_wait_cpu - join the thread playing @cpu, if it was started. */
__attribute__((weak)) void smp_wait_cpu(int cpu)
{
	pthread_t t;
	bool running;

	if (cpu < 0 || cpu >= MAX_CPUS)
		return;
	pthread_mutex_lock(&shim_smp_lock);
	running = shim_cpus[cpu].running;
	t = shim_cpus[cpu].thread;
	shim_cpus[cpu].running = false;
	pthread_mutex_unlock(&shim_smp_lock);
	if (running)
		pthread_join(t, NULL);
}

static char shim_results[SHIM_RESULTS_LINES][SHIM_RESULTS_LINE_LEN];
static int shim_nresults;
static pthread_mutex_t shim_results_lock = PTHREAD_MUTEX_INITIALIZER;

/* shim_results_reset - see shim.h. */
void shim_results_reset(void)
{
	pthread_mutex_lock(&shim_results_lock);
	shim_nresults = 0;
	pthread_mutex_unlock(&shim_results_lock);
}

/* shim_results_lines - see shim.h. */
int shim_results_lines(void)
{
	int n;

	pthread_mutex_lock(&shim_results_lock);
	n = shim_nresults;
	pthread_mutex_unlock(&shim_results_lock);
	return n;
}

/* shim_results_line - see shim.h. */
const char *shim_results_line(int i)
{
	return i >= 0 && i < shim_results_lines() ? shim_results[i] : NULL;
}

/* shim_results_count - see shim.h. */
int shim_results_count(const char *needle)
{
	int n = 0, lines = shim_results_lines();

	for (int i = 0; i < lines; i++)
		n += strstr(shim_results[i], needle) != NULL;
	return n;
}

/* results_write - capture @line (without its '\n') instead of writing the port. */
__attribute__((weak)) void results_write(const char *line, size_t len)
{
	if (len && line[len - 1] == '\n')
		len--;
	if (len > SHIM_RESULTS_LINE_LEN - 1)
		len = SHIM_RESULTS_LINE_LEN - 1;	/* truncated */
	pthread_mutex_lock(&shim_results_lock);
	if (shim_nresults < SHIM_RESULTS_LINES) {
		memcpy(shim_results[shim_nresults], line, len);
		shim_results[shim_nresults++][len] = '\0';
	}
	pthread_mutex_unlock(&shim_results_lock);
}

/* ---- a page pool for kho/ tests (see shim.h) -------------------------- */

#include <mm/page_alloc.h>

static uint64_t pool_first, pool_nr, pool_bump, pool_in_use;
static uint64_t *pool_free;	/* stack of freed pfns */
static uint64_t pool_nfree;
static uint8_t *pool_used;	/* one byte per pool pfn: allocated? */
static long pool_fail_after = -1;

/* shim_page_pool_init - see shim.h. */
void shim_page_pool_init(uint64_t first_pfn, uint64_t nr)
{
	free(pool_free);
	free(pool_used);
	pool_free = calloc(nr ? nr : 1, sizeof(*pool_free));
	pool_used = calloc(nr ? nr : 1, 1);
	if (!pool_free || !pool_used) {
		fprintf(stderr, "shim: no host memory for a %llu-page pool; aborting\n",
			(unsigned long long)nr);
		abort();
	}
	pool_first = first_pfn;
	pool_nr = nr;
	pool_bump = pool_nfree = pool_in_use = 0;
	pool_fail_after = -1;
}

/* shim_page_pool_fail_after - see shim.h. */
void shim_page_pool_fail_after(long n)
{
	pool_fail_after = n;
}

/* shim_page_pool_in_use - see shim.h. */
uint64_t shim_page_pool_in_use(void)
{
	return pool_in_use;
}

/* alloc_pages - host stand-in: one page from the pool (order 0 only). */
__attribute__((weak)) struct page *alloc_pages(unsigned int order, int nid)
{
	uint64_t pfn;

	(void)nid;
	if (order || !pool_used || pool_fail_after == 0)
		return NULL;
	if (pool_nfree)
		pfn = pool_free[--pool_nfree];
	else if (pool_bump < pool_nr)
		pfn = pool_first + pool_bump++;
	else
		return NULL;
	if (pool_fail_after > 0)
		pool_fail_after--;
	pool_used[pfn - pool_first] = 1;
	pool_in_use++;
	return pfn_to_page(pfn);
}

/* nr_online_nodes - one node unless a test links mm/mmzone.c (which defines it). */
__attribute__((weak)) int nr_online_nodes = 1;

/*
 * alloc_pages_range - host stand-in: alloc_pages(), and the page must lie
 * in [start_pfn, end_pfn) (the pool is set up above 1 MiB, so KHO's
 * "never below 1 MiB" requests are met); NULL when it does not.
 */
__attribute__((weak)) struct page *alloc_pages_range(unsigned int order, int nid, u64 start_pfn,
						     u64 end_pfn)
{
	struct page *p = alloc_pages(order, nid);

	if (p && (page_to_pfn(p) < start_pfn || page_to_pfn(p) >= end_pfn)) {
		free_pages(p, order);
		return NULL;
	}
	return p;
}

/* free_pages - host stand-in: back to the pool; aborts on a foreign page or double free. */
__attribute__((weak)) void free_pages(struct page *page, unsigned int order)
{
	uint64_t pfn = page_to_pfn(page);

	if (order || pfn < pool_first || pfn >= pool_first + pool_nr ||
	    !pool_used[pfn - pool_first]) {
		fprintf(stderr, "shim: free_pages(pfn %#llx, order %u) of a page the pool "
			"did not hand out; aborting\n", (unsigned long long)pfn, order);
		abort();
	}
	pool_used[pfn - pool_first] = 0;
	pool_free[pool_nfree++] = pfn;
	pool_in_use--;
}

/* ---- seeded randomness for randomized tests ---------------------------- */

static unsigned long long shim_rng = 1;

/* shim_seed_init - see shim.h. */
unsigned long long shim_seed_init(const char *name)
{
	const char *env = getenv("KHOLAB_SEED");

	shim_rng = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	if (!shim_rng)
		shim_rng = 1;
	printf("%s: seed %#llx (KHOLAB_SEED to repeat)\n", name, shim_rng);
	return shim_rng;
}

/* shim_rand - see shim.h. */
unsigned long long shim_rand(void)
{
	shim_rng ^= shim_rng << 13;
	shim_rng ^= shim_rng >> 7;
	shim_rng ^= shim_rng << 17;
	return shim_rng;
}

/* ---- spinlocks that know their holder (see host_spinlock.h) ------------ */

#include <sched.h>
#include <kernel/spinlock.h>

/* ASan's, when linked (every host test is built with it): a stack trace to stderr. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static _Thread_local char shim_lock_token;	/* its address names this thread */

/* shim_lock_self - an id of the calling thread, never 0. */
static unsigned long shim_lock_self(void)
{
	return (unsigned long)(uintptr_t)&shim_lock_token;
}

/* shim_lock_where - "rmqueue() at mm/page_alloc.c:127" for @s, into @buf. */
static const char *shim_lock_where(char *buf, size_t len, struct shim_lock_site s)
{
	if (!s.file)
		snprintf(buf, len, "(unknown place)");
	else
		snprintf(buf, len, "%s() at %s:%d", s.func ? s.func : "?", s.file, s.line);
	return buf;
}

/* shim_lock_name - the lock as written, without a leading '&': "z->lock". */
static const char *shim_lock_name(struct shim_lock_site s)
{
	const char *e = s.expr ? s.expr : "the lock";

	return *e == '&' ? e + 1 : e;
}

/* shim_lock_die - print @msg (already formatted), a stack trace, and abort. */
static __attribute__((noreturn)) void shim_lock_die(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	if (__sanitizer_print_stack_trace) {
		fprintf(stderr, "shim: the stack of the thread that stopped:\n");
		__sanitizer_print_stack_trace();
	}
	fflush(NULL);
	abort();
}

/* shim_lock_wait_limit - seconds a thread may wait for a lock: $KHOLAB_LOCK_WAIT or 5. */
static double shim_lock_wait_limit(void)
{
	const char *e = getenv("KHOLAB_LOCK_WAIT");
	double v = e ? strtod(e, NULL) : 0;

	return v > 0 ? v : 5.0;
}

static double shim_lock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* shim_spin_trylock - take @l if it is free; records the holder. */
bool shim_spin_trylock(spinlock_t *l, struct shim_lock_site site)
{
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return false;
	l->taken = site;
	__atomic_store_n(&l->owner, shim_lock_self(), __ATOMIC_RELAXED);
	return true;
}

/*
 * shim_spin_lock - take @l, waiting while another thread holds it.  A
 * thread that already holds @l, or that waits longer than
 * shim_lock_wait_limit(), aborts with a message that names the lock and
 * where it was taken.
 */
void shim_spin_lock(spinlock_t *l, struct shim_lock_site site)
{
	char msg[1024], here[256], there[256];
	double start, limit;
	unsigned long spins = 0;

	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == shim_lock_self()) {
		snprintf(msg, sizeof(msg),
			 "shim: spin_lock(%s) in %s: this thread already holds %s (lock %p): it took it "
			 "in %s and has not released it since, so it would wait for itself for ever: "
			 "a missing spin_unlock(%s)? (look for a return or break between that "
			 "spin_lock() and its spin_unlock())",
			 site.expr, shim_lock_where(here, sizeof(here), site), shim_lock_name(site),
			 (void *)l, shim_lock_where(there, sizeof(there), l->taken), site.expr);
		shim_lock_die(msg);
	}
	if (shim_spin_trylock(l, site))
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	start = shim_lock_now();
	limit = shim_lock_wait_limit();
	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (++spins % 64 == 0)
				sched_yield();	/* the holder may need this CPU */
			else
				__builtin_ia32_pause();
			if (spins % 4096 == 0 && shim_lock_now() - start > limit) {
				struct shim_lock_site t = l->taken;

				snprintf(msg, sizeof(msg),
					 "shim: spin_lock(%s) in %s has waited %.0f s for %s (lock %p), "
					 "held by another thread since it took it in %s: a missing "
					 "spin_unlock(%s) on one of that function's paths? "
					 "(KHOLAB_LOCK_WAIT=SECONDS to wait longer)",
					 site.expr, shim_lock_where(here, sizeof(here), site),
					 shim_lock_now() - start, shim_lock_name(site), (void *)l,
					 shim_lock_where(there, sizeof(there), t),
					 t.expr ? t.expr : site.expr);
				shim_lock_die(msg);
			}
		}
	} while (!shim_spin_trylock(l, site));
}

/* shim_spin_unlock - release @l; aborts when @l is not held at all. */
void shim_spin_unlock(spinlock_t *l, struct shim_lock_site site)
{
	char msg[768], here[256];

	if (!__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
		snprintf(msg, sizeof(msg),
			 "shim: spin_unlock(%s) in %s: %s (lock %p) is not held: a spin_unlock() "
			 "too many, or one without its spin_lock()?",
			 site.expr, shim_lock_where(here, sizeof(here), site), shim_lock_name(site),
			 (void *)l);
		shim_lock_die(msg);
	}
	__atomic_store_n(&l->owner, 0UL, __ATOMIC_RELAXED);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* shim_lock_assert_held - lockdep_assert_held(): abort unless this thread holds @l. */
void shim_lock_assert_held(spinlock_t *l, struct shim_lock_site site)
{
	char msg[768], here[256];

	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == shim_lock_self())
		return;
	snprintf(msg, sizeof(msg),
		 "shim: lockdep_assert_held(%s) failed in %s: called without holding %s (lock %p, "
		 "%s): what it changes is guarded by that lock; the stack below shows which "
		 "caller forgot spin_lock(%s)",
		 site.expr, shim_lock_where(here, sizeof(here), site), shim_lock_name(site),
		 (void *)l, __atomic_load_n(&l->locked, __ATOMIC_RELAXED) ?
		 "held by another thread" : "not held by anyone", site.expr);
	shim_lock_die(msg);
}
