/*
 * ax_runtime.h - the trusted module runtime (TCB).
 *
 * One struct ax_rt holds everything a module's runtime knows: its derived
 * keys, its connection table, its control nonce and its reject counters.
 * The runtime is freestanding: no heap, no stdio, no threads, fixed tables.
 * The platform (TEE backend) supplies the module key and moves bytes in and
 * out; the runtime never does I/O itself.
 *
 * Conventions
 *  - Every function returns an ax_rt_status (0 = AX_OK) and callers MUST
 *    check it. Untrusted input that is rejected leaves the state unchanged
 *    (except for the reject counters) and never reaches a module handler.
 *  - Messages are (pointer, length); layouts are in ax_msg.h and
 *    docs/protocol.md. The runtime copies what it keeps.
 *  - Output events leave through the emit callback given to ax_rt_init,
 *    called synchronously; the buffer passed to it is valid only during
 *    the call.
 *  - A broken invariant inside the runtime (e.g. the crypto provider
 *    failing) fails closed: the module goes to AX_RT_FAILED, wipes its keys
 *    and refuses everything but STATUS from then on.
 */
#ifndef AX_RUNTIME_H
#define AX_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <authex/module.h>

#include "ax_msg.h"

#if defined(__GNUC__) || defined(__clang__)
#define AX_RT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define AX_RT_MUST_CHECK
#endif

#ifndef AX_MAX_CONNECTIONS
#define AX_MAX_CONNECTIONS 32
#endif
#ifndef AX_MAX_ENDPOINTS
#define AX_MAX_ENDPOINTS 64
#endif

_Static_assert(AX_PAYLOAD_MAX > 0 && AX_PAYLOAD_MAX <= AX_PAYLOAD_LIMIT,
	       "AX_PAYLOAD_MAX must be within the wire format's limit");

typedef enum {
	AX_OK = 0,
	AX_E_MALFORMED = 1,        /* bad length or field in untrusted input */
	AX_E_UNKNOWN_TYPE = 2,     /* message type not in the catalogue */
	AX_E_STATE = 3,            /* message not permitted in this state */
	AX_E_BAD_TAG = 4,          /* authentication failed */
	AX_E_REPLAY = 5,           /* counter or nonce not fresh */
	AX_E_UNKNOWN_CONN = 6,     /* no such connection (or wrong role) */
	AX_E_UNKNOWN_ENDPOINT = 7, /* no such endpoint, or wrong kind */
	AX_E_TABLE_FULL = 8,       /* AX_MAX_CONNECTIONS reached */
	AX_E_TOO_LARGE = 9,        /* payload above AX_PAYLOAD_MAX */
	AX_E_EXHAUSTED = 10,       /* counter would wrap: connection retired */
	AX_E_HANDLER = 11,         /* module handler returned an error */
	AX_E_NO_PENDING = 12,      /* response without an outstanding request */
	AX_E_BAD_ALG = 13,         /* unknown AEAD algorithm */
	AX_E_INTERNAL = 14,        /* crypto provider failed: module failed */
	AX_E_SPACE = 15,           /* caller's output buffer too small */
	AX_E_COUNT
} ax_rt_status;

/* Module life cycle. */
enum ax_rt_state {
	AX_RT_UNINIT = 0,   /* no module key yet */
	AX_RT_ACTIVE = 1,   /* keyed: serves every message */
	AX_RT_DISABLED = 2, /* disabled by the deployer: keys wiped */
	AX_RT_FAILED = 3,   /* internal failure: keys wiped */
};

typedef int (*ax_emit_fn)(void *ctx, const uint8_t *msg, size_t len);

struct ax_conn {
	uint32_t id;
	uint16_t ep;          /* index into the endpoint table */
	uint8_t alg;
	uint8_t in_use;
	uint8_t pending;      /* REQUEST side: awaiting response `counter` */
	uint8_t key[32];
	uint64_t counter;     /* last sent (sender) / last accepted (receiver) */
	uint64_t accepted;    /* events delivered to the handler */
	uint64_t rejected;    /* events for this connection that failed */
	uint64_t lost;        /* gaps in the accepted counter sequence */
};

struct ax_rt {
	uint8_t state;
	uint32_t instance;
	const struct ax_endpoint *eps;
	size_t n_eps;
	uint8_t k_ctl[32];
	uint8_t k_att[32];
	uint64_t ctl_nonce;   /* last accepted SET_KEY / DISABLE nonce */
	ax_emit_fn emit;
	void *emit_ctx;
	uint64_t rejects[AX_E_COUNT]; /* refused messages, by status */
	uint64_t emit_failed;
	struct ax_conn conns[AX_MAX_CONNECTIONS];
	uint8_t rx[AX_PAYLOAD_MAX];      /* decrypted inputs, call arguments */
	uint8_t tx[AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX]; /* sealed outputs */
	uint8_t reply[AX_PAYLOAD_MAX];   /* handler answers */
};

/*
 * ax_rt_init - start a module runtime.
 *  eps/n_eps: the module's endpoint table (n_eps <= AX_MAX_ENDPOINTS; every
 *  record's magic and kind are checked); instance: the deployer-chosen
 *  instance id; k_module: K_M from the platform (32 bytes; the runtime
 *  derives K_ctl and K_att from it and keeps no copy of K_M, but the
 *  caller must wipe its own); emit: where sealed output messages go.
 * Returns AX_OK, AX_E_MALFORMED (bad table), AX_E_INTERNAL.
 */
AX_RT_MUST_CHECK ax_rt_status ax_rt_init(struct ax_rt *rt,
	const struct ax_endpoint *eps, size_t n_eps, uint32_t instance,
	const uint8_t k_module[static AX_MODULE_KEY_LEN], ax_emit_fn emit,
	void *emit_ctx);

/*
 * ax_rt_handle - process one module message (any type of ax_msg.h).
 *  msg/len: untrusted bytes; out/out_cap: where an answer goes (ATTEST,
 *  CALL, STATUS); *out_len receives its length (0 for other types).
 *  Events, requests and responses are delivered to the module's handlers;
 *  what the handlers emit goes out through the emit callback.
 * Returns AX_OK or the reason for rejection. Every refusal increments
 * rejects[status] (and, for a known connection, its `rejected`), except
 * AX_E_HANDLER: that message was authentic and delivered, and the
 * module's own handler declined it.
 */
AX_RT_MUST_CHECK ax_rt_status ax_rt_handle(struct ax_rt *rt,
	const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap,
	size_t *out_len);

/*
 * ax_rt_output / ax_rt_request - called (through module.h) by the module
 * to emit on every connection attached to output `ep`, or to send a
 * request on request endpoint `ep`. Returns AX_OK (also when no
 * connection is attached), AX_E_TOO_LARGE, AX_E_UNKNOWN_ENDPOINT,
 * AX_E_STATE, AX_E_UNKNOWN_CONN (request without a connection),
 * AX_E_EXHAUSTED, AX_E_INTERNAL. A new request supersedes an outstanding
 * one: the late response to the old request is then rejected as a replay,
 * so a module never waits forever on a response an attacker dropped.
 */
AX_RT_MUST_CHECK ax_rt_status ax_rt_output(struct ax_rt *rt,
	const struct ax_endpoint *ep, const void *data, size_t len);
AX_RT_MUST_CHECK ax_rt_status ax_rt_request(struct ax_rt *rt,
	const struct ax_endpoint *ep, const void *data, size_t len);

/*
 * STATUS answer layout (all big-endian):
 *   version(1)=1 state(1) n_conn(2) emit_failed(8)
 *   rejects(8 * (AX_E_COUNT - 1)): rejects[1] .. rejects[AX_E_COUNT - 1]
 *   then n_conn records of AX_RT_STATUS_CONN_LEN bytes:
 *   conn(4) endpoint(2) alg(1) pending(1) counter(8) accepted(8)
 *   rejected(8) lost(8)
 */
#define AX_RT_STATUS_HDR_LEN (1 + 1 + 2 + 8 + 8 * (AX_E_COUNT - 1))
#define AX_RT_STATUS_CONN_LEN 40
#define AX_RT_STATUS_MAX \
	(AX_RT_STATUS_HDR_LEN + AX_RT_STATUS_CONN_LEN * AX_MAX_CONNECTIONS)

/*
 * Building blocks shared with the deployer, which is the other end of the
 * control channel and of "direct" connections. They hold no state.
 *
 * ax_rt_subkey - K = HKDF-SHA256(ikm = k_module, info = label, 32 bytes);
 *   label is AX_LABEL_CTL or AX_LABEL_ATT. Returns 0 or a crypto error.
 * ax_event_seal - write the EVENT/REQUEST/RESPONSE message `type` for
 *   (conn, counter) with payload data/len into out, which must hold
 *   AX_EVENT_OVERHEAD + len bytes (data may not overlap out). alg/key are
 *   the connection's. Returns AX_OK or AX_E_INTERNAL.
 * ax_event_open - check the tag of such a message (len >= AX_EVENT_OVERHEAD,
 *   checked by the caller) and decrypt its payload into pt (len -
 *   AX_EVENT_OVERHEAD bytes). Returns AX_OK, AX_E_BAD_TAG (pt wiped) or
 *   AX_E_INTERNAL. Counter freshness is the caller's job.
 */
AX_RT_MUST_CHECK int ax_rt_subkey(uint8_t out[static 32],
	const uint8_t k_module[static 32], const char *label);
AX_RT_MUST_CHECK ax_rt_status ax_event_seal(unsigned alg, const uint8_t *key,
	uint8_t type, uint32_t conn, uint64_t counter, const uint8_t *data,
	size_t len, uint8_t *out);
AX_RT_MUST_CHECK ax_rt_status ax_event_open(unsigned alg, const uint8_t *key,
	const uint8_t *msg, size_t len, uint8_t *pt);

#endif /* AX_RUNTIME_H */
