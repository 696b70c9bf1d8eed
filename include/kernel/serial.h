/*
 * kernel/serial.h - the 16550 UART on COM1, polled.
 */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

/* serial_init - program COM1 for 115200 8N1, FIFOs on, interrupts off. */
void serial_init(void);

/* serial_write - send @len bytes, turning "\n" into "\r\n". */
void serial_write(const char *s, unsigned long len);

#endif /* KERNEL_SERIAL_H */
