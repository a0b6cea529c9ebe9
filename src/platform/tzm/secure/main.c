/*
 * main.c - the Secure node firmware's start (docs/tzm.md): check that the
 * node key was provisioned, seed the DRBG, reset the secure output device,
 * split the board and start the Non-secure event manager.
 *
 * Provisioning: the 32-byte node key sits at the first bytes of Secure RAM
 * (0x38000000, outside every section of the image: secure.ld). Under
 * QEMU, authexd's tzm backend places it there with a loader device before
 * the core starts; a real board would keep it in Secure flash written once
 * at provisioning. An all-zero key means "not provisioned": the node stops.
 */
#include "ax_crypto.h"
#include "board.h"
#include "node.h"
#include "provider_mbedtls.h"
#include "tz_setup.h"

int ax_tzm_main(void);

extern uint8_t ax_tzm_node_key[32]; /* secure.ld */
#define k_node ax_tzm_node_key

static int provisioned(void)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < sizeof(k_node); i++)
		acc |= k_node[i];
	return acc != 0;
}

/* Device seeding, NOT an entropy source (docs/tzm.md): QEMU has no TRNG.
 * seed = HKDF(K_node, "authex tzm rng" || boot counter); there is no
 * persistent counter yet, so it is always 1. The runtime draws no
 * randomness; nothing in the node depends on this stream today. */
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
	ax_tzm_uart_init(AX_TZM_UART0_S);
	if (!provisioned()) {
		ax_tzm_puts("tzm secure: no node key at 0x38000000 "
			    "(not provisioned); stopping\n");
		return 1;
	}
	if (!seed_rng()) {
		ax_tzm_puts("tzm secure: DRBG seeding failed\n");
		return 1;
	}
	ax_tzm_node_init(k_node);
	ax_tzm_uart1_init();
	ax_tzm_tz_setup();
	ax_tzm_puts("tzm secure: node up, starting Non-secure\n");
	ax_tzm_start_ns();
	ax_tzm_puts("tzm secure: Non-secure returned\n");
	return 1;
}
