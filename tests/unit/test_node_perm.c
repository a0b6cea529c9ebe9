/*
 * test_node_perm.c - the node's permission table (src/node/node_perm.c):
 * every frame type in every session state is accepted or refused exactly
 * as docs/node.md §2 says, every other type number is unknown, and each
 * permitted type owes the answer the doc names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_wire.h"
#include "node_perm.h"

/* Expected table, written out independently of node_perm.c:
 * H = hello, D = deployer, P = peer, LH = link-hello, LU = link-up. */
static const struct {
	uint16_t type;
	int ok[NODE_SS_COUNT]; /* H D P LH LU */
	enum node_answer ans;
} want[] = {
	{AX_WIRE_HELLO, {1, 0, 0, 1, 0}, NODE_ANS_NONE},
	{AX_WIRE_RESULT, {0, 0, 0, 0, 0}, NODE_ANS_NONE},
	{AX_WIRE_BYE, {1, 1, 1, 1, 1}, NODE_ANS_NONE},
	{AX_WIRE_LOAD_MODULE, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_UNLOAD_MODULE, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_ADD_ROUTE, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_PERIODIC, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_RESET, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_MODULE_MSG, {0, 1, 0, 0, 0}, NODE_ANS_RESULT},
	{AX_WIRE_EVENT, {0, 1, 1, 0, 1}, NODE_ANS_NONE},
	{AX_WIRE_STATUS_REQ, {0, 1, 0, 0, 0}, NODE_ANS_STATUS},
	{AX_WIRE_STATUS, {0, 0, 0, 0, 0}, NODE_ANS_NONE},
};
#define N_WANT (sizeof(want) / sizeof(want[0]))

static void test_every_type_in_every_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_WANT; i++)
		for (int st = 0; st < NODE_SS_COUNT; st++) {
			enum node_perm p = node_perm_check(st, want[i].type);
			if (p != (want[i].ok[st] ? NODE_PERM_OK : NODE_PERM_DENIED))
				fail_msg("type 0x%04x state %s: got %d",
					 want[i].type, node_perm_state_name(st),
					 p);
		}
}

/* Every number that is not a frame type is unknown, in every state. */
static void test_unknown_types(void **state)
{
	unsigned known = 0;

	(void)state;
	for (uint32_t t = 0; t <= 0xffff; t++) {
		int in_cat = ax_wire_type_name((uint16_t)t) != NULL;
		for (int st = 0; st < NODE_SS_COUNT; st++) {
			enum node_perm p = node_perm_check(st, (uint16_t)t);
			if (!in_cat)
				assert_int_equal(p, NODE_PERM_UNKNOWN);
			else
				assert_int_not_equal(p, NODE_PERM_UNKNOWN);
		}
		known += in_cat;
	}
	assert_int_equal(known, N_WANT); /* the expected table is complete */
}

static void test_answers_and_bad_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_WANT; i++)
		assert_int_equal(node_perm_answer(want[i].type), want[i].ans);
	assert_int_equal(node_perm_answer(0x7777), NODE_ANS_NONE);
	assert_int_equal(node_perm_check(NODE_SS_COUNT, AX_WIRE_BYE),
			 NODE_PERM_DENIED);
	assert_int_equal(node_perm_check((enum node_sess_state)-1,
					 AX_WIRE_EVENT), NODE_PERM_DENIED);
	assert_string_equal(node_perm_state_name(NODE_SS_DEPLOYER), "deployer");
	assert_string_equal(node_perm_state_name(NODE_SS_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_in_every_state),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_answers_and_bad_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
