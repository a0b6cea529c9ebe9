/*
 * ax_modmsg.h - the deployer's side of the module messages (ax_msg.h):
 * deriving a module's key and the load authorization, building SET_KEY and DISABLE, checking an
 * attestation answer. The module's side is the trusted runtime
 * (src/runtime/); both use the same key schedule and layouts, and the
 * event sealing of "direct" connections is the runtime's own
 * ax_event_seal / ax_event_open.
 *
 * Conventions: buffers are (pointer, capacity); *len receives the bytes
 * written. Functions return an ax_rt_status (0 = AX_OK); AX_E_SPACE when
 * the buffer is too small, AX_E_BAD_ALG for an unknown algorithm,
 * AX_E_INTERNAL when the crypto provider fails. Secrets derived on the way
 * are wiped before return. Nonces are the caller's: it MUST persist a nonce
 * before using it and never use one twice for a module (design §3).
 */
#ifndef AX_MODMSG_H
#define AX_MODMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ax_msg.h"
#include "ax_runtime.h"

/* K_M = HKDF-SHA256(ikm = K_node, info = "authex module" || instance(4) ||
 * measurement(32), 32 bytes). Same derivation as every platform's. */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_module_key(
	const uint8_t k_node[static 32], uint32_t instance,
	const uint8_t measurement[static AX_MEASUREMENT_LEN],
	uint8_t k_module[static AX_MODULE_KEY_LEN]);

/* Label of the load authorization (without NUL). The runtime never sees
 * it: the deployer computes the authorization, a platform that keeps
 * K_node from the daemon (tzm) checks it. */
#define AX_LABEL_LOAD "authex load"

/* Load authorization of LOAD_MODULE (include/authex/platform.h, load):
 * HKDF-SHA256(ikm = K_node, info = "authex load" || instance(4) ||
 * measurement(32), 32 bytes), built exactly like K_M under its own label,
 * so it is unrelated to K_M and proves only that whoever asks for the
 * load knows K_node. Returns AX_OK or AX_E_INTERNAL. */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_load_auth(
	const uint8_t k_node[static 32], uint32_t instance,
	const uint8_t measurement[static AX_MEASUREMENT_LEN],
	uint8_t out[static 32]);

/* SET_KEY giving connection `conn` on endpoint `ep` the key key/alg. */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_set_key(
	const uint8_t k_module[static AX_MODULE_KEY_LEN], uint64_t nonce,
	uint32_t conn, uint16_t ep, unsigned alg, const uint8_t *key,
	uint8_t *buf, size_t cap, size_t *len);

/* DISABLE (buf must hold AX_DISABLE_LEN bytes). */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_disable(
	const uint8_t k_module[static AX_MODULE_KEY_LEN], uint64_t nonce,
	uint8_t *buf, size_t cap, size_t *len);

/* ATTEST request for a fresh challenge (buf must hold AX_ATTEST_LEN). */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_attest(
	const uint8_t challenge[static AX_CHALLENGE_LEN], uint8_t *buf,
	size_t cap, size_t *len);

/* Check an attestation answer (ans/ans_len, untrusted) against the
 * expected MAC. Returns AX_OK, AX_E_MALFORMED (wrong length) or
 * AX_E_BAD_TAG (wrong module, key, node or instance). */
AX_RT_MUST_CHECK ax_rt_status ax_modmsg_attest_check(
	const uint8_t k_module[static AX_MODULE_KEY_LEN], uint32_t instance,
	const uint8_t challenge[static AX_CHALLENGE_LEN], const uint8_t *ans,
	size_t ans_len);

/* ax_modmsg_status_name - a short constant name for a runtime status
 * ("bad tag"), for tools and logs; the trusted runtime carries no text. */
const char *ax_modmsg_status_name(ax_rt_status st);

#endif /* AX_MODMSG_H */
