/*
 * s_test_main.c - the tzm Secure test image (docs/tzm.md): runs on the
 * Cortex-M33 in QEMU mps2-an505, in Secure state, and checks the mbedTLS
 * crypto provider against the standards' vectors and the trusted runtime
 * against its core attacks. Prints "N passed, M failed" on UART0 and exits
 * through semihosting with the number of failures.
 */
#include "board.h"
#include "tzm_check.h"

int ax_tzm_main(void);

int ax_tzm_main(void)
{
	ax_tzm_uart_init(AX_TZM_UART0_S);
	ax_tzm_puts("tzm secure test image: Cortex-M33, Secure state\n");
	tzm_test_crypto();
	tzm_test_runtime();
	return (int)tzm_check_summary();
}
