/*
 * boot/serial.c - raw COM1 output for after ExitBootServices, when ConOut is
 * gone.  The firmware already programmed the UART; com1_putc() (kholab/x86.h)
 * only polls the line status register before each byte.
 */
#include "boot/loader.h"
#include "boot/utoa.h"

/* Send the C string @s, turning "\n" into "\r\n". */
void serial_puts(const char *s)
{
	com1_puts(s);
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
