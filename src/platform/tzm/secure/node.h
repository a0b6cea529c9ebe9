/*
 * node.h - the Secure node: module slots loaded at run time, the node key,
 * the queue of sealed output messages (docs/tzm.md "Run-time loading").
 *
 * A module image arrives in pieces (ax_tzm_node_load_*), is measured over
 * exactly its bytes, checked against the deployer's load authorization
 * BEFORE any of it is placed or run, then loaded into a free slot by the
 * ELF loader (axl_elf.h), keyed with K_M = HKDF(K_node, "authex module" ||
 * instance || measurement) and started. Each image carries its own
 * runtime (ax_glue.c) whose state lives in the slot.
 *
 * Module code runs unprivileged, confined by the Secure MPU to its own
 * slot and the shared region (sandbox.h): it cannot read the node key,
 * the node's data or another module's slot. Only images the deployer
 * authorized are ever run at all.
 *
 * Single-threaded: nsc.c serialises every call.
 */
#ifndef AX_TZM_NODE_H
#define AX_TZM_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "ax_runtime.h"
#include "nsc.h"

#define AX_TZM_SLOTS 4
#define AX_TZM_SLOT_SIZE (64u * 1024u)
#define AX_TZM_STACK (8u * 1024u) /* the module's stack: top of its slot */
#define AX_TZM_QUEUE_LEN 8
#define AX_TZM_MSG_MAX (AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX)

/* ax_tzm_node_init - remember where the node key is (32 bytes of Secure
 * memory that stay valid). Every slot starts free. */
void ax_tzm_node_init(const uint8_t *k_node);

/* Load steps; each returns 0 or a negative nsc.h error and, on error,
 * ends the load in progress (staging wiped). */
int32_t ax_tzm_node_load_begin(uint32_t instance, uint32_t total);
int32_t ax_tzm_node_load_data(const uint8_t *p, size_t n);
/* ax_tzm_node_load_end - auth: 32 bytes in Secure memory. On success
 * returns the module number (>= 0) and fills measurement. */
int32_t ax_tzm_node_load_end(const uint8_t auth[AXS_AUTH_LEN],
	uint8_t measurement[32]);

/* ax_tzm_node_load_abort - end the load in progress, if any. */
void ax_tzm_node_load_abort(void);

/* ax_tzm_node_unload - wipe and free module m. 0 or -AXS_E_MODULE. */
int32_t ax_tzm_node_unload(uint32_t m);

/* ax_tzm_node_has - 1 if module m is loaded. */
int ax_tzm_node_has(uint32_t m);

/* ax_tzm_node_handle - the image's authex_module_handle on module m, in
 * the sandbox; msg and out must be in the shared region (sandbox.h).
 * Returns AX_OK or the runtime's status (>= 0), or -AXS_E_FAULT when the
 * module faulted: it is then unloaded (slot wiped). */
AX_RT_MUST_CHECK int32_t ax_tzm_node_handle(uint32_t m,
	const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
	size_t *out_len);

/* ax_tzm_node_collect - copy the oldest queued output message into out
 * (Secure memory) and dequeue it. Returns its length, 0 if none, or
 * (size_t)-1 if it does not fit in cap (then it stays queued). */
size_t ax_tzm_node_collect(uint8_t *out, size_t cap);

#endif /* AX_TZM_NODE_H */
