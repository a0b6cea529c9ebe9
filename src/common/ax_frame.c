/*
 * ax_frame.c - framing, the AUTH tag, sequence numbers and the session key
 * of the authex wire protocol. Contract: ax_wire.h. Layout and handshake:
 * docs/protocol.md, sections "Frame" and "Handshake".
 */
#include <string.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_wire.h"

enum auth_rule { AUTH_NEVER, AUTH_MAY, AUTH_MUST };

struct type_info {
	uint16_t type;
	uint8_t auth;
	const char *name;
	size_t body_min;
	size_t body_max;
};

/* The per-type row of the catalogue that framing needs. Minima are the
 * smallest valid bodies (every string non-empty where the decoder demands
 * it); maxima come from ax_wire.h. */
static const struct type_info types[] = {
	{ AX_WIRE_HELLO, AUTH_NEVER, "HELLO", AX_WIRE_HELLO_LEN,
	  AX_WIRE_HELLO_LEN },
	{ AX_WIRE_RESULT, AUTH_MAY, "RESULT", AX_WIRE_RESULT_HDR_LEN,
	  AX_WIRE_RESULT_BODY_MAX },
	{ AX_WIRE_BYE, AUTH_MAY, "BYE", 4, AX_WIRE_BYE_BODY_MAX },
	{ AX_WIRE_LOAD_MODULE, AUTH_MUST, "LOAD_MODULE",
	  4 + 4 + 3 + 3 + 5 + AX_WIRE_LOAD_AUTH_LEN, AX_WIRE_LOAD_BODY_MAX },
	{ AX_WIRE_UNLOAD_MODULE, AUTH_MUST, "UNLOAD_MODULE", AX_WIRE_UNLOAD_LEN,
	  AX_WIRE_UNLOAD_LEN },
	{ AX_WIRE_ADD_ROUTE, AUTH_MUST, "ADD_ROUTE", 4 * 4 + 1 + 2,
	  AX_WIRE_ROUTE_BODY_MAX },
	{ AX_WIRE_PERIODIC, AUTH_MUST, "PERIODIC", 4 + 4 + 2 + 4 + 2,
	  AX_WIRE_PERIODIC_BODY_MAX },
	{ AX_WIRE_RESET, AUTH_MUST, "RESET", AX_WIRE_RESET_LEN,
	  AX_WIRE_RESET_LEN },
	{ AX_WIRE_MODULE_MSG, AUTH_MAY, "MODULE_MSG", 4 + 4 + 4 + 1,
	  AX_WIRE_MODULE_MSG_BODY_MAX },
	{ AX_WIRE_EVENT, AUTH_MAY, "EVENT", 4 + 4 + AX_EVENT_OVERHEAD,
	  AX_WIRE_EVENT_BODY_MAX },
	{ AX_WIRE_STATUS_REQ, AUTH_MAY, "STATUS_REQ", AX_WIRE_STATUS_REQ_LEN,
	  AX_WIRE_STATUS_REQ_LEN },
	{ AX_WIRE_STATUS, AUTH_MAY, "STATUS", 4 + 3 + 4 + 8 * 3 + 4 + 2,
	  AX_WIRE_STATUS_BODY_MAX },
};

_Static_assert(AX_FRAME_LEN_MAX <= 0xffffffffu, "length field is u32");
_Static_assert(AX_WIRE_STATUS_BODY_MAX <= AX_WIRE_LOAD_BODY_MAX,
	"LOAD_MODULE must be the largest frame");

static const struct type_info *find_type(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

/* Header checks shared by peek, open and seal: everything that can be
 * decided from type, flags and the length field alone. */
static ax_wire_status check_header(uint16_t type, uint16_t flags,
	size_t body_len)
{
	const struct type_info *ti = find_type(type);
	int auth = (flags & AX_FRAME_F_AUTH) != 0;

	if (ti == NULL)
		return AX_WIRE_E_BAD_TYPE;
	if ((flags & ~AX_FRAME_F_KNOWN) != 0)
		return AX_WIRE_E_BAD_FLAGS;
	if (auth && ti->auth == AUTH_NEVER)
		return AX_WIRE_E_BAD_FLAGS;
	if (!auth && ti->auth == AUTH_MUST)
		return AX_WIRE_E_BAD_AUTH;
	if (body_len < ti->body_min)
		return AX_WIRE_E_TRUNCATED;
	if (body_len > ti->body_max)
		return AX_WIRE_E_TOO_LARGE;
	return AX_WIRE_OK;
}

/* Body length implied by the length field, or SIZE_MAX if the field is
 * too small to hold the header (and the tag, for AUTH). */
static size_t body_len_of(uint32_t length, uint16_t flags)
{
	size_t over = AX_FRAME_HDR_LEN;

	if (flags & AX_FRAME_F_AUTH)
		over += AX_FRAME_TAG_LEN;
	return length < over ? SIZE_MAX : (size_t)length - over;
}

/* See ax_wire.h. */
ax_wire_status ax_frame_peek(const uint8_t *buf, size_t avail,
	size_t *frame_len)
{
	uint32_t length;
	uint16_t type, flags;
	size_t body_len;
	ax_wire_status st;

	if (avail < AX_FRAME_LEN_SIZE)
		return AX_WIRE_NEED_MORE;
	length = ax_load_be32(buf);
	if (length < AX_FRAME_LEN_MIN)
		return AX_WIRE_E_TRUNCATED;
	if (length > AX_FRAME_LEN_MAX)
		return AX_WIRE_E_TOO_LARGE;
	*frame_len = AX_FRAME_LEN_SIZE + (size_t)length;
	if (avail < AX_FRAME_PREFIX_LEN)
		return AX_WIRE_NEED_MORE;
	type = ax_load_be16(buf + 4);
	flags = ax_load_be16(buf + 6);
	body_len = body_len_of(length, flags);
	st = check_header(type, flags,
		body_len == SIZE_MAX ? 0 : body_len);
	if (st == AX_WIRE_OK && body_len == SIZE_MAX)
		st = AX_WIRE_E_TRUNCATED;
	if (st != AX_WIRE_OK)
		return st;
	return avail < *frame_len ? AX_WIRE_NEED_MORE : AX_WIRE_OK;
}

/* tag = HMAC-SHA256(key, header-without-length || body)[0..16) */
static ax_wire_status compute_tag(const uint8_t *key, const uint8_t *hdr,
	size_t body_len, uint8_t tag[static AX_FRAME_TAG_LEN])
{
	uint8_t mac[AX_HMAC_SHA256_LEN];
	struct ax_iov iov = { hdr, AX_FRAME_HDR_LEN + body_len };
	ax_wire_status st = AX_WIRE_OK;

	if (ax_hmac_sha256(key, AX_WIRE_KEY_LEN, &iov, 1, mac) != AX_CRYPTO_OK)
		st = AX_WIRE_E_INTERNAL;
	else
		memcpy(tag, mac, AX_FRAME_TAG_LEN);
	ax_wipe(mac, sizeof mac);
	return st;
}

/* See ax_wire.h. Order: length, header, then the MAC (habit 10). */
ax_wire_status ax_frame_open(const uint8_t *buf, size_t len,
	const uint8_t *key, struct ax_frame *out)
{
	uint8_t tag[AX_FRAME_TAG_LEN];
	size_t frame_len = 0;
	ax_wire_status st = ax_frame_peek(buf, len, &frame_len);

	if (st == AX_WIRE_NEED_MORE)
		return AX_WIRE_E_TRUNCATED;
	if (st != AX_WIRE_OK)
		return st;
	if (len != frame_len)
		return AX_WIRE_E_TRAILING;
	out->type = ax_load_be16(buf + 4);
	out->flags = ax_load_be16(buf + 6);
	out->seq = ax_load_be32(buf + 8);
	out->body = buf + AX_FRAME_PREFIX_LEN;
	out->body_len = body_len_of(ax_load_be32(buf), out->flags);
	/* In a keyed session every frame is AUTH: nobody may strip a tag. */
	if (!(out->flags & AX_FRAME_F_AUTH))
		return key == NULL ? AX_WIRE_OK : AX_WIRE_E_BAD_AUTH;
	if (key == NULL)
		return AX_WIRE_E_BAD_AUTH;
	st = compute_tag(key, buf + AX_FRAME_LEN_SIZE, out->body_len, tag);
	if (st == AX_WIRE_OK &&
	    ax_verify16(tag, out->body + out->body_len) != 0)
		st = AX_WIRE_E_BAD_AUTH;
	return st;
}

/* See ax_wire.h. */
ax_wire_status ax_frame_seal(uint8_t *buf, size_t cap, uint16_t type,
	uint16_t flags, uint32_t seq, size_t body_len, const uint8_t *key,
	size_t *frame_len)
{
	int auth = (flags & AX_FRAME_F_AUTH) != 0;
	size_t total;
	ax_wire_status st = check_header(type, flags, body_len);

	if (st != AX_WIRE_OK)
		return st;
	if (auth != (key != NULL))
		return AX_WIRE_E_BAD_AUTH;
	total = AX_FRAME_PREFIX_LEN + body_len + (auth ? AX_FRAME_TAG_LEN : 0);
	if (total > cap)
		return AX_WIRE_E_SPACE;
	ax_store_be32(buf, (uint32_t)(total - AX_FRAME_LEN_SIZE));
	ax_store_be16(buf + 4, type);
	ax_store_be16(buf + 6, flags);
	ax_store_be32(buf + 8, seq);
	if (auth) {
		st = compute_tag(key, buf + AX_FRAME_LEN_SIZE, body_len,
			buf + AX_FRAME_PREFIX_LEN + body_len);
		if (st != AX_WIRE_OK)
			return st;
	}
	*frame_len = total;
	return AX_WIRE_OK;
}

/* See ax_wire.h. The whole replay rule of the control channel. */
ax_wire_status ax_wire_seq_check(uint32_t *last, uint32_t seq)
{
	if (seq > AX_WIRE_SEQ_MAX)
		return AX_WIRE_E_EXHAUSTED;
	if (seq <= *last)
		return AX_WIRE_E_REPLAY;
	*last = seq;
	return AX_WIRE_OK;
}

/* See ax_wire.h. */
ax_wire_status ax_wire_seq_next(uint32_t *last, uint32_t *seq)
{
	if (*last >= AX_WIRE_SEQ_MAX)
		return AX_WIRE_E_EXHAUSTED;
	*seq = ++*last;
	return AX_WIRE_OK;
}

/* See ax_wire.h. Handshake step "select version". */
ax_wire_status ax_wire_version_select(const struct ax_wire_hello *mine,
	const struct ax_wire_hello *peer, uint16_t *version)
{
	uint16_t v = mine->version < peer->version ? mine->version
						     : peer->version;

	if (v == 0 || v < mine->min_version || v < peer->min_version)
		return AX_WIRE_E_BAD_VERSION;
	*version = v;
	return AX_WIRE_OK;
}

/* See ax_wire.h. Handshake step "derive K_session". */
ax_wire_status ax_wire_session_key(
	const uint8_t k_control[static AX_WIRE_KEY_LEN],
	const uint8_t nonce_deployer[static AX_WIRE_NONCE_LEN],
	const uint8_t nonce_node[static AX_WIRE_NONCE_LEN], uint32_t node_id,
	uint16_t version, uint8_t dir, uint8_t out[static AX_WIRE_KEY_LEN])
{
	uint8_t salt[2 * AX_WIRE_NONCE_LEN];
	uint8_t info[sizeof AX_WIRE_LABEL_SESSION - 1 + 4 + 2 + 1];
	size_t n = sizeof AX_WIRE_LABEL_SESSION - 1;
	ax_wire_status st = AX_WIRE_OK;

	if (dir != AX_WIRE_DIR_TO_NODE && dir != AX_WIRE_DIR_FROM_NODE) {
		st = AX_WIRE_E_BAD_FIELD;
		goto out;
	}
	memcpy(salt, nonce_deployer, AX_WIRE_NONCE_LEN);
	memcpy(salt + AX_WIRE_NONCE_LEN, nonce_node, AX_WIRE_NONCE_LEN);
	memcpy(info, AX_WIRE_LABEL_SESSION, n);
	ax_store_be32(info + n, node_id);
	ax_store_be16(info + n + 4, version);
	info[n + 6] = dir;
	if (ax_hkdf_sha256(salt, sizeof salt, k_control, AX_WIRE_KEY_LEN, info,
		    sizeof info, out, AX_WIRE_KEY_LEN) != AX_CRYPTO_OK)
		st = AX_WIRE_E_INTERNAL;
out:
	if (st != AX_WIRE_OK)
		ax_wipe(out, AX_WIRE_KEY_LEN);
	return st;
}

/* See ax_wire.h. */
const char *ax_wire_type_name(uint16_t type)
{
	const struct type_info *ti = find_type(type);

	return ti != NULL ? ti->name : NULL;
}

/* See ax_wire.h. */
const char *ax_wire_status_name(ax_wire_status st)
{
	static const char *const names[AX_WIRE_E_COUNT] = {
		[AX_WIRE_OK] = "ok",
		[AX_WIRE_NEED_MORE] = "need more bytes",
		[AX_WIRE_E_TRUNCATED] = "truncated",
		[AX_WIRE_E_TOO_LARGE] = "too large",
		[AX_WIRE_E_TRAILING] = "trailing bytes",
		[AX_WIRE_E_BAD_TYPE] = "unknown type",
		[AX_WIRE_E_BAD_FLAGS] = "bad flags",
		[AX_WIRE_E_BAD_FIELD] = "bad field",
		[AX_WIRE_E_BAD_VERSION] = "no common protocol version",
		[AX_WIRE_E_BAD_AUTH] = "authentication failed",
		[AX_WIRE_E_REPLAY] = "replayed or reordered",
		[AX_WIRE_E_EXHAUSTED] = "sequence numbers exhausted",
		[AX_WIRE_E_SPACE] = "buffer too small",
		[AX_WIRE_E_INTERNAL] = "internal error",
	};

	if ((unsigned)st >= AX_WIRE_E_COUNT || names[st] == NULL)
		return "unknown status";
	return names[st];
}
