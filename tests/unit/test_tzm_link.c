/*
 * test_tzm_link.c - the tzm serial link, both ends on the host.
 *
 * The frame codec (src/platform/tzm/axt_link.c): CRC vector, round trips
 * of every frame type at lengths 0, 1 and the maximum, over-maximum
 * lengths refused by the encoder and dropped by the decoder, every bit
 * flip and truncation of a frame (never a wrong frame, the next good
 * frame still found), resynchronisation after noise and after a broken
 * frame that swallowed real frames, text lines between frames, a long
 * line, and a caller that skips axt_next.
 *
 * The host backend (src/platform/tzm/ax_tzm.c) against a scripted fake
 * node on a TCP socket or a pty (serial=...): handshake, load with the
 * measurement check, handle with EMIT and ANSWER, error mapping, and a
 * link that goes silent, closes, restarts or lies.
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_msg.h"
#include "ax_runtime.h"
#include "tzm/ax_tzm.h"
#include "tzm/axt_link.h"
#include "tzm/nsc.h"
#include "tzm/secure/axl_elf.h"

/* ------------------------------------------------------------ codec */

struct got {
	int frames, texts;
	uint8_t type;
	size_t len;
	uint8_t p[AXT_PAYLOAD_MAX];
	char text[128];
};

/* Count what one decoder result (and the held-back bytes) produced. */
static void take(struct axt_decoder *d, enum axt_feed r, uint8_t type,
	const uint8_t *p, size_t n, struct got *g)
{
	while (r != AXT_MORE) {
		if (r == AXT_FRAME) {
			assert_true(n <= AXT_PAYLOAD_MAX);
			g->frames++;
			g->type = type;
			g->len = n;
			memcpy(g->p, p, n);
		} else {
			assert_true(d->text_len > 0 && d->text_len < 128);
			assert_int_equal(d->text[d->text_len], '\0');
			g->texts++;
			memcpy(g->text, d->text, d->text_len + 1);
		}
		r = axt_next(d, &type, &p, &n);
	}
}

static void feed_all(struct axt_decoder *d, const uint8_t *b, size_t n,
	struct got *g)
{
	const uint8_t *p = NULL;
	uint8_t type = 0;
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		enum axt_feed r = axt_feed(d, b[i], &type, &p, &len);

		take(d, r, type, p, len, g);
	}
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7); /* never the magic pair */
}

static void test_crc_vector(void **state)
{
	(void)state;
	assert_int_equal(axt_crc16((const uint8_t *)"123456789", 9), 0x29B1);
	assert_int_equal(axt_crc16(NULL, 0), 0xFFFF);
}

static const uint8_t all_types[] = {
	AXT_HELLO, AXT_LOAD_BEGIN, AXT_LOAD_DATA, AXT_LOAD_END, AXT_MSG,
	AXT_UNLOAD, AXT_READY, AXT_RESULT, AXT_LOADED, AXT_EMIT, AXT_ANSWER,
	AXT_ERROR,
};

static void test_round_trip_every_type(void **state)
{
	static uint8_t payload[AXT_PAYLOAD_MAX], frame[AXT_FRAME_MAX];
	const size_t lens[] = { 0, 1, 36, AXT_PAYLOAD_MAX };
	struct axt_decoder d;
	struct got g;

	(void)state;
	fill(payload, sizeof(payload), 3);
	for (size_t t = 0; t < sizeof(all_types); t++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t n = axt_encode(all_types[t], payload, lens[l],
				frame, sizeof(frame));

			assert_int_equal(n, AXT_HEADER + lens[l] + AXT_TRAILER);
			axt_decoder_init(&d);
			memset(&g, 0, sizeof(g));
			feed_all(&d, frame, n, &g);
			assert_int_equal(g.frames, 1);
			assert_int_equal(g.texts, 0);
			assert_int_equal(g.type, all_types[t]);
			assert_int_equal(g.len, lens[l]);
			assert_memory_equal(g.p, payload, lens[l]);
			assert_int_equal(d.bad_frames, 0);
		}
	}
}

static void test_encode_limits(void **state)
{
	static uint8_t payload[AXT_PAYLOAD_MAX + 1], frame[AXT_FRAME_MAX + 1];
	uint8_t head[3] = { 1, 2, 3 }, body[2] = { 4, 5 }, one[10];
	struct axt_decoder d;
	struct got g = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(axt_encode(AXT_EMIT, payload, AXT_PAYLOAD_MAX + 1,
		frame, sizeof(frame)), 0);
	assert_int_equal(axt_encode(AXT_EMIT, payload, 10, frame,
		AXT_HEADER + 10 + AXT_TRAILER - 1), 0);
	assert_int_equal(axt_encode(AXT_EMIT, NULL, 1, frame, sizeof(frame)),
		0);
	assert_int_equal(axt_encode(AXT_EMIT, payload, 1, NULL, 100), 0);
	assert_int_equal(axt_encode2(AXT_EMIT, payload, AXT_PAYLOAD_MAX,
		payload, 1, frame, sizeof(frame)), 0);
	assert_int_equal(axt_encode2(AXT_EMIT, payload, SIZE_MAX, payload, 2,
		frame, sizeof(frame)), 0);
	/* Two pieces are one payload. */
	n = axt_encode2(AXT_MSG, head, 3, body, 2, frame, sizeof(frame));
	assert_int_equal(n, AXT_HEADER + 5 + AXT_TRAILER);
	axt_decoder_init(&d);
	feed_all(&d, frame, n, &g);
	assert_int_equal(g.frames, 1);
	assert_int_equal(g.len, 5);
	memcpy(one, head, 3);
	memcpy(one + 3, body, 2);
	assert_memory_equal(g.p, one, 5);
}

/* A header claiming more than the maximum is dropped at once and
 * counted; the frame right behind it is found. */
static void test_over_max_dropped(void **state)
{
	uint8_t b[64] = { AXT_MAGIC0, AXT_MAGIC1, AXT_EMIT, 0x08, 0x01 };
	uint8_t payload[4] = { 9, 8, 7, 6 };
	struct axt_decoder d;
	struct got g = { 0 };
	size_t n;

	(void)state;
	n = axt_encode(AXT_RESULT, payload, 4, b + 5, sizeof(b) - 5);
	axt_decoder_init(&d);
	feed_all(&d, b, 5 + n, &g);
	assert_int_equal(d.bad_frames, 1);
	assert_int_equal(g.frames, 1);
	assert_int_equal(g.type, AXT_RESULT);
	assert_memory_equal(g.p, payload, 4);
}

/* Every bit flip of a frame, followed by a good frame and padding: the
 * flipped frame never comes out (CRC-16 catches every one-bit error),
 * the good one comes out exactly once. */
static void test_every_bit_flip(void **state)
{
	static uint8_t stream[3 * AXT_FRAME_MAX];
	uint8_t payload[40], good[8] = { 'g', 'o', 'o', 'd', 1, 2, 3, 4 };
	struct axt_decoder d;
	size_t a, b;

	(void)state;
	fill(payload, sizeof(payload), 0x10);
	a = axt_encode(AXT_ANSWER, payload, sizeof(payload), stream,
		sizeof(stream));
	b = axt_encode(AXT_EMIT, good, sizeof(good), stream + a,
		sizeof(stream) - a);
	memset(stream + a + b, '.', AXT_FRAME_MAX); /* text padding */
	for (size_t bit = 0; bit < 8 * a; bit++) {
		struct got g = { 0 };

		stream[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		axt_decoder_init(&d);
		feed_all(&d, stream, a + b + AXT_FRAME_MAX, &g);
		assert_int_equal(g.frames, 1);
		assert_int_equal(g.type, AXT_EMIT);
		assert_memory_equal(g.p, good, sizeof(good));
		stream[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* A truncated frame is never a frame; the good one after it is found. */
static void test_every_truncation(void **state)
{
	static uint8_t frame[AXT_FRAME_MAX], stream[3 * AXT_FRAME_MAX];
	uint8_t payload[30], good[3] = { 7, 7, 7 };
	struct axt_decoder d;
	size_t a, b;

	(void)state;
	fill(payload, sizeof(payload), 0x33);
	a = axt_encode(AXT_LOADED, payload, sizeof(payload), frame,
		sizeof(frame));
	for (size_t cut = 0; cut < a; cut++) {
		struct got g = { 0 };

		memcpy(stream, frame, cut);
		b = axt_encode(AXT_RESULT, good, sizeof(good), stream + cut,
			sizeof(stream) - cut);
		memset(stream + cut + b, 0, AXT_FRAME_MAX);
		axt_decoder_init(&d);
		feed_all(&d, stream, cut, &g);
		assert_int_equal(g.frames, 0);
		feed_all(&d, stream + cut, b + AXT_FRAME_MAX, &g);
		assert_int_equal(g.frames, 1);
		assert_int_equal(g.type, AXT_RESULT);
		assert_memory_equal(g.p, good, 3);
	}
}

/* Noise with magic bytes in it, then a frame. */
static void test_resync_after_noise(void **state)
{
	const uint8_t noise[] = { 0x00, AXT_MAGIC0, AXT_MAGIC0, 0x13,
		AXT_MAGIC1, AXT_MAGIC0, AXT_MAGIC1, 0x02, AXT_MAGIC0,
		AXT_MAGIC0, AXT_MAGIC1, 0x85, 0xff, 0xff, 0x17, AXT_MAGIC0 };
	uint8_t stream[64], payload[4] = { 0, 0, 0, 2 };
	struct axt_decoder d;
	struct got g = { 0 };
	size_t n;

	(void)state;
	memcpy(stream, noise, sizeof(noise));
	n = axt_encode(AXT_RESULT, payload, 4, stream + sizeof(noise),
		sizeof(stream) - sizeof(noise));
	axt_decoder_init(&d);
	feed_all(&d, stream, sizeof(noise) + n, &g);
	assert_int_equal(g.frames, 1);
	assert_int_equal(g.type, AXT_RESULT);
	assert_memory_equal(g.p, payload, 4);
	assert_true(d.bad_frames >= 1); /* the 0xffff length */
}

/* A broken header claims 200 bytes; two real frames lie inside them.
 * When the claimed frame fails its CRC, both are found by rescanning,
 * then a third frame after everything. */
static void test_resync_after_broken_frame(void **state)
{
	static uint8_t stream[1024];
	uint8_t p1[10], p2[20], p3[5];
	struct axt_decoder d;
	struct got g = { 0 };
	size_t n = 0;
	int frames = 0;

	(void)state;
	fill(p1, sizeof(p1), 1);
	fill(p2, sizeof(p2), 2);
	fill(p3, sizeof(p3), 3);
	stream[n++] = AXT_MAGIC0;
	stream[n++] = AXT_MAGIC1;
	stream[n++] = AXT_EMIT;
	stream[n++] = 0;
	stream[n++] = 200;
	n += axt_encode(AXT_EMIT, p1, sizeof(p1), stream + n, 100);
	n += axt_encode(AXT_EMIT, p2, sizeof(p2), stream + n, 100);
	memset(stream + n, 'x', 250);
	stream[n + 100] = '\n';
	n += 250;
	n += axt_encode(AXT_ANSWER, p3, sizeof(p3), stream + n, 100);
	axt_decoder_init(&d);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p;
		uint8_t type;
		size_t len;
		enum axt_feed r = axt_feed(&d, stream[i], &type, &p, &len);

		while (r != AXT_MORE) {
			if (r == AXT_FRAME) {
				frames++;
				assert_int_equal(len, frames == 1 ? 10 :
					frames == 2 ? 20 : 5);
				assert_memory_equal(p, frames == 1 ? p1 :
					frames == 2 ? p2 : p3, len);
			}
			r = axt_next(&d, &type, &p, &len);
		}
	}
	assert_int_equal(frames, 3);
	assert_int_equal(d.bad_frames, 1);
	(void)g;
}

static void test_text_between_frames(void **state)
{
	uint8_t stream[256], pl[2] = { 1, 2 };
	struct axt_decoder d;
	struct got g = { 0 };
	size_t n = 0;

	(void)state;
	memcpy(stream, "tzm secure: node up\r\n", 21);
	n = 21;
	n += axt_encode(AXT_READY, pl, 2, stream + n, sizeof(stream) - n);
	memcpy(stream + n, "\r\n\r\nfault", 9);
	n += 9;
	axt_decoder_init(&d);
	feed_all(&d, stream, n, &g);
	assert_int_equal(g.texts, 1);
	assert_string_equal(g.text, "tzm secure: node up");
	assert_int_equal(g.frames, 1);
	/* "fault" waits for its end of line; a frame does not end it. */
	n = axt_encode(AXT_RESULT, pl, 2, stream, sizeof(stream));
	memcpy(stream + n, " report\n", 8);
	feed_all(&d, stream, n + 8, &g);
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.texts, 2);
	assert_string_equal(g.text, "fault report");
	assert_int_equal(d.bad_frames, 0);
}

static void test_long_text_split(void **state)
{
	uint8_t line[300];
	struct axt_decoder d;
	struct got g = { 0 };

	(void)state;
	memset(line, 'a', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	axt_decoder_init(&d);
	feed_all(&d, line, sizeof(line), &g);
	assert_int_equal(g.texts, 3); /* 127 + 127 + 45 */
	assert_int_equal(strlen(g.text), 299 - 2 * 127);
}

/* Feeding on without draining with axt_next stays in bounds. */
static void test_caller_skips_next(void **state)
{
	static uint8_t stream[4 * AXT_FRAME_MAX];
	uint8_t p[100];
	struct axt_decoder d;
	const uint8_t *pl;
	uint8_t type;
	size_t len, n = 0;
	int frames = 0;

	(void)state;
	fill(p, sizeof(p), 9);
	stream[n++] = AXT_MAGIC0;
	stream[n++] = AXT_MAGIC1;
	stream[n++] = AXT_EMIT;
	stream[n++] = 0x08;
	stream[n++] = 0x00; /* 2048: swallows all that follows */
	while (n + 120 < sizeof(stream))
		n += axt_encode(AXT_EMIT, p, sizeof(p), stream + n, 120);
	axt_decoder_init(&d);
	for (size_t i = 0; i < n; i++) {
		frames += axt_feed(&d, stream[i], &type, &pl, &len) == AXT_FRAME;
		assert_true(d.have <= sizeof(d.buf) && d.off <= d.scan &&
			d.scan <= d.have);
	}
	assert_true(frames > 0);
}

/* ------------------------------------------------------ fake node */

/* How the scripted node misbehaves (0 = a correct node). */
struct script {
	uint32_t abi;          /* READY's abi (0: AXS_ABI_VERSION) */
	int lie_measurement;   /* LOADED with another measurement */
	int32_t loaded_status; /* LOADED with this error (when < 0) */
	int32_t begin_status;  /* RESULT of LOAD_BEGIN */
	int error_on_begin;    /* answer LOAD_BEGIN with ERROR */
	int emits;             /* EMITs per MSG */
	int silent_on_msg;     /* never answer MSG */
	int close_on_msg;      /* close the link on MSG */
	int ready_on_msg;      /* answer MSG with READY (a restart) */
	int bad_answer_len;    /* ANSWER status 10 with 3 bytes */
	int32_t msg_status;    /* ANSWER with this error (when < 0) */
	int noise;             /* noise and text before READY */
};

static struct {
	struct script s;
	int fd;
	pthread_t th;
	uint8_t image[AXS_IMAGE_MAX];
	uint32_t have, total, loads, unloads, msgs;
	uint8_t last_msg[AXT_PAYLOAD_MAX];
	size_t last_msg_len;
} node;

static void node_send(uint8_t type, const uint8_t *p, size_t n)
{
	uint8_t f[AXT_FRAME_MAX];
	size_t len = axt_encode(type, p, n, f, sizeof(f));

	assert_true(len > 0);
	assert_int_equal(write(node.fd, f, len), (ssize_t)len);
}

static void node_status(uint8_t type, int32_t st, const uint8_t *p,
	size_t n)
{
	uint8_t b[AXT_PAYLOAD_MAX];

	ax_store_be32(b, (uint32_t)st);
	if (n > 0)
		memcpy(b + 4, p, n);
	node_send(type, b, 4 + n);
}

static void node_ready(void)
{
	uint8_t r[AXT_READY_LEN];

	ax_store_be32(r, node.s.abi ? node.s.abi : AXS_ABI_VERSION);
	ax_store_be32(r + 4, 4);
	ax_store_be32(r + 8, 1024);
	node_send(AXT_READY, r, sizeof(r));
}

static void node_loaded(const uint8_t *auth)
{
	uint8_t meas[32] = { 0 };
	struct ax_iov iov = { node.image, node.total };

	(void)auth;
	if (node.s.loaded_status < 0) {
		node_status(AXT_LOADED, node.s.loaded_status, meas, 32);
		return;
	}
	assert_int_equal(ax_sha256(&iov, 1, meas), AX_CRYPTO_OK);
	meas[0] ^= (uint8_t)node.s.lie_measurement;
	node_send(AXT_EMIT, (const uint8_t *)"\x04init", 5);
	node_status(AXT_LOADED, (int32_t)(node.loads++ % 4), meas, 32);
}

/* MSG: the "module" echoes the message as its answer after `emits`
 * EMITs of "e<i>". */
static int node_msg(const uint8_t *p, size_t n)
{
	node.msgs++;
	node.last_msg_len = n;
	memcpy(node.last_msg, p, n);
	if (node.s.silent_on_msg)
		return 0;
	if (node.s.close_on_msg)
		return -1;
	if (node.s.ready_on_msg) {
		node_ready();
		return 0;
	}
	for (int i = 0; i < node.s.emits; i++) {
		uint8_t e[2] = { 'e', (uint8_t)i };
		node_send(AXT_EMIT, e, 2);
	}
	if (node.s.bad_answer_len)
		node_status(AXT_ANSWER, 10, (const uint8_t *)"abc", 3);
	else if (node.s.msg_status < 0)
		node_status(AXT_ANSWER, node.s.msg_status, NULL, 0);
	else if (n - AXT_MSG_HDR_LEN > ax_load_be32(p + 4))
		node_status(AXT_ANSWER, -AX_E_SPACE, NULL, 0); /* as a runtime */
	else
		node_status(AXT_ANSWER, (int32_t)(n - AXT_MSG_HDR_LEN),
			p + AXT_MSG_HDR_LEN, n - AXT_MSG_HDR_LEN);
	return 0;
}

static int node_serve(uint8_t type, const uint8_t *p, size_t n)
{
	switch (type) {
	case AXT_HELLO:
		if (node.s.noise)
			assert_int_equal(write(node.fd, "\xa5\x5a\x81\xff\xff"
				"boot text\r\n\xa5", 17), 17);
		node_ready();
		return 0;
	case AXT_LOAD_BEGIN:
		if (node.s.error_on_begin) {
			node_send(AXT_ERROR, (const uint8_t *)"bad\x01 length",
				11);
			return 0;
		}
		node.total = ax_load_be32(p + 4);
		node.have = 0;
		node_status(AXT_RESULT, node.s.begin_status, NULL, 0);
		return 0;
	case AXT_LOAD_DATA:
		assert_true(node.have + n <= node.total);
		memcpy(node.image + node.have, p, n);
		node.have += (uint32_t)n;
		node_status(AXT_RESULT, 0, NULL, 0);
		return 0;
	case AXT_LOAD_END:
		assert_int_equal(n, 32);
		node_loaded(p);
		return 0;
	case AXT_MSG:
		return node_msg(p, n);
	case AXT_UNLOAD:
		node.unloads++;
		node_status(AXT_RESULT, 0, NULL, 0);
		return 0;
	default:
		fail_msg("fake node: request type 0x%02x", type);
		return -1;
	}
}

static void *node_main(void *arg)
{
	static struct axt_decoder d;
	uint8_t buf[512];
	ssize_t r;

	if (arg != NULL) { /* a listening socket: take one connection */
		int lfd = node.fd;

		node.fd = accept(lfd, NULL, NULL);
		close(lfd);
		if (node.fd < 0)
			return NULL;
	}
	axt_decoder_init(&d);
	while ((r = read(node.fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			const uint8_t *p;
			uint8_t type;
			size_t n;
			enum axt_feed f = axt_feed(&d, buf[i], &type, &p, &n);

			for (; f != AXT_MORE; f = axt_next(&d, &type, &p, &n))
				if (f == AXT_FRAME && node_serve(type, p, n) != 0)
					goto out;
		}
	}
out:
	close(node.fd);
	return NULL;
}

static const struct ax_platform_ops *P = &ax_tzm_platform;
static uint8_t auth[32] = { 1 };
static int emitted;

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	assert_true(len > 0 && msg != NULL);
	emitted += ctx == (void *)&emitted;
	return 0;
}

/* The fake node on 127.0.0.1 (its thread accepts one connection), and
 * the backend started against it. Returns start's result. */
static int attach_tcp(const struct script *s, const char *extra, char *err,
	size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char opts[128];

	memset(&node, 0, sizeof(node));
	node.s = *s;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	node.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(node.fd >= 0);
	assert_int_equal(bind(node.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(node.fd, 1), 0);
	assert_int_equal(getsockname(node.fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(opts, sizeof(opts), "serial=tcp:127.0.0.1:%u%s",
		ntohs(a.sin_port), extra);
	assert_int_equal(pthread_create(&node.th, NULL, node_main, &node), 0);
	return P->start(NULL, opts, err, errlen);
}

/* stop() closes the link: the node thread sees EOF and ends. */
static void detach(void)
{
	P->stop();
	assert_int_equal(pthread_join(node.th, NULL), 0);
}

static struct ax_platform_module *load(const uint8_t *img, size_t len,
	char *err, size_t errlen)
{
	struct ax_platform_module *m = NULL;
	uint8_t meas[32];

	err[0] = '\0';
	if (P->load(img, len, 3, NULL, auth, emit, &emitted, &m, meas, err,
		    errlen) != 0) {
		assert_null(m);
		return NULL;
	}
	assert_non_null(m);
	return m;
}

static uint8_t image[3000];

static void test_backend_load_and_handle(void **state)
{
	struct ax_platform_module *m, *m2;
	struct script s = { .emits = 3 };
	uint8_t meas[32], want[32], msg[40], out[64];
	struct ax_iov iov = { image, sizeof(image) };
	char err[256];
	size_t out_len = 99;

	(void)state;
	fill(image, sizeof(image), 0x41);
	assert_int_equal(attach_tcp(&s, ",timeout_ms=10000", err, sizeof(err)),
		0);
	emitted = 0;
	assert_int_equal(P->load(image, sizeof(image), 3, NULL, auth, emit,
		&emitted, &m, meas, err, sizeof(err)), 0);
	assert_int_equal(ax_sha256(&iov, 1, want), AX_CRYPTO_OK);
	assert_memory_equal(meas, want, 32);
	assert_memory_equal(node.image, image, sizeof(image));
	assert_int_equal(emitted, 1); /* the EMIT before LOADED */
	assert_int_equal(ax_tzm_module_number(m), 0);
	m2 = load(image, 100, err, sizeof(err));
	assert_non_null(m2);
	assert_int_equal(ax_tzm_module_number(m2), 1);
	/* MSG: three EMITs to m's emit, then the echoed answer. */
	fill(msg, sizeof(msg), 5);
	emitted = 0;
	assert_int_equal(P->handle(m2, msg, sizeof(msg), out, sizeof(out),
		&out_len), AX_OK);
	assert_int_equal(emitted, 3);
	assert_int_equal(out_len, sizeof(msg));
	assert_memory_equal(out, msg, sizeof(msg));
	assert_int_equal(ax_load_be32(node.last_msg), 1);
	assert_int_equal(ax_load_be32(node.last_msg + 4), sizeof(out));
	/* An answer longer than the caller's buffer: the node's runtime
	 * answers AX_E_SPACE, told the capacity in MSG. */
	assert_int_equal(P->handle(m, msg, sizeof(msg), out, 8, &out_len),
		AX_E_SPACE);
	assert_int_equal(ax_load_be32(node.last_msg + 4), 8);
	assert_int_equal(out_len, 0);
	/* Refused locally: empty, and longer than the node's maximum. */
	node.msgs = 0;
	assert_int_equal(P->handle(m, msg, 0, out, sizeof(out), &out_len),
		AX_E_MALFORMED);
	{
		static uint8_t big[1024 + AX_EVENT_OVERHEAD + 1];

		assert_int_equal(P->handle(m, big, sizeof(big), out,
			sizeof(out), &out_len), AX_E_TOO_LARGE);
	}
	assert_int_equal(node.msgs, 0);
	assert_int_equal(P->alive(m), 1);
	assert_null(P->lost_why(m));
	P->unload(m);
	P->unload(m2);
	assert_int_equal(node.unloads, 2);
	detach();
}

/* The node's runtime status comes back as the runtime status; a module
 * the node does not know is lost (the link stays up). */
static void test_backend_status_mapping(void **state)
{
	struct ax_platform_module *m, *m2;
	struct script s = { .msg_status = -AX_E_BAD_TAG };
	uint8_t msg[1] = { AX_MSG_STATUS }, out[8];
	char err[256];
	size_t out_len;

	(void)state;
	fill(image, sizeof(image), 0x42);
	assert_int_equal(attach_tcp(&s, "", err, sizeof(err)), 0);
	m = load(image, 200, err, sizeof(err));
	m2 = load(image, 200, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(P->handle(m, msg, 1, out, sizeof(out), &out_len),
		AX_E_BAD_TAG);
	node.s.msg_status = -AXS_E_BUSY;
	assert_int_equal(P->handle(m, msg, 1, out, sizeof(out), &out_len),
		AX_E_INTERNAL);
	assert_int_equal(P->alive(m), 1);
	node.s.msg_status = -AXS_E_MODULE;
	assert_int_equal(P->handle(m, msg, 1, out, sizeof(out), &out_len),
		AX_E_INTERNAL);
	assert_int_equal(P->alive(m), 0);
	assert_non_null(strstr(P->lost_why(m), "no longer has module 0"));
	assert_int_equal(P->alive(m2), 1);
	node.s.msg_status = 0;
	assert_int_equal(P->handle(m2, msg, 1, out, sizeof(out), &out_len),
		AX_OK);
	P->unload(m);
	P->unload(m2);
	assert_int_equal(node.unloads, 1); /* not for the lost one */
	detach();
}

/* Load refusals: before sending, the node's numbers in English, the
 * node's ERROR text, a lying measurement. */
static void test_backend_load_errors(void **state)
{
	static uint8_t big[AXS_IMAGE_MAX + 1];
	struct script s = { .loaded_status = -(AXS_E_IMAGE + AXL_E_HEADER) };
	struct ax_platform_module *m = (void *)&m;
	uint8_t meas[32];
	char err[256];

	(void)state;
	fill(image, sizeof(image), 0x43);
	assert_int_equal(attach_tcp(&s, "", err, sizeof(err)), 0);
	assert_null(load(image, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
	assert_null(load(big, sizeof(big), err, sizeof(err)));
	assert_non_null(strstr(err, "larger than a tzm node takes"));
	assert_int_equal(P->load(image, 10, 3, NULL, NULL, emit, NULL, &m,
		meas, err, sizeof(err)), -1);
	assert_null(m);
	assert_non_null(strstr(err, "load authorization"));
	assert_int_equal(node.total, 0); /* nothing was sent */
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "not a loadable shared object"));
	assert_non_null(strstr(err, "not an ELF32"));
	node.s.loaded_status = -AXS_E_AUTH;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "load authorization"));
	node.s.loaded_status = -AXS_E_ABI;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "module ABI"));
	node.s.loaded_status = -AX_E_MALFORMED;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "runtime refused"));
	node.s.loaded_status = -999;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown error 999"));
	node.s.loaded_status = 0;
	node.s.begin_status = -AXS_E_FULL;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "no free module slot"));
	node.s.begin_status = 0;
	node.s.error_on_begin = 1;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_string_equal(err, "the tzm node refused the request: "
		"bad? length");
	node.s.error_on_begin = 0;
	node.s.lie_measurement = 1;
	assert_null(load(image, 10, err, sizeof(err)));
	assert_non_null(strstr(err, "not this image's"));
	assert_int_equal(node.unloads, 1); /* what it loaded is unloaded */
	node.s.lie_measurement = 0;
	m = load(image, 10, err, sizeof(err)); /* the link is still fine */
	assert_non_null(m);
	P->unload(m);
	detach();
}

/* Silence: the call fails after the timeout, the link and every module
 * are lost, later calls fail at once. */
static void test_backend_silent_node(void **state)
{
	struct script s = { .silent_on_msg = 1 };
	struct ax_platform_module *m, *m2;
	uint8_t msg[1] = { AX_MSG_STATUS }, out[8];
	char err[256];
	size_t out_len;

	(void)state;
	fill(image, sizeof(image), 0x44);
	assert_int_equal(attach_tcp(&s, ",timeout_ms=200", err, sizeof(err)),
		0);
	m = load(image, 64, err, sizeof(err));
	m2 = load(image, 64, err, sizeof(err));
	assert_non_null(m2);
	assert_int_equal(P->handle(m, msg, 1, out, sizeof(out), &out_len),
		AX_E_INTERNAL);
	assert_int_equal(P->alive(m), 0);
	assert_int_equal(P->alive(m2), 0);
	assert_string_equal(P->lost_why(m2),
		"tzm link: no answer within 200 ms");
	node.msgs = 0;
	assert_int_equal(P->handle(m2, msg, 1, out, sizeof(out), &out_len),
		AX_E_INTERNAL);
	assert_null(load(image, 64, err, sizeof(err)));
	assert_non_null(strstr(err, "no answer within 200 ms"));
	P->unload(m);
	P->unload(m2);
	detach();
	assert_int_equal(node.msgs, 0);
}

/* The node closes the link, or restarts (READY while modules are
 * loaded), or answers with a broken ANSWER: the link is lost. */
static void test_backend_link_breaks(void **state)
{
	const struct script cases[] = {
		{ .close_on_msg = 1 }, { .ready_on_msg = 1 },
		{ .bad_answer_len = 1 },
	};
	const char *why[] = { "closed the link", "restarted",
			      "protocol error" };
	uint8_t msg[1] = { AX_MSG_STATUS }, out[8];
	char err[256];
	size_t out_len;

	(void)state;
	fill(image, sizeof(image), 0x45);
	for (size_t i = 0; i < 3; i++) {
		struct ax_platform_module *m;

		assert_int_equal(attach_tcp(&cases[i], "", err, sizeof(err)),
			0);
		m = load(image, 64, err, sizeof(err));
		assert_non_null(m);
		assert_int_equal(P->handle(m, msg, 1, out, sizeof(out),
			&out_len), AX_E_INTERNAL);
		assert_int_equal(P->alive(m), 0);
		if (strstr(P->lost_why(m), why[i]) == NULL)
			fail_msg("case %zu: '%s'", i, P->lost_why(m));
		P->unload(m);
		detach();
	}
}

/* Start: noise before READY is skipped; a READY of another entry ABI is
 * refused with a clear message; a bad option names the options. */
static void test_backend_handshake(void **state)
{
	struct script noisy = { .noise = 1 }, old = { .abi = 1 };
	char err[256];

	(void)state;
	assert_int_equal(attach_tcp(&noisy, "", err, sizeof(err)), 0);
	detach();
	assert_int_equal(attach_tcp(&old, "", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "entry ABI 1"));
	assert_int_equal(pthread_join(node.th, NULL), 0);
	assert_int_equal(P->start(NULL, "colour=blue", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "serial=PATH"));
	assert_int_equal(P->start(NULL, "timeout_ms=0", err, sizeof(err)), -1);
	assert_int_equal(P->start(NULL, "serial=tcp:nohost", err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "tcp:HOST:PORT"));
	assert_int_equal(P->start(NULL, "serial=/dev/null", err, sizeof(err)),
		-1);
	assert_non_null(strstr(err, "not a serial port"));
	assert_int_equal(P->start(NULL, "qemu=/nonexistent/qemu", err,
		sizeof(err)), -1);
	assert_non_null(strstr(err, "no node key"));
}

/* serial=PATH on a pty (raw mode set by the backend); the firmware's
 * text between frames goes to stderr as "tzm: ...". */
static void test_backend_pty(void **state)
{
	struct ax_platform_module *m;
	char err[256], opts[128], logged[512] = "";
	uint8_t msg[3] = { 1, 2, 3 }, out[8];
	size_t out_len;
	FILE *cap = tmpfile();
	int master, slave, saved;

	(void)state;
	assert_non_null(cap);
	memset(&node, 0, sizeof(node));
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	snprintf(opts, sizeof(opts), "serial=%s", ptsname(master));
	/* Hold the slave open: the master reads EIO while no slave is
	 * open, which is how the node thread learns the end below. */
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	node.fd = master;
	assert_int_equal(pthread_create(&node.th, NULL, node_main, NULL), 0);
	saved = dup(2);
	dup2(fileno(cap), 2);
	assert_int_equal(P->start(NULL, opts, err, sizeof(err)), 0);
	m = load(image, 1500, err, sizeof(err));
	assert_int_equal(write(master, "hello\x01 from the node\r\n", 22), 22);
	assert_int_equal(P->handle(m, msg, 3, out, sizeof(out), &out_len),
		AX_OK);
	dup2(saved, 2);
	close(saved);
	assert_non_null(m);
	assert_int_equal(out_len, 3);
	P->unload(m);
	P->stop();
	close(slave);
	assert_int_equal(pthread_join(node.th, NULL), 0);
	rewind(cap);
	assert_true(fread(logged, 1, sizeof(logged) - 1, cap) > 0);
	fclose(cap);
	assert_non_null(strstr(logged, "tzm: hello? from the node\n"));
}

/* A stand-in for qemu-system-arm (qemu=PATH): a shell script that logs
 * its arguments and the key file QEMU's loader would read, then either
 * exits or plays a node that says READY and waits. */
static void fake_qemu(const char *dir, int ready, char *opts, size_t cap)
{
	static const char head[] =
		"#!/bin/sh\n"
		"for a; do\n"
		"  echo \"arg $a\" >&2\n"
		"  case $a in loader,file=*,addr=0x38000000,force-raw=on)\n"
		"    k=${a#loader,file=}; k=${k%,addr=*};;\n"
		"  esac\n"
		"done\n"
		"echo \"key $(stat -c %a:%s \"$k\") dir $(stat -c %a "
		"\"$(dirname \"$k\")\") $(od -An -tx1 \"$k\" | tr -d ' \\n')\" "
		">&2\n";
	uint8_t r[AXT_READY_LEN], f[AXT_FRAME_MAX];
	char path[256];
	size_t n;
	FILE *fp;

	ax_store_be32(r, AXS_ABI_VERSION);
	ax_store_be32(r + 4, 4);
	ax_store_be32(r + 8, 1024);
	n = axt_encode(AXT_READY, r, sizeof(r), f, sizeof(f));
	snprintf(path, sizeof(path), "%s/qemu", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(head, fp);
	if (ready) { /* text, the READY frame in octal escapes, then wait */
		fputs("printf 'text before READY\\r\\n'\nprintf '", fp);
		for (size_t i = 0; i < n; i++)
			fprintf(fp, "\\%03o", f[i]);
		fputs("'\nexec cat >/dev/null\n", fp);
	} else {
		fputs("exit 3\n", fp);
	}
	fclose(fp);
	assert_int_equal(chmod(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/s_node.elf", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/ns_node.elf", dir);
	fclose(fopen(path, "w"));
	snprintf(opts, cap, "qemu=%s/qemu,firmware=%s,log=%s/log,uart1=%s/u1",
		dir, dir, dir, dir);
}

static void read_log(const char *dir, char *buf, size_t cap)
{
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/log", dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	unlink(path);
}

/* Start without serial=: the emulator's command line, the node key in a
 * private file (0600 in a 0700 directory) that is gone once start
 * returns, READY over the emulator's stdio, stop kills it. */
static void test_backend_starts_emulator(void **state)
{
	char dir[] = "/tmp/test_tzm_link-XXXXXX", opts[512], err[256];
	static char log[8192];
	uint8_t key[32];
	char hex[65];
	int pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 32; i++) {
		key[i] = (uint8_t)(0xa0 + i);
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	}
	setenv("TMPDIR", dir, 1);
	fake_qemu(dir, 0, opts, sizeof(opts));
	assert_int_equal(P->start(key, opts, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "QEMU exited with status 3"));
	read_log(dir, log, sizeof(log));
	assert_non_null(strstr(log, "arg -M\narg mps2-an505\n"));
	assert_non_null(strstr(log, "arg -serial\narg stdio\narg -serial\n"
		"arg file:"));
	assert_non_null(strstr(log, "/ns_node.elf\n"));
	assert_non_null(strstr(log, "key 600:32 dir 700 "));
	assert_non_null(strstr(log, hex));
	fake_qemu(dir, 1, opts, sizeof(opts));
	assert_int_equal(P->start(key, opts, err, sizeof(err)), 0);
	pid = ax_tzm_qemu_pid();
	assert_true(pid > 0);
	P->stop();
	assert_int_equal(ax_tzm_qemu_pid(), -1);
	assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
	read_log(dir, log, sizeof(log));
	assert_non_null(strstr(log, "key 600:32 dir 700 "));
	/* The emulator dies: the next request says how. */
	assert_int_equal(P->start(key, opts, err, sizeof(err)), 0);
	assert_int_equal(kill(ax_tzm_qemu_pid(), SIGKILL), 0);
	assert_null(load(image, 10, err, sizeof(err)));
	if (strstr(err, "QEMU was killed by signal 9") == NULL)
		fail_msg("%s", err);
	assert_int_equal(ax_tzm_qemu_pid(), -1);
	P->stop();
	read_log(dir, log, sizeof(log));
	unsetenv("TMPDIR");
	/* Only what the test made is left: no authex-tzm-* key directory. */
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/qemu", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/s_node.elf", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/ns_node.elf", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/u1", dir);
		unlink(path);
		assert_int_equal(rmdir(dir), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_vector),
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_over_max_dropped),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_resync_after_noise),
		cmocka_unit_test(test_resync_after_broken_frame),
		cmocka_unit_test(test_text_between_frames),
		cmocka_unit_test(test_long_text_split),
		cmocka_unit_test(test_caller_skips_next),
		cmocka_unit_test(test_backend_load_and_handle),
		cmocka_unit_test(test_backend_status_mapping),
		cmocka_unit_test(test_backend_load_errors),
		cmocka_unit_test(test_backend_silent_node),
		cmocka_unit_test(test_backend_link_breaks),
		cmocka_unit_test(test_backend_handshake),
		cmocka_unit_test(test_backend_pty),
		cmocka_unit_test(test_backend_starts_emulator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
