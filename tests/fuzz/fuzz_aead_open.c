/*
 * fuzz_aead_open.c - libFuzzer harness for ax_aead_open (and, on request,
 * a seal/open round trip) with attacker-chosen everything.
 *
 * Input layout (short inputs are padded with zeros):
 *   alg(1) | flags(1) | key(32) | iv(12) | tag(16) | ad_len(1) | ad | ct
 * alg is passed as is, so unknown numbers are exercised too. flags bit 0:
 * decrypt in place; bit 1: seal ct first with the same key/iv/ad and check
 * the round trip (reaches the success path random input never hits).
 * Buffers are heap copies of the exact length, so ASan sees any overread.
 *
 * Invariants checked (abort = finding): no crash; on any failure the output
 * is all zero; a fresh seal always opens to the original bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

enum { HDR_LEN = 2 + AX_AEAD_KEY_MAX + AX_AEAD_IV_LEN + AX_AEAD_TAG_LEN + 1 };

struct input {
	unsigned alg, flags;
	uint8_t key[AX_AEAD_KEY_MAX], iv[AX_AEAD_IV_LEN], tag[AX_AEAD_TAG_LEN];
	const uint8_t *ad, *ct;
	size_t ad_len, len;
};

static void split(const uint8_t *d, size_t n, struct input *in)
{
	uint8_t hdr[HDR_LEN] = { 0 };
	size_t h = n < HDR_LEN ? n : HDR_LEN, rest = n - h;

	memcpy(hdr, d, h);
	in->alg = hdr[0];
	in->flags = hdr[1];
	memcpy(in->key, hdr + 2, sizeof(in->key));
	memcpy(in->iv, hdr + 2 + AX_AEAD_KEY_MAX, AX_AEAD_IV_LEN);
	memcpy(in->tag, hdr + 2 + AX_AEAD_KEY_MAX + AX_AEAD_IV_LEN,
		AX_AEAD_TAG_LEN);
	in->ad_len = hdr[HDR_LEN - 1] <= rest ? hdr[HDR_LEN - 1] : rest;
	in->ad = d + h;
	in->ct = d + h + in->ad_len;
	in->len = rest - in->ad_len;
}

static uint8_t *dup_or_null(const uint8_t *p, size_t n)
{
	uint8_t *q;

	if (n == 0)
		return NULL;
	q = malloc(n);
	if (q == NULL)
		abort();
	memcpy(q, p, n);
	return q;
}

static void assert_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			abort();
}

static void fuzz_open(const struct input *in, const uint8_t *ad)
{
	uint8_t *ct = dup_or_null(in->ct, in->len);
	uint8_t *pt = (in->flags & 1) ? ct : dup_or_null(in->ct, in->len);
	ax_crypto_status st;

	st = ax_aead_open(in->alg, in->key, in->iv, ad, in->ad_len, ct,
		in->len, in->tag, pt);
	if (st != AX_CRYPTO_OK)
		assert_zero(pt, in->len);
	if (ax_aead_key_len(in->alg) == 0 && st != AX_CRYPTO_E_ARG)
		abort();
	if (pt != ct)
		free(pt);
	free(ct);
}

static void fuzz_roundtrip(const struct input *in, const uint8_t *ad)
{
	uint8_t *buf = dup_or_null(in->ct, in->len), tag[AX_AEAD_TAG_LEN];
	ax_crypto_status st;

	st = ax_aead_seal(in->alg, in->key, in->iv, ad, in->ad_len, buf,
		in->len, buf, tag);
	if (st == AX_CRYPTO_OK) {
		st = ax_aead_open(in->alg, in->key, in->iv, ad, in->ad_len,
			buf, in->len, tag, buf);
		if (st != AX_CRYPTO_OK ||
		    (in->len != 0 && memcmp(buf, in->ct, in->len) != 0))
			abort();
	} else if (st != AX_CRYPTO_E_ARG || ax_aead_key_len(in->alg) != 0) {
		abort();
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint8_t empty[1];
	struct input in;
	uint8_t *ad;

	split(n != 0 ? d : empty, n, &in);
	ad = dup_or_null(in.ad, in.ad_len);
	if (in.flags & 2)
		fuzz_roundtrip(&in, ad);
	else
		fuzz_open(&in, ad);
	free(ad);
	return 0;
}
