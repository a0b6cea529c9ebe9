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

/* Keep the inner message of a failed step and say which step it was. */
static deploy_status wrap(deploy_status st, char *err, size_t errlen,
			  const char *what)
{
	char inner[900];

	if (st == DEPLOY_OK)
		return st;
	snprintf(inner, sizeof inner, "%s", err);
	deploy_errf(err, errlen, "%s: %s", what, inner);
	return st;
}

static const struct deploy_module *mod(struct deploy_app *a, int i)
{
	return &a->d->modules[i];
}

static deploy_status get_module(struct deploy_app *a, int i,
				struct deploy_state_module *row, char *err,
				size_t errlen)
{
	int found;

	if (deploy_state_module_get(a->st, mod(a, i)->name, row, &found, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (!found) {
		deploy_errf(err, errlen, "module '%s' is not deployed "
			    "(run `authex deploy` first)", mod(a, i)->name);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* ------------------------------------------------------ load and attest */

/* The module's row, created with a fresh instance id if new. */
static deploy_status module_row(struct deploy_app *a, int i,
				struct deploy_state_module *row, char *err,
				size_t errlen)
{
	const struct deploy_module *m = mod(a, i);
	const char *node = a->d->nodes[m->node].name;
	int found;

	if (deploy_state_module_get(a->st, m->name, row, &found, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (found && strcmp(row->node, node) != 0 &&
	    (row->loaded || row->old_instance)) {
		deploy_errf(err, errlen,
			    "module '%s' moved from node '%s' to '%s': run "
			    "`authex down` first", m->name, row->node, node);
		return DEPLOY_E_INPUT;
	}
	if (found && row->loaded &&
	    ax_ct_equal(row->measurement, a->img[i].measurement, 32) != 0) {
		char was[16], now[16];

		deploy_hex_short(row->measurement, 32, was);
		deploy_hex_short(a->img[i].measurement, 32, now);
		deploy_errf(err, errlen,
			    "module '%s' changed since it was deployed "
			    "(deployed %s, built %s): run `authex update %s "
			    "%s`", m->name, was, now, a->d->path, m->name);
		return DEPLOY_E_INPUT;
	}
	if (!found && deploy_state_new_id(a->st, &row->instance, err,
					  errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (row->loaded)
		return DEPLOY_OK;
	snprintf(row->name, sizeof row->name, "%s", m->name);
	snprintf(row->node, sizeof row->node, "%s", node);
	snprintf(row->image, sizeof row->image, "%s", a->img[i].path);
	memcpy(row->measurement, a->img[i].measurement, 32);
	return deploy_state_module_put(a->st, row, err, errlen);
}

static deploy_status load(struct deploy_app *a, int i,
			  struct deploy_state_module *row, char *err,
			  size_t errlen)
{
	const struct deploy_module *m = mod(a, i);
	const struct deploy_node *nd = &a->d->nodes[m->node];
	struct deploy_session *s;
	struct ax_wire_result res;
	struct ax_wire_load msg;
	uint8_t *image;
	char got[16], want[16];
	deploy_status st;

	if (deploy_app_session(a, m->node, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (deploy_build_load_image(row->image, &a->img[i], &image, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	msg = (struct ax_wire_load){a->deployment, row->instance,
				    {m->name, strlen(m->name)},
				    {nd->platform, strlen(nd->platform)},
				    {image, a->img[i].size}, {0}};
	/* Over the measurement of the bytes just read, the ones sent. */
	st = deploy_app_load_auth(a, i, row->instance, a->img[i].measurement,
				  msg.auth, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_session_load(s, &msg, &res, err, errlen);
	ax_wipe(msg.auth, sizeof msg.auth);
	free(image);
	if (st != DEPLOY_OK)
		return st;
	if (res.data.len != 32 ||
	    ax_ct_equal(res.data.ptr, a->img[i].measurement, 32) != 0) {
		deploy_hex_short(res.data.ptr, res.data.len, got);
		deploy_hex_short(a->img[i].measurement, 32, want);
		deploy_errf(err, errlen,
			    "module '%s' on node '%s': measurement mismatch: "
			    "node loaded %s, built %s", m->name, nd->name,
			    res.data.len ? got : "(nothing)", want);
		return DEPLOY_E_FAIL;
	}
	row->loaded = 1;
	if (deploy_state_module_put(a->st, row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "load %s on %s ... ok (instance 0x%08x)", m->name,
		       nd->name, (unsigned)row->instance);
	deploy_test_die("load");
	return DEPLOY_OK;
}

static deploy_status attest(struct deploy_app *a, int i,
			    struct deploy_state_module *row, char *err,
			    size_t errlen)
{
	const struct deploy_module *m = mod(a, i);
	uint8_t k_module[AX_MODULE_KEY_LEN], challenge[AX_CHALLENGE_LEN];
	uint8_t msg[AX_ATTEST_LEN];
	struct deploy_session *s;
	struct ax_wire_result res;
	size_t len;
	deploy_status st = DEPLOY_E_FAIL;

	if (deploy_app_session(a, m->node, &s, err, errlen) != DEPLOY_OK)
		goto out;
	st = deploy_app_module_key(a, i, row->instance, row->measurement,
				   k_module, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	st = DEPLOY_E_FAIL;
	if (ax_random(challenge, sizeof challenge) != AX_CRYPTO_OK ||
	    ax_modmsg_attest(challenge, msg, sizeof msg, &len) != AX_OK) {
		deploy_errf(err, errlen, "attestation request failed");
		goto out;
	}
	if (deploy_session_module_msg(s, a->deployment, row->instance, msg,
				      len, &res, err, errlen) != DEPLOY_OK)
		goto out;
	if (ax_modmsg_attest_check(k_module, row->instance, challenge,
				   res.data.ptr, res.data.len) != AX_OK) {
		deploy_errf(err, errlen,
			    "module '%s' on node '%s': attestation failed (the "
			    "answer does not verify: wrong node key, image or "
			    "instance)", m->name, a->d->nodes[m->node].name);
		goto out;
	}
	row->attested = 1;
	st = deploy_state_module_put(a->st, row, err, errlen);
	if (st == DEPLOY_OK) {
		deploy_app_say(a, "attest %s ... ok", m->name);
		deploy_test_die("attest");
	}
out:
	ax_wipe(k_module, sizeof k_module);
	return st;
}

static deploy_status ensure_module(struct deploy_app *a, int i, char *err,
				   size_t errlen)
{
	struct deploy_state_module row;
	deploy_status st = get_module(a, i, &row, err, errlen);

	if (st != DEPLOY_OK)
		return st;
	if (row.disabled) {
		deploy_app_say(a, "module %s is disabled: skipped (use "
			       "`authex update` to replace it)", row.name);
		return DEPLOY_OK;
	}
	if (!row.loaded && (st = load(a, i, &row, err, errlen)) != DEPLOY_OK)
		return st;
	if (!row.attested)
		st = attest(a, i, &row, err, errlen);
	return st;
}

/* ---------------------------------------------------------- connections */

/* Row of module end e (0 when it is the deployer); *skip when disabled
 * or not attested (nothing can be keyed there). */
static deploy_status end_row(struct deploy_app *a,
			     const struct deploy_end *e,
			     struct deploy_state_module *row, int *skip,
			     char *err, size_t errlen)
{
	memset(row, 0, sizeof *row);
	*skip = 0;
	if (e->module == DEPLOY_DEPLOYER)
		return DEPLOY_OK;
	if (get_module(a, e->module, row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	*skip = row->disabled || !row->attested;
	return DEPLOY_OK;
}

static deploy_status conn_row(struct deploy_app *a, int i,
			      struct deploy_state_conn *c, char *err,
			      size_t errlen)
{
	const struct deploy_conn *dc = &a->d->conns[i];
	int found;

	if (deploy_state_conn_get(a->st, dc->ident, c, &found, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (found && c->kind == deploy_app_conn_kind(a, i) &&
	    c->alg == dc->alg)
		return DEPLOY_OK;
	if (!found && deploy_state_new_id(a->st, &c->id, err, errlen) !=
			      DEPLOY_OK)
		return DEPLOY_E_FAIL;
	/* new, or its kind/algorithm changed: key and route it again */
	snprintf(c->ident, sizeof c->ident, "%s", dc->ident);
	c->alg = dc->alg;
	c->kind = deploy_app_conn_kind(a, i);
	c->has_key = 0;
	c->keyed[0] = c->keyed[1] = c->routed[0] = c->routed[1] = 0;
	return deploy_state_conn_put(a->st, c, err, errlen);
}

/* A fresh key, committed before any end sees it. */
static deploy_status new_key(struct deploy_app *a,
			     struct deploy_state_conn *c, char *err,
			     size_t errlen)
{
	ax_wipe(c->key, sizeof c->key);
	if (ax_random(c->key, ax_aead_key_len(c->alg)) != AX_CRYPTO_OK) {
		deploy_errf(err, errlen, "random number generator failed");
		return DEPLOY_E_FAIL;
	}
	c->has_key = 1;
	c->keying = 1;
	c->keyed[0] = c->keyed[1] = 0;
	c->tx_counter = c->rx_counter = 0;
	return deploy_state_conn_put(a->st, c, err, errlen);
}

/* SET_KEY to one module end: nonce committed first, then sent. */
static deploy_status set_key(struct deploy_app *a,
			     struct deploy_state_conn *c,
			     const struct deploy_end *e,
			     const struct deploy_state_module *row, int side,
			     char *err, size_t errlen)
{
	uint8_t k_module[AX_MODULE_KEY_LEN];
	uint8_t msg[AX_SET_KEY_HDR_LEN + AX_AEAD_KEY_MAX + AX_TAG_LEN];
	struct deploy_session *s;
	uint64_t nonce;
	size_t len;
	int ep = deploy_app_ep_id(a, e->module, e->ep);
	deploy_status st;

	st = deploy_app_module_key(a, e->module, row->instance,
				   row->measurement, k_module, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	st = deploy_app_session(a, mod(a, e->module)->node, &s, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	st = deploy_state_nonce_next(a->st, row->name, row->instance, &nonce,
				     err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	deploy_test_die("nonce");
	st = DEPLOY_E_FAIL;
	if (ep < 0 || ax_modmsg_set_key(k_module, nonce, c->id, (uint16_t)ep,
					c->alg, c->key, msg, sizeof msg,
					&len) != AX_OK) {
		deploy_errf(err, errlen, "cannot build SET_KEY for %s.%s",
			    row->name, e->ep);
		goto out;
	}
	st = deploy_session_module_msg(s, a->deployment, row->instance, msg,
				       len, NULL, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	c->keyed[side] = 1;
	st = deploy_state_conn_put(a->st, c, err, errlen);
	if (st == DEPLOY_OK)
		deploy_test_die("setkey");
out:
	ax_wipe(k_module, sizeof k_module);
	ax_wipe(msg, sizeof msg);
	return st;
}

static deploy_status key_conn(struct deploy_app *a, int i,
			      struct deploy_state_conn *c,
			      const struct deploy_state_module rows[2],
			      char *err, size_t errlen)
{
	const struct deploy_conn *dc = &a->d->conns[i];
	const struct deploy_end *ends[2] = {&dc->from, &dc->to};
	deploy_status st;

	if (new_key(a, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (int side = 0; side < 2; side++) {
		if (ends[side]->module == DEPLOY_DEPLOYER)
			continue;
		st = set_key(a, c, ends[side], &rows[side], side, err, errlen);
		if (st != DEPLOY_OK)
			return st;
	}
	c->keying = 0;
	if (deploy_state_conn_put(a->st, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "key %s ... ok (%s, id 0x%08x)", dc->ident,
		       deploy_desc_alg_name(c->alg), (unsigned)c->id);
	deploy_test_die("keyed");
	return DEPLOY_OK;
}

/* ADD_ROUTE to the node of end `side`; addr = node of the other end when
 * that is another node (docs/node.md §3, Routes). */
static deploy_status route(struct deploy_app *a, int i,
			   struct deploy_state_conn *c,
			   const struct deploy_state_module rows[2], int side,
			   char *err, size_t errlen)
{
	const struct deploy_conn *dc = &a->d->conns[i];
	const struct deploy_end *ends[2] = {&dc->from, &dc->to};
	int here = mod(a, ends[side]->module)->node, other = -1;
	char addr[DEPLOY_HOST_MAX + 16] = "";
	struct ax_wire_route r;
	struct deploy_session *s;

	if (ends[!side]->module != DEPLOY_DEPLOYER)
		other = mod(a, ends[!side]->module)->node;
	if (other >= 0 && other != here)
		deploy_session_addr(a->d->nodes[other].host,
				    a->d->nodes[other].port, addr,
				    sizeof addr);
	r = (struct ax_wire_route){a->deployment, c->id, rows[0].instance,
				   rows[1].instance, (uint8_t)c->kind,
				   {addr, strlen(addr)}};
	if (deploy_app_session(a, here, &s, err, errlen) != DEPLOY_OK ||
	    deploy_session_route(s, &r, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	c->routed[side] = 1;
	if (other == here)
		c->routed[!side] = 1; /* one node holds both ends */
	if (deploy_state_conn_put(a->st, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "route %s on %s ... ok", dc->ident,
		       a->d->nodes[here].name);
	deploy_test_die("route");
	return DEPLOY_OK;
}

static deploy_status ensure_conn(struct deploy_app *a, int i, char *err,
				 size_t errlen)
{
	const struct deploy_conn *dc = &a->d->conns[i];
	const struct deploy_end *ends[2] = {&dc->from, &dc->to};
	struct deploy_state_module rows[2];
	struct deploy_state_conn c;
	int skip[2], done = 1;
	deploy_status st = DEPLOY_E_FAIL;

	if (end_row(a, ends[0], &rows[0], &skip[0], err, errlen) != DEPLOY_OK ||
	    end_row(a, ends[1], &rows[1], &skip[1], err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (skip[0] || skip[1]) {
		deploy_app_say(a, "connection %s: an end is disabled: skipped",
			       dc->ident);
		return DEPLOY_OK;
	}
	if (conn_row(a, i, &c, err, errlen) != DEPLOY_OK)
		goto out;
	for (int side = 0; side < 2; side++)
		if (ends[side]->module != DEPLOY_DEPLOYER && !c.keyed[side])
			done = 0;
	if (!c.has_key || c.keying || !done) {
		st = key_conn(a, i, &c, rows, err, errlen);
		if (st != DEPLOY_OK)
			goto out;
	}
	for (int side = 0; side < 2; side++) {
		if (ends[side]->module == DEPLOY_DEPLOYER || c.routed[side])
			continue;
		st = route(a, i, &c, rows, side, err, errlen);
		if (st != DEPLOY_OK)
			goto out;
	}
	st = DEPLOY_OK;
out:
	deploy_state_conn_wipe(&c);
	return st;
}

/* Does connection i need keys (some module end not keyed, or a keying
 * left half done)? *rows gets its ends' rows; 0 when an end is skipped. */
static deploy_status needs_keys(struct deploy_app *a, int i,
				struct deploy_state_module rows[2], int *needs,
				char *err, size_t errlen)
{
	const struct deploy_conn *dc = &a->d->conns[i];
	const struct deploy_end *ends[2] = {&dc->from, &dc->to};
	struct deploy_state_conn c;
	int skip[2], found;

	*needs = 0;
	if (end_row(a, ends[0], &rows[0], &skip[0], err, errlen) != DEPLOY_OK ||
	    end_row(a, ends[1], &rows[1], &skip[1], err, errlen) != DEPLOY_OK ||
	    deploy_state_conn_get(a->st, dc->ident, &c, &found, err,
				  errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (!skip[0] && !skip[1]) {
		*needs = !found || !c.has_key || c.keying;
		for (int side = 0; side < 2; side++)
			if (ends[side]->module != DEPLOY_DEPLOYER &&
			    !c.keyed[side])
				*needs = 1;
	}
	deploy_state_conn_wipe(&c);
	return DEPLOY_OK;
}

/* Control nonces for every module that will get a SET_KEY below, reserved
 * in one durable commit rather than one per module. */
static deploy_status reserve_nonces(struct deploy_app *a, char *err,
				    size_t errlen)
{
	const char *names[DEPLOY_MAX_MODULES];
	uint32_t inst[DEPLOY_MAX_MODULES];
	struct deploy_state_module rows[2];
	int want[DEPLOY_MAX_MODULES] = {0}, needs;
	size_t n = 0;

	for (size_t i = 0; i < a->d->n_conns; i++) {
		const struct deploy_conn *dc = &a->d->conns[i];
		const struct deploy_end *ends[2] = {&dc->from, &dc->to};

		if (needs_keys(a, (int)i, rows, &needs, err, errlen) !=
		    DEPLOY_OK)
			return DEPLOY_E_FAIL;
		for (int side = 0; needs && side < 2; side++) {
			int m = ends[side]->module;

			if (m == DEPLOY_DEPLOYER || want[m])
				continue;
			want[m] = 1;
			names[n] = mod(a, m)->name;
			inst[n++] = rows[side].instance;
		}
	}
	return deploy_state_nonce_reserve(a->st, names, inst, n, err, errlen);
}

/* ------------------------------------------------------------- periodic */

static deploy_status ensure_periodic(struct deploy_app *a, int i, char *err,
				     size_t errlen)
{
	const struct deploy_periodic *p = &a->d->periodic[i];
	const struct deploy_module *m = mod(a, p->module);
	struct deploy_state_periodic row;
	struct deploy_state_module mrow;
	struct ax_wire_periodic msg;
	struct deploy_session *s;
	char ident[sizeof row.ident];
	int found, ep = deploy_app_ep_id(a, p->module, p->entry);

	if (get_module(a, p->module, &mrow, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (mrow.disabled || !mrow.attested)
		return DEPLOY_OK;
	snprintf(ident, sizeof ident, "%s.%s", m->name, p->entry);
	if (deploy_state_periodic_get(a->st, ident, &row, &found, err,
				      errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	memcpy(row.ident, ident, sizeof ident);
	if (found && row.armed && row.period_ms == p->period_ms)
		return DEPLOY_OK;
	msg = (struct ax_wire_periodic){a->deployment, mrow.instance,
					(uint16_t)ep, p->period_ms,
					{p->arg, p->arg_len}};
	if (ep < 0 || deploy_app_session(a, m->node, &s, err, errlen) !=
			      DEPLOY_OK ||
	    deploy_session_periodic(s, &msg, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	row.period_ms = p->period_ms;
	row.armed = 1;
	if (deploy_state_periodic_put(a->st, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "periodic %s every %lu ms ... ok", row.ident,
		       (unsigned long)p->period_ms);
	deploy_test_die("periodic");
	return DEPLOY_OK;
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

	if (get_module(a, i, &row, err, errlen) != DEPLOY_OK)
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
	int lost = 0, found;

	for (size_t i = 0; i < a->d->n_modules; i++) {
		if (mod(a, (int)i)->node != node)
			continue;
		if (deploy_state_module_get(a->st, mod(a, (int)i)->name, &row,
					    &found, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (!found || !row.loaded)
			continue;
		if (deploy_app_session(a, node, &s, err, errlen) != DEPLOY_OK ||
		    deploy_session_status(s, a->deployment, &stat, err,
					  errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
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

	if (get_module(a, i, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (row.old_instance != 0)
		return DEPLOY_OK; /* an update in progress: resume it */
	if (deploy_state_new_id(a->st, &fresh, err, errlen) != DEPLOY_OK ||
	    deploy_state_begin_durable(a->st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (forget_module(a, i, err, errlen) != DEPLOY_OK ||
	    get_module(a, i, &row, err, errlen) != DEPLOY_OK)
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

	if (get_module(a, i, &row, err, errlen) != DEPLOY_OK)
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
	if (get_module(a, i, &row, err, errlen) != DEPLOY_OK ||
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

	if (get_module(a, i, &row, err, errlen) != DEPLOY_OK)
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
	st = get_module(a, i, &row, err, errlen);
	if (st != DEPLOY_OK)
		goto out;
	row.disabled = 1;
	st = deploy_state_module_put(a->st, &row, err, errlen);
out:
	ax_wipe(k_module, sizeof k_module);
	return st;
}

/* -------------------------------------------------------------- deploy */

/* The row of every module and connection, with its id, in one durable
 * transaction before any node sees an id: a power loss can then lose the
 * record of a LOAD_MODULE or ADD_ROUTE, never the id it used, so the next
 * run repeats the step under the same id (the node takes it as a no-op)
 * and leaves nothing behind on the node. Also checks, before anything
 * is sent, that no deployed module changed or moved. */
static deploy_status register_all(struct deploy_app *a, char *err,
				  size_t errlen)
{
	struct deploy_state_module row;
	struct deploy_state_conn c;
	deploy_status st = DEPLOY_E_FAIL;

	if (deploy_state_begin_durable(a->st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (size_t i = 0; i < a->d->n_modules; i++) {
		st = module_row(a, (int)i, &row, err, errlen);
		if (st != DEPLOY_OK)
			goto fail;
	}
	for (size_t i = 0; i < a->d->n_conns; i++) {
		st = conn_row(a, (int)i, &c, err, errlen);
		deploy_state_conn_wipe(&c);
		if (st != DEPLOY_OK)
			goto fail;
	}
	st = deploy_state_commit(a->st, err, errlen);
	if (st == DEPLOY_OK)
		return DEPLOY_OK;
fail:
	deploy_state_rollback(a->st);
	return st;
}

deploy_status deploy_apply_all(struct deploy_app *a, char *err,
			       size_t errlen)
{
	deploy_status st;

	if (a->deployment == 0 &&
	    deploy_state_deployment(a->st, a->d->name, 1, &a->deployment, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (deploy_apply_reconcile(a, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	st = register_all(a, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	for (size_t i = 0; i < a->d->n_modules; i++) {
		st = ensure_module(a, (int)i, err, errlen);
		if (st != DEPLOY_OK)
			return st;
	}
	if (reserve_nonces(a, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (size_t i = 0; i < a->d->n_conns; i++) {
		st = ensure_conn(a, (int)i, err, errlen);
		if (st != DEPLOY_OK)
			return wrap(st, err, errlen, a->d->conns[i].ident);
	}
	for (size_t i = 0; i < a->d->n_periodic; i++) {
		st = ensure_periodic(a, (int)i, err, errlen);
		if (st != DEPLOY_OK)
			return st;
	}
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
