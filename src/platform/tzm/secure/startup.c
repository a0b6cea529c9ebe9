/*
 * startup.c - reset and fault entry of the tzm Secure image.
 *
 * The core resets in Secure state with VTOR_S = INITSVTOR = 0x10000000,
 * where secure.ld puts the table below. Reset copies .data, clears .bss,
 * seals the Secure stack with MSPLIM, enables the configurable faults
 * (so a fault is reported as itself rather than escalating to HardFault)
 * and calls the image's ax_tzm_main. Faults: see ax_tzm_fault_c below.
 */
#include <arm_cmse.h>
#include <stdint.h>

#include "board.h"

/* The image's main program (a test image, or the node firmware). */
int ax_tzm_main(void);
void ax_tzm_reset(void) __attribute__((noreturn));
void ax_tzm_fault(void);
/* The sandbox (sandbox.c) takes SVCall and the faults of module code;
 * an image without it has neither. */
void ax_tzm_svc(void) __attribute__((weak, alias("ax_tzm_fault")));
uint32_t ax_tzm_sandbox_fault(uint32_t exc_return, uint32_t exc)
	__attribute__((weak));

extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __shared_start[], __shared_end[], __shared_load[];
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
	ax_tzm_svc,    /* SVCall */
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
	for (d = __shared_start, s = __shared_load; d < __shared_end;)
		*d++ = *s++;
	for (d = __bss_start; d < __bss_end; d++)
		*d = 0;
	__asm__ __volatile__("msr msplim, %0" : : "r"(__stack_limit));
	SCB_SHCSR |= SHCSR_FAULTS_ENA;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
	rc = ax_tzm_main();
	ax_tzm_exit(rc < 0 || rc > 255 ? 255u : (uint32_t)rc);
}

#define EXC_RETURN_S (1u << 6)     /* frame on the Secure stack */
#define EXC_RETURN_SPSEL (1u << 2) /* frame on PSP, not MSP */
#define NS_FAULTS_MAX 16u

static const char *fault_name(uint32_t exc)
{
	switch (exc) {
	case 3:
		return "HardFault";
	case 4:
		return "MemManage";
	case 5:
		return "BusFault";
	case 6:
		return "UsageFault";
	case 7:
		return "SecureFault";
	default:
		return "exception";
	}
}

static void report(const char *who, uint32_t exc, uint32_t pc)
{
	ax_tzm_puts("tzm: ");
	ax_tzm_puts(who);
	ax_tzm_puts(" fault ");
	ax_tzm_puts(fault_name(exc));
	ax_tzm_puts(" SFSR=");
	ax_tzm_putx(SAU_SFSR);
	ax_tzm_puts(" CFSR=");
	ax_tzm_putx(SCB_CFSR);
	ax_tzm_puts(" BFAR=");
	ax_tzm_putx(SCB_BFAR);
	ax_tzm_puts(" PC=");
	ax_tzm_putx(pc);
	ax_tzm_puts("\n");
}

/*
 * A fault raised by Non-secure code (EXC_RETURN.S = 0) is an isolation
 * event, not a Secure failure: report it, clear the status registers and
 * let the NS code carry on at the faulting function's return address
 * (stacked PC := stacked LR), so one NS test image can probe several
 * violations. More than NS_FAULTS_MAX of them stop the core. A fault in
 * Secure code is fatal (semihosting status 3).
 */
uint32_t ax_tzm_fault_c(uint32_t exc_return);
uint32_t ax_tzm_fault_c(uint32_t exc_return)
{
	static uint32_t ns_faults;
	uint32_t ipsr, *frame;

	__asm__ __volatile__("mrs %0, ipsr" : "=r"(ipsr));
	ipsr &= 0x1FFu;
	/* Module code in the sandbox: it loses the call, the node goes on. */
	if ((exc_return & EXC_RETURN_S) != 0 && ax_tzm_sandbox_fault != NULL &&
	    ax_tzm_sandbox_fault(exc_return, ipsr) != 0) {
		report("module", ipsr, 0);
		SAU_SFSR = SAU_SFSR;
		SCB_CFSR = SCB_CFSR;
		return 0xFFFFFFF9u; /* the node's thread, on MSP */
	}
	if ((exc_return & EXC_RETURN_S) != 0 || ++ns_faults > NS_FAULTS_MAX) {
		report("Secure", ipsr, 0);
		ax_tzm_exit(3);
	}
	if (exc_return & EXC_RETURN_SPSEL)
		__asm__ __volatile__("mrs %0, psp_ns" : "=r"(frame));
	else
		__asm__ __volatile__("mrs %0, msp_ns" : "=r"(frame));
	/* The NS stack pointer is NS-controlled: never read or write a frame
	 * it points at unless those 32 bytes are Non-secure memory. */
	if (cmse_check_address_range(frame, 8 * sizeof(uint32_t),
			CMSE_NONSECURE | CMSE_MPU_READWRITE) == NULL) {
		report("Non-secure (bad stack)", ipsr, 0);
		ax_tzm_exit(3);
	}
	report("Non-secure", ipsr, frame[6]);
	SAU_SFSR = SAU_SFSR;   /* write-one-to-clear */
	SCB_CFSR = SCB_CFSR;
	frame[6] = frame[5] & ~1u; /* resume at the stacked LR */
	return exc_return;
}

/* Returns through the EXC_RETURN value ax_tzm_fault_c chose. */
__attribute__((naked)) void ax_tzm_fault(void)
{
	__asm__ __volatile__("mov r0, lr\n\tbl ax_tzm_fault_c\n\tbx r0");
}
