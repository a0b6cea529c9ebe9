/*
 * provider_mbedtls.h - what the freestanding mbedTLS provider needs beyond
 * ax_crypto.h: its random generator must be seeded by the platform.
 *
 * provider_mbedtls.c implements all of ax_crypto.h over mbedTLS 2.28 for the
 * Cortex-M33 Secure image of the tzm platform (docs/tzm.md). It is not
 * thread-safe: the Secure image runs one call at a time.
 *
 * ax_random is an HMAC_DRBG (NIST SP 800-90A, SHA-256) that has no entropy
 * source of its own. The platform seeds it once at boot, and may mix more
 * in later, with ax_mbedtls_seed; until then ax_random fails with
 * AX_CRYPTO_E_INTERNAL (fail closed: it never returns predictable bytes
 * silently). What the seed is made of is the platform's business and
 * determines the quality of ax_random: on QEMU `mps2-an505` there is no TRNG,
 * and the tzm test image seeds from a device secret and a boot counter,
 * which is NOT a production entropy source (docs/tzm.md says why). The
 * trusted runtime itself draws no randomness.
 */
#ifndef AX_PROVIDER_MBEDTLS_H
#define AX_PROVIDER_MBEDTLS_H

#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"

#define AX_MBEDTLS_SEED_MIN 32 /* bytes of seed material, at least */
#define AX_MBEDTLS_SEED_MAX 256

/*
 * ax_mbedtls_seed - seed ax_random's generator (first call) or mix more
 * material into it (later calls). seed/seed_len: AX_MBEDTLS_SEED_MIN ..
 * AX_MBEDTLS_SEED_MAX bytes, kept by nobody: the caller wipes its copy.
 * Returns AX_CRYPTO_OK, AX_CRYPTO_E_ARG, AX_CRYPTO_E_INTERNAL.
 */
AX_MUST_CHECK ax_crypto_status ax_mbedtls_seed(const uint8_t *seed,
	size_t seed_len);

#endif /* AX_PROVIDER_MBEDTLS_H */
