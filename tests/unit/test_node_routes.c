/*
 * test_node_routes.c - the node's route and module tables and the routing
 * rule (src/node/node_routes.c, node_modules.c), without sockets:
 *  - every decision of docs/node.md §3 (emitted vs received; EVENT,
 *    REQUEST, RESPONSE; target deployer, local, remote, missing);
 *  - ADD_ROUTE idempotence and replacement, RESET by deployment;
 *  - table limits: the 4097th route and the 257th module are refused and
 *    nothing already there changes;
 *  - route address parsing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "node_modules.h"
#include "node_routes.h"

static struct node_routes rt;
static struct node_modules mt;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(node_routes_init(&rt, NODE_MAX_ROUTES), 0);
	assert_int_equal(node_modules_init(&mt, NODE_MAX_MODULES), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	node_routes_free(&rt);
	node_modules_free(&mt);
	return 0;
}

static enum node_route_put put(uint32_t dep, uint32_t conn, uint32_t src,
			       uint32_t dst, uint8_t kind, const char *addr)
{
	struct ax_wire_route r = {dep, conn, src, dst, kind,
				  {addr, strlen(addr)}};
	return node_routes_put(&rt, &r);
}

static struct node_decision decide(uint32_t dep, uint32_t conn, uint8_t type,
				   bool local)
{
	struct node_decision d;
	node_routes_decide(&rt, &mt, dep, conn, type, local, &d);
	return d;
}

/* Node "A" hosts modules 1 and 2 of deployment 7; module 3 is elsewhere.
 *  conn 10: 1 -> 2 event (both here)
 *  conn 11: 1 -> 3 event (3 on 127.0.0.1:7102)
 *  conn 12: 1 -> deployer (event)
 *  conn 13: deployer -> 2 request (responses go back to the deployer)
 *  conn 14: 3 -> 2 request, seen from here (3 remote: responses go back
 *           over the peer link to 3's node) */
static void test_routing_rule(void **state)
{
	struct node_decision d;

	(void)state;
	assert_non_null(node_modules_add(&mt, 7, 1, "a", 1));
	assert_non_null(node_modules_add(&mt, 7, 2, "b", 1));
	assert_int_equal(put(7, 10, 1, 2, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(put(7, 11, 1, 3, 1, "127.0.0.1:7102"), NODE_ROUTE_ADDED);
	assert_int_equal(put(7, 12, 1, 0, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(put(7, 13, 0, 2, 2, ""), NODE_ROUTE_ADDED);
	assert_int_equal(put(7, 14, 3, 2, 2, "127.0.0.1:7102"), NODE_ROUTE_ADDED);

	d = decide(7, 10, AX_MSG_EVENT, true);
	assert_int_equal(d.act, NODE_ACT_LOCAL);
	assert_int_equal(d.target, 2);
	assert_ptr_equal(d.module, node_modules_find(&mt, 7, 2));
	d = decide(7, 11, AX_MSG_EVENT, true);
	assert_int_equal(d.act, NODE_ACT_PEER);
	assert_string_equal(d.route->addr, "127.0.0.1:7102");
	assert_int_equal(decide(7, 12, AX_MSG_EVENT, true).act, NODE_ACT_DEPLOYER);
	/* the handler's response on a deployer-sourced request */
	assert_int_equal(decide(7, 13, AX_MSG_RESPONSE, true).act,
			 NODE_ACT_DEPLOYER);
	/* the deployer's request, received in an EVENT frame */
	d = decide(7, 13, AX_MSG_REQUEST, false);
	assert_int_equal(d.act, NODE_ACT_LOCAL);
	assert_int_equal(d.target, 2);
	/* a remote requester: request in from the peer, response back out */
	assert_int_equal(decide(7, 14, AX_MSG_REQUEST, false).act, NODE_ACT_LOCAL);
	d = decide(7, 14, AX_MSG_RESPONSE, true);
	assert_int_equal(d.act, NODE_ACT_PEER);
	assert_int_equal(d.target, 3);

	/* received messages are never forwarded again, nor sent to a deployer */
	assert_int_equal(decide(7, 11, AX_MSG_EVENT, false).act, NODE_ACT_NOT_HERE);
	assert_int_equal(decide(7, 12, AX_MSG_EVENT, false).act, NODE_ACT_NOT_HERE);
	assert_int_equal(decide(7, 13, AX_MSG_RESPONSE, false).act,
			 NODE_ACT_NOT_HERE);
	/* no route; another deployment's conn 10; not a sealed type */
	assert_int_equal(decide(7, 99, AX_MSG_EVENT, true).act, NODE_ACT_NO_ROUTE);
	assert_int_equal(decide(8, 10, AX_MSG_EVENT, false).act, NODE_ACT_NO_ROUTE);
	for (unsigned t = 0; t < 256; t++)
		if (t != AX_MSG_EVENT && t != AX_MSG_REQUEST &&
		    t != AX_MSG_RESPONSE)
			assert_int_equal(decide(7, 10, (uint8_t)t, true).act,
					 NODE_ACT_BAD_TYPE);
	/* the receiver unloaded: dropped, not forwarded */
	node_modules_remove(&mt, node_modules_find(&mt, 7, 2));
	assert_int_equal(decide(7, 10, AX_MSG_EVENT, true).act, NODE_ACT_NOT_HERE);
	assert_int_equal(decide(7, 13, AX_MSG_REQUEST, false).act,
			 NODE_ACT_NOT_HERE);
	assert_int_equal(node_routes_reset(&rt, AX_WIRE_ALL), 5);
	node_modules_remove(&mt, node_modules_find(&mt, 7, 1));
	assert_int_equal(mt.count, 0);
}

static void test_route_put_and_reset(void **state)
{
	(void)state;
	assert_int_equal(put(1, 5, 1, 2, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(put(1, 5, 1, 2, 1, ""), NODE_ROUTE_SAME);
	assert_int_equal(put(1, 5, 1, 2, 1, "10.0.0.1:1"), NODE_ROUTE_REPLACED);
	assert_string_equal(node_routes_find(&rt, 1, 5)->addr, "10.0.0.1:1");
	assert_int_equal(put(1, 5, 1, 2, 1, "10.0.0.1:1"), NODE_ROUTE_SAME);
	assert_int_equal(put(1, 5, 1, 4, 1, "10.0.0.1:1"), NODE_ROUTE_REPLACED);
	assert_int_equal(node_routes_find(&rt, 1, 5)->dst, 4);
	assert_int_equal(put(2, 5, 1, 2, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(rt.count, 2);
	assert_int_equal(node_routes_reset(&rt, 1), 1);
	assert_null(node_routes_find(&rt, 1, 5));
	assert_non_null(node_routes_find(&rt, 2, 5));
	assert_int_equal(node_routes_reset(&rt, AX_WIRE_ALL), 1);
	assert_int_equal(rt.count, 0);
}

static void test_route_table_limit(void **state)
{
	(void)state;
	for (uint32_t c = 0; c < NODE_MAX_ROUTES; c++)
		assert_int_equal(put(1, c, 1, 2, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(put(1, NODE_MAX_ROUTES, 1, 2, 1, ""), NODE_ROUTE_FULL);
	assert_null(node_routes_find(&rt, 1, NODE_MAX_ROUTES));
	/* a full table still replaces an existing route */
	assert_int_equal(put(1, 7, 1, 3, 1, ""), NODE_ROUTE_REPLACED);
	assert_int_equal(rt.count, NODE_MAX_ROUTES);
	assert_int_equal(node_routes_reset(&rt, 1), NODE_MAX_ROUTES);
	assert_int_equal(put(1, NODE_MAX_ROUTES, 1, 2, 1, ""), NODE_ROUTE_ADDED);
	assert_int_equal(node_routes_reset(&rt, AX_WIRE_ALL), 1);
}

static void test_module_table_limit(void **state)
{
	struct node_module *m = NULL;
	size_t n = 0;

	(void)state;
	for (uint32_t id = 1; id <= NODE_MAX_MODULES; id++)
		assert_non_null(node_modules_add(&mt, id % 3 + 1, id, "m", 1));
	assert_null(node_modules_add(&mt, 9, 999, "x", 1));
	assert_int_equal(mt.count, NODE_MAX_MODULES);
	while ((m = node_modules_next(&mt, 2, m)) != NULL)
		n++;
	assert_int_equal(n, 86); /* ids 1, 4, ..., 256 */
	m = node_modules_find(&mt, 2, 1);
	assert_non_null(m);
	assert_string_equal(m->name, "m");
	node_modules_remove(&mt, m);
	assert_null(node_modules_find(&mt, 2, 1));
	assert_non_null(node_modules_add(&mt, 9, 999, "x", 1));
	while ((m = node_modules_next(&mt, AX_WIRE_ALL, NULL)) != NULL)
		node_modules_remove(&mt, m);
	assert_int_equal(mt.count, 0);
	/* a name longer than the wire allows is refused */
	assert_null(node_modules_add(&mt, 1, 1, "n", AX_WIRE_NAME_MAX + 1));
}

static void test_addresses(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	static const char *const bad[] = {
		"", ":", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:07", "127.0.0.1:7a", ":7100",
		"example.org:7100", "[::1]", "[zz]:7", "1.2.3:7", "[::1:7",
		"127.0.0.1:-1",
	};

	(void)state;
	assert_int_equal(node_routes_addr_parse("127.0.0.1:7101", 14, &ss, sizeof(ss)),
			 0);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 7101);
	assert_int_equal(node_routes_addr_parse("localhost:1", 11, &ss, sizeof(ss)), 0);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(node_routes_addr_parse("[::1]:65535", 11, &ss, sizeof(ss)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_routes_addr_parse(bad[i], strlen(bad[i]), &ss, sizeof(ss)) == 0)
			fail_msg("address '%s' accepted", bad[i]);
	/* the length is respected: no reading past it */
	assert_int_equal(node_routes_addr_parse("127.0.0.1:71019", 14, &ss, sizeof(ss)),
			 0);
	assert_int_equal(ntohs(s4->sin_port), 7101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing_rule),
		cmocka_unit_test(test_route_put_and_reset),
		cmocka_unit_test(test_route_table_limit),
		cmocka_unit_test(test_module_table_limit),
		cmocka_unit_test(test_addresses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
