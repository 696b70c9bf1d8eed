/*
 * kernel/percpu.c - the per-CPU areas and the GS base that finds them.
 */
#include <kernel/percpu.h>
#include <kernel/io.h>

struct percpu percpu_area[MAX_CPUS];

/* percpu_init - see percpu.h.  Must run before anything calls this_cpu(). */
void percpu_init(int cpu)
{
	struct percpu *p = &percpu_area[cpu];

	p->self = p;
	p->cpu = cpu;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
}

/* smp_processor_id - see smp.h. */
int smp_processor_id(void)
{
	int cpu;

	__asm__ volatile("movl %%gs:8, %0" : "=r"(cpu));
	return cpu;
}
