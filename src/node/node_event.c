/*
 * node_event.c - sealed messages: what modules emit (queued, then routed
 * after the emitting call has returned: never re-entrant), and EVENT
 * frames from deployers and peers. The routing rule itself is
 * node_routes_decide (node_routes.c); this file carries it out and counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_modmsg.h"
#include "node.h"
#include "node_log.h"

/* "sensor", "deployer", "module 7", for event log lines. */
static const char *who(struct node *n, uint32_t dep, uint32_t id,
		       char *buf, size_t cap)
{
	struct node_module *m;

	if (id == AX_WIRE_DEPLOYER)
		return "deployer";
	m = node_modules_find(&n->mods, dep, id);
	if (m != NULL)
		return m->name;
	snprintf(buf, cap, "module%u", id);
	return buf;
}

static void log_event(struct node *n, uint32_t dep, uint32_t conn,
		      const struct node_decision *d, const char *outcome)
{
	char a[24], b[24];
	const struct node_route *r = d->route;
	uint32_t from, to;

	if (!node_log_on(node_log_events() ? NODE_LOG_INFO : NODE_LOG_DEBUG))
		return;
	if (r == NULL) {
		node_log(NODE_LOG_INFO, "event dep=%u conn=%u %s", dep, conn,
			 outcome);
		return;
	}
	from = d->target == r->dst ? r->src : r->dst;
	to = d->target;
	node_log(NODE_LOG_INFO, "event dep=%u conn=%u %s->%s %s", dep, conn,
		 who(n, dep, from, a, sizeof(a)), who(n, dep, to, b, sizeof(b)),
		 outcome);
}

static void drop(struct node *n, uint32_t dep, uint32_t conn,
		 const struct node_decision *d, const char *why)
{
	n->events_dropped++;
	if (d->route != NULL)
		d->route->dropped++;
	log_event(n, dep, conn, d, why);
}

static void deliver(struct node *n, uint32_t dep, uint32_t conn,
		    const struct node_decision *d, const uint8_t *msg,
		    size_t len)
{
	static uint8_t out[AX_WIRE_RESULT_MAX];
	char why[48];
	size_t out_len;
	int st = node_control_call(n, d->module, msg, len, out, sizeof(out),
				  &out_len);

	if (st == AX_OK) {
		n->events_routed++;
		d->route->delivered++;
		log_event(n, dep, conn, d, "delivered");
		return;
	}
	d->route->refused++;
	snprintf(why, sizeof(why), "refused (%s)",
		 ax_modmsg_status_name((ax_rt_status)st));
	log_event(n, dep, conn, d, why);
}

static void to_deployer(struct node *n, uint32_t dep, uint32_t conn,
			const struct node_decision *d, const uint8_t *msg,
			size_t len)
{
	struct node_conn *c = node_deployer_of(n, dep);
	struct ax_wire_event ev = {dep, {msg, len}, 0, 0, 0};
	uint8_t *buf;
	size_t blen;

	if (c == NULL) {
		drop(n, dep, conn, d, "dropped (no deployer connected)");
		return;
	}
	if (node_session_backlog(c) > NODE_WRITE_BACKLOG_MAX) {
		drop(n, dep, conn, d, "dropped (deployer not reading)");
		return;
	}
	buf = node_session_buf(AX_WIRE_EVENT_BODY_MAX);
	if (buf == NULL || ax_wire_encode_event(&ev, buf + AX_FRAME_PREFIX_LEN,
						AX_WIRE_EVENT_BODY_MAX, &blen) !=
				   AX_WIRE_OK) {
		free(buf);
		drop(n, dep, conn, d, "dropped (cannot frame)");
		return;
	}
	if (node_session_send(c, AX_WIRE_EVENT, buf, blen) != 0) {
		drop(n, dep, conn, d, "dropped (deployer gone)");
		return;
	}
	n->events_routed++;
	d->route->forwarded++;
	log_event(n, dep, conn, d, "forwarded");
}

/* Route one message a local module emitted. */
static void route_emitted(struct node *n, const struct node_msg *q)
{
	struct node_decision d;
	uint32_t conn = ax_load_be32(q->msg + 1);

	node_routes_decide(&n->routes, &n->mods, q->dep, conn, q->msg[0], true,
			  &d);
	switch (d.act) {
	case NODE_ACT_LOCAL:
		deliver(n, q->dep, conn, &d, q->msg, q->len);
		return;
	case NODE_ACT_DEPLOYER:
		to_deployer(n, q->dep, conn, &d, q->msg, q->len);
		return;
	case NODE_ACT_PEER:
		if (node_peer_send(n, d.route->addr, q->dep, q->msg, q->len) != 0) {
			drop(n, q->dep, conn, &d,
				    "dropped (peer queue full)");
			return;
		}
		n->events_routed++;
		d.route->forwarded++;
		log_event(n, q->dep, conn, &d, "forwarded");
		return;
	case NODE_ACT_NO_ROUTE:
	case NODE_ACT_NOT_HERE:
	case NODE_ACT_BAD_TYPE:
	default:
		drop(n, q->dep, conn, &d, node_routes_act_name(d.act));
		return;
	}
}

int node_event_emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct node_module *m = ctx;
	struct node *n = m->node;
	struct node_msg *q;

	if (len < AX_EVENT_OVERHEAD || len > AX_MODULE_MSG_MAX ||
	    n->lq_count == NODE_LOCAL_QUEUE_MAX ||
	    (q = malloc(sizeof(*q) + len)) == NULL) {
		n->events_dropped++;
		node_log(NODE_LOG_DEBUG, "emit dep=%u module=%u len=%zu "
			 "dropped", m->dep, m->id, len);
		return -1;
	}
	q->dep = m->dep;
	q->from = m->id;
	q->len = len;
	memcpy(q->msg, msg, len);
	n->lq[(n->lq_head + n->lq_count) % NODE_LOCAL_QUEUE_MAX] = q;
	n->lq_count++;
	if (!uv_is_active((uv_handle_t *)&n->drain))
		uv_idle_start(&n->drain, node_event_drain);
	return 0;
}

void node_event_drain(uv_idle_t *h)
{
	struct node *n = h->data;

	for (int i = 0; i < NODE_DRAIN_BATCH && n->lq_count > 0; i++) {
		struct node_msg *q = n->lq[n->lq_head];
		n->lq_head = (n->lq_head + 1) % NODE_LOCAL_QUEUE_MAX;
		n->lq_count--;
		route_emitted(n, q); /* may queue more: handled next turn */
		free(q);
	}
	node_peer_flush(n); /* frames to one peer share a write */
	if (n->lq_count == 0)
		uv_idle_stop(&n->drain);
}

void node_event_clear(struct node *n)
{
	while (n->lq_count > 0) {
		free(n->lq[n->lq_head]);
		n->lq_head = (n->lq_head + 1) % NODE_LOCAL_QUEUE_MAX;
		n->lq_count--;
	}
}

void node_event_frame(struct node_conn *c, const struct ax_frame *fr)
{
	struct node *n = c->node;
	struct ax_wire_event ev;
	struct node_decision d;
	ax_wire_status st = ax_wire_decode_event(fr->body, fr->body_len, &ev);

	if (st != AX_WIRE_OK) { /* EVENT gets no answer: count and go on */
		n->frames_rejected++;
		n->events_dropped++;
		node_log(NODE_LOG_WARN, "conn=%u EVENT body refused: %s", c->id,
			 ax_wire_status_name(st));
		return;
	}
	if (c->state == NODE_SS_DEPLOYER)
		node_deployer_note(n, ev.deployment, c);
	node_routes_decide(&n->routes, &n->mods, ev.deployment, ev.conn,
			  ev.msg_type, false, &d);
	if (d.act == NODE_ACT_LOCAL) {
		deliver(n, ev.deployment, ev.conn, &d, ev.msg.ptr,
			       ev.msg.len);
		return;
	}
	drop(n, ev.deployment, ev.conn, &d, node_routes_act_name(d.act));
}
