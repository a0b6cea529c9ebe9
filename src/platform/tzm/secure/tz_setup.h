/*
 * tz_setup.h - partition the AN505 between the Secure and the Non-secure
 * world and start the Non-secure image (values and order: docs/tzm.md and
 * the AN505 notes).
 *
 *   Secure:     code 0x10000000-0x100FFFFF, RAM 0x38000000-0x381FFFFF
 *               (ssram-1, kept Secure by MPC1 in both aliases)
 *   NSC:        veneers 0x10100000-0x101003FF
 *   Non-secure: code 0x00200000-0x003FFFFF (upper half of ssram-0, MPC0),
 *               RAM 0x28200000-0x283FFFFF (ssram-2, MPC2), UART0
 *               (PPC EXP1 port 5) and the NS peripheral alias.
 * HardFault, BusFault and NMI stay Secure (AIRCR.BFHFNMINS = 0), so the
 * Secure fault handler sees every NS violation.
 */
#ifndef AX_TZM_TZ_SETUP_H
#define AX_TZM_TZ_SETUP_H

#include <stdint.h>

#define AX_TZM_NS_CODE 0x00200000u
#define AX_TZM_NS_CODE_END 0x003FFFFFu
#define AX_TZM_NS_RAM 0x28200000u
#define AX_TZM_NS_RAM_END 0x283FFFFFu

/* ax_tzm_tz_setup - program MPCs, PPC, NSCCFG, SAU and AIRCR. Afterwards
 * UART0 is Non-secure: Secure output must use AX_TZM_UART0_NS, which this
 * function switches board.c to. */
void ax_tzm_tz_setup(void);

/* ax_tzm_start_ns - set VTOR_NS and MSP_NS from the NS image's vector table
 * at AX_TZM_NS_CODE and branch to its reset handler with BLXNS. Returns
 * only if the NS reset handler returns. */
void ax_tzm_start_ns(void);

#endif /* AX_TZM_TZ_SETUP_H */
