/*
 * kernel/smp.h - the other CPUs: bring-up, identity, and running work on them.
 *
 * CPUs are numbered 0..nr_cpus_online()-1 in MADT order, 0 being the boot
 * CPU.  Handing an AP work is a store to its mailbox plus one wake-up IPI;
 * waiting for it is a load.  The only interrupt kholab takes is that IPI:
 * an idle AP halts with interrupts enabled until it arrives, and runs
 * everything else with them off.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <kholab/types.h>

#define MAX_CPUS	64

/* smp_processor_id - this CPU's number. */
int smp_processor_id(void);

/* nr_cpus_online - CPUs running kholab (the boot CPU plus started APs). */
int nr_cpus_online(void);

/* cpu_node - the NUMA node of CPU @cpu. */
int cpu_node(int cpu);

/**
 * smp_call_on_cpu_async - start @fn(@arg) on CPU @cpu, which must be an
 * online AP other than the caller: post it in the CPU's mailbox and, with
 * idle=halt, send the wake-up IPI (idle=poll needs none).
 *
 * Return: 0, -EBUSY if that CPU is still running earlier work, -EINVAL for
 * a CPU that is not online or is the caller.
 */
int smp_call_on_cpu_async(int cpu, void (*fn)(void *), void *arg);

/*
 * smp_wait_cpu - wait until CPU @cpu has finished the work it was given;
 * with idle=halt, send the wake-up IPI again every 100 ms in case one was
 * lost.
 */
void smp_wait_cpu(int cpu);

/* enum idle_mode - what an AP does while its mailbox is empty (idle=). */
enum idle_mode { IDLE_HALT, IDLE_POLL };

/*
 * struct smp_config - what SMP needs from above, set by init/ before
 * smp_init(): @idle is an enum idle_mode (idle=); @hold_first_ipi
 * (selftest=lostipi) makes smp_init() arm smp_hold_next_ipi;
 * @alloc_stack returns @bytes of stack for an AP on @node (NULL: none);
 * @node_of gives the NUMA node of a CPU's APIC id.  The base layer thus
 * needs neither the allocator nor the NUMA tables.
 */
struct smp_config {
	int idle;
	bool hold_first_ipi;
	void *(*alloc_stack)(int node, u64 bytes);
	int (*node_of)(u32 apic_id);
};

extern struct smp_config smp_cfg;

/*
 * selftest=lostipi: smp_init() sets smp_hold_next_ipi, the next
 * smp_call_on_cpu_async() posts its work without the IPI and records the
 * CPU in smp_held_ipi_cpu; smp_ipis_resent counts smp_wait_cpu()'s resends.
 */
extern bool smp_hold_next_ipi;
extern int smp_held_ipi_cpu;
extern u64 smp_ipis_resent;

/**
 * smp_set_trampoline - the page below 1 MiB the APs start in, reserved by
 * the caller (init/, from memblock, before buddy) at @pa; 0 if none.
 * Must run while memblock still hands out memory (before buddy).
 * Return: 0, or -ENOMEM when no page below 1 MiB is free (no SMP then).
 */
int smp_set_trampoline(phys_addr_t pa);

/**
 * smp_init - start every CPU the MADT lists; those that come up are
 * numbered densely (0 = boot CPU) in MADT order.
 * @fail_cpu: MADT index of a CPU not to send IPIs to (-1: none)
 * @timeout_ms: how long to wait for each CPU
 * Return: the number of CPUs online.
 */
int smp_init(int fail_cpu, u64 timeout_ms);

#endif /* KERNEL_SMP_H */
