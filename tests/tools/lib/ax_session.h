/*
 * ax_session.h - a blocking session with one authexd on 127.0.0.1, for
 * the test and bench tools that speak the wire protocol themselves
 * (tests/tools/ax_node_client.c, bench/bench_node.c). Not the deployer's
 * session (src/deploy/deploy_session.h): these tools also send what an
 * honest deployer never would, so nothing here is sticky or refuses to
 * send a frame the wire rules allow.
 *
 * What it does: dial with a read timeout, the HELLO exchange and the two
 * session keys (docs/protocol.md, Handshake), frames sealed and opened
 * with ax_frame.c (AUTH tag under the direction's key, seq strictly
 * increasing both ways), a request waiting for the RESULT that echoes it.
 * Every frame from the node is checked; nothing here prints or exits:
 * each call returns an ax_session_status and the tool decides.
 *
 * Buffers. A session borrows its frame buffer (buf, cap) from the caller,
 * who owns and frees it; sessions may share one buffer, since a frame is
 * handled before the next one is sent or received. A frame to send has
 * its body encoded by the caller in place at ax_session_body(s), at most
 * ax_session_body_cap(s) bytes. A received frame (struct ax_frame, and the
 * RESULT of ax_session_request) is a view into the buffer, valid until the
 * next send or receive on any session sharing it.
 *
 * Secrets. The session keys live in the session; ax_session_close wipes
 * them. The control key is read during ax_session_handshake and not kept.
 */
#ifndef AX_SESSION_H
#define AX_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ax_wire.h"

/* Every read of a session waits at most this long (SO_RCVTIMEO). */
#define AX_SESSION_TIMEOUT_S 10
/* A frame buffer of this size holds any frame; smaller ones refuse the
 * frames that do not fit (AX_SESSION_E_FRAME, wire AX_WIRE_E_SPACE). */
#define AX_SESSION_BUF_SIZE AX_FRAME_MAX
/* The smallest buffer a session accepts: room for a HELLO. */
#define AX_SESSION_BUF_MIN (AX_FRAME_AUTH_OVERHEAD + AX_WIRE_HELLO_LEN)

typedef enum {
	AX_SESSION_OK = 0,
	AX_SESSION_E_ARG,        /* argument outside its contract */
	AX_SESSION_E_CLOSED,     /* EOF, read error, or read timeout */
	AX_SESSION_E_WRITE,      /* write failed */
	AX_SESSION_E_SEND,       /* seq exhausted or frame not sealed: wire */
	AX_SESSION_E_FRAME,      /* frame from the node refused: wire */
	AX_SESSION_E_SEQ,        /* its AUTH seq does not increase: wire */
	AX_SESSION_E_HELLO,      /* no HELLO answer, or not from that node */
	AX_SESSION_E_VERSION,    /* no common protocol version */
	AX_SESSION_E_CRYPTO,     /* random bytes or session keys failed */
	AX_SESSION_E_UNEXPECTED, /* another frame type came: last_type */
	AX_SESSION_E_RESULT,     /* RESULT bad or not echoing the request */
	AX_SESSION_E_COUNT
} ax_session_status;

struct ax_session {
	int fd;                          /* -1 when closed */
	int keyed;                       /* 1: frames are AUTH both ways */
	uint32_t seq_tx;                 /* last seq sent */
	uint32_t seq_rx;                 /* last AUTH seq accepted */
	uint8_t k_tx[AX_WIRE_KEY_LEN];   /* to the node (secret) */
	uint8_t k_rx[AX_WIRE_KEY_LEN];   /* from the node (secret) */
	uint8_t *buf;                    /* the caller's frame buffer */
	size_t cap;
	ax_wire_status wire;             /* why the last call failed, or OK */
	uint16_t last_type;              /* type of the last frame received */
};

/* Called for each EVENT frame a wait passes over; fr is valid during the
 * call only. */
typedef void ax_session_event_fn(const struct ax_frame *fr, void *ctx);

/*
 * ax_session_dial - a TCP connection to 127.0.0.1:port whose reads time
 * out after AX_SESSION_TIMEOUT_S; nodelay != 0 also sets TCP_NODELAY.
 * Returns the descriptor (the caller's), or -1 with nothing left open.
 */
int ax_session_dial(int port, int nodelay);

/* Write or read exactly n bytes at p on fd. 0, or -1 on an error, EOF or
 * timeout (some of the bytes may have moved: the stream is unusable). */
int ax_session_write_all(int fd, const uint8_t *p, size_t n);
int ax_session_read_all(int fd, uint8_t *p, size_t n);

/*
 * ax_session_init - a session over fd before any frame: unkeyed, seqs 0.
 * The session owns fd from here (ax_session_close closes it). buf/cap:
 * the borrowed frame buffer, cap >= AX_SESSION_BUF_MIN.
 * Returns OK, or E_ARG (fd < 0, buf NULL, cap too small): s is then
 * closed (fd -1) and fd is still the caller's.
 */
ax_session_status ax_session_init(struct ax_session *s, int fd,
				  uint8_t *buf, size_t cap);

/* Where the caller encodes the body of the next frame to send, and how
 * many bytes fit there (the tag's room kept free); NULL and 0 once the
 * session is closed. */
uint8_t *ax_session_body(const struct ax_session *s);
size_t ax_session_body_cap(const struct ax_session *s);

/*
 * ax_session_send - seal the body_len bytes at ax_session_body(s) as a
 * frame of this type with the next seq (AUTH under k_tx once keyed) and
 * write it. Returns OK, E_ARG (closed), E_SEND (wire: EXHAUSTED, or
 * ax_frame_seal's refusal, e.g. SPACE or TOO_LARGE), E_WRITE.
 */
ax_session_status ax_session_send(struct ax_session *s, uint16_t type,
				  size_t body_len);

/*
 * ax_session_recv - read one frame into the buffer and check it: its
 * prefix (ax_frame_peek), size against cap, its tag under k_rx once keyed
 * (ax_frame_open), and the seq of an AUTH frame. *fr: the frame's view.
 * Returns OK, E_ARG (closed), E_CLOSED, E_FRAME (wire says why), E_SEQ.
 */
ax_session_status ax_session_recv(struct ax_session *s, struct ax_frame *fr);

/*
 * ax_session_hello - send the opening HELLO: this role, the node_id the
 * node must have, a fresh random nonce. *mine: the HELLO sent.
 * Returns OK, E_ARG (closed), E_CRYPTO, or ax_session_send's errors.
 */
ax_session_status ax_session_hello(struct ax_session *s, uint8_t role,
				   uint32_t node_id,
				   struct ax_wire_hello *mine);

/*
 * ax_session_handshake - the opening of a fresh session (ax_session_init):
 * HELLO both ways; the answer must be a HELLO of role NODE from node_id.
 * As AX_WIRE_ROLE_DEPLOYER it derives both session keys from the control
 * key (key, key_len AX_WIRE_KEY_LEN) and every frame after is AUTH; as
 * any other role (a peer node) the session stays unkeyed and key may be
 * NULL.
 * Returns OK, E_ARG (key missing or of another length), E_HELLO (last_type
 * says what came instead, e.g. a BYE), E_VERSION, E_CRYPTO, or the send
 * and receive errors. A wrong control key is not noticed here: the node
 * refuses the first AUTH frame.
 */
ax_session_status ax_session_handshake(struct ax_session *s, uint8_t role,
				       uint32_t node_id, const uint8_t *key,
				       size_t key_len);

/*
 * ax_session_next - receive until a frame that is not an EVENT; each EVENT
 * on the way goes to on_event(fr, ctx) (dropped if on_event is NULL).
 * Returns ax_session_recv's status; *fr as there.
 */
ax_session_status ax_session_next(struct ax_session *s, struct ax_frame *fr,
				  ax_session_event_fn *on_event, void *ctx);

/*
 * ax_session_request - send the request at ax_session_body(s) and wait
 * (ax_session_next) for the RESULT that echoes its seq and type. *r: the
 * RESULT (r->status, r->data a view into the buffer).
 * Returns OK, E_UNEXPECTED (another frame type, in last_type), E_RESULT,
 * or the send and receive errors.
 */
ax_session_status ax_session_request(struct ax_session *s, uint16_t type,
				     size_t body_len,
				     ax_session_event_fn *on_event, void *ctx,
				     struct ax_wire_result *r);

/* ax_session_bye - send BYE (OK, "done") and close. Returns the send's
 * status; the session is closed either way. */
ax_session_status ax_session_bye(struct ax_session *s);

/* ax_session_close - close the connection (if open), wipe the session
 * keys, forget the buffer. Safe to call again. */
void ax_session_close(struct ax_session *s);

/* ax_session_status_name - a short constant text for a status. */
const char *ax_session_status_name(ax_session_status st);

/*
 * ax_session_describe - st in words for a message, with what the session
 * knows of it: the wire status behind it, or the frame type that came
 * instead. Written to out/cap (truncated, always NUL-terminated); returns
 * out, or "" when cap is 0.
 */
const char *ax_session_describe(const struct ax_session *s,
				ax_session_status st, char *out, size_t cap);

#endif /* AX_SESSION_H */
