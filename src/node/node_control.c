/*
 * node_control.c - what a node does with each control frame of a deployer
 * session (docs/node.md §3). Every frame gets exactly one RESULT; errors
 * carry a one-line English text as data. A frame body that does not decode
 * is answered with its wire status and changes nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "node.h"
#include "node_log.h"

_Static_assert(AX_WIRE_LOAD_AUTH_LEN == AX_PLATFORM_AUTH_LEN,
	       "LOAD_MODULE's auth is the platform's load_auth");

/* Has the platform lost m (crashed or killed module process)? Marks it
 * failed, with the reason in the log, the first time it is noticed. */
static bool lost(struct node *n, struct node_module *m)
{
	const struct ax_platform_ops *p = n->cfg.platform;

	if (!m->failed && p->alive != NULL && !p->alive(m->pm)) {
		const char *why = p->lost_why ? p->lost_why(m->pm) : NULL;
		m->failed = true;
		node_log(NODE_LOG_WARN, "module dep=%u module=%u name=%s "
			 "failed: the platform lost it%s%s", m->dep, m->id,
			 m->name, why ? ": " : "", why ? why : "");
	}
	return m->failed;
}

int node_control_call(struct node *n, struct node_module *m,
		     const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	const struct ax_platform_ops *p = n->cfg.platform;
	int st;

	*out_len = 0;
	if (lost(n, m))
		return AX_E_INTERNAL;
	st = p->handle(m->pm, msg, len, out, cap, out_len);
	m->calls++;
	if (st != AX_OK)
		m->refused++;
	if (*out_len > cap)
		*out_len = 0; /* a backend bug must not become an overread */
	return st;
}

void node_control_unload(struct node *n, struct node_module *m)
{
	node_timer_drop(n, m->dep, m->id);
	n->cfg.platform->unload(m->pm);
	node_log(NODE_LOG_INFO, "unload dep=%u module=%u name=%s ok", m->dep,
		 m->id, m->name);
	node_modules_remove(&n->mods, m);
}

void node_control_reset(struct node *n, uint32_t dep)
{
	struct node_module *m = NULL;
	size_t routes;

	while ((m = node_modules_next(&n->mods, dep, m)) != NULL)
		node_control_unload(n, m); /* slot freed; next scans on */
	routes = node_routes_reset(&n->routes, dep);
	node_timer_drop(n, dep, 0);
	node_log(NODE_LOG_INFO, "reset dep=%s%u routes=%zu ok",
		 dep == AX_WIRE_ALL ? "all/" : "", dep, routes);
}

/* Refuse a body that did not decode (protocol.md, Receiving step 4). */
static void bad_body(struct node_conn *c, const struct ax_frame *fr,
		     ax_wire_status st)
{
	char why[96];

	c->node->frames_rejected++;
	snprintf(why, sizeof(why), "%s body refused: %s",
		 ax_wire_type_name(fr->type), ax_wire_status_name(st));
	node_log(NODE_LOG_WARN, "conn=%u %s", c->id, why);
	node_session_result_text(c, fr, AX_WIRE_RES_WIRE(st), why);
}

static void answer(struct node_conn *c, const struct ax_frame *fr,
		   uint16_t status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void answer(struct node_conn *c, const struct ax_frame *fr,
		   uint16_t status, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	node_log(status == AX_WIRE_RES_OK ? NODE_LOG_DEBUG : NODE_LOG_WARN,
		 "conn=%u %s -> 0x%04x %s", c->id, ax_wire_type_name(fr->type),
		 status, text);
	node_session_result_text(c, fr, status, status == AX_WIRE_RES_OK ? "" : text);
}

/* LOAD_MODULE of an id that is already loaded: idempotent by image. */
static void load_again(struct node_conn *c, const struct ax_frame *fr,
		       struct node_module *m, const struct ax_wire_load *l)
{
	uint8_t meas[AX_SHA256_LEN];

	if (ax_manifest_measure(l->image.ptr, l->image.len, meas) !=
	    AX_MANIFEST_OK) {
		answer(c, fr, AX_WIRE_RES_INTERNAL, "cannot measure");
		return;
	}
	if (memcmp(meas, m->measurement, sizeof(meas)) != 0) {
		answer(c, fr, AX_WIRE_RES_EXISTS, "module %u of "
			      "deployment %u is loaded with another image",
			      m->id, m->dep);
		return;
	}
	node_log(NODE_LOG_INFO, "load dep=%u module=%u name=%s again ok",
		 m->dep, m->id, m->name);
	node_session_result(c, fr, AX_WIRE_RES_OK, meas, sizeof(meas));
}

static void do_load(struct node_conn *c, const struct ax_frame *fr,
		    const struct ax_wire_load *l)
{
	struct node *n = c->node;
	const struct ax_platform_ops *p = n->cfg.platform;
	struct node_module *m = node_modules_find(&n->mods, l->deployment,
						  l->module);
	char err[256], name[AX_WIRE_NAME_MAX + 1], hex[20];

	node_log_clean(name, sizeof(name), l->name.ptr, l->name.len);
	if (l->platform.len != strlen(p->name) ||
	    memcmp(l->platform.ptr, p->name, l->platform.len) != 0) {
		answer(c, fr, AX_WIRE_RES_NO_PLATFORM, "this node runs "
			      "platform '%s' only", p->name);
		return;
	}
	if (m != NULL && lost(n, m)) {
		/* The deployer loads a failed module again to restart it: the
		 * dead instance makes room for a fresh one (new runtime, so it
		 * must be attested and keyed again). */
		node_log(NODE_LOG_INFO, "load dep=%u module=%u name=%s replaces "
			 "the failed instance", m->dep, m->id, m->name);
		node_control_unload(n, m);
		m = NULL;
	}
	if (m != NULL) {
		load_again(c, fr, m, l);
		return;
	}
	m = node_modules_add(&n->mods, l->deployment, l->module, l->name.ptr,
			     l->name.len);
	if (m == NULL) {
		answer(c, fr, AX_WIRE_RES_FULL, "module table full (%d "
			      "modules per node)", NODE_MAX_MODULES);
		return;
	}
	m->node = n;
	/* A backend with a start hook holds K_node itself (process: in its
	 * monitor); the daemon's copy was wiped after start. The deployer's
	 * load authorization goes to the platform unchecked: only a holder
	 * of K_node can check it. */
	if (p->load(l->image.ptr, l->image.len, l->module,
		    p->start != NULL ? NULL : n->cfg.node_key, l->auth,
		    node_event_emit, m, &m->pm, m->measurement, err,
		    sizeof(err)) != 0) {
		node_modules_remove(&n->mods, m);
		answer(c, fr, AX_WIRE_RES_PLATFORM, "load of '%s' "
			      "failed: %s", name, err);
		return;
	}
	node_log(NODE_LOG_INFO, "load dep=%u module=%u name=%s measurement=%s "
		 "ok", m->dep, m->id, m->name,
		 node_log_hex8(hex, m->measurement));
	node_session_result(c, fr, AX_WIRE_RES_OK, m->measurement,
			 sizeof(m->measurement));
}

static void do_route(struct node_conn *c, const struct ax_frame *fr,
		     const struct ax_wire_route *r)
{
	static const char *const what[] = {"added", "same", "replaced"};
	struct sockaddr_storage sa;
	char addr[AX_WIRE_ADDR_MAX + 1];
	enum node_route_put put;

	node_log_clean(addr, sizeof(addr), r->addr.ptr, r->addr.len);
	if (r->addr.len > 0 && node_routes_addr_parse(r->addr.ptr, r->addr.len, &sa,
					       sizeof(sa)) != 0) {
		answer(c, fr, AX_WIRE_RES_UNREACHABLE, "route address "
			      "'%s' is not IPv4:port, [IPv6]:port or "
			      "localhost:port", addr);
		return;
	}
	put = node_routes_put(&c->node->routes, r);
	if (put == NODE_ROUTE_FULL) {
		answer(c, fr, AX_WIRE_RES_FULL, "route table full (%d "
			      "routes per node)", NODE_MAX_ROUTES);
		return;
	}
	node_log(NODE_LOG_INFO, "route dep=%u conn=%u %u->%u kind=%u addr=%s "
		 "%s", r->deployment, r->conn, r->src, r->dst, r->kind,
		 r->addr.len ? addr : "local", what[put]);
	node_session_result(c, fr, AX_WIRE_RES_OK, NULL, 0);
}

static void do_module_msg(struct node_conn *c, const struct ax_frame *fr,
			  const struct ax_wire_module_msg *mm)
{
	static uint8_t out[AX_WIRE_RESULT_MAX];
	struct node_module *m = node_modules_find(&c->node->mods,
						  mm->deployment, mm->module);
	size_t out_len = 0;
	int st;

	if (m == NULL) {
		answer(c, fr, AX_WIRE_RES_NO_MODULE, "no module %u in "
			      "deployment %u", mm->module, mm->deployment);
		return;
	}
	st = node_control_call(c->node, m, mm->msg.ptr, mm->msg.len, out,
			      sizeof(out), &out_len);
	node_log(NODE_LOG_DEBUG, "module_msg dep=%u module=%u type=0x%02x "
		 "status=%s", m->dep, m->id, mm->msg.ptr[0],
		 ax_modmsg_status_name((ax_rt_status)st));
	if (st != AX_OK) {
		answer(c, fr, AX_WIRE_RES_RT(st), "module refused: %s",
			      ax_modmsg_status_name((ax_rt_status)st));
		return;
	}
	node_session_result(c, fr, AX_WIRE_RES_OK, out, out_len);
}

static void do_periodic(struct node_conn *c, const struct ax_frame *fr,
			const struct ax_wire_periodic *p)
{
	uint16_t st;

	if (p->period_ms != 0 &&
	    node_modules_find(&c->node->mods, p->deployment, p->module) == NULL) {
		answer(c, fr, AX_WIRE_RES_NO_MODULE, "no module %u in "
			      "deployment %u", p->module, p->deployment);
		return;
	}
	st = node_timer_set(c->node, p);
	if (st == AX_WIRE_RES_FULL) {
		answer(c, fr, st, "timer table full (%d timers per "
			      "node)", NODE_MAX_TIMERS);
		return;
	}
	if (st != AX_WIRE_RES_OK) {
		answer(c, fr, st, "cannot arm the timer");
		return;
	}
	node_log(NODE_LOG_INFO, "periodic dep=%u module=%u entry=%u "
		 "period_ms=%u ok", p->deployment, p->module, p->entry,
		 p->period_ms);
	node_session_result(c, fr, AX_WIRE_RES_OK, NULL, 0);
}

/* Decode a body into view `v` with decoder `dec`, or refuse it. */
#define DECODE(dec, v)                                                     \
	do {                                                               \
		ax_wire_status st_ = dec(fr->body, fr->body_len, &(v));    \
		if (st_ != AX_WIRE_OK) {                                   \
			bad_body(c, fr, st_);                              \
			return;                                            \
		}                                                          \
	} while (0)

void node_control_frame(struct node_conn *c, const struct ax_frame *fr)
{
	struct node *n = c->node;
	union {
		struct ax_wire_load l;
		struct ax_wire_unload u;
		struct ax_wire_route r;
		struct ax_wire_periodic p;
		struct ax_wire_reset x;
		struct ax_wire_module_msg mm;
	} v;
	struct node_module *m;

	switch (fr->type) {
	case AX_WIRE_LOAD_MODULE:
		DECODE(ax_wire_decode_load, v.l);
		node_deployer_note(n, v.l.deployment, c);
		do_load(c, fr, &v.l);
		return;
	case AX_WIRE_UNLOAD_MODULE:
		DECODE(ax_wire_decode_unload, v.u);
		node_deployer_note(n, v.u.deployment, c);
		m = node_modules_find(&n->mods, v.u.deployment, v.u.module);
		if (m == NULL) {
			answer(c, fr, AX_WIRE_RES_NO_MODULE, "no module "
				      "%u in deployment %u", v.u.module,
				      v.u.deployment);
			return;
		}
		node_control_unload(n, m);
		node_session_result(c, fr, AX_WIRE_RES_OK, NULL, 0);
		return;
	case AX_WIRE_ADD_ROUTE:
		DECODE(ax_wire_decode_route, v.r);
		node_deployer_note(n, v.r.deployment, c);
		do_route(c, fr, &v.r);
		return;
	case AX_WIRE_PERIODIC:
		DECODE(ax_wire_decode_periodic, v.p);
		node_deployer_note(n, v.p.deployment, c);
		do_periodic(c, fr, &v.p);
		return;
	case AX_WIRE_RESET:
		DECODE(ax_wire_decode_reset, v.x);
		node_deployer_note(n, v.x.deployment, c);
		node_control_reset(n, v.x.deployment);
		node_session_result(c, fr, AX_WIRE_RES_OK, NULL, 0);
		return;
	case AX_WIRE_MODULE_MSG:
		DECODE(ax_wire_decode_module_msg, v.mm);
		node_deployer_note(n, v.mm.deployment, c);
		do_module_msg(c, fr, &v.mm);
		return;
	default: /* the permission table lets nothing else through */
		answer(c, fr, AX_WIRE_RES_DENIED, "not a control frame");
		return;
	}
}
