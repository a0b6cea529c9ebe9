/*
 * ax_event.c - events, requests and responses: sealing what the module
 * emits, and checking, opening and delivering what arrives.
 * Layout (ax_msg.h): type(1) conn(4) counter(8) | ct(n) tag(16), with
 * IV = be32(type) || be64(counter) and AD = the 13 header bytes.
 */
#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_replay.h"
#include "ax_rt_internal.h"

static void event_iv(uint8_t iv[static AX_AEAD_IV_LEN], uint8_t type,
		     uint64_t counter)
{
	ax_store_be32(iv, type);
	ax_store_be64(iv + 4, counter);
}

/* The endpoint kind that receives each message type on a connection. */
static uint8_t receiver_kind(uint8_t type)
{
	switch (type) {
	case AX_MSG_EVENT:
		return AX_EP_INPUT;
	case AX_MSG_REQUEST:
		return AX_EP_HANDLER;
	default:
		return AX_EP_REQUEST; /* AX_MSG_RESPONSE */
	}
}

static struct ax_conn *find_conn(struct ax_rt *rt, uint32_t id, uint8_t kind)
{
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++) {
		struct ax_conn *c = &rt->conns[i];
		if (c->in_use && c->id == id && rt->eps[c->ep].kind == kind)
			return c;
	}
	return NULL;
}

ax_rt_status ax_event_seal(unsigned alg, const uint8_t *key, uint8_t type,
			   uint32_t conn, uint64_t counter, const uint8_t *data,
			   size_t len, uint8_t *out)
{
	uint8_t iv[AX_AEAD_IV_LEN];

	out[0] = type;
	ax_store_be32(out + 1, conn);
	ax_store_be64(out + 5, counter);
	event_iv(iv, type, counter);
	if (ax_aead_seal(alg, key, iv, out, AX_EVENT_HDR_LEN, data, len,
			 out + AX_EVENT_HDR_LEN,
			 out + AX_EVENT_HDR_LEN + len) != AX_CRYPTO_OK)
		return AX_E_INTERNAL;
	return AX_OK;
}

ax_rt_status ax_event_open(unsigned alg, const uint8_t *key,
			   const uint8_t *msg, size_t len, uint8_t *pt)
{
	uint8_t iv[AX_AEAD_IV_LEN];
	size_t n = len - AX_EVENT_OVERHEAD;

	event_iv(iv, msg[0], ax_load_be64(msg + 5));
	switch (ax_aead_open(alg, key, iv, msg, AX_EVENT_HDR_LEN,
			     msg + AX_EVENT_HDR_LEN, n,
			     msg + AX_EVENT_HDR_LEN + n, pt)) {
	case AX_CRYPTO_OK:
		return AX_OK;
	case AX_CRYPTO_E_AUTH:
		return AX_E_BAD_TAG;
	default:
		return AX_E_INTERNAL;
	}
}

/* Seal `data` as message `type` on connection c into tx and hand it to
 * the platform. */
static ax_rt_status seal_emit(struct ax_rt *rt, struct ax_conn *c,
			      uint8_t type, uint64_t counter,
			      const uint8_t *data, size_t len)
{
	if (ax_event_seal(c->alg, c->key, type, c->id, counter, data, len,
			  rt->tx) != AX_OK) {
		ax_rt_fail(rt);
		return AX_E_INTERNAL;
	}
	if (rt->emit(rt->emit_ctx, rt->tx, AX_EVENT_OVERHEAD + len) != 0)
		rt->emit_failed++;
	return AX_OK;
}

/* Counter check of an incoming message, before any cryptography. */
static ax_rt_status fresh(const struct ax_conn *c, uint8_t type,
			  uint64_t counter, uint64_t *lost)
{
	*lost = 0;
	if (type != AX_MSG_RESPONSE)
		return ax_replay_accept(c->counter, counter, lost) == 0
			       ? AX_OK
			       : AX_E_REPLAY;
	if (!c->pending)
		return AX_E_NO_PENDING;
	return counter == c->counter ? AX_OK : AX_E_REPLAY;
}

/* Run the handler of c's endpoint on the n authentic bytes in rx. */
static ax_rt_status deliver(struct ax_rt *rt, struct ax_conn *c,
			    uint8_t type, uint64_t counter, size_t n)
{
	const struct ax_endpoint *ep = &rt->eps[c->ep];
	struct ax_reply reply = {rt->reply, sizeof(rt->reply), 0};
	ax_rt_status st;
	int rc;

	if (type != AX_MSG_REQUEST) {
		ep->fn.input(rt->rx, n);
		ax_wipe(rt->rx, n);
		return AX_OK;
	}
	rc = ep->fn.entry(rt->rx, n, &reply);
	ax_wipe(rt->rx, n);
	if (rc != 0 || rt->state != AX_RT_ACTIVE) {
		ax_wipe(rt->reply, reply.len);
		return AX_E_HANDLER;
	}
	st = seal_emit(rt, c, AX_MSG_RESPONSE, counter, rt->reply, reply.len);
	ax_wipe(rt->reply, reply.len);
	return st;
}

ax_rt_status ax_event_input(struct ax_rt *rt, const uint8_t *msg, size_t len,
			    struct ax_reply *out)
{
	uint8_t type = msg[0];
	uint64_t counter = ax_load_be64(msg + 5), lost;
	struct ax_conn *c = find_conn(rt, ax_load_be32(msg + 1),
				      receiver_kind(type));
	ax_rt_status st;

	(void)out;
	if (c == NULL)
		return AX_E_UNKNOWN_CONN;
	st = fresh(c, type, counter, &lost);
	if (st == AX_OK)
		st = ax_event_open(c->alg, c->key, msg, len, rt->rx);
	if (st == AX_E_INTERNAL) {
		ax_rt_fail(rt);
		return st;
	}
	if (st != AX_OK) {
		c->rejected++;
		return st;
	}
	/* Authentic and fresh: advance the state before the handler runs, so
	 * a handler that emits sees the new counter. */
	c->counter = counter;
	c->lost += lost;
	c->accepted++;
	c->pending = 0;
	return deliver(rt, c, type, counter, len - AX_EVENT_OVERHEAD);
}

static ax_rt_status check_send(struct ax_rt *rt, const struct ax_endpoint *ep,
			       uint8_t kind, size_t len, int *idx)
{
	if (rt->state != AX_RT_ACTIVE)
		return AX_E_STATE;
	*idx = ax_rt_ep_index(rt, ep);
	if (*idx < 0 || ep->kind != kind)
		return AX_E_UNKNOWN_ENDPOINT;
	if (len > AX_PAYLOAD_MAX)
		return AX_E_TOO_LARGE;
	return AX_OK;
}

ax_rt_status ax_rt_output(struct ax_rt *rt, const struct ax_endpoint *ep,
			  const void *data, size_t len)
{
	ax_rt_status st, first = AX_OK;
	int idx;

	st = check_send(rt, ep, AX_EP_OUTPUT, len, &idx);
	if (st != AX_OK)
		return st;
	/* Fan out: one sealed copy per connection, each with its own key
	 * and counter. */
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++) {
		struct ax_conn *c = &rt->conns[i];
		if (!c->in_use || c->ep != idx)
			continue;
		if (ax_replay_next(&c->counter) != 0)
			st = AX_E_EXHAUSTED;
		else
			st = seal_emit(rt, c, AX_MSG_EVENT, c->counter, data,
				       len);
		if (st == AX_E_INTERNAL)
			return st;
		if (first == AX_OK)
			first = st;
	}
	return first;
}

ax_rt_status ax_rt_request(struct ax_rt *rt, const struct ax_endpoint *ep,
			   const void *data, size_t len)
{
	struct ax_conn *c = NULL;
	ax_rt_status st;
	int idx;

	st = check_send(rt, ep, AX_EP_REQUEST, len, &idx);
	if (st != AX_OK)
		return st;
	for (size_t i = 0; i < AX_MAX_CONNECTIONS && c == NULL; i++)
		if (rt->conns[i].in_use && rt->conns[i].ep == idx)
			c = &rt->conns[i];
	if (c == NULL)
		return AX_E_UNKNOWN_CONN;
	if (ax_replay_next(&c->counter) != 0)
		return AX_E_EXHAUSTED;
	/* A new request supersedes an outstanding one (ax_runtime.h). */
	c->pending = 1;
	return seal_emit(rt, c, AX_MSG_REQUEST, c->counter, data, len);
}
