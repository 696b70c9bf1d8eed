/*
 * kernel/percpu.h - per-CPU data, reached through the GS base.
 *
 * Each CPU's GS base points at its own struct percpu, whose first field
 * points at itself, so this_cpu() is one load from %gs:0.  The mailbox is
 * how other CPUs hand an idle AP work (kernel/smp.c).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <kholab/types.h>
#include <kernel/smp.h>

struct percpu {
	struct percpu *self;		/* %gs:0 */
	int cpu;			/* %gs:8: logical number, 0 = boot CPU */
	u32 apic_id;
	int node;
	volatile int online;		/* set by the CPU itself once running */
	u64 stack_top;
	/* mailbox: the poster writes fn/arg, then bumps work_seq; the CPU
	 * runs fn(arg) and copies work_seq to done_seq */
	void (*volatile work_fn)(void *);
	void *volatile work_arg;
	volatile u32 work_seq;
	volatile u32 done_seq;
	u64 busy_tsc;			/* TSC cycles spent running mailbox work */
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "%gs:0 is self");
_Static_assert(__builtin_offsetof(struct percpu, cpu) == 8, "%gs:8 is the cpu number");

extern struct percpu percpu_area[MAX_CPUS];

/* this_cpu - the calling CPU's struct percpu. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* percpu_init - make @cpu's area the GS base of the calling CPU. */
void percpu_init(int cpu);

#endif /* KERNEL_PERCPU_H */
