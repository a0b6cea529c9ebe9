/*
 * test_node_deployers.c - which deployer session receives a deployment's
 * events to the deployer (node.c): the most recent open session that sent
 * a frame for the deployment; when it closes, the previous one takes over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "node.h"

static struct node n;
static struct node_conn c[6];

static void setup_conns(void)
{
	memset(&n, 0, sizeof(n));
	memset(c, 0, sizeof(c));
	for (size_t i = 0; i < 6; i++)
		c[i].state = NODE_SS_DEPLOYER;
}

static void test_latest_session_wins_and_falls_back(void **state)
{
	(void)state;
	setup_conns();
	assert_null(node_deployer_of(&n, 7));
	node_deployer_note(&n, 7, &c[0]);
	node_deployer_note(&n, 7, &c[1]);
	node_deployer_note(&n, 8, &c[2]);
	assert_ptr_equal(node_deployer_of(&n, 7), &c[1]);
	assert_ptr_equal(node_deployer_of(&n, 8), &c[2]);
	/* c[1] closes: c[0], still open, takes over deployment 7. */
	node_deployer_forget(&n, &c[1]);
	assert_ptr_equal(node_deployer_of(&n, 7), &c[0]);
	/* c[0] speaks again after c[2] spoke for 7: c[0] is the latest. */
	node_deployer_note(&n, 7, &c[2]);
	node_deployer_note(&n, 7, &c[0]);
	assert_ptr_equal(node_deployer_of(&n, 7), &c[0]);
	node_deployer_forget(&n, &c[0]);
	assert_ptr_equal(node_deployer_of(&n, 7), &c[2]);
	node_deployer_forget(&n, &c[2]);
	assert_null(node_deployer_of(&n, 7));
	assert_null(node_deployer_of(&n, 8));
}

static void test_limits_and_ignored_notes(void **state)
{
	(void)state;
	setup_conns();
	for (size_t i = 0; i < 6; i++)
		node_deployer_note(&n, 9, &c[i]);
	/* Only NODE_DEP_SESSIONS are remembered: the oldest fall off. */
	for (size_t i = 5; i >= 6 - NODE_DEP_SESSIONS; i--)
		node_deployer_forget(&n, &c[i]);
	assert_null(node_deployer_of(&n, 9));
	/* "every deployment", deployment 0 and peer sessions never count. */
	c[0].state = NODE_SS_PEER;
	node_deployer_note(&n, 10, &c[0]);
	node_deployer_note(&n, AX_WIRE_ALL, &c[1]);
	node_deployer_note(&n, 0, &c[1]);
	assert_null(node_deployer_of(&n, 10));
	assert_null(node_deployer_of(&n, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_session_wins_and_falls_back),
		cmocka_unit_test(test_limits_and_ignored_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
