/*
 * host_board.c - board.h for a hosted run of the tzm test code: the same
 * tests/tzm/s_test_*.c, provider and mbedTLS files as the Secure test
 * image, compiled for the build machine with sanitizers
 * (tests/check_tzm_qemu.sh, step 6). Output to stdout, exit() for the
 * semihosting exit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "board.h"

int ax_tzm_main(void);

void ax_tzm_uart_init(uint32_t base)
{
	(void)base;
}

void ax_tzm_puts(const char *s)
{
	fputs(s, stdout);
}

void ax_tzm_putu(uint32_t v)
{
	printf("%lu", (unsigned long)v);
}

void ax_tzm_putx(uint32_t v)
{
	printf("0x%08lx", (unsigned long)v);
}

void ax_tzm_puthex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

void ax_tzm_exit(uint32_t status)
{
	fflush(stdout);
	exit((int)status);
}

void ax_tzm_fatal(int code)
{
	printf("tzm: FATAL %d\n", code);
	ax_tzm_exit(2);
}

int main(void)
{
	ax_tzm_exit((uint32_t)ax_tzm_main());
}
