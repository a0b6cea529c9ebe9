/* board.c - UART0, semihosting exit, panic; see board.h. */
#include "board.h"

#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_BAUDDIV 0x10u
#define UART_STATE_TXFULL 0x1u
#define UART_CTRL_TXRX 0x3u
#define UART_BAUDDIV_115200 173u /* 20 MHz / 115200 */

#define SEMI_SYS_EXIT_EXTENDED 0x20u
#define SEMI_ADP_APPLICATION_EXIT 0x20026u

static uint32_t uart_base;

static volatile uint32_t *reg(uint32_t base, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(base + off);
}

void ax_tzm_uart_init(uint32_t base)
{
	uart_base = base;
	*reg(base, UART_BAUDDIV) = UART_BAUDDIV_115200;
	*reg(base, UART_CTRL) = UART_CTRL_TXRX;
}

static void putc_raw(char c)
{
	if (uart_base == 0)
		return;
	while (*reg(uart_base, UART_STATE) & UART_STATE_TXFULL)
		;
	*reg(uart_base, UART_DATA) = (uint8_t)c;
}

void ax_tzm_puts(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			putc_raw('\r');
		putc_raw(*s);
	}
}

void ax_tzm_putu(uint32_t v)
{
	char b[11];
	size_t i = sizeof(b) - 1;

	b[i] = '\0';
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ax_tzm_puts(&b[i]);
}

void ax_tzm_puthex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		putc_raw(digits[p[i] >> 4]);
		putc_raw(digits[p[i] & 15]);
	}
}

void ax_tzm_putx(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	ax_tzm_puts("0x");
	ax_tzm_puthex(b, 4);
}

void ax_tzm_exit(uint32_t status)
{
	/* Parameter block: reason, subcode (the exit status). */
	volatile uint32_t blk[2] = { SEMI_ADP_APPLICATION_EXIT, status };
	register uint32_t r0 __asm__("r0") = SEMI_SYS_EXIT_EXTENDED;
	register volatile uint32_t *r1 __asm__("r1") = blk;

	__asm__ __volatile__("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	for (;;)
		__asm__ __volatile__("wfi");
}

void ax_tzm_fatal(int code)
{
	ax_tzm_puts("tzm: FATAL ");
	ax_tzm_putu((uint32_t)code);
	ax_tzm_puts("\n");
	ax_tzm_exit(2);
}

void ax_tzm_uart1_init(void)
{
	*reg(AX_TZM_UART1_S, UART_BAUDDIV) = UART_BAUDDIV_115200;
	*reg(AX_TZM_UART1_S, UART_CTRL) = UART_CTRL_TXRX;
}

int ax_tzm_device_write(const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		while (*reg(AX_TZM_UART1_S, UART_STATE) & UART_STATE_TXFULL)
			;
		*reg(AX_TZM_UART1_S, UART_DATA) = p[i];
	}
	return 0;
}
