/*
 * ax_wire_samples.h - one valid sample of every wire message and a
 * type-erased table of the codecs, shared by tests/unit/test_wire.c,
 * tests/unit/test_frame.c, tests/fuzz/fuzz_wire.c and the corpus
 * generator tests/fuzz/gen_wire_corpus.c.
 *
 * The wrappers exist because calling ax_wire_encode_load through a
 * pointer of another function type would be undefined behaviour.
 */
#ifndef AX_WIRE_SAMPLES_H
#define AX_WIRE_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "ax_runtime.h"
#include "ax_wire.h"

#define SMP_UNUSED __attribute__((unused))

typedef ax_wire_status (*smp_enc_fn)(const void *m, uint8_t *buf,
	size_t cap, size_t *len);
typedef ax_wire_status (*smp_dec_fn)(const uint8_t *body, size_t len,
	void *out);

#define SMP_WRAP(msg, T)                                                    \
	static SMP_UNUSED ax_wire_status smp_enc_##msg(const void *m,          \
		uint8_t *buf, size_t cap, size_t *len)                          \
	{                                                                   \
		return ax_wire_encode_##msg((const T *)m, buf, cap, len);      \
	}                                                                   \
	static SMP_UNUSED ax_wire_status smp_dec_##msg(const uint8_t *body,    \
		size_t len, void *out)                                          \
	{                                                                   \
		return ax_wire_decode_##msg(body, len, (T *)out);              \
	}

SMP_WRAP(hello, struct ax_wire_hello)
SMP_WRAP(result, struct ax_wire_result)
SMP_WRAP(bye, struct ax_wire_bye)
SMP_WRAP(load, struct ax_wire_load)
SMP_WRAP(unload, struct ax_wire_unload)
SMP_WRAP(route, struct ax_wire_route)
SMP_WRAP(periodic, struct ax_wire_periodic)
SMP_WRAP(reset, struct ax_wire_reset)
SMP_WRAP(module_msg, struct ax_wire_module_msg)
SMP_WRAP(event, struct ax_wire_event)
SMP_WRAP(status_req, struct ax_wire_status_req)
SMP_WRAP(status, struct ax_wire_status)

/* ------------------------------------------------------------ samples */

static const uint8_t smp_image[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

/* A sealed EVENT module message: type conn(4) counter(8) ct(3) tag(16). */
static const uint8_t smp_event_msg[AX_EVENT_OVERHEAD + 3] = {
	AX_MSG_EVENT, 0, 0, 0, 101, 0, 0, 0, 0, 0, 0, 0, 7, 0xaa, 0xbb, 0xcc,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

static const uint8_t smp_call_msg[] = { AX_MSG_CALL, 0, 2, 'h', 'i' };

/* A runtime STATUS answer with one connection record. */
#define SMP_RT_LEN (AX_RT_STATUS_HDR_LEN + AX_RT_STATUS_CONN_LEN)
static const uint8_t smp_rt_status[SMP_RT_LEN] = { 1, 1, 0, 1 };

static SMP_UNUSED const struct ax_wire_hello smp_hello = {
	.version = 1, .min_version = 1, .role = AX_WIRE_ROLE_DEPLOYER,
	.node_id = 0x0a0b0c0d,
	.nonce = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
};
static SMP_UNUSED const struct ax_wire_result smp_result = {
	.req_seq = 42, .req_type = AX_WIRE_MODULE_MSG, .status = 0x0104,
	.data = { (const uint8_t *)"answer", 6 },
};
static SMP_UNUSED const struct ax_wire_bye smp_bye = {
	.code = AX_WIRE_RES_DENIED, .text = { (const uint8_t *)"bye", 3 },
};
static SMP_UNUSED const struct ax_wire_load smp_load = {
	.deployment = 7, .module = 0x100,
	.name = { "sensor", 6 }, .platform = { "native", 6 },
	.image = { smp_image, sizeof smp_image },
	.auth = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		  0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
		  0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
		  0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf },
};
static SMP_UNUSED const struct ax_wire_unload smp_unload = {
	.deployment = 7, .module = 0x100,
};
static SMP_UNUSED const struct ax_wire_route smp_route = {
	.deployment = 7, .conn = 101, .src = 0x100, .dst = 0x200,
	.kind = AX_WIRE_ROUTE_EVENT, .addr = { "node-b.local:7100", 17 },
};
static SMP_UNUSED const struct ax_wire_periodic smp_periodic = {
	.deployment = 7, .module = 0x100, .entry = 2, .period_ms = 1000,
	.arg = { (const uint8_t *)"tick", 4 },
};
static SMP_UNUSED const struct ax_wire_reset smp_reset = { .deployment = 7 };
static SMP_UNUSED const struct ax_wire_module_msg smp_module_msg = {
	.deployment = 7, .module = 0x100,
	.msg = { smp_call_msg, sizeof smp_call_msg },
};
static SMP_UNUSED const struct ax_wire_event smp_event = {
	.deployment = 7, .msg = { smp_event_msg, sizeof smp_event_msg },
};
static SMP_UNUSED const struct ax_wire_status_req smp_status_req = {
	.deployment = AX_WIRE_ALL,
};
static SMP_UNUSED const struct ax_wire_modstat smp_mods[2] = {
	{ .deployment = 7, .module = 0x100, .state = AX_WIRE_MOD_LOADED,
	  .name = { "sensor", 6 }, .rt_status = { smp_rt_status, SMP_RT_LEN } },
	{ .deployment = 7, .module = 0x200, .state = AX_WIRE_MOD_FAILED,
	  .name = { "agg", 3 }, .rt_status = { NULL, 0 } },
};
static SMP_UNUSED const struct ax_wire_status smp_status = {
	.node_id = 0x0a0b0c0d, .platform = { "process", 7 }, .uptime_s = 60,
	.events_routed = 1000, .events_dropped = 2, .frames_rejected = 3,
	.modules_total = 2, .n_mods = 2, .mods = smp_mods,
};

/* ------------------------------------------------------------- table */

union smp_any {
	struct ax_wire_hello hello;
	struct ax_wire_result result;
	struct ax_wire_bye bye;
	struct ax_wire_load load;
	struct ax_wire_unload unload;
	struct ax_wire_route route;
	struct ax_wire_periodic periodic;
	struct ax_wire_reset reset;
	struct ax_wire_module_msg module_msg;
	struct ax_wire_event event;
	struct ax_wire_status_req status_req;
	struct ax_wire_status status;
};

struct smp_codec {
	uint16_t type;
	const char *name;
	uint16_t flags; /* flags the sample frame is sealed with */
	smp_enc_fn enc;
	smp_dec_fn dec;
	const void *sample;
};

#define SMP_ROW(T, msg, fl) \
	{ T, #msg, fl, smp_enc_##msg, smp_dec_##msg, &smp_##msg }

static SMP_UNUSED const struct smp_codec smp_codecs[] = {
	SMP_ROW(AX_WIRE_HELLO, hello, 0),
	SMP_ROW(AX_WIRE_RESULT, result, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_BYE, bye, 0),
	SMP_ROW(AX_WIRE_LOAD_MODULE, load, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_UNLOAD_MODULE, unload, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_ADD_ROUTE, route, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_PERIODIC, periodic, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_RESET, reset, AX_FRAME_F_AUTH),
	SMP_ROW(AX_WIRE_MODULE_MSG, module_msg, 0),
	SMP_ROW(AX_WIRE_EVENT, event, 0),
	SMP_ROW(AX_WIRE_STATUS_REQ, status_req, 0),
	SMP_ROW(AX_WIRE_STATUS, status, AX_FRAME_F_AUTH),
};
#define SMP_N_CODECS (sizeof smp_codecs / sizeof smp_codecs[0])

static SMP_UNUSED const uint8_t smp_key[AX_WIRE_KEY_LEN] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

static SMP_UNUSED const struct smp_codec *smp_find(uint16_t type)
{
	size_t i;

	for (i = 0; i < SMP_N_CODECS; i++)
		if (smp_codecs[i].type == type)
			return &smp_codecs[i];
	return NULL;
}

/* Encode sample c into a frame at buf (cap bytes) with the given seq;
 * AUTH frames are sealed under smp_key. Returns the frame length or 0. */
static SMP_UNUSED size_t smp_frame(const struct smp_codec *c, uint32_t seq,
	uint8_t *buf, size_t cap)
{
	size_t blen = 0, flen = 0;
	int auth = (c->flags & AX_FRAME_F_AUTH) != 0;

	if (cap < AX_FRAME_AUTH_OVERHEAD ||
	    c->enc(c->sample, buf + AX_FRAME_PREFIX_LEN,
		    cap - AX_FRAME_AUTH_OVERHEAD, &blen) != AX_WIRE_OK)
		return 0;
	if (ax_frame_seal(buf, cap, c->type, c->flags, seq, blen,
		    auth ? smp_key : NULL, &flen) != AX_WIRE_OK)
		return 0;
	return flen;
}

#endif /* AX_WIRE_SAMPLES_H */
