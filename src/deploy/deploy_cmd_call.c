/*
 * deploy_cmd_call.c - call, output, request: the deployer talks to one
 * module.
 */
#include "deploy_cmd.h"

#include <stdio.h>
#include <string.h>

#include "deploy_apply.h"
#include "deploy_direct.h"
#include "ax_crypto.h"

static uint8_t data[AX_PAYLOAD_LIMIT], result[AX_PAYLOAD_LIMIT];

/* APP TARGET [DATA]: no options. */
static int args(int argc, char **argv, const char *cmd)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == '-')
			return deploy_cmd_usage(cmd, "unknown option '%s'",
						argv[i]);
	if (argc < 3 || argc > 4)
		return deploy_cmd_usage(cmd, "expected APP.yaml %s [DATA]",
					strcmp(cmd, "call") == 0
						? "MODULE.ENTRY"
						: "CONN");
	return 0;
}

/* Open the application and parse DATA. */
static deploy_status start(int argc, char **argv, const struct deploy_cli *g,
			   struct deploy_app **a, size_t *len, char *err,
			   size_t errlen)
{
	deploy_status st = deploy_cmd_data(argc > 3 ? argv[3] : NULL, data,
					   sizeof data, len, err, errlen);

	*a = NULL;
	if (st != DEPLOY_OK)
		return st;
	st = deploy_cmd_open(argv[1], g, 1, a, err, errlen);
	if (st == DEPLOY_OK && (*a)->deployment == 0) {
		deploy_errf(err, errlen, "'%s' is not deployed", (*a)->d->name);
		st = DEPLOY_E_FAIL;
	}
	return st;
}

int deploy_cmd_call(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	char err[1024], modname[DEPLOY_NAME_MAX];
	const char *dot;
	size_t len, rlen;
	int module = -1;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "call"), DEPLOY_EXIT_OK;
	if (args(argc, argv, "call") != 0)
		return DEPLOY_EXIT_USAGE;
	dot = strchr(argv[2], '.');
	if (dot == NULL || (size_t)(dot - argv[2]) >= sizeof modname)
		return deploy_cmd_usage("call", "'%s' is not MODULE.ENTRY",
					argv[2]);
	snprintf(modname, sizeof modname, "%.*s", (int)(dot - argv[2]),
		 argv[2]);
	st = start(argc, argv, g, &a, &len, err, sizeof err);
	if (st == DEPLOY_OK && (module = deploy_desc_module(a->d, modname)) < 0) {
		deploy_errf(err, sizeof err, "no module '%s'", modname);
		st = DEPLOY_E_INPUT;
	}
	if (st == DEPLOY_OK)
		st = deploy_apply_call(a, module, 0, dot + 1, data, len, result,
				       sizeof result, &rlen, err, sizeof err);
	if (st == DEPLOY_OK)
		deploy_cmd_print_data("result: ", result, rlen);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("call", st, err);
}

static int find_conn(struct deploy_app *a, const char *name, char *err,
		     size_t errlen)
{
	const struct ax_manifest *man;
	int i = deploy_desc_conn(a->d, name);

	if (i < 0) {
		deploy_errf(err, errlen, "no connection '%s' in %s", name,
			    a->d->path);
		return -1;
	}
	if (a->d->conns[i].from.module != DEPLOY_DEPLOYER) {
		deploy_errf(err, errlen, "connection '%s' does not start at "
			    "the deployer", name);
		return -1;
	}
	/* its kind comes from the destination's deployed image */
	if (deploy_app_manifest(a, a->d->conns[i].to.module, &man, err,
				errlen) != DEPLOY_OK)
		return -1;
	return i;
}

/* Common start of `output` and `request`: open the deployment, find the
 * direct connection argv[2] and check that it ends at the right kind of
 * endpoint (the other command is named in the error). */
static deploy_status open_direct(int argc, char **argv,
				 const struct deploy_cli *g, uint8_t kind,
				 struct deploy_app **a, size_t *len, int *conn,
				 char *err, size_t errlen)
{
	deploy_status st = start(argc, argv, g, a, len, err, errlen);

	if (st == DEPLOY_OK &&
	    (*conn = find_conn(*a, argv[2], err, errlen)) < 0)
		st = DEPLOY_E_INPUT;
	if (st == DEPLOY_OK && deploy_app_conn_kind(*a, *conn) != kind) {
		deploy_errf(err, errlen, "connection '%s' ends at %s: use "
			    "`authex %s`", argv[2],
			    kind == AX_WIRE_ROUTE_EVENT ? "a handler" : "an input",
			    kind == AX_WIRE_ROUTE_EVENT ? "request" : "output");
		st = DEPLOY_E_INPUT;
	}
	return st;
}

int deploy_cmd_output(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	char err[1024];
	size_t len;
	uint64_t counter;
	int conn = -1;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "output"), DEPLOY_EXIT_OK;
	if (args(argc, argv, "output") != 0)
		return DEPLOY_EXIT_USAGE;
	st = open_direct(argc, argv, g, AX_WIRE_ROUTE_EVENT, &a, &len, &conn,
			 err, sizeof err);
	if (st == DEPLOY_OK)
		st = deploy_direct_send(a, conn, data, len, &counter, err,
					sizeof err);
	if (st == DEPLOY_OK)
		printf("output %s: sent %zu bytes (counter %llu)\n", argv[2],
		       len, (unsigned long long)counter);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("output", st, err);
}

struct wait_resp {
	struct deploy_app *a;
	uint64_t counter;
	int done;
	struct deploy_direct_msg msg;
};

static void on_response(void *ctx, struct deploy_session *s,
			const struct ax_wire_event *ev)
{
	struct wait_resp *w = ctx;
	char err[512];

	(void)s;
	if (w->done || ev->msg_type != AX_MSG_RESPONSE)
		return;
	if (deploy_direct_open(w->a, ev, w->counter, &w->msg, err,
			       sizeof err) == DEPLOY_OK)
		w->done = 1;
	else
		fprintf(stderr, "authex request: dropped: %s\n", err);
}

/* Send the request and pump the destination's session until the
 * response is in (bounded by the session timeout). */
static deploy_status do_request(struct deploy_app *a, int conn, size_t len,
				struct wait_resp *w, char *err, size_t errlen)
{
	struct deploy_session *s;
	int node = a->d->modules[a->d->conns[conn].to.module].node;

	a->on_event = on_response; /* given to the session on every use */
	a->event_ctx = w;
	if (deploy_app_session(a, node, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (deploy_direct_send(a, conn, data, len, &w->counter, err, errlen) !=
	    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (int waited = 0; !w->done && waited < a->timeout_ms;
	     waited += 100)
		if (deploy_session_pump(s, 100, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	if (!w->done) {
		deploy_errf(err, errlen, "no response on '%s' within %d s",
			    a->d->conns[conn].ident, a->timeout_ms / 1000);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

int deploy_cmd_request(int argc, char **argv, const struct deploy_cli *g)
{
	static struct wait_resp w;
	struct deploy_app *a;
	char err[1024];
	size_t len;
	int conn = -1;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "request"), DEPLOY_EXIT_OK;
	if (args(argc, argv, "request") != 0)
		return DEPLOY_EXIT_USAGE;
	st = open_direct(argc, argv, g, AX_WIRE_ROUTE_REQUEST, &a, &len, &conn,
			 err, sizeof err);
	w.a = a;
	if (st == DEPLOY_OK)
		st = do_request(a, conn, len, &w, err, sizeof err);
	if (st == DEPLOY_OK)
		deploy_cmd_print_data("response: ", w.msg.data, w.msg.len);
	ax_wipe(&w, sizeof w);
	deploy_cmd_close(a);
	return st == DEPLOY_OK ? DEPLOY_EXIT_OK
			       : deploy_cmd_fail("request", st, err);
}
