/*
 * deploy_app.c - see deploy_app.h.
 */
#include "deploy_app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_modmsg.h"

void deploy_app_default_paths(const char *desc, char *state, size_t scap,
			      char *keys, size_t kcap)
{
	static const char *const exts[] = {".yaml", ".yml", ".json"};
	char base[DEPLOY_PATH_MAX];
	size_t n;

	snprintf(base, sizeof base, "%s", desc);
	n = strlen(base);
	for (size_t i = 0; i < 3; i++) {
		size_t e = strlen(exts[i]);

		if (n > e && strcmp(base + n - e, exts[i]) == 0) {
			base[n - e] = 0;
			break;
		}
	}
	if (state != NULL)
		snprintf(state, scap, "%s.authex.db", base);
	if (keys != NULL)
		snprintf(keys, kcap, "%s.keys", base);
}

void deploy_app_say(struct deploy_app *a, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (a->progress == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	a->progress(a->progress_ctx, line);
}

deploy_status deploy_app_open(struct deploy_app *a,
			      const struct deploy_app_opts *o, char *err,
			      size_t errlen)
{
	deploy_status st;

	memset(a, 0, sizeof *a);
	a->verbose = o->verbose;
	a->timeout_ms = DEPLOY_TIMEOUT_MS;
	a->d = malloc(sizeof *a->d);
	if (a->d == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	st = deploy_desc_load(o->desc_path, a->d, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	deploy_app_default_paths(o->desc_path, a->state_path,
				 sizeof a->state_path, a->keystore_path,
				 sizeof a->keystore_path);
	if (o->state_path != NULL)
		snprintf(a->state_path, sizeof a->state_path, "%s",
			 o->state_path);
	if (o->keystore_path != NULL)
		snprintf(a->keystore_path, sizeof a->keystore_path, "%s",
			 o->keystore_path);
	if (o->need_keys &&
	    ax_keyfile_load(a->keystore_path, a->keys, AX_KEYFILE_MAX_NODES,
			    &a->n_keys, err, errlen) != 0) {
		char inner[768];

		snprintf(inner, sizeof inner, "%s", err);
		deploy_errf(err, errlen, "keystore: %s (nodes are added with "
			    "`authex node init NAME --keystore %s`)", inner,
			    a->keystore_path);
		return DEPLOY_E_INPUT;
	}
	st = deploy_state_open(a->state_path, &a->st, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	/* The database records image paths: make them absolute, so a later
	 * command run from another directory finds them. */
	snprintf(a->cache_dir, sizeof a->cache_dir, "%s.d/images",
		 a->state_path);
	if (a->state_path[0] != '/') {
		char cwd[DEPLOY_PATH_MAX / 2];

		if (getcwd(cwd, sizeof cwd) != NULL)
			snprintf(a->cache_dir, sizeof a->cache_dir,
				 "%s/%.*s.d/images", cwd,
				 (int)(DEPLOY_PATH_MAX / 2), a->state_path);
	}
	return deploy_state_deployment(a->st, a->d->name, 0, &a->deployment,
				       err, errlen);
}

void deploy_app_close(struct deploy_app *a)
{
	for (size_t i = 0; i < DEPLOY_MAX_NODES; i++)
		if (a->sess_open[i])
			deploy_session_close(&a->sess[i]);
	deploy_state_close(a->st);
	ax_wipe(a->keys, sizeof a->keys);
	free(a->d);
	a->d = NULL;
	a->st = NULL;
}

deploy_status deploy_app_node_keys(struct deploy_app *a, int node,
				   const struct ax_keyfile_node **out,
				   char *err, size_t errlen)
{
	const char *name = a->d->nodes[node].name;

	*out = ax_keyfile_find(a->keys, a->n_keys, name);
	if (*out != NULL)
		return DEPLOY_OK;
	deploy_errf(err, errlen,
		    "node '%s' is not in the keystore %s (provision it with "
		    "`authex node init %s --keystore %s`)", name,
		    a->keystore_path, name, a->keystore_path);
	return DEPLOY_E_INPUT;
}

deploy_status deploy_app_module_row(struct deploy_app *a, int module,
				    struct deploy_state_module *row,
				    char *err, size_t errlen)
{
	const char *name = a->d->modules[module].name;
	int found;

	if (deploy_state_module_get(a->st, name, row, &found, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (!found) {
		deploy_errf(err, errlen, "module '%s' is not deployed "
			    "(run `authex deploy` first)", name);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* A session just opened: verbose line, event handler. Its first AUTH
 * exchange (a STATUS_REQ for the deployment) proves both session keys,
 * and tells the node this session belongs to the deployment (events for
 * the deployer come back on it). */
static void session_opened(struct deploy_app *a, int node,
			   const struct ax_keyfile_node *k)
{
	struct deploy_session *s = &a->sess[node];

	a->sess_open[node] = 1;
	if (a->verbose)
		deploy_app_say(a, "session to %s at %s: node id 0x%08x, keys "
			       "derived", a->d->nodes[node].name, s->addr,
			       (unsigned)k->node_id);
	s->on_event = a->on_event;
	s->event_ctx = a->event_ctx;
}

static uint32_t session_deployment(struct deploy_app *a)
{
	return a->deployment ? a->deployment : AX_WIRE_ALL;
}

deploy_status deploy_app_session(struct deploy_app *a, int node,
				 struct deploy_session **out, char *err,
				 size_t errlen)
{
	const struct deploy_node *nd = &a->d->nodes[node];
	const struct ax_keyfile_node *k;
	struct deploy_session *s = &a->sess[node];
	struct ax_wire_status stat;

	*out = NULL;
	if (a->sess_open[node] && !s->failed) {
		s->on_event = a->on_event;
		s->event_ctx = a->event_ctx;
		*out = s;
		return DEPLOY_OK;
	}
	if (a->sess_open[node])
		deploy_session_close(s);
	a->sess_open[node] = 0;
	if (deploy_app_node_keys(a, node, &k, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_INPUT;
	if (deploy_session_open(s, nd->name, nd->host, nd->port, k->node_id,
				k->control_key, a->timeout_ms, err,
				errlen) != DEPLOY_OK) {
		deploy_session_close(s);
		return DEPLOY_E_FAIL;
	}
	session_opened(a, node, k);
	if (deploy_session_status(s, session_deployment(a), &stat, err,
				  errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	*out = s;
	return DEPLOY_OK;
}

/* Each half of the opening for every started node in turn; a node that
 * fails is closed and forgotten (want[node] = 0). */
static void sessions_start(struct deploy_app *a, int *want)
{
	const struct ax_keyfile_node *k;
	char err[512];

	for (size_t n = 0; n < a->d->n_nodes; n++) {
		const struct deploy_node *nd = &a->d->nodes[n];

		if (!want[n])
			continue;
		want[n] = !a->sess_open[n] &&
			  deploy_app_node_keys(a, (int)n, &k, err, sizeof err) ==
				  DEPLOY_OK &&
			  deploy_session_start(&a->sess[n], nd->name, nd->host,
					       nd->port, k->node_id,
					       a->timeout_ms, err,
					       sizeof err) == DEPLOY_OK;
		if (!want[n] && !a->sess_open[n])
			deploy_session_close(&a->sess[n]);
	}
}

void deploy_app_sessions(struct deploy_app *a, const int *nodes)
{
	const struct ax_keyfile_node *k;
	struct ax_wire_status stat;
	uint32_t seq[DEPLOY_MAX_NODES];
	int want[DEPLOY_MAX_NODES] = {0};
	char err[512];

	memcpy(want, nodes, a->d->n_nodes * sizeof *want);
	sessions_start(a, want);
	for (size_t n = 0; n < a->d->n_nodes; n++) {
		if (!want[n])
			continue;
		if (deploy_app_node_keys(a, (int)n, &k, err, sizeof err) !=
			    DEPLOY_OK ||
		    deploy_session_finish(&a->sess[n], k->control_key, err,
					  sizeof err) != DEPLOY_OK) {
			deploy_session_close(&a->sess[n]);
			want[n] = 0;
			continue;
		}
		session_opened(a, (int)n, k);
		want[n] = deploy_session_send_status(&a->sess[n],
						     session_deployment(a),
						     &seq[n], err, sizeof err) ==
			  DEPLOY_OK;
	}
	/* a failure leaves the session failed: deploy_app_session opens it
	 * again and reports what goes wrong then */
	for (size_t n = 0; n < a->d->n_nodes; n++)
		if (want[n] && deploy_session_collect_status(&a->sess[n], seq[n],
							     &stat, err,
							     sizeof err) !=
				       DEPLOY_OK)
			want[n] = 0;
}

deploy_status deploy_app_build_all(struct deploy_app *a, char *err,
				   size_t errlen)
{
	struct ax_manifest *man;
	deploy_status st;

	for (size_t i = 0; i < a->d->n_modules; i++) {
		const struct deploy_module *m = &a->d->modules[i];
		struct deploy_image *img = &a->img[i];
		char h[16];

		if (a->built[i])
			continue;
		st = deploy_build_module(m->source,
					 a->d->nodes[m->node].platform,
					 a->cache_dir, img, err, errlen);
		if (st != DEPLOY_OK) {
			char inner[900];

			snprintf(inner, sizeof inner, "%s", err);
			deploy_errf(err, errlen, "build %s: %s", m->name,
				    inner);
			return st;
		}
		a->built[i] = 1;
		deploy_hex_short(img->measurement, 32, h);
		deploy_app_say(a, "build %s ... ok (%s%.1f KiB, measurement "
			       "%s%s)", m->name,
			       strcmp(a->d->nodes[m->node].platform, "tzm") == 0
				       ? "tzm image, " : "",
			       (double)img->size / 1024.0, h,
			       img->cached    ? ", cached"
			       : img->rebuilt ? ", cache entry had changed on "
						"disk: rebuilt"
					      : "");
	}
	man = calloc(a->d->n_modules, sizeof *man);
	if (man == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	for (size_t i = 0; i < a->d->n_modules; i++)
		man[i] = a->img[i].man;
	st = deploy_desc_check_endpoints(a->d, man, err, errlen);
	free(man);
	return st;
}

deploy_status deploy_app_manifest(struct deploy_app *a, int module,
				  const struct ax_manifest **out, char *err,
				  size_t errlen)
{
	const struct deploy_module *m = &a->d->modules[module];
	struct deploy_state_module row;
	int found;

	*out = NULL;
	if (!a->built[module]) {
		if (deploy_state_module_get(a->st, a->d->modules[module].name,
					    &row, &found, err,
					    errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (found && row.image[0] &&
		    deploy_build_load_image(row.image, &a->img[module], NULL,
					    err, errlen) == DEPLOY_OK)
			a->built[module] = 1;
		else if (deploy_build_module(m->source,
					     a->d->nodes[m->node].platform,
					     a->cache_dir, &a->img[module],
					     err, errlen) == DEPLOY_OK)
			a->built[module] = 1;
		else
			return DEPLOY_E_FAIL;
	}
	*out = &a->img[module].man;
	return DEPLOY_OK;
}

/* K_M or the load authorization: both derive from the node's K_node. */
static deploy_status node_derive(struct deploy_app *a, int module,
				 ax_rt_status (*fn)(const uint8_t *, uint32_t,
						    const uint8_t *, uint8_t *),
				 const char *what, uint32_t instance,
				 const uint8_t measurement[32],
				 uint8_t out[32], char *err, size_t errlen)
{
	const struct ax_keyfile_node *k;

	if (deploy_app_node_keys(a, a->d->modules[module].node, &k, err,
				 errlen) != DEPLOY_OK)
		return DEPLOY_E_INPUT;
	if (fn(k->node_key, instance, measurement, out) != AX_OK) {
		deploy_errf(err, errlen, "%s derivation failed", what);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

deploy_status deploy_app_module_key(struct deploy_app *a, int module,
				    uint32_t instance,
				    const uint8_t measurement[32],
				    uint8_t k_module[32], char *err,
				    size_t errlen)
{
	return node_derive(a, module, ax_modmsg_module_key, "module key",
			   instance, measurement, k_module, err, errlen);
}

deploy_status deploy_app_load_auth(struct deploy_app *a, int module,
				   uint32_t instance,
				   const uint8_t measurement[32],
				   uint8_t auth[32], char *err, size_t errlen)
{
	return node_derive(a, module, ax_modmsg_load_auth,
			   "load authorization", instance, measurement, auth,
			   err, errlen);
}

int deploy_app_ep_id(struct deploy_app *a, int module, const char *name)
{
	const struct ax_manifest_ep *ep;

	if (!a->built[module])
		return -1;
	ep = ax_manifest_find(&a->img[module].man, name, 0);
	return ep == NULL ? -1 : ep->id;
}

unsigned deploy_app_conn_kind(struct deploy_app *a, int conn)
{
	const struct deploy_conn *c = &a->d->conns[conn];
	const struct ax_manifest_ep *ep;

	if (c->to.module != DEPLOY_DEPLOYER && a->built[c->to.module]) {
		ep = ax_manifest_find(&a->img[c->to.module].man, c->to.ep, 0);
		if (ep != NULL && ep->kind == AX_EP_HANDLER)
			return AX_WIRE_ROUTE_REQUEST;
	}
	return AX_WIRE_ROUTE_EVENT;
}
