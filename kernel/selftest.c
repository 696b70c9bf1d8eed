/*
 * kernel/selftest.c - failures on demand (selftest=), so that every way a
 * kholab run can end is exercised by a test: an exception report, a panic,
 * a hang the harness must time out, and a triple fault it must call "no
 * verdict".
 */
#define pr_fmt(fmt) "selftest: " fmt

#include <kernel/params.h>
#include <kernel/printk.h>
#include <kernel/exit.h>
#include <kernel/io.h>
#include <kernel/tsc.h>
#include <kernel/smp.h>
#include <mm/memmap_check.h>
#include <mm/mmzone.h>

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

/**
 * selftest_run - run the selftest chosen with selftest=.  Returns for
 * selftest=none and for checks that passed; the failure modes end the run.
 */
void selftest_run(void)
{
	static struct mm_node_counts counts[MAX_NUMNODES];

	switch (kparams.selftest) {
	case SELFTEST_NONE:
		return;
	case SELFTEST_BUDDY:
		if (buddy_selftest(rdtsc()) || mm_check_accounting(counts, false))
			panic("selftest=buddy: the buddy allocator is inconsistent");
		return;
	case SELFTEST_FAULT:
		selftest_fault();
		break;
	case SELFTEST_APFAULT:
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
