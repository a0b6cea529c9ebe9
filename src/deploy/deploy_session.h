/*
 * deploy_session.h - one authenticated control session from the deployer
 * to a node (docs/node.md §2, docs/protocol.md "Handshake").
 *
 * Plain blocking TCP with poll() timeouts: connect, HELLO both ways,
 * version selection, one session key per direction from the node's
 * K_control, then every frame AUTH with a strictly increasing seq. Each
 * request frame waits for the RESULT (or STATUS) that echoes its seq;
 * EVENT frames that arrive meanwhile go to the session's event callback.
 *
 * Errors name the node and its address ("node 'edge' at 127.0.0.1:7101:
 * ..."). A session that saw a broken frame, a timeout or a BYE is failed
 * for good (sticky) and closed; open a new one.
 */
#ifndef DEPLOY_SESSION_H
#define DEPLOY_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ax_wire.h"
#include "deploy_descriptor.h"
#include "deploy_util.h"

struct deploy_session;

/* Called for every EVENT frame received on the session (already past
 * the frame's tag and seq checks; the module message inside is still
 * sealed). The view is valid during the call only. */
typedef void (*deploy_session_event_fn)(void *ctx, struct deploy_session *s,
					const struct ax_wire_event *ev);

struct deploy_session {
	int fd;
	int failed;
	int keyed;                         /* session keys derived */
	char node[DEPLOY_NAME_MAX];
	char addr[DEPLOY_HOST_MAX + 16];  /* "host:port" */
	uint32_t node_id;
	uint8_t nonce[AX_WIRE_NONCE_LEN];  /* our HELLO's (public) */
	int timeout_ms;
	uint8_t k_tx[AX_WIRE_KEY_LEN], k_rx[AX_WIRE_KEY_LEN];
	uint32_t seq_tx, seq_rx;
	uint8_t *rbuf;                     /* bytes received, not yet framed */
	size_t rlen, rcap;
	uint8_t *frame;                    /* the current frame */
	size_t frame_cap;
	uint8_t *tx;                       /* the frame being sent */
	size_t tx_cap;
	deploy_session_event_fn on_event;
	void *event_ctx;
};

/* "host:port", with [brackets] around an IPv6 host. */
void deploy_session_addr(const char *host, uint16_t port, char *out,
			 size_t cap);

/*
 * deploy_session_open - connect and run the handshake. s is initialised
 * here (fd -1 on failure). Errors: cannot connect, timeout, the node
 * refuses (BYE, e.g. wrong node id), version mismatch, the node's node id
 * differs.
 */
DEPLOY_MUST_CHECK deploy_status deploy_session_open(struct deploy_session *s,
	const char *node, const char *host, uint16_t port, uint32_t node_id,
	const uint8_t k_control[static AX_WIRE_KEY_LEN], int timeout_ms,
	char *err, size_t errlen);

/* deploy_session_open in two halves, to open sessions to several nodes
 * at once: _start initialises s, connects and sends HELLO; _finish reads
 * the node's HELLO and derives the session keys. Same errors. */
DEPLOY_MUST_CHECK deploy_status deploy_session_start(
	struct deploy_session *s, const char *node, const char *host,
	uint16_t port, uint32_t node_id, int timeout_ms, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_finish(
	struct deploy_session *s, const uint8_t k_control[static AX_WIRE_KEY_LEN],
	char *err, size_t errlen);

/* Send BYE (best effort), close, wipe the keys, free the buffers. */
void deploy_session_close(struct deploy_session *s);

/* Request frames: each returns DEPLOY_OK only for a RESULT with status OK;
 * *res (may be NULL) is a view valid until the next call on s. A RESULT
 * with another status is DEPLOY_E_FAIL with a message naming the node,
 * the frame and the status; *res is still filled then. */
DEPLOY_MUST_CHECK deploy_status deploy_session_load(struct deploy_session *s,
	const struct ax_wire_load *m, struct ax_wire_result *res, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_unload(
	struct deploy_session *s, const struct ax_wire_unload *m, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_route(
	struct deploy_session *s, const struct ax_wire_route *m, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_periodic(
	struct deploy_session *s, const struct ax_wire_periodic *m, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_reset(
	struct deploy_session *s, uint32_t deployment, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_module_msg(
	struct deploy_session *s, uint32_t deployment, uint32_t module,
	const uint8_t *msg, size_t len, struct ax_wire_result *res,
	char *err, size_t errlen);

/*
 * Pipelining: the same requests in two halves. A node handles the frames
 * of a session one by one, in the order they arrive, and answers each
 * before it reads the next (docs/node.md §2), so several requests may be
 * in flight on one session; the _send_ functions return the request's seq
 * without waiting, and deploy_session_collect waits (timeout_ms) for the
 * RESULT of seq and checks it like the functions above (type names the
 * request in the error). Collect a session's requests in the order they
 * were sent: a RESULT for a later request means the earlier one will
 * never be answered, and fails the session.
 */
DEPLOY_MUST_CHECK deploy_status deploy_session_send_load(
	struct deploy_session *s, const struct ax_wire_load *m, uint32_t *seq,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_send_route(
	struct deploy_session *s, const struct ax_wire_route *m, uint32_t *seq,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_send_periodic(
	struct deploy_session *s, const struct ax_wire_periodic *m,
	uint32_t *seq, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_send_module_msg(
	struct deploy_session *s, uint32_t deployment, uint32_t module,
	const uint8_t *msg, size_t len, uint32_t *seq, char *err,
	size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_collect(
	struct deploy_session *s, uint32_t seq, uint16_t type,
	struct ax_wire_result *res, char *err, size_t errlen);

/* STATUS_REQ -> STATUS; *out is a view valid until the next call. The
 * same in two halves (see Pipelining): _send_status, _collect_status. */
DEPLOY_MUST_CHECK deploy_status deploy_session_send_status(
	struct deploy_session *s, uint32_t deployment, uint32_t *seq,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_collect_status(
	struct deploy_session *s, uint32_t seq, struct ax_wire_status *out,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_session_status(
	struct deploy_session *s, uint32_t deployment,
	struct ax_wire_status *out, char *err, size_t errlen);

/* EVENT frame (no answer). */
DEPLOY_MUST_CHECK deploy_status deploy_session_event(
	struct deploy_session *s, uint32_t deployment, const uint8_t *msg,
	size_t len, char *err, size_t errlen);

/* Read and dispatch whatever frames arrive within timeout_ms (0: only
 * what is already there). EVENTs go to on_event; stray RESULTs are
 * dropped. Returns DEPLOY_E_FAIL when the session ends. */
DEPLOY_MUST_CHECK deploy_status deploy_session_pump(struct deploy_session *s,
	int timeout_ms, char *err, size_t errlen);

/* Text for a RESULT status code: "OK", "bad tag (module runtime)",
 * "no such module", ... */
const char *deploy_session_res_name(uint16_t status);

#endif /* DEPLOY_SESSION_H */
