/*
 * kholab/x86.h - the few x86 instructions the loader, the boot adapters and
 * the kernel all need, in one place: port I/O, the TSC, and polled output
 * to the first serial port (COM1), which is how every stage logs before
 * (and besides) anything fancier.
 */
#ifndef KHOLAB_X86_H
#define KHOLAB_X86_H

#include <kholab/types.h>

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* rdtsc - the time-stamp counter. */
static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define COM1_PORT		0x3f8
#define COM1_LSR		(COM1_PORT + 5)	/* line status register */
#define COM1_LSR_THR_EMPTY	0x20		/* the transmitter takes a byte */

/*
 * com1_putc - write @c to COM1, waiting a bounded time (100000 status
 * reads) for the transmitter, so that a missing UART never hangs the
 * caller: the byte is then written anyway and lost.
 */
static inline void com1_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1_LSR) & COM1_LSR_THR_EMPTY); i++)
		;
	outb(COM1_PORT, (u8)c);
}

/* com1_puts - write the C string @s to COM1, each "\n" as "\r\n". */
static inline void com1_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			com1_putc('\r');
		com1_putc(*s);
	}
}

#endif /* KHOLAB_X86_H */
