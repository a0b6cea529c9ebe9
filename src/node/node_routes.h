/*
 * node_routes.h - the route table and the routing rule (docs/node.md §3).
 *
 * One route per (deployment, conn), at most cap routes (NODE_MAX_ROUTES in
 * the daemon). The routing rule is a pure function of the route table and
 * the module table, so that every decision is unit-tested without sockets.
 * The node never decrypts: it routes by the untrusted (deployment, conn,
 * type) hints; the receiving runtime authenticates them.
 */
#ifndef NODE_ROUTES_H
#define NODE_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ax_wire.h"
#include "node_modules.h"

#define NODE_MAX_ROUTES 4096

struct node_route {
	bool in_use;
	uint32_t dep, conn, src, dst;
	uint8_t kind;
	char addr[AX_WIRE_ADDR_MAX + 1]; /* "" = local or deployer */
	/* what happened to messages on this route */
	uint64_t forwarded; /* sent to a peer node or to the deployer */
	uint64_t delivered; /* a local module accepted it */
	uint64_t refused;   /* a local module's runtime refused it */
	uint64_t dropped;   /* not loaded, no deployer, queue full, ... */
};

struct node_routes {
	struct node_route *slots;
	size_t cap, count;
};

enum node_route_put {
	NODE_ROUTE_ADDED = 0,
	NODE_ROUTE_SAME = 1,     /* identical route already there: no change */
	NODE_ROUTE_REPLACED = 2, /* (dep, conn) existed with other fields */
	NODE_ROUTE_FULL = 3,     /* table full: nothing changed */
};

int node_routes_init(struct node_routes *t, size_t cap);
void node_routes_free(struct node_routes *t);
struct node_route *node_routes_find(struct node_routes *t, uint32_t dep,
	uint32_t conn);
/* node_routes_put - add or replace the route of a decoded ADD_ROUTE. */
enum node_route_put node_routes_put(struct node_routes *t,
	const struct ax_wire_route *r);
/* node_routes_reset - drop every route of dep (AX_WIRE_ALL: all);
 * returns how many were dropped. */
size_t node_routes_reset(struct node_routes *t, uint32_t dep);

/* What to do with one sealed message. */
enum node_act {
	NODE_ACT_LOCAL = 0,     /* deliver to module `target` on this node */
	NODE_ACT_DEPLOYER = 1,  /* EVENT frame to the deployment's deployer */
	NODE_ACT_PEER = 2,      /* EVENT frame to route->addr */
	NODE_ACT_NO_ROUTE = 3,  /* drop: no route for (dep, conn) */
	NODE_ACT_NOT_HERE = 4,  /* drop: the receiver is not loaded here */
	NODE_ACT_BAD_TYPE = 5,  /* drop: not EVENT/REQUEST/RESPONSE */
};

struct node_decision {
	enum node_act act;
	uint32_t target;          /* module id (0 = the deployer) */
	struct node_route *route; /* NULL for NO_ROUTE and BAD_TYPE */
	struct node_module *module; /* for LOCAL */
};

/*
 * node_routes_decide - the routing rule. msg_type is the module message's
 * type byte; from_local says the message was emitted by a module on this
 * node (else it came in an EVENT frame from a peer or the deployer).
 *  target = dst for EVENT and REQUEST, src for RESPONSE.
 *  emitted: target 0 -> DEPLOYER; target loaded here -> LOCAL; else an
 *  address -> PEER; no address -> NOT_HERE.
 *  received: target loaded here -> LOCAL, else NOT_HERE (a node never
 *  forwards what it received: no loops, no relaying for strangers).
 */
void node_routes_decide(struct node_routes *rt, struct node_modules *mt,
	uint32_t dep, uint32_t conn, uint8_t msg_type, bool from_local,
	struct node_decision *out);

/* node_routes_act_name - "local", "deployer", ... for logs. */
const char *node_routes_act_name(enum node_act a);

/*
 * node_routes_addr_parse - check a route address: "host:port" with a numeric
 * IPv4 host, "[IPv6]" or "localhost" (= 127.0.0.1), port 1..65535 in
 * decimal without a leading 0. Host names are not resolved: the node never
 * blocks on DNS; the deployer sends addresses. On success fills *sa
 * (a struct sockaddr_in or sockaddr_in6, sa_cap bytes) and returns 0.
 */
int node_routes_addr_parse(const char *addr, size_t len, void *sa, size_t sa_cap);

#endif /* NODE_ROUTES_H */
