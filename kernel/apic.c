/*
 * kernel/apic.c - just enough local APIC to start the other CPUs.
 *
 * In x2APIC mode the registers are MSRs (0x800 + register / 16) and the
 * interrupt command register is one 64-bit MSR write with the destination
 * in the high half.  In xAPIC mode they are 32-bit MMIO registers at the
 * address in IA32_APIC_BASE (reached through the direct map), the
 * destination goes in ICR high (bits 24-31) and ICR low triggers the send;
 * the delivery-status bit says when the APIC has sent it.
 *
 * Besides INIT and STARTUP, kholab sends one ordinary (fixed) IPI: the
 * wake-up call that gets a halted idle AP to look at its mailbox
 * (kernel/smp.c).  Its handler only signals end of interrupt.
 */
#define pr_fmt(fmt) "apic: " fmt

#include <kernel/apic.h>
#include <kernel/io.h>
#include <kernel/layout.h>
#include <kernel/printk.h>
#include <errno.h>

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1ULL << 11)
#define APIC_BASE_X2APIC	(1ULL << 10)
#define APIC_BASE_ADDR_MASK	0x000ffffffffff000ULL

#define APIC_ID			0x20
#define APIC_SVR		0xf0
#define APIC_EOI		0xb0
#define APIC_ESR		0x280
#define APIC_ICR_LOW		0x300
#define APIC_ICR_HIGH		0x310
#define SVR_ENABLE		(1u << 8)

#define ICR_FIXED		(0u << 8)
#define ICR_INIT		(5u << 8)
#define ICR_STARTUP		(6u << 8)
#define ICR_LEVEL_ASSERT	(1u << 14)
#define ICR_DELIVERY_PENDING	(1u << 12)

static bool x2apic;
static volatile u32 *xapic_mmio;

/* apic_read / apic_write - register @reg (xAPIC offset) in either mode. */
static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return xapic_mmio[reg / 4];
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic_mmio[reg / 4] = v;
}

/* apic_init - see apic.h. */
void apic_init(bool bsp)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	if (bsp) {
		u32 a, b, c, d;

		cpuid(1, 0, &a, &b, &c, &d);
		x2apic = c & (1u << 21);
		xapic_mmio = __va(base & APIC_BASE_ADDR_MASK);
	}
	base |= APIC_BASE_ENABLE;
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(APIC_SVR, SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	if (bsp)
		pr_info("local APIC in %s mode, boot CPU APIC id %u\n",
			x2apic ? "x2APIC" : "xAPIC", apic_id());
}

/* apic_id - see apic.h. */
u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return x2apic ? id : id >> 24;
}

/* apic_is_x2apic - see apic.h. */
bool apic_is_x2apic(void)
{
	return x2apic;
}

/* apic_icr - send one IPI: @low to APIC id @dest. */
static int apic_icr(u32 dest, u32 low)
{
	if (x2apic) {
		wrmsr(0x830, (u64)dest << 32 | low);
		return 0;
	}
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR_LOW, low);
	for (int i = 0; i < 1000000; i++) {
		if (!(apic_read(APIC_ICR_LOW) & ICR_DELIVERY_PENDING))
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

/* apic_send_init - see apic.h. */
int apic_send_init(u32 dest)
{
	return apic_icr(dest, ICR_INIT | ICR_LEVEL_ASSERT);
}

/* apic_send_sipi - see apic.h. */
int apic_send_sipi(u32 dest, u8 page)
{
	return apic_icr(dest, ICR_STARTUP | page);
}

/* apic_send_ipi - see apic.h. */
int apic_send_ipi(u32 dest, u8 vector)
{
	return apic_icr(dest, ICR_FIXED | vector);
}

/* apic_eoi - see apic.h; called by the wake-up stub in kernel/idt.asm. */
void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}
