/*
 * board.h - the Secure image's board support on QEMU mps2-an505 (AN505):
 * UART0 output, semihosting exit, fail-closed panic. Addresses are in
 * docs/tzm.md and the AN505 notes. Freestanding: no C library.
 */
#ifndef AX_TZM_BOARD_H
#define AX_TZM_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* UART0 (CMSDK APB UART). While UART0 is Secure it is reached through its
 * Secure alias; once a Non-secure image owns it, Secure code must use the
 * NS alias (QEMU drops Secure-alias writes to an NS peripheral). */
#define AX_TZM_UART0_S 0x50200000u
#define AX_TZM_UART0_NS 0x40200000u

/* ax_tzm_uart_init - 115200 baud from the 20 MHz clock, TX and RX on, at
 * the given alias; later output goes there. */
void ax_tzm_uart_init(uint32_t base);

/* Output helpers: text, unsigned decimal, 32-bit hex, bytes as hex. */
void ax_tzm_puts(const char *s);
void ax_tzm_putu(uint32_t v);
void ax_tzm_putx(uint32_t v);
void ax_tzm_puthex(const uint8_t *p, size_t n);

/* UART1, the secure output device: its APB PPC port (EXP1 port 6) is
 * never opened to the Non-secure world, so only Secure code reaches it
 * (an NS access is blocked and reads zero). QEMU connects it to its second
 * -serial. ax_tzm_uart1_init: 115200 baud, TX/RX on. ax_tzm_device_write:
 * write len bytes, busy-waiting; returns 0. Module images import it as
 * ax_platform_device_write (module.h ax_device_write). */
#define AX_TZM_UART1_S 0x50201000u
void ax_tzm_uart1_init(void);
int ax_tzm_device_write(const void *data, size_t len);

/* ax_tzm_exit - end the emulation through semihosting SYS_EXIT_EXTENDED:
 * QEMU exits with `status` (0..255). Needs -semihosting-config
 * enable=on,target=native; without it the BKPT faults and the fault handler
 * stops the core. Never returns. */
void ax_tzm_exit(uint32_t status) __attribute__((noreturn));

/* ax_tzm_fatal - broken invariant inside the Secure image: print, exit with
 * status 2 under QEMU, otherwise stop. Never returns. */
void ax_tzm_fatal(int code) __attribute__((noreturn));

#endif /* AX_TZM_BOARD_H */
