/*
 * test_wire.c - message codecs of src/common/ax_wire.c: round trip of
 * every message, every truncation, trailing bytes, oversized length
 * prefixes (rejected before the bytes are taken), field domains, and
 * every single bit flip of every body (must never crash; a decode that
 * still succeeds must re-encode to the flipped bytes, i.e. be canonical).
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
#include "ax_wire_samples.h"

#define BUF_CAP (64 * 1024)

static uint8_t *encode_sample(const struct smp_codec *c, size_t *len)
{
	uint8_t *buf = malloc(BUF_CAP);

	assert_non_null(buf);
	assert_int_equal(c->enc(c->sample, buf, BUF_CAP, len), AX_WIRE_OK);
	assert_true(*len > 0);
	return buf;
}

/* Decode a private, exactly-sized copy so ASan sees any over-read. */
static ax_wire_status decode_copy(const struct smp_codec *c,
	const uint8_t *body, size_t len, union smp_any *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	ax_wire_status st;

	assert_non_null(copy);
	if (len)
		memcpy(copy, body, len);
	st = c->dec(copy, len, out);
	free(copy);
	return st;
}

static void test_round_trip_all(void **state)
{
	size_t i, len, len2;
	union smp_any m;
	uint8_t *a, *b;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		const struct smp_codec *c = &smp_codecs[i];

		a = encode_sample(c, &len);
		b = malloc(BUF_CAP);
		assert_non_null(b);
		assert_int_equal(c->dec(a, len, &m), AX_WIRE_OK);
		assert_int_equal(c->enc(&m, b, BUF_CAP, &len2), AX_WIRE_OK);
		assert_int_equal(len2, len);
		assert_memory_equal(a, b, len);
		free(a);
		free(b);
	}
}

static void test_every_truncation_rejected(void **state)
{
	size_t i, n, len;
	union smp_any m;
	uint8_t *a;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		a = encode_sample(&smp_codecs[i], &len);
		for (n = 0; n < len; n++)
			assert_int_not_equal(
				decode_copy(&smp_codecs[i], a, n, &m), AX_WIRE_OK);
		free(a);
	}
}

static void test_trailing_rejected(void **state)
{
	size_t i, len;
	union smp_any m;
	uint8_t *a;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		a = encode_sample(&smp_codecs[i], &len);
		a[len] = 0;
		assert_int_equal(decode_copy(&smp_codecs[i], a, len + 1, &m),
			AX_WIRE_E_TRAILING);
		free(a);
	}
}

/* Canonical encoding: whatever decodes re-encodes to the same bytes. */
static void check_canonical(const struct smp_codec *c, const uint8_t *body,
	size_t len)
{
	union smp_any m;
	uint8_t *b;
	size_t len2;

	if (c->dec(body, len, &m) != AX_WIRE_OK)
		return;
	b = malloc(BUF_CAP);
	assert_non_null(b);
	assert_int_equal(c->enc(&m, b, BUF_CAP, &len2), AX_WIRE_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(b, body, len);
	free(b);
}

static int all_flips_valid(uint16_t type)
{
	return type == AX_WIRE_RESET ||
	       type == AX_WIRE_STATUS_REQ;
}

static void test_every_bit_flip_safe(void **state)
{
	size_t i, bit, len, rejected;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		uint8_t *a = encode_sample(&smp_codecs[i], &len);

		rejected = 0;
		for (bit = 0; bit < len * 8; bit++) {
			union smp_any m;

			a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (decode_copy(&smp_codecs[i], a, len, &m) != AX_WIRE_OK)
				rejected++;
			check_canonical(&smp_codecs[i], a, len);
			a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		/* Bodies of ids only (no length, no reserved value reachable
		 * by one flip of the sample) stay valid; all others have
		 * flips that fail. */
		assert_int_equal(rejected == 0, all_flips_valid(smp_codecs[i].type));
		free(a);
	}
}

/* --------------------------------------------- oversized length prefixes */

struct big_case {
	uint16_t type;
	size_t off;   /* offset of the length prefix in the sample body */
	int width;    /* 2 or 4 */
	uint32_t max; /* the field's hard maximum */
};

static const struct big_case big_cases[] = {
	{ AX_WIRE_RESULT, 8, 4, AX_WIRE_RESULT_MAX },
	{ AX_WIRE_BYE, 2, 2, AX_WIRE_TEXT_MAX },
	{ AX_WIRE_LOAD_MODULE, 8, 2, AX_WIRE_NAME_MAX },
	{ AX_WIRE_LOAD_MODULE, 8 + 2 + 6, 2, AX_WIRE_NAME_MAX },
	{ AX_WIRE_LOAD_MODULE, 8 + 2 + 6 + 2 + 6, 4, AX_WIRE_IMAGE_MAX },
	{ AX_WIRE_ADD_ROUTE, 17, 2, AX_WIRE_ADDR_MAX },
	{ AX_WIRE_PERIODIC, 14, 2, AX_WIRE_ARG_MAX },
	{ AX_WIRE_MODULE_MSG, 8, 4, AX_MODULE_MSG_MAX },
	{ AX_WIRE_EVENT, 4, 4, AX_MODULE_MSG_MAX },
	{ AX_WIRE_STATUS, 4, 2, AX_WIRE_NAME_MAX },
	{ AX_WIRE_STATUS, 4 + 2 + 7 + 4 + 24 + 4 + 2 + 9, 2, AX_WIRE_NAME_MAX },
	{ AX_WIRE_STATUS, 4 + 2 + 7 + 4 + 24 + 4 + 2 + 9 + 2 + 6, 2,
	  AX_WIRE_RT_STATUS_MAX },
};

static void test_oversized_prefix_rejected(void **state)
{
	size_t i, len;
	union smp_any m;

	(void)state;
	for (i = 0; i < sizeof big_cases / sizeof big_cases[0]; i++) {
		const struct big_case *bc = &big_cases[i];
		const struct smp_codec *c = smp_find(bc->type);
		uint8_t *a = encode_sample(c, &len);
		uint32_t v;

		assert_true(bc->off + (size_t)bc->width <= len);
		v = bc->width == 2 ? ax_load_be16(a + bc->off)
				   : ax_load_be32(a + bc->off);
		assert_true(v > 0 && v <= bc->max); /* offset is right */
		for (v = bc->max + 1; v != 0 && v <= bc->max + 2; v++) {
			if (bc->width == 2)
				ax_store_be16(a + bc->off, (uint16_t)v);
			else
				ax_store_be32(a + bc->off, v);
			assert_int_equal(decode_copy(c, a, len, &m),
				AX_WIRE_E_TOO_LARGE);
		}
		if (bc->width == 4) { /* huge length: no read, no wrap */
			ax_store_be32(a + bc->off, 0xffffffffu);
			assert_int_equal(decode_copy(c, a, len, &m),
				AX_WIRE_E_TOO_LARGE);
		}
		free(a);
	}
}

static void test_status_too_many_modules(void **state)
{
	struct ax_wire_status s = smp_status;
	uint8_t buf[512];
	size_t len;

	(void)state;
	s.n_mods = AX_WIRE_STATUS_MODULES_MAX + 1;
	s.modules_total = 1000;
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_E_TOO_LARGE);
	/* Same on the decode side: patch n_mods in a valid encoding. */
	s = smp_status;
	s.modules_total = 1000;
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_OK);
	ax_store_be16(buf + 4 + 2 + 7 + 4 + 24 + 4, AX_WIRE_STATUS_MODULES_MAX + 1);
	assert_int_equal(ax_wire_decode_status(buf, len, &s),
		AX_WIRE_E_TOO_LARGE);
}

/* The encoders refuse what the decoders would refuse. */
static void test_encoder_limits(void **state)
{
	static uint8_t big[AX_WIRE_ARG_MAX + 1];
	struct ax_wire_load l = smp_load;
	struct ax_wire_periodic p = smp_periodic;
	struct ax_wire_result r = smp_result;
	struct ax_wire_bye b = smp_bye;
	uint8_t buf[256];
	size_t len;

	(void)state;
	l.name.ptr = (const char *)big;
	memset(big, 'a', sizeof big);
	l.name.len = AX_WIRE_NAME_MAX + 1;
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_E_TOO_LARGE);
	l.name.len = AX_WIRE_NAME_MAX; /* exactly the maximum is fine */
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_OK);
	p.arg.ptr = big;
	p.arg.len = sizeof big;
	assert_int_equal(ax_wire_encode_periodic(&p, buf, sizeof buf, &len),
		AX_WIRE_E_TOO_LARGE);
	r.data.ptr = big;
	r.data.len = AX_WIRE_RESULT_MAX + 1;
	assert_int_equal(ax_wire_encode_result(&r, buf, sizeof buf, &len),
		AX_WIRE_E_TOO_LARGE);
	b.text.len = AX_WIRE_TEXT_MAX + 1;
	assert_int_equal(ax_wire_encode_bye(&b, buf, sizeof buf, &len),
		AX_WIRE_E_TOO_LARGE);
}

static void test_encoder_space(void **state)
{
	size_t i, cap, len, full;
	uint8_t *a;

	(void)state;
	for (i = 0; i < SMP_N_CODECS; i++) {
		const struct smp_codec *c = &smp_codecs[i];

		free(encode_sample(c, &full));
		for (cap = 0; cap < full; cap++) {
			a = malloc(cap ? cap : 1);
			assert_non_null(a);
			assert_int_equal(c->enc(c->sample, a, cap, &len),
				AX_WIRE_E_SPACE);
			free(a);
		}
	}
}

/* ------------------------------------------------------ field domains */

static void test_hello_fields(void **state)
{
	struct ax_wire_hello h = smp_hello, d;
	uint8_t buf[64];
	size_t len;

	(void)state;
	assert_int_equal(ax_wire_encode_hello(&h, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(len, AX_WIRE_HELLO_LEN);
	assert_int_equal(ax_wire_decode_hello(buf, len, &d), AX_WIRE_OK);
	assert_int_equal(d.node_id, 0x0a0b0c0d);
	assert_memory_equal(d.nonce, h.nonce, AX_WIRE_NONCE_LEN);
	ax_store_be16(buf, 0); /* version 0 */
	assert_int_equal(ax_wire_decode_hello(buf, len, &d),
		AX_WIRE_E_BAD_VERSION);
	ax_store_be16(buf, 1);
	ax_store_be16(buf + 2, 2); /* min above version */
	assert_int_equal(ax_wire_decode_hello(buf, len, &d),
		AX_WIRE_E_BAD_VERSION);
	ax_store_be16(buf + 2, 1);
	buf[4] = 0; /* role */
	assert_int_equal(ax_wire_decode_hello(buf, len, &d),
		AX_WIRE_E_BAD_FIELD);
	buf[4] = 4;
	assert_int_equal(ax_wire_decode_hello(buf, len, &d),
		AX_WIRE_E_BAD_FIELD);
	buf[4] = AX_WIRE_ROLE_PEER;
	assert_int_equal(ax_wire_decode_hello(buf, len, &d), AX_WIRE_OK);
	h.node_id = 0;
	assert_int_equal(ax_wire_encode_hello(&h, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
}

static void test_load_view_points_into_input(void **state)
{
	uint8_t buf[256];
	struct ax_wire_load d;
	size_t len;

	(void)state;
	assert_int_equal(ax_wire_encode_load(&smp_load, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_decode_load(buf, len, &d), AX_WIRE_OK);
	assert_int_equal(d.deployment, 7);
	assert_int_equal(d.module, 0x100);
	assert_int_equal(d.name.len, 6);
	assert_memory_equal(d.name.ptr, "sensor", 6);
	assert_ptr_equal(d.name.ptr, (const char *)buf + 10);
	assert_memory_equal(d.platform.ptr, "native", 6);
	assert_int_equal(d.image.len, sizeof smp_image);
	assert_ptr_equal(d.image.ptr,
		buf + len - AX_WIRE_LOAD_AUTH_LEN - sizeof smp_image);
	/* auth is the last 32 bytes, copied into the view. */
	assert_memory_equal(buf + len - AX_WIRE_LOAD_AUTH_LEN, smp_load.auth,
		AX_WIRE_LOAD_AUTH_LEN);
	assert_memory_equal(d.auth, smp_load.auth, AX_WIRE_LOAD_AUTH_LEN);
	memset(buf + len - AX_WIRE_LOAD_AUTH_LEN, 0, AX_WIRE_LOAD_AUTH_LEN);
	assert_memory_equal(d.auth, smp_load.auth, AX_WIRE_LOAD_AUTH_LEN);
}

/* The codec carries any 32-byte auth unchanged (the platform judges it),
 * and only exactly 32: a body of the old layout without auth, or an
 * image length that swallows part of it, is refused. */
static void test_load_auth_field(void **state)
{
	uint8_t buf[256];
	struct ax_wire_load d;
	size_t len, bit, off;

	(void)state;
	assert_int_equal(ax_wire_encode_load(&smp_load, buf, sizeof buf, &len),
		AX_WIRE_OK);
	off = len - AX_WIRE_LOAD_AUTH_LEN;
	for (bit = 0; bit < AX_WIRE_LOAD_AUTH_LEN * 8; bit++) {
		buf[off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ax_wire_decode_load(buf, len, &d), AX_WIRE_OK);
		assert_int_equal(d.auth[bit / 8] ^ smp_load.auth[bit / 8],
			1u << (bit % 8));
		buf[off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(ax_wire_decode_load(buf, off, &d),
		AX_WIRE_E_TRUNCATED);
	assert_int_equal(ax_wire_decode_load(buf, len - 1, &d),
		AX_WIRE_E_TRUNCATED);
	ax_store_be32(buf + off - sizeof smp_image - 4,
		(uint32_t)sizeof smp_image + 1);
	assert_int_equal(ax_wire_decode_load(buf, len, &d),
		AX_WIRE_E_TRUNCATED);
}

struct name_case {
	const char *s;
	size_t len;
	ax_wire_status want;
};

static void test_load_names(void **state)
{
	static const struct name_case cases[] = {
		{ "sensor", 6, AX_WIRE_OK },
		{ "a", 1, AX_WIRE_OK },
		{ "", 0, AX_WIRE_E_BAD_FIELD },
		{ "two words", 9, AX_WIRE_E_BAD_FIELD },
		{ "tab\there", 8, AX_WIRE_E_BAD_FIELD },
		{ "nul\0x", 5, AX_WIRE_E_BAD_FIELD },
		{ "del\x7f", 4, AX_WIRE_E_BAD_FIELD },
		{ "hi\xc3\xa9", 4, AX_WIRE_E_BAD_FIELD },
	};
	struct ax_wire_load l = smp_load, d;
	uint8_t buf[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		l.name.ptr = cases[i].s;
		l.name.len = cases[i].len;
		assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
			cases[i].want);
		l.name = smp_load.name; /* now the decoder, via a good body */
		assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
			AX_WIRE_OK);
		if (cases[i].len == 6) {
			memcpy(buf + 10, cases[i].s, 6);
			assert_int_equal(ax_wire_decode_load(buf, len, &d),
				cases[i].want);
		}
	}
	l.platform.len = 0;
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	l = smp_load;
	l.image.len = 0;
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
}

static void test_reserved_ids(void **state)
{
	struct ax_wire_load l = smp_load;
	struct ax_wire_unload u = smp_unload;
	struct ax_wire_reset r = { 0 };
	struct ax_wire_status_req q = { 0 };
	uint8_t buf[256];
	size_t len;

	(void)state;
	l.deployment = 0;
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	l.deployment = AX_WIRE_ALL;
	assert_int_equal(ax_wire_encode_load(&l, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	u.module = 0;
	assert_int_equal(ax_wire_encode_unload(&u, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	assert_int_equal(ax_wire_encode_reset(&r, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	r.deployment = AX_WIRE_ALL; /* RESET of everything is allowed */
	assert_int_equal(ax_wire_encode_reset(&r, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_decode_reset(buf, len, &r), AX_WIRE_OK);
	assert_int_equal(r.deployment, AX_WIRE_ALL);
	assert_int_equal(ax_wire_encode_status_req(&q, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	memset(buf, 0, 4);
	assert_int_equal(ax_wire_decode_reset(buf, 4, &r), AX_WIRE_E_BAD_FIELD);
}

static void test_route_fields(void **state)
{
	static const struct name_case addrs[] = {
		{ "", 0, AX_WIRE_OK },
		{ "h:1", 3, AX_WIRE_OK },
		{ "10.0.0.2:65535", 14, AX_WIRE_OK },
		{ "[::1]:7100", 10, AX_WIRE_OK },
		{ "nohost", 6, AX_WIRE_E_BAD_FIELD },
		{ ":80", 3, AX_WIRE_E_BAD_FIELD },
		{ "h:", 2, AX_WIRE_E_BAD_FIELD },
		{ "h:0", 3, AX_WIRE_E_BAD_FIELD },
		{ "h:080", 5, AX_WIRE_E_BAD_FIELD },
		{ "h:65536", 7, AX_WIRE_E_BAD_FIELD },
		{ "h:123456", 8, AX_WIRE_E_BAD_FIELD },
		{ "h:8a", 4, AX_WIRE_E_BAD_FIELD },
		{ "h h:80", 6, AX_WIRE_E_BAD_FIELD },
	};
	struct ax_wire_route r = smp_route, d;
	uint8_t buf[512];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		r.addr.ptr = addrs[i].s;
		r.addr.len = addrs[i].len;
		assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
			addrs[i].want);
	}
	r = smp_route;
	r.kind = 0;
	assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	r.kind = AX_WIRE_ROUTE_REQUEST;
	r.src = r.dst; /* a module routed to itself */
	assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	r.src = AX_WIRE_DEPLOYER; /* deployer-sourced: fine */
	assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
		AX_WIRE_OK);
	r = smp_route;
	r.dst = AX_WIRE_DEPLOYER; /* to the deployer: no address allowed */
	assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	r.addr.len = 0;
	assert_int_equal(ax_wire_encode_route(&r, buf, sizeof buf, &len),
		AX_WIRE_OK);
	buf[16] = 3; /* kind on the wire */
	assert_int_equal(ax_wire_decode_route(buf, len, &d),
		AX_WIRE_E_BAD_FIELD);
}

static void test_periodic_fields(void **state)
{
	static const struct {
		uint32_t period;
		size_t arg_len;
		ax_wire_status want;
	} cases[] = {
		{ 0, 0, AX_WIRE_OK },              /* cancel */
		{ 0, 4, AX_WIRE_E_BAD_FIELD },     /* cancel with an argument */
		{ 1, 0, AX_WIRE_E_BAD_FIELD },
		{ AX_WIRE_PERIOD_MIN_MS - 1, 0, AX_WIRE_E_BAD_FIELD },
		{ AX_WIRE_PERIOD_MIN_MS, 0, AX_WIRE_OK },
		{ AX_WIRE_PERIOD_MAX_MS, 4, AX_WIRE_OK },
		{ AX_WIRE_PERIOD_MAX_MS + 1, 0, AX_WIRE_E_BAD_FIELD },
		{ 0xffffffffu, 0, AX_WIRE_E_BAD_FIELD },
	};
	struct ax_wire_periodic p = smp_periodic, d;
	uint8_t buf[64];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p.period_ms = cases[i].period;
		p.arg.len = cases[i].arg_len;
		assert_int_equal(ax_wire_encode_periodic(&p, buf, sizeof buf, &len),
			cases[i].want);
	}
	p = smp_periodic;
	assert_int_equal(ax_wire_encode_periodic(&p, buf, sizeof buf, &len),
		AX_WIRE_OK);
	ax_store_be32(buf + 10, 5); /* period on the wire */
	assert_int_equal(ax_wire_decode_periodic(buf, len, &d),
		AX_WIRE_E_BAD_FIELD);
}

static void test_module_msg_types(void **state)
{
	struct ax_wire_module_msg mm = smp_module_msg, d;
	uint8_t msg[4] = { 0 };
	uint8_t buf[64];
	size_t len;
	unsigned t;

	(void)state;
	mm.msg.ptr = msg;
	mm.msg.len = sizeof msg;
	for (t = 0; t < 256; t++) {
		msg[0] = (uint8_t)t;
		assert_int_equal(ax_wire_encode_module_msg(&mm, buf, sizeof buf, &len),
			t >= AX_MSG_SET_KEY && t <= AX_MSG_STATUS ? AX_WIRE_OK
								  : AX_WIRE_E_BAD_TYPE);
	}
	msg[0] = AX_MSG_STATUS;
	assert_int_equal(ax_wire_encode_module_msg(&mm, buf, sizeof buf, &len),
		AX_WIRE_OK);
	buf[12] = 0x09;
	assert_int_equal(ax_wire_decode_module_msg(buf, len, &d),
		AX_WIRE_E_BAD_TYPE);
	mm.msg.len = 0;
	assert_int_equal(ax_wire_encode_module_msg(&mm, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
}

static void test_event_fields(void **state)
{
	struct ax_wire_event e = smp_event, d;
	uint8_t msg[sizeof smp_event_msg];
	uint8_t buf[128];
	size_t len;

	(void)state;
	assert_int_equal(ax_wire_encode_event(&e, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_decode_event(buf, len, &d), AX_WIRE_OK);
	assert_int_equal(d.msg_type, AX_MSG_EVENT);
	assert_int_equal(d.conn, 101);
	assert_int_equal(d.counter, 7);
	memcpy(msg, smp_event_msg, sizeof msg);
	e.msg.ptr = msg;
	msg[0] = AX_MSG_CALL; /* only sealed event-like messages travel here */
	assert_int_equal(ax_wire_encode_event(&e, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_TYPE);
	msg[0] = AX_MSG_RESPONSE;
	assert_int_equal(ax_wire_encode_event(&e, buf, sizeof buf, &len),
		AX_WIRE_OK);
	e.msg.len = AX_EVENT_OVERHEAD - 1;
	assert_int_equal(ax_wire_encode_event(&e, buf, sizeof buf, &len),
		AX_WIRE_E_TRUNCATED);
}

static void test_result_fields(void **state)
{
	struct ax_wire_result r = smp_result;
	uint8_t buf[64];
	size_t len;

	(void)state;
	r.req_type = 0x7777;
	assert_int_equal(ax_wire_encode_result(&r, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	r.req_type = AX_WIRE_LOAD_MODULE;
	r.data.len = 0;
	r.data.ptr = NULL;
	assert_int_equal(ax_wire_encode_result(&r, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(len, AX_WIRE_RESULT_HDR_LEN);
	assert_int_equal(ax_wire_decode_result(buf, len, &r), AX_WIRE_OK);
	assert_int_equal(r.req_seq, 42);
	assert_int_equal(r.status, 0x0104);
	assert_int_equal(AX_WIRE_RES_RT(4), 0x0104);
}

static void test_status_records(void **state)
{
	struct ax_wire_status s;
	struct ax_wire_modstat ms;
	struct ax_wire_bytes it;
	uint8_t buf[1024];
	size_t len;

	(void)state;
	assert_int_equal(ax_wire_encode_status(&smp_status, buf, sizeof buf, &len),
		AX_WIRE_OK);
	assert_int_equal(ax_wire_decode_status(buf, len, &s), AX_WIRE_OK);
	assert_null(s.mods);
	assert_int_equal(s.n_mods, 2);
	assert_int_equal(s.events_routed, 1000);
	it = s.records;
	assert_int_equal(ax_wire_modstat_next(&it, &ms), AX_WIRE_OK);
	assert_int_equal(ms.module, 0x100);
	assert_int_equal(ms.rt_status.len, SMP_RT_LEN);
	assert_memory_equal(ms.name.ptr, "sensor", 6);
	assert_int_equal(ax_wire_modstat_next(&it, &ms), AX_WIRE_OK);
	assert_int_equal(ms.state, AX_WIRE_MOD_FAILED);
	assert_int_equal(ms.rt_status.len, 0);
	assert_int_equal(ax_wire_modstat_next(&it, &ms), AX_WIRE_E_TRUNCATED);
}

static void test_status_bad_records(void **state)
{
	struct ax_wire_modstat mods[1] = { smp_mods[0] };
	struct ax_wire_status s = smp_status;
	uint8_t rt[SMP_RT_LEN];
	uint8_t buf[1024];
	size_t len;

	(void)state;
	s.mods = mods;
	s.n_mods = 1;
	memcpy(rt, smp_rt_status, sizeof rt);
	mods[0].rt_status.ptr = rt;
	mods[0].rt_status.len = SMP_RT_LEN - 1; /* not whole records */
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	mods[0].rt_status.len = SMP_RT_LEN;
	rt[3] = 2; /* n_conn disagrees with the length */
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	rt[3] = 1;
	mods[0].state = 3;
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	mods[0].state = AX_WIRE_MOD_LOADED;
	s.modules_total = 0; /* fewer in total than reported */
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_E_BAD_FIELD);
	s.modules_total = 1;
	assert_int_equal(ax_wire_encode_status(&s, buf, sizeof buf, &len),
		AX_WIRE_OK);
	buf[len - SMP_RT_LEN] = 2; /* runtime STATUS version on the wire */
	assert_int_equal(ax_wire_decode_status(buf, len, &s),
		AX_WIRE_E_BAD_FIELD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_trailing_rejected),
		cmocka_unit_test(test_every_bit_flip_safe),
		cmocka_unit_test(test_oversized_prefix_rejected),
		cmocka_unit_test(test_status_too_many_modules),
		cmocka_unit_test(test_encoder_limits),
		cmocka_unit_test(test_encoder_space),
		cmocka_unit_test(test_hello_fields),
		cmocka_unit_test(test_load_view_points_into_input),
		cmocka_unit_test(test_load_auth_field),
		cmocka_unit_test(test_load_names),
		cmocka_unit_test(test_reserved_ids),
		cmocka_unit_test(test_route_fields),
		cmocka_unit_test(test_periodic_fields),
		cmocka_unit_test(test_module_msg_types),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_result_fields),
		cmocka_unit_test(test_status_records),
		cmocka_unit_test(test_status_bad_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
