/*
 * drivers/uart16550.c - polled 16550 UART (PC16550D data sheet, register
 * set: RBR/THR 0, IER 1, FCR 2, LCR 3, MCR 4, LSR 5; DLL/DLM with DLAB).
 */
#include "drivers/uart16550.h"
#include "arch/x86/cpu.h"

#define UART_THR	0
#define UART_RBR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LCR_DLAB	0x80
#define LCR_8N1		0x03

void uart_init(uint16_t base)
{
	outb((uint16_t)(base + UART_IER), 0);
	outb((uint16_t)(base + UART_LCR), LCR_DLAB);
	outb((uint16_t)(base + 0), 1);	/* divisor 1: 115200 baud */
	outb((uint16_t)(base + 1), 0);
	outb((uint16_t)(base + UART_LCR), LCR_8N1);
	outb((uint16_t)(base + UART_FCR), 0x07);	/* enable + clear FIFOs */
	outb((uint16_t)(base + UART_MCR), 0x03);	/* DTR, RTS */
}

void uart_putc(uint16_t base, char c)
{
	unsigned spins = 100000;

	/* Bounded wait: a missing UART must not hang the hypervisor. */
	while (!(inb((uint16_t)(base + UART_LSR)) & LSR_THRE) && --spins)
		;
	outb((uint16_t)(base + UART_THR), (uint8_t)c);
}

int uart_getc_nonblock(uint16_t base)
{
	uint8_t lsr = inb((uint16_t)(base + UART_LSR));

	if (lsr == 0xff || !(lsr & LSR_DR))
		return -ENG_EAGAIN;
	return inb((uint16_t)(base + UART_RBR));
}
