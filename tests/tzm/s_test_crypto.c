/*
 * s_test_crypto.c - known-answer and attack tests of the mbedTLS provider
 * (src/crypto/provider_mbedtls.c) on the Cortex-M33, through ax_crypto.h.
 * The vectors are tests/ax_crypto_vectors.h's, the ones
 * tests/unit/test_crypto_openssl.c checks the OpenSSL provider with: McGrew
 * & Viega's GCM specification, RFC 8439, FIPS 180-2, RFC 4231, RFC 5869.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"
#include "provider_mbedtls.h"
#include "tzm_check.h"

/* By path: the firmware build's include directories do not name tests/. */
#include "../ax_crypto_vectors.h"

#define BUF_MAX 320

_Static_assert(KAT_AES128GCM == AX_AEAD_AES128GCM &&
	KAT_CHACHA20POLY1305 == AX_AEAD_CHACHA20POLY1305,
	"ax_crypto_vectors.h numbers the AEADs as ax_crypto.h does");

#define N_HMAC (sizeof(hmac_kats) / sizeof(hmac_kats[0]))

struct aead_buf {
	uint8_t key[AX_AEAD_KEY_MAX], iv[AX_AEAD_IV_LEN], tag[AX_AEAD_TAG_LEN];
	uint8_t ad[BUF_MAX], pt[BUF_MAX], ct[BUF_MAX];
	size_t ad_len, len;
};

static struct aead_buf kb;
static uint8_t out[BUF_MAX];

#define OR_NULL(p, n) ((n) != 0 ? (p) : NULL)

static int load_kat(const struct aead_kat *k, struct aead_buf *b)
{
	size_t ct_len;

	b->ad_len = tzm_unhex(k->ad, b->ad, sizeof(b->ad));
	b->len = tzm_unhex(k->pt, b->pt, sizeof(b->pt));
	ct_len = tzm_unhex(k->ct, b->ct, sizeof(b->ct));
	return tzm_unhex(k->key, b->key, sizeof(b->key)) ==
		       ax_aead_key_len(k->alg) &&
	       tzm_unhex(k->iv, b->iv, sizeof(b->iv)) == AX_AEAD_IV_LEN &&
	       tzm_unhex(k->tag, b->tag, sizeof(b->tag)) == AX_AEAD_TAG_LEN &&
	       ct_len == b->len && b->len <= BUF_MAX && b->ad_len <= BUF_MAX;
}

static ax_crypto_status open_kb(unsigned alg)
{
	for (size_t i = 0; i < BUF_MAX; i++)
		out[i] = 0xa5;
	return ax_aead_open(alg, kb.key, kb.iv, OR_NULL(kb.ad, kb.ad_len),
		kb.ad_len, OR_NULL(kb.ct, kb.len), kb.len, kb.tag,
		OR_NULL(out, kb.len));
}

static void aead_kats_run(void)
{
	uint8_t tag[AX_AEAD_TAG_LEN];

	for (size_t i = 0; i < N_AEAD_KATS; i++) {
		const struct aead_kat *k = &aead_kats[i];

		CHECK(load_kat(k, &kb));
		CHECK(ax_aead_seal(k->alg, kb.key, kb.iv,
			OR_NULL(kb.ad, kb.ad_len), kb.ad_len,
			OR_NULL(kb.pt, kb.len), kb.len, OR_NULL(out, kb.len),
			tag) == AX_CRYPTO_OK);
		CHECK(tzm_eq(out, kb.ct, kb.len));
		CHECK(tzm_eq(tag, kb.tag, AX_AEAD_TAG_LEN));
		CHECK(open_kb(k->alg) == AX_CRYPTO_OK);
		CHECK(tzm_eq(out, kb.pt, kb.len));
	}
}

/* Flip one bit of every byte of a field in turn: E_AUTH with the output
 * wiped each time, and the message opens again once restored. */
static void flip_each(unsigned alg, uint8_t *field, size_t n)
{
	int all_refused = 1;

	for (size_t i = 0; i < n; i++) {
		field[i] ^= (uint8_t)(1u << (i % 8));
		if (open_kb(alg) != AX_CRYPTO_E_AUTH || !tzm_all(out, kb.len, 0))
			all_refused = 0;
		field[i] ^= (uint8_t)(1u << (i % 8));
	}
	CHECK(all_refused);
	CHECK(open_kb(alg) == AX_CRYPTO_OK && tzm_eq(out, kb.pt, kb.len));
}

static void aead_tamper_run(void)
{
	static const unsigned algs[2] = { AX_AEAD_AES128GCM,
		AX_AEAD_CHACHA20POLY1305 };

	for (size_t a = 0; a < 2; a++) {
		CHECK(load_kat(&aead_kats[a == 0 ? KAT_GCM_TC4 :
			KAT_RFC8439_282], &kb));
		flip_each(algs[a], kb.ct, kb.len);
		flip_each(algs[a], kb.tag, AX_AEAD_TAG_LEN);
		flip_each(algs[a], kb.ad, kb.ad_len);
		flip_each(algs[a], kb.iv, AX_AEAD_IV_LEN);
		flip_each(algs[a], kb.key, ax_aead_key_len(algs[a]));
		/* A dropped byte of ciphertext or an added byte of AD. */
		kb.len--;
		CHECK(open_kb(algs[a]) == AX_CRYPTO_E_AUTH);
		kb.len++;
		kb.ad_len++;
		CHECK(open_kb(algs[a]) == AX_CRYPTO_E_AUTH);
		kb.ad_len--;
	}
}

/* In place, forged in place (buffer wiped), bad arguments. */
static void aead_misc_run(void)
{
	static uint8_t buf[BUF_MAX];
	uint8_t tag[AX_AEAD_TAG_LEN], key[32] = { 1 }, iv[12] = { 2 };

	CHECK(load_kat(&aead_kats[KAT_RFC8439_282], &kb));
	for (size_t i = 0; i < kb.len; i++)
		buf[i] = kb.pt[i];
	CHECK(ax_aead_seal(2, kb.key, kb.iv, kb.ad, kb.ad_len, buf, kb.len,
		buf, tag) == AX_CRYPTO_OK && tzm_eq(buf, kb.ct, kb.len));
	tag[3] ^= 0x10;
	CHECK(ax_aead_open(2, kb.key, kb.iv, kb.ad, kb.ad_len, buf, kb.len,
		tag, buf) == AX_CRYPTO_E_AUTH && tzm_all(buf, kb.len, 0));
	CHECK(ax_aead_key_len(0) == 0 && ax_aead_key_len(3) == 0);
	CHECK(ax_aead_seal(3, key, iv, NULL, 0, buf, 16, buf, tag) ==
		AX_CRYPTO_E_ARG);
	CHECK(ax_aead_seal(1, key, iv, NULL, 0, buf, 32, buf + 1, tag) ==
		AX_CRYPTO_E_ARG);
	CHECK(ax_aead_seal(1, NULL, iv, NULL, 0, buf, 16, buf, tag) ==
		AX_CRYPTO_E_ARG);
	CHECK(ax_aead_open(1, key, iv, NULL, 0, NULL, 16, tag, buf) ==
		AX_CRYPTO_E_ARG && tzm_all(buf, 16, 0));
	/* Empty message: the tag still covers the AD. */
	CHECK(ax_aead_seal(1, key, iv, buf, 4, NULL, 0, NULL, tag) ==
		AX_CRYPTO_OK);
	CHECK(ax_aead_open(1, key, iv, buf, 4, NULL, 0, tag, NULL) ==
		AX_CRYPTO_OK);
	CHECK(ax_aead_open(1, key, iv, NULL, 0, NULL, 0, tag, NULL) ==
		AX_CRYPTO_E_AUTH);
}

static void check_sha(const struct ax_iov *iov, size_t n, const char *want)
{
	uint8_t got[32], w[32];

	CHECK(tzm_unhex(want, w, sizeof(w)) == 32);
	CHECK(ax_sha256(iov, n, got) == AX_CRYPTO_OK && tzm_eq(got, w, 32));
}

/* FIPS 180-2 B.1 and B.2, B.2 in uneven pieces, the empty string as no
 * iov at all. */
static void sha256_run(void)
{
	const struct sha256_kat *abc = &sha256_kats[KAT_SHA256_ABC];
	const struct sha256_kat *b2 = &sha256_kats[KAT_SHA256_448];
	const char *m = b2->msg;
	struct ax_iov one = { abc->msg, 3 }, all = { m, 56 }, bad = { NULL, 3 };
	struct ax_iov split[4] = { { m, 1 }, { NULL, 0 }, { m + 1, 30 },
		{ m + 31, 25 } };
	uint8_t o[32];

	check_sha(&one, 1, abc->digest);
	check_sha(&all, 1, b2->digest);
	check_sha(split, 4, b2->digest);
	check_sha(NULL, 0, sha256_kats[KAT_SHA256_EMPTY].digest);
	CHECK(ax_sha256(&bad, 1, o) == AX_CRYPTO_E_ARG);
}

static void check_hmac(const struct hmac_kat *k, size_t split)
{
	static uint8_t key[200], data[200];
	uint8_t want[32], got[32];
	size_t key_len = k->key_len, data_len = k->data_len, want_len, i;
	struct ax_iov iov[2];

	if (k->key_hex != NULL)
		key_len = tzm_unhex(k->key_hex, key, sizeof(key));
	else
		for (i = 0; i < key_len; i++)
			key[i] = k->key_byte;
	if (k->data != NULL)
		for (data_len = 0; k->data[data_len] != '\0'; data_len++)
			data[data_len] = (uint8_t)k->data[data_len];
	else
		for (i = 0; i < data_len; i++)
			data[i] = k->data_byte;
	want_len = tzm_unhex(k->mac, want, sizeof(want));
	split = split ? data_len / 3 : data_len;
	iov[0] = (struct ax_iov){ data, split };
	iov[1] = (struct ax_iov){ data + split, data_len - split };
	CHECK(ax_hmac_sha256(key, key_len, iov, 2, got) == AX_CRYPTO_OK &&
	      tzm_eq(got, want, want_len));
}

static void hmac_run(void)
{
	uint8_t o[32];

	for (size_t i = 0; i < N_HMAC; i++) {
		check_hmac(&hmac_kats[i], 0);
		check_hmac(&hmac_kats[i], 1);
	}
	CHECK(ax_hmac_sha256(NULL, 1, NULL, 0, o) == AX_CRYPTO_E_ARG);
	CHECK(ax_hmac_sha256(NULL, 0, NULL, 0, o) == AX_CRYPTO_OK);
}

static struct {
	uint8_t ikm[KAT_HKDF_IN_MAX], salt[KAT_HKDF_IN_MAX];
	uint8_t info[KAT_HKDF_IN_MAX], okm[KAT_HKDF_OKM_MAX];
	size_t ikm_len, salt_len, info_len, okm_len;
} hb;

static void load_hkdf(const struct hkdf_kat *k)
{
	hb.ikm_len = tzm_unhex(k->ikm, hb.ikm, sizeof(hb.ikm));
	hb.salt_len = tzm_unhex(k->salt, hb.salt, sizeof(hb.salt));
	hb.info_len = tzm_unhex(k->info, hb.info, sizeof(hb.info));
	hb.okm_len = tzm_unhex(k->okm, hb.okm, sizeof(hb.okm));
}

/* hb's inputs under salt derive hb's OKM (after a failed decode, which
 * tzm_unhex has counted, nothing is tried). */
static int hkdf_ok(const uint8_t *salt, size_t salt_len)
{
	static uint8_t got[KAT_HKDF_OKM_MAX];

	return hb.ikm_len <= sizeof(hb.ikm) && hb.salt_len <= sizeof(hb.salt) &&
	       hb.info_len <= sizeof(hb.info) && hb.okm_len <= sizeof(hb.okm) &&
	       ax_hkdf_sha256(salt, salt_len, hb.ikm, hb.ikm_len,
		       OR_NULL(hb.info, hb.info_len), hb.info_len, got,
		       hb.okm_len) == AX_CRYPTO_OK &&
	       tzm_eq(got, hb.okm, hb.okm_len);
}

/* RFC 5869 A.1, A.2, A.3 (A.3 also with the salt spelled as 32 zeros). */
static void hkdf_run(void)
{
	static const uint8_t zeros[32];

	for (size_t i = 0; i < N_HKDF_KATS; i++) {
		load_hkdf(&hkdf_kats[i]);
		CHECK(hkdf_ok(OR_NULL(hb.salt, hb.salt_len), hb.salt_len));
	}
	load_hkdf(&hkdf_kats[KAT_HKDF_A3]);
	CHECK(hkdf_ok(zeros, sizeof(zeros)));
	load_hkdf(&hkdf_kats[KAT_HKDF_A1]);
	/* Refused: no output, too long an output, no IKM. */
	CHECK(ax_hkdf_sha256(hb.salt, hb.salt_len, hb.ikm, hb.ikm_len, hb.info,
		hb.info_len, hb.okm, 0) == AX_CRYPTO_E_ARG);
	CHECK(ax_hkdf_sha256(hb.salt, hb.salt_len, hb.ikm, hb.ikm_len, hb.info,
		hb.info_len, hb.okm, AX_HKDF_SHA256_MAX + 1) ==
		AX_CRYPTO_E_ARG);
	CHECK(ax_hkdf_sha256(hb.salt, hb.salt_len, NULL, hb.ikm_len, hb.info,
		hb.info_len, hb.okm, 4) == AX_CRYPTO_E_ARG);
}

/* Unseeded, the generator refuses; seeded, two draws differ and every
 * 8-byte quarter of a zeroed buffer is written. The seed here is a test
 * constant: this checks the plumbing, not the entropy (docs/tzm.md). */
static void random_run(void)
{
	static const uint8_t seed[32] = "tzm test image: not an entropy!";
	uint8_t a[40] = { 0 }, b[40] = { 0 }, zero[8] = { 0 };
	int differ = 0;

	CHECK(ax_random(a, sizeof(a)) == AX_CRYPTO_E_INTERNAL);
	CHECK(ax_mbedtls_seed(seed, 16) == AX_CRYPTO_E_ARG);
	CHECK(ax_mbedtls_seed(seed, sizeof(seed)) == AX_CRYPTO_OK);
	CHECK(ax_random(a, sizeof(a)) == AX_CRYPTO_OK);
	CHECK(ax_random(b, sizeof(b)) == AX_CRYPTO_OK);
	for (size_t q = 0; q < 32; q += 8) {
		CHECK(!tzm_eq(a + q, zero, 8) && !tzm_eq(b + q, zero, 8));
		differ |= !tzm_eq(a + q, b + q, 8);
	}
	CHECK(differ);
	CHECK(ax_random(NULL, 0) == AX_CRYPTO_OK);
	CHECK(ax_random(NULL, 1) == AX_CRYPTO_E_ARG);
	CHECK(ax_mbedtls_seed(seed, sizeof(seed)) == AX_CRYPTO_OK);
}

void tzm_test_crypto(void)
{
	const char *p = ax_crypto_provider();

	tzm_section("crypto provider");
	CHECK(p[0] == 'm' && tzm_eq(p, "mbedtls", 8));
	tzm_section("AEAD known answers (GCM spec TC1-4, RFC 8439 2.8.2, A.5)");
	aead_kats_run();
	tzm_section("AEAD forgeries (every byte of ct, tag, AD, IV, key)");
	aead_tamper_run();
	aead_misc_run();
	tzm_section("SHA-256 (FIPS 180-2), HMAC (RFC 4231), HKDF (RFC 5869)");
	sha256_run();
	hmac_run();
	hkdf_run();
	tzm_section("random (HMAC_DRBG)");
	random_run();
}
