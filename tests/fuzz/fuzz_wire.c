/*
 * fuzz_wire.c - libFuzzer harness for the whole wire codec: framing
 * (src/common/ax_frame.c) and every message decoder (src/common/ax_wire.c).
 *
 * Input: selector(1) || bytes.
 *  1. bytes as a stream: ax_frame_peek, then on a whole frame
 *     ax_frame_open without a key and with the corpus key (smp_key), then
 *     the decoder of the frame's type; invariants: a shorter prefix of an
 *     accepted frame is NEED_MORE, and re-encoding + re-sealing a decoded
 *     frame reproduces it byte for byte.
 *  2. bytes as a body: the decoder chosen by selector % number of
 *     messages; invariant: what decodes re-encodes to the same bytes, in a
 *     buffer of exactly that size.
 * A broken invariant aborts. Build and run:
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/common \
 *     -Isrc/runtime -Isrc/crypto tests/fuzz/fuzz_wire.c src/common/ax_*.c \
 *     src/crypto/[a-z]*.c -lcrypto -o /tmp/fw
 *   /tmp/fw -max_total_time=60 tests/fuzz/corpus/wire
 * Seed corpus: tests/fuzz/gen_wire_corpus.c writes it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax_wire.h"
#include "../ax_wire_samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* Decode with c; on success re-encode into exactly len bytes. */
static void body_round_trip(const struct smp_codec *c, const uint8_t *body,
	size_t len)
{
	union smp_any m;
	uint8_t *out;
	size_t len2 = 0;

	if (c->dec(body, len, &m) != AX_WIRE_OK)
		return;
	out = malloc(len ? len : 1);
	CHECK(out != NULL);
	CHECK(c->enc(&m, out, len, &len2) == AX_WIRE_OK);
	CHECK(len2 == len && memcmp(out, body, len) == 0);
	free(out);
}

/* Re-seal an opened frame from its decoded body: must give the same bytes
 * (the tag is deterministic). */
static void frame_round_trip(const struct ax_frame *f, const uint8_t *frame,
	size_t flen, const uint8_t *key)
{
	const struct smp_codec *c = smp_find(f->type);
	uint8_t *out = malloc(flen);
	union smp_any m;
	size_t blen = 0, len2 = 0;

	CHECK(c != NULL && out != NULL);
	if (c->dec(f->body, f->body_len, &m) == AX_WIRE_OK) {
		CHECK(c->enc(&m, out + AX_FRAME_PREFIX_LEN,
			flen - AX_FRAME_PREFIX_LEN, &blen) == AX_WIRE_OK);
		CHECK(ax_frame_seal(out, flen, f->type, f->flags, f->seq, blen,
			(f->flags & AX_FRAME_F_AUTH) ? key : NULL,
			&len2) == AX_WIRE_OK);
		CHECK(len2 == flen && memcmp(out, frame, flen) == 0);
	}
	free(out);
}

static void fuzz_stream(const uint8_t *in, size_t n)
{
	struct ax_frame f;
	size_t flen = 0, k = 0;
	ax_wire_status st = ax_frame_peek(in, n, &flen);

	if (st != AX_WIRE_OK)
		return;
	CHECK(flen >= AX_FRAME_PREFIX_LEN && flen <= n && flen <= AX_FRAME_MAX);
	/* Every shorter prefix of an accepted frame waits for more. */
	for (k = 0; k < flen; k += 1 + k / 2)
		CHECK(ax_frame_peek(in, k, &flen) == AX_WIRE_NEED_MORE);
	CHECK(ax_frame_peek(in, flen - 1, &flen) == AX_WIRE_NEED_MORE);
	if (ax_frame_open(in, flen, NULL, &f) == AX_WIRE_OK) {
		CHECK(!(f.flags & AX_FRAME_F_AUTH));
		frame_round_trip(&f, in, flen, NULL);
	}
	if (ax_frame_open(in, flen, smp_key, &f) == AX_WIRE_OK) {
		CHECK(f.flags & AX_FRAME_F_AUTH);
		frame_round_trip(&f, in, flen, smp_key);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t last;

	if (size < 1)
		return 0;
	fuzz_stream(data + 1, size - 1);
	body_round_trip(&smp_codecs[data[0] % SMP_N_CODECS], data + 1,
		size - 1);
	if (size >= 9) { /* the seq rule never goes backwards */
		last = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
		       (uint32_t)data[3] << 8 | data[4];
		uint32_t seq = (uint32_t)data[5] << 24 | (uint32_t)data[6] << 16 |
			       (uint32_t)data[7] << 8 | data[8];
		uint32_t before = last;

		if (ax_wire_seq_check(&last, seq) == AX_WIRE_OK)
			CHECK(seq > before && last == seq && seq <= AX_WIRE_SEQ_MAX);
		else
			CHECK(last == before);
	}
	return 0;
}
