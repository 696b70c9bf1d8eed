/*
 * tests/host/shim.c - host stand-ins for kernel services (see shim.h).
 *
 * Generic on purpose: every host test links this file, so it must not
 * depend on any one kernel subsystem.  Currently: the printk capture log
 * and console_loglevel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
 * vprintk - capture one message: strip KERN_* prefixes, format with the
 * host's vsnprintf, store it as a new record (or extend the last for
 * KERN_CONT).  Returns the formatted length.
 */
int vprintk(const char *fmt, va_list ap)
{
	char buf[SHIM_LOG_RECORD_LEN];
	int level = SHIM_LEVEL_UNTAGGED;
	bool cont = false;
	struct shim_record *r;
	int n;

	while (fmt[0] == KERN_SOH[0] && fmt[1]) {
		if (fmt[1] == 'c')
			cont = true;
		else if (fmt[1] >= '0' && fmt[1] <= '7')
			level = fmt[1] - '0';
		fmt += 2;
	}
	n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (echo < 0) {
		const char *e = getenv("SHIM_LOG_ECHO");

		echo = e && *e && *e != '0';
	}
	if (echo) {
		if (!cont)
			fprintf(stderr, "<%d>", level);
		fputs(buf, stderr);
	}

	if (cont && nrecords > 0) {
		r = &records[nrecords - 1];
	} else if (nrecords < SHIM_LOG_RECORDS) {
		r = &records[nrecords++];
		r->level = level;
		r->text[0] = '\0';
	} else {
		return n;	/* record table full: drop */
	}
	append(r, buf);
	return n;
}

/* printk - varargs front end of vprintk(). */
int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
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
