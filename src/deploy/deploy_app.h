/*
 * deploy_app.h - everything one CLI command works with: the descriptor,
 * the state database, the keystore, the built images and the sessions to
 * the nodes (opened on first use).
 *
 * Paths, unless given: state APP.authex.db and keystore APP.keys beside
 * the descriptor (APP = its file name without .yaml/.yml/.json); image
 * cache STATE.d/images.
 */
#ifndef DEPLOY_APP_H
#define DEPLOY_APP_H

#include <stddef.h>
#include <stdint.h>

#include "ax_keyfile.h"
#include "deploy_build.h"
#include "deploy_descriptor.h"
#include "deploy_session.h"
#include "deploy_state.h"
#include "deploy_util.h"

#define DEPLOY_TIMEOUT_MS 10000

/* Progress lines ("build sensor ... ok"): the command layer prints them. */
typedef void (*deploy_app_progress_fn)(void *ctx, const char *line);

struct deploy_app_opts {
	const char *desc_path;
	const char *state_path;     /* NULL: default */
	const char *keystore_path;  /* NULL: default */
	int need_keys;              /* load the keystore (network commands) */
	int verbose;
};

struct deploy_app {
	struct deploy_desc *d;
	char state_path[DEPLOY_PATH_MAX];
	char keystore_path[DEPLOY_PATH_MAX];
	char cache_dir[DEPLOY_PATH_MAX + 16];
	struct deploy_state *st;
	struct ax_keyfile_node keys[AX_KEYFILE_MAX_NODES];
	size_t n_keys;
	uint32_t deployment;        /* 0 until deployed */
	int verbose;
	int timeout_ms;
	struct deploy_session sess[DEPLOY_MAX_NODES];
	int sess_open[DEPLOY_MAX_NODES];
	struct deploy_image img[DEPLOY_MAX_MODULES];
	int built[DEPLOY_MAX_MODULES];
	deploy_app_progress_fn progress;
	void *progress_ctx;
	deploy_session_event_fn on_event; /* given to every session */
	void *event_ctx;
};

/* deploy_app_default_paths - the state and keystore paths beside desc. */
void deploy_app_default_paths(const char *desc, char *state, size_t scap,
			      char *keys, size_t kcap);

/* Load descriptor (stage-one validation), open the state database, load
 * the keystore if asked. a is large: allocate it on the heap. */
DEPLOY_MUST_CHECK deploy_status deploy_app_open(struct deploy_app *a,
	const struct deploy_app_opts *o, char *err, size_t errlen);

/* Close sessions and the database, wipe keys, free the descriptor. */
void deploy_app_close(struct deploy_app *a);

/* One progress line (printf-style), passed to a->progress. */
void deploy_app_say(struct deploy_app *a, const char *fmt, ...)
	DEPLOY_PRINTF(2, 3);

/* The keystore entry of node i, with an error naming the keystore. */
DEPLOY_MUST_CHECK deploy_status deploy_app_node_keys(struct deploy_app *a,
	int node, const struct ax_keyfile_node **out, char *err,
	size_t errlen);

/* The state database's row of module i; an error ("... is not deployed
 * (run `authex deploy` first)") when there is none. */
DEPLOY_MUST_CHECK deploy_status deploy_app_module_row(struct deploy_app *a,
	int module, struct deploy_state_module *row, char *err,
	size_t errlen);

/* The session to node i, opened (and registered for the deployment with
 * a STATUS_REQ, which also proves the session keys) on first use. */
DEPLOY_MUST_CHECK deploy_status deploy_app_session(struct deploy_app *a,
	int node, struct deploy_session **out, char *err, size_t errlen);

/* Sessions to every node i with nodes[i] set (nodes: one flag per node
 * of the descriptor), opened at the same time: connect and HELLO to each,
 * then each node's HELLO, then the STATUS_REQ of deploy_app_session to
 * each, then each STATUS. Best effort: a node that cannot be reached or
 * refuses is left closed, and deploy_app_session tries again and reports
 * why when that node is needed. */
void deploy_app_sessions(struct deploy_app *a, const int *nodes);

/* Build every module (progress line each) and check every connection's
 * endpoints against the manifests (stage-two validation). */
DEPLOY_MUST_CHECK deploy_status deploy_app_build_all(struct deploy_app *a,
	char *err, size_t errlen);

/* The manifest of module i as deployed (from the image the state names),
 * or as built now if it was never deployed. */
DEPLOY_MUST_CHECK deploy_status deploy_app_manifest(struct deploy_app *a,
	int module, const struct ax_manifest **out, char *err, size_t errlen);

/* K_M of module i on its node for (instance, measurement). */
DEPLOY_MUST_CHECK deploy_status deploy_app_module_key(struct deploy_app *a,
	int module, uint32_t instance, const uint8_t measurement[32],
	uint8_t k_module[32], char *err, size_t errlen);

/* The load authorization of module i on its node for (instance,
 * measurement): ax_modmsg_load_auth with the node's K_node. */
DEPLOY_MUST_CHECK deploy_status deploy_app_load_auth(struct deploy_app *a,
	int module, uint32_t instance, const uint8_t measurement[32],
	uint8_t auth[32], char *err, size_t errlen);

/* Endpoint id of module i's endpoint called name (any kind), or -1. */
int deploy_app_ep_id(struct deploy_app *a, int module, const char *name);

/* The route kind of connection i from the manifests. */
unsigned deploy_app_conn_kind(struct deploy_app *a, int conn);

#endif /* DEPLOY_APP_H */
