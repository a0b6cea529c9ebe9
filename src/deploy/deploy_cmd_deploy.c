/*
 * deploy_cmd_deploy.c - the commands that change nodes: deploy, update,
 * disable, down.
 */
#include "deploy_cmd.h"

#include <stdio.h>
#include <string.h>

#include "deploy_apply.h"

/* Positional arguments of a command without options: exactly n. */
static int positional(int argc, char **argv, int n, const char *cmd)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != 0)
			return deploy_cmd_usage(cmd, "unknown option '%s'",
						argv[i]);
	if (argc - 1 != n)
		return deploy_cmd_usage(cmd, "expected %d argument%s, got %d",
					n, n == 1 ? "" : "s", argc - 1);
	return 0;
}

int deploy_cmd_deploy(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	char err[1024];
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "deploy"), DEPLOY_EXIT_OK;
	if (positional(argc, argv, 1, "deploy") != 0)
		return DEPLOY_EXIT_USAGE;
	st = deploy_cmd_open(argv[1], g, 1, &a, err, sizeof err);
	if (st != DEPLOY_OK)
		return deploy_cmd_fail("deploy", st, err);
	st = deploy_app_build_all(a, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_all(a, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_retire_all(a, err, sizeof err);
	if (st == DEPLOY_OK)
		printf("deploy %s: up (deployment 0x%08x: %zu modules, %zu "
		       "connections, %zu periodic events)\n", a->d->name,
		       (unsigned)a->deployment, a->d->n_modules,
		       a->d->n_conns, a->d->n_periodic);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("deploy", st, err);
}

/* Open the application and find module argv[2]; for disable/update. */
static deploy_status open_module(int argc, char **argv,
				 const struct deploy_cli *g,
				 struct deploy_app **a, int *module, char *err,
				 size_t errlen)
{
	deploy_status st = deploy_cmd_open(argv[1], g, 1, a, err, errlen);

	(void)argc;
	if (st != DEPLOY_OK)
		return st;
	*module = deploy_desc_module((*a)->d, argv[2]);
	if (*module < 0) {
		deploy_errf(err, errlen, "%s: no module '%s'", argv[1],
			    argv[2]);
		return DEPLOY_E_INPUT;
	}
	if ((*a)->deployment == 0) {
		deploy_errf(err, errlen, "'%s' is not deployed", (*a)->d->name);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

int deploy_cmd_disable(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a = NULL;
	char err[1024];
	int module;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "disable"), DEPLOY_EXIT_OK;
	if (positional(argc, argv, 2, "disable") != 0)
		return DEPLOY_EXIT_USAGE;
	st = open_module(argc, argv, g, &a, &module, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_disable(a, module, err, sizeof err);
	if (st == DEPLOY_OK)
		printf("disable %s ... ok (keys wiped inside the module)\n",
		       argv[2]);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("disable", st, err);
}

/* Split "OUT:IN" into two entry names. */
static deploy_status split_spec(const char *spec, char out[DEPLOY_NAME_MAX],
				char in[DEPLOY_NAME_MAX], char *err,
				size_t errlen)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL || colon == spec || colon[1] == 0 ||
	    (size_t)(colon - spec) >= DEPLOY_NAME_MAX ||
	    strlen(colon + 1) >= DEPLOY_NAME_MAX) {
		deploy_errf(err, errlen, "--transfer %s: expected "
			    "ENTRY_OUT:ENTRY_IN", spec);
		return DEPLOY_E_INPUT;
	}
	snprintf(out, DEPLOY_NAME_MAX, "%.*s", (int)(colon - spec), spec);
	snprintf(in, DEPLOY_NAME_MAX, "%s", colon + 1);
	return DEPLOY_OK;
}

/* Before anything changes: both entries exist in the new image. */
static deploy_status check_transfer(struct deploy_app *a, int module,
				    const char *spec, char *err,
				    size_t errlen)
{
	char out[DEPLOY_NAME_MAX], in[DEPLOY_NAME_MAX];
	const char *names[2] = {out, in};

	if (split_spec(spec, out, in, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_INPUT;
	for (int k = 0; k < 2; k++)
		if (ax_manifest_find(&a->img[module].man, names[k],
				     AX_EP_ENTRY) == NULL) {
			deploy_errf(err, errlen, "--transfer: module '%s' has "
				    "no entry point '%s'",
				    a->d->modules[module].name, names[k]);
			return DEPLOY_E_INPUT;
		}
	return DEPLOY_OK;
}

/* --transfer OUT:IN hand-over between the old and the new instance. */
static deploy_status transfer(struct deploy_app *a, int module,
			      const char *spec, char *err, size_t errlen)
{
	static uint8_t state[AX_PAYLOAD_LIMIT], reply[AX_PAYLOAD_LIMIT];
	struct deploy_state_module row;
	char out[DEPLOY_NAME_MAX], in[DEPLOY_NAME_MAX];
	size_t len, rlen;
	int found;

	if (split_spec(spec, out, in, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_INPUT;
	if (deploy_state_module_get(a->st, a->d->modules[module].name, &row,
				    &found, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (row.old_instance == 0) {
		deploy_app_say(a, "transfer: the old instance is already "
			       "gone: skipped");
		return DEPLOY_OK;
	}
	if (deploy_apply_call(a, module, row.old_instance, out, NULL, 0, state,
			      sizeof state, &len, err, errlen) != DEPLOY_OK ||
	    deploy_apply_call(a, module, row.instance, in, state, len, reply,
			      sizeof reply, &rlen, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	deploy_app_say(a, "transfer %s -> %s ... ok (%zu bytes)", out, in, len);
	return DEPLOY_OK;
}

int deploy_cmd_update(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a = NULL;
	const char *spec = NULL;
	char err[1024];
	int module;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "update"), DEPLOY_EXIT_OK;
	if (argc == 5 && strcmp(argv[3], "--transfer") == 0) {
		spec = argv[4];
		argc = 3;
	}
	if (positional(argc, argv, 2, "update") != 0)
		return DEPLOY_EXIT_USAGE;
	st = open_module(argc, argv, g, &a, &module, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_app_build_all(a, err, sizeof err);
	if (st == DEPLOY_OK && spec != NULL)
		st = check_transfer(a, module, spec, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_renew(a, module, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_all(a, err, sizeof err);
	if (st == DEPLOY_OK && spec != NULL)
		st = transfer(a, module, spec, err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_apply_retire(a, module, err, sizeof err);
	if (st == DEPLOY_OK)
		printf("update %s ... ok\n", argv[2]);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("update", st, err);
}

deploy_status deploy_cmd_down_app(struct deploy_app *a, char *err,
				  size_t errlen)
{
	struct deploy_session *s;
	char first[1024] = "";
	int failed = 0;

	for (size_t n = 0; n < a->d->n_nodes; n++) {
		if (deploy_app_session(a, (int)n, &s, err, errlen) !=
			    DEPLOY_OK ||
		    deploy_session_reset(s, a->deployment, err, errlen) !=
			    DEPLOY_OK) {
			fprintf(stderr, "authex down: %s\n", err);
			if (!failed)
				snprintf(first, sizeof first, "%s", err);
			failed = 1;
			continue;
		}
		printf("reset on %s ... ok\n", a->d->nodes[n].name);
	}
	if (failed) {
		deploy_errf(err, errlen, "not every node was reset (state "
			    "kept; run down again): %.900s", first);
		return DEPLOY_E_FAIL;
	}
	return deploy_state_mark_down(a->st, err, errlen);
}

int deploy_cmd_down(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	char err[1024];
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "down"), DEPLOY_EXIT_OK;
	if (positional(argc, argv, 1, "down") != 0)
		return DEPLOY_EXIT_USAGE;
	st = deploy_cmd_open(argv[1], g, 1, &a, err, sizeof err);
	if (st != DEPLOY_OK)
		return deploy_cmd_fail("down", st, err);
	if (a->deployment == 0) {
		printf("down %s: never deployed, nothing to do\n", a->d->name);
		deploy_cmd_close(a);
		return DEPLOY_EXIT_OK;
	}
	st = deploy_cmd_down_app(a, err, sizeof err);
	if (st == DEPLOY_OK)
		printf("down %s: every node reset\n", a->d->name);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("down", st, err);
}
