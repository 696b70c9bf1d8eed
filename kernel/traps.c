/*
 * kernel/traps.c - the IDT and the CPU exception report.
 *
 * kholab takes no interrupts of its own; every one of the 32 exception
 * vectors is a bug, so the handler prints everything needed to find it
 * (vector name, error code, RIP with symbol, CR2, all registers, a
 * frame-pointer backtrace with symbol names) and exits with a failure
 * verdict.  It never returns and never hangs.  A fault while reporting goes
 * straight to the exit path.
 */
#define pr_fmt(fmt) "traps: " fmt

#include <kernel/traps.h>
#include <kernel/printk.h>
#include <kernel/io.h>
#include <kernel/exit.h>
#include <kernel/symbols.h>
#include <kernel/layout.h>
#include <kernel/smp.h>
#include <kernel/apic.h>
#include <stdio.h>

/* Offsets that kernel/idt.asm hard-codes (TF_*). */
_Static_assert(offsetof(struct trap_frame, r15) == 0, "TF_R15");
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "TF_RAX");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "TF_VECTOR");
_Static_assert(offsetof(struct trap_frame, error_code) == 16 * 8, "TF_ERROR");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "TF_RIP");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "TF_SIZE");

struct idt_entry {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 zero;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_entry) == 16, "x86-64 gate descriptor");

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern const u64 exception_stubs[32];
extern char wake_stub[], spurious_stub[];

static const struct {
	const char *mnemonic;
	const char *what;
} vector_names[32] = {
	{ "#DE", "divide error" }, { "#DB", "debug" }, { "NMI", "non-maskable interrupt" },
	{ "#BP", "breakpoint" }, { "#OF", "overflow" }, { "#BR", "bound range" },
	{ "#UD", "invalid opcode" }, { "#NM", "device not available" },
	{ "#DF", "double fault" }, { "#MF9", "coprocessor segment overrun" },
	{ "#TS", "invalid TSS" }, { "#NP", "segment not present" },
	{ "#SS", "stack fault" }, { "#GP", "general protection" },
	{ "#PF", "page fault" }, { "#15", "reserved" }, { "#MF", "x87 floating point" },
	{ "#AC", "alignment check" }, { "#MC", "machine check" },
	{ "#XM", "SIMD floating point" }, { "#VE", "virtualization" },
	{ "#CP", "control protection" }, { "#22", "reserved" }, { "#23", "reserved" },
	{ "#24", "reserved" }, { "#25", "reserved" }, { "#26", "reserved" },
	{ "#27", "reserved" }, { "#HV", "hypervisor injection" },
	{ "#VC", "VMM communication" }, { "#SX", "security" }, { "#31", "reserved" },
};

/* set_gate - point IDT vector @v at @handler, using IST stack @ist (0 = none). */
static void set_gate(int v, u64 handler, u8 ist)
{
	idt[v].offset_lo = handler & 0xffff;
	idt[v].selector = KERNEL_CS;
	idt[v].ist = ist;
	idt[v].type_attr = 0x8e;		/* present, DPL0, interrupt gate */
	idt[v].offset_mid = (handler >> 16) & 0xffff;
	idt[v].offset_hi = handler >> 32;
	idt[v].zero = 0;
}

/* trap_load - see traps.h. */
void trap_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) p;

	p.limit = sizeof(idt) - 1;
	p.base = (u64)(uintptr_t)idt;
	__asm__ volatile("lidt %0" :: "m"(p));
}

/* trap_init - see traps.h. */
void trap_init(void)
{
	for (int v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v], v == 8 ? 1 : v == 2 ? 2 : 0);
	set_gate(IPI_WAKE_VECTOR, (u64)(uintptr_t)wake_stub, 0);
	set_gate(APIC_SPURIOUS_VECTOR, (u64)(uintptr_t)spurious_stub, 0);
	trap_load();
}

/* frame_ok - true if @rbp can be a kernel frame pointer worth following. */
static bool frame_ok(u64 rbp)
{
	if (rbp & 7)
		return false;
	/* kernel image (boot stack and static data) or the direct map */
	if (rbp >= (u64)(uintptr_t)_kernel_start && rbp < (u64)(uintptr_t)_kernel_end - 16)
		return true;
	return rbp >= PAGE_OFFSET && rbp < PAGE_OFFSET + ((u64)DIRECT_MAP_MAX_GIB << 30);
}

/* print_addr - one backtrace line: address and symbol+offset/size. */
static void print_addr(u64 addr)
{
	char sym[128];

	symbol_format(addr, sym, sizeof(sym));
	printk(KERN_EMERG " [<%016llx>] %s\n", (unsigned long long)addr, sym);
}

/* dump_backtrace - see traps.h.  Follows at most 32 frames. */
void dump_backtrace(u64 rbp, u64 rip)
{
	printk(KERN_EMERG "Call trace:\n");
	if (rip)
		print_addr(rip);
	for (int depth = 0; depth < 32 && frame_ok(rbp); depth++) {
		u64 *frame = (u64 *)(uintptr_t)rbp;
		u64 ret = frame[1];

		if (ret == 0)
			break;
		print_addr(ret);
		if (frame[0] <= rbp)	/* stacks grow down; callers live above */
			break;
		rbp = frame[0];
	}
}

static int trap_owner = -1;	/* the CPU reporting an exception, -1 if none */

/* trap_handler - see traps.h. */
void trap_handler(struct trap_frame *tf)
{
	char sym[128];
	u64 v = tf->vector;

	int me = smp_processor_id(), owner = -1;

	if (!__atomic_compare_exchange_n(&trap_owner, &owner, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		if (owner == me) {	/* faulted while reporting: stop now */
			printk(KERN_EMERG "traps: CPU %d: exception %llu while reporting one; exiting\n",
			       me, (unsigned long long)v);
			kernel_exit(false, "nested exception");
		}
		halt_forever();		/* CPU @owner is reporting and will end the run */
	}

	symbol_format(tf->rip, sym, sizeof(sym));
	pr_emerg("CPU %d: exception %llu (%s) %s, error code 0x%llx\n", me,
		 (unsigned long long)v,
		 vector_names[v & 31].mnemonic, vector_names[v & 31].what,
		 (unsigned long long)tf->error_code);
	pr_emerg("RIP: %04llx:%016llx %s\n", (unsigned long long)tf->cs,
		 (unsigned long long)tf->rip, sym);
	pr_emerg("RSP: %04llx:%016llx RFLAGS: %016llx\n", (unsigned long long)tf->ss,
		 (unsigned long long)tf->rsp, (unsigned long long)tf->rflags);
	pr_emerg("CR2: %016llx CR3: %016llx\n", (unsigned long long)read_cr2(),
		 (unsigned long long)read_cr3());
	pr_emerg("RAX: %016llx RBX: %016llx RCX: %016llx\n", (unsigned long long)tf->rax,
		 (unsigned long long)tf->rbx, (unsigned long long)tf->rcx);
	pr_emerg("RDX: %016llx RSI: %016llx RDI: %016llx\n", (unsigned long long)tf->rdx,
		 (unsigned long long)tf->rsi, (unsigned long long)tf->rdi);
	pr_emerg("RBP: %016llx R08: %016llx R09: %016llx\n", (unsigned long long)tf->rbp,
		 (unsigned long long)tf->r8, (unsigned long long)tf->r9);
	pr_emerg("R10: %016llx R11: %016llx R12: %016llx\n", (unsigned long long)tf->r10,
		 (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	pr_emerg("R13: %016llx R14: %016llx R15: %016llx\n", (unsigned long long)tf->r13,
		 (unsigned long long)tf->r14, (unsigned long long)tf->r15);
	dump_backtrace(tf->rbp, tf->rip);

	char reason[96];
	snprintf(reason, sizeof(reason), "exception %llu (%s) at %s", (unsigned long long)v,
		 vector_names[v & 31].mnemonic, sym);
	kernel_exit(false, reason);
}
