/*
 * ns_test_main.c - the Non-secure half of the tzm isolation test. It uses
 * the Secure entry functions (nsc.h) the way the event manager will, then
 * attacks the boundary. Return values it checks itself ("ns: ok"/"ns:
 * FAIL" lines); faults it provokes are reported by the Secure fault handler
 * and asserted by tests/check_tzm_qemu.sh from the log.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_msg.h"
#include "board.h"
#include "nsc.h"

int ax_tzm_ns_main(void);

#define SECRET_S 0x38000000u   /* node key, Secure alias of ssram-1 */
#define SECRET_NS 0x28000000u  /* same RAM, NS alias: MPC1 says Secure */
#define UART0_S_DATA 0x50200000u
#define SECURE_CODE 0x10000001u /* Secure code that is not a veneer */
#define UART1_NS_BAUDDIV 0x40201010u /* PPC keeps UART1 Secure */

static unsigned failures;
static uint8_t out[256];

static void expect(int ok, const char *what, int32_t got)
{
	ax_tzm_puts(ok ? "ns: ok   " : "ns: FAIL ");
	ax_tzm_puts(what);
	ax_tzm_puts(" -> ");
	if (got < 0) {
		ax_tzm_puts("-");
		ax_tzm_putu((uint32_t)-got);
	} else {
		ax_tzm_putu((uint32_t)got);
	}
	ax_tzm_puts("\n");
	failures += !ok;
}

/* Probes in assembly: one instruction that may fault, then return. The
 * Secure handler resumes at LR, which is this return. */
__attribute__((naked, noinline)) static uint32_t probe_read(uint32_t a)
{
	(void)a;
	__asm__ __volatile__("ldr r0, [r0]\n\tbx lr");
}

__attribute__((naked, noinline)) static void probe_write(uint32_t a,
	uint32_t v)
{
	(void)a;
	(void)v;
	__asm__ __volatile__("str r1, [r0]\n\tbx lr");
}

static int32_t handle(uint32_t module, const void *msg, uint32_t len,
	void *o, uint32_t cap)
{
	static struct axs_io io;

	io = (struct axs_io){ module, msg, len, o, cap };
	return axs_handle(&io);
}

static void probe(const char *what)
{
	ax_tzm_puts("ns: probe ");
	ax_tzm_puts(what);
	ax_tzm_puts("\n");
}

static void use_entries(void)
{
	static uint8_t status = AX_MSG_STATUS;
	static uint8_t call[AX_CALL_HDR_LEN] = { AX_MSG_CALL, 0, 0 };
	int32_t r;

	r = axs_version();
	expect(r == AXS_ABI_VERSION, "axs_version", r);
	r = handle(0, &status, 1, out, sizeof(out));
	expect(r > 0 && out[0] == 1, "axs_handle STATUS", r);
	r = handle(0, call, sizeof(call), out, sizeof(out));
	expect(r == 4 && out[0] == 'p' && out[3] == 'g', "axs_handle CALL ping",
		r);
	r = axs_collect(out, sizeof(out));
	expect(r == 0, "axs_collect (nothing queued)", r);
}

static void attack_entries(void)
{
	int32_t r;

	r = handle(0, (const void *)SECRET_S, 1, out, sizeof(out));
	expect(r == -AXS_E_RANGE, "axs_handle(msg = Secure RAM)", r);
	r = handle(0, (const void *)SECRET_NS, 1, out, sizeof(out));
	expect(r == -AXS_E_RANGE, "axs_handle(msg = NS alias of Secure RAM)",
		r);
	r = handle(0, out, 1, (void *)SECRET_S, 32);
	expect(r == -AXS_E_RANGE, "axs_handle(out = Secure RAM)", r);
	r = handle(0, (const void *)0xFFFFFFF0u, 32, out, sizeof(out));
	expect(r == -AXS_E_RANGE, "axs_handle(msg range wraps)", r);
	r = handle(0, NULL, 4, out, sizeof(out));
	expect(r == -AXS_E_RANGE, "axs_handle(msg = NULL)", r);
	r = handle(7, out, 1, out, sizeof(out));
	expect(r == -AXS_E_MODULE, "axs_handle(module 7)", r);
	r = handle(0, out, 0, out, sizeof(out));
	expect(r == -AXS_E_LENGTH, "axs_handle(len 0)", r);
	r = axs_handle((const struct axs_io *)SECRET_S);
	expect(r == -AXS_E_RANGE, "axs_handle(descriptor in Secure RAM)", r);
	r = axs_collect((void *)SECRET_S, 16);
	expect(r == -AXS_E_RANGE, "axs_collect(out = Secure RAM)", r);
}

static void attack_memory(void)
{
	static const uint8_t call_uart1[AX_CALL_HDR_LEN] = { AX_MSG_CALL, 0, 1 };
	uint32_t v;
	int32_t r;

	probe("read node key 0x38000000");
	v = probe_read(SECRET_S);
	expect(v != 0x206d7a74u, "read 0x38000000 gave no key bytes",
		(int32_t)(v & 0x7FFFFFFF));
	probe("read 0x28000000");
	v = probe_read(SECRET_NS);
	expect(v != 0x206d7a74u, "read 0x28000000 gave no key bytes",
		(int32_t)(v & 0x7FFFFFFF));
	probe("write Secure UART0 alias 0x50200000");
	probe_write(UART0_S_DATA, 'X');
	probe("write UART1 BAUDDIV through its NS alias 0x40201010");
	probe_write(UART1_NS_BAUDDIV, 0x0ABCu);
	v = probe_read(UART1_NS_BAUDDIV);
	expect(v == 0, "NS read of UART1 (PPC Secure) reads as zero",
		(int32_t)v);
	r = handle(0, call_uart1, sizeof(call_uart1), out, sizeof(out));
	expect(r == 4 && out[0] == 0 && out[1] == 0 && out[2] == 0 &&
		out[3] == 173, "UART1 BAUDDIV seen by Secure is still 173",
		r == 4 ? (int32_t)out[2] << 8 | out[3] : r);
	probe("branch to Secure code 0x10000001");
	((void (*)(void))SECURE_CODE)();
	probe("done");
}

int ax_tzm_ns_main(void)
{
	ax_tzm_uart_init(AX_TZM_UART0_NS);
	ax_tzm_puts("ns: Non-secure image running\n");
	use_entries();
	attack_entries();
	attack_memory();
	ax_tzm_puts("ns: ");
	ax_tzm_putu(failures);
	ax_tzm_puts(" failed\n");
	return failures != 0;
}
