/*
 * test_crypto_openssl.c - known-answer and attack tests of the OpenSSL
 * provider (src/crypto/provider_openssl.c) through ax_crypto.h.
 *
 * Every expected value below is copied from the standard named next to it,
 * never from this provider's own output.
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

struct aead_kat {
	const char *src;
	unsigned alg;
	const char *key, *iv, *ad, *pt, *ct, *tag;
};

/* The 265-byte RFC 8439 Appendix A.5 vector, split for readability. */
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
	load_kat(&aead_kats[alg == AX_AEAD_AES128GCM ? 3 : 4], b);
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

#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

static void check_sha(const char *msg, const char *want_hex)
{
	uint8_t got[32], want[32];
	struct ax_iov iov = { msg, strlen(msg) };

	unhex(want_hex, want, sizeof(want));
	assert_int_equal(ax_sha256(&iov, 1, got), AX_CRYPTO_OK);
	assert_memory_equal(got, want, 32);
}

/* FIPS 180-2 Appendix B.1 ("abc") and B.2 (448-bit message); the empty
 * string digest is the one NIST's SHA-256 example values list. */
static void test_sha256_kats(void **state)
{
	uint8_t got[32], want[32];

	(void)state;
	check_sha("abc", "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	check_sha(MSG448, "248d6a61d20638b8e5c026930c3e6039"
			  "a33ce45964ff2167f6ecedd419db06c1");
	check_sha("", "e3b0c44298fc1c149afbf4c8996fb924"
		      "27ae41e4649b934ca495991b7852b855");
	/* Empty input can also be no iov at all. */
	unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		want, sizeof(want));
	assert_int_equal(ax_sha256(NULL, 0, got), AX_CRYPTO_OK);
	assert_memory_equal(got, want, 32);
}

/* The 448-bit message in uneven pieces, with an empty NULL piece, must hash
 * like the whole (FIPS 180-2 B.2). */
static void test_sha256_iov_split(void **state)
{
	const char *m = MSG448;
	struct ax_iov iov[5] = {
		{ m, 1 }, { NULL, 0 }, { m + 1, 30 }, { m + 31, 0 },
		{ m + 31, 25 },
	};
	uint8_t got[32], want[32];

	(void)state;
	assert_int_equal(strlen(m), 56);
	unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		want, sizeof(want));
	assert_int_equal(ax_sha256(iov, 5, got), AX_CRYPTO_OK);
	assert_memory_equal(got, want, 32);
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

#define HKDF_TC1_OKM \
	"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf" \
	"34007208d5b887185865"

/* RFC 5869 Appendix A.1 (Test Case 1). */
static void test_hkdf_tc1(void **state)
{
	uint8_t ikm[22], salt[13], info[10], want[42], got[42];
	size_t i;

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	unhex(HKDF_TC1_OKM, want, sizeof(want));
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, got, 42),
		AX_CRYPTO_OK);
	assert_memory_equal(got, want, 42);
}

/* RFC 5869 Appendix A.2 (Test Case 2: 80-byte inputs, L = 82). */
static void test_hkdf_tc2(void **state)
{
	uint8_t ikm[80], salt[80], info[80], want[82], got[82];
	size_t i;

	(void)state;
	for (i = 0; i < 80; i++) {
		ikm[i] = (uint8_t)i;
		salt[i] = (uint8_t)(0x60 + i);
		info[i] = (uint8_t)(0xb0 + i);
	}
	unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	      "cc30c58179ec3e87c14c01d5c1f3434f1d87", want, sizeof(want));
	assert_int_equal(ax_hkdf_sha256(salt, 80, ikm, 80, info, 80, got, 82),
		AX_CRYPTO_OK);
	assert_memory_equal(got, want, 82);
}

/* RFC 5869 Appendix A.3 (Test Case 3: empty salt and info). The RFC's
 * "not provided" salt equals HashLen zero bytes, so both spellings. */
static void test_hkdf_tc3(void **state)
{
	uint8_t ikm[22], zeros[32] = { 0 }, want[42], got[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	      "9d201395faa4b61a96c8", want, sizeof(want));
	assert_int_equal(ax_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, got, 42),
		AX_CRYPTO_OK);
	assert_memory_equal(got, want, 42);
	memset(got, 0, sizeof(got));
	assert_int_equal(ax_hkdf_sha256(zeros, 32, ikm, 22, NULL, 0, got, 42),
		AX_CRYPTO_OK);
	assert_memory_equal(got, want, 42);
}

static void test_hkdf_lengths(void **state)
{
	static uint8_t out[AX_HKDF_SHA256_MAX + 1];
	uint8_t ikm[22], salt[13], info[10], want[42];
	size_t i;

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, out, 0),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, out,
		AX_HKDF_SHA256_MAX + 1), AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, NULL, 4),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(salt, 13, NULL, 22, info, 10, out, 4),
		AX_CRYPTO_E_ARG);
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, NULL, 10, out, 4),
		AX_CRYPTO_E_ARG);
	/* The salt is the extract step's HMAC key, bounded like one. */
	assert_int_equal(ax_hkdf_sha256(out, AX_HKDF_SHA256_MAX + 1, ikm, 22,
		info, 10, want, 4), AX_CRYPTO_E_ARG);
	/* The maximum works (counter reaches 255) and HKDF output is
	 * prefix-consistent, so it starts with the Test Case 1 OKM. */
	assert_int_equal(ax_hkdf_sha256(salt, 13, ikm, 22, info, 10, out,
		AX_HKDF_SHA256_MAX), AX_CRYPTO_OK);
	unhex(HKDF_TC1_OKM, want, sizeof(want));
	assert_memory_equal(out, want, 42);
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
