/*
 * node_routes.c - route table, routing rule, route addresses; see
 * node_routes.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "node_routes.h"

int node_routes_init(struct node_routes *t, size_t cap)
{
	t->slots = calloc(cap, sizeof(*t->slots));
	t->cap = t->slots ? cap : 0;
	t->count = 0;
	return t->slots ? 0 : -1;
}

void node_routes_free(struct node_routes *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->count = 0;
}

struct node_route *node_routes_find(struct node_routes *t, uint32_t dep,
				    uint32_t conn)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].in_use && t->slots[i].dep == dep &&
		    t->slots[i].conn == conn)
			return &t->slots[i];
	return NULL;
}

static bool same(const struct node_route *e, const struct ax_wire_route *r)
{
	return e->src == r->src && e->dst == r->dst && e->kind == r->kind &&
	       strlen(e->addr) == r->addr.len &&
	       (r->addr.len == 0 || memcmp(e->addr, r->addr.ptr, r->addr.len) == 0);
}

static void fill(struct node_route *e, const struct ax_wire_route *r)
{
	memset(e, 0, sizeof(*e));
	e->in_use = true;
	e->dep = r->deployment;
	e->conn = r->conn;
	e->src = r->src;
	e->dst = r->dst;
	e->kind = r->kind;
	if (r->addr.len > 0)
		memcpy(e->addr, r->addr.ptr, r->addr.len);
}

enum node_route_put node_routes_put(struct node_routes *t,
				    const struct ax_wire_route *r)
{
	struct node_route *e = node_routes_find(t, r->deployment, r->conn);

	if (r->addr.len > AX_WIRE_ADDR_MAX)
		return NODE_ROUTE_FULL; /* cannot happen after decoding */
	if (e != NULL) {
		if (same(e, r))
			return NODE_ROUTE_SAME;
		fill(e, r);
		return NODE_ROUTE_REPLACED;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].in_use)
			continue;
		fill(&t->slots[i], r);
		t->count++;
		return NODE_ROUTE_ADDED;
	}
	return NODE_ROUTE_FULL;
}

size_t node_routes_reset(struct node_routes *t, uint32_t dep)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].in_use ||
		    (dep != AX_WIRE_ALL && t->slots[i].dep != dep))
			continue;
		memset(&t->slots[i], 0, sizeof(t->slots[i]));
		n++;
	}
	t->count -= n;
	return n;
}

void node_routes_decide(struct node_routes *rt, struct node_modules *mt,
		       uint32_t dep, uint32_t conn, uint8_t msg_type,
		       bool from_local, struct node_decision *out)
{
	struct node_route *r;

	memset(out, 0, sizeof(*out));
	if (msg_type != AX_MSG_EVENT && msg_type != AX_MSG_REQUEST &&
	    msg_type != AX_MSG_RESPONSE) {
		out->act = NODE_ACT_BAD_TYPE;
		return;
	}
	r = node_routes_find(rt, dep, conn);
	if (r == NULL) {
		out->act = NODE_ACT_NO_ROUTE;
		return;
	}
	out->route = r;
	out->target = msg_type == AX_MSG_RESPONSE ? r->src : r->dst;
	if (from_local && out->target == AX_WIRE_DEPLOYER) {
		out->act = NODE_ACT_DEPLOYER;
		return;
	}
	out->module = out->target == AX_WIRE_DEPLOYER
			      ? NULL
			      : node_modules_find(mt, dep, out->target);
	if (out->module != NULL)
		out->act = NODE_ACT_LOCAL;
	else if (from_local && r->addr[0] != '\0')
		out->act = NODE_ACT_PEER;
	else
		out->act = NODE_ACT_NOT_HERE;
}

const char *node_routes_act_name(enum node_act a)
{
	static const char *const names[] = {
		"local", "deployer", "peer", "no route", "not here", "bad type",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* Port: 1..65535, decimal, no leading zero. */
static int parse_port(const char *p, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5 || p[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int node_routes_addr_parse(const char *addr, size_t len, void *sa, size_t sa_cap)
{
	char host[AX_WIRE_ADDR_MAX + 1];
	size_t colon = len, hlen;
	uint16_t port;

	for (size_t i = 0; i < len; i++)
		if (addr[i] == ':')
			colon = i;
	if (len > AX_WIRE_ADDR_MAX || colon == len ||
	    parse_port(addr + colon + 1, len - colon - 1, &port) != 0)
		return -1;
	hlen = colon;
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		struct sockaddr_in6 *s6 = sa;
		memcpy(host, addr + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (sa_cap < sizeof(*s6))
			return -1;
		memset(s6, 0, sizeof(*s6));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = sa;
	if (hlen == 0 || sa_cap < sizeof(*s4))
		return -1;
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	memset(s4, 0, sizeof(*s4));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -1;
}
