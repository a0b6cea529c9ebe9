/*
 * startup_ns.c - reset of the tzm Non-secure image: the Secure image set
 * VTOR_NS and MSP_NS from the table below and branched to ax_tzm_ns_reset.
 * Faults raised here go to the Secure handlers (AIRCR.BFHFNMINS = 0), so
 * the table needs no fault entries of its own.
 */
#include <stdint.h>

#include "board.h"

int ax_tzm_ns_main(void);
void ax_tzm_ns_reset(void) __attribute__((noreturn));

extern uint32_t __ns_data_start[], __ns_data_end[], __ns_data_load[];
extern uint32_t __ns_bss_start[], __ns_bss_end[];
extern uint32_t __ns_stack_top[];

__attribute__((section(".vectors"), used))
static const void *const ns_vectors[2] = { __ns_stack_top, ax_tzm_ns_reset };

void ax_tzm_ns_reset(void)
{
	uint32_t *d = __ns_data_start, *s = __ns_data_load;
	int rc;

	while (d < __ns_data_end)
		*d++ = *s++;
	for (d = __ns_bss_start; d < __ns_bss_end; d++)
		*d = 0;
	rc = ax_tzm_ns_main();
	ax_tzm_exit(rc < 0 || rc > 255 ? 255u : (uint32_t)rc);
}
