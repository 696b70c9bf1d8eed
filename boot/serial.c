/*
 * boot/serial.c - raw COM1 output for after ExitBootServices, when ConOut is
 * gone.  The firmware already programmed the UART; we only poll the line
 * status register before each byte and never touch the baud divisor.
 */
#include "boot/loader.h"
#include "boot/utoa.h"

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THR_EMPTY	0x20
#define SPIN_LIMIT	100000

/* Send one byte, waiting (bounded, in case there is no UART) for room. */
static void serial_putc(char c)
{
	int i;

	for (i = 0; i < SPIN_LIMIT; i++)
		if (port_inb(COM1_LSR) & LSR_THR_EMPTY)
			break;
	port_outb(COM1, (u8)c);
}

/* Send the C string @s, turning "\n" into "\r\n". */
void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* Send @v as "0x" and lower-case hex digits. */
void serial_put_hex(u64 v)
{
	char buf[UTOA_BUF];

	serial_puts("0x");
	serial_puts(utoa(buf, v, 16));
}

/* Send @v in decimal. */
void serial_put_dec(u64 v)
{
	char buf[UTOA_BUF];

	serial_puts(utoa(buf, v, 10));
}
