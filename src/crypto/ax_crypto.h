/*
 * ax_crypto.h - the one cryptographic interface of authex.
 *
 * Everything in authex that needs cryptography calls these functions and
 * nothing else; only files under src/crypto/ call a crypto library. The
 * interface is freestanding (stdint.h, stddef.h) so the trusted runtime can
 * use it inside an enclave or on a microcontroller. A *provider* implements
 * it: provider_openssl.c (hosted, OpenSSL libcrypto 3) today; a freestanding
 * provider for Cortex-M (mbedTLS) plugs in under the same names.
 *
 * Conventions
 *  - Lengths are in bytes. Pointers may be NULL only when the matching
 *    length is 0.
 *  - Nothing here allocates memory visible to the caller, keeps state
 *    between calls (except the provider's CSPRNG and secret-free caches,
 *    e.g. fetched algorithm objects) or prints.
 *  - Every function that can fail returns an ax_crypto_status; 0 is success.
 *    Callers MUST check it (warn_unused_result enforces this).
 *  - Secrets held in provider-internal contexts are wiped before return.
 *  - Fixed-size parameters are spelled as [static N] where N is the exact
 *    size the function reads or writes.
 */
#ifndef AX_CRYPTO_H
#define AX_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define AX_MUST_CHECK __attribute__((warn_unused_result))
#else
#define AX_MUST_CHECK
#endif

typedef enum {
	AX_CRYPTO_OK = 0,
	AX_CRYPTO_E_AUTH = 1,     /* AEAD tag did not verify */
	AX_CRYPTO_E_ARG = 2,      /* bad algorithm, length or pointer */
	AX_CRYPTO_E_INTERNAL = 3, /* provider failure (environment) */
} ax_crypto_status;

/* AEAD algorithms. The numbers are on the wire (set_key) and never reused. */
typedef enum {
	AX_AEAD_AES128GCM = 1,        /* 16-byte key; default */
	AX_AEAD_CHACHA20POLY1305 = 2, /* 32-byte key; cores without AES */
} ax_aead_alg;

#define AX_AEAD_IV_LEN 12
#define AX_AEAD_TAG_LEN 16
#define AX_AEAD_KEY_MAX 32
#define AX_SHA256_LEN 32
#define AX_HMAC_SHA256_LEN 32
#define AX_HKDF_SHA256_MAX (255 * 32)

/* A scatter list entry: HMAC and SHA-256 take their input in pieces so that
 * callers never concatenate labels and data into temporary buffers. */
struct ax_iov {
	const void *base;
	size_t len;
};

/*
 * ax_aead_key_len - key length of an AEAD algorithm.
 * Returns 16 or 32, or 0 for an unknown algorithm number (untrusted input
 * may carry any number: 0 means "reject").
 */
size_t ax_aead_key_len(unsigned alg);

/*
 * ax_aead_seal - encrypt and authenticate.
 *  alg: an ax_aead_alg; key: ax_aead_key_len(alg) bytes; iv: 12 bytes that
 *  MUST never repeat under one key; ad/ad_len: associated data;
 *  pt/len: plaintext; ct: len bytes of output (may equal pt: in place);
 *  tag: 16 bytes of output.
 * Returns AX_CRYPTO_OK, AX_CRYPTO_E_ARG (unknown alg, NULL with length,
 * ct overlapping pt other than exactly, len or ad_len above what the
 * provider takes: INT_MAX for OpenSSL), AX_CRYPTO_E_INTERNAL.
 */
AX_MUST_CHECK ax_crypto_status ax_aead_seal(unsigned alg, const uint8_t *key,
	const uint8_t iv[static AX_AEAD_IV_LEN], const uint8_t *ad,
	size_t ad_len, const uint8_t *pt, size_t len, uint8_t *ct,
	uint8_t tag[static AX_AEAD_TAG_LEN]);

/*
 * ax_aead_open - verify and decrypt.
 *  Same parameters as ax_aead_seal; ct/len is the ciphertext, pt receives
 *  len bytes (may equal ct). On AX_CRYPTO_E_AUTH (tag mismatch) or any
 *  error, pt has been wiped: unverified plaintext is never left behind.
 *  (Exception: a len refused as too large is not trusted to describe pt,
 *  and pt is then left untouched; nothing was decrypted into it.)
 */
AX_MUST_CHECK ax_crypto_status ax_aead_open(unsigned alg, const uint8_t *key,
	const uint8_t iv[static AX_AEAD_IV_LEN], const uint8_t *ad,
	size_t ad_len, const uint8_t *ct, size_t len,
	const uint8_t tag[static AX_AEAD_TAG_LEN], uint8_t *pt);

/* ax_sha256 - SHA-256 of the concatenation of n_iov pieces. */
AX_MUST_CHECK ax_crypto_status ax_sha256(const struct ax_iov *iov,
	size_t n_iov, uint8_t out[static AX_SHA256_LEN]);

/* ax_hmac_sha256 - HMAC-SHA256 (RFC 2104) under key/key_len of the
 * concatenation of n_iov pieces. key_len may be 0..AX_HKDF_SHA256_MAX. */
AX_MUST_CHECK ax_crypto_status ax_hmac_sha256(const uint8_t *key,
	size_t key_len, const struct ax_iov *iov, size_t n_iov,
	uint8_t out[static AX_HMAC_SHA256_LEN]);

/*
 * ax_hkdf_sha256 - HKDF (RFC 5869) extract-then-expand.
 *  salt may be NULL/0 (RFC: a string of HashLen zeros); salt is the HMAC
 *  key of the extract step, so salt_len is at most AX_HKDF_SHA256_MAX.
 *  out_len must be 1..AX_HKDF_SHA256_MAX, otherwise AX_CRYPTO_E_ARG.
 */
AX_MUST_CHECK ax_crypto_status ax_hkdf_sha256(const uint8_t *salt,
	size_t salt_len, const uint8_t *ikm, size_t ikm_len,
	const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

/* ax_random - fill out with n bytes from the provider's CSPRNG. */
AX_MUST_CHECK ax_crypto_status ax_random(uint8_t *out, size_t n);

/*
 * Constant-time helpers and wiping (src/crypto/ct.c, no library needed).
 * ax_verify16/32 compare exactly 16/32 bytes in time independent of the
 * contents and return 0 when equal, -1 otherwise. ax_ct_equal does the same
 * for n bytes (n itself is not secret). ax_wipe overwrites n bytes with
 * zeros in a way the compiler may not elide.
 */
int ax_verify16(const uint8_t a[static 16], const uint8_t b[static 16]);
int ax_verify32(const uint8_t a[static 32], const uint8_t b[static 32]);
int ax_ct_equal(const void *a, const void *b, size_t n);
void ax_wipe(void *p, size_t n);

/* ax_crypto_provider - a short name of the provider ("openssl", ...). */
const char *ax_crypto_provider(void);

#endif /* AX_CRYPTO_H */
