/*
 * test_node_rx.c - cutting a byte stream into frames (src/node/node_rx.c):
 *  - frames arrive whole whatever the chunking (one byte at a time, all at
 *    once, split anywhere);
 *  - nothing is allocated before the 12-byte prefix passed ax_frame_peek:
 *    a huge length field, a 4 MiB HELLO, garbage are refused with no
 *    buffer; the buffer is exactly one frame large and a big one is given
 *    back afterwards;
 *  - the frame callback can stop the feed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_bytes.h"
#include "ax_wire.h"
#include "node_rx.h"

static uint8_t stream[3 * 70000];
static size_t stream_len;
static size_t frame_at[3], frame_len[3];

static unsigned got;
static size_t max_cap;
static int stop_after;
static struct node_rx *cur;

static int on_frame(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	assert_true(got < 3);
	assert_int_equal(len, frame_len[got]);
	assert_memory_equal(f, stream + frame_at[got], len);
	if (cur->cap > max_cap)
		max_cap = cur->cap;
	got++;
	return stop_after != 0 && got == (unsigned)stop_after;
}

static void add(uint16_t type, size_t body_len, const uint8_t *key)
{
	size_t len;

	frame_at[got] = stream_len;
	assert_int_equal(ax_frame_seal(stream + stream_len,
				       sizeof(stream) - stream_len, type,
				       key ? AX_FRAME_F_AUTH : 0, got + 1,
				       body_len, key, &len), AX_WIRE_OK);
	frame_len[got++] = len;
	stream_len += len;
}

/* HELLO, a 60000-byte LOAD_MODULE (AUTH), a STATUS_REQ. */
static int setup(void **state)
{
	static const uint8_t key[32] = {1};
	struct ax_wire_hello h = {1, 1, AX_WIRE_ROLE_DEPLOYER, 9, {0}};
	static uint8_t img[60000];
	struct ax_wire_load l = {1, 2, {"m", 1}, {"native", 6},
				 {img, sizeof(img)}, {0}};
	size_t len;

	(void)state;
	got = 0;
	stream_len = 0;
	assert_int_equal(ax_wire_encode_hello(&h, stream + 12, 100, &len),
			 AX_WIRE_OK);
	add(AX_WIRE_HELLO, len, NULL);
	assert_int_equal(ax_wire_encode_load(&l, stream + stream_len + 12,
					     sizeof(stream) - stream_len - 40,
					     &len), AX_WIRE_OK);
	add(AX_WIRE_LOAD_MODULE, len, key);
	ax_store_be32(stream + stream_len + 12, 1);
	add(AX_WIRE_STATUS_REQ, 4, NULL);
	return 0;
}

static void feed_in_chunks(size_t chunk)
{
	struct node_rx rx = {0};

	cur = &rx;
	got = 0;
	max_cap = 0;
	stop_after = 0;
	for (size_t off = 0; off < stream_len; off += chunk) {
		size_t n = stream_len - off < chunk ? stream_len - off : chunk;
		assert_int_equal(node_rx_feed(&rx, stream + off, n, on_frame,
					      NULL), AX_WIRE_OK);
	}
	assert_int_equal(got, 3);
	assert_int_equal(max_cap, frame_len[1]); /* exactly the big frame */
	assert_true(rx.cap <= NODE_RX_KEEP);      /* given back after it */
	node_rx_free(&rx);
}

static void test_any_chunking(void **state)
{
	static const size_t chunks[] = {1, 2, 3, 11, 12, 13, 37, 4096, 65536,
					sizeof(stream)};

	(void)state;
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		feed_in_chunks(chunks[i]);
}

static void test_callback_stops(void **state)
{
	struct node_rx rx = {0};

	(void)state;
	cur = &rx;
	got = 0;
	stop_after = 1;
	assert_int_equal(node_rx_feed(&rx, stream, stream_len, on_frame, NULL),
			 AX_WIRE_OK);
	assert_int_equal(got, 1);
	node_rx_free(&rx);
	stop_after = 0;
}

/* Feed bad bytes one at a time: the error comes with no allocation. */
static void refused(const uint8_t *b, size_t n, ax_wire_status want)
{
	struct node_rx rx = {0};
	ax_wire_status st = AX_WIRE_OK;

	cur = &rx;
	got = 0;
	for (size_t i = 0; i < n && st == AX_WIRE_OK; i++) {
		st = node_rx_feed(&rx, b + i, 1, on_frame, NULL);
		assert_null(rx.buf);
	}
	assert_int_equal(st, want);
	assert_int_equal(got, 0);
	node_rx_free(&rx);
}

static void test_refused_before_allocation(void **state)
{
	uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
	uint8_t hello4m[12] = {0x00, 0x40, 0x00, 0x20, 0x00, 0x01};
	uint8_t short_len[4] = {0, 0, 0, 7};
	uint8_t unknown[12] = {0, 0, 0, 8 + 4, 0x77, 0x77};
	uint8_t flags[12] = {0, 0, 0, 8 + 4, 0x00, 0x30, 0x80, 0x00};
	uint8_t untagged_load[12] = {0, 0, 0x10, 0, 0x00, 0x10};
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";

	(void)state;
	refused(huge, 4, AX_WIRE_E_TOO_LARGE);
	refused(hello4m, 12, AX_WIRE_E_TOO_LARGE);
	refused(short_len, 4, AX_WIRE_E_TRUNCATED);
	refused(unknown, 12, AX_WIRE_E_BAD_TYPE);
	refused(flags, 12, AX_WIRE_E_BAD_FLAGS);
	refused(untagged_load, 12, AX_WIRE_E_BAD_AUTH);
	refused(http, sizeof(http) - 1, AX_WIRE_E_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_chunking),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_refused_before_allocation),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
