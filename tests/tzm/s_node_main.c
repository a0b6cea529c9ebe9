/*
 * s_node_main.c - the Secure half of the tzm isolation test: one module
 * linked into the Secure image and keyed from the node key, the world
 * split (tz_setup.c), then the Non-secure test image (ns_test_main.c)
 * started. The NS image probes the boundary; tests/check_tzm_qemu.sh
 * asserts on the lines both halves print.
 */
#include <authex/module.h>

#include "ax_crypto.h"
#include "board.h"
#include "node.h"
#include "provider_mbedtls.h"
#include "tz_setup.h"

int ax_tzm_main(void);

/* The node key, at the first bytes of Secure RAM (secure.ld: .ax_secret at
 * 0x38000000, which the NS probes aim at). A TEST VALUE: a real node gets
 * its key from provisioning. */
__attribute__((section(".ax_secret"), used)) static uint8_t k_node[32];
static const uint8_t k_node_test[32] = "tzm TEST node key - public!!!!!";

static int ping(const uint8_t *arg, size_t len, struct ax_reply *reply)
{
	(void)arg;
	(void)len;
	return ax_reply_put(reply, "pong", 4);
}

/* UART1 stays Secure (its PPC port is never opened to NS): the stand-in
 * for a secure actuator line. This entry reports its BAUDDIV as the Secure
 * side sees it, so the NS image can show its own write did not land. */
#define UART1_S 0x50201000u
#define UART_BAUDDIV 0x10u
#define UART1_BAUDDIV_SET 173u

static int uart1_bauddiv(const uint8_t *arg, size_t len,
	struct ax_reply *reply)
{
	uint32_t v = *(volatile uint32_t *)(uintptr_t)(UART1_S + UART_BAUDDIV);
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	(void)arg;
	(void)len;
	return ax_reply_put(reply, b, sizeof(b));
}

static const struct ax_endpoint eps[2] = {
	{ AX_EP_MAGIC, AX_EP_ENTRY, { 0 }, "ping", { .entry = ping } },
	{ AX_EP_MAGIC, AX_EP_ENTRY, { 0 }, "uart1_bauddiv",
	  { .entry = uart1_bauddiv } },
};
static struct ax_rt rt;
static const struct ax_tzm_module mods[1] = {
	{ eps, 2, 1, &rt },
};

/* Test device seeding, NOT an entropy source (docs/tzm.md): QEMU has no
 * TRNG. seed = HKDF(K_node, "authex tzm rng" || boot counter); this image
 * has no persistent counter, so it is always 1. */
static int seed_rng(void)
{
	static const uint8_t info[18] = "authex tzm rng\0\0\0\1";
	uint8_t seed[32];
	int ok;

	ok = ax_hkdf_sha256(NULL, 0, k_node, 32, info, sizeof(info), seed,
		sizeof(seed)) == AX_CRYPTO_OK &&
	     ax_mbedtls_seed(seed, sizeof(seed)) == AX_CRYPTO_OK;
	ax_wipe(seed, sizeof(seed));
	return ok;
}

int ax_tzm_main(void)
{
	for (size_t i = 0; i < 32; i++)
		k_node[i] = k_node_test[i];
	ax_tzm_uart_init(AX_TZM_UART0_S);
	ax_tzm_puts("tzm secure: node key at ");
	ax_tzm_putx((uint32_t)(uintptr_t)k_node);
	ax_tzm_puts("\n");
	if (!seed_rng() || ax_tzm_node_boot(k_node, mods, 1) != AX_OK) {
		ax_tzm_puts("tzm secure: boot failed\n");
		return 1;
	}
	*(volatile uint32_t *)(uintptr_t)(UART1_S + UART_BAUDDIV) =
		UART1_BAUDDIV_SET;
	ax_tzm_tz_setup();
	ax_tzm_puts("tzm secure: SAU/MPC/PPC set, starting Non-secure\n");
	ax_tzm_start_ns();
	ax_tzm_puts("tzm secure: Non-secure returned\n");
	return 1;
}
