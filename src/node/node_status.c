/*
 * node_status.c - the STATUS answer: node counters and, per module of the
 * selected deployments (at most AX_WIRE_STATUS_MODULES_MAX records), the
 * module runtime's own STATUS answer, asked for with an AX_MSG_STATUS
 * module message.
 */
#include <stdlib.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_runtime.h"
#include "node.h"
#include "node_log.h"

/* Is this a runtime STATUS answer the wire format can carry? The module
 * is trusted but its platform is not, so check before encoding. */
static bool rt_ok(const uint8_t *p, size_t len)
{
	size_t k;

	if (len < 132 || (len - 132) % 40 != 0)
		return false;
	k = (len - 132) / 40;
	return k <= AX_WIRE_RT_CONN_MAX && p[0] == 1 && p[1] <= 3 &&
	       ax_load_be16(p + 2) == k;
}

/* Fill rec[] and the runtime answers (rt, AX_WIRE_RT_STATUS_MAX each). */
static uint16_t collect(struct node *n, uint32_t dep,
			struct ax_wire_modstat *rec, uint8_t *rt,
			uint32_t *total)
{
	struct node_module *m = NULL;
	const uint8_t req = AX_MSG_STATUS;
	uint16_t k = 0;

	*total = 0;
	while ((m = node_modules_next(&n->mods, dep, m)) != NULL) {
		uint8_t *out = rt + (size_t)k * AX_WIRE_RT_STATUS_MAX;
		size_t len = 0;

		(*total)++;
		if (k == AX_WIRE_STATUS_MODULES_MAX)
			continue;
		if (node_control_call(n, m, &req, 1, out, AX_WIRE_RT_STATUS_MAX,
				     &len) != AX_OK || !rt_ok(out, len))
			len = 0;
		rec[k].deployment = m->dep;
		rec[k].module = m->id;
		rec[k].state = m->failed ? AX_WIRE_MOD_FAILED : AX_WIRE_MOD_LOADED;
		rec[k].name.ptr = m->name;
		rec[k].name.len = strlen(m->name);
		rec[k].rt_status.ptr = out;
		rec[k].rt_status.len = len;
		k++;
	}
	return k;
}

static void send_status(struct node_conn *c, const struct ax_frame *fr,
			uint32_t dep, struct ax_wire_modstat *rec, uint8_t *rt)
{
	struct node *n = c->node;
	struct ax_wire_status s = {0};
	uint8_t *buf = node_session_buf(AX_WIRE_STATUS_BODY_MAX);
	size_t len;

	s.node_id = n->cfg.node_id;
	s.platform.ptr = n->cfg.platform->name;
	s.platform.len = strlen(n->cfg.platform->name);
	s.uptime_s = node_uptime_s(n);
	s.events_routed = n->events_routed;
	s.events_dropped = n->events_dropped;
	s.frames_rejected = n->frames_rejected;
	s.n_mods = collect(n, dep, rec, rt, &s.modules_total);
	s.mods = rec;
	if (buf == NULL || ax_wire_encode_status(&s, buf + AX_FRAME_PREFIX_LEN,
						 AX_WIRE_STATUS_BODY_MAX, &len) !=
				   AX_WIRE_OK) {
		free(buf);
		node_session_result_text(c, fr, AX_WIRE_RES_INTERNAL,
				      "cannot encode STATUS");
		return;
	}
	node_log(NODE_LOG_DEBUG, "status conn=%u dep=0x%08x modules=%u", c->id,
		 dep, (unsigned)s.modules_total);
	(void)node_session_send(c, AX_WIRE_STATUS, buf, len);
}

void node_status_frame(struct node_conn *c, const struct ax_frame *fr)
{
	struct ax_wire_status_req req;
	struct ax_wire_modstat *rec;
	uint8_t *rt;
	ax_wire_status st = ax_wire_decode_status_req(fr->body, fr->body_len,
						      &req);

	if (st != AX_WIRE_OK) {
		c->node->frames_rejected++;
		node_session_result_text(c, fr, AX_WIRE_RES_WIRE(st),
				      "STATUS_REQ body refused");
		return;
	}
	node_deployer_note(c->node, req.deployment, c);
	rec = calloc(AX_WIRE_STATUS_MODULES_MAX, sizeof(*rec));
	rt = malloc((size_t)AX_WIRE_STATUS_MODULES_MAX * AX_WIRE_RT_STATUS_MAX);
	if (rec == NULL || rt == NULL)
		node_session_result_text(c, fr, AX_WIRE_RES_INTERNAL, "no memory");
	else
		send_status(c, fr, req.deployment, rec, rt);
	free(rec);
	free(rt);
}
