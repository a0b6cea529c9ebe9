/*
 * ax_crypto_args.h - the argument rules every crypto provider applies
 * before it calls its library, written once (src/crypto/ct.c) so that the
 * OpenSSL and mbedTLS providers refuse exactly the same inputs. For
 * providers only; callers use ax_crypto.h.
 */
#ifndef AX_CRYPTO_ARGS_H
#define AX_CRYPTO_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"

/* Longest AEAD input or associated data any provider takes (OpenSSL's
 * lengths are int); one limit for callers on every machine. */
#define AX_CRYPTO_LEN_MAX ((size_t)INT32_MAX)

/*
 * ax_crypto_aead_args - AX_CRYPTO_OK, or AX_CRYPTO_E_ARG for: an unknown
 * algorithm or NULL key; NULL ad, in or out with a length; a length above
 * AX_CRYPTO_LEN_MAX; in and out overlapping other than exactly (in place).
 */
ax_crypto_status ax_crypto_aead_args(unsigned alg, const uint8_t *key,
	const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
	const uint8_t *out);

/* ax_crypto_iov_ok - 1 when every piece with a length has a pointer. */
int ax_crypto_iov_ok(const struct ax_iov *iov, size_t n_iov);

#endif /* AX_CRYPTO_ARGS_H */
