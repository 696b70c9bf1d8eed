/*
 * kernel/serial.c - polled output on the 16550 UART at COM1 (0x3f8).
 *
 * The console of every kholab generation.  No interrupts: each byte waits
 * for the transmit holding register to empty, bounded so that a missing
 * UART cannot hang the kernel.
 */
#include <kernel/serial.h>
#include <kernel/io.h>

#define COM1		COM1_PORT	/* kholab/x86.h */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLL	0	/* divisor low (DLAB=1) */
#define UART_DLM	1	/* divisor high (DLAB=1) */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define LCR_DLAB	0x80
#define LCR_8N1		0x03

/* serial_init - see serial.h. */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07);		/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);		/* DTR, RTS */
}

/* serial_write - see serial.h. */
void serial_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		if (s[i] == '\n')
			com1_putc('\r');
		com1_putc(s[i]);
	}
}
