/*
 * boot/port.c - x86 port I/O for the serial line and QEMU's isa-debug-exit.
 */
#include "boot/loader.h"

/* Write the 32-bit @val to I/O port @port. */
void port_outl(u16 port, u32 val)
{
	__asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

/* Write the byte @val to I/O port @port. */
void port_outb(u16 port, u8 val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

/* Read a byte from I/O port @port. */
u8 port_inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
