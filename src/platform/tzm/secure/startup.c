/*
 * startup.c - reset and fault entry of the tzm Secure image.
 *
 * The core resets in Secure state with VTOR_S = INITSVTOR = 0x10000000,
 * where secure.ld puts the table below. Reset copies .data, clears .bss,
 * seals the Secure stack with MSPLIM, enables the configurable faults
 * (so a fault is reported as itself rather than escalating to HardFault)
 * and calls the image's ax_tzm_main. Every fault is fatal here: it prints
 * the fault status registers and stops with semihosting status 3.
 */
#include <stdint.h>

#include "board.h"

/* The image's main program (a test image, or the node firmware). */
int ax_tzm_main(void);
void ax_tzm_reset(void) __attribute__((noreturn));
void ax_tzm_fault(void) __attribute__((noreturn));

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[], __stack_limit[];

#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)
#define SAU_SFSR (*(volatile uint32_t *)0xE000EDE4u)
#define SHCSR_FAULTS_ENA (0xFu << 16) /* Mem, Bus, Usage, Secure */

__attribute__((section(".vectors"), used))
static const void *const vectors[16] = {
	__stack_top,   /* initial MSP_S */
	ax_tzm_reset,  /* Reset */
	ax_tzm_fault,  /* NMI */
	ax_tzm_fault,  /* HardFault */
	ax_tzm_fault,  /* MemManage */
	ax_tzm_fault,  /* BusFault */
	ax_tzm_fault,  /* UsageFault */
	ax_tzm_fault,  /* SecureFault */
	0, 0, 0,
	ax_tzm_fault,  /* SVCall */
	ax_tzm_fault,  /* DebugMonitor */
	0,
	ax_tzm_fault,  /* PendSV */
	ax_tzm_fault,  /* SysTick */
};

void ax_tzm_reset(void)
{
	uint32_t *d = __data_start, *s = __data_load;
	int rc;

	while (d < __data_end)
		*d++ = *s++;
	for (d = __bss_start; d < __bss_end; d++)
		*d = 0;
	__asm__ __volatile__("msr msplim, %0" : : "r"(__stack_limit));
	SCB_SHCSR |= SHCSR_FAULTS_ENA;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
	rc = ax_tzm_main();
	ax_tzm_exit(rc < 0 || rc > 255 ? 255u : (uint32_t)rc);
}

void ax_tzm_fault(void)
{
	uint32_t ipsr;

	__asm__ __volatile__("mrs %0, ipsr" : "=r"(ipsr));
	ax_tzm_puts("tzm: FAULT exception ");
	ax_tzm_putu(ipsr & 0x1FFu);
	ax_tzm_puts(" CFSR=");
	ax_tzm_putx(SCB_CFSR);
	ax_tzm_puts(" SFSR=");
	ax_tzm_putx(SAU_SFSR);
	ax_tzm_puts(" BFAR=");
	ax_tzm_putx(SCB_BFAR);
	ax_tzm_puts("\n");
	ax_tzm_exit(3);
}
