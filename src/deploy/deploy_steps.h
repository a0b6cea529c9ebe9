/*
 * deploy_steps.h - the steps of `authex deploy` after reconcile
 * (docs/deployer.md, "Deploy, step by step"; docs/node.md §4), each for
 * every module, connection or periodic event of the descriptor at once.
 *
 * register records every id before any node sees one. The others send
 * their requests to all the nodes concerned without waiting for each
 * answer (deploy_pipe.h) and record each answer as it is collected, in
 * the order the requests were sent; a step does nothing for what its
 * flags in the state database say is done. Nonces are committed before
 * the frame that uses them is sent. A connection key that was handed to
 * some but not all of its ends is never handed out again: a resumed or
 * repeated keying draws a fresh key and keys both ends (the runtime
 * restarts a connection's counters on a re-key, so re-sending an old key
 * could repeat an IV).
 *
 * Crash-test hook: deploy_test_die() is called after every recorded step
 * with the step's name: "load", "attest", "nonce" (a nonce taken, its
 * SET_KEY not sent yet), "setkey", "keyed", "route", "periodic".
 */
#ifndef DEPLOY_STEPS_H
#define DEPLOY_STEPS_H

#include "deploy_app.h"

/* The row of every module and connection, with fresh ids for new ones, in
 * one durable commit; refuses (DEPLOY_E_INPUT) a deployed module whose
 * image changed or that moved to another node. */
DEPLOY_MUST_CHECK deploy_status deploy_steps_register(struct deploy_app *a,
	char *err, size_t errlen);

/* LOAD_MODULE of every module not loaded (not disabled), the measurement
 * in each answer checked against the built one; then ATTEST of every
 * loaded module not attested, each with a fresh challenge, each answer
 * checked with the module key the deployer derives itself. A failure is
 * reported as if each module had been loaded and attested before the
 * next. */
DEPLOY_MUST_CHECK deploy_status deploy_steps_modules(struct deploy_app *a,
	char *err, size_t errlen);

/* Every connection whose ends are attested and not disabled: SET_KEY to
 * each module end that needs a key (all of them keyed anew when one is
 * not), then ADD_ROUTE to the node of each end not routed. A failure is
 * reported as if each connection had been keyed and routed before the
 * next. */
DEPLOY_MUST_CHECK deploy_status deploy_steps_conns(struct deploy_app *a,
	char *err, size_t errlen);

/* PERIODIC for every periodic event not armed with its period. */
DEPLOY_MUST_CHECK deploy_status deploy_steps_periodic(struct deploy_app *a,
	char *err, size_t errlen);

#endif /* DEPLOY_STEPS_H */
