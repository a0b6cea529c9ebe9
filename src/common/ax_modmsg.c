/* ax_modmsg.c - see ax_modmsg.h; layouts in ax_msg.h. */
#include "ax_modmsg.h"

#include <string.h>

#include "ax_bytes.h"
#include "ax_crypto.h"

_Static_assert(sizeof(AX_LABEL_LOAD) <= sizeof(AX_LABEL_MODULE),
	       "node_derive's info buffer fits both labels");

/* HKDF-SHA256(salt none, ikm = K_node, info = label || instance(4) ||
 * measurement(32), 32 bytes): K_M and the load authorization. */
static ax_rt_status node_derive(const char *label, size_t label_len,
				const uint8_t k_node[static 32],
				uint32_t instance,
				const uint8_t measurement[static 32],
				uint8_t out[static 32])
{
	uint8_t info[sizeof(AX_LABEL_MODULE) - 1 + 4 + AX_MEASUREMENT_LEN];
	size_t n = label_len + 4 + AX_MEASUREMENT_LEN;

	memcpy(info, label, label_len);
	ax_store_be32(info + label_len, instance);
	memcpy(info + label_len + 4, measurement, AX_MEASUREMENT_LEN);
	if (ax_hkdf_sha256(NULL, 0, k_node, 32, info, n, out, 32) !=
	    AX_CRYPTO_OK)
		return AX_E_INTERNAL;
	return AX_OK;
}

ax_rt_status ax_modmsg_module_key(const uint8_t k_node[static 32],
				  uint32_t instance,
				  const uint8_t measurement[static 32],
				  uint8_t k_module[static 32])
{
	return node_derive(AX_LABEL_MODULE, sizeof(AX_LABEL_MODULE) - 1,
			   k_node, instance, measurement, k_module);
}

ax_rt_status ax_modmsg_load_auth(const uint8_t k_node[static 32],
				 uint32_t instance,
				 const uint8_t measurement[static 32],
				 uint8_t out[static 32])
{
	return node_derive(AX_LABEL_LOAD, sizeof(AX_LABEL_LOAD) - 1, k_node,
			   instance, measurement, out);
}

static ax_rt_status ctl_seal(const uint8_t k_module[static 32],
			     uint64_t nonce, uint8_t *msg, size_t hdr_len,
			     const uint8_t *pt, size_t pt_len)
{
	uint8_t k_ctl[32], iv[AX_AEAD_IV_LEN];
	ax_rt_status st = AX_E_INTERNAL;

	ax_store_be32(iv, 0);
	ax_store_be64(iv + 4, nonce);
	if (ax_rt_subkey(k_ctl, k_module, AX_LABEL_CTL) != AX_CRYPTO_OK)
		goto out;
	if (ax_aead_seal(AX_CTL_AEAD, k_ctl, iv, msg, hdr_len, pt, pt_len,
			 msg + hdr_len, msg + hdr_len + pt_len) != AX_CRYPTO_OK)
		goto out;
	st = AX_OK;
out:
	ax_wipe(k_ctl, sizeof(k_ctl));
	return st;
}

ax_rt_status ax_modmsg_set_key(const uint8_t k_module[static 32],
			       uint64_t nonce, uint32_t conn, uint16_t ep,
			       unsigned alg, const uint8_t *key, uint8_t *buf,
			       size_t cap, size_t *len)
{
	size_t klen = ax_aead_key_len(alg);
	size_t need = AX_SET_KEY_HDR_LEN + klen + AX_TAG_LEN;

	if (klen == 0)
		return AX_E_BAD_ALG;
	if (cap < need)
		return AX_E_SPACE;
	buf[0] = AX_MSG_SET_KEY;
	ax_store_be64(buf + 1, nonce);
	ax_store_be32(buf + 9, conn);
	ax_store_be16(buf + 13, ep);
	buf[15] = (uint8_t)alg;
	*len = need;
	return ctl_seal(k_module, nonce, buf, AX_SET_KEY_HDR_LEN, key, klen);
}

ax_rt_status ax_modmsg_disable(const uint8_t k_module[static 32],
			       uint64_t nonce, uint8_t *buf, size_t cap,
			       size_t *len)
{
	if (cap < AX_DISABLE_LEN)
		return AX_E_SPACE;
	buf[0] = AX_MSG_DISABLE;
	ax_store_be64(buf + 1, nonce);
	*len = AX_DISABLE_LEN;
	return ctl_seal(k_module, nonce, buf, AX_DISABLE_HDR_LEN, NULL, 0);
}

ax_rt_status ax_modmsg_attest(const uint8_t challenge[static 32],
			      uint8_t *buf, size_t cap, size_t *len)
{
	if (cap < AX_ATTEST_LEN)
		return AX_E_SPACE;
	buf[0] = AX_MSG_ATTEST;
	memcpy(buf + 1, challenge, AX_CHALLENGE_LEN);
	*len = AX_ATTEST_LEN;
	return AX_OK;
}

ax_rt_status ax_modmsg_attest_check(const uint8_t k_module[static 32],
				    uint32_t instance,
				    const uint8_t challenge[static 32],
				    const uint8_t *ans, size_t ans_len)
{
	uint8_t k_att[32], want[AX_ATTEST_ANSWER_LEN], inst[4];
	struct ax_iov iov[3] = {
		{AX_LABEL_ATTEST, sizeof(AX_LABEL_ATTEST) - 1},
		{inst, sizeof(inst)},
		{challenge, AX_CHALLENGE_LEN},
	};
	ax_rt_status st = AX_E_INTERNAL;

	if (ans_len != AX_ATTEST_ANSWER_LEN)
		return AX_E_MALFORMED;
	ax_store_be32(inst, instance);
	if (ax_rt_subkey(k_att, k_module, AX_LABEL_ATT) != AX_CRYPTO_OK ||
	    ax_hmac_sha256(k_att, sizeof(k_att), iov, 3, want) != AX_CRYPTO_OK)
		goto out;
	st = ax_verify32(want, ans) == 0 ? AX_OK : AX_E_BAD_TAG;
out:
	ax_wipe(k_att, sizeof(k_att));
	ax_wipe(want, sizeof(want));
	return st;
}

const char *ax_modmsg_status_name(ax_rt_status st)
{
	static const char *const names[AX_E_COUNT] = {
		"ok", "malformed", "unknown type", "not permitted in state",
		"bad tag", "replay", "unknown connection", "unknown endpoint",
		"connection table full", "too large", "counter exhausted",
		"handler failed", "no pending request", "bad algorithm",
		"internal failure", "no space for answer",
	};
	if ((unsigned)st >= AX_E_COUNT)
		return "unknown status";
	return names[st];
}
