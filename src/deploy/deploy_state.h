/*
 * deploy_state.h - the deployment's state database (SQLite, mode 0600:
 * it holds connection keys).
 *
 * What it records, and why (docs/deployer.md, "State database"):
 *  - meta: deployment name and id (random, 1..0xfffffffe, stable across
 *    runs), status "up" / "down".
 *  - modules: instance id (random: K_M depends on it, so no two modules
 *    on a node may share one), node, image path and measurement,
 *    loaded / attested / disabled flags, the last control nonce used, and
 *    during `update` the instance being replaced.
 *  - conns: connection id, both ends, algorithm, kind, key, the keying
 *    flags per side, the route flags per node, the deployer's send counter
 *    and last accepted receive counter (direct connections).
 *  - periodic: armed flag.
 *
 * Rules (design §6):
 *  - Every change is one SQLite transaction, committed before the call
 *    returns; the file is written with synchronous=FULL.
 *  - deploy_state_nonce_next / _counter_next commit the new value BEFORE
 *    they return it: the caller then sends the message that uses it. A
 *    crash between the two wastes a value and never reuses one.
 *  - Keys are stored as BLOBs and wiped from the structs the callers use
 *    (deploy_state_conn_wipe).
 */
#ifndef DEPLOY_STATE_H
#define DEPLOY_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_descriptor.h"
#include "deploy_util.h"

struct deploy_state;

struct deploy_state_module {
	char name[DEPLOY_NAME_MAX];
	uint32_t instance;
	uint32_t old_instance;        /* being replaced by `update`, or 0 */
	char node[DEPLOY_NAME_MAX];
	char image[DEPLOY_PATH_MAX];
	uint8_t measurement[32];
	int loaded, attested, disabled;
	uint64_t ctl_nonce;           /* last nonce used (committed) */
};

enum deploy_state_side { DEPLOY_SIDE_FROM = 0, DEPLOY_SIDE_TO = 1 };

struct deploy_state_conn {
	char ident[DEPLOY_CONN_IDENT_MAX];
	uint32_t id;
	unsigned alg;
	unsigned kind;                /* enum ax_wire_route_kind, 0 unknown */
	uint8_t key[32];
	int has_key;
	int keying;                   /* a key is being handed out */
	int keyed[2];                 /* SET_KEY accepted, per side */
	int routed[2];                /* ADD_ROUTE accepted, per side's node */
	uint64_t tx_counter;          /* direct: last counter sent */
	uint64_t rx_counter;          /* to the deployer: last accepted */
};

struct deploy_state_periodic {
	char ident[2 * DEPLOY_NAME_MAX + 2]; /* "module.entry" */
	uint32_t period_ms;
	int armed;
};

/* Open (creating with mode 0600 if needed) and migrate the schema. A
 * database readable by group or others is refused. */
DEPLOY_MUST_CHECK deploy_status deploy_state_open(const char *path,
	struct deploy_state **out, char *err, size_t errlen);
void deploy_state_close(struct deploy_state *st);

/* The deployment: created on first use with a random id. *id = 0 and
 * DEPLOY_OK when create is 0 and there is none yet. A database made for
 * another deployment name is refused. */
DEPLOY_MUST_CHECK deploy_status deploy_state_deployment(
	struct deploy_state *st, const char *name, int create, uint32_t *id,
	char *err, size_t errlen);

/* meta key "status": "up", "down" or "" (never deployed). */
DEPLOY_MUST_CHECK deploy_status deploy_state_set_status(
	struct deploy_state *st, const char *status, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_get_status(
	struct deploy_state *st, char *out, size_t cap, char *err,
	size_t errlen);

/* A fresh random id (1..0xfffffffe) not used as a module instance or
 * connection id of this deployment (either table). */
DEPLOY_MUST_CHECK deploy_status deploy_state_new_id(struct deploy_state *st,
	uint32_t *id, char *err, size_t errlen);

/* Module rows: *found says whether the row exists (m zeroed if not). */
DEPLOY_MUST_CHECK deploy_status deploy_state_module_get(
	struct deploy_state *st, const char *name,
	struct deploy_state_module *m, int *found, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_module_put(
	struct deploy_state *st, const struct deploy_state_module *m,
	char *err, size_t errlen);

/* Connection rows, same shape. */
DEPLOY_MUST_CHECK deploy_status deploy_state_conn_get(
	struct deploy_state *st, const char *ident,
	struct deploy_state_conn *c, int *found, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_conn_put(
	struct deploy_state *st, const struct deploy_state_conn *c, char *err,
	size_t errlen);
void deploy_state_conn_wipe(struct deploy_state_conn *c);

DEPLOY_MUST_CHECK deploy_status deploy_state_periodic_get(
	struct deploy_state *st, const char *ident,
	struct deploy_state_periodic *p, int *found, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_periodic_put(
	struct deploy_state *st, const struct deploy_state_periodic *p,
	char *err, size_t errlen);

/* Reserve the next control nonce of a module (last + 1), committed before
 * return. */
DEPLOY_MUST_CHECK deploy_status deploy_state_nonce_next(
	struct deploy_state *st, const char *module, uint64_t *nonce,
	char *err, size_t errlen);

/* Reserve the next send counter of a direct connection, committed before
 * return. */
DEPLOY_MUST_CHECK deploy_status deploy_state_counter_next(
	struct deploy_state *st, const char *ident, uint64_t *counter,
	char *err, size_t errlen);

/* Everything is gone from the nodes (`down`): clear every loaded,
 * attested, keyed, routed and armed flag and every key, keep the ids and
 * nonces (they only ever go up), set status "down". One transaction. */
DEPLOY_MUST_CHECK deploy_status deploy_state_mark_down(
	struct deploy_state *st, char *err, size_t errlen);

/* Group several puts into one transaction (no nesting): begin, the
 * puts, then commit; on any error, rollback. */
DEPLOY_MUST_CHECK deploy_status deploy_state_begin(struct deploy_state *st,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_commit(struct deploy_state *st,
	char *err, size_t errlen);
void deploy_state_rollback(struct deploy_state *st);

#endif /* DEPLOY_STATE_H */
