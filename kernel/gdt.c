/*
 * kernel/gdt.c - the kernel's GDT and TSS.
 *
 * UEFI's GDT lives in boot-services memory that becomes ordinary RAM, so
 * the kernel loads its own first thing: a null descriptor, 64-bit kernel
 * code and data, and a TSS whose IST stacks catch a double fault or NMI on
 * a known-good stack (a kernel stack overflow still gets reported).
 */
#include <kernel/traps.h>
#include <kernel/layout.h>
#include <kernel/smp.h>

#define IST_STACK_SIZE	8192

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "x86-64 TSS layout");

/* One GDT, TSS and pair of IST stacks per CPU. */
static struct tss tss[MAX_CPUS];
static u8 ist_stacks[MAX_CPUS][2][IST_STACK_SIZE] __attribute__((aligned(16)));
static u64 gdt[MAX_CPUS][5];

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* gdt_init - see traps.h.  The selectors match KERNEL_CS/KERNEL_DS/KERNEL_TSS. */
void gdt_init(int cpu)
{
	struct tss *t = &tss[cpu];
	u64 *g = gdt[cpu];
	u64 base = (u64)(uintptr_t)t;
	u64 limit = sizeof(*t) - 1;
	struct desc_ptr p;

	t->ist[0] = (u64)(uintptr_t)(ist_stacks[cpu][0] + IST_STACK_SIZE);	/* IST1: #DF */
	t->ist[1] = (u64)(uintptr_t)(ist_stacks[cpu][1] + IST_STACK_SIZE);	/* IST2: NMI */
	t->iomap_base = sizeof(*t);

	g[0] = 0;
	g[1] = 0x00af9a000000ffffULL;		/* code: present, DPL0, L=1 */
	g[2] = 0x00cf92000000ffffULL;		/* data: present, DPL0, writable */
	g[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
	       (0x89ULL << 40) |		/* present, 64-bit available TSS */
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[4] = base >> 32;

	p.limit = sizeof(gdt[cpu]) - 1;
	p.base = (u64)(uintptr_t)g;
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		"ltr %w3"
		:: "m"(p), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(KERNEL_TSS)
		: "rax", "memory");
}
