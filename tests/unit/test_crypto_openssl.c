/*
 * test_crypto_openssl.c - known-answer and attack tests of the OpenSSL
 * provider (src/crypto/provider_openssl.c) through ax_crypto.h.
 *
 * The vectors, each from the standard it is copied from, are in
 * tests/ax_crypto_vectors.h, shared with the mbedTLS provider's tests.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ax_crypto.h"
#include "ax_crypto_vectors.h"

#define BUF_MAX 512

/* Decode a hex string into out (capacity cap); returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex), i;
	unsigned v;

	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (i = 0; i < n / 2; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

static void assert_all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

/* ------------------------------------------------------------ AEAD KATs */

_Static_assert(KAT_AES128GCM == AX_AEAD_AES128GCM &&
	KAT_CHACHA20POLY1305 == AX_AEAD_CHACHA20POLY1305,
	"ax_crypto_vectors.h numbers the AEADs as ax_crypto.h does");

struct aead_buf {
	uint8_t key[AX_AEAD_KEY_MAX], iv[AX_AEAD_IV_LEN], tag[AX_AEAD_TAG_LEN];
	uint8_t ad[BUF_MAX], pt[BUF_MAX], ct[BUF_MAX];
	size_t ad_len, len;
};

static void load_kat(const struct aead_kat *k, struct aead_buf *b)
{
	memset(b, 0, sizeof(*b));
	assert_int_equal(unhex(k->key, b->key, sizeof(b->key)),
		ax_aead_key_len(k->alg));
	assert_int_equal(unhex(k->iv, b->iv, sizeof(b->iv)), AX_AEAD_IV_LEN);
	assert_int_equal(unhex(k->tag, b->tag, sizeof(b->tag)),
		AX_AEAD_TAG_LEN);
	b->ad_len = unhex(k->ad, b->ad, sizeof(b->ad));
	b->len = unhex(k->pt, b->pt, sizeof(b->pt));
	assert_int_equal(unhex(k->ct, b->ct, sizeof(b->ct)), b->len);
}

/* Empty inputs are passed as NULL, exercising the NULL/0 convention. */
#define OR_NULL(p, n) ((n) != 0 ? (p) : NULL)

static void check_kat_seal(const struct aead_kat *k, const struct aead_buf *b)
{
	uint8_t out[BUF_MAX], tag[AX_AEAD_TAG_LEN];

	print_message("seal %s\n", k->src);
	assert_int_equal(ax_aead_seal(k->alg, b->key, b->iv,
		OR_NULL(b->ad, b->ad_len), b->ad_len, OR_NULL(b->pt, b->len),
		b->len, OR_NULL(out, b->len), tag), AX_CRYPTO_OK);
	assert_memory_equal(out, b->ct, b->len);
	assert_memory_equal(tag, b->tag, AX_AEAD_TAG_LEN);
}

static void check_kat_open(const struct aead_kat *k, const struct aead_buf *b)
{
	uint8_t out[BUF_MAX];

	print_message("open %s\n", k->src);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ax_aead_open(k->alg, b->key, b->iv,
		OR_NULL(b->ad, b->ad_len), b->ad_len, OR_NULL(b->ct, b->len),
		b->len, b->tag, OR_NULL(out, b->len)), AX_CRYPTO_OK);
	assert_memory_equal(out, b->pt, b->len);
}

static void test_aead_kats(void **state)
{
	struct aead_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(aead_kats) / sizeof(aead_kats[0]); i++) {
		load_kat(&aead_kats[i], &b);
		check_kat_seal(&aead_kats[i], &b);
		check_kat_open(&aead_kats[i], &b);
	}
}

/* ------------------------------------------------- AEAD attack tests */

/* A valid sealed message for alg, built from the KAT inputs so that the
 * tamper tests start from something that does open. */
static void sealed_sample(unsigned alg, struct aead_buf *b)
{
	load_kat(&aead_kats[alg == AX_AEAD_AES128GCM ? KAT_GCM_TC4 :
		KAT_RFC8439_282], b);
	assert_true(b->len > 0 && b->ad_len > 0);
}

static ax_crypto_status open_into(unsigned alg, const struct aead_buf *b,
	uint8_t *out)
{
	memset(out, 0xa5, BUF_MAX);
	return ax_aead_open(alg, b->key, b->iv, b->ad, b->ad_len, b->ct,
		b->len, b->tag, out);
}

/* Flip one bit of field[i] for every i, expect E_AUTH and a zeroed output,
 * then restore the byte and check the message opens again. */
static void flip_each(unsigned alg, struct aead_buf *b, uint8_t *field,
	size_t n)
{
	uint8_t out[BUF_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		field[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(open_into(alg, b, out), AX_CRYPTO_E_AUTH);
		assert_all_zero(out, b->len);
		field[i] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(open_into(alg, b, out), AX_CRYPTO_OK);
	assert_memory_equal(out, b->pt, b->len);
}

static void test_aead_tamper(void **state)
{
	static const unsigned algs[] = { AX_AEAD_AES128GCM,
		AX_AEAD_CHACHA20POLY1305 };
	struct aead_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		sealed_sample(algs[i], &b);
		flip_each(algs[i], &b, b.ct, b.len);
		flip_each(algs[i], &b, b.tag, AX_AEAD_TAG_LEN);
		flip_each(algs[i], &b, b.ad, b.ad_len);
		flip_each(algs[i], &b, b.iv, AX_AEAD_IV_LEN);
		/* Wrong key: a single bit anywhere in it. */
		flip_each(algs[i], &b, b.key, ax_aead_key_len(algs[i]));
	}
}

/* A dropped or added byte of AD or ciphertext is also a forgery. */
static void test_aead_length_change(void **state)
{
	struct aead_buf b;
	uint8_t out[BUF_MAX];

	(void)state;
	sealed_sample(AX_AEAD_AES128GCM, &b);
	b.len--;
	assert_int_equal(open_into(AX_AEAD_AES128GCM, &b, out),
		AX_CRYPTO_E_AUTH);
	assert_all_zero(out, b.len);
	b.len++;
	b.ad_len++;
	assert_int_equal(open_into(AX_AEAD_AES128GCM, &b, out),
		AX_CRYPTO_E_AUTH);
	assert_all_zero(out, b.len);
}

static void test_aead_unknown_alg(void **state)
{
	static const unsigned bad[] = { 0, 3, 255, UINT_MAX };
	uint8_t key[32] = { 1 }, iv[12] = { 2 }, tag[16] = { 0 };
	uint8_t pt[8] = "payload", out[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ax_aead_seal(bad[i], key, iv, NULL, 0, pt, 8,
			out, tag), AX_CRYPTO_E_ARG);
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(ax_aead_open(bad[i], key, iv, NULL, 0, pt, 8,
			tag, out), AX_CRYPTO_E_ARG);
		assert_all_zero(out, sizeof(out));
	}
}

static void test_aead_key_len(void **state)
{
	(void)state;
	assert_int_equal(ax_aead_key_len(AX_AEAD_AES128GCM), 16);
	assert_int_equal(ax_aead_key_len(AX_AEAD_CHACHA20POLY1305), 32);
	assert_int_equal(ax_aead_key_len(1), 16);
	assert_int_equal(ax_aead_key_len(2), 32);
	assert_int_equal(ax_aead_key_len(0), 0);
	assert_int_equal(ax_aead_key_len(3), 0);
	assert_int_equal(ax_aead_key_len(255), 0);
}

static void test_aead_null_with_length(void **state)
{
	uint8_t key[32] = { 1 }, iv[12] = { 2 }, tag[16] = { 0 };
	uint8_t buf[16] = { 3 }, out[16];
	const unsigned a = AX_AEAD_AES128GCM;

	(void)state;
	assert_int_equal(ax_aead_seal(a, NULL, iv, NULL, 0, buf, 16, out,
		tag), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_aead_seal(a, key, iv, NULL, 5, buf, 16, out, tag),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_aead_seal(a, key, iv, NULL, 0, NULL, 16, out, tag),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_aead_seal(a, key, iv, NULL, 0, buf, 16, NULL, tag),
		AX_CRYPTO_E_ARG);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ax_aead_open(a, key, iv, NULL, 0, NULL, 16, tag, out),
		AX_CRYPTO_E_ARG);
	assert_all_zero(out, sizeof(out));
	assert_int_equal(ax_aead_open(a, key, iv, NULL, 0, buf, 16, tag, NULL),
		AX_CRYPTO_E_ARG);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ax_aead_open(a, NULL, iv, NULL, 0, buf, 16, tag, out),
		AX_CRYPTO_E_ARG);
	assert_all_zero(out, sizeof(out));
}

/* Lengths OpenSSL cannot take are refused before any byte is touched (the
 * buffers are small: ASan would catch a read or write past them). In place,
 * so that only the length check can be what refuses the call. */
static void test_aead_too_long(void **state)
{
	uint8_t key[16] = { 1 }, iv[12] = { 2 }, tag[16] = { 0 };
	uint8_t buf[16], out[16];
	const size_t big = (size_t)INT_MAX + 1;
	size_t i;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(ax_aead_seal(1, key, iv, NULL, 0, buf, big, buf, tag),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_aead_open(1, key, iv, NULL, 0, buf, big, tag, buf),
		AX_CRYPTO_E_ARG);
	/* A refused length does not describe pt: it is left alone. */
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(ax_aead_seal(1, key, iv, buf, big, buf, 16, out, tag),
		AX_CRYPTO_E_ARG);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(ax_aead_open(1, key, iv, buf, big, buf, 16, tag, out),
		AX_CRYPTO_E_ARG);
	assert_all_zero(out, sizeof(out));
}

/* Overlap other than exact in-place is refused. */
static void test_aead_partial_overlap(void **state)
{
	uint8_t key[16] = { 1 }, iv[12] = { 2 }, tag[16], buf[64] = { 3 };

	(void)state;
	assert_int_equal(ax_aead_seal(1, key, iv, NULL, 0, buf, 32, buf + 1,
		tag), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_aead_seal(1, key, iv, NULL, 0, buf + 8, 32, buf,
		tag), AX_CRYPTO_E_ARG);
	/* Adjacent is fine. */
	assert_int_equal(ax_aead_seal(1, key, iv, NULL, 0, buf, 32, buf + 32,
		tag), AX_CRYPTO_OK);
}

static void roundtrip_in_place(unsigned alg)
{
	struct aead_buf b;
	uint8_t buf[BUF_MAX], tag[AX_AEAD_TAG_LEN];

	sealed_sample(alg, &b);
	memcpy(buf, b.pt, b.len);
	assert_int_equal(ax_aead_seal(alg, b.key, b.iv, b.ad, b.ad_len, buf,
		b.len, buf, tag), AX_CRYPTO_OK);
	assert_memory_equal(buf, b.ct, b.len);
	assert_memory_equal(tag, b.tag, AX_AEAD_TAG_LEN);
	assert_int_equal(ax_aead_open(alg, b.key, b.iv, b.ad, b.ad_len, buf,
		b.len, tag, buf), AX_CRYPTO_OK);
	assert_memory_equal(buf, b.pt, b.len);
	/* In place and forged: the ciphertext buffer ends up zeroed. */
	memcpy(buf, b.ct, b.len);
	tag[0] ^= 0x80;
	assert_int_equal(ax_aead_open(alg, b.key, b.iv, b.ad, b.ad_len, buf,
		b.len, tag, buf), AX_CRYPTO_E_AUTH);
	assert_all_zero(buf, b.len);
}

static void test_aead_in_place(void **state)
{
	(void)state;
	roundtrip_in_place(AX_AEAD_AES128GCM);
	roundtrip_in_place(AX_AEAD_CHACHA20POLY1305);
}

static void empty_roundtrip(unsigned alg)
{
	uint8_t key[32] = { 9 }, iv[12] = { 8 }, tag[16], ad[4] = { 7 };

	assert_int_equal(ax_aead_seal(alg, key, iv, NULL, 0, NULL, 0, NULL,
		tag), AX_CRYPTO_OK);
	assert_int_equal(ax_aead_open(alg, key, iv, NULL, 0, NULL, 0, tag,
		NULL), AX_CRYPTO_OK);
	/* The tag still authenticates AD when there is no plaintext. */
	assert_int_equal(ax_aead_open(alg, key, iv, ad, 4, NULL, 0, tag,
		NULL), AX_CRYPTO_E_AUTH);
	assert_int_equal(ax_aead_seal(alg, key, iv, ad, 4, NULL, 0, NULL,
		tag), AX_CRYPTO_OK);
	assert_int_equal(ax_aead_open(alg, key, iv, ad, 4, NULL, 0, tag,
		NULL), AX_CRYPTO_OK);
	tag[15] ^= 1;
	assert_int_equal(ax_aead_open(alg, key, iv, ad, 4, NULL, 0, tag,
		NULL), AX_CRYPTO_E_AUTH);
}

static void test_aead_empty(void **state)
{
	(void)state;
	empty_roundtrip(AX_AEAD_AES128GCM);
	empty_roundtrip(AX_AEAD_CHACHA20POLY1305);
}

/* The provider keeps one cipher context per thread: hammer it from a few
 * threads at once, each with its own key, and let the threads exit (the
 * sanitizer build then checks the per-thread context is freed). */
static void *aead_worker(void *arg)
{
	uint8_t key[32], iv[12] = { 0 }, msg[100], ct[100], out[100], tag[16];
	uintptr_t id = (uintptr_t)arg, ok = 1;
	int i;

	memset(key, (int)id, sizeof(key));
	memset(msg, (int)(id * 3), sizeof(msg));
	for (i = 0; i < 300 && ok; i++) {
		unsigned alg = 1 + (unsigned)((i + (int)id) % 2);

		iv[0] = (uint8_t)i;
		ok = ax_aead_seal(alg, key, iv, iv, 12, msg, 100, ct, tag) ==
			     AX_CRYPTO_OK &&
		     ax_aead_open(alg, key, iv, iv, 12, ct, 100, tag, out) ==
			     AX_CRYPTO_OK &&
		     memcmp(out, msg, 100) == 0;
	}
	return (void *)ok;
}

static void test_aead_threads(void **state)
{
	pthread_t th[4];
	void *ok;
	uintptr_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, aead_worker,
			(void *)(i + 1)), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ok), 0);
		assert_true(ok == (void *)1);
	}
}

/* --------------------------------------------------------------- SHA-256 */

static void check_sha(const struct ax_iov *iov, size_t n_iov,
	const char *want_hex)
{
	uint8_t got[32], want[32];

	assert_int_equal(unhex(want_hex, want, sizeof(want)), 32);
	assert_int_equal(ax_sha256(iov, n_iov, got), AX_CRYPTO_OK);
	assert_memory_equal(got, want, 32);
}

/* Each message in one piece; empty input also as no iov at all. */
static void test_sha256_kats(void **state)
{
	const struct sha256_kat *k;
	struct ax_iov iov;
	size_t i;

	(void)state;
	for (i = 0; i < N_SHA256_KATS; i++) {
		k = &sha256_kats[i];
		print_message("%s\n", k->src);
		iov = (struct ax_iov){ k->msg, strlen(k->msg) };
		check_sha(&iov, 1, k->digest);
	}
	check_sha(NULL, 0, sha256_kats[KAT_SHA256_EMPTY].digest);
}

/* The 448-bit message in uneven pieces, with an empty NULL piece, must hash
 * like the whole (FIPS 180-2 B.2). */
static void test_sha256_iov_split(void **state)
{
	const struct sha256_kat *k = &sha256_kats[KAT_SHA256_448];
	const char *m = k->msg;
	struct ax_iov iov[5] = {
		{ m, 1 }, { NULL, 0 }, { m + 1, 30 }, { m + 31, 0 },
		{ m + 31, 25 },
	};

	(void)state;
	assert_int_equal(strlen(m), 56);
	check_sha(iov, 5, k->digest);
}

static void test_sha256_bad_args(void **state)
{
	struct ax_iov bad = { NULL, 3 };
	uint8_t out[32];

	(void)state;
	assert_int_equal(ax_sha256(NULL, 1, out), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_sha256(&bad, 1, out), AX_CRYPTO_E_ARG);
}

/* ------------------------------------------------------------ HMAC-SHA256 */

static void check_hmac(const struct hmac_kat *k, int split)
{
	uint8_t key[200], data[200], want[32], got[32];
	size_t key_len = k->key_len, data_len = k->data_len, want_len, h;
	struct ax_iov iov[2];

	if (k->key_hex != NULL)
		key_len = unhex(k->key_hex, key, sizeof(key));
	else
		memset(key, k->key_byte, key_len);
	if (k->data != NULL) {
		data_len = strlen(k->data);
		memcpy(data, k->data, data_len);
	} else {
		memset(data, k->data_byte, data_len);
	}
	want_len = unhex(k->mac, want, sizeof(want));
	h = split ? data_len / 3 : data_len;
	iov[0] = (struct ax_iov){ data, h };
	iov[1] = (struct ax_iov){ data + h, data_len - h };
	assert_int_equal(ax_hmac_sha256(key, key_len, iov, 2, got),
		AX_CRYPTO_OK);
	assert_memory_equal(got, want, want_len);
}

static void test_hmac_kats(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		print_message("RFC 4231 test case %zu\n", i + 1);
		check_hmac(&hmac_kats[i], 0);
		check_hmac(&hmac_kats[i], 1);
	}
}

static void test_hmac_bad_args(void **state)
{
	static uint8_t big[AX_HKDF_SHA256_MAX + 1];
	struct ax_iov iov = { "x", 1 }, bad = { NULL, 1 };
	uint8_t out[32];

	(void)state;
	assert_int_equal(ax_hmac_sha256(NULL, 1, &iov, 1, out),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hmac_sha256(big, 1, NULL, 1, out),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hmac_sha256(big, 1, &bad, 1, out),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hmac_sha256(big, sizeof(big), &iov, 1, out),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hmac_sha256(big, sizeof(big) - 1, &iov, 1, out),
		AX_CRYPTO_OK);
	assert_int_equal(ax_hmac_sha256(NULL, 0, NULL, 0, out), AX_CRYPTO_OK);
}

/* ------------------------------------------------------------ HKDF-SHA256 */

struct hkdf_buf {
	uint8_t ikm[KAT_HKDF_IN_MAX], salt[KAT_HKDF_IN_MAX];
	uint8_t info[KAT_HKDF_IN_MAX], okm[KAT_HKDF_OKM_MAX];
	size_t ikm_len, salt_len, info_len, okm_len;
};

static void load_hkdf(unsigned kat, struct hkdf_buf *b)
{
	const struct hkdf_kat *k = &hkdf_kats[kat];

	print_message("%s\n", k->src);
	b->ikm_len = unhex(k->ikm, b->ikm, sizeof(b->ikm));
	b->salt_len = unhex(k->salt, b->salt, sizeof(b->salt));
	b->info_len = unhex(k->info, b->info, sizeof(b->info));
	b->okm_len = unhex(k->okm, b->okm, sizeof(b->okm));
}

/* b's IKM and info, under salt (b's own or another spelling of it), must
 * derive b's OKM. */
static void check_hkdf(const struct hkdf_buf *b, const uint8_t *salt,
	size_t salt_len)
{
	uint8_t got[KAT_HKDF_OKM_MAX];

	memset(got, 0, sizeof(got));
	assert_int_equal(ax_hkdf_sha256(salt, salt_len, b->ikm, b->ikm_len,
		OR_NULL(b->info, b->info_len), b->info_len, got, b->okm_len),
		AX_CRYPTO_OK);
	assert_memory_equal(got, b->okm, b->okm_len);
}

static void test_hkdf_tc1(void **state)
{
	struct hkdf_buf b;

	(void)state;
	load_hkdf(KAT_HKDF_A1, &b);
	check_hkdf(&b, b.salt, b.salt_len);
}

static void test_hkdf_tc2(void **state)
{
	struct hkdf_buf b;

	(void)state;
	load_hkdf(KAT_HKDF_A2, &b);
	check_hkdf(&b, b.salt, b.salt_len);
}

/* Test Case 3's salt "not provided" equals HashLen zero bytes, so both
 * spellings; its info is empty (passed as NULL). */
static void test_hkdf_tc3(void **state)
{
	static const uint8_t zeros[32];
	struct hkdf_buf b;

	(void)state;
	load_hkdf(KAT_HKDF_A3, &b);
	assert_int_equal(b.salt_len, 0);
	check_hkdf(&b, NULL, 0);
	check_hkdf(&b, zeros, sizeof(zeros));
}

/* Refused lengths and NULLs, then the longest output, around Test Case 1's
 * inputs. */
static void test_hkdf_lengths(void **state)
{
	static uint8_t out[AX_HKDF_SHA256_MAX + 1];
	struct hkdf_buf b;
	uint8_t small[4];

	(void)state;
	load_hkdf(KAT_HKDF_A1, &b);
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, b.ikm, b.ikm_len,
		b.info, b.info_len, out, 0), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, b.ikm, b.ikm_len,
		b.info, b.info_len, out, AX_HKDF_SHA256_MAX + 1),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, b.ikm, b.ikm_len,
		b.info, b.info_len, NULL, 4), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, NULL, b.ikm_len,
		b.info, b.info_len, out, 4), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, b.ikm, b.ikm_len,
		NULL, b.info_len, out, 4), AX_CRYPTO_E_ARG);
	/* The salt is the extract step's HMAC key, bounded like one. */
	assert_int_equal(ax_hkdf_sha256(out, AX_HKDF_SHA256_MAX + 1, b.ikm,
		b.ikm_len, b.info, b.info_len, small, 4), AX_CRYPTO_E_ARG);
	/* The maximum works (counter reaches 255) and HKDF output is
	 * prefix-consistent, so it starts with the Test Case 1 OKM. */
	assert_int_equal(ax_hkdf_sha256(b.salt, b.salt_len, b.ikm, b.ikm_len,
		b.info, b.info_len, out, AX_HKDF_SHA256_MAX), AX_CRYPTO_OK);
	assert_memory_equal(out, b.okm, b.okm_len);
}

/* ------------------------------------------------------- random, misc */

/* Two draws differ, and every part of a draw is written: each 8-byte
 * quarter of a zeroed buffer changes (false failure odds: 2^-64 each). */
static void test_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[8] = { 0 };
	size_t q;

	(void)state;
	assert_int_equal(ax_random(a, sizeof(a)), AX_CRYPTO_OK);
	assert_int_equal(ax_random(b, sizeof(b)), AX_CRYPTO_OK);
	assert_memory_not_equal(a, b, 32);
	for (q = 0; q < 32; q += 8) {
		assert_memory_not_equal(a + q, zero, 8);
		assert_memory_not_equal(b + q, zero, 8);
	}
	assert_int_equal(ax_random(NULL, 0), AX_CRYPTO_OK);
	assert_int_equal(ax_random(NULL, 1), AX_CRYPTO_E_ARG);
}

static void test_provider_name(void **state)
{
	(void)state;
	assert_string_equal(ax_crypto_provider(), "openssl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_kats),
		cmocka_unit_test(test_aead_tamper),
		cmocka_unit_test(test_aead_length_change),
		cmocka_unit_test(test_aead_unknown_alg),
		cmocka_unit_test(test_aead_key_len),
		cmocka_unit_test(test_aead_null_with_length),
		cmocka_unit_test(test_aead_too_long),
		cmocka_unit_test(test_aead_partial_overlap),
		cmocka_unit_test(test_aead_in_place),
		cmocka_unit_test(test_aead_empty),
		cmocka_unit_test(test_aead_threads),
		cmocka_unit_test(test_sha256_kats),
		cmocka_unit_test(test_sha256_iov_split),
		cmocka_unit_test(test_sha256_bad_args),
		cmocka_unit_test(test_hmac_kats),
		cmocka_unit_test(test_hmac_bad_args),
		cmocka_unit_test(test_hkdf_tc1),
		cmocka_unit_test(test_hkdf_tc2),
		cmocka_unit_test(test_hkdf_tc3),
		cmocka_unit_test(test_hkdf_lengths),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_provider_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
