/*
 * deploy_session.c - see deploy_session.h. Steps are named after
 * docs/protocol.md ("Receiving", "Handshake").
 */
#include "deploy_session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "deploy_data.h"

#define WANT_ANY 0 /* wait_reply: no particular seq */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void deploy_session_addr(const char *host, uint16_t port, char *out,
			 size_t cap)
{
	if (strchr(host, ':') != NULL)
		snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(out, cap, "%s:%u", host, (unsigned)port);
}

static deploy_status sfail(struct deploy_session *s, char *err,
			   size_t errlen, const char *fmt, ...)
	DEPLOY_PRINTF(4, 5);

/* Fail the session for good, with "node 'x' at addr: message". */
static deploy_status sfail(struct deploy_session *s, char *err,
			   size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	deploy_errf(err, errlen, "node '%s' at %s: %s", s->node, s->addr, msg);
	s->failed = 1;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return DEPLOY_E_FAIL;
}

const char *deploy_session_res_name(uint16_t status)
{
	static char buf[64];

	switch (status) {
	case AX_WIRE_RES_OK: return "OK";
	case AX_WIRE_RES_NO_DEPLOYMENT: return "no such deployment";
	case AX_WIRE_RES_NO_MODULE: return "no such module";
	case AX_WIRE_RES_EXISTS: return "id already in use";
	case AX_WIRE_RES_NO_PLATFORM: return "the node has no such platform";
	case AX_WIRE_RES_PLATFORM: return "the platform failed";
	case AX_WIRE_RES_FULL: return "a node table is full";
	case AX_WIRE_RES_DENIED: return "not permitted";
	case AX_WIRE_RES_UNREACHABLE: return "route address unusable";
	case AX_WIRE_RES_INTERNAL: return "node-internal failure";
	default: break;
	}
	if (status >= 0x0100 && status < 0x0200)
		snprintf(buf, sizeof buf, "module runtime: %s",
			 ax_modmsg_status_name((ax_rt_status)(status & 0xff)));
	else if (status > 0 && status < 0x0100)
		snprintf(buf, sizeof buf, "bad frame: %s",
			 ax_wire_status_name((ax_wire_status)status));
	else
		snprintf(buf, sizeof buf, "status 0x%04x", status);
	return buf;
}

/* ------------------------------------------------------------ transport */

static deploy_status send_all(struct deploy_session *s, const uint8_t *b,
			      size_t len, char *err, size_t errlen)
{
	long long deadline = now_ms() + s->timeout_ms;

	while (len > 0) {
		struct pollfd p = {s->fd, POLLOUT, 0};
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			return sfail(s, err, errlen, "timed out sending");
		n = send(s->fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sfail(s, err, errlen, "send: %s",
				     strerror(errno));
		b += n;
		len -= (size_t)n;
	}
	return DEPLOY_OK;
}

static deploy_status grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *nb;

	if (need <= *cap)
		return DEPLOY_OK;
	nb = realloc(*buf, need);
	if (nb == NULL)
		return DEPLOY_E_FAIL;
	*buf = nb;
	*cap = need;
	return DEPLOY_OK;
}

/* Read at least one more byte within the deadline (-1: EOF/timeout set
 * *why). */
static int read_some(struct deploy_session *s, long long deadline,
		     const char **why)
{
	struct pollfd p = {s->fd, POLLIN, 0};
	long long left = deadline - now_ms();
	ssize_t n;

	if (grow(&s->rbuf, &s->rcap, s->rlen + 65536) != DEPLOY_OK) {
		*why = "out of memory";
		return -1;
	}
	if (left < 0)
		left = 0;
	if (poll(&p, 1, (int)left) <= 0) {
		*why = "timeout";
		return -1;
	}
	do
		n = recv(s->fd, s->rbuf + s->rlen, s->rcap - s->rlen, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		*why = n == 0 ? "the node closed the connection"
			      : strerror(errno);
		return -1;
	}
	s->rlen += (size_t)n;
	return 0;
}

/* A BYE we could not authenticate: show its text anyway (marked). */
static void bye_text(const uint8_t *fr, size_t len, char *out, size_t cap)
{
	struct ax_wire_bye bye;
	size_t body = len >= AX_FRAME_PREFIX_LEN ? len - AX_FRAME_PREFIX_LEN : 0;
	int auth = len > 8 && (fr[7] & AX_FRAME_F_AUTH);

	out[0] = 0;
	if (len < AX_FRAME_PREFIX_LEN || fr[4] != 0 || fr[5] != AX_WIRE_BYE)
		return;
	if (auth && body >= AX_FRAME_TAG_LEN)
		body -= AX_FRAME_TAG_LEN;
	if (ax_wire_decode_bye(fr + AX_FRAME_PREFIX_LEN, body, &bye) !=
	    AX_WIRE_OK)
		return;
	deploy_data_text(bye.text.ptr, bye.text.len, out, cap);
	snprintf(out + strlen(out), cap - strlen(out), " (%s)",
		 deploy_session_res_name(bye.code));
}

/*
 * Receive one frame into s->frame and open it: Receiving steps 1-3.
 * key: NULL before the handshake.
 */
static deploy_status recv_frame(struct deploy_session *s, long long deadline,
				struct ax_frame *f, char *err, size_t errlen)
{
	size_t flen = 0;
	const char *why = NULL;
	ax_wire_status ws;
	int keyed = s->keyed;
	char text[300];

	for (;;) { /* step 1: peek */
		ws = ax_frame_peek(s->rbuf, s->rlen, &flen);
		if (ws == AX_WIRE_OK)
			break;
		if (ws != AX_WIRE_NEED_MORE)
			return sfail(s, err, errlen, "malformed frame: %s",
				     ax_wire_status_name(ws));
		if (read_some(s, deadline, &why) != 0)
			return sfail(s, err, errlen, "%s", why);
	}
	if (grow(&s->frame, &s->frame_cap, flen) != DEPLOY_OK)
		return sfail(s, err, errlen, "out of memory");
	memcpy(s->frame, s->rbuf, flen);
	memmove(s->rbuf, s->rbuf + flen, s->rlen - flen);
	s->rlen -= flen;
	ws = ax_frame_open(s->frame, flen, keyed ? s->k_rx : NULL, f); /* 2 */
	if (ws == AX_WIRE_E_BAD_AUTH) {
		bye_text(s->frame, flen, text, sizeof text);
		return sfail(s, err, errlen,
			     "refused the session: its frame does not verify "
			     "(wrong control key in the keystore?)%s%s",
			     text[0] ? "; it said: " : "", text);
	}
	if (ws != AX_WIRE_OK)
		return sfail(s, err, errlen, "bad frame: %s",
			     ax_wire_status_name(ws));
	if ((f->flags & AX_FRAME_F_AUTH) &&
	    (ws = ax_wire_seq_check(&s->seq_rx, f->seq)) != AX_WIRE_OK) /* 3 */
		return sfail(s, err, errlen, "frame sequence: %s",
			     ax_wire_status_name(ws));
	return DEPLOY_OK;
}

static deploy_status handle_bye(struct deploy_session *s,
				const struct ax_frame *f, char *err,
				size_t errlen)
{
	struct ax_wire_bye bye;
	char text[300] = "";

	if (ax_wire_decode_bye(f->body, f->body_len, &bye) == AX_WIRE_OK)
		deploy_data_text(bye.text.ptr, bye.text.len, text,
				 sizeof text);
	return sfail(s, err, errlen, "the node ended the session: %s%s%s",
		     ax_wire_decode_bye(f->body, f->body_len, &bye) ==
				     AX_WIRE_OK
			     ? deploy_session_res_name(bye.code)
			     : "BYE",
		     text[0] ? ": " : "", text);
}

static void dispatch_event(struct deploy_session *s, const struct ax_frame *f)
{
	struct ax_wire_event ev;

	if (ax_wire_decode_event(f->body, f->body_len, &ev) != AX_WIRE_OK)
		return; /* the node sent junk; not ours to answer */
	if (s->on_event != NULL)
		s->on_event(s->event_ctx, s, &ev);
}

/* Wait for the RESULT (or STATUS) answering seq; EVENTs are dispatched. */
static deploy_status wait_reply(struct deploy_session *s, uint32_t seq,
				uint16_t want, struct ax_frame *f, char *err,
				size_t errlen)
{
	long long deadline = now_ms() + s->timeout_ms;
	struct ax_wire_result r;

	for (;;) {
		if (recv_frame(s, deadline, f, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (f->type == AX_WIRE_BYE)
			return handle_bye(s, f, err, errlen);
		if (f->type == AX_WIRE_EVENT) {
			dispatch_event(s, f);
			continue;
		}
		if (f->type == want && want == AX_WIRE_STATUS)
			return DEPLOY_OK; /* STATUS carries no req_seq */
		if (f->type != AX_WIRE_RESULT ||
		    ax_wire_decode_result(f->body, f->body_len, &r) !=
			    AX_WIRE_OK)
			return sfail(s, err, errlen,
				     "unexpected %s frame",
				     ax_wire_type_name(f->type)
					     ? ax_wire_type_name(f->type)
					     : "unknown");
		if (r.req_seq == seq)
			return DEPLOY_OK;
		if (r.req_seq > seq) /* a node answers in order */
			return sfail(s, err, errlen, "no answer to request %lu "
				     "(answered %lu)", (unsigned long)seq,
				     (unsigned long)r.req_seq);
	}
}

/* Seal body (already encoded at s->tx + prefix) and send it. */
static deploy_status send_frame(struct deploy_session *s, uint16_t type,
				size_t body_len, uint32_t *seq, char *err,
				size_t errlen)
{
	size_t flen;
	int keyed = s->keyed;
	ax_wire_status ws;

	if (s->failed || s->fd < 0)
		return sfail(s, err, errlen, "session is closed");
	ws = ax_wire_seq_next(&s->seq_tx, seq);
	if (ws == AX_WIRE_OK)
		ws = ax_frame_seal(s->tx, s->tx_cap, type,
				   keyed ? AX_FRAME_F_AUTH : 0, *seq, body_len,
				   keyed ? s->k_tx : NULL, &flen);
	if (ws != AX_WIRE_OK)
		return sfail(s, err, errlen, "cannot send %s: %s",
			     ax_wire_type_name(type), ax_wire_status_name(ws));
	return send_all(s, s->tx, flen, err, errlen);
}

/* Room for a body of up to max bytes; the body goes at the return. */
static uint8_t *tx_body(struct deploy_session *s, size_t max, size_t *cap)
{
	if (grow(&s->tx, &s->tx_cap, AX_FRAME_AUTH_OVERHEAD + max) !=
	    DEPLOY_OK)
		return NULL;
	*cap = s->tx_cap - AX_FRAME_AUTH_OVERHEAD;
	return s->tx + AX_FRAME_PREFIX_LEN;
}

/* ------------------------------------------------------------ handshake */

/* connect() bounded by timeout_ms; the socket is blocking again after. */
static int connect_within(int fd, const struct addrinfo *ai, int timeout_ms,
			  const char **why)
{
	int flags = fcntl(fd, F_GETFL), soerr = 0, rc;
	socklen_t sl = sizeof soerr;
	struct pollfd p = {fd, POLLOUT, 0};

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
		*why = strerror(errno);
		return -1;
	}
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc != 0 && errno == EINPROGRESS) {
		rc = poll(&p, 1, timeout_ms);
		if (rc == 0) {
			*why = "connection timed out";
			return -1;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
					 &sl) != 0)
			soerr = errno;
		rc = soerr == 0 ? 0 : -1;
		errno = soerr;
	}
	if (rc != 0) {
		*why = strerror(errno);
		return -1;
	}
	if (fcntl(fd, F_SETFL, flags) != 0) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}

static int tcp_connect(const char *host, uint16_t port, int timeout_ms,
		       const char **why)
{
	struct addrinfo hints = {0}, *res, *ai;
	char portstr[8];
	int fd = -1, rc;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		*why = gai_strerror(rc);
		return -1;
	}
	*why = "no address";
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect_within(fd, ai, timeout_ms, why) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* Handshake step 1 after the TCP connection is up: our HELLO. */
static deploy_status hello_send(struct deploy_session *s, char *err,
				size_t errlen)
{
	struct ax_wire_hello mine = {AX_WIRE_VERSION, AX_WIRE_VERSION_MIN,
				     AX_WIRE_ROLE_DEPLOYER, s->node_id, {0}};
	uint8_t *body;
	size_t cap, len;
	uint32_t seq;

	body = tx_body(s, 64, &cap);
	if (body == NULL || ax_random(mine.nonce, sizeof mine.nonce) !=
				    AX_CRYPTO_OK)
		return sfail(s, err, errlen, "no memory or randomness");
	memcpy(s->nonce, mine.nonce, sizeof s->nonce);
	if (ax_wire_encode_hello(&mine, body, cap, &len) != AX_WIRE_OK ||
	    send_frame(s, AX_WIRE_HELLO, len, &seq, err, errlen) != DEPLOY_OK)
		return s->failed ? DEPLOY_E_FAIL
				 : sfail(s, err, errlen, "HELLO encoding");
	return DEPLOY_OK;
}

/* Handshake steps 2-3: the node's HELLO, version, session keys. */
deploy_status deploy_session_finish(struct deploy_session *s,
				    const uint8_t k_control[static 32],
				    char *err, size_t errlen)
{
	struct ax_wire_hello mine = {AX_WIRE_VERSION, AX_WIRE_VERSION_MIN,
				     AX_WIRE_ROLE_DEPLOYER, s->node_id, {0}};
	struct ax_wire_hello peer;
	struct ax_frame f;
	uint16_t v;

	if (s->failed || s->fd < 0)
		return sfail(s, err, errlen, "session is closed");
	memcpy(mine.nonce, s->nonce, sizeof mine.nonce);
	if (recv_frame(s, now_ms() + s->timeout_ms, &f, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (f.type == AX_WIRE_BYE) {
		struct ax_wire_bye bye;
		char text[300] = "";

		if (ax_wire_decode_bye(f.body, f.body_len, &bye) == AX_WIRE_OK)
			deploy_data_text(bye.text.ptr, bye.text.len, text,
					 sizeof text);
		return sfail(s, err, errlen,
			     "refused the session: %s (wrong node id 0x%08x in "
			     "the keystore?)", text, (unsigned)s->node_id);
	}
	if (f.type != AX_WIRE_HELLO ||
	    ax_wire_decode_hello(f.body, f.body_len, &peer) != AX_WIRE_OK ||
	    peer.role != AX_WIRE_ROLE_NODE)
		return sfail(s, err, errlen, "did not answer with a node HELLO");
	if (peer.node_id != s->node_id)
		return sfail(s, err, errlen,
			     "is node 0x%08x, the keystore expects 0x%08x",
			     (unsigned)peer.node_id, (unsigned)s->node_id);
	if (ax_wire_version_select(&mine, &peer, &v) != AX_WIRE_OK)
		return sfail(s, err, errlen,
			     "no common protocol version (node speaks %u..%u)",
			     peer.min_version, peer.version);
	if (ax_wire_session_key(k_control, mine.nonce, peer.nonce, s->node_id,
				v, AX_WIRE_DIR_TO_NODE, s->k_tx) != AX_WIRE_OK ||
	    ax_wire_session_key(k_control, mine.nonce, peer.nonce, s->node_id,
				v, AX_WIRE_DIR_FROM_NODE, s->k_rx) !=
		    AX_WIRE_OK)
		return sfail(s, err, errlen, "session key derivation failed");
	s->keyed = 1;
	return DEPLOY_OK;
}

deploy_status deploy_session_start(struct deploy_session *s, const char *node,
				   const char *host, uint16_t port,
				   uint32_t node_id, int timeout_ms, char *err,
				   size_t errlen)
{
	const char *why = NULL;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	snprintf(s->node, sizeof s->node, "%s", node);
	deploy_session_addr(host, port, s->addr, sizeof s->addr);
	s->node_id = node_id;
	s->timeout_ms = timeout_ms;
	s->fd = tcp_connect(host, port, timeout_ms, &why);
	if (s->fd < 0)
		return sfail(s, err, errlen, "cannot connect: %s (is authexd "
			     "running?)", why);
	return hello_send(s, err, errlen);
}

deploy_status deploy_session_open(struct deploy_session *s, const char *node,
				  const char *host, uint16_t port,
				  uint32_t node_id,
				  const uint8_t k_control[static 32],
				  int timeout_ms, char *err, size_t errlen)
{
	if (deploy_session_start(s, node, host, port, node_id, timeout_ms, err,
				 errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_finish(s, k_control, err, errlen);
}

void deploy_session_close(struct deploy_session *s)
{
	if (s->fd >= 0 && !s->failed && s->keyed) {
		struct ax_wire_bye bye = {AX_WIRE_RES_OK, {NULL, 0}};
		uint8_t *body;
		size_t cap, len, flen;
		uint32_t seq;

		body = tx_body(s, 16, &cap);
		if (body != NULL &&
		    ax_wire_encode_bye(&bye, body, cap, &len) == AX_WIRE_OK &&
		    ax_wire_seq_next(&s->seq_tx, &seq) == AX_WIRE_OK &&
		    ax_frame_seal(s->tx, s->tx_cap, AX_WIRE_BYE,
				  AX_FRAME_F_AUTH, seq, len, s->k_tx,
				  &flen) == AX_WIRE_OK)
			(void)send(s->fd, s->tx, flen, MSG_NOSIGNAL |
				   MSG_DONTWAIT);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	ax_wipe(s->k_tx, sizeof s->k_tx);
	ax_wipe(s->k_rx, sizeof s->k_rx);
	free(s->rbuf);
	free(s->frame);
	free(s->tx);
	s->rbuf = s->frame = s->tx = NULL;
	s->rcap = s->frame_cap = s->tx_cap = s->rlen = 0;
}

/* ------------------------------------------------------------- requests */

deploy_status deploy_session_collect(struct deploy_session *s, uint32_t seq,
				     uint16_t type, struct ax_wire_result *res,
				     char *err, size_t errlen)
{
	struct ax_wire_result r;
	struct ax_frame f;
	char text[200] = "";

	if (s->failed || s->fd < 0)
		return sfail(s, err, errlen, "session is closed");
	if (wait_reply(s, seq, AX_WIRE_RESULT, &f, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (ax_wire_decode_result(f.body, f.body_len, &r) != AX_WIRE_OK)
		return sfail(s, err, errlen, "malformed RESULT");
	if (res != NULL)
		*res = r;
	if (r.status == AX_WIRE_RES_OK)
		return DEPLOY_OK;
	if (r.data.len > 0 && r.status >= 0x0200)
		deploy_data_text(r.data.ptr, r.data.len, text, sizeof text);
	deploy_errf(err, errlen, "node '%s' at %s: %s refused: %s%s%s",
		    s->node, s->addr, ax_wire_type_name(type),
		    deploy_session_res_name(r.status), text[0] ? ": " : "",
		    text);
	return DEPLOY_E_FAIL;
}

/* Send the body at tx_body(), wait for its RESULT, check the status. */
static deploy_status request(struct deploy_session *s, uint16_t type,
			     size_t len, struct ax_wire_result *res,
			     char *err, size_t errlen)
{
	uint32_t seq;

	if (send_frame(s, type, len, &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect(s, seq, type, res, err, errlen);
}

/* Encode with the codec of `msg` into the session's send buffer. */
#define ENCODE(s, codec, m, max, lenp, err, errlen)                           \
	do {                                                                   \
		size_t cap_;                                                   \
		uint8_t *b_ = tx_body((s), (max), &cap_);                      \
		ax_wire_status ws_;                                            \
		if (b_ == NULL)                                                \
			return sfail((s), (err), (errlen), "out of memory");  \
		ws_ = ax_wire_encode_##codec((m), b_, cap_, (lenp));           \
		if (ws_ != AX_WIRE_OK) {                                       \
			deploy_errf((err), (errlen),                           \
				    "node '%s': cannot encode " #codec ": %s", \
				    (s)->node, ax_wire_status_name(ws_));      \
			return DEPLOY_E_INPUT;                                 \
		}                                                              \
	} while (0)

deploy_status deploy_session_send_load(struct deploy_session *s,
				       const struct ax_wire_load *m,
				       uint32_t *seq, char *err, size_t errlen)
{
	size_t len;

	ENCODE(s, load, m, AX_WIRE_LOAD_BODY_MAX, &len, err, errlen);
	return send_frame(s, AX_WIRE_LOAD_MODULE, len, seq, err, errlen);
}

deploy_status deploy_session_load(struct deploy_session *s,
				  const struct ax_wire_load *m,
				  struct ax_wire_result *res, char *err,
				  size_t errlen)
{
	uint32_t seq;

	if (deploy_session_send_load(s, m, &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect(s, seq, AX_WIRE_LOAD_MODULE, res, err,
				      errlen);
}

deploy_status deploy_session_unload(struct deploy_session *s,
				    const struct ax_wire_unload *m, char *err,
				    size_t errlen)
{
	size_t len;

	ENCODE(s, unload, m, 64, &len, err, errlen);
	return request(s, AX_WIRE_UNLOAD_MODULE, len, NULL, err, errlen);
}

deploy_status deploy_session_send_route(struct deploy_session *s,
					const struct ax_wire_route *m,
					uint32_t *seq, char *err,
					size_t errlen)
{
	size_t len;

	ENCODE(s, route, m, 512, &len, err, errlen);
	return send_frame(s, AX_WIRE_ADD_ROUTE, len, seq, err, errlen);
}

deploy_status deploy_session_route(struct deploy_session *s,
				   const struct ax_wire_route *m, char *err,
				   size_t errlen)
{
	uint32_t seq;

	if (deploy_session_send_route(s, m, &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect(s, seq, AX_WIRE_ADD_ROUTE, NULL, err,
				      errlen);
}

deploy_status deploy_session_send_periodic(struct deploy_session *s,
					   const struct ax_wire_periodic *m,
					   uint32_t *seq, char *err,
					   size_t errlen)
{
	size_t len;

	ENCODE(s, periodic, m, 16 + AX_WIRE_ARG_MAX, &len, err, errlen);
	return send_frame(s, AX_WIRE_PERIODIC, len, seq, err, errlen);
}

deploy_status deploy_session_periodic(struct deploy_session *s,
				      const struct ax_wire_periodic *m,
				      char *err, size_t errlen)
{
	uint32_t seq;

	if (deploy_session_send_periodic(s, m, &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect(s, seq, AX_WIRE_PERIODIC, NULL, err,
				      errlen);
}

deploy_status deploy_session_reset(struct deploy_session *s,
				   uint32_t deployment, char *err,
				   size_t errlen)
{
	struct ax_wire_reset m = {deployment};
	size_t len;

	ENCODE(s, reset, &m, 16, &len, err, errlen);
	return request(s, AX_WIRE_RESET, len, NULL, err, errlen);
}

deploy_status deploy_session_send_module_msg(struct deploy_session *s,
					     uint32_t deployment,
					     uint32_t module,
					     const uint8_t *msg, size_t msg_len,
					     uint32_t *seq, char *err,
					     size_t errlen)
{
	struct ax_wire_module_msg m = {deployment, module, {msg, msg_len}};
	size_t len;

	ENCODE(s, module_msg, &m, 12 + AX_MODULE_MSG_MAX, &len, err, errlen);
	return send_frame(s, AX_WIRE_MODULE_MSG, len, seq, err, errlen);
}

deploy_status deploy_session_module_msg(struct deploy_session *s,
					uint32_t deployment, uint32_t module,
					const uint8_t *msg, size_t msg_len,
					struct ax_wire_result *res, char *err,
					size_t errlen)
{
	uint32_t seq;

	if (deploy_session_send_module_msg(s, deployment, module, msg, msg_len,
					   &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect(s, seq, AX_WIRE_MODULE_MSG, res, err,
				      errlen);
}

deploy_status deploy_session_send_status(struct deploy_session *s,
					 uint32_t deployment, uint32_t *seq,
					 char *err, size_t errlen)
{
	struct ax_wire_status_req m = {deployment};
	size_t len;

	ENCODE(s, status_req, &m, 16, &len, err, errlen);
	return send_frame(s, AX_WIRE_STATUS_REQ, len, seq, err, errlen);
}

deploy_status deploy_session_collect_status(struct deploy_session *s,
					    uint32_t seq,
					    struct ax_wire_status *out,
					    char *err, size_t errlen)
{
	struct ax_wire_result r;
	struct ax_frame f;

	if (s->failed || s->fd < 0)
		return sfail(s, err, errlen, "session is closed");
	if (wait_reply(s, seq, AX_WIRE_STATUS, &f, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (f.type == AX_WIRE_RESULT) {
		if (ax_wire_decode_result(f.body, f.body_len, &r) != AX_WIRE_OK)
			return sfail(s, err, errlen, "malformed RESULT");
		deploy_errf(err, errlen, "node '%s' at %s: STATUS_REQ refused:"
			    " %s", s->node, s->addr,
			    deploy_session_res_name(r.status));
		return DEPLOY_E_FAIL;
	}
	if (ax_wire_decode_status(f.body, f.body_len, out) != AX_WIRE_OK)
		return sfail(s, err, errlen, "malformed STATUS");
	return DEPLOY_OK;
}

deploy_status deploy_session_status(struct deploy_session *s,
				    uint32_t deployment,
				    struct ax_wire_status *out, char *err,
				    size_t errlen)
{
	uint32_t seq;

	if (deploy_session_send_status(s, deployment, &seq, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_session_collect_status(s, seq, out, err, errlen);
}

deploy_status deploy_session_event(struct deploy_session *s,
				   uint32_t deployment, const uint8_t *msg,
				   size_t msg_len, char *err, size_t errlen)
{
	struct ax_wire_event m = {deployment, {msg, msg_len}, 0, 0, 0};
	uint32_t seq;
	size_t len;

	ENCODE(s, event, &m, 8 + AX_MODULE_MSG_MAX, &len, err, errlen);
	return send_frame(s, AX_WIRE_EVENT, len, &seq, err, errlen);
}

deploy_status deploy_session_pump(struct deploy_session *s, int timeout_ms,
				  char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	struct ax_frame f;
	size_t flen;

	for (;;) {
		ax_wire_status ws = ax_frame_peek(s->rbuf, s->rlen, &flen);

		if (ws == AX_WIRE_NEED_MORE) {
			struct pollfd p = {s->fd, POLLIN, 0};
			long long left = deadline - now_ms();

			if (s->fd < 0)
				return sfail(s, err, errlen, "session closed");
			if (poll(&p, 1, left > 0 ? (int)left : 0) <= 0)
				return DEPLOY_OK;
		}
		if (recv_frame(s, deadline, &f, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (f.type == AX_WIRE_BYE)
			return handle_bye(s, &f, err, errlen);
		if (f.type == AX_WIRE_EVENT)
			dispatch_event(s, &f);
	}
}
