/*
 * node_timer.c - PERIODIC timers: every period_ms the node hands the
 * module a CALL module message (07 entry arg), exactly as the deployer's
 * MODULE_MSG would. The answer is dropped; what the entry emits is routed
 * like any output. Timers are monotonic (libuv's loop clock).
 */
#include <stdlib.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_modmsg.h"
#include "node.h"
#include "node_log.h"

int node_timer_init(struct node *n)
{
	n->timers = calloc(NODE_MAX_TIMERS, sizeof(*n->timers));
	if (n->timers == NULL)
		return -1;
	for (size_t i = 0; i < NODE_MAX_TIMERS; i++) {
		n->timers[i].node = n;
		uv_timer_init(n->loop, &n->timers[i].t);
		n->timers[i].t.data = &n->timers[i];
	}
	return 0;
}

static void release(struct node_timer *t)
{
	uv_timer_stop(&t->t);
	free(t->call);
	t->call = NULL;
	t->call_len = 0;
	t->in_use = false;
	t->dep = t->module = t->period_ms = 0;
	t->entry = 0;
	t->fired = t->refused = 0;
}

static struct node_timer *find(struct node *n, uint32_t dep, uint32_t mod,
			       uint16_t entry, bool alloc)
{
	struct node_timer *free_slot = NULL;

	for (size_t i = 0; i < NODE_MAX_TIMERS; i++) {
		struct node_timer *t = &n->timers[i];
		if (t->in_use && t->dep == dep && t->module == mod &&
		    t->entry == entry)
			return t;
		if (!t->in_use && free_slot == NULL)
			free_slot = t;
	}
	return alloc ? free_slot : NULL;
}

static void on_tick(uv_timer_t *h)
{
	static uint8_t out[AX_WIRE_RESULT_MAX];
	struct node_timer *t = h->data;
	struct node *n = t->node;
	struct node_module *m = node_modules_find(&n->mods, t->dep, t->module);
	size_t out_len;
	int st;

	if (m == NULL) { /* unloaded meanwhile (unload drops timers too) */
		release(t);
		return;
	}
	st = node_control_call(n, m, t->call, t->call_len, out, sizeof(out),
			      &out_len);
	t->fired++;
	if (st != AX_OK) {
		t->refused++;
		node_log(NODE_LOG_DEBUG, "periodic dep=%u module=%u entry=%u "
			 "refused: %s", t->dep, t->module, t->entry,
			 ax_modmsg_status_name((ax_rt_status)st));
	}
}

uint16_t node_timer_set(struct node *n, const struct ax_wire_periodic *p)
{
	struct node_timer *t = find(n, p->deployment, p->module, p->entry,
				    p->period_ms != 0);
	uint8_t *call;

	if (p->period_ms == 0) {
		if (t != NULL)
			release(t);
		return AX_WIRE_RES_OK;
	}
	if (t == NULL)
		return AX_WIRE_RES_FULL;
	call = malloc(AX_CALL_HDR_LEN + p->arg.len);
	if (call == NULL)
		return AX_WIRE_RES_INTERNAL;
	call[0] = AX_MSG_CALL;
	ax_store_be16(call + 1, p->entry);
	if (p->arg.len > 0)
		memcpy(call + AX_CALL_HDR_LEN, p->arg.ptr, p->arg.len);
	release(t);
	t->in_use = true;
	t->dep = p->deployment;
	t->module = p->module;
	t->entry = p->entry;
	t->period_ms = p->period_ms;
	t->call = call;
	t->call_len = AX_CALL_HDR_LEN + p->arg.len;
	uv_timer_start(&t->t, on_tick, p->period_ms, p->period_ms);
	return AX_WIRE_RES_OK;
}

void node_timer_drop(struct node *n, uint32_t dep, uint32_t module)
{
	for (size_t i = 0; i < NODE_MAX_TIMERS; i++) {
		struct node_timer *t = &n->timers[i];
		if (t->in_use && (dep == AX_WIRE_ALL || t->dep == dep) &&
		    (module == 0 || t->module == module))
			release(t);
	}
}

void node_timer_close_all(struct node *n)
{
	if (n->timers == NULL)
		return;
	for (size_t i = 0; i < NODE_MAX_TIMERS; i++) {
		release(&n->timers[i]);
		uv_close((uv_handle_t *)&n->timers[i].t, NULL);
	}
}
