/*
 * deploy_direct.h - the deployer as an end of a connection ("direct"
 * connections: `from: deployer` or `to: deployer`). The deployer seals
 * and opens these events itself, with the runtime's own event AEAD
 * (ax_event_seal / ax_event_open) and the connection key from the state
 * database.
 *
 * Counters follow the runtime's rules: a send counter is reserved and
 * committed (deploy_state_counter_next) before the event is sent; a
 * received event is accepted only with a counter above the last accepted
 * one (recorded durably after acceptance, deploy_state_counter_accept),
 * and a response only with the counter of the request it answers.
 */
#ifndef DEPLOY_DIRECT_H
#define DEPLOY_DIRECT_H

#include "deploy_app.h"

/* Seal data as an EVENT (conn kind event) or REQUEST (kind request) on
 * connection i, which must start at the deployer, and send it to the
 * node of its destination. *counter gets the counter used. */
DEPLOY_MUST_CHECK deploy_status deploy_direct_send(struct deploy_app *a,
	int conn, const uint8_t *data, size_t len, uint64_t *counter,
	char *err, size_t errlen);

/* What an incoming sealed message turned out to be. */
struct deploy_direct_msg {
	int conn;            /* descriptor index */
	uint8_t type;        /* AX_MSG_EVENT or AX_MSG_RESPONSE */
	uint64_t counter;
	uint8_t data[AX_PAYLOAD_LIMIT];
	size_t len;
};

/*
 * deploy_direct_open - authenticate and decrypt a module message that a
 * node sent to the deployer. expect_counter: for a RESPONSE, the counter
 * of the outstanding request (0: no request outstanding). Returns
 * DEPLOY_OK with *out filled, DEPLOY_E_INPUT for a message to refuse
 * (unknown connection, replay, bad tag), with the reason.
 */
DEPLOY_MUST_CHECK deploy_status deploy_direct_open(struct deploy_app *a,
	const struct ax_wire_event *ev, uint64_t expect_counter,
	struct deploy_direct_msg *out, char *err, size_t errlen);

#endif /* DEPLOY_DIRECT_H */
