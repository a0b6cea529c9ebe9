/* tz_setup.c - SAU, MPC, PPC set-up and the Non-secure hand-off; see
 * tz_setup.h. Register addresses: ARMv8-M ARM (SAU, SCB) and the AN505 /
 * IoTKit documentation, as verified in QEMU (docs/tzm.md). */
#include <arm_cmse.h>

#include "board.h"
#include "tz_setup.h"

#define REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* Memory protection controllers (SIE-200 / IoTKit MPC). */
#define MPC_SSRAM0 0x58007000u
#define MPC_SSRAM1 0x58008000u
#define MPC_SSRAM2 0x58009000u
#define MPC_CTRL 0x00u
#define MPC_BLK_CFG 0x14u
#define MPC_BLK_IDX 0x18u
#define MPC_BLK_LUT 0x1Cu
#define MPC_CTRL_SEC_RESP (1u << 4)
#define MPC_CTRL_AUTOINC (1u << 8)

/* Secure privilege control block. */
#define SPCB_SECRESPCFG 0x50080010u
#define SPCB_NSCCFG 0x50080014u
#define SPCB_APBNSPPCEXP1 0x50080084u
#define NSCCFG_CODENSC 1u
#define PPCEXP1_UART0 (1u << 5)

/* SAU and SCB. */
#define SAU_CTRL 0xE000EDD0u
#define SAU_RNR 0xE000EDD8u
#define SAU_RBAR 0xE000EDDCu
#define SAU_RLAR 0xE000EDE0u
#define SAU_RLAR_ENABLE 1u
#define SAU_RLAR_NSC 2u
#define SCB_AIRCR 0xE000ED0Cu
#define AIRCR_KEY_PRIS 0x05FA4000u /* VECTKEY, PRIS=1, BFHFNMINS=0 */
#define SCB_VTOR_NS 0xE002ED08u

/* Mark [lo, hi) of an MPC's memory Non-secure: one LUT bit per block,
 * 32 blocks per word; lo and hi are multiples of 32 blocks here. */
static void mpc_set_ns(uint32_t mpc, uint32_t lo, uint32_t hi)
{
	uint32_t block = 1u << (REG(mpc + MPC_BLK_CFG) + 5u);
	uint32_t w;

	REG(mpc + MPC_CTRL) = (REG(mpc + MPC_CTRL) & ~MPC_CTRL_AUTOINC) |
			      MPC_CTRL_SEC_RESP;
	for (w = lo / block / 32u; w < hi / block / 32u; w++) {
		REG(mpc + MPC_BLK_IDX) = w;
		REG(mpc + MPC_BLK_LUT) = 0xFFFFFFFFu;
	}
}

static void sau_region(uint32_t n, uint32_t base, uint32_t limit,
	uint32_t flags)
{
	REG(SAU_RNR) = n;
	REG(SAU_RBAR) = base & ~0x1Fu;
	REG(SAU_RLAR) = (limit & ~0x1Fu) | flags;
}

void ax_tzm_tz_setup(void)
{
	mpc_set_ns(MPC_SSRAM0, 0x200000u, 0x400000u);
	mpc_set_ns(MPC_SSRAM1, 0, 0); /* all Secure, blocked NS: bus error */
	mpc_set_ns(MPC_SSRAM2, 0, 0x200000u);
	REG(SPCB_APBNSPPCEXP1) |= PPCEXP1_UART0;
	REG(SPCB_SECRESPCFG) = 1u;
	REG(SPCB_NSCCFG) |= NSCCFG_CODENSC;
	sau_region(0, AX_TZM_NS_CODE, AX_TZM_NS_CODE_END, SAU_RLAR_ENABLE);
	/* Only ssram-2. Not 0x28000000 (the NS alias of ssram-1, kept Secure
	 * by MPC1): if the SAU called it NS, cmse_check_address_range would
	 * approve an NS pointer there, and the Secure copy through it would
	 * take a BusFault from the MPC (seen in QEMU: a way for NS code to
	 * crash the Secure side). Outside every SAU region it is Secure. */
	sau_region(1, AX_TZM_NS_RAM, AX_TZM_NS_RAM_END, SAU_RLAR_ENABLE);
	sau_region(2, 0x10100000u, 0x101003FFu,
		SAU_RLAR_ENABLE | SAU_RLAR_NSC);
	sau_region(3, 0x40000000u, 0x4FFFFFFFu, SAU_RLAR_ENABLE);
	REG(SAU_CTRL) = 1u;
	REG(SCB_AIRCR) = AIRCR_KEY_PRIS;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
	ax_tzm_uart_init(AX_TZM_UART0_NS);
}

typedef void __attribute__((cmse_nonsecure_call)) (*ns_fn)(void);

void ax_tzm_start_ns(void)
{
	const volatile uint32_t *vt =
		(const volatile uint32_t *)(uintptr_t)AX_TZM_NS_CODE;
	ns_fn reset = (ns_fn)cmse_nsfptr_create((ns_fn)(uintptr_t)vt[1]);

	REG(SCB_VTOR_NS) = AX_TZM_NS_CODE;
	__asm__ __volatile__("msr msp_ns, %0" : : "r"(vt[0]));
	reset();
}
