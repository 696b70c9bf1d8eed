/*
 * kernel/apic.h - the local APIC: x2APIC when the CPU has it, else xAPIC.
 */
#ifndef KERNEL_APIC_H
#define KERNEL_APIC_H

#include <kholab/types.h>

/**
 * apic_init - enable this CPU's local APIC in the mode the boot CPU chose
 * (x2APIC if CPUID says so, else xAPIC through its MMIO page).
 * @bsp: true on the boot CPU, which makes the choice and logs it
 */
void apic_init(bool bsp);

/* apic_id - this CPU's APIC id. */
u32 apic_id(void);

/* apic_is_x2apic - true if the APICs run in x2APIC mode. */
bool apic_is_x2apic(void);

/**
 * apic_send_init / apic_send_sipi - the INIT and STARTUP IPIs of the MP
 * start-up sequence to the CPU with APIC id @dest.  @page is the 4 KiB
 * page number (below 1 MiB) where the woken CPU starts in real mode.
 *
 * Return: 0, or -ETIMEDOUT if an xAPIC never reported the IPI delivered.
 */
int apic_send_init(u32 dest);
int apic_send_sipi(u32 dest, u8 page);

/* The vector of the wake-up IPI an idle AP halts for (kernel/smp.c). */
#define IPI_WAKE_VECTOR		0xf0
/* Where the APIC sends a spurious interrupt (its SVR); ignored. */
#define APIC_SPURIOUS_VECTOR	0xff

/**
 * apic_send_ipi - a fixed-delivery IPI with @vector to APIC id @dest.
 *
 * Return: 0, or -ETIMEDOUT if an xAPIC never reported the IPI delivered.
 */
int apic_send_ipi(u32 dest, u8 vector);

/* apic_eoi - end of interrupt for the one this CPU is handling. */
void apic_eoi(void);

#endif /* KERNEL_APIC_H */
