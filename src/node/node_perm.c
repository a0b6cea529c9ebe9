/*
 * node_perm.c - the permission table; see node_perm.h.
 */
#include "node_perm.h"

#include "ax_wire.h"

#define S(st) (1u << (st))
#define ACCEPTED (S(NODE_SS_DEPLOYER) | S(NODE_SS_PEER))
#define LINK S(NODE_SS_LINK_UP)

/* One row per frame type: the states it is allowed in, its answer. */
static const struct row {
	uint16_t type;
	unsigned states;
	enum node_answer answer;
} table[] = {
	{AX_WIRE_HELLO, S(NODE_SS_HELLO) | S(NODE_SS_LINK_HELLO), NODE_ANS_NONE},
	{AX_WIRE_RESULT, 0, NODE_ANS_NONE},
	{AX_WIRE_BYE, S(NODE_SS_HELLO) | ACCEPTED | S(NODE_SS_LINK_HELLO) | LINK,
	 NODE_ANS_NONE},
	{AX_WIRE_LOAD_MODULE, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_UNLOAD_MODULE, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_ADD_ROUTE, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_PERIODIC, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_RESET, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_MODULE_MSG, S(NODE_SS_DEPLOYER), NODE_ANS_RESULT},
	{AX_WIRE_EVENT, ACCEPTED | LINK, NODE_ANS_NONE},
	{AX_WIRE_STATUS_REQ, S(NODE_SS_DEPLOYER), NODE_ANS_STATUS},
	{AX_WIRE_STATUS, 0, NODE_ANS_NONE},
};

static const struct row *find(uint16_t type)
{
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == type)
			return &table[i];
	return 0;
}

enum node_perm node_perm_check(enum node_sess_state st, uint16_t type)
{
	const struct row *r = find(type);

	if (r == 0)
		return NODE_PERM_UNKNOWN;
	if ((unsigned)st >= NODE_SS_COUNT || !(r->states & S(st)))
		return NODE_PERM_DENIED;
	return NODE_PERM_OK;
}

enum node_answer node_perm_answer(uint16_t type)
{
	const struct row *r = find(type);

	return r ? r->answer : NODE_ANS_NONE;
}

const char *node_perm_state_name(enum node_sess_state st)
{
	static const char *const names[NODE_SS_COUNT] = {
		"hello", "deployer", "peer", "link-hello", "link-up",
	};

	return (unsigned)st < NODE_SS_COUNT ? names[st] : "?";
}
