/*
 * deploy_apply.c - see deploy_apply.h. Step names follow docs/node.md §4.
 */
#include "deploy_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "deploy_steps.h"

static const struct deploy_module *mod(struct deploy_app *a, int i)
{
	return &a->d->modules[i];
}

/* ----------------------------------------------------- reconcile, renew */

/* Clear the flags of everything involving module i (one transaction is
 * opened by the caller). newkey: its connections need new keys. */
static deploy_status forget_module(struct deploy_app *a, int i, char *err,
				   size_t errlen)
{
	struct deploy_state_conn c;
	struct deploy_state_periodic p;
	struct deploy_state_module row;
	int found;

	if (deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	row.loaded = row.attested = row.disabled = 0;
	if (deploy_state_module_put(a->st, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (size_t k = 0; k < a->d->n_conns; k++) {
		const struct deploy_conn *dc = &a->d->conns[k];

		if (dc->from.module != i && dc->to.module != i)
			continue;
		if (deploy_state_conn_get(a->st, dc->ident, &c, &found, err,
					  errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (!found)
			continue;
		c.has_key = c.keying = 0;
		c.keyed[0] = c.keyed[1] = c.routed[0] = c.routed[1] = 0;
		ax_wipe(c.key, sizeof c.key);
		if (deploy_state_conn_put(a->st, &c, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	}
	for (size_t k = 0; k < a->d->n_periodic; k++) {
		if (a->d->periodic[k].module != i)
			continue;
		snprintf(p.ident, sizeof p.ident, "%s.%s", row.name,
			 a->d->periodic[k].entry);
		p.armed = 0;
		p.period_ms = a->d->periodic[k].period_ms;
		if (deploy_state_periodic_put(a->st, &p, err, errlen) !=
		    DEPLOY_OK)
			return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* Is instance in the STATUS records, loaded and with a live runtime? */
static int node_has(const struct ax_wire_status *stat, uint32_t deployment,
		    uint32_t instance)
{
	struct ax_wire_bytes it = stat->records;
	struct ax_wire_modstat r;

	while (ax_wire_modstat_next(&it, &r) == AX_WIRE_OK)
		if (r.deployment == deployment && r.module == instance)
			return r.state == AX_WIRE_MOD_LOADED &&
			       (r.rt_status.len < 2 ||
				r.rt_status.ptr[1] == 1 ||
				r.rt_status.ptr[1] == 2);
	return 0;
}

static deploy_status reconcile_node(struct deploy_app *a, int node,
				    char *err, size_t errlen)
{
	struct deploy_session *s;
	struct ax_wire_status stat;
	struct deploy_state_module row;
	int lost = 0, found, asked = 0;

	for (size_t i = 0; i < a->d->n_modules; i++) {
		if (mod(a, (int)i)->node != node)
			continue;
		if (deploy_state_module_get(a->st, mod(a, (int)i)->name, &row,
					    &found, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (!found || !row.loaded)
			continue;
		/* one STATUS for the node: it lists every module of the
		 * deployment (at most 64, like a descriptor); stat stays
		 * valid while nothing else is sent on s */
		if (!asked &&
		    (deploy_app_session(a, node, &s, err, errlen) != DEPLOY_OK ||
		     deploy_session_status(s, a->deployment, &stat, err,
					   errlen) != DEPLOY_OK))
			return DEPLOY_E_FAIL;
		asked = 1;
		if (!node_has(&stat, a->deployment, row.instance))
			lost = 1;
	}
	if (!lost)
		return DEPLOY_OK;
	deploy_app_say(a, "node %s lost modules of this deployment "
		       "(restarted?): loading and keying them again",
		       a->d->nodes[node].name);
	/* durable: the cleared flags are what makes the next run redo the
	 * steps the node lost */
	if (deploy_state_begin_durable(a->st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (size_t i = 0; i < a->d->n_modules; i++)
		if (mod(a, (int)i)->node == node &&
		    deploy_state_module_get(a->st, mod(a, (int)i)->name, &row,
					    &found, err, errlen) == DEPLOY_OK &&
		    found && forget_module(a, (int)i, err, errlen) != DEPLOY_OK) {
			deploy_state_rollback(a->st);
			return DEPLOY_E_FAIL;
		}
	return deploy_state_commit(a->st, err, errlen);
}

deploy_status deploy_apply_reconcile(struct deploy_app *a, char *err,
				     size_t errlen)
{
	for (size_t n = 0; n < a->d->n_nodes; n++)
		if (reconcile_node(a, (int)n, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	return DEPLOY_OK;
}

deploy_status deploy_apply_renew(struct deploy_app *a, int i, char *err,
				 size_t errlen)
{
	struct deploy_state_module row;
	uint32_t fresh;

	if (deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (row.old_instance != 0)
		return DEPLOY_OK; /* an update in progress: resume it */
	if (deploy_state_new_id(a->st, &fresh, err, errlen) != DEPLOY_OK ||
	    deploy_state_begin_durable(a->st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (forget_module(a, i, err, errlen) != DEPLOY_OK ||
	    deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK)
		goto fail;
	row.old_instance = row.instance;
	row.instance = fresh;
	row.ctl_nonce = 0; /* a new runtime: its nonces start over */
	snprintf(row.image, sizeof row.image, "%s", a->img[i].path);
	memcpy(row.measurement, a->img[i].measurement, 32);
	if (deploy_state_module_put(a->st, &row, err, errlen) != DEPLOY_OK ||
	    deploy_state_commit(a->st, err, errlen) != DEPLOY_OK)
		goto fail;
	return DEPLOY_OK;
fail:
	deploy_state_rollback(a->st);
	return DEPLOY_E_FAIL;
}

deploy_status deploy_apply_retire(struct deploy_app *a, int i, char *err,
				  size_t errlen)
{
	struct deploy_state_module row;
	struct deploy_session *s;
	struct ax_wire_unload u;

	if (deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (row.old_instance == 0)
		return DEPLOY_OK;
	u = (struct ax_wire_unload){a->deployment, row.old_instance};
	if (deploy_app_session(a, mod(a, i)->node, &s, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (deploy_session_unload(s, &u, err, errlen) != DEPLOY_OK &&
	    strstr(err, "no such module") == NULL)
		return DEPLOY_E_FAIL; /* already gone is fine (resumed) */
	deploy_app_say(a, "unload old instance 0x%08x of %s ... ok",
		       (unsigned)row.old_instance, row.name);
	row.old_instance = 0;
	if (deploy_state_module_put(a->st, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_test_die("unload");
	return DEPLOY_OK;
}

/* ------------------------------------------------------- call, disable */

deploy_status deploy_apply_call(struct deploy_app *a, int i,
				uint32_t instance, const char *entry,
				const uint8_t *arg, size_t arg_len,
				uint8_t *out, size_t cap, size_t *out_len,
				char *err, size_t errlen)
{
	static uint8_t msg[AX_CALL_HDR_LEN + AX_PAYLOAD_LIMIT];
	const struct ax_manifest *man;
	const struct ax_manifest_ep *ep;
	struct deploy_state_module row;
	struct deploy_session *s;
	struct ax_wire_result res;

	*out_len = 0;
	if (deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK ||
	    deploy_app_manifest(a, i, &man, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	ep = ax_manifest_find(man, entry, AX_EP_ENTRY);
	if (ep == NULL) {
		deploy_errf(err, errlen, "module '%s' has no entry point '%s'",
			    row.name, entry);
		return DEPLOY_E_INPUT;
	}
	if (arg_len > AX_PAYLOAD_LIMIT) {
		deploy_errf(err, errlen, "argument too long");
		return DEPLOY_E_INPUT;
	}
	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, ep->id);
	if (arg_len)
		memcpy(msg + AX_CALL_HDR_LEN, arg, arg_len);
	if (deploy_app_session(a, mod(a, i)->node, &s, err, errlen) !=
		    DEPLOY_OK ||
	    deploy_session_module_msg(s, a->deployment,
				      instance ? instance : row.instance, msg,
				      AX_CALL_HDR_LEN + arg_len, &res, err,
				      errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (res.data.len > cap) {
		deploy_errf(err, errlen, "result too long");
		return DEPLOY_E_FAIL;
	}
	if (res.data.len)
		memcpy(out, res.data.ptr, res.data.len);
	*out_len = res.data.len;
	return DEPLOY_OK;
}

deploy_status deploy_apply_disable(struct deploy_app *a, int i, char *err,
				   size_t errlen)
{
	uint8_t k_module[AX_MODULE_KEY_LEN], msg[AX_DISABLE_LEN];
	struct deploy_state_module row;
	struct deploy_session *s;
	uint64_t nonce;
	size_t len;
	deploy_status st;

	if (deploy_app_module_row(a, i, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	st = deploy_app_module_key(a, i, row.instance, row.measurement,
				   k_module, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	st = deploy_app_session(a, mod(a, i)->node, &s, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_state_nonce_next(a->st, row.name, row.instance,
					     &nonce, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	st = DEPLOY_E_FAIL;
	if (ax_modmsg_disable(k_module, nonce, msg, sizeof msg, &len) !=
	    AX_OK) {
		deploy_errf(err, errlen, "cannot build DISABLE");
		goto out;
	}
	st = deploy_session_module_msg(s, a->deployment, row.instance, msg,
				       len, NULL, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	/* re-read: the nonce in the database moved on since */
	st = deploy_app_module_row(a, i, &row, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	row.disabled = 1;
	st = deploy_state_module_put(a->st, &row, err, errlen);
out:
	ax_wipe(k_module, sizeof k_module);
	return st;
}

/* -------------------------------------------------------------- deploy */

/* The nodes that host a module, all at once (deploy_app_sessions). */
static void open_sessions(struct deploy_app *a)
{
	int want[DEPLOY_MAX_NODES] = {0};

	for (size_t i = 0; i < a->d->n_modules; i++)
		want[mod(a, (int)i)->node] = 1;
	deploy_app_sessions(a, want);
}

deploy_status deploy_apply_all(struct deploy_app *a, char *err,
			       size_t errlen)
{
	deploy_status st;

	if (a->deployment == 0 &&
	    deploy_state_deployment(a->st, a->d->name, 1, &a->deployment, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	open_sessions(a);
	if (deploy_apply_reconcile(a, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	st = deploy_steps_register(a, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_steps_modules(a, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_steps_conns(a, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_steps_periodic(a, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	return deploy_state_set_status(a->st, "up", err, errlen);
}

deploy_status deploy_apply_retire_all(struct deploy_app *a, char *err,
				      size_t errlen)
{
	for (size_t i = 0; i < a->d->n_modules; i++)
		if (deploy_apply_retire(a, (int)i, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	return DEPLOY_OK;
}
