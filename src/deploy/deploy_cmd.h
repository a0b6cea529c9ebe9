/*
 * deploy_cmd.h - the commands of the `authex` CLI (docs/deployer.md).
 * Each takes the arguments after its name (argv[0] is the command name)
 * and the global options, prints its progress and result, and returns the
 * process exit status: 0 ok, 1 operation failed, 2 usage or descriptor
 * error. This layer and main() are the only code that prints.
 */
#ifndef DEPLOY_CMD_H
#define DEPLOY_CMD_H

#include <stdio.h>

#include "deploy_app.h"

enum { DEPLOY_EXIT_OK = 0, DEPLOY_EXIT_FAIL = 1, DEPLOY_EXIT_USAGE = 2 };

struct deploy_cli {
	const char *state;     /* --state FILE, or NULL */
	const char *keystore;  /* --keystore FILE, or NULL */
	int verbose;           /* -v */
};

int deploy_cmd_node(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_deploy(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_status(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_call(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_output(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_request(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_events(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_disable(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_update(int argc, char **argv, const struct deploy_cli *g);
int deploy_cmd_down(int argc, char **argv, const struct deploy_cli *g);

/* ---------------------------------------------- deploy_cmd_common.c */

/* Print the usage text of cmd (NULL: the overview) to f. Returns 0 if
 * the command is known. */
int deploy_cmd_help(FILE *f, const char *cmd);

/* 1 if argv holds -h/--help (the command layer then prints help). */
int deploy_cmd_wants_help(int argc, char **argv);

/* "authex: CMD: message" on stderr, then the exit status for st. */
int deploy_cmd_fail(const char *cmd, deploy_status st, const char *err);

/* Usage error: message, a pointer to --help, exit status 2. */
int deploy_cmd_usage(const char *cmd, const char *fmt, ...)
	DEPLOY_PRINTF(2, 3);

/* Open the application of desc for a command: progress lines go to
 * stdout. a is allocated here; free it with deploy_cmd_close. */
deploy_status deploy_cmd_open(const char *desc, const struct deploy_cli *g,
	int need_keys, struct deploy_app **a, char *err, size_t errlen);
void deploy_cmd_close(struct deploy_app *a);

/* Parse a DATA argument (NULL: empty). */
deploy_status deploy_cmd_data(const char *arg, uint8_t *out, size_t cap,
	size_t *len, char *err, size_t errlen);

/* Print "label: hex \"text\"" for bytes. */
void deploy_cmd_print_data(const char *label, const uint8_t *b, size_t n);

/* RESET the deployment on every node (progress on stdout) and mark it
 * down; shared by `down` and `run`. */
deploy_status deploy_cmd_down_app(struct deploy_app *a, char *err,
	size_t errlen);

/* ---------------------------------------------- deploy_local.c */

/* `authex run`: the embedded default (local authexd per node). */
int deploy_local_run(int argc, char **argv, const struct deploy_cli *g);

/* ---------------------------------------------- deploy_cmd_events.c */

/* Print events to the deployer (connections with `to: deployer`) until
 * count events (0: no limit), timeout_ms (0: none) or SIGINT/SIGTERM;
 * tick (may be NULL) runs about every 100 ms. Returns an exit status. */
int deploy_cmd_watch(struct deploy_app *a, long count, long timeout_ms,
	void (*tick)(void *), void *tick_ctx);

#endif /* DEPLOY_CMD_H */
