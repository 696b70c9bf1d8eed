/*
 * tests/host/shim.h - host stand-ins for kernel services, for unit tests.
 *
 * Linked into every host test, with the kernel's own printk() (kernel/
 * printk.c, formatting with the host's vsnprintf).  Its printk_emit() keeps
 * a capture log instead of a serial console: one record per message
 * (KERN_CONT continues the previous one), with the KERN_* prefix stripped
 * and its level remembered.  Tests then ask what was logged.
 * Set SHIM_LOG_ECHO=1 in the environment to also copy records to stderr.
 */
#ifndef TESTS_HOST_SHIM_H
#define TESTS_HOST_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <kernel/printk.h>

/* Level recorded for a message printed without a KERN_* prefix. */
#define SHIM_LEVEL_UNTAGGED	LOGLEVEL_DEFAULT	/* as KERN_INFO */

/* Most records kept, and most bytes of text per record / in the log. */
#define SHIM_LOG_RECORDS	512
#define SHIM_LOG_RECORD_LEN	512
#define SHIM_LOG_TEXT_LEN	(64 * 1024)

/* shim_log_reset - forget everything captured so far. */
void shim_log_reset(void);

/**
 * shim_log_contains - search the whole captured text (all records, in order).
 * Return: true if @needle occurs in it.
 */
bool shim_log_contains(const char *needle);

/**
 * shim_log_count - count records that contain @needle.
 * Return: the number of matching records.
 */
int shim_log_count(const char *needle);

/**
 * shim_log_count_level - count records logged at @level (0..7).
 * Return: the number of such records.
 */
int shim_log_count_level(int level);

/**
 * shim_log_records - number of records captured (at most SHIM_LOG_RECORDS).
 * Return: the count.
 */
int shim_log_records(void);

/**
 * shim_log_record - one captured record, prefix stripped, NUL-terminated.
 * @i: index, 0 = oldest; @level: if not NULL, receives its level.
 * Return: the text, or NULL if @i is out of range.
 */
const char *shim_log_record(int i, int *level);

/**
 * shim_log_text - all captured text concatenated, as the console would show it.
 * Return: a NUL-terminated string owned by the shim.
 */
const char *shim_log_text(void);

/* shim_log_echo - also copy each record to stderr (for debugging a test). */
void shim_log_echo(bool on);

/* ---- simulated physical memory, panic() and symbols ------------------- */

#include <setjmp.h>
#include <stdint.h>

/*
 * shim_phys_init - map @bytes of lazily backed, zeroed host memory
 * (MAP_NORESERVE) and point host_phys_base at it, so that physical address
 * pa is host_phys_base + pa (see kernel/layout.h).  A previous mapping is
 * released first.
 * Return: the host address of physical address 0 (aborts if mmap fails).
 */
void *shim_phys_init(uint64_t bytes);

/* The jump buffer and flag behind shim_expect_panic(). */
extern jmp_buf shim_panic_jmp;
extern bool shim_panic_armed;

/*
 * shim_expect_panic - arm panic() to longjmp back here instead of aborting.
 * Use as: if (shim_expect_panic() == 0) { call(); fail(); } else { check }.
 * panic() disarms it before jumping; shim_panic_disarm() does so by hand.
 * Evaluates to 0 when armed, 1 when a panic came back.
 */
#define shim_expect_panic()	(shim_panic_armed = true, setjmp(shim_panic_jmp))

/* shim_panic_disarm - make panic() abort again. */
void shim_panic_disarm(void);

/**
 * shim_panic_message - the formatted message of the last panic().
 * Return: a NUL-terminated string owned by the shim ("" if none yet).
 */
const char *shim_panic_message(void);

/* ---- simulated vmemmap, for mm/ tests (test_buddy*.c) ---------------- */

/*
 * shim_vmemmap_init - map zeroed, lazily backed (MAP_NORESERVE) room for
 * @max_pfn struct pages and point the host-test `vmemmap` at it, so that
 * pfn_to_page(pfn) works for every pfn below @max_pfn.  A previous mapping
 * is released first.
 * Return: 0, or -1 if mmap fails.
 */
int shim_vmemmap_init(uint64_t max_pfn);

/* shim_vmemmap_fini - unmap the vmemmap from shim_vmemmap_init(); vmemmap = NULL. */
void shim_vmemmap_fini(void);

/* ---- SMP on pthreads and a results capture, for kernel/jobs.c tests ---- */

/*
 * The smp.h functions (smp_processor_id, nr_cpus_online, cpu_node,
 * smp_call_on_cpu_async, smp_wait_cpu) are provided weakly:
 * CPU n is a pthread started by smp_call_on_cpu_async(n, ...) with a
 * thread-local smp_processor_id() of n; the test's main thread is CPU 0.
 * Until shim_smp_init() is called there is one CPU.
 */

/*
 * shim_smp_init - pretend @ncpus CPUs (clamped to 1..MAX_CPUS) are online,
 * none busy.  Joins any helper thread still running from before.
 */
void shim_smp_init(int ncpus);

/* shim_smp_set_busy - make smp_call_on_cpu_async(@cpu) answer -EBUSY. */
void shim_smp_set_busy(int cpu, bool busy);

/**
 * shim_smp_started - work items started on @cpu since shim_smp_init().
 * Return: the count (0 for a CPU out of range).
 */
int shim_smp_started(int cpu);

/*
 * Results channel stand-in: a weak results_write() (kernel/results.h) that
 * captures each line the real builder (kernel/json.c, linked into every
 * host test) finishes, without its newline, instead of writing port 0xE9.
 * Thread-safe.
 */
#define SHIM_RESULTS_LINES	4096
#define SHIM_RESULTS_LINE_LEN	256

/* shim_results_reset - forget every captured results line. */
void shim_results_reset(void);

/**
 * shim_results_lines - lines captured (at most SHIM_RESULTS_LINES).
 * Return: the count.
 */
int shim_results_lines(void);

/**
 * shim_results_line - captured line @i (0 = oldest), NUL-terminated.
 * Return: the text, or NULL if @i is out of range.
 */
const char *shim_results_line(int i);

/**
 * shim_results_count - lines that contain @needle.
 * Return: the count.
 */
int shim_results_count(const char *needle);

/* ---- a page pool for kho/ tests (test_kho_*.c) ---------------------- */

/*
 * Weak alloc_pages()/free_pages() (mm/page_alloc.h) over a pool of pfns
 * in simulated physical memory: order 0 only (alloc_pages of a higher
 * order returns NULL), any nid.  A test linking mm/page_alloc.c gets the
 * real ones instead.  free_pages() aborts on a page the pool did not hand
 * out or a double free.  Needs shim_phys_init() and shim_vmemmap_init()
 * to cover the pool.
 */

/* shim_page_pool_init - hand out pfns [@first_pfn, @first_pfn + @nr); forgets
 * the previous pool. */
void shim_page_pool_init(uint64_t first_pfn, uint64_t nr);

/* shim_page_pool_fail_after - let @n more allocations succeed, then fail
 * all (-1: never fail). */
void shim_page_pool_fail_after(long n);

/**
 * shim_page_pool_in_use - pages allocated and not yet freed.
 * Return: the count.
 */
uint64_t shim_page_pool_in_use(void);

/* ---- seeded randomness for randomized tests ------------------------------ */

/**
 * shim_seed_init - seed shim_rand() from $KHOLAB_SEED (decimal or 0x) or
 * the clock, and print "NAME: seed 0x... (KHOLAB_SEED to repeat)".
 * Return: the seed.
 */
unsigned long long shim_seed_init(const char *name);

/* shim_rand - the next value of a xorshift64 stream (seeded by shim_seed_init). */
unsigned long long shim_rand(void);

#endif /* TESTS_HOST_SHIM_H */
