/*
 * ax_rt.c - module runtime: start-up, the permission table that every
 * incoming message goes through, entry-point calls and STATUS.
 * See ax_runtime.h for the contract.
 */
#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_rt_internal.h"

static ax_rt_status call_entry(struct ax_rt *, const uint8_t *, size_t,
			       struct ax_reply *);
static ax_rt_status status_encode(struct ax_rt *, const uint8_t *, size_t,
				  struct ax_reply *);

#define ST(s) (1u << (s))
#define LIVE ST(AX_RT_ACTIVE)
#define ANY (ST(AX_RT_UNINIT) | ST(AX_RT_ACTIVE) | ST(AX_RT_DISABLED) | \
	     ST(AX_RT_FAILED))

/* The permission table: which message is allowed in which state, and the
 * cheap length bounds checked before its handler runs. Exact lengths that
 * depend on a field (SET_KEY's algorithm) are checked by the handler. */
static const struct {
	uint8_t type;
	uint8_t states;
	uint16_t min_len;
	uint32_t max_len;
	ax_rt_handler fn;
} perms[] = {
	{AX_MSG_SET_KEY, LIVE, AX_SET_KEY_HDR_LEN + AX_TAG_LEN,
	 AX_SET_KEY_HDR_LEN + 32 + AX_TAG_LEN, ax_ctl_set_key},
	{AX_MSG_ATTEST, LIVE, AX_ATTEST_LEN, AX_ATTEST_LEN, ax_ctl_attest},
	{AX_MSG_DISABLE, LIVE, AX_DISABLE_LEN, AX_DISABLE_LEN, ax_ctl_disable},
	{AX_MSG_EVENT, LIVE, AX_EVENT_OVERHEAD,
	 AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX, ax_event_input},
	{AX_MSG_REQUEST, LIVE, AX_EVENT_OVERHEAD,
	 AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX, ax_event_input},
	{AX_MSG_RESPONSE, LIVE, AX_EVENT_OVERHEAD,
	 AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX, ax_event_input},
	{AX_MSG_CALL, LIVE, AX_CALL_HDR_LEN, AX_CALL_HDR_LEN + AX_PAYLOAD_MAX,
	 call_entry},
	{AX_MSG_STATUS, ANY, AX_STATUS_REQ_LEN, AX_STATUS_REQ_LEN,
	 status_encode},
};

void ax_rt_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

static void wipe_keys(struct ax_rt *rt)
{
	ax_wipe(rt->k_ctl, sizeof(rt->k_ctl));
	ax_wipe(rt->k_att, sizeof(rt->k_att));
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++)
		ax_wipe(rt->conns[i].key, sizeof(rt->conns[i].key));
}

void ax_rt_fail(struct ax_rt *rt)
{
	wipe_keys(rt);
	rt->state = AX_RT_FAILED;
}

int ax_rt_ep_index(const struct ax_rt *rt, const struct ax_endpoint *ep)
{
	for (size_t i = 0; i < rt->n_eps; i++)
		if (&rt->eps[i] == ep)
			return (int)i;
	return -1;
}

static int table_ok(const struct ax_endpoint *eps, size_t n)
{
	if (n > AX_MAX_ENDPOINTS || (n > 0 && eps == NULL))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (eps[i].magic != AX_EP_MAGIC || eps[i].kind < AX_EP_OUTPUT ||
		    eps[i].kind > AX_EP_HANDLER)
			return 0;
	return 1;
}

int ax_rt_subkey(uint8_t out[static 32], const uint8_t k_module[static 32],
		 const char *label)
{
	size_t n = 0;

	while (label[n] != '\0')
		n++;
	return ax_hkdf_sha256(NULL, 0, k_module, AX_MODULE_KEY_LEN,
			      (const uint8_t *)label, n, out, 32);
}

ax_rt_status ax_rt_init(struct ax_rt *rt, const struct ax_endpoint *eps,
			size_t n_eps, uint32_t instance,
			const uint8_t k_module[static AX_MODULE_KEY_LEN],
			ax_emit_fn emit, void *emit_ctx)
{
	ax_wipe(rt, sizeof(*rt));
	if (!table_ok(eps, n_eps) || emit == NULL)
		return AX_E_MALFORMED;
	rt->eps = eps;
	rt->n_eps = n_eps;
	rt->instance = instance;
	rt->emit = emit;
	rt->emit_ctx = emit_ctx;
	if (ax_rt_subkey(rt->k_ctl, k_module, AX_LABEL_CTL) != 0 ||
	    ax_rt_subkey(rt->k_att, k_module, AX_LABEL_ATT) != 0) {
		ax_rt_fail(rt);
		return AX_E_INTERNAL;
	}
	rt->state = AX_RT_ACTIVE;
	return AX_OK;
}

static ax_rt_status dispatch(struct ax_rt *rt, const uint8_t *msg,
			     size_t len, struct ax_reply *out)
{
	if (len < 1)
		return AX_E_MALFORMED;
	for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		if (perms[i].type != msg[0])
			continue;
		if (rt->state > AX_RT_FAILED ||
		    !(perms[i].states & ST(rt->state)))
			return AX_E_STATE;
		if (len < perms[i].min_len)
			return AX_E_MALFORMED;
		if (len > perms[i].max_len)
			return AX_E_TOO_LARGE;
		return perms[i].fn(rt, msg, len, out);
	}
	return AX_E_UNKNOWN_TYPE;
}

ax_rt_status ax_rt_handle(struct ax_rt *rt, const uint8_t *msg, size_t len,
			  uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct ax_reply reply = {out, out == NULL ? 0 : out_cap, 0};
	ax_rt_status st;

	*out_len = 0;
	st = msg == NULL ? AX_E_MALFORMED : dispatch(rt, msg, len, &reply);
	if (st == AX_OK)
		*out_len = reply.len;
	else if (st != AX_E_HANDLER && st < AX_E_COUNT)
		rt->rejects[st]++;
	return st;
}

static ax_rt_status call_entry(struct ax_rt *rt, const uint8_t *msg,
			       size_t len, struct ax_reply *out)
{
	uint16_t id = ax_load_be16(msg + 1);
	size_t arg_len = len - AX_CALL_HDR_LEN;
	int rc;

	if (id >= rt->n_eps || rt->eps[id].kind != AX_EP_ENTRY)
		return AX_E_UNKNOWN_ENDPOINT;
	/* Copy, then use: the caller's buffer may be memory the untrusted
	 * side can still change while the entry point runs. */
	ax_rt_copy(rt->rx, msg + AX_CALL_HDR_LEN, arg_len);
	if (out->cap > AX_PAYLOAD_MAX)
		out->cap = AX_PAYLOAD_MAX;
	rc = rt->eps[id].fn.entry(rt->rx, arg_len, out);
	ax_wipe(rt->rx, arg_len);
	return rc == 0 ? AX_OK : AX_E_HANDLER;
}

static void put_conn(uint8_t *p, const struct ax_conn *c)
{
	ax_store_be32(p, c->id);
	ax_store_be16(p + 4, c->ep);
	p[6] = c->alg;
	p[7] = c->pending;
	ax_store_be64(p + 8, c->counter);
	ax_store_be64(p + 16, c->accepted);
	ax_store_be64(p + 24, c->rejected);
	ax_store_be64(p + 32, c->lost);
}

static ax_rt_status status_encode(struct ax_rt *rt, const uint8_t *msg,
				  size_t len, struct ax_reply *out)
{
	size_t n = 0, need;
	uint8_t *p = out->buf;

	(void)msg;
	(void)len;
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++)
		n += rt->conns[i].in_use;
	need = AX_RT_STATUS_HDR_LEN + n * AX_RT_STATUS_CONN_LEN;
	if (out->cap < need)
		return AX_E_SPACE;
	p[0] = 1;
	p[1] = rt->state;
	ax_store_be16(p + 2, (uint16_t)n);
	ax_store_be64(p + 4, rt->emit_failed);
	p += 12;
	for (size_t i = 1; i < AX_E_COUNT; i++, p += 8)
		ax_store_be64(p, rt->rejects[i]);
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++) {
		if (!rt->conns[i].in_use)
			continue;
		put_conn(p, &rt->conns[i]);
		p += AX_RT_STATUS_CONN_LEN;
	}
	out->len = need;
	return AX_OK;
}
