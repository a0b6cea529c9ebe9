/*
 * s_test_crypto.c - known-answer and attack tests of the mbedTLS provider
 * (src/crypto/provider_mbedtls.c) on the Cortex-M33, through ax_crypto.h.
 * The vectors are the ones tests/unit/test_crypto_openssl.c checks the
 * OpenSSL provider with, each from the standard named next to it: McGrew &
 * Viega's GCM specification, RFC 8439, FIPS 180-2, RFC 4231, RFC 5869.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"
#include "provider_mbedtls.h"
#include "tzm_check.h"

#define BUF_MAX 320

struct aead_kat {
	const char *src;
	unsigned alg;
	const char *key, *iv, *ad, *pt, *ct, *tag;
};

#define A5_CT \
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2" \
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" \
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" \
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" \
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e" \
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" \
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10" \
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" \
	"a6ad5cb4022b02709b"
#define A5_PT \
	"496e7465726e65742d4472616674732061726520647261667420646f63756d65" \
	"6e74732076616c696420666f722061206d6178696d756d206f6620736978206d" \
	"6f6e74687320616e64206d617920626520757064617465642c207265706c6163" \
	"65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65" \
	"6e747320617420616e792074696d652e20497420697320696e617070726f7072" \
	"6961746520746f2075736520496e7465726e65742d4472616674732061732072" \
	"65666572656e6365206d6174657269616c206f7220746f206369746520746865" \
	"6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67" \
	"726573732e2fe2809d"

/* "Ladies and Gentlemen of the class of '99: If I could offer you only one
 * tip for the future, sunscreen would be it." */
#define S282_PT \
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173" \
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f" \
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73" \
	"637265656e20776f756c642062652069742e"

static const struct aead_kat aead_kats[] = {
	/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
	 * revised 2005, Appendix B, Test Case 1 (AES-128, all empty). */
	{ "GCM spec TC1", AX_AEAD_AES128GCM,
	  "00000000000000000000000000000000", "000000000000000000000000",
	  "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
	/* Same source, Test Case 2 (one zero block). */
	{ "GCM spec TC2", AX_AEAD_AES128GCM,
	  "00000000000000000000000000000000", "000000000000000000000000",
	  "", "00000000000000000000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	/* Same source, Test Case 3 (64-byte plaintext, no AAD). */
	{ "GCM spec TC3", AX_AEAD_AES128GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	/* Same source, Test Case 4 (20-byte AAD, 60-byte plaintext). */
	{ "GCM spec TC4", AX_AEAD_AES128GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* RFC 8439 section 2.8.2: nonce = fixed 07000000 | IV 4041..47. */
	{ "RFC 8439 2.8.2", AX_AEAD_CHACHA20POLY1305,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", S282_PT,
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
	/* RFC 8439 Appendix A.5 (AEAD decryption, 265 bytes). */
	{ "RFC 8439 A.5", AX_AEAD_CHACHA20POLY1305,
	  "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
	  "000000000102030405060708", "f33388860000000000004e91", A5_PT,
	  A5_CT, "eead9d67890cbb22392336fea1851f38" },
};


struct hmac_kat {
	uint8_t key_byte; /* 0: key given as hex below */
	size_t key_len;
	const char *key_hex;
	const char *data;  /* ASCII, or NULL when data_byte repeats */
	uint8_t data_byte;
	size_t data_len;
	const char *mac;   /* may be a prefix (truncated case 5) */
};

/* RFC 4231 section 4.2 - 4.8, HMAC-SHA-256 rows. */
static const struct hmac_kat hmac_kats[] = {
	{ 0x0b, 20, NULL, "Hi There", 0, 0,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 0, 0, "4a656665", "what do ya want for nothing?", 0, 0,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 20, NULL, NULL, 0xdd, 50,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ 0, 0, "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
	  0xcd, 50,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	/* Test Case 5: output truncated to 128 bits in the RFC. */
	{ 0x0c, 20, NULL, "Test With Truncation", 0, 0,
	  "a3b6167473100ee06e0c796c2955552b" },
	{ 0xaa, 131, NULL,
	  "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ 0xaa, 131, NULL,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.", 0, 0,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

#define N_AEAD (sizeof(aead_kats) / sizeof(aead_kats[0]))
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

	for (size_t i = 0; i < N_AEAD; i++) {
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
		CHECK(load_kat(&aead_kats[a == 0 ? 3 : 4], &kb));
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

	CHECK(load_kat(&aead_kats[4], &kb));
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

#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

static void check_sha(const struct ax_iov *iov, size_t n, const char *want)
{
	uint8_t got[32], w[32];

	CHECK(tzm_unhex(want, w, sizeof(w)) == 32);
	CHECK(ax_sha256(iov, n, got) == AX_CRYPTO_OK && tzm_eq(got, w, 32));
}

/* FIPS 180-2 B.1 and B.2, the empty string, B.2 in uneven pieces. */
static void sha256_run(void)
{
	const char *m = MSG448;
	struct ax_iov abc = { "abc", 3 }, all = { m, 56 }, bad = { NULL, 3 };
	struct ax_iov split[4] = { { m, 1 }, { NULL, 0 }, { m + 1, 30 },
		{ m + 31, 25 } };
	uint8_t o[32];

	check_sha(&abc, 1, "ba7816bf8f01cfea414140de5dae2223"
			   "b00361a396177a9cb410ff61f20015ad");
	check_sha(&all, 1, "248d6a61d20638b8e5c026930c3e6039"
			   "a33ce45964ff2167f6ecedd419db06c1");
	check_sha(split, 4, "248d6a61d20638b8e5c026930c3e6039"
			    "a33ce45964ff2167f6ecedd419db06c1");
	check_sha(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb924"
			   "27ae41e4649b934ca495991b7852b855");
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

/* RFC 5869 A.1, A.2, A.3 (A.3 also with the salt spelled as 32 zeros). */
static void hkdf_run(void)
{
	static uint8_t ikm[80], salt[80], info[80], want[82], got[82];
	static const uint8_t zeros[32];
	size_t i;

	for (i = 0; i < 22; i++)
		ikm[i] = 0x0b;
	for (i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	tzm_unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56"
		  "ecc4c5bf34007208d5b887185865", want, sizeof(want));
	CHECK(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, got, 42) ==
		AX_CRYPTO_OK && tzm_eq(got, want, 42));
	tzm_unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f"
		  "3c738d2d9d201395faa4b61a96c8", want, sizeof(want));
	CHECK(ax_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, got, 42) ==
		AX_CRYPTO_OK && tzm_eq(got, want, 42));
	CHECK(ax_hkdf_sha256(zeros, 32, ikm, 22, NULL, 0, got, 42) ==
		AX_CRYPTO_OK && tzm_eq(got, want, 42));
	for (i = 0; i < 80; i++) {
		ikm[i] = (uint8_t)i;
		salt[i] = (uint8_t)(0x60 + i);
		info[i] = (uint8_t)(0xb0 + i);
	}
	tzm_unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c"
		  "19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8"
		  "367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
		  want, sizeof(want));
	CHECK(ax_hkdf_sha256(salt, 80, ikm, 80, info, 80, got, 82) ==
		AX_CRYPTO_OK && tzm_eq(got, want, 82));
	CHECK(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, got, 0) ==
		AX_CRYPTO_E_ARG);
	CHECK(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, got,
		AX_HKDF_SHA256_MAX + 1) == AX_CRYPTO_E_ARG);
	CHECK(ax_hkdf_sha256(salt, 13, NULL, 22, info, 10, got, 4) ==
		AX_CRYPTO_E_ARG);
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
