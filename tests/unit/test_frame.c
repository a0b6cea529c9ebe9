/*
 * test_frame.c - framing of src/common/ax_frame.c: the incremental peek
 * (bounds checked before any allocation), open/seal, the AUTH tag (every
 * bit flip of every AUTH frame, tag recomputed with OpenSSL directly),
 * the sequence rule (table of numbered cases), version selection and the
 * session key (recomputed with OpenSSL's own HKDF), and a whole handshake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "ax_bytes.h"
#include "ax_wire.h"
#include "ax_wire_samples.h"

#define CAP 4096

/* A frame header by hand: length type flags seq. */
static void hdr(uint8_t *b, uint32_t length, uint16_t type, uint16_t flags,
	uint32_t seq)
{
	ax_store_be32(b, length);
	ax_store_be16(b + 4, type);
	ax_store_be16(b + 6, flags);
	ax_store_be32(b + 8, seq);
}

/* ---------------------------------------------------------------- peek */

static void test_peek_needs_length(void **state)
{
	uint8_t b[4] = { 0, 0, 0, 20 };
	size_t n, flen = 12345;

	(void)state;
	for (n = 0; n < 4; n++)
		assert_int_equal(ax_frame_peek(b, n, &flen), AX_WIRE_NEED_MORE);
	assert_int_equal(flen, 12345); /* not touched before it is known */
	assert_int_equal(ax_frame_peek(b, 4, &flen), AX_WIRE_NEED_MORE);
	assert_int_equal(flen, 24);
}

/* Length bounds are decided from the 4 length bytes alone: no buffer
 * beyond them exists here, so ASan would catch any further read. */
static void test_peek_length_bounds(void **state)
{
	static const struct {
		uint32_t length;
		ax_wire_status want;
	} cases[] = {
		/* 1 */ { 0, AX_WIRE_E_TRUNCATED },
		/* 2 */ { 1, AX_WIRE_E_TRUNCATED },
		/* 3 */ { AX_FRAME_LEN_MIN - 1, AX_WIRE_E_TRUNCATED },
		/* 4 */ { AX_FRAME_LEN_MIN, AX_WIRE_NEED_MORE },
		/* 5 */ { AX_FRAME_LEN_MAX, AX_WIRE_NEED_MORE },
		/* 6 */ { AX_FRAME_LEN_MAX + 1, AX_WIRE_E_TOO_LARGE },
		/* 7 */ { 0x7fffffffu, AX_WIRE_E_TOO_LARGE },
		/* 8 */ { 0xffffffffu, AX_WIRE_E_TOO_LARGE },
	};
	size_t i, flen;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *b = malloc(4);

		assert_non_null(b);
		ax_store_be32(b, cases[i].length);
		flen = 0;
		assert_int_equal(ax_frame_peek(b, 4, &flen), cases[i].want);
		if (cases[i].want == AX_WIRE_NEED_MORE)
			assert_int_equal(flen, 4 + (size_t)cases[i].length);
		free(b);
	}
	assert_int_equal(AX_FRAME_MAX, 4 + AX_FRAME_LEN_MAX);
	assert_true(AX_FRAME_MAX > AX_WIRE_IMAGE_MAX);
	assert_true(AX_FRAME_MAX < AX_WIRE_IMAGE_MAX + 4096);
}

/* Header checks once 12 bytes are there (numbered cases). */
static void test_peek_header_checks(void **state)
{
	static const struct {
		uint16_t type, flags;
		uint32_t length;
		ax_wire_status want;
	} cases[] = {
		/* 1 */ { AX_WIRE_RESET, 0x0001, 8 + 4 + 16, AX_WIRE_NEED_MORE },
		/* 2 */ { 0x0000, 0, 8 + 4, AX_WIRE_E_BAD_TYPE },
		/* 3 */ { 0x0004, 0, 8 + 4, AX_WIRE_E_BAD_TYPE },
		/* 4 */ { 0xffff, 0, 8 + 4, AX_WIRE_E_BAD_TYPE },
		/* 5 */ { AX_WIRE_RESET, 0x0003, 8 + 4 + 16, AX_WIRE_E_BAD_FLAGS },
		/* 6 */ { AX_WIRE_RESET, 0x8001, 8 + 4 + 16, AX_WIRE_E_BAD_FLAGS },
		/* 7 */ { AX_WIRE_HELLO, 0x0001, 8 + 25 + 16, AX_WIRE_E_BAD_FLAGS },
		/* 8 */ { AX_WIRE_RESET, 0, 8 + 4, AX_WIRE_E_BAD_AUTH },
		/* 9 */ { AX_WIRE_LOAD_MODULE, 0, 8 + 100, AX_WIRE_E_BAD_AUTH },
		/* 10 */ { AX_WIRE_RESET, 0x0001, 8 + 5 + 16, AX_WIRE_E_TOO_LARGE },
		/* 11 */ { AX_WIRE_RESET, 0x0001, 8 + 3 + 16, AX_WIRE_E_TRUNCATED },
		/* 12 */ { AX_WIRE_RESET, 0x0001, 8 + 4, AX_WIRE_E_TRUNCATED },
		/* 13 */ { AX_WIRE_HELLO, 0, 8 + 24, AX_WIRE_E_TRUNCATED },
		/* 14 */ { AX_WIRE_HELLO, 0, 8 + 26, AX_WIRE_E_TOO_LARGE },
		/* 15 */ { AX_WIRE_EVENT, 0, 8 + AX_WIRE_EVENT_BODY_MAX,
			   AX_WIRE_NEED_MORE },
		/* 16 */ { AX_WIRE_EVENT, 0, 8 + AX_WIRE_EVENT_BODY_MAX + 1,
			   AX_WIRE_E_TOO_LARGE },
		/* 17 */ { AX_WIRE_STATUS_REQ, 0, 8 + 4, AX_WIRE_NEED_MORE },
		/* 18 */ { AX_WIRE_LOAD_MODULE, 1, AX_FRAME_LEN_MAX,
			   AX_WIRE_NEED_MORE },
		/* 19 */ { AX_WIRE_BYE, 0, AX_FRAME_LEN_MAX, AX_WIRE_E_TOO_LARGE },
	};
	uint8_t b[AX_FRAME_PREFIX_LEN];
	size_t i, flen;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hdr(b, cases[i].length, cases[i].type, cases[i].flags, 1);
		if (ax_frame_peek(b, sizeof b, &flen) != cases[i].want)
			fail_msg("case %zu", i + 1);
	}
}

static void test_peek_incremental(void **state)
{
	uint8_t *b = malloc(2 * CAP);
	size_t i, n, f1, f2, flen;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < SMP_N_CODECS; i++) {
		f1 = smp_frame(&smp_codecs[i], 1, b, CAP);
		assert_true(f1 > 0);
		for (n = 0; n < f1; n++)
			assert_int_equal(ax_frame_peek(b, n, &flen),
				AX_WIRE_NEED_MORE);
		assert_int_equal(ax_frame_peek(b, f1, &flen), AX_WIRE_OK);
		assert_int_equal(flen, f1);
		/* A second frame behind it does not disturb the first. */
		f2 = smp_frame(&smp_codecs[(i + 1) % SMP_N_CODECS], 2, b + f1, CAP);
		assert_int_equal(ax_frame_peek(b, f1 + f2, &flen), AX_WIRE_OK);
		assert_int_equal(flen, f1);
		assert_int_equal(ax_frame_peek(b + f1, f2, &flen), AX_WIRE_OK);
		assert_int_equal(flen, f2);
	}
	free(b);
}

/* ---------------------------------------------------------- open/seal */

static const uint8_t *key_for(const struct smp_codec *c)
{
	return (c->flags & AX_FRAME_F_AUTH) ? smp_key : NULL;
}

static void test_open_round_trip_all(void **state)
{
	uint8_t b[CAP], b2[CAP];
	union smp_any m;
	struct ax_frame f;
	size_t i, flen, len2;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		const struct smp_codec *c = &smp_codecs[i];

		flen = smp_frame(c, 77, b, sizeof b);
		assert_true(flen > 0);
		assert_int_equal(ax_frame_open(b, flen, key_for(c), &f),
			AX_WIRE_OK);
		assert_int_equal(f.type, c->type);
		assert_int_equal(f.flags, c->flags);
		assert_int_equal(f.seq, 77);
		assert_ptr_equal(f.body, b + AX_FRAME_PREFIX_LEN);
		assert_int_equal(c->dec(f.body, f.body_len, &m), AX_WIRE_OK);
		assert_int_equal(c->enc(&m, b2, sizeof b2, &len2), AX_WIRE_OK);
		assert_int_equal(len2, f.body_len);
		assert_memory_equal(b2, f.body, len2);
	}
}

static void test_open_truncation_and_trailing(void **state)
{
	uint8_t b[CAP];
	struct ax_frame f;
	size_t i, n, flen;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		const struct smp_codec *c = &smp_codecs[i];

		flen = smp_frame(c, 1, b, sizeof b);
		for (n = 0; n < flen; n++) {
			uint8_t *copy = malloc(n ? n : 1);

			assert_non_null(copy);
			memcpy(copy, b, n);
			assert_int_not_equal(ax_frame_open(copy, n, key_for(c), &f),
				AX_WIRE_OK);
			free(copy);
		}
		assert_int_equal(ax_frame_open(b, flen + 1, key_for(c), &f),
			AX_WIRE_E_TRAILING);
	}
}

/* Every single bit flip of every AUTH frame is rejected by open. */
static void test_auth_every_bit_flip(void **state)
{
	uint8_t b[CAP];
	struct ax_frame f;
	size_t i, bit, flen, frames = 0;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		struct smp_codec c = smp_codecs[i];

		if (c.type == AX_WIRE_HELLO)
			continue; /* never AUTH */
		c.flags = AX_FRAME_F_AUTH;
		flen = smp_frame(&c, 5, b, sizeof b);
		assert_true(flen > 0);
		assert_int_equal(ax_frame_open(b, flen, smp_key, &f), AX_WIRE_OK);
		for (bit = 0; bit < flen * 8; bit++) {
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (ax_frame_open(b, flen, smp_key, &f) == AX_WIRE_OK)
				fail_msg("%s: flip of bit %zu accepted", c.name, bit);
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		frames++;
	}
	assert_int_equal(frames, SMP_N_CODECS - 1);
}

/* The tag is HMAC-SHA256(K, type flags seq body)[0..16), computed here
 * with OpenSSL's one-shot HMAC, not through src/crypto. */
static void test_auth_tag_independent(void **state)
{
	uint8_t b[CAP], mac[32];
	unsigned mac_len = 0;
	size_t flen;

	(void)state;
	flen = smp_frame(smp_find(AX_WIRE_LOAD_MODULE), 9, b, sizeof b);
	assert_non_null(HMAC(EVP_sha256(), smp_key, sizeof smp_key, b + 4,
		flen - 4 - 16, mac, &mac_len));
	assert_int_equal(mac_len, 32);
	assert_memory_equal(mac, b + flen - 16, 16);
	assert_int_equal(ax_load_be32(b), flen - 4);
}

static void test_auth_key_rules(void **state)
{
	uint8_t b[CAP], other[AX_WIRE_KEY_LEN];
	struct ax_frame f;
	size_t flen;

	(void)state;
	flen = smp_frame(smp_find(AX_WIRE_RESET), 3, b, sizeof b);
	assert_int_equal(ax_frame_open(b, flen, NULL, &f), AX_WIRE_E_BAD_AUTH);
	memcpy(other, smp_key, sizeof other);
	other[31] ^= 1;
	assert_int_equal(ax_frame_open(b, flen, other, &f), AX_WIRE_E_BAD_AUTH);
	assert_int_equal(ax_frame_open(b, flen, smp_key, &f), AX_WIRE_OK);
	/* A keyed session refuses frames without a tag, even HELLO. */
	flen = smp_frame(smp_find(AX_WIRE_EVENT), 4, b, sizeof b);
	assert_int_equal(ax_frame_open(b, flen, NULL, &f), AX_WIRE_OK);
	assert_int_equal(ax_frame_open(b, flen, smp_key, &f), AX_WIRE_E_BAD_AUTH);
	flen = smp_frame(smp_find(AX_WIRE_HELLO), 1, b, sizeof b);
	assert_int_equal(ax_frame_open(b, flen, smp_key, &f), AX_WIRE_E_BAD_AUTH);
}

static void test_seal_errors(void **state)
{
	uint8_t b[64];
	size_t flen, cap;

	(void)state;
	memset(b, 0, sizeof b);
	ax_store_be32(b + AX_FRAME_PREFIX_LEN, 7);
	assert_int_equal(ax_frame_seal(b, sizeof b, 0x0099, 0, 1, 4, NULL, &flen),
		AX_WIRE_E_BAD_TYPE);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_RESET, 0x0002, 1, 4,
		smp_key, &flen), AX_WIRE_E_BAD_FLAGS);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_RESET, 0, 1, 4, NULL,
		&flen), AX_WIRE_E_BAD_AUTH);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_RESET,
		AX_FRAME_F_AUTH, 1, 4, NULL, &flen), AX_WIRE_E_BAD_AUTH);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_STATUS_REQ, 0, 1, 4,
		smp_key, &flen), AX_WIRE_E_BAD_AUTH);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_HELLO,
		AX_FRAME_F_AUTH, 1, 25, smp_key, &flen), AX_WIRE_E_BAD_FLAGS);
	assert_int_equal(ax_frame_seal(b, sizeof b, AX_WIRE_RESET,
		AX_FRAME_F_AUTH, 1, 5, smp_key, &flen), AX_WIRE_E_TOO_LARGE);
	for (cap = 0; cap < AX_FRAME_AUTH_OVERHEAD + 4; cap++)
		assert_int_equal(ax_frame_seal(b, cap, AX_WIRE_RESET,
			AX_FRAME_F_AUTH, 1, 4, smp_key, &flen), AX_WIRE_E_SPACE);
	assert_int_equal(ax_frame_seal(b, cap, AX_WIRE_RESET, AX_FRAME_F_AUTH,
		1, 4, smp_key, &flen), AX_WIRE_OK);
	assert_int_equal(flen, AX_FRAME_AUTH_OVERHEAD + 4);
}

/* ----------------------------------------------------------- seq rule */

static void test_seq_check_table(void **state)
{
	static const struct {
		uint32_t last, seq;
		ax_wire_status want;
		uint32_t last_after;
	} cases[] = {
		/* 1 */ { 0, 1, AX_WIRE_OK, 1 },
		/* 2 */ { 0, 0, AX_WIRE_E_REPLAY, 0 },
		/* 3 */ { 1, 1, AX_WIRE_E_REPLAY, 1 },      /* replay */
		/* 4 */ { 5, 4, AX_WIRE_E_REPLAY, 5 },      /* reorder */
		/* 5 */ { 5, 7, AX_WIRE_OK, 7 },            /* gap: fine */
		/* 6 */ { 7, 6, AX_WIRE_E_REPLAY, 7 },      /* late after gap */
		/* 7 */ { 0, AX_WIRE_SEQ_MAX, AX_WIRE_OK, AX_WIRE_SEQ_MAX },
		/* 8 */ { AX_WIRE_SEQ_MAX, AX_WIRE_SEQ_MAX, AX_WIRE_E_REPLAY,
			  AX_WIRE_SEQ_MAX },
		/* 9 */ { AX_WIRE_SEQ_MAX, AX_WIRE_SEQ_MAX + 1,
			  AX_WIRE_E_EXHAUSTED, AX_WIRE_SEQ_MAX },
		/* 10 */ { 0, 0xffffffffu, AX_WIRE_E_EXHAUSTED, 0 },
		/* 11 */ { 0xffffffffu, 0, AX_WIRE_E_REPLAY, 0xffffffffu },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t last = cases[i].last;

		if (ax_wire_seq_check(&last, cases[i].seq) != cases[i].want ||
		    last != cases[i].last_after)
			fail_msg("seq case %zu", i + 1);
	}
}

static void test_seq_next(void **state)
{
	uint32_t last = 0, seq = 0, rx = 0;

	(void)state;
	assert_int_equal(ax_wire_seq_next(&last, &seq), AX_WIRE_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(ax_wire_seq_check(&rx, seq), AX_WIRE_OK);
	last = AX_WIRE_SEQ_MAX - 1;
	assert_int_equal(ax_wire_seq_next(&last, &seq), AX_WIRE_OK);
	assert_int_equal(seq, AX_WIRE_SEQ_MAX);
	assert_int_equal(ax_wire_seq_check(&rx, seq), AX_WIRE_OK);
	assert_int_equal(ax_wire_seq_next(&last, &seq), AX_WIRE_E_EXHAUSTED);
	assert_int_equal(last, AX_WIRE_SEQ_MAX);
	assert_int_equal(seq, AX_WIRE_SEQ_MAX);
}

/* ------------------------------------------------ version, session key */

static void test_version_select(void **state)
{
	static const struct {
		uint16_t my_v, my_min, peer_v, peer_min;
		ax_wire_status want;
		uint16_t v;
	} cases[] = {
		/* 1 */ { 1, 1, 1, 1, AX_WIRE_OK, 1 },
		/* 2 */ { 1, 1, 3, 1, AX_WIRE_OK, 1 },   /* newer peer, compatible */
		/* 3 */ { 3, 2, 2, 1, AX_WIRE_OK, 2 },
		/* 4 */ { 1, 1, 3, 2, AX_WIRE_E_BAD_VERSION, 0 }, /* peer too new */
		/* 5 */ { 3, 3, 2, 1, AX_WIRE_E_BAD_VERSION, 0 }, /* peer too old */
		/* 6 */ { 1, 1, 0, 0, AX_WIRE_E_BAD_VERSION, 0 },
	};
	struct ax_wire_hello me = smp_hello, peer = smp_hello;
	uint16_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		me.version = cases[i].my_v;
		me.min_version = cases[i].my_min;
		peer.version = cases[i].peer_v;
		peer.min_version = cases[i].peer_min;
		v = 0;
		if (ax_wire_version_select(&me, &peer, &v) != cases[i].want ||
		    (cases[i].want == AX_WIRE_OK && v != cases[i].v))
			fail_msg("version case %zu", i + 1);
	}
}

/* HKDF-SHA256 through OpenSSL's EVP_KDF, independently of src/crypto. */
static void ref_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
	size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[5];

	assert_non_null(ctx);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
		(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		(void *)salt, salt_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
		(void *)ikm, ikm_len);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		(void *)info, info_len);
	p[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(ctx, out, 32, p), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

static const uint8_t nd[16] = "deployer-nonce..";
static const uint8_t nn[16] = "node-nonce......";

static void test_session_key_independent(void **state)
{
	uint8_t salt[32], info[17 + 4 + 2 + 1], want[32], got[32];

	(void)state;
	memcpy(salt, nd, 16);
	memcpy(salt + 16, nn, 16);
	memcpy(info, "authex session v1", 17);
	ax_store_be32(info + 17, 0x0a0b0c0d);
	ax_store_be16(info + 21, 1);
	info[23] = 'N';
	ref_hkdf(salt, sizeof salt, smp_key, 32, info, sizeof info, want);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, 1,
		AX_WIRE_DIR_TO_NODE, got), AX_WIRE_OK);
	assert_memory_equal(got, want, 32);
}

static void test_session_key_separation(void **state)
{
	uint8_t base[32], k[32], zero[32] = { 0 };
	uint8_t nd2[16];

	(void)state;
	memcpy(nd2, nd, 16);
	nd2[0] ^= 1;
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 5, 1,
		AX_WIRE_DIR_TO_NODE, base), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 5, 1,
		AX_WIRE_DIR_FROM_NODE, k), AX_WIRE_OK);
	assert_memory_not_equal(base, k, 32);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 6, 1,
		AX_WIRE_DIR_TO_NODE, k), AX_WIRE_OK);
	assert_memory_not_equal(base, k, 32);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 5, 2,
		AX_WIRE_DIR_TO_NODE, k), AX_WIRE_OK);
	assert_memory_not_equal(base, k, 32);
	assert_int_equal(ax_wire_session_key(smp_key, nd2, nn, 5, 1,
		AX_WIRE_DIR_TO_NODE, k), AX_WIRE_OK);
	assert_memory_not_equal(base, k, 32);
	assert_int_equal(ax_wire_session_key(smp_key, nn, nd, 5, 1,
		AX_WIRE_DIR_TO_NODE, k), AX_WIRE_OK); /* nonces swapped */
	assert_memory_not_equal(base, k, 32);
	memset(k, 0xee, sizeof k);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 5, 1, 'x', k),
		AX_WIRE_E_BAD_FIELD);
	assert_memory_equal(k, zero, 32); /* wiped on error */
}

/* ------------------------------------------------------ the handshake */

struct side {
	struct ax_wire_hello hello;
	uint8_t k_tx[32], k_rx[32];
	uint32_t tx_last, rx_last;
};

/* Handshake steps, as in docs/protocol.md "Handshake". */
static void handshake(struct side *d, struct side *n, uint16_t d_version)
{
	uint16_t vd, vn;

	d->hello = smp_hello;
	d->hello.version = d_version;
	memcpy(d->hello.nonce, nd, 16);
	n->hello = smp_hello;
	n->hello.role = AX_WIRE_ROLE_NODE;
	memcpy(n->hello.nonce, nn, 16);
	assert_int_equal(ax_wire_version_select(&d->hello, &n->hello, &vd),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_version_select(&n->hello, &d->hello, &vn),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, vd,
		AX_WIRE_DIR_TO_NODE, d->k_tx), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, vd,
		AX_WIRE_DIR_FROM_NODE, d->k_rx), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, vn,
		AX_WIRE_DIR_TO_NODE, n->k_rx), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, vn,
		AX_WIRE_DIR_FROM_NODE, n->k_tx), AX_WIRE_OK);
	d->tx_last = d->rx_last = n->tx_last = n->rx_last = 0;
}

static size_t send_reset(struct side *s, uint8_t *b, size_t cap)
{
	uint32_t seq;
	size_t blen, flen;

	assert_int_equal(ax_wire_seq_next(&s->tx_last, &seq), AX_WIRE_OK);
	assert_int_equal(ax_wire_encode_reset(&smp_reset, b + AX_FRAME_PREFIX_LEN,
		cap - AX_FRAME_AUTH_OVERHEAD, &blen), AX_WIRE_OK);
	assert_int_equal(ax_frame_seal(b, cap, AX_WIRE_RESET, AX_FRAME_F_AUTH,
		seq, blen, s->k_tx, &flen), AX_WIRE_OK);
	return flen;
}

/* Receive pipeline: open (header, tag), then the seq rule. */
static ax_wire_status receive(struct side *s, const uint8_t *b, size_t len)
{
	struct ax_frame f;
	ax_wire_status st = ax_frame_open(b, len, s->k_rx, &f);

	if (st != AX_WIRE_OK)
		return st;
	return ax_wire_seq_check(&s->rx_last, f.seq);
}

static void test_handshake_and_control(void **state)
{
	struct side d, n;
	uint8_t f1[128], f2[128];
	size_t l1, l2;

	(void)state;
	handshake(&d, &n, 1);
	l1 = send_reset(&d, f1, sizeof f1);
	l2 = send_reset(&d, f2, sizeof f2);
	assert_int_equal(receive(&n, f1, l1), AX_WIRE_OK);
	assert_int_equal(receive(&n, f1, l1), AX_WIRE_E_REPLAY);
	assert_int_equal(receive(&n, f2, l2), AX_WIRE_OK);
	assert_int_equal(receive(&n, f1, l1), AX_WIRE_E_REPLAY); /* reorder */
	/* Reflection: the deployer's own frame is not valid towards it. */
	assert_int_equal(receive(&d, f2, l2), AX_WIRE_E_BAD_AUTH);
	/* A later session (fresh node nonce) does not take old frames. */
	handshake(&d, &n, 1);
	n.k_rx[0] ^= 1; /* stands for a new nonce_node */
	assert_int_equal(receive(&n, f1, l1), AX_WIRE_E_BAD_AUTH);
}

/* A deployer that speaks v2 (min 1) meets a v1 node: both pick 1. If an
 * attacker rewrote the node's HELLO to claim v2, the deployer would key
 * for v2 and the node for v1: the first control frame fails. */
static void test_handshake_downgrade_detected(void **state)
{
	struct side d, n;
	uint8_t f[128];
	size_t l;

	(void)state;
	handshake(&d, &n, 2);
	l = send_reset(&d, f, sizeof f);
	assert_int_equal(receive(&n, f, l), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(smp_key, nd, nn, 0x0a0b0c0d, 2,
		AX_WIRE_DIR_TO_NODE, d.k_tx), AX_WIRE_OK);
	l = send_reset(&d, f, sizeof f);
	assert_int_equal(receive(&n, f, l), AX_WIRE_E_BAD_AUTH);
}

static void test_names(void **state)
{
	int st;

	(void)state;
	assert_string_equal(ax_wire_type_name(AX_WIRE_LOAD_MODULE), "LOAD_MODULE");
	assert_null(ax_wire_type_name(0));
	assert_null(ax_wire_type_name(0xffff));
	for (st = 0; st < AX_WIRE_E_COUNT; st++)
		assert_string_not_equal(ax_wire_status_name((ax_wire_status)st),
			"unknown status");
	assert_string_equal(ax_wire_status_name(AX_WIRE_E_COUNT),
		"unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek_needs_length),
		cmocka_unit_test(test_peek_length_bounds),
		cmocka_unit_test(test_peek_header_checks),
		cmocka_unit_test(test_peek_incremental),
		cmocka_unit_test(test_open_round_trip_all),
		cmocka_unit_test(test_open_truncation_and_trailing),
		cmocka_unit_test(test_auth_every_bit_flip),
		cmocka_unit_test(test_auth_tag_independent),
		cmocka_unit_test(test_auth_key_rules),
		cmocka_unit_test(test_seal_errors),
		cmocka_unit_test(test_seq_check_table),
		cmocka_unit_test(test_seq_next),
		cmocka_unit_test(test_version_select),
		cmocka_unit_test(test_session_key_independent),
		cmocka_unit_test(test_session_key_separation),
		cmocka_unit_test(test_handshake_and_control),
		cmocka_unit_test(test_handshake_downgrade_detected),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
