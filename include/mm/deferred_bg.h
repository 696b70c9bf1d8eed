/*
 * mm/deferred_bg.h - memmap_init=background: deferred struct page init
 * that the boot does not wait for (mm/deferred_bg.c, docs/deferred-init.md).
 */
#ifndef MM_DEFERRED_BG_H
#define MM_DEFERRED_BG_H

#include <kholab/types.h>

/* struct deferred_bg_stats - what the background work did, for the "memmap" event. */
struct deferred_bg_stats {
	u64 sections;		/* sections tracked (deferred memory) */
	u64 bg_pages;		/* initialised by background workers (the boot CPU's join too) */
	u64 demand_pages;	/* initialised on demand by an allocation */
	u64 bg_sections, demand_sections;
	u64 join_pages;		/* the boot CPU's share once it joined */
	u64 boot_cpu_grow_ns;	/* the boot CPU's on-demand growth so far */
	u64 left_sections;	/* still PENDING when the work was stopped (a kexec) */
	u64 start_tsc;		/* the workers were started */
	u64 end_tsc;		/* the last section was published (0: stopped first) */
	int workers;		/* CPUs that ran background sections */
	bool stopped;		/* deferred_bg_finish(true) */
};

extern struct deferred_bg_stats deferred_bg;

/**
 * deferred_bg_setup - with memmap_init=background, after deferred_setup():
 * one claim state byte per section of deferred memory (from memblock), and
 * the grow hooks that initialise a section on demand, before and after
 * SMP.  Return: 0, or -ENOMEM.
 */
int deferred_bg_setup(void);

/**
 * deferred_bg_start - after SMP: start a background worker on every AP
 * that is idle; they claim sections, their own node's first, until none
 * is left or deferred_bg_finish() stops them.  Returns at once.
 * Return: the number of workers started.
 */
int deferred_bg_start(void);

/**
 * deferred_bg_finish - end the background work.  @stop false: the boot
 * CPU joins the work, then waits for every worker; every section is then
 * DONE.  @stop true (before a kexec): the workers stop after the section
 * they are on and are waited for; the sections left PENDING stay
 * uninitialised.  On-demand growth stays possible either way.
 * Return: true if every section is DONE.
 */
bool deferred_bg_finish(bool stop);

/**
 * deferred_bg_init_range - make sure every section that holds part of
 * pfns [@start_pfn, @end_pfn) is initialised: claim and run the PENDING
 * ones, wait for the BUSY ones.  What a caller does before it lets pages of
 * the range meet buddy (a KHO restore, which the owner may free); a no-op
 * unless memmap_init=background.
 * Return: true if any section was not DONE yet.
 */
bool deferred_bg_init_range(u64 start_pfn, u64 end_pfn);

/*
 * deferred_pfn_left - true if @pfn is deferred memory of its node that
 * nobody has initialised (its section still PENDING; a section shared with
 * another node may hold that node's early pages too).
 */
bool deferred_pfn_left(u64 pfn);

/* deferred_section_claimed - true if section @nr is deferred memory already claimed (BUSY or DONE). */
bool deferred_section_claimed(u64 nr);

#endif /* MM_DEFERRED_BG_H */
