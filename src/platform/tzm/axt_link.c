/*
 * axt_link.c - frame codec of the tzm serial link; see axt_link.h.
 * Freestanding: built into the Non-secure firmware and the host library.
 *
 * Decoder: the frame being assembled starts at buf[off]. A bad frame
 * (length over the maximum, bad CRC) drops its first byte only; the bytes
 * after it become the "held back" region and are scanned again, byte by
 * byte, exactly as if they were arriving now. Each bad frame drops one
 * byte for good, so rescanning ends; its cost is bounded by the buffer
 * (AXT_FRAME_MAX bytes, each rescanned at most once per bad frame that
 * covers it).
 */
#include "axt_link.h"

uint16_t axt_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)((uint16_t)p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) :
					       (uint16_t)(crc << 1);
	}
	return crc;
}

static void copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

size_t axt_encode2(uint8_t type, const uint8_t *head, size_t head_len,
	const uint8_t *body, size_t body_len, uint8_t *out, size_t cap)
{
	size_t len, total;
	uint16_t crc;

	if (head_len > AXT_PAYLOAD_MAX || body_len > AXT_PAYLOAD_MAX - head_len)
		return 0;
	if ((head == NULL && head_len != 0) || (body == NULL && body_len != 0) ||
	    out == NULL)
		return 0;
	len = head_len + body_len;
	total = AXT_HEADER + len + AXT_TRAILER;
	if (cap < total)
		return 0;
	out[0] = AXT_MAGIC0;
	out[1] = AXT_MAGIC1;
	out[2] = type;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	if (head_len != 0)
		copy(out + AXT_HEADER, head, head_len);
	if (body_len != 0)
		copy(out + AXT_HEADER + head_len, body, body_len);
	crc = axt_crc16(out + 2, AXT_HEADER - 2 + len);
	out[AXT_HEADER + len] = (uint8_t)(crc >> 8);
	out[AXT_HEADER + len + 1] = (uint8_t)crc;
	return total;
}

size_t axt_encode(uint8_t type, const uint8_t *payload, size_t len,
	uint8_t *out, size_t cap)
{
	return axt_encode2(type, payload, len, NULL, 0, out, cap);
}

void axt_decoder_init(struct axt_decoder *d)
{
	uint8_t *p = (uint8_t *)d;

	for (size_t i = 0; i < sizeof(*d); i++)
		p[i] = 0;
}

/* Drop the first byte of the frame being assembled and rescan the rest. */
static void bad_frame(struct axt_decoder *d)
{
	d->bad_frames++;
	d->off++;
	d->scan = d->off;
}

/* A byte outside any frame. Returns AXT_TEXT when a line is complete. */
static enum axt_feed text_byte(struct axt_decoder *d, uint8_t b)
{
	if (b == '\r')
		return AXT_MORE;
	if (b != '\n')
		d->text[d->text_len++] = b;
	if ((b == '\n' && d->text_len > 0) ||
	    d->text_len == sizeof(d->text) - 1) {
		d->text[d->text_len] = '\0';
		d->text_done = 1;
		return AXT_TEXT;
	}
	return AXT_MORE;
}

/* The frame buf[off .. scan) is complete: check its CRC. */
static enum axt_feed whole_frame(struct axt_decoder *d, size_t plen,
	uint8_t *type, const uint8_t **payload, size_t *len)
{
	const uint8_t *f = d->buf + d->off;
	uint16_t crc = (uint16_t)((uint16_t)f[AXT_HEADER + plen] << 8 |
				  f[AXT_HEADER + plen + 1]);

	if (axt_crc16(f + 2, AXT_HEADER - 2 + plen) != crc) {
		bad_frame(d);
		return AXT_MORE;
	}
	*type = f[2];
	*payload = f + AXT_HEADER;
	*len = plen;
	d->off = d->scan; /* consumed; the payload stays until the next call */
	return AXT_FRAME;
}

/* Scan the byte at buf[scan] (scan < have). */
static enum axt_feed step(struct axt_decoder *d, uint8_t *type,
	const uint8_t **payload, size_t *len)
{
	size_t n = d->scan - d->off; /* bytes of the frame before this one */
	uint8_t b = d->buf[d->scan];
	size_t plen;

	if (n == 0 && b != AXT_MAGIC0) {
		d->off = ++d->scan;
		return text_byte(d, b);
	}
	if (n == 1 && b != AXT_MAGIC1) {
		d->off = d->scan; /* the lone first magic byte was noise */
		return AXT_MORE;
	}
	d->scan++;
	if (++n < AXT_HEADER)
		return AXT_MORE;
	plen = (size_t)d->buf[d->off + 3] << 8 | d->buf[d->off + 4];
	if (plen > AXT_PAYLOAD_MAX) {
		bad_frame(d);
		return AXT_MORE;
	}
	if (n < AXT_HEADER + plen + AXT_TRAILER)
		return AXT_MORE;
	return whole_frame(d, plen, type, payload, len);
}

/* Forget a reported text line; move what is kept to the buffer's start
 * when the end is reached. */
static void tidy(struct axt_decoder *d)
{
	size_t keep;

	if (d->text_done) {
		d->text_done = 0;
		d->text_len = 0;
	}
	if (d->off == d->have) {
		d->off = d->scan = d->have = 0;
		return;
	}
	if (d->have < sizeof(d->buf) || d->off == 0)
		return;
	keep = d->have - d->off;
	for (size_t i = 0; i < keep; i++)
		d->buf[i] = d->buf[d->off + i];
	d->scan -= d->off;
	d->have = keep;
	d->off = 0;
}

enum axt_feed axt_next(struct axt_decoder *d, uint8_t *type,
	const uint8_t **payload, size_t *len)
{
	enum axt_feed r;

	tidy(d);
	while (d->scan < d->have) {
		r = step(d, type, payload, len);
		if (r != AXT_MORE)
			return r;
	}
	return AXT_MORE;
}

enum axt_feed axt_feed(struct axt_decoder *d, uint8_t byte, uint8_t *type,
	const uint8_t **payload, size_t *len)
{
	tidy(d);
	if (d->have == sizeof(d->buf)) { /* the caller skipped axt_next */
		d->bad_frames++;
		d->off = d->scan = d->have = 0;
	}
	d->buf[d->have++] = byte;
	return axt_next(d, type, payload, len);
}
