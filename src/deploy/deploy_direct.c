/*
 * deploy_direct.c - see deploy_direct.h.
 */
#include "deploy_direct.h"

#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"
#include "ax_runtime.h"

deploy_status deploy_direct_send(struct deploy_app *a, int i,
				 const uint8_t *data, size_t len,
				 uint64_t *counter, char *err, size_t errlen)
{
	static uint8_t msg[AX_MODULE_MSG_MAX];
	const struct deploy_conn *dc = &a->d->conns[i];
	struct deploy_state_conn c;
	struct deploy_session *s;
	uint8_t type;
	int found;
	deploy_status st = DEPLOY_E_FAIL;

	if (dc->from.module != DEPLOY_DEPLOYER) {
		deploy_errf(err, errlen, "connection '%s' does not start at the "
			    "deployer", dc->ident);
		return DEPLOY_E_INPUT;
	}
	if (len > AX_PAYLOAD_LIMIT) {
		deploy_errf(err, errlen, "data: more than %d bytes",
			    AX_PAYLOAD_LIMIT);
		return DEPLOY_E_INPUT;
	}
	if (deploy_state_conn_get(a->st, dc->ident, &c, &found, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (!found || !c.has_key || c.keying || !c.keyed[1] || !c.routed[1]) {
		deploy_errf(err, errlen, "connection '%s' is not set up (run "
			    "`authex deploy`)", dc->ident);
		goto out;
	}
	type = c.kind == AX_WIRE_ROUTE_REQUEST ? AX_MSG_REQUEST : AX_MSG_EVENT;
	if (deploy_app_session(a, a->d->modules[dc->to.module].node, &s, err,
			       errlen) != DEPLOY_OK ||
	    deploy_state_counter_next(a->st, dc->ident, counter, err,
				      errlen) != DEPLOY_OK)
		goto out;
	if (ax_event_seal(c.alg, c.key, type, c.id, *counter, data, len, msg) !=
	    AX_OK) {
		deploy_errf(err, errlen, "sealing the event failed");
		goto out;
	}
	st = deploy_session_event(s, a->deployment, msg, AX_EVENT_OVERHEAD + len,
				  err, errlen);
out:
	deploy_state_conn_wipe(&c);
	return st;
}

/* The descriptor connection with id, and its row; -1 if none. */
static int find_conn(struct deploy_app *a, uint32_t id,
		     struct deploy_state_conn *c, char *err, size_t errlen)
{
	int found;

	for (size_t i = 0; i < a->d->n_conns; i++) {
		if (deploy_state_conn_get(a->st, a->d->conns[i].ident, c,
					  &found, err, errlen) != DEPLOY_OK)
			return -1;
		if (found && c->id == id && c->has_key)
			return (int)i;
	}
	deploy_state_conn_wipe(c);
	return -1;
}

deploy_status deploy_direct_open(struct deploy_app *a,
				 const struct ax_wire_event *ev,
				 uint64_t expect_counter,
				 struct deploy_direct_msg *out, char *err,
				 size_t errlen)
{
	struct deploy_state_conn c;
	const struct deploy_conn *dc;
	deploy_status st = DEPLOY_E_INPUT;
	int i = find_conn(a, ev->conn, &c, err, errlen);

	if (i < 0) {
		deploy_errf(err, errlen, "event for unknown connection 0x%08x",
			    (unsigned)ev->conn);
		return DEPLOY_E_INPUT;
	}
	dc = &a->d->conns[i];
	out->conn = i;
	out->type = ev->msg_type;
	out->counter = ev->counter;
	if (ev->msg_type == AX_MSG_EVENT ? dc->to.module != DEPLOY_DEPLOYER
	    : ev->msg_type == AX_MSG_RESPONSE ? dc->from.module != DEPLOY_DEPLOYER
					      : 1) {
		deploy_errf(err, errlen, "%s: not a message for the deployer",
			    dc->ident);
		goto out;
	}
	if (ev->msg_type == AX_MSG_EVENT ? ev->counter <= c.rx_counter
					 : ev->counter != expect_counter) {
		deploy_errf(err, errlen, "%s: counter %llu refused (replayed, "
			    "reordered or unsolicited)", dc->ident,
			    (unsigned long long)ev->counter);
		goto out;
	}
	if (ax_event_open(c.alg, c.key, ev->msg.ptr, ev->msg.len, out->data) !=
	    AX_OK) {
		deploy_errf(err, errlen, "%s: counter %llu: does not "
			    "authenticate (forged or damaged)", dc->ident,
			    (unsigned long long)ev->counter);
		goto out;
	}
	out->len = ev->msg.len - AX_EVENT_OVERHEAD;
	st = DEPLOY_OK;
	if (ev->msg_type == AX_MSG_EVENT)
		st = deploy_state_counter_accept(a->st, dc->ident, ev->counter,
						 err, errlen);
	if (st != DEPLOY_OK) { /* e.g. accepted by another process first */
		ax_wipe(out->data, out->len);
		out->len = 0;
	}
out:
	deploy_state_conn_wipe(&c);
	return st;
}
