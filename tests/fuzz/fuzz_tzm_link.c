/*
 * fuzz_tzm_link.c - libFuzzer harness for the tzm serial link decoder
 * (src/platform/tzm/axt_link.c, compiled in here): the bytes a node or a
 * host reads from the wire.
 *
 * Input: mode(1) || stream. The stream is fed byte by byte; mode bit 0
 * set means the caller also drains with axt_next after every event (the
 * documented use), clear means it never does (misuse that must stay in
 * bounds). Invariants, checked after every byte:
 *  - the decoder's indices stay inside its buffer (off <= scan <= have);
 *  - a frame has a payload of at most AXT_PAYLOAD_MAX bytes inside the
 *    buffer, and re-encoding it gives a frame that a fresh decoder returns
 *    exactly, with no bad frame counted;
 *  - a text line is 1..127 bytes, NUL-terminated, without CR or LF.
 * When draining, the decoder never gets stuck: after the input, one
 * frame's worth of bytes without a magic byte leaves it idle (any open
 * frame completed and dropped or taken, nothing held back), and a frame
 * fed then comes out as the next frame.
 * Build and run:
 *   clang -fsanitize=fuzzer,address,undefined -Isrc/platform/tzm \
 *     tests/fuzz/fuzz_tzm_link.c -o /tmp/ftl
 *   /tmp/ftl -max_total_time=60 tests/fuzz/corpus/tzm_link
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/platform/tzm/axt_link.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const uint8_t marker[6] = { 'a', 'x', 't', 0xfe, 0x00, 0x7f };

static struct axt_decoder d, check;
static uint8_t frame[AXT_FRAME_MAX];

static void check_state(const struct axt_decoder *x)
{
	CHECK(x->off <= x->scan && x->scan <= x->have &&
	      x->have <= sizeof(x->buf));
	CHECK(x->text_len < sizeof(x->text));
}

/* A decoded frame re-encodes into one that decodes to itself. */
static void check_frame(uint8_t type, const uint8_t *p, size_t len)
{
	const uint8_t *q = NULL;
	uint8_t t = 0;
	size_t n, qlen = 0, got = 0;

	CHECK(len <= AXT_PAYLOAD_MAX);
	CHECK(p >= d.buf && p + len <= d.buf + sizeof(d.buf));
	n = axt_encode(type, p, len, frame, sizeof(frame));
	CHECK(n == AXT_HEADER + len + AXT_TRAILER);
	axt_decoder_init(&check);
	for (size_t i = 0; i < n; i++) {
		enum axt_feed r = axt_feed(&check, frame[i], &t, &q, &qlen);

		CHECK(r != AXT_TEXT);
		if (r == AXT_FRAME) {
			CHECK(i == n - 1 && t == type && qlen == len &&
			      memcmp(q, frame + AXT_HEADER, len) == 0);
			got++;
		}
	}
	CHECK(got == 1 && check.bad_frames == 0);
}

static void check_text(const struct axt_decoder *x)
{
	CHECK(x->text_len > 0 && x->text[x->text_len] == '\0');
	for (size_t i = 0; i < x->text_len; i++)
		CHECK(x->text[i] != '\r' && x->text[i] != '\n');
}

/* Returns 1 when the marker frame came out. */
static int event(enum axt_feed r, uint8_t type, const uint8_t *p,
	size_t len)
{
	check_state(&d);
	if (r == AXT_TEXT)
		check_text(&d);
	if (r != AXT_FRAME)
		return 0;
	check_frame(type, p, len);
	return type == AXT_EMIT && len == sizeof(marker) &&
	       memcmp(p, marker, len) == 0;
}

static int feed(uint8_t b, int drain)
{
	const uint8_t *p = NULL;
	uint8_t type = 0;
	size_t len = 0;
	enum axt_feed r = axt_feed(&d, b, &type, &p, &len);
	int seen = event(r, type, p, len);

	while (drain && r != AXT_MORE) {
		r = axt_next(&d, &type, &p, &len);
		seen |= event(r, type, p, len);
	}
	return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t tail[AXT_FRAME_MAX];
	size_t n;
	int drain, seen = 0;

	if (size < 1)
		return 0;
	drain = data[0] & 1;
	axt_decoder_init(&d);
	for (size_t i = 1; i < size; i++)
		(void)feed(data[i], drain);
	if (!drain)
		return 0;
	memset(tail, '.', sizeof(tail));
	for (size_t i = 0; i < sizeof(tail); i++)
		CHECK(!feed(tail[i], 1));
	CHECK(d.off == d.scan && d.scan == d.have);
	n = axt_encode(AXT_EMIT, marker, sizeof(marker), tail, sizeof(tail));
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		seen += feed(tail[i], 1);
	CHECK(seen == 1);
	return 0;
}
