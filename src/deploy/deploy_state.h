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
 *    returns. The database is in WAL mode (files PATH-wal and PATH-shm
 *    beside it while it is open, or after a crash) with
 *    synchronous=NORMAL: a commit survives the process being killed at
 *    any point, and a power loss can lose the last commits but never
 *    corrupts the file.
 *  - What must survive a power loss is committed durably (the -wal file
 *    synced before the commit returns, and with it every earlier
 *    commit): nonce and counter reservations, accepted receive counters,
 *    the deployment id, transactions begun with
 *    deploy_state_begin_durable (ids the nodes will see, cleared
 *    progress), `down`. What a power loss can lose is only the record
 *    that a step was done; the next `deploy` does it again, which every
 *    step allows (docs/deployer.md, "Resume and nonces").
 *  - deploy_state_nonce_next / _counter_next commit the new value BEFORE
 *    they return it: the caller then sends the message that uses it. A
 *    crash between the two wastes a value and never reuses one. Nonces
 *    are reserved DEPLOY_STATE_NONCE_BLOCK at a time per module instance
 *    (the row's ctl_nonce is the highest reserved) and handed out from
 *    memory; a process that ends wastes the rest of its block.
 *  - The nonce mark of a module instance never goes down:
 *    deploy_state_module_put keeps the higher of the row's and the
 *    caller's ctl_nonce while the instance is the same.
 *  - Keys are stored as BLOBs and wiped from the structs the callers use
 *    (deploy_state_conn_wipe).
 *  - The database and its -wal and -shm files must not be readable by
 *    group or others (SQLite creates the two with the database's mode).
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
	uint64_t ctl_nonce;           /* highest nonce reserved (committed) */
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

/* Open (creating with mode 0600 if needed), switch to WAL and migrate
 * the schema. A database, -wal or -shm file readable by group or others
 * is refused. */
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

/* Nonces reserved per module instance at once (see Rules). */
#define DEPLOY_STATE_NONCE_BLOCK 64

/* The next control nonce of module `module` whose current instance is
 * `instance`: from this process's block, or from a new block reserved
 * (ctl_nonce + DEPLOY_STATE_NONCE_BLOCK, committed durably) before
 * return. Fails when the row is missing or holds another instance. */
DEPLOY_MUST_CHECK deploy_status deploy_state_nonce_next(
	struct deploy_state *st, const char *module, uint32_t instance,
	uint64_t *nonce, char *err, size_t errlen);

/* Reserve, in ONE durable commit, a block for each module instance
 * (modules[i], instances[i]) that has no nonce left in this process's
 * block; deploy_state_nonce_next then hands them out from memory. For a
 * caller about to key many modules: one sync instead of one per module.
 * A pair given twice reserves two blocks, wasting one. */
DEPLOY_MUST_CHECK deploy_status deploy_state_nonce_reserve(
	struct deploy_state *st, const char *const modules[],
	const uint32_t instances[], size_t n, char *err, size_t errlen);

/* Reserve the next send counter of a direct connection, committed
 * durably before return. */
DEPLOY_MUST_CHECK deploy_status deploy_state_counter_next(
	struct deploy_state *st, const char *ident, uint64_t *counter,
	char *err, size_t errlen);

/* Record counter as the last accepted receive counter of a connection,
 * durably, only if it is above the recorded one: DEPLOY_E_INPUT (with a
 * message) when it is not, e.g. another process accepted it first. */
DEPLOY_MUST_CHECK deploy_status deploy_state_counter_accept(
	struct deploy_state *st, const char *ident, uint64_t counter,
	char *err, size_t errlen);

/* Everything is gone from the nodes (`down`): clear every loaded,
 * attested, keyed, routed and armed flag and every key, keep the ids and
 * nonces (they only ever go up), set status "down". One durable
 * transaction. */
DEPLOY_MUST_CHECK deploy_status deploy_state_mark_down(
	struct deploy_state *st, char *err, size_t errlen);

/* Group several puts into one transaction (no nesting): begin, the
 * puts, then commit; on any error, rollback. A transaction begun with
 * _begin_durable is on disk, with every commit before it, when commit
 * returns (synchronous=FULL for that commit); use it for what must
 * survive a power loss: ids the nodes will see, progress cleared. */
DEPLOY_MUST_CHECK deploy_status deploy_state_begin(struct deploy_state *st,
	char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_begin_durable(
	struct deploy_state *st, char *err, size_t errlen);
DEPLOY_MUST_CHECK deploy_status deploy_state_commit(struct deploy_state *st,
	char *err, size_t errlen);
void deploy_state_rollback(struct deploy_state *st);

#endif /* DEPLOY_STATE_H */
