/*
 * deploy_steps.c - see deploy_steps.h. Step names follow docs/node.md §4.
 * Each step has a _send function (one request, added to the step's pipe)
 * and a _done function (one answer, recorded).
 */
#include "deploy_steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "deploy_pipe.h"

/* Requests in flight per node session: one. The nodes work in parallel,
 * each on one request of the deployer at a time, as when it sent them one
 * by one: a node whose deployer is gone then has at most one answer left
 * to write to the closed connection. A LOAD_MODULE frame also carries a
 * whole image (up to 4 MiB) that a node may take seconds to load (tzm):
 * a second one queued behind it could hold its send past the timeout. */
#define WINDOW 1

static const struct deploy_module *mod(struct deploy_app *a, int i)
{
	return &a->d->modules[i];
}

/* Keep the inner message of a failed step and say what it was for. */
static deploy_status wrap(deploy_status st, char *err, size_t errlen,
			  const char *what)
{
	char inner[1024];

	if (st == DEPLOY_OK)
		return st;
	snprintf(inner, sizeof inner, "%s", err);
	deploy_errf(err, errlen, "%s: %s", what, inner);
	return st;
}

/* ------------------------------------------------------------- register */

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

/* The connection's row, created with a fresh id if new; one whose kind or
 * algorithm changed is keyed and routed again. */
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
	snprintf(c->ident, sizeof c->ident, "%s", dc->ident);
	c->alg = dc->alg;
	c->kind = deploy_app_conn_kind(a, i);
	c->has_key = 0;
	c->keyed[0] = c->keyed[1] = c->routed[0] = c->routed[1] = 0;
	return deploy_state_conn_put(a->st, c, err, errlen);
}

/* Durable: a power loss can then lose the record of a LOAD_MODULE or
 * ADD_ROUTE, never the id it used, so the next run repeats the step under
 * the same id (the node takes it as a no-op) and leaves nothing behind on
 * the node. */
deploy_status deploy_steps_register(struct deploy_app *a, char *err,
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

/* ------------------------------------------------------------------ load */

static deploy_status load_send(struct deploy_app *a, struct deploy_pipe *p,
			       int i, const struct deploy_state_module *row,
			       char *err, size_t errlen)
{
	const struct deploy_module *m = mod(a, i);
	const struct deploy_node *nd = &a->d->nodes[m->node];
	struct deploy_session *s;
	struct ax_wire_load msg;
	uint8_t *image;
	uint32_t seq;
	deploy_status st;

	if (deploy_app_session(a, m->node, &s, err, errlen) != DEPLOY_OK ||
	    deploy_pipe_room(p, s, err, errlen) != DEPLOY_OK ||
	    deploy_build_load_image(row->image, &a->img[i], &image, err,
				    errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	msg = (struct ax_wire_load){a->deployment, row->instance,
				    {m->name, strlen(m->name)},
				    {nd->platform, strlen(nd->platform)},
				    {image, a->img[i].size}, {0}};
	/* Over the measurement of the bytes just read, the ones sent; the
	 * answer is checked against it too (a->img[i] stays as it is until
	 * then: each module is sent once per step). */
	st = deploy_app_load_auth(a, i, row->instance, a->img[i].measurement,
				  msg.auth, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_session_send_load(s, &msg, &seq, err, errlen);
	ax_wipe(msg.auth, sizeof msg.auth);
	free(image);
	if (st != DEPLOY_OK)
		return st;
	return deploy_pipe_add(p, s, seq, AX_WIRE_LOAD_MODULE, i, -1, err,
			       errlen);
}

static deploy_status load_done(void *ctx, const struct deploy_pipe_req *r,
			       const struct ax_wire_result *res, char *err,
			       size_t errlen)
{
	struct deploy_app *a = ctx;
	const struct deploy_module *m = mod(a, r->item);
	const char *node = a->d->nodes[m->node].name;
	struct deploy_state_module row;
	char got[16], want[16];

	if (res->data.len != 32 ||
	    ax_ct_equal(res->data.ptr, a->img[r->item].measurement, 32) != 0) {
		deploy_hex_short(res->data.ptr, res->data.len, got);
		deploy_hex_short(a->img[r->item].measurement, 32, want);
		deploy_errf(err, errlen,
			    "module '%s' on node '%s': measurement mismatch: "
			    "node loaded %s, built %s", m->name, node,
			    res->data.len ? got : "(nothing)", want);
		return DEPLOY_E_FAIL;
	}
	if (deploy_app_module_row(a, r->item, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	row.loaded = 1;
	if (deploy_state_module_put(a->st, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "load %s on %s ... ok (instance 0x%08x)", m->name,
		       node, (unsigned)row.instance);
	deploy_test_die("load");
	return DEPLOY_OK;
}

/* ---------------------------------------------------------------- attest */

struct attest_step {
	struct deploy_app *a;
	uint8_t challenge[DEPLOY_MAX_MODULES][AX_CHALLENGE_LEN];
};

static deploy_status attest_send(struct attest_step *x, struct deploy_pipe *p,
				 int i, const struct deploy_state_module *row,
				 char *err, size_t errlen)
{
	struct deploy_app *a = x->a;
	uint8_t msg[AX_ATTEST_LEN];
	struct deploy_session *s;
	uint32_t seq;
	size_t len;

	if (deploy_app_session(a, mod(a, i)->node, &s, err, errlen) !=
		    DEPLOY_OK ||
	    deploy_pipe_room(p, s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (ax_random(x->challenge[i], AX_CHALLENGE_LEN) != AX_CRYPTO_OK ||
	    ax_modmsg_attest(x->challenge[i], msg, sizeof msg, &len) != AX_OK) {
		deploy_errf(err, errlen, "attestation request failed");
		return DEPLOY_E_FAIL;
	}
	if (deploy_session_send_module_msg(s, a->deployment, row->instance,
					   msg, len, &seq, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_pipe_add(p, s, seq, AX_WIRE_MODULE_MSG, i, -1, err,
			       errlen);
}

static deploy_status attest_done(void *ctx, const struct deploy_pipe_req *r,
				 const struct ax_wire_result *res, char *err,
				 size_t errlen)
{
	struct attest_step *x = ctx;
	struct deploy_app *a = x->a;
	const struct deploy_module *m = mod(a, r->item);
	uint8_t k_module[AX_MODULE_KEY_LEN];
	struct deploy_state_module row;
	deploy_status st;

	st = deploy_app_module_row(a, r->item, &row, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_app_module_key(a, r->item, row.instance,
					   row.measurement, k_module, err,
					   errlen);
	if (st != DEPLOY_OK)
		goto out;
	if (ax_modmsg_attest_check(k_module, row.instance,
				   x->challenge[r->item], res->data.ptr,
				   res->data.len) != AX_OK) {
		deploy_errf(err, errlen,
			    "module '%s' on node '%s': attestation failed (the "
			    "answer does not verify: wrong node key, image or "
			    "instance)", m->name, a->d->nodes[m->node].name);
		st = DEPLOY_E_FAIL;
		goto out;
	}
	row.attested = 1;
	st = deploy_state_module_put(a->st, &row, err, errlen);
	if (st == DEPLOY_OK) {
		deploy_app_say(a, "attest %s ... ok", m->name);
		deploy_test_die("attest");
	}
out:
	ax_wipe(k_module, sizeof k_module);
	return st;
}

/* LOAD_MODULE of every module that is not loaded (nor disabled); *stop:
 * the first module whose load failed, or n_modules. */
static deploy_status load_all(struct deploy_app *a, size_t *stop, char *err,
			      size_t errlen)
{
	struct deploy_state_module row;
	struct deploy_pipe p;
	deploy_status st;

	*stop = a->d->n_modules;
	st = deploy_pipe_init(&p, a->d->n_modules, WINDOW, load_done, a, err,
			      errlen);
	if (st != DEPLOY_OK)
		return st;
	for (size_t i = 0; st == DEPLOY_OK && i < a->d->n_modules; i++) {
		st = deploy_app_module_row(a, (int)i, &row, err, errlen);
		if (st == DEPLOY_OK && row.disabled)
			deploy_app_say(a, "module %s is disabled: skipped (use "
				       "`authex update` to replace it)",
				       row.name);
		else if (st == DEPLOY_OK && !row.loaded)
			st = load_send(a, &p, (int)i, &row, err, errlen);
		if (st != DEPLOY_OK)
			deploy_pipe_fail(&p, (int)i, st, err);
	}
	st = deploy_pipe_finish(&p, err, errlen);
	if (st != DEPLOY_OK)
		*stop = (size_t)p.err_item;
	deploy_pipe_free(&p);
	return st;
}

/* ATTEST of the modules before stop that are loaded, not attested, not
 * disabled. */
static deploy_status attest_all(struct deploy_app *a, size_t stop, char *err,
				size_t errlen)
{
	struct attest_step *x = calloc(1, sizeof *x);
	struct deploy_state_module row;
	struct deploy_pipe p;
	deploy_status st;

	if (x == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	x->a = a;
	st = deploy_pipe_init(&p, a->d->n_modules, WINDOW, attest_done, x, err,
			      errlen);
	if (st != DEPLOY_OK) {
		free(x);
		return st;
	}
	for (size_t i = 0; st == DEPLOY_OK && i < stop; i++) {
		st = deploy_app_module_row(a, (int)i, &row, err, errlen);
		if (st == DEPLOY_OK && row.loaded && !row.attested &&
		    !row.disabled)
			st = attest_send(x, &p, (int)i, &row, err, errlen);
		if (st != DEPLOY_OK)
			deploy_pipe_fail(&p, (int)i, st, err);
	}
	st = deploy_pipe_finish(&p, err, errlen);
	deploy_pipe_free(&p);
	free(x);
	return st;
}

/* The loads, then the attestations; the failure reported is the first
 * in the order "module by module, each loaded then attested". */
deploy_status deploy_steps_modules(struct deploy_app *a, char *err,
				   size_t errlen)
{
	char load_err[1024];
	deploy_status load_st, st;
	size_t stop;

	load_st = load_all(a, &stop, load_err, sizeof load_err);
	st = attest_all(a, stop, err, errlen);
	if (st == DEPLOY_OK && load_st != DEPLOY_OK) {
		deploy_errf(err, errlen, "%s", load_err);
		st = load_st;
	}
	return st;
}

/* ----------------------------------------------------------- connections */

/* What the connection steps know of every connection of the descriptor. */
struct conn_step {
	struct deploy_app *a;
	struct deploy_state_conn *c;           /* rows; keys wiped at the end */
	struct deploy_state_module (*ends)[2]; /* the rows of the ends */
	int *skip;                             /* an end disabled/unattested */
	int *needs;                            /* to be keyed in this run */
};

static const struct deploy_end *end_of(struct conn_step *x, int i, int side)
{
	const struct deploy_conn *dc = &x->a->d->conns[i];

	return side ? &dc->to : &dc->from;
}

/* Node of end `side` of connection i; -1 for the deployer. */
static int node_of(struct conn_step *x, int i, int side)
{
	int m = end_of(x, i, side)->module;

	return m == DEPLOY_DEPLOYER ? -1 : mod(x->a, m)->node;
}

/* Row of module end e (zeroed when it is the deployer); *skip when
 * disabled or not attested (nothing can be keyed there). */
static deploy_status end_row(struct deploy_app *a,
			     const struct deploy_end *e,
			     struct deploy_state_module *row, int *skip,
			     char *err, size_t errlen)
{
	memset(row, 0, sizeof *row);
	*skip = 0;
	if (e->module == DEPLOY_DEPLOYER)
		return DEPLOY_OK;
	if (deploy_app_module_row(a, e->module, row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	*skip = row->disabled || !row->attested;
	return DEPLOY_OK;
}

/* Rows of connection i and its ends; whether it is skipped, and whether
 * it needs keys (a module end not keyed, or a keying left half done). */
static deploy_status conn_prepare(struct conn_step *x, int i, char *err,
				  size_t errlen)
{
	int skip[2];

	for (int side = 0; side < 2; side++)
		if (end_row(x->a, end_of(x, i, side), &x->ends[i][side],
			    &skip[side], err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	x->skip[i] = skip[0] || skip[1];
	if (x->skip[i]) {
		deploy_app_say(x->a, "connection %s: an end is disabled: "
			       "skipped", x->a->d->conns[i].ident);
		return DEPLOY_OK;
	}
	if (conn_row(x->a, i, &x->c[i], err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	x->needs[i] = !x->c[i].has_key || x->c[i].keying;
	for (int side = 0; side < 2; side++)
		if (node_of(x, i, side) >= 0 && !x->c[i].keyed[side])
			x->needs[i] = 1;
	return DEPLOY_OK;
}

/* The control nonces of every module about to get a SET_KEY, reserved
 * in one durable commit rather than one per module. */
static deploy_status reserve_nonces(struct conn_step *x, char *err,
				    size_t errlen)
{
	const char *names[DEPLOY_MAX_MODULES];
	uint32_t inst[DEPLOY_MAX_MODULES];
	int want[DEPLOY_MAX_MODULES] = {0};
	size_t n = 0;

	for (size_t i = 0; i < x->a->d->n_conns; i++)
		for (int side = 0; x->needs[i] && side < 2; side++) {
			int m = end_of(x, (int)i, side)->module;

			if (m == DEPLOY_DEPLOYER || want[m])
				continue;
			want[m] = 1;
			names[n] = mod(x->a, m)->name;
			inst[n++] = x->ends[i][side].instance;
		}
	return deploy_state_nonce_reserve(x->a->st, names, inst, n, err,
					  errlen);
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

/* SET_KEY to the module at end `side` of connection i: its nonce is
 * committed (reserve_nonces) before the frame is built. */
static deploy_status setkey_send(struct conn_step *x, struct deploy_pipe *p,
				 int i, int side, char *err, size_t errlen)
{
	struct deploy_app *a = x->a;
	const struct deploy_end *e = end_of(x, i, side);
	const struct deploy_state_module *row = &x->ends[i][side];
	const struct deploy_state_conn *c = &x->c[i];
	uint8_t k_module[AX_MODULE_KEY_LEN];
	uint8_t msg[AX_SET_KEY_HDR_LEN + AX_AEAD_KEY_MAX + AX_TAG_LEN];
	struct deploy_session *s = NULL;
	int ep = deploy_app_ep_id(a, e->module, e->ep);
	uint64_t nonce;
	uint32_t seq;
	size_t len;
	deploy_status st;

	st = deploy_app_module_key(a, e->module, row->instance,
				   row->measurement, k_module, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_app_session(a, mod(a, e->module)->node, &s, err,
					errlen);
	if (st == DEPLOY_OK)
		st = deploy_pipe_room(p, s, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_state_nonce_next(a->st, row->name, row->instance,
					     &nonce, err, errlen);
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
	st = deploy_session_send_module_msg(s, a->deployment, row->instance,
					    msg, len, &seq, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_pipe_add(p, s, seq, AX_WIRE_MODULE_MSG, i, side,
				     err, errlen);
out:
	ax_wipe(k_module, sizeof k_module);
	ax_wipe(msg, sizeof msg);
	return st;
}

/* One end keyed; the connection is keyed once every module end is. */
static deploy_status setkey_done(void *ctx, const struct deploy_pipe_req *r,
				 const struct ax_wire_result *res, char *err,
				 size_t errlen)
{
	struct conn_step *x = ctx;
	struct deploy_state_conn *c = &x->c[r->item];

	(void)res;
	c->keyed[r->side] = 1;
	if (deploy_state_conn_put(x->a->st, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_test_die("setkey");
	for (int side = 0; side < 2; side++)
		if (node_of(x, r->item, side) >= 0 && !c->keyed[side])
			return DEPLOY_OK;
	c->keying = 0;
	if (deploy_state_conn_put(x->a->st, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(x->a, "key %s ... ok (%s, id 0x%08x)", c->ident,
		       deploy_desc_alg_name(c->alg), (unsigned)c->id);
	deploy_test_die("keyed");
	return DEPLOY_OK;
}

/* SET_KEY to every module end of the connections that need keys; *stop:
 * the first connection whose keying failed, or n_conns. */
static deploy_status setkey_all(struct conn_step *x, size_t *stop, char *err,
				size_t errlen)
{
	size_t n = x->a->d->n_conns;
	struct deploy_pipe p;
	deploy_status st;

	*stop = n;
	st = deploy_pipe_init(&p, 2 * n, WINDOW, setkey_done, x, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	for (size_t i = 0; st == DEPLOY_OK && i < n; i++) {
		if (!x->needs[i])
			continue;
		st = new_key(x->a, &x->c[i], err, errlen);
		for (int side = 0; st == DEPLOY_OK && side < 2; side++)
			if (node_of(x, (int)i, side) >= 0)
				st = setkey_send(x, &p, (int)i, side, err,
						 errlen);
		if (st != DEPLOY_OK)
			deploy_pipe_fail(&p, (int)i, st, err);
	}
	st = deploy_pipe_finish(&p, err, errlen);
	if (st != DEPLOY_OK) {
		*stop = (size_t)p.err_item;
		st = wrap(st, err, errlen, x->c[p.err_item].ident);
	}
	deploy_pipe_free(&p);
	return st;
}

/* ADD_ROUTE to the node of end `side`; addr = the node of the other end
 * when that is another node (docs/node.md §3, Routes). */
static deploy_status route_send(struct conn_step *x, struct deploy_pipe *p,
				int i, int side, char *err, size_t errlen)
{
	struct deploy_app *a = x->a;
	const struct deploy_state_conn *c = &x->c[i];
	int here = node_of(x, i, side), other = node_of(x, i, !side);
	char addr[DEPLOY_HOST_MAX + 16] = "";
	struct ax_wire_route r;
	struct deploy_session *s;
	uint32_t seq;

	if (other >= 0 && other != here)
		deploy_session_addr(a->d->nodes[other].host,
				    a->d->nodes[other].port, addr,
				    sizeof addr);
	r = (struct ax_wire_route){a->deployment, c->id, x->ends[i][0].instance,
				   x->ends[i][1].instance, (uint8_t)c->kind,
				   {addr, strlen(addr)}};
	if (deploy_app_session(a, here, &s, err, errlen) != DEPLOY_OK ||
	    deploy_pipe_room(p, s, err, errlen) != DEPLOY_OK ||
	    deploy_session_send_route(s, &r, &seq, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_pipe_add(p, s, seq, AX_WIRE_ADD_ROUTE, i, side, err,
			       errlen);
}

static deploy_status route_done(void *ctx, const struct deploy_pipe_req *r,
				const struct ax_wire_result *res, char *err,
				size_t errlen)
{
	struct conn_step *x = ctx;
	struct deploy_state_conn *c = &x->c[r->item];
	int here = node_of(x, r->item, r->side);

	(void)res;
	c->routed[r->side] = 1;
	if (node_of(x, r->item, !r->side) == here)
		c->routed[!r->side] = 1; /* one node holds both ends */
	if (deploy_state_conn_put(x->a->st, c, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(x->a, "route %s on %s ... ok", c->ident,
		       x->a->d->nodes[here].name);
	deploy_test_die("route");
	return DEPLOY_OK;
}

/* ADD_ROUTE for every end not routed of the connections before stop. */
static deploy_status route_all(struct conn_step *x, size_t stop, char *err,
			       size_t errlen)
{
	struct deploy_pipe p;
	deploy_status st;

	st = deploy_pipe_init(&p, 2 * x->a->d->n_conns, WINDOW, route_done, x,
			      err, errlen);
	if (st != DEPLOY_OK)
		return st;
	for (size_t i = 0; st == DEPLOY_OK && i < stop; i++) {
		int sent = -1;

		for (int side = 0; !x->skip[i] && side < 2; side++) {
			int here = node_of(x, (int)i, side);

			if (here < 0 || x->c[i].routed[side] || here == sent)
				continue; /* the deployer, done, or sent */
			st = route_send(x, &p, (int)i, side, err, errlen);
			if (st != DEPLOY_OK)
				break;
			sent = here;
		}
		if (st != DEPLOY_OK)
			deploy_pipe_fail(&p, (int)i, st, err);
	}
	st = deploy_pipe_finish(&p, err, errlen);
	if (st != DEPLOY_OK)
		st = wrap(st, err, errlen, x->a->d->conns[p.err_item].ident);
	deploy_pipe_free(&p);
	return st;
}

static deploy_status conn_step_init(struct conn_step *x, struct deploy_app *a,
				    char *err, size_t errlen)
{
	size_t n = a->d->n_conns ? a->d->n_conns : 1;

	memset(x, 0, sizeof *x);
	x->a = a;
	x->c = calloc(n, sizeof *x->c);
	x->ends = calloc(n, sizeof *x->ends);
	x->skip = calloc(n, sizeof *x->skip);
	x->needs = calloc(n, sizeof *x->needs);
	if (x->c == NULL || x->ends == NULL || x->skip == NULL ||
	    x->needs == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

static void conn_step_free(struct conn_step *x)
{
	if (x->c != NULL)
		ax_wipe(x->c, x->a->d->n_conns * sizeof *x->c);
	free(x->c);
	free(x->ends);
	free(x->skip);
	free(x->needs);
}

/* Keys, then routes; the failure reported is the first in the order
 * "connection by connection, each keyed then routed". */
deploy_status deploy_steps_conns(struct deploy_app *a, char *err,
				 size_t errlen)
{
	char key_err[1024];
	deploy_status key_st, st;
	struct conn_step x;
	size_t stop = 0;

	st = conn_step_init(&x, a, err, errlen);
	for (size_t i = 0; st == DEPLOY_OK && i < a->d->n_conns; i++) {
		st = conn_prepare(&x, (int)i, err, errlen);
		if (st != DEPLOY_OK)
			st = wrap(st, err, errlen, a->d->conns[i].ident);
	}
	if (st == DEPLOY_OK)
		st = reserve_nonces(&x, err, errlen);
	if (st == DEPLOY_OK) {
		key_st = setkey_all(&x, &stop, key_err, sizeof key_err);
		st = route_all(&x, stop, err, errlen);
		if (st == DEPLOY_OK && key_st != DEPLOY_OK) {
			deploy_errf(err, errlen, "%s", key_err);
			st = key_st;
		}
	}
	conn_step_free(&x);
	return st;
}

/* -------------------------------------------------------------- periodic */

static deploy_status periodic_send(struct deploy_app *a, struct deploy_pipe *p,
				   int i, char *err, size_t errlen)
{
	const struct deploy_periodic *pe = &a->d->periodic[i];
	const struct deploy_module *m = mod(a, pe->module);
	struct deploy_state_periodic row;
	struct deploy_state_module mrow;
	struct ax_wire_periodic msg;
	struct deploy_session *s;
	char ident[sizeof row.ident];
	int found, ep = deploy_app_ep_id(a, pe->module, pe->entry);
	uint32_t seq;

	if (deploy_app_module_row(a, pe->module, &mrow, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (mrow.disabled || !mrow.attested)
		return DEPLOY_OK;
	snprintf(ident, sizeof ident, "%s.%s", m->name, pe->entry);
	if (deploy_state_periodic_get(a->st, ident, &row, &found, err,
				      errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (found && row.armed && row.period_ms == pe->period_ms)
		return DEPLOY_OK;
	if (ep < 0) {
		deploy_errf(err, errlen, "module '%s' has no entry point '%s'",
			    m->name, pe->entry);
		return DEPLOY_E_INPUT;
	}
	msg = (struct ax_wire_periodic){a->deployment, mrow.instance,
					(uint16_t)ep, pe->period_ms,
					{pe->arg, pe->arg_len}};
	if (deploy_app_session(a, m->node, &s, err, errlen) != DEPLOY_OK ||
	    deploy_pipe_room(p, s, err, errlen) != DEPLOY_OK ||
	    deploy_session_send_periodic(s, &msg, &seq, err, errlen) !=
		    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return deploy_pipe_add(p, s, seq, AX_WIRE_PERIODIC, i, -1, err,
			       errlen);
}

static deploy_status periodic_done(void *ctx, const struct deploy_pipe_req *r,
				   const struct ax_wire_result *res, char *err,
				   size_t errlen)
{
	struct deploy_app *a = ctx;
	const struct deploy_periodic *pe = &a->d->periodic[r->item];
	struct deploy_state_periodic row;

	(void)res;
	snprintf(row.ident, sizeof row.ident, "%s.%s", mod(a, pe->module)->name,
		 pe->entry);
	row.period_ms = pe->period_ms;
	row.armed = 1;
	if (deploy_state_periodic_put(a->st, &row, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "periodic %s every %lu ms ... ok", row.ident,
		       (unsigned long)pe->period_ms);
	deploy_test_die("periodic");
	return DEPLOY_OK;
}

deploy_status deploy_steps_periodic(struct deploy_app *a, char *err,
				    size_t errlen)
{
	struct deploy_pipe p;
	deploy_status st;

	st = deploy_pipe_init(&p, a->d->n_periodic, WINDOW, periodic_done, a,
			      err, errlen);
	if (st != DEPLOY_OK)
		return st;
	for (size_t i = 0; st == DEPLOY_OK && i < a->d->n_periodic; i++) {
		st = periodic_send(a, &p, (int)i, err, errlen);
		if (st != DEPLOY_OK)
			deploy_pipe_fail(&p, (int)i, st, err);
	}
	st = deploy_pipe_finish(&p, err, errlen);
	deploy_pipe_free(&p);
	return st;
}
