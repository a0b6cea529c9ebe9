/*
 * provider_mbedtls.c - the freestanding ax_crypto provider over mbedTLS 2.28
 * (built from Debian's source package for the tzm Secure image); see
 * ax_crypto.h for every contract and provider_mbedtls.h for seeding.
 *
 * No C library: only mbedTLS and the compiler's memcpy/memset. mbedTLS's
 * cipher and MD layers allocate small contexts (an AES key schedule, the
 * HMAC pads); with AX_MBEDTLS_STATIC_POOL they come from memory_buffer_alloc
 * on the static pool below, which every function leaves as it found it
 * (mbedTLS wipes each context before freeing it). Nothing secret survives a
 * call except the DRBG state, which is the generator itself.
 *
 * Lengths above INT32_MAX are refused as AX_CRYPTO_E_ARG, like the OpenSSL
 * provider refuses those above INT_MAX: one limit for callers on every
 * platform (GCM's own limit is 2^36 - 32 bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/chachapoly.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#if defined(AX_MBEDTLS_STATIC_POOL)
#include "mbedtls/memory_buffer_alloc.h"
#endif

#include "ax_crypto.h"
#include "ax_crypto_args.h"
#include "provider_mbedtls.h"

#if defined(AX_MBEDTLS_STATIC_POOL)
#ifndef AX_MBEDTLS_POOL_SIZE
#define AX_MBEDTLS_POOL_SIZE 4096
#endif
static unsigned char pool[AX_MBEDTLS_POOL_SIZE] __attribute__((aligned(8)));
#endif

static struct {
	mbedtls_hmac_drbg_context drbg;
	uint8_t pool_ready;
	uint8_t seeded;
} prov;

static void pool_init(void)
{
#if defined(AX_MBEDTLS_STATIC_POOL)
	if (!prov.pool_ready)
		mbedtls_memory_buffer_alloc_init(pool, sizeof(pool));
#endif
	prov.pool_ready = 1;
}
/* AES-128-GCM, one pass. enc: seal (writes tag) or open (checks tag in
 * constant time, mbedtls_ct_memcmp). The context holds the key schedule
 * and GHASH tables; mbedtls_gcm_free wipes them. */
static ax_crypto_status gcm_crypt(int enc, const uint8_t *key,
	const uint8_t *iv, const uint8_t *ad, size_t ad_len, const uint8_t *in,
	size_t len, uint8_t *out, uint8_t *tag)
{
	mbedtls_gcm_context ctx;
	int rc;

	mbedtls_gcm_init(&ctx);
	rc = mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 128);
	if (rc == 0 && enc)
		rc = mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, len,
			iv, AX_AEAD_IV_LEN, ad, ad_len, in, out,
			AX_AEAD_TAG_LEN, tag);
	else if (rc == 0)
		rc = mbedtls_gcm_auth_decrypt(&ctx, len, iv, AX_AEAD_IV_LEN,
			ad, ad_len, tag, AX_AEAD_TAG_LEN, in, out);
	mbedtls_gcm_free(&ctx);
	if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
		return AX_CRYPTO_E_AUTH;
	return rc == 0 ? AX_CRYPTO_OK : AX_CRYPTO_E_INTERNAL;
}

/* ChaCha20-Poly1305 (RFC 8439), one pass; same shape as gcm_crypt. */
static ax_crypto_status chachapoly_crypt(int enc, const uint8_t *key,
	const uint8_t *iv, const uint8_t *ad, size_t ad_len, const uint8_t *in,
	size_t len, uint8_t *out, uint8_t *tag)
{
	mbedtls_chachapoly_context ctx;
	int rc;

	mbedtls_chachapoly_init(&ctx);
	rc = mbedtls_chachapoly_setkey(&ctx, key);
	if (rc == 0 && enc)
		rc = mbedtls_chachapoly_encrypt_and_tag(&ctx, len, iv, ad,
			ad_len, in, out, tag);
	else if (rc == 0)
		rc = mbedtls_chachapoly_auth_decrypt(&ctx, len, iv, ad, ad_len,
			tag, in, out);
	mbedtls_chachapoly_free(&ctx);
	if (rc == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED)
		return AX_CRYPTO_E_AUTH;
	return rc == 0 ? AX_CRYPTO_OK : AX_CRYPTO_E_INTERNAL;
}

static ax_crypto_status aead_crypt(int enc, unsigned alg, const uint8_t *key,
	const uint8_t *iv, const uint8_t *ad, size_t ad_len, const uint8_t *in,
	size_t len, uint8_t *out, uint8_t *tag)
{
	pool_init();
	if (alg == AX_AEAD_AES128GCM)
		return gcm_crypt(enc, key, iv, ad, ad_len, in, len, out, tag);
	return chachapoly_crypt(enc, key, iv, ad, ad_len, in, len, out, tag);
}

ax_crypto_status ax_aead_seal(unsigned alg, const uint8_t *key,
	const uint8_t iv[static AX_AEAD_IV_LEN], const uint8_t *ad,
	size_t ad_len, const uint8_t *pt, size_t len, uint8_t *ct,
	uint8_t tag[static AX_AEAD_TAG_LEN])
{
	ax_crypto_status st = ax_crypto_aead_args(alg, key, ad, ad_len, pt,
		len, ct);

	if (st != AX_CRYPTO_OK)
		return st;
	st = aead_crypt(1, alg, key, iv, ad, ad_len, pt, len, ct, tag);
	if (st != AX_CRYPTO_OK)
		ax_wipe(tag, AX_AEAD_TAG_LEN);
	return st;
}

ax_crypto_status ax_aead_open(unsigned alg, const uint8_t *key,
	const uint8_t iv[static AX_AEAD_IV_LEN], const uint8_t *ad,
	size_t ad_len, const uint8_t *ct, size_t len,
	const uint8_t tag[static AX_AEAD_TAG_LEN], uint8_t *pt)
{
	ax_crypto_status st = ax_crypto_aead_args(alg, key, ad, ad_len, ct,
		len, pt);

	/* mbedTLS checks the tag after decrypting (and zeroes its output on
	 * a mismatch); wipe here too so the contract holds for every error.
	 * A len refused as too large does not describe pt: left alone. */
	if (st == AX_CRYPTO_OK)
		st = aead_crypt(0, alg, key, iv, ad, ad_len, ct, len, pt,
			(uint8_t *)(uintptr_t)tag);
	if (st != AX_CRYPTO_OK && pt != NULL && len <= AX_CRYPTO_LEN_MAX)
		ax_wipe(pt, len);
	return st;
}

ax_crypto_status ax_sha256(const struct ax_iov *iov, size_t n_iov,
	uint8_t out[static AX_SHA256_LEN])
{
	mbedtls_sha256_context ctx;
	size_t i;
	int rc;

	if (!ax_crypto_iov_ok(iov, n_iov))
		return AX_CRYPTO_E_ARG;
	mbedtls_sha256_init(&ctx);
	rc = mbedtls_sha256_starts_ret(&ctx, 0);
	for (i = 0; i < n_iov && rc == 0; i++)
		if (iov[i].len != 0)
			rc = mbedtls_sha256_update_ret(&ctx, iov[i].base,
				iov[i].len);
	if (rc == 0)
		rc = mbedtls_sha256_finish_ret(&ctx, out);
	mbedtls_sha256_free(&ctx); /* wipes the state */
	return rc == 0 ? AX_CRYPTO_OK : AX_CRYPTO_E_INTERNAL;
}

static const mbedtls_md_info_t *sha256_info(void)
{
	return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

/* HMAC through the MD layer: mbedtls_md_setup allocates the hash context
 * and the two pads from the pool; mbedtls_md_free wipes and frees them. */
static int hmac_run(mbedtls_md_context_t *ctx, const uint8_t *key,
	size_t key_len, const struct ax_iov *iov, size_t n_iov, uint8_t *out)
{
	static const uint8_t empty_key[1];
	size_t i;
	int rc;

	rc = mbedtls_md_setup(ctx, sha256_info(), 1);
	if (rc == 0)
		rc = mbedtls_md_hmac_starts(ctx, key_len != 0 ? key : empty_key,
			key_len);
	for (i = 0; i < n_iov && rc == 0; i++)
		if (iov[i].len != 0)
			rc = mbedtls_md_hmac_update(ctx, iov[i].base,
				iov[i].len);
	if (rc == 0)
		rc = mbedtls_md_hmac_finish(ctx, out);
	return rc;
}

ax_crypto_status ax_hmac_sha256(const uint8_t *key, size_t key_len,
	const struct ax_iov *iov, size_t n_iov,
	uint8_t out[static AX_HMAC_SHA256_LEN])
{
	mbedtls_md_context_t ctx;
	int rc;

	if ((key == NULL && key_len != 0) || key_len > AX_HKDF_SHA256_MAX ||
	    !ax_crypto_iov_ok(iov, n_iov))
		return AX_CRYPTO_E_ARG;
	pool_init();
	mbedtls_md_init(&ctx);
	rc = hmac_run(&ctx, key, key_len, iov, n_iov, out);
	mbedtls_md_free(&ctx);
	if (rc != 0) {
		ax_wipe(out, AX_HMAC_SHA256_LEN);
		return AX_CRYPTO_E_INTERNAL;
	}
	return AX_CRYPTO_OK;
}

ax_crypto_status ax_hkdf_sha256(const uint8_t *salt, size_t salt_len,
	const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
	size_t info_len, uint8_t *out, size_t out_len)
{
	static const uint8_t empty[1];
	int rc;

	if (out == NULL || out_len == 0 || out_len > AX_HKDF_SHA256_MAX ||
	    (salt == NULL && salt_len != 0) || salt_len > AX_HKDF_SHA256_MAX ||
	    (ikm == NULL && ikm_len != 0) || (info == NULL && info_len != 0))
		return AX_CRYPTO_E_ARG;
	pool_init();
	/* RFC 5869: a salt "not provided" is HashLen zeros; mbedTLS does that
	 * for a NULL salt. Empty ikm/info get a non-NULL pointer. The PRK and
	 * the T(i) blocks live inside mbedtls_hkdf, which wipes them. */
	rc = mbedtls_hkdf(sha256_info(), salt_len != 0 ? salt : NULL, salt_len,
		ikm_len != 0 ? ikm : empty, ikm_len,
		info_len != 0 ? info : empty, info_len, out, out_len);
	if (rc != 0) {
		ax_wipe(out, out_len);
		return AX_CRYPTO_E_INTERNAL;
	}
	return AX_CRYPTO_OK;
}

ax_crypto_status ax_mbedtls_seed(const uint8_t *seed, size_t seed_len)
{
	int rc;

	if (seed == NULL || seed_len < AX_MBEDTLS_SEED_MIN ||
	    seed_len > AX_MBEDTLS_SEED_MAX)
		return AX_CRYPTO_E_ARG;
	pool_init();
	if (prov.seeded)
		return mbedtls_hmac_drbg_update_ret(&prov.drbg, seed,
			seed_len) == 0 ? AX_CRYPTO_OK : AX_CRYPTO_E_INTERNAL;
	mbedtls_hmac_drbg_init(&prov.drbg);
	/* seed_buf: no entropy callback, so the DRBG never tries to reseed
	 * on its own; more material arrives only through this function. */
	rc = mbedtls_hmac_drbg_seed_buf(&prov.drbg, sha256_info(), seed,
		seed_len);
	if (rc != 0) {
		mbedtls_hmac_drbg_free(&prov.drbg);
		return AX_CRYPTO_E_INTERNAL;
	}
	prov.seeded = 1;
	return AX_CRYPTO_OK;
}

ax_crypto_status ax_random(uint8_t *out, size_t n)
{
	size_t chunk;

	if (out == NULL && n != 0)
		return AX_CRYPTO_E_ARG;
	if (n != 0 && !prov.seeded)
		return AX_CRYPTO_E_INTERNAL; /* never unseeded output */
	while (n != 0) {
		chunk = n < MBEDTLS_HMAC_DRBG_MAX_REQUEST ? n :
			MBEDTLS_HMAC_DRBG_MAX_REQUEST;
		if (mbedtls_hmac_drbg_random(&prov.drbg, out, chunk) != 0) {
			ax_wipe(out, chunk);
			return AX_CRYPTO_E_INTERNAL;
		}
		out += chunk;
		n -= chunk;
	}
	return AX_CRYPTO_OK;
}

const char *ax_crypto_provider(void)
{
	return "mbedtls";
}
