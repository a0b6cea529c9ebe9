/*
 * provider_openssl.c - the hosted ax_crypto provider over OpenSSL libcrypto 3;
 * see ax_crypto.h for every contract.
 *
 * Two things are kept between calls, neither of them secret:
 *  - the algorithm objects, fetched once per process (an implicit fetch by
 *    name on every EVP_*Init call costs a locked method-store lookup);
 *  - one EVP_CIPHER_CTX per thread, always left reset. EVP_CIPHER_CTX_reset
 *    frees the provider context with OPENSSL_clear_free, so no key schedule
 *    outlives the call that installed it.
 * OpenSSL takes int lengths for ciphers, so AEAD lengths above INT_MAX are
 * refused rather than silently truncated.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ax_crypto.h"
#include "ax_crypto_args.h"

static struct {
	EVP_CIPHER *aes128gcm;
	EVP_CIPHER *chacha20poly1305;
	EVP_MD *sha256;
	EVP_MAC *hmac;
	pthread_key_t ctx_key;
	int key_live;
	int ok;
} algs;

static pthread_once_t algs_once = PTHREAD_ONCE_INIT;

static void free_cipher_ctx(void *ctx)
{
	EVP_CIPHER_CTX_free(ctx);
}

static void fetch_algs(void)
{
	algs.aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	algs.chacha20poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305",
		NULL);
	algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	algs.key_live = pthread_key_create(&algs.ctx_key, free_cipher_ctx) == 0;
	algs.ok = algs.aes128gcm != NULL && algs.chacha20poly1305 != NULL &&
		  algs.sha256 != NULL && algs.hmac != NULL && algs.key_live;
}

/* When this copy of the provider is unloaded (a module image is dlclose'd),
 * the thread-exit destructor would point into unmapped code: free the
 * unloading thread's context (in authexd, the only thread that ever used
 * it), drop the key (other live threads' empty contexts then leak rather
 * than dangle) and refuse later calls. The context is always reset after
 * use, so freeing it touches no key material and no provider state; the
 * fetched algorithm objects are not freed, since at process exit OpenSSL
 * may already be cleaned up. */
__attribute__((destructor)) static void drop_ctx_key(void)
{
	EVP_CIPHER_CTX *ctx;

	algs.ok = 0;
	if (algs.key_live) {
		algs.key_live = 0;
		ctx = pthread_getspecific(algs.ctx_key);
		(void)pthread_setspecific(algs.ctx_key, NULL);
		EVP_CIPHER_CTX_free(ctx);
		(void)pthread_key_delete(algs.ctx_key);
	}
}

static int provider_ready(void)
{
	return pthread_once(&algs_once, fetch_algs) == 0 && algs.ok;
}

static EVP_CIPHER_CTX *thread_cipher_ctx(void)
{
	EVP_CIPHER_CTX *ctx = pthread_getspecific(algs.ctx_key);

	if (ctx != NULL)
		return ctx;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx != NULL && pthread_setspecific(algs.ctx_key, ctx) != 0) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* Leave the per-thread context empty. A context that fails to reset is
 * dropped rather than reused with whatever it still holds. */
static int release_cipher_ctx(EVP_CIPHER_CTX *ctx)
{
	if (EVP_CIPHER_CTX_reset(ctx) == 1)
		return 1;
	(void)pthread_setspecific(algs.ctx_key, NULL);
	EVP_CIPHER_CTX_free(ctx);
	return 0;
}

static const EVP_CIPHER *aead_cipher(unsigned alg)
{
	return alg == AX_AEAD_AES128GCM ? algs.aes128gcm :
					  algs.chacha20poly1305;
}
/* Feed AD and data through an initialised context. Zero lengths skip the
 * call so NULL pointers never reach OpenSSL. */
static int aead_update(EVP_CIPHER_CTX *ctx, const uint8_t *ad, size_t ad_len,
	const uint8_t *in, size_t len, uint8_t *out)
{
	int n;

	if (ad_len != 0 && EVP_CipherUpdate(ctx, NULL, &n, ad, (int)ad_len) != 1)
		return 0;
	if (len != 0 && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
			 n != (int)len))
		return 0;
	return 1;
}

/* One AEAD pass with arguments already checked. enc = 1 seals and writes
 * tag; enc = 0 opens and the final call checks tag (OpenSSL compares it in
 * constant time). */
static ax_crypto_status aead_crypt(int enc, unsigned alg, const uint8_t *key,
	const uint8_t *iv, const uint8_t *ad, size_t ad_len, const uint8_t *in,
	size_t len, uint8_t *out, uint8_t *tag)
{
	ax_crypto_status st = AX_CRYPTO_E_INTERNAL;
	EVP_CIPHER_CTX *ctx;
	uint8_t fin[AX_AEAD_TAG_LEN];
	int n = 0;

	if (!provider_ready() || (ctx = thread_cipher_ctx()) == NULL)
		return AX_CRYPTO_E_INTERNAL;
	/* Both ciphers default to the 12-byte IV and 16-byte tag. */
	if (EVP_CipherInit_ex2(ctx, aead_cipher(alg), key, iv, enc, NULL) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
			AX_AEAD_TAG_LEN, tag) != 1)
		goto out;
	if (!aead_update(ctx, ad, ad_len, in, len, out))
		goto out;
	if (EVP_CipherFinal_ex(ctx, fin, &n) != 1 || n != 0) {
		st = enc ? AX_CRYPTO_E_INTERNAL : AX_CRYPTO_E_AUTH;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
			AX_AEAD_TAG_LEN, tag) != 1)
		goto out;
	st = AX_CRYPTO_OK;
out:
	if (!release_cipher_ctx(ctx))
		st = st == AX_CRYPTO_OK ? AX_CRYPTO_E_INTERNAL : st;
	return st;
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
	return aead_crypt(1, alg, key, iv, ad, ad_len, pt, len, ct, tag);
}

ax_crypto_status ax_aead_open(unsigned alg, const uint8_t *key,
	const uint8_t iv[static AX_AEAD_IV_LEN], const uint8_t *ad,
	size_t ad_len, const uint8_t *ct, size_t len,
	const uint8_t tag[static AX_AEAD_TAG_LEN], uint8_t *pt)
{
	ax_crypto_status st = ax_crypto_aead_args(alg, key, ad, ad_len, ct,
		len, pt);

	/* The tag is only read; OpenSSL's ctrl just takes a void *. */
	if (st == AX_CRYPTO_OK)
		st = aead_crypt(0, alg, key, iv, ad, ad_len, ct, len, pt,
			(uint8_t *)(uintptr_t)tag);
	/* OpenSSL decrypts before it checks the tag: unverified plaintext
	 * is in pt now and must not be left behind. A len refused as too
	 * large does not describe pt, so it is not used to wipe it. */
	if (st != AX_CRYPTO_OK && pt != NULL && len <= AX_CRYPTO_LEN_MAX)
		ax_wipe(pt, len);
	return st;
}

ax_crypto_status ax_sha256(const struct ax_iov *iov, size_t n_iov,
	uint8_t out[static AX_SHA256_LEN])
{
	ax_crypto_status st = AX_CRYPTO_E_INTERNAL;
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	size_t i;

	if (!ax_crypto_iov_ok(iov, n_iov))
		return AX_CRYPTO_E_ARG;
	if (!provider_ready() || (ctx = EVP_MD_CTX_new()) == NULL)
		return AX_CRYPTO_E_INTERNAL;
	if (EVP_DigestInit_ex2(ctx, algs.sha256, NULL) != 1)
		goto out;
	for (i = 0; i < n_iov; i++)
		if (iov[i].len != 0 &&
		    EVP_DigestUpdate(ctx, iov[i].base, iov[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != AX_SHA256_LEN)
		goto out;
	st = AX_CRYPTO_OK;
out:
	EVP_MD_CTX_free(ctx); /* cleanses the digest state */
	return st;
}

static int hmac_run(EVP_MAC_CTX *ctx, const uint8_t *key, size_t key_len,
	const struct ax_iov *iov, size_t n_iov, uint8_t *out)
{
	/* An empty key must still be a non-NULL pointer: EVP_MAC_init with a
	 * NULL key means "keep the previous key", and there is none. */
	static const uint8_t empty_key[1];
	OSSL_PARAM params[2];
	size_t i, n = 0;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		(char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key_len != 0 ? key : empty_key, key_len,
			params) != 1)
		return 0;
	for (i = 0; i < n_iov; i++)
		if (iov[i].len != 0 &&
		    EVP_MAC_update(ctx, iov[i].base, iov[i].len) != 1)
			return 0;
	return EVP_MAC_final(ctx, out, &n, AX_HMAC_SHA256_LEN) == 1 &&
	       n == AX_HMAC_SHA256_LEN;
}

ax_crypto_status ax_hmac_sha256(const uint8_t *key, size_t key_len,
	const struct ax_iov *iov, size_t n_iov,
	uint8_t out[static AX_HMAC_SHA256_LEN])
{
	ax_crypto_status st = AX_CRYPTO_E_INTERNAL;
	EVP_MAC_CTX *ctx;

	if ((key == NULL && key_len != 0) || key_len > AX_HKDF_SHA256_MAX ||
	    !ax_crypto_iov_ok(iov, n_iov))
		return AX_CRYPTO_E_ARG;
	if (!provider_ready() || (ctx = EVP_MAC_CTX_new(algs.hmac)) == NULL)
		return AX_CRYPTO_E_INTERNAL;
	if (hmac_run(ctx, key, key_len, iov, n_iov, out))
		st = AX_CRYPTO_OK;
	else
		ax_wipe(out, AX_HMAC_SHA256_LEN);
	EVP_MAC_CTX_free(ctx); /* cleanses the keyed inner/outer states */
	return st;
}

ax_crypto_status ax_hkdf_sha256(const uint8_t *salt, size_t salt_len,
	const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
	size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t prk[AX_HMAC_SHA256_LEN], t[AX_HMAC_SHA256_LEN];
	ax_crypto_status st;
	struct ax_iov in[3];
	size_t done, n;
	uint8_t ctr = 0;

	if (out == NULL || out_len == 0 || out_len > AX_HKDF_SHA256_MAX ||
	    (ikm == NULL && ikm_len != 0) || (info == NULL && info_len != 0))
		return AX_CRYPTO_E_ARG;
	/* RFC 5869 2.2, extract: PRK = HMAC(salt, IKM). An empty salt is an
	 * empty HMAC key, which HMAC pads to HashLen zeros as the RFC says. */
	in[0] = (struct ax_iov){ ikm, ikm_len };
	st = ax_hmac_sha256(salt, salt_len, in, 1, prk);
	if (st != AX_CRYPTO_OK)
		goto out;
	/* RFC 5869 2.3, expand: T(i) = HMAC(PRK, T(i-1) | info | i), with
	 * T(0) empty; out_len <= 255 * HashLen keeps i in one byte. */
	for (done = 0; done < out_len; done += n) {
		ctr++;
		in[0] = (struct ax_iov){ t, ctr == 1 ? 0 : sizeof(t) };
		in[1] = (struct ax_iov){ info, info_len };
		in[2] = (struct ax_iov){ &ctr, 1 };
		st = ax_hmac_sha256(prk, sizeof(prk), in, 3, t);
		if (st != AX_CRYPTO_OK)
			goto out;
		n = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		memcpy(out + done, t, n);
	}
out:
	ax_wipe(prk, sizeof(prk));
	ax_wipe(t, sizeof(t));
	if (st != AX_CRYPTO_OK)
		ax_wipe(out, out_len);
	return st;
}

ax_crypto_status ax_random(uint8_t *out, size_t n)
{
	size_t chunk;

	if (out == NULL && n != 0)
		return AX_CRYPTO_E_ARG;
	/* RAND_bytes takes an int; larger requests go in pieces. */
	while (n != 0) {
		chunk = n < INT_MAX ? n : INT_MAX;
		if (RAND_bytes(out, (int)chunk) != 1)
			return AX_CRYPTO_E_INTERNAL;
		out += chunk;
		n -= chunk;
	}
	return AX_CRYPTO_OK;
}

const char *ax_crypto_provider(void)
{
	return "openssl";
}
