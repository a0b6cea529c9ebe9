/*
 * deploy_apply.h - bring the nodes to what the descriptor and the state
 * database say (docs/node.md §4, docs/deployer.md): `deploy` (reconcile,
 * then the steps of deploy_steps.h: register, load, attest, key
 * connections, add routes, arm periodic events), and what `update`,
 * `disable` and `call` do to one module.
 *
 * Each step reads its flag from the state database, does nothing when
 * the flag says it is done, and otherwise sends its frame and records the
 * answer; nonces and counters are committed before the frame that uses
 * them is sent. Crash-test hook: deploy_test_die() is called after every
 * recorded step with the step's name: "load", "attest", "nonce",
 * "setkey", "keyed", "route", "periodic" (deploy_steps.h), "unload".
 */
#ifndef DEPLOY_APPLY_H
#define DEPLOY_APPLY_H

#include "deploy_app.h"

/* `authex deploy`: everything, idempotent. a must have the images built
 * (deploy_app_build_all). */
DEPLOY_MUST_CHECK deploy_status deploy_apply_all(struct deploy_app *a,
	char *err, size_t errlen);

/* Compare each node's STATUS with the database; a node that lost modules
 * the database says are loaded (restarted daemon) has every flag of its
 * modules, their connections and timers cleared, so deploy redoes them. */
DEPLOY_MUST_CHECK deploy_status deploy_apply_reconcile(struct deploy_app *a,
	char *err, size_t errlen);

/* Forget module i's keying (for `update`): new instance id, loaded and
 * attested cleared, every connection with an end at it needs a new key
 * and its routes again, its timers re-armed. The old instance is kept in
 * the row until deploy_apply_retire unloads it. */
DEPLOY_MUST_CHECK deploy_status deploy_apply_renew(struct deploy_app *a,
	int module, char *err, size_t errlen);

/* Unload the instance module i replaced (if any) and forget it. */
DEPLOY_MUST_CHECK deploy_status deploy_apply_retire(struct deploy_app *a,
	int module, char *err, size_t errlen);

/* Retire every replaced instance (`deploy` finishing an interrupted
 * `update`). */
DEPLOY_MUST_CHECK deploy_status deploy_apply_retire_all(struct deploy_app *a,
	char *err, size_t errlen);

/* CALL entry `entry` of module i (instance: 0 = the current one) with
 * arg; the result is copied into (out, cap, *out_len). */
DEPLOY_MUST_CHECK deploy_status deploy_apply_call(struct deploy_app *a,
	int module, uint32_t instance, const char *entry, const uint8_t *arg,
	size_t arg_len, uint8_t *out, size_t cap, size_t *out_len, char *err,
	size_t errlen);

/* Authenticated DISABLE of module i. */
DEPLOY_MUST_CHECK deploy_status deploy_apply_disable(struct deploy_app *a,
	int module, char *err, size_t errlen);

#endif /* DEPLOY_APPLY_H */
