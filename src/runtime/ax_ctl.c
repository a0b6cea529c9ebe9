/*
 * ax_ctl.c - the deployer's control channel into a module: SET_KEY and
 * DISABLE (sealed under K_ctl with a strictly increasing nonce), and
 * ATTEST (a MAC under K_att over a fresh challenge). Layouts: ax_msg.h.
 * Order of checks: lengths and nonce freshness first (cheap, no secret
 * involved), then the tag, then the contents; nothing changes before all
 * checks have passed.
 */
#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_rt_internal.h"

static void ctl_iv(uint8_t iv[static AX_AEAD_IV_LEN], uint64_t nonce)
{
	ax_store_be32(iv, 0);
	ax_store_be64(iv + 4, nonce);
}

static int is_conn_endpoint(uint8_t kind)
{
	return kind == AX_EP_OUTPUT || kind == AX_EP_INPUT ||
	       kind == AX_EP_REQUEST || kind == AX_EP_HANDLER;
}

/* The slot of connection (id, ep), or a free slot, or NULL. */
static struct ax_conn *conn_slot(struct ax_rt *rt, uint32_t id, uint16_t ep)
{
	struct ax_conn *free_slot = NULL;

	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++) {
		struct ax_conn *c = &rt->conns[i];
		if (c->in_use && c->id == id && c->ep == ep)
			return c;
		if (!c->in_use && free_slot == NULL)
			free_slot = c;
	}
	return free_slot;
}

ax_rt_status ax_ctl_set_key(struct ax_rt *rt, const uint8_t *msg, size_t len,
			    struct ax_reply *out)
{
	uint8_t key[AX_AEAD_KEY_MAX];
	uint8_t iv[AX_AEAD_IV_LEN];
	uint64_t nonce = ax_load_be64(msg + 1);
	uint32_t id = ax_load_be32(msg + 9);
	uint16_t ep = ax_load_be16(msg + 13);
	uint8_t alg = msg[15];
	size_t klen = ax_aead_key_len(alg);
	struct ax_conn *c;
	ax_rt_status st;

	(void)out;
	if (klen == 0)
		return AX_E_BAD_ALG;
	if (len != AX_SET_KEY_HDR_LEN + klen + AX_TAG_LEN)
		return AX_E_MALFORMED;
	if (nonce <= rt->ctl_nonce)
		return AX_E_REPLAY;
	ctl_iv(iv, nonce);
	/* SET_KEY step 1: authenticate and decrypt the key. */
	switch (ax_aead_open(AX_CTL_AEAD, rt->k_ctl, iv, msg,
			     AX_SET_KEY_HDR_LEN, msg + AX_SET_KEY_HDR_LEN, klen,
			     msg + AX_SET_KEY_HDR_LEN + klen, key)) {
	case AX_CRYPTO_OK:
		break;
	case AX_CRYPTO_E_AUTH:
		st = AX_E_BAD_TAG;
		goto out;
	default:
		ax_rt_fail(rt);
		st = AX_E_INTERNAL;
		goto out;
	}
	/* Step 2: the (authentic) request must name a connection endpoint. */
	if (ep >= rt->n_eps || !is_conn_endpoint(rt->eps[ep].kind)) {
		st = AX_E_UNKNOWN_ENDPOINT;
		goto out;
	}
	c = conn_slot(rt, id, ep);
	if (c == NULL) {
		st = AX_E_TABLE_FULL;
		goto out;
	}
	/* Step 3: install. A re-key restarts the counters under the new key;
	 * the delivery statistics carry on. */
	if (!c->in_use) {
		c->accepted = c->rejected = c->lost = 0;
	}
	c->id = id;
	c->ep = ep;
	c->alg = alg;
	c->counter = 0;
	c->pending = 0;
	ax_wipe(c->key, sizeof(c->key));
	ax_rt_copy(c->key, key, klen);
	c->in_use = 1;
	rt->ctl_nonce = nonce;
	st = AX_OK;
out:
	ax_wipe(key, sizeof(key));
	return st;
}

ax_rt_status ax_ctl_disable(struct ax_rt *rt, const uint8_t *msg, size_t len,
			    struct ax_reply *out)
{
	uint8_t iv[AX_AEAD_IV_LEN];
	uint64_t nonce = ax_load_be64(msg + 1);

	(void)len;
	(void)out;
	if (nonce <= rt->ctl_nonce)
		return AX_E_REPLAY;
	ctl_iv(iv, nonce);
	switch (ax_aead_open(AX_CTL_AEAD, rt->k_ctl, iv, msg,
			     AX_DISABLE_HDR_LEN, NULL, 0,
			     msg + AX_DISABLE_HDR_LEN, NULL)) {
	case AX_CRYPTO_OK:
		break;
	case AX_CRYPTO_E_AUTH:
		return AX_E_BAD_TAG;
	default:
		ax_rt_fail(rt);
		return AX_E_INTERNAL;
	}
	rt->ctl_nonce = nonce;
	ax_rt_fail(rt); /* wipes every key */
	rt->state = AX_RT_DISABLED;
	return AX_OK;
}

ax_rt_status ax_ctl_attest(struct ax_rt *rt, const uint8_t *msg, size_t len,
			   struct ax_reply *out)
{
	uint8_t inst[4];
	struct ax_iov iov[3] = {
		{AX_LABEL_ATTEST, sizeof(AX_LABEL_ATTEST) - 1},
		{inst, sizeof(inst)},
		{msg + 1, AX_CHALLENGE_LEN},
	};

	(void)len;
	if (out->cap < AX_ATTEST_ANSWER_LEN)
		return AX_E_SPACE;
	ax_store_be32(inst, rt->instance);
	if (ax_hmac_sha256(rt->k_att, sizeof(rt->k_att), iov, 3, out->buf) !=
	    AX_CRYPTO_OK) {
		ax_rt_fail(rt);
		return AX_E_INTERNAL;
	}
	out->len = AX_ATTEST_ANSWER_LEN;
	return AX_OK;
}
