/*
 * kernel/traps.h - descriptor tables and the CPU exception report.
 */
#ifndef KERNEL_TRAPS_H
#define KERNEL_TRAPS_H

#include <kholab/types.h>

/* Register state saved by kernel/idt.asm, in push order reversed. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code;
	/* pushed by the CPU */
	u64 rip, cs, rflags, rsp, ss;
};

#define KERNEL_CS	0x08
#define KERNEL_DS	0x10
#define KERNEL_TSS	0x18

/*
 * gdt_init - load CPU @cpu's own GDT and TSS on the calling CPU (UEFI's
 * GDT lives in memory we reuse; an AP arrives on the trampoline's).
 * Clears FS and GS selectors: set the GS base (percpu_init) afterwards.
 */
void gdt_init(int cpu);

/*
 * trap_init - build the IDT (32 exception vectors, the idle AP's wake-up
 * IPI and the APIC's spurious vector) and load it on this CPU.
 */
void trap_init(void);

/* trap_load - load the already built IDT on this CPU (APs). */
void trap_load(void);

/* trap_handler - called by idt.asm; reports the exception and exits with failure. */
void trap_handler(struct trap_frame *tf) __attribute__((noreturn));

/**
 * dump_backtrace - print a frame-pointer backtrace with symbol names.
 * @rbp: first frame pointer
 * @rip: address to print first (0 to skip)
 */
void dump_backtrace(u64 rbp, u64 rip);

#endif /* KERNEL_TRAPS_H */
