/*
 * ax_crypto_vectors.h - the published known-answer vectors the crypto
 * providers are checked against, one copy for both of their tests:
 * tests/unit/test_crypto_openssl.c (the OpenSSL provider, host) and
 * tests/tzm/s_test_crypto.c (the mbedTLS provider, on the Cortex-M33 and
 * in check_tzm_qemu.sh's host ASan/UBSan build).
 *
 * Every value is copied from the standard named next to it, never from a
 * provider's output. Byte strings are lowercase hex ("" = empty), as both
 * tests' decoders read them; messages that the standard gives as text are
 * ASCII. The tables are indexed by the enums beside them, so that a test
 * can name the case it builds on.
 *
 * Data only, and freestanding: no header but <stddef.h> and <stdint.h>
 * (the Secure test image has no C library). The tables are marked unused
 * so that a file reading only some of them compiles without a warning.
 *
 * firmware.mk recompiles a tests/tzm/ object when a header of tests/tzm/
 * changes, not this one: after an edit here, an existing firmware build
 * needs its obj/s_test_crypto.o removed (check_tzm_qemu.sh's step 6
 * always recompiles, so it reports a stale image as a count mismatch).
 */
#ifndef AX_CRYPTO_VECTORS_H
#define AX_CRYPTO_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define KAT_UNUSED __attribute__((unused))

/* ------------------------------------------------------------------ AEAD */

/* ax_crypto.h's AEAD numbers (ax_aead_alg), restated so that this
 * header needs no project header; both tests assert that they agree. */
#define KAT_AES128GCM 1u
#define KAT_CHACHA20POLY1305 2u

struct aead_kat {
	const char *src;
	unsigned alg;
	const char *key, *iv, *ad, *pt, *ct, *tag;
};

enum {
	KAT_GCM_TC1,
	KAT_GCM_TC2,
	KAT_GCM_TC3,
	KAT_GCM_TC4,     /* AES-128-GCM with AD and plaintext */
	KAT_RFC8439_282, /* ChaCha20-Poly1305 with AD and plaintext */
	KAT_RFC8439_A5,
	N_AEAD_KATS
};

/* The 265-byte RFC 8439 Appendix A.5 vector, split for readability. */
#define KAT_A5_CT \
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2" \
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" \
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" \
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" \
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e" \
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" \
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10" \
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" \
	"a6ad5cb4022b02709b"
#define KAT_A5_PT \
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
#define KAT_S282_PT \
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173" \
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f" \
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73" \
	"637265656e20776f756c642062652069742e"

static const struct aead_kat aead_kats[N_AEAD_KATS] KAT_UNUSED = {
	/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
	 * revised 2005, Appendix B, Test Case 1 (AES-128, all empty). */
	[KAT_GCM_TC1] = { "GCM spec TC1", KAT_AES128GCM,
	  "00000000000000000000000000000000", "000000000000000000000000",
	  "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
	/* Same source, Test Case 2 (one zero block). */
	[KAT_GCM_TC2] = { "GCM spec TC2", KAT_AES128GCM,
	  "00000000000000000000000000000000", "000000000000000000000000",
	  "", "00000000000000000000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	/* Same source, Test Case 3 (64-byte plaintext, no AAD). */
	[KAT_GCM_TC3] = { "GCM spec TC3", KAT_AES128GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	/* Same source, Test Case 4 (20-byte AAD, 60-byte plaintext). */
	[KAT_GCM_TC4] = { "GCM spec TC4", KAT_AES128GCM,
	  "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* RFC 8439 section 2.8.2: nonce = fixed 07000000 | IV 4041..47. */
	[KAT_RFC8439_282] = { "RFC 8439 2.8.2", KAT_CHACHA20POLY1305,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", KAT_S282_PT,
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
	/* RFC 8439 Appendix A.5 (AEAD decryption, 265 bytes). */
	[KAT_RFC8439_A5] = { "RFC 8439 A.5", KAT_CHACHA20POLY1305,
	  "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
	  "000000000102030405060708", "f33388860000000000004e91", KAT_A5_PT,
	  KAT_A5_CT, "eead9d67890cbb22392336fea1851f38" },
};

/* --------------------------------------------------------------- SHA-256 */

struct sha256_kat {
	const char *src;
	const char *msg; /* ASCII */
	const char *digest;
};

enum { KAT_SHA256_ABC, KAT_SHA256_448, KAT_SHA256_EMPTY, N_SHA256_KATS };

/* FIPS 180-2 Appendix B.1 ("abc") and B.2 (448-bit message); the empty
 * string digest is the one NIST's SHA-256 example values list. */
static const struct sha256_kat sha256_kats[N_SHA256_KATS] KAT_UNUSED = {
	[KAT_SHA256_ABC] = { "FIPS 180-2 B.1", "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	[KAT_SHA256_448] = { "FIPS 180-2 B.2",
	  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	[KAT_SHA256_EMPTY] = { "SHA-256 of the empty string", "",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
};

/* ----------------------------------------------------------- HMAC-SHA256 */

struct hmac_kat {
	uint8_t key_byte; /* 0: key given as hex below */
	size_t key_len;
	const char *key_hex;
	const char *data;  /* ASCII, or NULL when data_byte repeats */
	uint8_t data_byte;
	size_t data_len;
	const char *mac;   /* may be a prefix (truncated case 5) */
};

/* RFC 4231 section 4.2 - 4.8 (test cases 1 - 7), HMAC-SHA-256 rows. */
static const struct hmac_kat hmac_kats[] KAT_UNUSED = {
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

/* ----------------------------------------------------------- HKDF-SHA256 */

struct hkdf_kat {
	const char *src;
	const char *ikm, *salt, *info; /* salt and info may be empty */
	const char *okm;               /* L = its length */
};

enum { KAT_HKDF_A1, KAT_HKDF_A2, KAT_HKDF_A3, N_HKDF_KATS };

/* The longest inputs and output (RFC 5869 A.2). */
#define KAT_HKDF_IN_MAX 80
#define KAT_HKDF_OKM_MAX 82

#define KAT_HKDF_IKM_0B22 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

static const struct hkdf_kat hkdf_kats[N_HKDF_KATS] KAT_UNUSED = {
	/* RFC 5869 Appendix A.1 (Test Case 1). */
	[KAT_HKDF_A1] = { "RFC 5869 A.1", KAT_HKDF_IKM_0B22,
	  "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	  "34007208d5b887185865" },
	/* RFC 5869 Appendix A.2 (Test Case 2: 80-byte inputs, L = 82). */
	[KAT_HKDF_A2] = { "RFC 5869 A.2",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	/* RFC 5869 Appendix A.3 (Test Case 3: salt and info empty; the
	 * RFC's absent salt equals HashLen zero bytes). */
	[KAT_HKDF_A3] = { "RFC 5869 A.3", KAT_HKDF_IKM_0B22, "", "",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	  "9d201395faa4b61a96c8" },
};

#endif /* AX_CRYPTO_VECTORS_H */
