/*
 * drivers/uart16550.h - polled driver for the hypervisor's own 16550 UART
 * (port-mapped; National Semiconductor PC16550D data sheet).  The guest's
 * 8250 driver owns COM1; the hypervisor takes another port (COM2 by
 * default) and hides it from the guest through the I/O permission map.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <stdint.h>
#include "base/types.h"

/* Program 115200 8N1, FIFOs on, interrupts off.  Host only, any time. */
void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);
/* Returns the next received byte, or -ENG_EAGAIN when none is waiting. */
int uart_getc_nonblock(uint16_t base);

#endif /* DRIVERS_UART16550_H */
