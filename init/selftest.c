/*
 * init/selftest.c - failures on demand (selftest=), so that every way a
 * kholab run can end is exercised by a test: an exception report, a panic,
 * a hang the harness must time out, and a triple fault it must call "no
 * verdict".
 */
#define pr_fmt(fmt) "selftest: " fmt

#include <init/params.h>
#include <kernel/printk.h>
#include <kernel/exit.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/smp.h>
#include <mm/memmap_check.h>
#include <mm/mmzone.h>
#include <mm/page_alloc.h>
#include <mm/deferred.h>
#include <mm/deferred_bg.h>
#include <mm/deferred_claim.h>
#include <init/mm_boot.h>
#include <mm/memblock.h>
#include <errno.h>
#include <string.h>

/* Far from anything entry.asm maps: a guaranteed not-present page. */
#define UNMAPPED_ADDR	0xffffc90000001000ULL

/* selftest_fault - write to an unmapped kernel address: a #PF with CR2 set. */
__attribute__((noinline)) static void selftest_fault(void)
{
	volatile u64 *p = (volatile u64 *)UNMAPPED_ADDR;

	pr_info("writing to unmapped address 0x%llx\n", UNMAPPED_ADDR);
	*p = 0x6b686f6c6162ULL;
	__asm__ volatile("" ::: "memory");
}

/* selftest_fault_on - mailbox wrapper: selftest_fault() on whichever CPU runs it. */
static void selftest_fault_on(void *unused)
{
	(void)unused;
	selftest_fault();
}

/* selftest_triple - an empty IDT makes the next exception a triple fault. */
__attribute__((noinline)) static void selftest_triple(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	pr_info("loading an empty IDT and raising #BP: expect a triple fault\n");
	__asm__ volatile("lidt %0; int3" :: "m"(empty));
}

/*
 * selftest_grow - before SMP, allocate one section more than buddy had at
 * the hand-over, which only deferred_grow_zone() can supply, then give it
 * all back.  Return: 0, or -ENOMEM / -EINVAL with the reason logged.
 */
static int selftest_grow(void)
{
	struct list_head held;
	u64 target = nr_free_pages() + PAGES_PER_SECTION, got = 0, grown0 = deferred_grown_pages();
	int err = 0;

	if (deferred_cfg.strategy == MEMMAP_EAGER) {
		pr_err("selftest=grow needs memmap_init=deferred or background\n");
		return -EINVAL;
	}
	INIT_LIST_HEAD(&held);
	while (got < target) {
		struct page *p = alloc_pages(MAX_PAGE_ORDER, 0);

		if (!p) {
			pr_err("grow: allocation failed after %llu of %llu pages\n",
			       (unsigned long long)got, (unsigned long long)target);
			err = -ENOMEM;
			break;
		}
		list_add(&p->lru, &held);
		got += MAX_ORDER_NR_PAGES;
	}
	while (!list_empty(&held)) {
		struct page *p = list_first_entry(&held, struct page, lru);

		list_del(&p->lru);
		free_pages(p, MAX_PAGE_ORDER);
	}
	if (!err && deferred_grown_pages() == grown0) {
		pr_err("grow: %llu pages allocated but the zone never grew\n", (unsigned long long)got);
		err = -EINVAL;
	}
	if (!err)
		pr_info("grow: allocated %llu pages, %llu more than the hand-over gave buddy; deferred init grew the zones by %llu pages\n",
			(unsigned long long)got, (unsigned long long)PAGES_PER_SECTION,
			(unsigned long long)(deferred_grown_pages() - grown0));
	return err;
}

/*
 * selftest_earlytouch - before SMP, write one word of a struct page that
 * deferred init owns (free memory in a whole section at or above its
 * node's first_deferred_pfn), as a buggy early path would.  The check that
 * follows must fail the boot.  Return: 0, or -ENOENT if there is none.
 */
static int selftest_earlytouch(void)
{
	phys_addr_t start, end;
	u64 i;
	int nid;

	for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end, &nid) {
		u64 fdp = NODE_DATA(nid)->first_deferred_pfn;
		u64 s = ALIGN_UP(PFN_UP(start) > fdp ? PFN_UP(start) : fdp, PAGES_PER_SECTION);

		if (s + PAGES_PER_SECTION > PFN_DOWN(end))
			continue;
		s += PAGES_PER_SECTION / 2;
		pr_info("earlytouch: writing the struct page of pfn 0x%llx (node %d, first_deferred_pfn 0x%llx) before SMP\n",
			(unsigned long long)s, nid, (unsigned long long)fdp);
		*(volatile u64 *)&pfn_to_page(s)->private = 0x6b686f6c6162ULL;
		return 0;
	}
	return -ENOENT;
}

/* block_initialised - every struct page of the order-@order block at @p was initialised. */
static bool block_initialised(const struct page *p, unsigned int order)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		if (!p[i].init_count || page_has_poison(&p[i]))
			return false;
	return true;
}

/* hold - keep block @p (order @order) on @held, checked and written; false if its struct pages are not initialised. */
static bool hold(struct list_head *held, struct page *p, unsigned int order)
{
	if (!block_initialised(p, order)) {
		pr_err("bgalloc: buddy handed out pfn 0x%llx (order %u) whose struct pages were never initialised\n",
		       (unsigned long long)page_to_pfn(p), order);
		return false;
	}
	memset(page_address(p), 0x5a, PAGE_SIZE);
	p->private = order;	/* ours while we hold it */
	list_add(&p->lru, held);
	return true;
}

/*
 * bgalloc_direct - for each node, one page from the last section of its
 * deferred memory (which the workers, going upwards, reach last):
 * alloc_pages_range() must claim that section itself.  Return: pages got.
 */
static u64 bgalloc_direct(struct list_head *held, int *err)
{
	u64 got = 0;

	for (int nid = 0; nid < nr_online_nodes && !*err; nid++) {
		struct pglist_data *pgdat = NODE_DATA(nid);
		u64 end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
		u64 s = ALIGN_DOWN(end - 1, PAGES_PER_SECTION);
		struct page *p;

		if (pgdat->first_deferred_pfn >= end)
			continue;
		p = alloc_pages_range(0, nid, s > pgdat->first_deferred_pfn ? s : pgdat->first_deferred_pfn, end);
		if (!p)
			continue;	/* that section may hold no free memory */
		if (!hold(held, p, 0))
			*err = -EFAULT;
		got++;
	}
	return got;
}

/*
 * selftest_bgalloc - after boot complete, while memmap_init=background's
 * workers run: take two sections more than the early memory (what
 * memblock_free_all() gave buddy), in max-order blocks, plus one page from
 * the top section of each node's deferred memory; check that every struct
 * page handed out was initialised, write the memory, give it all back.
 * Return: 0, or -EINVAL / -ENOMEM / -EFAULT with the reason logged.
 */
static int selftest_bgalloc(void)
{
	u64 pending = claims_pending(), free0 = nr_free_pages(), grown0 = deferred_grown_pages();
	u64 target = mm_boot.handover_pages + 2 * PAGES_PER_SECTION;
	u64 got, direct;
	struct list_head held;
	int err = 0;

	if (deferred_cfg.strategy != MEMMAP_BACKGROUND) {
		pr_err("selftest=bgalloc needs memmap_init=background\n");
		return -EINVAL;
	}
	INIT_LIST_HEAD(&held);
	got = direct = bgalloc_direct(&held, &err);
	while (!err && got < target) {
		struct page *p = alloc_pages(MAX_PAGE_ORDER, 0);

		if (!p) {
			pr_err("bgalloc: allocation failed after %llu of %llu pages with %llu sections still pending\n",
			       (unsigned long long)got, (unsigned long long)target,
			       (unsigned long long)claims_pending());
			err = -ENOMEM;
			break;
		}
		if (!hold(&held, p, MAX_PAGE_ORDER))
			err = -EFAULT;
		got += MAX_ORDER_NR_PAGES;
	}
	while (!list_empty(&held)) {
		struct page *p = list_first_entry(&held, struct page, lru);

		list_del(&p->lru);
		free_pages(p, (unsigned int)p->private);
	}
	if (!err)
		pr_info("bgalloc: allocated %llu pages (%llu directly from the top deferred section of each node), %llu more than the early memory, with %llu free and %llu of %llu sections pending at the start; on-demand growth added %llu pages\n",
			(unsigned long long)got, (unsigned long long)direct,
			(unsigned long long)(got - mm_boot.handover_pages), (unsigned long long)free0,
			(unsigned long long)pending,
			(unsigned long long)deferred_bg.sections,
			(unsigned long long)(deferred_grown_pages() - grown0));
	return err;
}

/**
 * selftest_run - run the selftest chosen with selftest=, if it belongs to
 * this point of the boot: @early is before SMP (only selftest=grow, which
 * needs deferred memory still pending, and selftest=earlytouch), otherwise
 * the end of boot.  Returns
 * for selftest=none and for checks that passed; the failure modes end the run.
 */
void selftest_run(bool early)
{
	static struct mm_node_counts counts[MAX_NUMNODES];

	if (early != (kparams.selftest == SELFTEST_GROW || kparams.selftest == SELFTEST_EARLYTOUCH))
		return;
	switch (kparams.selftest) {
	case SELFTEST_NONE:
		return;
	case SELFTEST_LOSTIPI:
		mm_settle(false);	/* background: its workers' waits do the resend */
		if (smp_held_ipi_cpu < 0)
			panic("selftest=lostipi: no work went to an AP, so no IPI was held back (needs 2 CPUs and memmap_init=deferred)");
		if (!smp_ipis_resent)
			panic("selftest=lostipi: CPU %d took its work without any IPI (it was not halted), so the resend was not tested",
			      smp_held_ipi_cpu);
		pr_info("lostipi: CPU %d finished the work whose IPI was held back; wake-up IPIs resent: %llu\n",
			smp_held_ipi_cpu, (unsigned long long)smp_ipis_resent);
		return;
	case SELFTEST_GROW:
		if (selftest_grow())
			panic("selftest=grow: buddy did not grow into deferred memory");
		return;
	case SELFTEST_EARLYTOUCH:
		if (selftest_earlytouch())
			panic("selftest=earlytouch: no free section above first_deferred_pfn to write into (needs memmap_init=deferred and more than 256 MiB)");
		return;		/* mm_check_deferred_untouched() must now fail the boot */
	case SELFTEST_BGALLOC:
		if (selftest_bgalloc())
			panic("selftest=bgalloc: allocating during background init failed");
		return;
	case SELFTEST_BUDDY:
		mm_settle(false);	/* background: the stress needs buddy to hold still */
		if (buddy_selftest(rdtsc()))
			panic("selftest=buddy: the buddy allocator is inconsistent: %s (the lines above say more)",
			      buddy_selftest_why);
		if (mm_check_accounting(counts))
			panic("selftest=buddy: the buddy allocator is inconsistent: the page accounting does not hold after the stress (the lines above say more)");
		return;
	case SELFTEST_FAULT:
		selftest_fault();
		break;
	case SELFTEST_APFAULT:
		mm_settle(false);	/* background: CPU 1 must be idle to take the work */
		if (nr_cpus_online() < 2)
			panic("selftest=apfault needs a second CPU online");
		pr_info("page fault on CPU 1\n");
		smp_call_on_cpu_async(1, selftest_fault_on, NULL);
		smp_wait_cpu(1);	/* CPU 1's report ends the run */
		break;
	case SELFTEST_PANIC:
		panic("selftest: value %d, hex 0x%llx, string '%s'", 42,
		      0xdeadbeefcafeULL, "kholab");
	case SELFTEST_HANG:
		pr_info("spinning forever with interrupts off\n");
		for (;;)
			cpu_relax();
	case SELFTEST_TRIPLE:
		selftest_triple();
		break;
	}
	panic("selftest %d returned", kparams.selftest);
}
