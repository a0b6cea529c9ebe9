/*
 * node_peer.c - long-lived links to other nodes (docs/node.md §3, Peer
 * links): one TCP connection per remote address, opened on first use,
 * HELLO with role PEER, EVENT frames only. While a link is down its frames
 * wait in a bounded queue (drops counted); it reconnects with exponential
 * backoff from NODE_BACKOFF_MIN_MS doubling to NODE_BACKOFF_MAX_MS.
 */
#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"
#include "node.h"
#include "node_log.h"

int node_peer_init(struct node *n)
{
	n->links = calloc(NODE_MAX_LINKS, sizeof(*n->links));
	if (n->links == NULL)
		return -1;
	for (size_t i = 0; i < NODE_MAX_LINKS; i++) {
		struct node_link *l = &n->links[i];
		l->node = n;
		l->backoff_ms = NODE_BACKOFF_MIN_MS;
		uv_timer_init(n->loop, &l->timer);
		l->timer.data = l;
	}
	return 0;
}

static struct node_link *find_or_add(struct node *n, const char *addr)
{
	struct node_link *free_slot = NULL;

	for (size_t i = 0; i < NODE_MAX_LINKS; i++) {
		struct node_link *l = &n->links[i];
		if (l->in_use && strcmp(l->addr, addr) == 0)
			return l;
		if (!l->in_use && free_slot == NULL)
			free_slot = l;
	}
	if (free_slot == NULL || strlen(addr) > AX_WIRE_ADDR_MAX ||
	    node_routes_addr_parse(addr, strlen(addr), &free_slot->sa,
			    sizeof(free_slot->sa)) != 0)
		return NULL;
	free_slot->in_use = true;
	free_slot->st = NODE_LINK_IDLE;
	strcpy(free_slot->addr, addr);
	return free_slot;
}

/* Frame up to NODE_FLUSH_BATCH queued messages into one buffer and write
 * it: one write for many small events. Returns 0, or -1 when the batch
 * could not be written (its messages are counted as dropped). */
static int flush_batch(struct node_link *l)
{
	size_t n = l->q_count < NODE_FLUSH_BATCH ? l->q_count : NODE_FLUSH_BATCH;
	size_t cap = 0, off = 0, done = 0;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++)
		cap += AX_FRAME_PREFIX_LEN + 8 +
		       l->q[(l->q_head + i) % NODE_LINK_QUEUE_MAX]->len +
		       AX_FRAME_TAG_LEN;
	buf = malloc(cap);
	for (size_t i = 0; i < n; i++) {
		struct node_msg *q = l->q[l->q_head];
		struct ax_wire_event ev = {q->dep, {q->msg, q->len}, 0, 0, 0};
		size_t blen, flen;

		l->q_head = (l->q_head + 1) % NODE_LINK_QUEUE_MAX;
		l->q_count--;
		if (buf != NULL &&
		    ax_wire_encode_event(&ev, buf + off + AX_FRAME_PREFIX_LEN,
					 cap - off - AX_FRAME_PREFIX_LEN,
					 &blen) == AX_WIRE_OK &&
		    node_session_frame(l->conn, AX_WIRE_EVENT, buf + off,
				       cap - off, blen, &flen) == 0) {
			off += flen;
			done++;
		} else {
			l->dropped++;
		}
		free(q);
	}
	if (done == 0) {
		free(buf);
		return 0;
	}
	if (node_session_write(l->conn, buf, off) != 0) {
		l->dropped += done;
		return -1;
	}
	l->sent += done;
	return 0;
}

/* Send queued frames while the connection keeps up. */
static void flush(struct node_link *l)
{
	while (l->q_count > 0 && l->conn != NULL && l->st == NODE_LINK_UP &&
	       node_session_backlog(l->conn) < NODE_WRITE_BACKLOG_MAX)
		if (flush_batch(l) != 0)
			return;
}

void node_peer_flush(struct node *n)
{
	if (n->links == NULL)
		return;
	for (size_t i = 0; i < NODE_MAX_LINKS; i++)
		if (n->links[i].in_use && n->links[i].q_count > 0)
			flush(&n->links[i]);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct node_conn *c = req->data;
	struct node_link *l = c->link;

	if (c->closing)
		return;
	if (status < 0) {
		node_log(NODE_LOG_DEBUG, "link addr=%s connect: %s", l->addr,
			 uv_strerror(status));
		node_session_close(c, 0, NULL);
		return;
	}
	snprintf(c->peer, sizeof(c->peer), "%s", l->addr);
	l->st = NODE_LINK_HELLO;
	if (ax_random(c->nonce, sizeof(c->nonce)) != AX_CRYPTO_OK ||
	    node_session_start(c) != 0 ||
	    node_session_hello(c, AX_WIRE_ROLE_PEER) != 0)
		node_session_close(c, 0, NULL);
}

static void connect_link(struct node_link *l)
{
	struct node_conn *c = node_session_new(l->node, l);

	if (c == NULL) {
		l->st = NODE_LINK_IDLE;
		return;
	}
	l->conn = c;
	l->st = NODE_LINK_CONNECTING;
	l->connects++;
	l->connect_req.data = c;
	if (uv_tcp_connect(&l->connect_req, &c->tcp,
			   (const struct sockaddr *)&l->sa, on_connect) != 0)
		node_session_close(c, 0, NULL);
}

int node_peer_send(struct node *n, const char *addr, uint32_t dep,
		   const uint8_t *msg, size_t len)
{
	struct node_link *l = find_or_add(n, addr);
	struct node_msg *q;

	if (l == NULL)
		return -1;
	if (l->q_count == NODE_LINK_QUEUE_MAX ||
	    (q = malloc(sizeof(*q) + len)) == NULL) {
		l->dropped++;
		return -1;
	}
	q->dep = dep;
	q->from = 0;
	q->len = len;
	memcpy(q->msg, msg, len);
	l->q[(l->q_head + l->q_count) % NODE_LINK_QUEUE_MAX] = q;
	l->q_count++;
	if (l->st == NODE_LINK_IDLE && !n->stopping)
		connect_link(l);
	return 0;
}

void node_peer_hello(struct node_conn *c, const struct ax_wire_hello *h)
{
	struct ax_wire_hello mine = {AX_WIRE_VERSION, AX_WIRE_VERSION_MIN,
				     AX_WIRE_ROLE_PEER, 0, {0}};
	struct node_link *l = c->link;
	uint16_t v;

	if (h->role != AX_WIRE_ROLE_NODE) {
		node_session_close(c, AX_WIRE_RES_DENIED, "expected role NODE");
		return;
	}
	if (ax_wire_version_select(&mine, h, &v) != AX_WIRE_OK) {
		node_session_close(c, AX_WIRE_RES_WIRE(AX_WIRE_E_BAD_VERSION),
				"no common protocol version");
		return;
	}
	uv_timer_stop(&c->hello_timer);
	c->state = NODE_SS_LINK_UP;
	l->st = NODE_LINK_UP;
	l->backoff_ms = NODE_BACKOFF_MIN_MS;
	node_log(NODE_LOG_INFO, "link addr=%s node_id=0x%08x up (queued=%zu)",
		 l->addr, h->node_id, l->q_count);
	flush(l);
}

static void on_backoff(uv_timer_t *t)
{
	struct node_link *l = t->data;

	l->st = NODE_LINK_IDLE;
	if (l->q_count > 0 && !l->node->stopping)
		connect_link(l);
}

void node_peer_closed(struct node_conn *c)
{
	struct node_link *l = c->link;

	l->conn = NULL;
	if (l->node->stopping) {
		l->st = NODE_LINK_IDLE;
		return;
	}
	node_log(l->st == NODE_LINK_UP ? NODE_LOG_INFO : NODE_LOG_DEBUG,
		 "link addr=%s down, retry in %u ms (queued=%zu)", l->addr,
		 l->backoff_ms, l->q_count);
	l->st = NODE_LINK_BACKOFF;
	uv_timer_start(&l->timer, on_backoff, l->backoff_ms, 0);
	l->backoff_ms *= 2;
	if (l->backoff_ms > NODE_BACKOFF_MAX_MS)
		l->backoff_ms = NODE_BACKOFF_MAX_MS;
}

void node_peer_close_all(struct node *n)
{
	if (n->links == NULL)
		return;
	for (size_t i = 0; i < NODE_MAX_LINKS; i++) {
		struct node_link *l = &n->links[i];
		uv_timer_stop(&l->timer);
		uv_close((uv_handle_t *)&l->timer, NULL);
		while (l->q_count > 0) {
			free(l->q[l->q_head]);
			l->q_head = (l->q_head + 1) % NODE_LINK_QUEUE_MAX;
			l->q_count--;
		}
	}
}
