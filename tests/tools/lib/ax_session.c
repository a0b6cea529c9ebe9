/*
 * ax_session.c - the blocking tool session of ax_session.h.
 */
#include "ax_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ax_crypto.h"

int ax_session_dial(int port, int nodelay)
{
	struct sockaddr_in sa;
	struct timeval tv = {AX_SESSION_TIMEOUT_S, 0};
	int one = 1, fd;

	if (port < 1 || port > 65535)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    (nodelay && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one)) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

int ax_session_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ax_session_read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

ax_session_status ax_session_init(struct ax_session *s, int fd,
				  uint8_t *buf, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (fd < 0 || buf == NULL || cap < AX_SESSION_BUF_MIN)
		return AX_SESSION_E_ARG;
	s->fd = fd;
	s->buf = buf;
	s->cap = cap;
	return AX_SESSION_OK;
}

uint8_t *ax_session_body(const struct ax_session *s)
{
	return s->buf != NULL ? s->buf + AX_FRAME_PREFIX_LEN : NULL;
}

size_t ax_session_body_cap(const struct ax_session *s)
{
	if (s->buf == NULL || s->cap < AX_FRAME_AUTH_OVERHEAD)
		return 0;
	return s->cap - AX_FRAME_AUTH_OVERHEAD;
}

ax_session_status ax_session_send(struct ax_session *s, uint16_t type,
				  size_t body_len)
{
	uint32_t seq;
	size_t len;

	s->wire = AX_WIRE_OK;
	if (s->fd < 0)
		return AX_SESSION_E_ARG;
	s->wire = ax_wire_seq_next(&s->seq_tx, &seq);
	if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_SEND;
	s->wire = ax_frame_seal(s->buf, s->cap, type,
				s->keyed ? AX_FRAME_F_AUTH : 0, seq, body_len,
				s->keyed ? s->k_tx : NULL, &len);
	if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_SEND;
	if (ax_session_write_all(s->fd, s->buf, len) != 0)
		return AX_SESSION_E_WRITE;
	return AX_SESSION_OK;
}

/* The rest of the frame whose prefix is in the buffer; *flen its size. */
static ax_session_status read_rest(struct ax_session *s, size_t *flen)
{
	s->wire = ax_frame_peek(s->buf, AX_FRAME_PREFIX_LEN, flen);
	if (s->wire == AX_WIRE_NEED_MORE)
		s->wire = AX_WIRE_OK;
	else if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_FRAME;
	if (*flen < AX_FRAME_PREFIX_LEN || *flen > s->cap) {
		s->wire = AX_WIRE_E_SPACE;
		return AX_SESSION_E_FRAME;
	}
	if (ax_session_read_all(s->fd, s->buf + AX_FRAME_PREFIX_LEN,
				*flen - AX_FRAME_PREFIX_LEN) != 0)
		return AX_SESSION_E_CLOSED;
	return AX_SESSION_OK;
}

ax_session_status ax_session_recv(struct ax_session *s, struct ax_frame *fr)
{
	ax_session_status st;
	size_t flen = 0;

	s->wire = AX_WIRE_OK;
	if (s->fd < 0)
		return AX_SESSION_E_ARG;
	if (ax_session_read_all(s->fd, s->buf, AX_FRAME_PREFIX_LEN) != 0)
		return AX_SESSION_E_CLOSED;
	st = read_rest(s, &flen);
	if (st != AX_SESSION_OK)
		return st;
	s->wire = ax_frame_open(s->buf, flen, s->keyed ? s->k_rx : NULL, fr);
	if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_FRAME;
	s->last_type = fr->type;
	if (fr->flags & AX_FRAME_F_AUTH) {
		s->wire = ax_wire_seq_check(&s->seq_rx, fr->seq);
		if (s->wire != AX_WIRE_OK)
			return AX_SESSION_E_SEQ;
	}
	return AX_SESSION_OK;
}

ax_session_status ax_session_hello(struct ax_session *s, uint8_t role,
				   uint32_t node_id,
				   struct ax_wire_hello *mine)
{
	size_t len;

	if (s->fd < 0)
		return AX_SESSION_E_ARG;
	mine->version = AX_WIRE_VERSION;
	mine->min_version = AX_WIRE_VERSION_MIN;
	mine->role = role;
	mine->node_id = node_id;
	if (ax_random(mine->nonce, sizeof(mine->nonce)) != AX_CRYPTO_OK)
		return AX_SESSION_E_CRYPTO;
	s->wire = ax_wire_encode_hello(mine, ax_session_body(s),
				       ax_session_body_cap(s), &len);
	if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_SEND;
	return ax_session_send(s, AX_WIRE_HELLO, len);
}

/* The node's answer to *mine: a HELLO of role NODE from mine->node_id,
 * with a version both speak (*version). */
static ax_session_status hello_answer(struct ax_session *s,
				      const struct ax_wire_hello *mine,
				      struct ax_wire_hello *node,
				      uint16_t *version)
{
	struct ax_frame fr;
	ax_session_status st = ax_session_recv(s, &fr);

	if (st != AX_SESSION_OK)
		return st;
	if (fr.type != AX_WIRE_HELLO)
		return AX_SESSION_E_HELLO;
	s->wire = ax_wire_decode_hello(fr.body, fr.body_len, node);
	if (s->wire != AX_WIRE_OK || node->role != AX_WIRE_ROLE_NODE ||
	    node->node_id != mine->node_id)
		return AX_SESSION_E_HELLO;
	s->wire = ax_wire_version_select(mine, node, version);
	if (s->wire != AX_WIRE_OK)
		return AX_SESSION_E_VERSION;
	return AX_SESSION_OK;
}

/* Both directions' keys of a deployer session (ax_wire_session_key). */
static ax_session_status derive_keys(struct ax_session *s, const uint8_t *key,
				     const struct ax_wire_hello *mine,
				     const struct ax_wire_hello *node,
				     uint16_t version)
{
	if (ax_wire_session_key(key, mine->nonce, node->nonce, mine->node_id,
				version, AX_WIRE_DIR_TO_NODE, s->k_tx) !=
		    AX_WIRE_OK ||
	    ax_wire_session_key(key, mine->nonce, node->nonce, mine->node_id,
				version, AX_WIRE_DIR_FROM_NODE, s->k_rx) !=
		    AX_WIRE_OK) {
		ax_wipe(s->k_tx, sizeof(s->k_tx));
		ax_wipe(s->k_rx, sizeof(s->k_rx));
		return AX_SESSION_E_CRYPTO;
	}
	s->keyed = 1;
	return AX_SESSION_OK;
}

ax_session_status ax_session_handshake(struct ax_session *s, uint8_t role,
				       uint32_t node_id, const uint8_t *key,
				       size_t key_len)
{
	struct ax_wire_hello mine, node;
	ax_session_status st;
	uint16_t version;

	if (role == AX_WIRE_ROLE_DEPLOYER &&
	    (key == NULL || key_len != AX_WIRE_KEY_LEN))
		return AX_SESSION_E_ARG;
	st = ax_session_hello(s, role, node_id, &mine);
	if (st == AX_SESSION_OK)
		st = hello_answer(s, &mine, &node, &version);
	if (st != AX_SESSION_OK)
		return st;
	s->seq_rx = 1; /* the node's HELLO had seq 1, unauthenticated */
	if (role != AX_WIRE_ROLE_DEPLOYER)
		return AX_SESSION_OK;
	return derive_keys(s, key, &mine, &node, version);
}

ax_session_status ax_session_next(struct ax_session *s, struct ax_frame *fr,
				  ax_session_event_fn *on_event, void *ctx)
{
	for (;;) {
		ax_session_status st = ax_session_recv(s, fr);

		if (st != AX_SESSION_OK || fr->type != AX_WIRE_EVENT)
			return st;
		if (on_event != NULL)
			on_event(fr, ctx);
	}
}

ax_session_status ax_session_request(struct ax_session *s, uint16_t type,
				     size_t body_len,
				     ax_session_event_fn *on_event, void *ctx,
				     struct ax_wire_result *r)
{
	uint32_t seq = s->seq_tx + 1;
	ax_session_status st = ax_session_send(s, type, body_len);
	struct ax_frame fr;

	if (st == AX_SESSION_OK)
		st = ax_session_next(s, &fr, on_event, ctx);
	if (st != AX_SESSION_OK)
		return st;
	if (fr.type != AX_WIRE_RESULT)
		return AX_SESSION_E_UNEXPECTED;
	s->wire = ax_wire_decode_result(fr.body, fr.body_len, r);
	if (s->wire != AX_WIRE_OK || r->req_seq != seq || r->req_type != type)
		return AX_SESSION_E_RESULT;
	return AX_SESSION_OK;
}

ax_session_status ax_session_bye(struct ax_session *s)
{
	struct ax_wire_bye b = {AX_WIRE_RES_OK, {(const uint8_t *)"done", 4}};
	ax_session_status st = AX_SESSION_E_ARG;
	size_t len;

	if (s->fd >= 0) {
		s->wire = ax_wire_encode_bye(&b, ax_session_body(s),
					     ax_session_body_cap(s), &len);
		st = AX_SESSION_E_SEND;
		if (s->wire == AX_WIRE_OK)
			st = ax_session_send(s, AX_WIRE_BYE, len);
	}
	ax_session_close(s);
	return st;
}

void ax_session_close(struct ax_session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->keyed = 0;
	ax_wipe(s->k_tx, sizeof(s->k_tx));
	ax_wipe(s->k_rx, sizeof(s->k_rx));
	s->buf = NULL;
	s->cap = 0;
}

const char *ax_session_status_name(ax_session_status st)
{
	static const char *const names[AX_SESSION_E_COUNT] = {
		[AX_SESSION_OK] = "ok",
		[AX_SESSION_E_ARG] = "bad argument",
		[AX_SESSION_E_CLOSED] = "node closed or timed out",
		[AX_SESSION_E_WRITE] = "write failed",
		[AX_SESSION_E_SEND] = "frame not sent",
		[AX_SESSION_E_FRAME] = "frame from the node refused",
		[AX_SESSION_E_SEQ] = "node seq not increasing",
		[AX_SESSION_E_HELLO] = "no or bad HELLO answer",
		[AX_SESSION_E_VERSION] = "no common protocol version",
		[AX_SESSION_E_CRYPTO] = "random bytes or session keys failed",
		[AX_SESSION_E_UNEXPECTED] = "unexpected frame type",
		[AX_SESSION_E_RESULT] = "RESULT does not echo the request",
	};

	if ((unsigned)st >= AX_SESSION_E_COUNT || names[st] == NULL)
		return "unknown status";
	return names[st];
}

const char *ax_session_describe(const struct ax_session *s,
				ax_session_status st, char *out, size_t cap)
{
	const char *name = ax_session_status_name(st);

	if (cap == 0)
		return "";
	if (st != AX_SESSION_OK && s->wire != AX_WIRE_OK)
		snprintf(out, cap, "%s: %s", name,
			 ax_wire_status_name(s->wire));
	else if (st == AX_SESSION_E_UNEXPECTED ||
		 (st == AX_SESSION_E_HELLO && s->last_type != AX_WIRE_HELLO))
		snprintf(out, cap, "%s: got type 0x%04x", name, s->last_type);
	else
		snprintf(out, cap, "%s", name);
	return out;
}
