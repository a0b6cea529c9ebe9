/*
 * ax_wire.h - catalogue of wire frames, part two of the authex message
 * catalogue: the frames the deployer (`authex`), the node daemons
 * (`authexd`) and peer nodes exchange over TCP or a serial link.
 *
 * Part one, the module messages a node hands to a module's trusted
 * runtime, is ax_msg.h, included below so that there is one catalogue.
 * docs/protocol.md documents both byte by byte; tests/unit/test_catalogue.c
 * checks that its tables and these enums agree. Numbers are explicit and
 * never reused: a retired frame type keeps its number, commented out.
 *
 * Conventions
 *  - All integers on the wire are big-endian (ax_bytes.h). No struct is
 *    ever cast onto a buffer.
 *  - Frames: ax_frame.c (framing, AUTH tag, sequence numbers, session key).
 *    Bodies: ax_wire.c (one encoder and one decoder per message).
 *  - Every function that can fail returns an ax_wire_status; 0 is
 *    AX_WIRE_OK. Callers MUST check it (warn_unused_result).
 *  - Decoders take (body, len) of untrusted bytes and check the remaining
 *    length before every field; a body must be consumed exactly (trailing
 *    bytes are AX_WIRE_E_TRAILING). On error *out is unspecified and must
 *    not be used.
 *  - Decoded structs are views: pointers in them (names, image, module
 *    messages) point INTO the decoded buffer, which the caller must keep
 *    alive and unchanged while it uses the view. Strings are not NUL-
 *    terminated; use the length.
 *  - Encoders validate their input with the same rules as the decoders (a
 *    frame we encode always decodes) and write into (buf, cap); *len gets
 *    the number of bytes written. AX_WIRE_E_SPACE if cap is too small; the
 *    buffer content is then unspecified.
 *  - Nothing here allocates, keeps global state or prints. Size checks
 *    happen before any copy, so a caller may size buffers from the maxima
 *    below.
 *  - Names (module, platform) are 1..AX_WIRE_NAME_MAX bytes of visible
 *    ASCII 0x21..0x7e. Addresses are "host:port" (visible ASCII, port
 *    1..65535), or empty for "local". Texts are opaque bytes.
 */
#ifndef AX_WIRE_H
#define AX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "ax_msg.h"

#if defined(__GNUC__) || defined(__clang__)
#define AX_WIRE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define AX_WIRE_MUST_CHECK
#endif

/* ------------------------------------------------------------ frame types */

enum ax_wire_type {
	AX_WIRE_HELLO = 0x0001,        /* both ways, first frame, never AUTH */
	AX_WIRE_RESULT = 0x0002,       /* reply to a request frame */
	AX_WIRE_BYE = 0x0003,          /* closing, with a reason */
	AX_WIRE_LOAD_MODULE = 0x0010,  /* deployer -> node, AUTH */
	AX_WIRE_UNLOAD_MODULE = 0x0011, /* deployer -> node, AUTH */
	AX_WIRE_ADD_ROUTE = 0x0012,    /* deployer -> node, AUTH */
	AX_WIRE_PERIODIC = 0x0013,     /* deployer -> node, AUTH */
	AX_WIRE_RESET = 0x0014,        /* deployer -> node, AUTH */
	AX_WIRE_MODULE_MSG = 0x0020,   /* deployer -> node: ax_msg.h message */
	AX_WIRE_EVENT = 0x0021,        /* node <-> node, deployer <-> node */
	AX_WIRE_STATUS_REQ = 0x0030,   /* deployer -> node */
	AX_WIRE_STATUS = 0x0031,       /* node -> deployer */
};

/* There is no CALL_ENTRY frame: calling an entry point is a MODULE_MSG
 * that carries an AX_MSG_CALL module message, answered by a RESULT whose
 * data is the entry point's result. One path, one parser. */

/* ------------------------------------------------------- frame header */

/* Frame: length(4) | type(2) flags(2) seq(4) | body | [tag(16)]
 * `length` counts every byte after itself. */
#define AX_FRAME_LEN_SIZE 4
#define AX_FRAME_HDR_LEN 8 /* type flags seq: the MACed header */
#define AX_FRAME_PREFIX_LEN (AX_FRAME_LEN_SIZE + AX_FRAME_HDR_LEN)
#define AX_FRAME_TAG_LEN 16
#define AX_FRAME_AUTH_OVERHEAD (AX_FRAME_PREFIX_LEN + AX_FRAME_TAG_LEN)

#define AX_FRAME_F_AUTH 0x0001u  /* body is followed by a 16-byte tag */
#define AX_FRAME_F_KNOWN AX_FRAME_F_AUTH

/* --------------------------------------------------------- hard maxima */

#define AX_WIRE_VERSION 1      /* protocol version this code speaks */
#define AX_WIRE_VERSION_MIN 1  /* oldest version it still accepts */
#define AX_WIRE_NONCE_LEN 16
#define AX_WIRE_KEY_LEN 32     /* K_control and K_session */
#define AX_WIRE_LOAD_AUTH_LEN 32 /* LOAD_MODULE's load authorization */

#define AX_WIRE_NAME_MAX 64
#define AX_WIRE_ADDR_MAX 255
#define AX_WIRE_TEXT_MAX 256
#define AX_WIRE_IMAGE_MAX (4u * 1024u * 1024u)
#define AX_WIRE_ARG_MAX AX_PAYLOAD_LIMIT
#define AX_WIRE_RESULT_MAX AX_PAYLOAD_LIMIT
#define AX_WIRE_STATUS_MODULES_MAX 64
#define AX_WIRE_PERIOD_MIN_MS 10u
#define AX_WIRE_PERIOD_MAX_MS 86400000u /* one day */

/* Reserved ids. Deployment and module ids are 1..0xfffffffe. */
#define AX_WIRE_DEPLOYER 0u              /* module id 0 in routes */
#define AX_WIRE_ALL 0xffffffffu          /* RESET, STATUS_REQ: every deployment */

/* Sequence numbers: the first frame a side sends has seq 1; a side never
 * sends a seq above AX_WIRE_SEQ_MAX (it says BYE and reconnects instead). */
#define AX_WIRE_SEQ_MAX 0xfffffff0u

/* Exact or maximal body sizes, per frame type. */
#define AX_WIRE_HELLO_LEN (2 + 2 + 1 + 4 + AX_WIRE_NONCE_LEN)
#define AX_WIRE_RESULT_HDR_LEN 12
#define AX_WIRE_RESULT_BODY_MAX (AX_WIRE_RESULT_HDR_LEN + AX_WIRE_RESULT_MAX)
#define AX_WIRE_BYE_BODY_MAX (2 + 2 + AX_WIRE_TEXT_MAX)
#define AX_WIRE_LOAD_BODY_MAX \
	(4 + 4 + 2 + AX_WIRE_NAME_MAX + 2 + AX_WIRE_NAME_MAX + 4 + \
	 AX_WIRE_IMAGE_MAX + AX_WIRE_LOAD_AUTH_LEN)
#define AX_WIRE_UNLOAD_LEN 8
#define AX_WIRE_ROUTE_BODY_MAX (4 * 4 + 1 + 2 + AX_WIRE_ADDR_MAX)
#define AX_WIRE_PERIODIC_BODY_MAX (4 + 4 + 2 + 4 + 2 + AX_WIRE_ARG_MAX)
#define AX_WIRE_RESET_LEN 4
#define AX_WIRE_MODULE_MSG_BODY_MAX (4 + 4 + 4 + AX_MODULE_MSG_MAX)
#define AX_WIRE_EVENT_BODY_MAX (4 + 4 + AX_MODULE_MSG_MAX)
#define AX_WIRE_STATUS_REQ_LEN 4
/* STATUS module record: deployment module state name runtime-status. The
 * runtime's STATUS answer (ax_runtime.h) is at most AX_WIRE_RT_STATUS_MAX
 * bytes: its header plus AX_WIRE_RT_CONN_MAX connection records. The bound
 * is fixed by the wire format, whatever AX_MAX_CONNECTIONS a module was
 * built with; ax_wire.c asserts it against ax_runtime.h at compile time. */
#define AX_WIRE_RT_CONN_MAX 256
#define AX_WIRE_RT_STATUS_MAX (132 + 40 * AX_WIRE_RT_CONN_MAX)
#define AX_WIRE_MODSTAT_MAX \
	(4 + 4 + 1 + 2 + AX_WIRE_NAME_MAX + 2 + AX_WIRE_RT_STATUS_MAX)
#define AX_WIRE_STATUS_HDR_MAX (4 + 2 + AX_WIRE_NAME_MAX + 4 + 8 * 3 + 4 + 2)
#define AX_WIRE_STATUS_BODY_MAX \
	(AX_WIRE_STATUS_HDR_MAX + AX_WIRE_STATUS_MODULES_MAX * AX_WIRE_MODSTAT_MAX)

/* Largest value of the length field, and largest whole frame. */
#define AX_FRAME_LEN_MIN AX_FRAME_HDR_LEN
#define AX_FRAME_LEN_MAX \
	(AX_FRAME_HDR_LEN + AX_WIRE_LOAD_BODY_MAX + AX_FRAME_TAG_LEN)
#define AX_FRAME_MAX (AX_FRAME_LEN_SIZE + AX_FRAME_LEN_MAX)

/* Session key derivation label (without NUL) and direction bytes. */
#define AX_WIRE_LABEL_SESSION "authex session v1"
#define AX_WIRE_DIR_TO_NODE 'N'     /* frames the deployer sends */
#define AX_WIRE_DIR_FROM_NODE 'D'   /* frames the node sends */

/* ------------------------------------------------------- status codes */

typedef enum {
	AX_WIRE_OK = 0,
	AX_WIRE_NEED_MORE = 1,     /* ax_frame_peek: not a whole frame yet */
	AX_WIRE_E_TRUNCATED = 2,   /* input shorter than a field or a minimum */
	AX_WIRE_E_TOO_LARGE = 3,   /* length or field above its hard maximum */
	AX_WIRE_E_TRAILING = 4,    /* bytes left after the last field */
	AX_WIRE_E_BAD_TYPE = 5,    /* frame or module message type unknown */
	AX_WIRE_E_BAD_FLAGS = 6,   /* unknown flag bit, or AUTH on HELLO */
	AX_WIRE_E_BAD_FIELD = 7,   /* a field value out of its domain */
	AX_WIRE_E_BAD_VERSION = 8, /* no protocol version in common */
	AX_WIRE_E_BAD_AUTH = 9,    /* tag wrong, missing, or key missing */
	AX_WIRE_E_REPLAY = 10,     /* seq not above the last accepted one */
	AX_WIRE_E_EXHAUSTED = 11,  /* seq space used up: reconnect */
	AX_WIRE_E_SPACE = 12,      /* caller's output buffer too small */
	AX_WIRE_E_INTERNAL = 13,   /* crypto provider failed */
	AX_WIRE_E_COUNT
} ax_wire_status;

/* RESULT status codes (u16 on the wire). 0 is success; the low ranges
 * carry an ax_wire_status (frame rejected by the node) or an ax_rt_status
 * (module message rejected by the module runtime, see ax_runtime.h). */
#define AX_WIRE_RES_OK 0x0000u
#define AX_WIRE_RES_WIRE(st) (0x0000u | (uint16_t)(st)) /* 0x0001..0x00ff */
#define AX_WIRE_RES_RT(st) (0x0100u | (uint16_t)(st))   /* 0x0101..0x01ff */
enum ax_wire_res {
	AX_WIRE_RES_NO_DEPLOYMENT = 0x0201, /* unknown deployment id */
	AX_WIRE_RES_NO_MODULE = 0x0202,     /* unknown module id */
	AX_WIRE_RES_EXISTS = 0x0203,        /* module/route/timer id taken */
	AX_WIRE_RES_NO_PLATFORM = 0x0204,   /* node has no such platform */
	AX_WIRE_RES_PLATFORM = 0x0205,      /* platform failed to load/run */
	AX_WIRE_RES_FULL = 0x0206,          /* a node table is full */
	AX_WIRE_RES_DENIED = 0x0207,        /* frame not allowed now / here */
	AX_WIRE_RES_UNREACHABLE = 0x0208,   /* route address cannot be used */
	AX_WIRE_RES_INTERNAL = 0x0209,      /* node failure (I/O, memory) */
};

/* ------------------------------------------------------------ messages */

enum ax_wire_role {
	AX_WIRE_ROLE_DEPLOYER = 1,
	AX_WIRE_ROLE_NODE = 2,   /* a node answering a connection */
	AX_WIRE_ROLE_PEER = 3,   /* a node connecting to another node */
};

enum ax_wire_route_kind {
	AX_WIRE_ROUTE_EVENT = 1,   /* output -> input */
	AX_WIRE_ROUTE_REQUEST = 2, /* request -> handler, and its responses back */
};

enum ax_wire_mod_state {
	AX_WIRE_MOD_LOADED = 1, /* loaded; the runtime state is in rt_status */
	AX_WIRE_MOD_FAILED = 2, /* the platform reports the module dead */
};

struct ax_wire_str {
	const char *ptr; /* not NUL-terminated; may be NULL when len == 0 */
	size_t len;
};

struct ax_wire_bytes {
	const uint8_t *ptr; /* may be NULL when len == 0 */
	size_t len;
};

/* HELLO: version(2) min_version(2) role(1) node_id(4) nonce(16). The
 * deployer and a peer send the node id they expect; a node its own. */
struct ax_wire_hello {
	uint16_t version;     /* highest version the sender speaks, >= 1 */
	uint16_t min_version; /* lowest it accepts, 1..version */
	uint8_t role;         /* enum ax_wire_role */
	uint32_t node_id;
	uint8_t nonce[AX_WIRE_NONCE_LEN];
};

/* RESULT: req_seq(4) req_type(2) status(2) data_len(4) data. */
struct ax_wire_result {
	uint32_t req_seq;  /* seq of the request frame answered */
	uint16_t req_type; /* its type (a known ax_wire_type) */
	uint16_t status;   /* AX_WIRE_RES_* */
	struct ax_wire_bytes data; /* <= AX_WIRE_RESULT_MAX */
};

/* BYE: code(2) text_len(2) text. code is an AX_WIRE_RES_* value. */
struct ax_wire_bye {
	uint16_t code;
	struct ax_wire_bytes text; /* <= AX_WIRE_TEXT_MAX, opaque */
};

/* LOAD_MODULE: deployment(4) module(4) name(2+n) platform(2+n) image(4+n)
 * auth(32). auth is the load authorization HKDF-SHA256(K_node, "authex
 * load" || module || SHA-256(image)) (ax_modmsg_load_auth); the codec
 * only carries it, the platform checks it (include/authex/platform.h). */
struct ax_wire_load {
	uint32_t deployment;
	uint32_t module;   /* module instance id (part of K_M's derivation) */
	struct ax_wire_str name;
	struct ax_wire_str platform;
	struct ax_wire_bytes image; /* 1..AX_WIRE_IMAGE_MAX */
	uint8_t auth[AX_WIRE_LOAD_AUTH_LEN];
};

/* UNLOAD_MODULE: deployment(4) module(4) */
struct ax_wire_unload {
	uint32_t deployment;
	uint32_t module;
};

/* ADD_ROUTE: deployment(4) conn(4) src(4) dst(4) kind(1) addr(2+n) */
struct ax_wire_route {
	uint32_t deployment;
	uint32_t conn;
	uint32_t src;  /* module id, or AX_WIRE_DEPLOYER */
	uint32_t dst;  /* module id, or AX_WIRE_DEPLOYER */
	uint8_t kind;  /* enum ax_wire_route_kind */
	struct ax_wire_str addr; /* node of dst, "host:port"; empty = local */
};

/* PERIODIC: deployment(4) module(4) entry(2) period_ms(4) arg(2+n).
 * period_ms 0 cancels the timer of (deployment, module, entry). */
struct ax_wire_periodic {
	uint32_t deployment;
	uint32_t module;
	uint16_t entry;
	uint32_t period_ms; /* 0, or AX_WIRE_PERIOD_MIN_MS..MAX_MS */
	struct ax_wire_bytes arg; /* <= AX_WIRE_ARG_MAX; empty when cancelling */
};

/* RESET: deployment(4); AX_WIRE_ALL resets every deployment on the node. */
struct ax_wire_reset {
	uint32_t deployment;
};

/* MODULE_MSG: deployment(4) module(4) msg_len(4) msg. msg is one ax_msg.h
 * module message (1..AX_MODULE_MSG_MAX bytes, known type byte). */
struct ax_wire_module_msg {
	uint32_t deployment;
	uint32_t module;
	struct ax_wire_bytes msg;
};

/* EVENT: deployment(4) msg_len(4) msg. msg is a sealed EVENT, REQUEST or
 * RESPONSE module message; the decoder also exposes its connection id and
 * counter (untrusted: the runtime authenticates them). */
struct ax_wire_event {
	uint32_t deployment;
	struct ax_wire_bytes msg;
	uint8_t msg_type; /* decoded only: AX_MSG_EVENT/REQUEST/RESPONSE */
	uint32_t conn;    /* decoded only */
	uint64_t counter; /* decoded only */
};

/* STATUS_REQ: deployment(4); AX_WIRE_ALL = every deployment. */
struct ax_wire_status_req {
	uint32_t deployment;
};

/* One module record of STATUS:
 * deployment(4) module(4) state(1) name(2+n) rt_status(2+n). rt_status is
 * the runtime's STATUS answer (ax_runtime.h), or empty if the module did
 * not answer. */
struct ax_wire_modstat {
	uint32_t deployment;
	uint32_t module;
	uint8_t state; /* enum ax_wire_mod_state */
	struct ax_wire_str name;
	struct ax_wire_bytes rt_status;
};

/* STATUS: node_id(4) platform(2+n) uptime_s(4) events_routed(8)
 * events_dropped(8) frames_rejected(8) modules_total(4) n_mods(2)
 * then n_mods module records. n_mods <= AX_WIRE_STATUS_MODULES_MAX and
 * <= modules_total (a node with more modules reports the first ones). */
struct ax_wire_status {
	uint32_t node_id;
	struct ax_wire_str platform;
	uint32_t uptime_s;
	uint64_t events_routed;
	uint64_t events_dropped;
	uint64_t frames_rejected;
	uint32_t modules_total;
	uint16_t n_mods;
	/* Decoding sets mods to NULL and points records at the n_mods
	 * validated records; read them with ax_wire_modstat_next().
	 * Encoding takes n_mods records from mods, or, when mods is NULL,
	 * from records (validated again), so a decoded view re-encodes. */
	const struct ax_wire_modstat *mods;
	struct ax_wire_bytes records;
};

/* ------------------------------------------------------ ax_frame.c */

/* A received frame, as a view into the caller's buffer. */
struct ax_frame {
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	const uint8_t *body;
	size_t body_len; /* without the tag */
};

/*
 * ax_frame_peek - is there a whole, plausible frame at the start of a
 * stream buffer? Made for non-blocking readers: call it after every read.
 *  buf/avail: the bytes received so far (untrusted).
 *  *frame_len: set to the whole frame's size (length field + 4) as soon as
 *  the length field is known and within bounds, even with NEED_MORE, so
 *  the caller may size its buffer; it is always <= AX_FRAME_MAX.
 * Checks, in this order, before the caller copies or allocates anything:
 * length field in AX_FRAME_LEN_MIN..AX_FRAME_LEN_MAX; then (once the
 * 12-byte prefix is there) known type, known flags, AUTH allowed/required
 * for the type, and the length within the type's own minimum and maximum.
 * Returns AX_WIRE_OK (buf holds at least *frame_len bytes), NEED_MORE, or
 * TRUNCATED (length below the minimum), TOO_LARGE, BAD_TYPE, BAD_FLAGS,
 * BAD_AUTH. On an error the stream cannot be resynchronised: close it.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_frame_peek(const uint8_t *buf,
	size_t avail, size_t *frame_len);

/*
 * ax_frame_open - check one whole frame and return a view of it.
 *  buf/len: exactly one frame (as sized by ax_frame_peek); longer input is
 *  AX_WIRE_E_TRAILING, shorter AX_WIRE_E_TRUNCATED.
 *  key: the receive-direction session key once the handshake is done,
 *  NULL before it and on links without a session (peer nodes).
 *  With a key, every frame MUST be AUTH (a frame without a tag, HELLO
 *  included, is BAD_AUTH), so an attacker cannot strip a tag off an
 *  AUTH-optional frame. An AUTH frame is verified with ax_verify16
 *  (BAD_AUTH on mismatch or with key == NULL); a frame whose type
 *  requires AUTH but has no tag is BAD_AUTH with or without a key.
 * The frame's seq is NOT checked here: after AX_WIRE_OK, for an AUTH
 * frame, the caller MUST call ax_wire_seq_check() and drop the frame if it
 * fails. The body is not parsed: pass it to the decoder of out->type.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_frame_open(const uint8_t *buf,
	size_t len, const uint8_t *key, struct ax_frame *out);

/*
 * ax_frame_seal - complete a frame whose body the caller has already
 * encoded in place at buf + AX_FRAME_PREFIX_LEN (body_len bytes).
 *  Writes the length, type, flags and seq in front, and with
 *  AX_FRAME_F_AUTH in flags the 16-byte tag behind the body, computed
 *  under key (AX_WIRE_KEY_LEN bytes; must be non-NULL iff AUTH).
 *  *frame_len: the whole frame's size.
 * Returns OK, BAD_TYPE, BAD_FLAGS, BAD_AUTH (AUTH rule of the type broken,
 * or key missing), TOO_LARGE (body above the type's maximum), SPACE (cap
 * too small), INTERNAL (crypto).
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_frame_seal(uint8_t *buf, size_t cap,
	uint16_t type, uint16_t flags, uint32_t seq, size_t body_len,
	const uint8_t *key, size_t *frame_len);

/*
 * ax_wire_seq_check - receive side of the sequence-number rule.
 *  *last: the last accepted seq of this direction (0 at session start).
 *  Accepts seq only if *last < seq <= AX_WIRE_SEQ_MAX, then sets *last.
 * Returns OK, REPLAY (seq <= *last: replayed or reordered), EXHAUSTED
 * (seq above AX_WIRE_SEQ_MAX: the sender must reconnect). *last is
 * unchanged on error.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_wire_seq_check(uint32_t *last,
	uint32_t seq);

/*
 * ax_wire_seq_next - send side: *last is the last seq sent (0 at session
 * start); sets *seq = *last + 1 and advances *last. Returns OK or
 * EXHAUSTED (the next seq would exceed AX_WIRE_SEQ_MAX; *last unchanged).
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_wire_seq_next(uint32_t *last,
	uint32_t *seq);

/*
 * ax_wire_version_select - the handshake's version rule. Picks the highest
 * version both sides speak: min(mine->version, peer->version), which must
 * be >= both min_versions. Returns OK with *version set, or BAD_VERSION.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_wire_version_select(
	const struct ax_wire_hello *mine, const struct ax_wire_hello *peer,
	uint16_t *version);

/*
 * ax_wire_session_key - derive the AUTH key of one direction:
 *  HKDF-SHA256(salt = nonce_deployer || nonce_node, ikm = k_control,
 *              info = "authex session v1" || node_id(4) || version(2)
 *                     || dir(1), 32 bytes)
 *  dir: AX_WIRE_DIR_TO_NODE or AX_WIRE_DIR_FROM_NODE; version: the
 *  selected one. Binding the version defeats a downgrade; the direction
 *  byte stops a frame being reflected back to its sender.
 * Returns OK, BAD_FIELD (unknown dir), INTERNAL. out is wiped on error.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_wire_session_key(
	const uint8_t k_control[static AX_WIRE_KEY_LEN],
	const uint8_t nonce_deployer[static AX_WIRE_NONCE_LEN],
	const uint8_t nonce_node[static AX_WIRE_NONCE_LEN], uint32_t node_id,
	uint16_t version, uint8_t dir, uint8_t out[static AX_WIRE_KEY_LEN]);

/* ax_wire_type_name - "HELLO", ..., or NULL for an unknown frame type. */
const char *ax_wire_type_name(uint16_t type);

/* ax_wire_status_name - a short constant text for a status. */
const char *ax_wire_status_name(ax_wire_status st);

/* ------------------------------------------------------- ax_wire.c */

/* One encoder and one decoder per message; see Conventions above. */
#define AX_WIRE_CODEC(msg, type)                                               \
	AX_WIRE_MUST_CHECK ax_wire_status ax_wire_encode_##msg(                \
		const type *m, uint8_t *buf, size_t cap, size_t *len);          \
	AX_WIRE_MUST_CHECK ax_wire_status ax_wire_decode_##msg(                \
		const uint8_t *body, size_t len, type *out)

AX_WIRE_CODEC(hello, struct ax_wire_hello);
AX_WIRE_CODEC(result, struct ax_wire_result);
AX_WIRE_CODEC(bye, struct ax_wire_bye);
AX_WIRE_CODEC(load, struct ax_wire_load);
AX_WIRE_CODEC(unload, struct ax_wire_unload);
AX_WIRE_CODEC(route, struct ax_wire_route);
AX_WIRE_CODEC(periodic, struct ax_wire_periodic);
AX_WIRE_CODEC(reset, struct ax_wire_reset);
AX_WIRE_CODEC(module_msg, struct ax_wire_module_msg);
AX_WIRE_CODEC(event, struct ax_wire_event);
AX_WIRE_CODEC(status_req, struct ax_wire_status_req);
AX_WIRE_CODEC(status, struct ax_wire_status);

/*
 * ax_wire_modstat_next - iterate the module records of a decoded STATUS.
 *  *it: an ax_wire_bytes initialised to status->records; each call fills
 *  *out and advances *it. Returns OK, or TRUNCATED once *it is empty. The
 *  records were validated by ax_wire_decode_status.
 */
AX_WIRE_MUST_CHECK ax_wire_status ax_wire_modstat_next(
	struct ax_wire_bytes *it, struct ax_wire_modstat *out);

#endif /* AX_WIRE_H */
