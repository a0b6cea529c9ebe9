/*
 * node.h - the Secure node: the modules of this image, their runtimes in
 * Secure RAM, the node key and the queue of sealed output messages.
 *
 * First step of issue 5 (docs/tzm.md): modules are linked into the Secure
 * image at build time; their "image" for measurement is, for now, their
 * endpoint table (the bytes the deployer can reproduce), not yet their
 * code and data. Run-time loading replaces this.
 */
#ifndef AX_TZM_NODE_H
#define AX_TZM_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "ax_runtime.h"

struct ax_tzm_module {
	const struct ax_endpoint *eps;
	size_t n_eps;
	uint32_t instance;
	struct ax_rt *rt; /* in Secure RAM */
};

#define AX_TZM_QUEUE_LEN 4
#define AX_TZM_MSG_MAX (AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX)

/* ax_tzm_node_boot - measure each module, derive K_M from k_node exactly
 * as on every platform (ax_modmsg_module_key's formula), start its runtime,
 * wipe K_M. mods must stay valid. Returns AX_OK or the first failure. */
AX_RT_MUST_CHECK ax_rt_status ax_tzm_node_boot(const uint8_t k_node[32],
	const struct ax_tzm_module *mods, size_t n);

/* ax_tzm_node_handle - ax_rt_handle on module m; msg must be Secure
 * memory. Returns AX_OK, the runtime's status, or AX_E_UNKNOWN_ENDPOINT
 * for a module number out of range. */
AX_RT_MUST_CHECK ax_rt_status ax_tzm_node_handle(uint32_t m,
	const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
	size_t *out_len);

/* ax_tzm_node_count - modules started by ax_tzm_node_boot (0 before). */
size_t ax_tzm_node_count(void);

/* ax_tzm_node_collect - copy the oldest queued output message into out
 * (Secure memory) and dequeue it. Returns its length, 0 if none, or
 * (size_t)-1 if it does not fit in cap (then it stays queued). */
size_t ax_tzm_node_collect(uint8_t *out, size_t cap);

#endif /* AX_TZM_NODE_H */
