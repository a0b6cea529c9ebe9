/*
 * node_session.c - connections: reading frames, the handshake, AUTH and
 * sequence numbers, the permission table, sending. See node.h and
 * docs/protocol.md (Receiving, Handshake); steps are named after it.
 */
#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"
#include "node.h"
#include "node_log.h"

struct wreq {
	uv_write_t req;
	uint8_t *buf;
};

/* ------------------------------------------------------------ closing */

/* Closing order: stop reading; let queued writes (a BYE) reach the kernel
 * (uv_shutdown), but for at most NODE_LINGER_MS; close the socket, then
 * the timer, then free. */
#define NODE_LINGER_MS 2000

static void on_timer_closed(uv_handle_t *h)
{
	struct node_conn *c = h->data;

	node_rx_free(&c->rx);
	ax_wipe(c->k_tx, sizeof(c->k_tx));
	ax_wipe(c->k_rx, sizeof(c->k_rx));
	free(c);
}

static void on_tcp_closed(uv_handle_t *h)
{
	struct node_conn *c = h->data;

	uv_close((uv_handle_t *)&c->hello_timer, on_timer_closed);
}

static void close_tcp(struct node_conn *c)
{
	uv_timer_stop(&c->hello_timer);
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct node_conn *c = req->data;

	(void)status;
	free(req);
	close_tcp(c);
}

static void on_linger(uv_timer_t *t)
{
	close_tcp(t->data);
}

static void unlink_conn(struct node_conn *c)
{
	struct node *n = c->node;

	if (c->prev)
		c->prev->next = c->next;
	else
		n->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
	if (c->link == NULL)
		n->n_sessions--;
}

static void send_bye(struct node_conn *c, uint16_t code, const char *why)
{
	struct ax_wire_bye bye = {code, {(const uint8_t *)why, strlen(why)}};
	uint8_t *buf = node_session_buf(AX_WIRE_BYE_BODY_MAX);
	size_t len;

	if (bye.text.len > AX_WIRE_TEXT_MAX)
		bye.text.len = AX_WIRE_TEXT_MAX;
	if (buf == NULL)
		return;
	if (ax_wire_encode_bye(&bye, buf + AX_FRAME_PREFIX_LEN,
			       AX_WIRE_BYE_BODY_MAX, &len) != AX_WIRE_OK) {
		free(buf);
		return;
	}
	(void)node_session_send(c, AX_WIRE_BYE, buf, len);
}

void node_session_close(struct node_conn *c, uint16_t code, const char *why)
{
	uv_shutdown_t *sh;

	if (c->closing)
		return;
	if (why != NULL)
		send_bye(c, code, why);
	c->closing = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->hello_timer);
	unlink_conn(c);
	node_deployer_forget(c->node, c);
	if (c->link != NULL)
		node_peer_closed(c);
	sh = malloc(sizeof(*sh));
	if (sh != NULL) {
		sh->data = c;
		if (uv_shutdown(sh, (uv_stream_t *)&c->tcp, on_shutdown) == 0) {
			uv_timer_start(&c->hello_timer, on_linger,
				       NODE_LINGER_MS, 0);
			return;
		}
	}
	free(sh);
	close_tcp(c);
}

/* ------------------------------------------------------------ sending */

uint8_t *node_session_buf(size_t body_cap)
{
	return malloc(AX_FRAME_PREFIX_LEN + body_cap + AX_FRAME_TAG_LEN);
}

size_t node_session_backlog(struct node_conn *c)
{
	return c->tcp.write_queue_size;
}

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct node_conn *c = req->data;

	free(w->buf);
	free(w);
	if (status < 0 && status != UV_ECANCELED && !c->closing)
		node_session_close(c, 0, NULL);
}

int node_session_frame(struct node_conn *c, uint16_t type, uint8_t *buf,
		       size_t cap, size_t body_len, size_t *len)
{
	uint32_t seq;

	if (c->closing || ax_wire_seq_next(&c->seq_tx, &seq) != AX_WIRE_OK ||
	    ax_frame_seal(buf, cap, type, c->keyed ? AX_FRAME_F_AUTH : 0, seq,
			  body_len, c->keyed ? c->k_tx : NULL, len) != AX_WIRE_OK)
		return -1;
	return 0;
}

int node_session_write(struct node_conn *c, uint8_t *buf, size_t len)
{
	struct wreq *w = malloc(sizeof(*w));
	uv_buf_t b;

	if (c->closing || w == NULL) {
		free(buf);
		free(w);
		return -1;
	}
	w->buf = buf;
	w->req.data = c;
	b = uv_buf_init((char *)buf, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(buf);
		free(w);
		node_session_close(c, 0, NULL);
		return -1;
	}
	return 0;
}

int node_session_send(struct node_conn *c, uint16_t type, uint8_t *buf,
		   size_t body_len)
{
	size_t cap = AX_FRAME_PREFIX_LEN + body_len + AX_FRAME_TAG_LEN, len;

	if (node_session_frame(c, type, buf, cap, body_len, &len) != 0) {
		free(buf);
		return -1;
	}
	return node_session_write(c, buf, len);
}

void node_session_result(struct node_conn *c, const struct ax_frame *req,
		      uint16_t status, const uint8_t *data, size_t len)
{
	struct ax_wire_result r = {req->seq, req->type, status, {data, len}};
	uint8_t *buf = node_session_buf(AX_WIRE_RESULT_BODY_MAX);
	size_t blen;

	if (buf == NULL || ax_wire_encode_result(&r, buf + AX_FRAME_PREFIX_LEN,
						 AX_WIRE_RESULT_BODY_MAX,
						 &blen) != AX_WIRE_OK) {
		free(buf);
		node_session_close(c, AX_WIRE_RES_INTERNAL, "cannot answer");
		return;
	}
	(void)node_session_send(c, AX_WIRE_RESULT, buf, blen);
}

void node_session_result_text(struct node_conn *c, const struct ax_frame *req,
			   uint16_t status, const char *text)
{
	node_session_result(c, req, status, (const uint8_t *)text, strlen(text));
}

/* ---------------------------------------------------------- handshake */

int node_session_hello(struct node_conn *c, uint8_t role)
{
	struct ax_wire_hello h = {AX_WIRE_VERSION, AX_WIRE_VERSION_MIN, role,
				  c->node->cfg.node_id, {0}};
	uint8_t *buf = node_session_buf(AX_WIRE_HELLO_LEN);
	size_t len;

	memcpy(h.nonce, c->nonce, sizeof(h.nonce));
	if (buf == NULL || ax_wire_encode_hello(&h, buf + AX_FRAME_PREFIX_LEN,
						AX_WIRE_HELLO_LEN, &len) !=
				   AX_WIRE_OK) {
		free(buf);
		return -1;
	}
	return node_session_send(c, AX_WIRE_HELLO, buf, len);
}

static void reject(struct node_conn *c, uint16_t code, const char *what)
{
	c->node->frames_rejected++;
	node_log(NODE_LOG_WARN, "reject conn=%u peer=%s state=%s: %s", c->id,
		 c->peer, node_perm_state_name(c->state), what);
	node_session_close(c, code, what);
}

/* Deployer session: derive K_session per direction (protocol.md,
 * Handshake step 3); keys are the connection's, wiped when it closes. */
static int derive(struct node_conn *c, const struct ax_wire_hello *h,
		  uint16_t v)
{
	const struct node_config *cfg = &c->node->cfg;

	if (ax_wire_session_key(cfg->control_key, h->nonce, c->nonce,
				cfg->node_id, v, AX_WIRE_DIR_TO_NODE,
				c->k_rx) != AX_WIRE_OK ||
	    ax_wire_session_key(cfg->control_key, h->nonce, c->nonce,
				cfg->node_id, v, AX_WIRE_DIR_FROM_NODE,
				c->k_tx) != AX_WIRE_OK)
		return -1;
	return 0;
}

/* Check an accepted connection's HELLO (steps hello, select version,
 * derive); returns NULL or why it is refused, with *code for the BYE. */
static const char *hello_check(struct node_conn *c,
			       const struct ax_wire_hello *h, uint16_t *v,
			       uint16_t *code)
{
	struct ax_wire_hello mine = {AX_WIRE_VERSION, AX_WIRE_VERSION_MIN,
				     AX_WIRE_ROLE_NODE, 0, {0}};

	*code = AX_WIRE_RES_DENIED;
	if (h->role != AX_WIRE_ROLE_DEPLOYER && h->role != AX_WIRE_ROLE_PEER)
		return "HELLO role not permitted";
	/* A peer cannot know our id (routes carry addresses): only a
	 * deployer's expected id is checked (docs/node.md §2). */
	if (h->role == AX_WIRE_ROLE_DEPLOYER &&
	    h->node_id != c->node->cfg.node_id)
		return "wrong node id";
	*code = AX_WIRE_RES_WIRE(AX_WIRE_E_BAD_VERSION);
	if (ax_wire_version_select(&mine, h, v) != AX_WIRE_OK)
		return "no common protocol version";
	*code = AX_WIRE_RES_INTERNAL;
	if (ax_random(c->nonce, sizeof(c->nonce)) != AX_CRYPTO_OK ||
	    (h->role == AX_WIRE_ROLE_DEPLOYER && derive(c, h, *v) != 0))
		return "crypto failure";
	return NULL;
}

static void on_hello(struct node_conn *c, const struct ax_frame *fr)
{
	struct ax_wire_hello h;
	ax_wire_status st = ax_wire_decode_hello(fr->body, fr->body_len, &h);
	const char *why;
	uint16_t v = 0, code;

	if (st != AX_WIRE_OK) {
		reject(c, AX_WIRE_RES_WIRE(st), "bad HELLO");
		return;
	}
	if (c->link != NULL) {
		node_peer_hello(c, &h);
		return;
	}
	why = hello_check(c, &h, &v, &code);
	if (why != NULL) {
		reject(c, code, why);
		return;
	}
	if (node_session_hello(c, AX_WIRE_ROLE_NODE) != 0)
		return;
	uv_timer_stop(&c->hello_timer);
	c->seq_rx = 1; /* the HELLO was the peer's seq 1 */
	c->keyed = h.role == AX_WIRE_ROLE_DEPLOYER;
	c->state = c->keyed ? NODE_SS_DEPLOYER : NODE_SS_PEER;
	node_log(NODE_LOG_INFO, "session conn=%u peer=%s role=%s version=%u",
		 c->id, c->peer, c->keyed ? "deployer" : "peer", (unsigned)v);
}

/* ---------------------------------------------------------- receiving */

static void on_bye(struct node_conn *c, const struct ax_frame *fr)
{
	struct ax_wire_bye b;
	char text[AX_WIRE_TEXT_MAX + 1] = "";
	unsigned code = 0;

	if (ax_wire_decode_bye(fr->body, fr->body_len, &b) == AX_WIRE_OK) {
		node_log_clean(text, sizeof(text), b.text.ptr, b.text.len);
		code = b.code;
	}
	node_log(NODE_LOG_INFO, "bye conn=%u peer=%s code=0x%04x text=\"%s\"",
		 c->id, c->peer, code, text);
	node_session_close(c, 0, NULL);
}

/* One whole frame: open, permission table, seq, then its handler. */
static int on_frame(void *ctx, const uint8_t *buf, size_t len)
{
	struct node_conn *c = ctx;
	struct ax_frame fr;
	ax_wire_status st;
	char why[96];

	if (c->closing)
		return 1;
	st = ax_frame_open(buf, len, c->keyed ? c->k_rx : NULL, &fr);
	if (st != AX_WIRE_OK) {
		snprintf(why, sizeof(why), "frame refused: %s",
			 ax_wire_status_name(st));
		reject(c, AX_WIRE_RES_WIRE(st), why);
		return 1;
	}
	switch (node_perm_check(c->state, fr.type)) {
	case NODE_PERM_OK:
		break;
	case NODE_PERM_UNKNOWN:
	case NODE_PERM_DENIED:
	default:
		snprintf(why, sizeof(why), "frame type 0x%04x not permitted "
			 "in state %s", fr.type, node_perm_state_name(c->state));
		reject(c, AX_WIRE_RES_DENIED, why);
		return 1;
	}
	if ((fr.flags & AX_FRAME_F_AUTH) &&
	    (st = ax_wire_seq_check(&c->seq_rx, fr.seq)) != AX_WIRE_OK) {
		reject(c, AX_WIRE_RES_WIRE(st), "sequence number refused");
		return 1;
	}
	switch (fr.type) {
	case AX_WIRE_HELLO:
		on_hello(c, &fr);
		break;
	case AX_WIRE_BYE:
		on_bye(c, &fr);
		break;
	case AX_WIRE_EVENT:
		node_event_frame(c, &fr);
		break;
	case AX_WIRE_STATUS_REQ:
		node_status_frame(c, &fr);
		break;
	default: /* the permission table let only control frames through */
		node_control_frame(c, &fr);
		break;
	}
	return c->closing;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char buf[64 * 1024]; /* one thread; consumed in on_read */

	(void)h;
	(void)hint;
	*b = uv_buf_init(buf, sizeof(buf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct node_conn *c = s->data;
	ax_wire_status st;
	char why[64];

	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			node_log(NODE_LOG_DEBUG, "conn=%u read: %s", c->id,
				 uv_strerror((int)nread));
		node_session_close(c, 0, NULL);
		return;
	}
	st = node_rx_feed(&c->rx, (const uint8_t *)b->base, (size_t)nread,
			  on_frame, c);
	if (st != AX_WIRE_OK && !c->closing) {
		snprintf(why, sizeof(why), "stream refused: %s",
			 ax_wire_status_name(st));
		reject(c, AX_WIRE_RES_WIRE(st), why);
	}
}

static void on_hello_timeout(uv_timer_t *t)
{
	struct node_conn *c = t->data;

	reject(c, AX_WIRE_RES_DENIED, "no HELLO in time");
}

/* ------------------------------------------------------- connections */

struct node_conn *node_session_new(struct node *n, struct node_link *link)
{
	struct node_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->node = n;
	c->link = link;
	c->id = ++n->next_conn_id;
	c->state = link ? NODE_SS_LINK_HELLO : NODE_SS_HELLO;
	uv_tcp_init(n->loop, &c->tcp);
	uv_timer_init(n->loop, &c->hello_timer);
	c->tcp.data = c;
	c->hello_timer.data = c;
	c->next = n->conns;
	if (n->conns)
		n->conns->prev = c;
	n->conns = c;
	if (link == NULL)
		n->n_sessions++;
	snprintf(c->peer, sizeof(c->peer), "?");
	return c;
}

int node_session_start(struct node_conn *c)
{
	uv_tcp_nodelay(&c->tcp, 1);
	uv_timer_start(&c->hello_timer, on_hello_timeout, NODE_HELLO_TIMEOUT_MS,
		       0);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
		node_session_close(c, 0, NULL);
		return -1;
	}
	return 0;
}

static void peer_name(struct node_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char host[48] = "?";
	unsigned port = 0;

	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		uv_ip4_name(s4, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		uv_ip6_name(s6, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
}

void node_session_accept(struct node *n)
{
	struct node_conn *c;

	if (n->stopping)
		return;
	c = node_session_new(n, NULL);
	if (c == NULL)
		return;
	if (uv_accept((uv_stream_t *)&n->listener, (uv_stream_t *)&c->tcp) != 0) {
		node_session_close(c, 0, NULL);
		return;
	}
	peer_name(c);
	if (n->n_sessions > NODE_MAX_SESSIONS) {
		n->sessions_refused++;
		node_log(NODE_LOG_WARN, "refuse conn=%u peer=%s: %d sessions "
			 "open (limit)", c->id, c->peer, NODE_MAX_SESSIONS);
		node_session_close(c, AX_WIRE_RES_FULL, "too many sessions");
		return;
	}
	node_log(NODE_LOG_DEBUG, "accept conn=%u peer=%s", c->id, c->peer);
	(void)node_session_start(c);
}
