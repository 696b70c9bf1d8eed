/*
 * kernel/smp.c - starting the application processors and giving them work.
 *
 * DOC: SMP bring-up
 *
 * The boot CPU starts the others one at a time with the MP start-up
 * sequence: INIT, 10 ms, STARTUP, 200 us, STARTUP again if the CPU has not
 * checked in, 200 us (Intel SDM vol. 3, 9.4.4; the delays are real, taken
 * from the calibrated TSC, never shortened for emulators).  The woken CPU
 * runs kernel/trampoline.asm from a page below 1 MiB, reaches ap_start()
 * in long mode, loads its own GDT/TSS, the IDT, its GS base and APIC, and
 * marks itself online.  A CPU that is not online within smp.timeout_ms is
 * reported and left out; boot goes on.  smp.fail_cpu=N does not send CPU
 * N its IPIs, so that timeout path runs on every test boot that asks.
 *
 * An online AP then waits on its mailbox (struct percpu): work is handed
 * over by memory writes.  With idle=halt (the default) the AP halts while
 * the mailbox is empty and posting work sends it a wake-up IPI, the only
 * interrupt kholab takes; with idle=poll it spins and needs no IPI.
 */
#define pr_fmt(fmt) "smp: " fmt

#include <kernel/smp.h>
#include <kernel/percpu.h>
#include <kernel/apic.h>
#include <kernel/acpi.h>
#include <kernel/traps.h>
#include <kernel/tsc.h>
#include <kernel/io.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <kernel/results.h>
#include <kernel/boot.h>
#include <string.h>
#include <errno.h>
#include "trampoline_inc.h"	/* kernel/trampoline.inc as #defines (kernel.mk) */

#define AP_STACK_BYTES	(16ULL << 10)

/* The parameter block at TR_PARAMS_OFF of the trampoline page. */
struct trampoline_params {
	u16 gdtr_limit;
	u32 gdtr_base;
	u16 pad0;
	u32 pm_off;
	u16 pm_sel;
	u16 pad1;
	u32 lm_off;
	u16 lm_sel;
	u16 pad2;
	u32 cr3;
	u32 pad3;
	u64 stack;
	u64 entry;
	u64 arg;
	volatile u32 checkin;
	u32 pad4;
} __attribute__((packed));

_Static_assert(offsetof(struct trampoline_params, gdtr_limit) == TR_TR_P_GDTR_LIMIT, "TR_P_GDTR_LIMIT");
_Static_assert(offsetof(struct trampoline_params, gdtr_base) == TR_TR_P_GDTR_BASE, "TR_P_GDTR_BASE");
_Static_assert(offsetof(struct trampoline_params, pm_off) == TR_TR_P_PM_PTR, "TR_P_PM_PTR");
_Static_assert(offsetof(struct trampoline_params, lm_off) == TR_TR_P_LM_PTR, "TR_P_LM_PTR");
_Static_assert(offsetof(struct trampoline_params, cr3) == TR_TR_P_CR3, "TR_P_CR3");
_Static_assert(offsetof(struct trampoline_params, stack) == TR_TR_P_STACK, "TR_P_STACK");
_Static_assert(offsetof(struct trampoline_params, entry) == TR_TR_P_ENTRY, "TR_P_ENTRY");
_Static_assert(offsetof(struct trampoline_params, arg) == TR_TR_P_ARG, "TR_P_ARG");
_Static_assert(offsetof(struct trampoline_params, checkin) == TR_TR_P_CHECKIN, "TR_P_CHECKIN");
_Static_assert(sizeof(struct trampoline_params) == TR_TR_P_SIZE, "TR_P_SIZE");
_Static_assert(TR_TR_PARAMS_OFF + TR_TR_P_SIZE <= PAGE_SIZE, "params fit in the page");

extern const u8 trampoline_start[], trampoline_end[];

static phys_addr_t trampoline_pa;	/* the low page, reserved for life */
static int cpus_online = 1;
static u64 smp_timeout_ms = 1000;	/* smp.timeout_ms */

/* nr_cpus_online - see smp.h. */
int nr_cpus_online(void)
{
	return cpus_online;
}

/* cpu_node - see smp.h. */
int cpu_node(int cpu)
{
	return percpu_area[cpu].node;
}

/* udelay - busy-wait @us microseconds on the calibrated TSC. */
static void udelay(u64 us)
{
	u64 start = rdtsc(), cycles = tsc_khz * us / 1000;

	if (!tsc_khz)
		cycles = us * 3000;	/* uncalibrated: assume a fast TSC, err long */
	while (rdtsc() - start < cycles)
		cpu_relax();
}

/* node_of - the node smp_cfg.node_of() gives CPU @apic_id (0 without one). */
static int node_of(u32 apic_id)
{
	return smp_cfg.node_of ? smp_cfg.node_of(apic_id) : 0;
}

/* smp_set_trampoline - see smp.h. */
int smp_set_trampoline(phys_addr_t pa)
{
	trampoline_pa = pa;
	if (!trampoline_pa) {
		pr_err("no free page below 1 MiB for the AP trampoline; running on the boot CPU only\n");
		return -ENOMEM;
	}
	return 0;
}

/*
 * ap_idle - the AP's life after start-up: run whatever the mailbox holds,
 * and wait while it is empty.  With idle=halt (the default) the mailbox is
 * read with interrupts off; "sti; hlt" lets the wake-up IPI in only once
 * hlt has begun, so an IPI sent after the read still ends this halt
 * instead of being lost.  A halted vCPU costs the host nothing.  With
 * idle=poll the AP spins on the mailbox with interrupts off and never
 * needs an IPI (at 4 GiB, 2 vCPUs, deferred init took the same time both
 * ways), but each idle vCPU burns a host core.
 */
static __attribute__((noreturn)) void ap_idle(struct percpu *me)
{
	bool poll = smp_cfg.idle == IDLE_POLL;

	for (;;) {
		u32 seq = __atomic_load_n(&me->work_seq, __ATOMIC_ACQUIRE);

		if (seq == me->done_seq) {
			if (poll)
				cpu_relax();
			else
				__asm__ volatile("sti; hlt; cli" ::: "memory");
			continue;
		}
		u64 t0 = rdtsc();

		me->work_fn(me->work_arg);
		me->busy_tsc += rdtsc() - t0;
		__atomic_store_n(&me->done_seq, seq, __ATOMIC_RELEASE);
	}
}

/* ap_start - C entry of an AP, called by the trampoline on its own stack. */
__attribute__((noreturn)) void ap_start(u64 cpu);
__attribute__((noreturn)) void ap_start(u64 cpu)
{
	struct percpu *me = &percpu_area[cpu];

	gdt_init((int)cpu);		/* leave the trampoline's GDT */
	percpu_init((int)cpu);
	trap_load();			/* exceptions reported like on CPU 0 */
	apic_init(false);
	__atomic_store_n(&me->online, 1, __ATOMIC_RELEASE);
	ap_idle(me);
}

/* start_one - wake CPU @cpu; true once it is online. */
static bool start_one(int cpu, bool skip_ipis)
{
	struct percpu *p = &percpu_area[cpu];
	struct trampoline_params *tp;
	u8 *page = __va(trampoline_pa);
	void *stack;
	u64 deadline;

	stack = smp_cfg.alloc_stack ? smp_cfg.alloc_stack(p->node, AP_STACK_BYTES) : NULL;
	if (!stack) {
		pr_err("no memory for CPU %d's stack; leaving it out\n", cpu);
		return false;
	}
	p->stack_top = (u64)(uintptr_t)stack + AP_STACK_BYTES;

	memset(page, 0xcc, PAGE_SIZE);	/* int3: a stray AP faults, never runs junk */
	memcpy(page, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	tp = (struct trampoline_params *)(page + TR_TR_PARAMS_OFF);
	memset(tp, 0, sizeof(*tp));
	tp->cr3 = (u32)read_cr3();
	tp->stack = p->stack_top;
	tp->entry = (u64)(uintptr_t)ap_start;
	tp->arg = (u64)cpu;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!skip_ipis) {
		apic_send_init(p->apic_id);
		udelay(10000);
		apic_send_sipi(p->apic_id, (u8)(trampoline_pa >> PAGE_SHIFT));
		udelay(200);
		if (tp->checkin != TR_TR_CHECKIN_MAGIC) {
			apic_send_sipi(p->apic_id, (u8)(trampoline_pa >> PAGE_SHIFT));
			udelay(200);
		}
	}
	deadline = rdtsc() + tsc_khz * smp_timeout_ms;
	while (!__atomic_load_n(&p->online, __ATOMIC_ACQUIRE)) {
		if (rdtsc() > deadline) {
			pr_err("CPU %d (APIC id %u) did not come up within %llu ms%s; continuing without it\n",
			       cpu, p->apic_id, (unsigned long long)smp_timeout_ms,
			       skip_ipis ? " (smp.fail_cpu: no IPIs sent)" : "");
			/*
			 * A late AP could still be on its way: INIT puts it back
			 * to wait-for-SIPI before its per-CPU slot and the
			 * trampoline page are reused; its stack is left alone.
			 */
			apic_send_init(p->apic_id);
			udelay(10000);
			return false;
		}
		cpu_relax();
	}
	return true;
}

/* emit_smp_event - the "smp" results line: who came up. */
static void emit_smp_event(int listed, int failed, u64 ns)
{
	struct json_line j;

	json_begin(&j, "smp");
	json_u64(&j, "gen", kholab_generation);
	json_u64(&j, "cpus_listed", (u64)listed);
	json_u64(&j, "cpus_online", (u64)cpus_online);
	json_u64(&j, "cpus_failed", (u64)failed);
	json_str(&j, "apic", apic_is_x2apic() ? "x2apic" : "xapic");
	json_array_begin(&j, "apic_ids");
	for (int cpu = 0; cpu < cpus_online; cpu++)
		json_u64(&j, NULL, percpu_area[cpu].apic_id);
	json_array_end(&j);
	json_u64(&j, "bringup_ns", ns);
	json_str(&j, "idle", smp_cfg.idle == IDLE_POLL ? "poll" : "halt");
	json_end(&j);
}

/**
 * smp_init - start every CPU the MADT lists.  CPUs that come up are
 * renumbered densely (0 = boot CPU) in MADT order.
 * @fail_cpu: MADT index of a CPU not to send IPIs to (-1: none)
 * @timeout_ms: how long to wait for each CPU
 *
 * Return: the number of CPUs online.
 */
int smp_init(int fail_cpu, u64 timeout_ms)
{
	u32 ids[MAX_CPUS], self = apic_id();
	int n = acpi_cpu_apic_ids(ids, MAX_CPUS), failed = 0;
	u64 t0 = rdtsc();

	smp_timeout_ms = timeout_ms;
	percpu_area[0].apic_id = self;
	percpu_area[0].node = node_of(self);
	percpu_area[0].online = 1;
	if (!trampoline_pa || n <= 1) {
		emit_smp_event(n ? n : 1, 0, 0);
		return cpus_online;
	}
	if (read_cr3() >= 1ULL << 32) {
		pr_err("kernel page tables above 4 GiB; APs cannot load them in 32-bit mode\n");
		return cpus_online;
	}
	for (int i = 0; i < n; i++) {
		int cpu = cpus_online;
		struct percpu *p = &percpu_area[cpu];

		if (ids[i] == self)
			continue;
		p->cpu = cpu;
		p->apic_id = ids[i];
		p->node = node_of(ids[i]);
		p->online = 0;
		if (start_one(cpu, i == fail_cpu))
			cpus_online++;
		else
			failed++;
	}
	pr_info("%d of %d CPUs online in %llu ms (%s)%s\n", cpus_online, n,
		(unsigned long long)(tsc_to_ns(rdtsc() - t0) / 1000000),
		apic_is_x2apic() ? "x2APIC" : "xAPIC", failed ? ", some left out" : "");
	emit_smp_event(n, failed, tsc_to_ns(rdtsc() - t0));
	smp_hold_next_ipi = smp_cfg.hold_first_ipi;
	return cpus_online;
}

struct smp_config smp_cfg = { .idle = IDLE_HALT };
bool smp_hold_next_ipi;
int smp_held_ipi_cpu = -1;
u64 smp_ipis_resent;

/* smp_call_on_cpu_async - see smp.h. */
int smp_call_on_cpu_async(int cpu, void (*fn)(void *), void *arg)
{
	struct percpu *p;

	if (cpu <= 0 || cpu >= cpus_online || cpu == smp_processor_id())
		return -EINVAL;
	p = &percpu_area[cpu];
	if (p->work_seq != __atomic_load_n(&p->done_seq, __ATOMIC_ACQUIRE))
		return -EBUSY;
	p->work_fn = fn;
	p->work_arg = arg;
	__atomic_store_n(&p->work_seq, p->work_seq + 1, __ATOMIC_RELEASE);
	if (smp_hold_next_ipi) {	/* selftest=lostipi: as if the IPI was lost */
		smp_hold_next_ipi = false;
		smp_held_ipi_cpu = cpu;
		pr_info("selftest=lostipi: not sending CPU %d its wake-up IPI\n", cpu);
		return 0;
	}
	if (smp_cfg.idle == IDLE_POLL)	/* it is spinning on the mailbox */
		return 0;
	/* A failed send is retried by smp_wait_cpu(); the work stays posted. */
	if (apic_send_ipi(p->apic_id, IPI_WAKE_VECTOR))
		pr_warn("wake-up IPI to CPU %d not delivered; waiting will send it again\n", cpu);
	return 0;
}

/* smp_wait_cpu - see smp.h. */
void smp_wait_cpu(int cpu)
{
	struct percpu *p = &percpu_area[cpu];
	u64 rekick = tsc_khz ? tsc_khz * 100 : 300000000ULL, next = rdtsc() + rekick;

	while (__atomic_load_n(&p->done_seq, __ATOMIC_ACQUIRE) != p->work_seq) {
		if (smp_cfg.idle == IDLE_HALT && rdtsc() > next) {
			/* Harmless if it is awake: it finds no new work and halts. */
			apic_send_ipi(p->apic_id, IPI_WAKE_VECTOR);
			smp_ipis_resent++;
			next = rdtsc() + rekick;
		}
		cpu_relax();
	}
}
