/*
 * node.c - authexd's life cycle: tables, listening socket, signals, the
 * clean shutdown; and which deployer session speaks for a deployment.
 * See node.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"
#include "node.h"
#include "node_log.h"

/* ------------------------------------------- deployer of a deployment */

/* Remove c from r's list, keeping the order of the others. */
static void dep_remove(struct node_dep_ref *r, const struct node_conn *c)
{
	size_t k = 0;

	for (size_t i = 0; i < NODE_DEP_SESSIONS; i++)
		if (r->deployer[i] != c)
			r->deployer[k++] = r->deployer[i];
	while (k < NODE_DEP_SESSIONS)
		r->deployer[k++] = NULL;
}

/* Put c first in r's list (the oldest one falls off a full list). */
static void dep_push(struct node_dep_ref *r, struct node_conn *c)
{
	dep_remove(r, c);
	for (size_t i = NODE_DEP_SESSIONS - 1; i > 0; i--)
		r->deployer[i] = r->deployer[i - 1];
	r->deployer[0] = c;
}

void node_deployer_note(struct node *n, uint32_t dep, struct node_conn *c)
{
	struct node_dep_ref *spare = NULL;

	if (dep == AX_WIRE_ALL || dep == 0 || c->state != NODE_SS_DEPLOYER)
		return;
	for (size_t i = 0; i < NODE_MAX_DEPLOYMENTS; i++) {
		struct node_dep_ref *r = &n->deps[i];
		if (r->dep == dep) {
			dep_push(r, c);
			return;
		}
		if (spare == NULL && (r->dep == 0 || r->deployer[0] == NULL))
			spare = r;
	}
	if (spare == NULL) {
		node_log(NODE_LOG_WARN, "deployment table full (%d): events of "
			 "dep=%u to its deployer will be dropped",
			 NODE_MAX_DEPLOYMENTS, dep);
		return;
	}
	memset(spare, 0, sizeof(*spare));
	spare->dep = dep;
	spare->deployer[0] = c;
}

struct node_conn *node_deployer_of(struct node *n, uint32_t dep)
{
	for (size_t i = 0; i < NODE_MAX_DEPLOYMENTS; i++)
		if (n->deps[i].dep == dep)
			return n->deps[i].deployer[0];
	return NULL;
}

void node_deployer_forget(struct node *n, struct node_conn *c)
{
	for (size_t i = 0; i < NODE_MAX_DEPLOYMENTS; i++)
		dep_remove(&n->deps[i], c);
}

uint32_t node_uptime_s(struct node *n)
{
	return (uint32_t)((uv_now(n->loop) - n->start_ms) / 1000u);
}

/* ---------------------------------------------------------- start-up */

static void on_connection(uv_stream_t *s, int status)
{
	struct node *n = s->data;

	if (status < 0) {
		node_log(NODE_LOG_WARN, "accept: %s", uv_strerror(status));
		return;
	}
	node_session_accept(n);
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct node *n = h->data;

	node_log(NODE_LOG_INFO, "signal %s: shutting down",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	node_stop(n);
}

static int listen_on(struct node *n, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	int rc;

	if (uv_ip4_addr(n->cfg.bind, n->cfg.port, (struct sockaddr_in *)&sa) &&
	    uv_ip6_addr(n->cfg.bind, n->cfg.port, (struct sockaddr_in6 *)&sa)) {
		snprintf(err, errlen, "--bind %s: not a numeric IPv4 or IPv6 "
			 "address", n->cfg.bind);
		return -1;
	}
	uv_tcp_init(n->loop, &n->listener);
	n->listener.data = n;
	rc = uv_tcp_bind(&n->listener, (const struct sockaddr *)&sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&n->listener, 128, on_connection);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s",
			 n->cfg.bind, (unsigned)n->cfg.port, uv_strerror(rc));
		return -1;
	}
	return 0;
}

static int tables(struct node *n)
{
	n->lq = calloc(NODE_LOCAL_QUEUE_MAX, sizeof(*n->lq));
	if (n->lq == NULL ||
	    node_modules_init(&n->mods, NODE_MAX_MODULES) != 0 ||
	    node_routes_init(&n->routes, NODE_MAX_ROUTES) != 0 ||
	    node_timer_init(n) != 0 || node_peer_init(n) != 0)
		return -1;
	return 0;
}

static void free_tables(struct node *n)
{
	node_event_clear(n);
	free(n->lq);
	n->lq = NULL;
	node_modules_free(&n->mods);
	node_routes_free(&n->routes);
	free(n->timers);
	n->timers = NULL;
	free(n->links);
	n->links = NULL;
}

int node_init(struct node *n, uv_loop_t *loop, const struct node_config *cfg,
	      char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->cfg = *cfg;
	n->start_ms = uv_now(loop);
	uv_idle_init(loop, &n->drain);
	n->drain.data = n;
	uv_signal_init(loop, &n->sigint);
	uv_signal_init(loop, &n->sigterm);
	n->sigint.data = n->sigterm.data = n;
	if (tables(n) != 0) {
		snprintf(err, errlen, "out of memory for the node tables");
		return -1;
	}
	if (listen_on(n, err, errlen) != 0) {
		node_stop(n);
		uv_run(loop, UV_RUN_DEFAULT);
		free_tables(n);
		return -1;
	}
	uv_signal_start(&n->sigint, on_signal, SIGINT);
	uv_signal_start(&n->sigterm, on_signal, SIGTERM);
	return 0;
}

/* --------------------------------------------------------- shutdown */

void node_stop(struct node *n)
{
	if (n->stopping)
		return;
	n->stopping = true;
	if (!uv_is_closing((uv_handle_t *)&n->listener) &&
	    n->listener.loop != NULL)
		uv_close((uv_handle_t *)&n->listener, NULL);
	while (n->conns != NULL) /* closing unlinks it */
		node_session_close(n->conns, AX_WIRE_RES_OK, "node shutting down");
	if (n->mods.slots != NULL)
		node_control_reset(n, AX_WIRE_ALL);
	node_timer_close_all(n);
	node_peer_close_all(n);
	node_event_clear(n);
	uv_close((uv_handle_t *)&n->drain, NULL);
	uv_close((uv_handle_t *)&n->sigint, NULL);
	uv_close((uv_handle_t *)&n->sigterm, NULL);
}

int node_run(struct node *n)
{
	uv_run(n->loop, UV_RUN_DEFAULT);
	node_log(NODE_LOG_INFO, "stopped: events_routed=%llu "
		 "events_dropped=%llu frames_rejected=%llu",
		 (unsigned long long)n->events_routed,
		 (unsigned long long)n->events_dropped,
		 (unsigned long long)n->frames_rejected);
	free_tables(n);
	ax_wipe(n->cfg.node_key, sizeof(n->cfg.node_key));
	ax_wipe(n->cfg.control_key, sizeof(n->cfg.control_key));
	return 0;
}
