/*
 * ax_fixture.h - a two-module test bench for the runtime, shared by the
 * unit and attack tests. Module A and module B each get a hand-built
 * endpoint table and their own struct ax_rt; a tiny "deployer" derives
 * their module keys from a node key and keys connections with SET_KEY,
 * exactly as the real deployer does (ax_modmsg.h). Everything a module
 * emits lands in a capture queue; every handler call is recorded.
 *
 * A: 0 OUTPUT "temp", 1 REQUEST "ask" (response -> a_on_answer),
 *    2 ENTRY "go", 3 INPUT "a_in"
 * B: 0 INPUT "b_in", 1 HANDLER "answer", 2 OUTPUT "b_out", 3 ENTRY "b_go"
 *
 * Connections made by fx_connect_all():
 *   FX_C1 = 101: A.temp -> B.b_in      (AES-128-GCM)
 *   FX_C2 = 102: A.temp -> B.b_in      (ChaCha20-Poly1305)
 *   FX_C3 = 103: A.ask  -> B.answer    (request/handler, AES-128-GCM)
 */
#ifndef AX_FIXTURE_H
#define AX_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"

#define FX_C1 101u
#define FX_C2 102u
#define FX_C3 103u
#define FX_QMAX 8

struct fx_msg {
	uint8_t b[AX_MODULE_MSG_MAX];
	size_t len;
};

struct fx {
	struct ax_rt a, b;
	uint8_t node_key[32];
	uint8_t meas_a[32], meas_b[32];
	uint8_t km_a[32], km_b[32];
	uint64_t nonce_a, nonce_b;
	struct fx_msg q[FX_QMAX];   /* what the modules emitted */
	size_t nq;
	size_t dropped;
	/* handler call log */
	unsigned b_in_calls, a_in_calls, answer_calls, a_answer_calls, go_calls;
	uint8_t last[AX_PAYLOAD_LIMIT];
	size_t last_len;
	int answer_fail;
};

static struct fx *fx_cur;

static inline int fx_emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct fx *f = ctx;
	if (f->nq == FX_QMAX || len > sizeof(f->q[0].b)) {
		f->dropped++;
		return -1;
	}
	memcpy(f->q[f->nq].b, msg, len);
	f->q[f->nq++].len = len;
	return 0;
}

static inline void fx_record(const uint8_t *d, size_t n)
{
	memcpy(fx_cur->last, d, n);
	fx_cur->last_len = n;
}

static inline void fx_b_in(const uint8_t *d, size_t n)
{
	fx_cur->b_in_calls++;
	fx_record(d, n);
}

static inline void fx_a_in(const uint8_t *d, size_t n)
{
	fx_cur->a_in_calls++;
	fx_record(d, n);
}

static inline void fx_a_on_answer(const uint8_t *d, size_t n)
{
	fx_cur->a_answer_calls++;
	fx_record(d, n);
}

/* B's handler answers "re:" followed by the request. */
static inline int fx_answer(const uint8_t *req, size_t n, struct ax_reply *r)
{
	fx_cur->answer_calls++;
	if (fx_cur->answer_fail)
		return 1;
	if (ax_reply_put(r, "re:", 3) != 0 || ax_reply_put(r, req, n) != 0)
		return 1;
	return 0;
}

/* A's entry "go": echoes its argument length as one byte. */
static inline int fx_go(const uint8_t *arg, size_t n, struct ax_reply *r)
{
	uint8_t v = (uint8_t)n;
	(void)arg;
	fx_cur->go_calls++;
	return ax_reply_put(r, &v, 1);
}

#define FX_EP(k, nm, field, f) {AX_EP_MAGIC, (k), {0, 0, 0}, nm, {.field = (f)}}

static const struct ax_endpoint fx_eps_a[] = {
	FX_EP(AX_EP_OUTPUT, "temp", none, NULL),
	FX_EP(AX_EP_REQUEST, "ask", input, fx_a_on_answer),
	FX_EP(AX_EP_ENTRY, "go", entry, fx_go),
	FX_EP(AX_EP_INPUT, "a_in", input, fx_a_in),
};
static const struct ax_endpoint fx_eps_b[] = {
	FX_EP(AX_EP_INPUT, "b_in", input, fx_b_in),
	FX_EP(AX_EP_HANDLER, "answer", entry, fx_answer),
	FX_EP(AX_EP_OUTPUT, "b_out", none, NULL),
	FX_EP(AX_EP_ENTRY, "b_go", entry, fx_go),
};

static inline void fx_fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Start A (instance 1) and B (instance 2) on one node. */
static inline void fx_start(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	fx_cur = f;
	fx_fill(f->node_key, 32, 0x10);
	fx_fill(f->meas_a, 32, 0xa0);
	fx_fill(f->meas_b, 32, 0xb0);
	assert_int_equal(ax_modmsg_module_key(f->node_key, 1, f->meas_a,
					      f->km_a), AX_OK);
	assert_int_equal(ax_modmsg_module_key(f->node_key, 2, f->meas_b,
					      f->km_b), AX_OK);
	assert_int_equal(ax_rt_init(&f->a, fx_eps_a, 4, 1, f->km_a, fx_emit, f),
			 AX_OK);
	assert_int_equal(ax_rt_init(&f->b, fx_eps_b, 4, 2, f->km_b, fx_emit, f),
			 AX_OK);
}

/* Pass one message to a runtime; returns the status. */
static inline ax_rt_status fx_send(struct ax_rt *rt, const uint8_t *m, size_t n)
{
	uint8_t out[AX_RT_STATUS_MAX];
	size_t out_len;
	return ax_rt_handle(rt, m, n, out, sizeof(out), &out_len);
}

/* Build a SET_KEY for a runtime with the next nonce and deliver it. */
static inline ax_rt_status fx_set_key_msg(const uint8_t km[32], uint64_t nonce,
				   uint32_t conn, uint16_t ep, unsigned alg,
				   const uint8_t *key, uint8_t *buf, size_t *len)
{
	return ax_modmsg_set_key(km, nonce, conn, ep, alg, key, buf,
				 AX_SET_KEY_HDR_LEN + 32 + AX_TAG_LEN, len);
}

static inline void fx_key(struct fx *f, int to_a, uint32_t conn, uint16_t ep,
		   unsigned alg, const uint8_t *key)
{
	uint8_t m[AX_SET_KEY_HDR_LEN + 32 + AX_TAG_LEN];
	size_t n;
	uint64_t nonce = to_a ? ++f->nonce_a : ++f->nonce_b;

	assert_int_equal(fx_set_key_msg(to_a ? f->km_a : f->km_b, nonce, conn,
					ep, alg, key, m, &n), AX_OK);
	assert_int_equal(fx_send(to_a ? &f->a : &f->b, m, n), AX_OK);
}

static inline void fx_connect_all(struct fx *f)
{
	uint8_t k1[32], k2[32], k3[32];
	fx_fill(k1, 32, 1);
	fx_fill(k2, 32, 2);
	fx_fill(k3, 32, 3);
	fx_key(f, 1, FX_C1, 0, AX_AEAD_AES128GCM, k1);
	fx_key(f, 0, FX_C1, 0, AX_AEAD_AES128GCM, k1);
	fx_key(f, 1, FX_C2, 0, AX_AEAD_CHACHA20POLY1305, k2);
	fx_key(f, 0, FX_C2, 0, AX_AEAD_CHACHA20POLY1305, k2);
	fx_key(f, 1, FX_C3, 1, AX_AEAD_AES128GCM, k3);
	fx_key(f, 0, FX_C3, 1, AX_AEAD_AES128GCM, k3);
}

/* Take the i-th captured message out of the queue (copy). */
static inline struct fx_msg fx_take(struct fx *f, size_t i)
{
	assert_true(i < f->nq);
	return f->q[i];
}

static inline uint64_t fx_total_rejects(const struct ax_rt *rt)
{
	uint64_t t = 0;
	for (size_t i = 0; i < AX_E_COUNT; i++)
		t += rt->rejects[i];
	return t;
}

static inline const struct ax_conn *fx_conn(const struct ax_rt *rt, uint32_t id,
				     uint16_t ep)
{
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++)
		if (rt->conns[i].in_use && rt->conns[i].id == id &&
		    rt->conns[i].ep == ep)
			return &rt->conns[i];
	return NULL;
}

#endif /* AX_FIXTURE_H */
