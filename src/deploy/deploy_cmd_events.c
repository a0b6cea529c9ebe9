/*
 * deploy_cmd_events.c - `authex events`: print the events that arrive on
 * connections whose destination is the deployer. Also the watch loop of
 * `authex run`.
 */
#include "deploy_cmd.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ax_crypto.h"
#include "deploy_direct.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct watch {
	struct deploy_app *a;
	long seen;
	struct deploy_direct_msg msg;
};

static void on_event(void *ctx, struct deploy_session *s,
		     const struct ax_wire_event *ev)
{
	struct watch *w = ctx;
	char err[512], label[DEPLOY_CONN_IDENT_MAX + 64];

	if (ev->msg_type != AX_MSG_EVENT)
		return;
	if (deploy_direct_open(w->a, ev, 0, &w->msg, err, sizeof err) !=
	    DEPLOY_OK) {
		printf("event from node %s REFUSED: %s\n", s->node, err);
		fflush(stdout);
		return;
	}
	snprintf(label, sizeof label, "event %s #%llu: ",
		 w->a->d->conns[w->msg.conn].ident,
		 (unsigned long long)w->msg.counter);
	deploy_cmd_print_data(label, w->msg.data, w->msg.len);
	w->seen++;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A node sends events for the deployer on the deployer session that last
 * sent it a control frame, MODULE_MSG or EVENT for the deployment (any
 * other authex command takes that over while it runs). Claim each watched
 * node's deployer role with a harmless runtime STATUS query to a module of
 * the deployment there; the watch loop repeats it every second.
 */
static void claim(struct deploy_app *a, int node)
{
	static const uint8_t status_msg[1] = {AX_MSG_STATUS};
	struct deploy_state_module m;
	struct deploy_session *s;
	char err[1024];
	int found;

	if (a->deployment == 0)
		return;
	for (size_t i = 0; i < a->d->n_modules; i++) {
		if (a->d->modules[i].node != node ||
		    deploy_state_module_get(a->st, a->d->modules[i].name, &m,
					    &found, err, sizeof err) !=
			    DEPLOY_OK || !found || !m.loaded)
			continue;
		if (deploy_app_session(a, node, &s, err, sizeof err) !=
			    DEPLOY_OK ||
		    deploy_session_module_msg(s, a->deployment, m.instance,
					      status_msg, sizeof status_msg,
					      NULL, err, sizeof err) !=
			    DEPLOY_OK)
			fprintf(stderr, "authex events: %s\n", err);
		return;
	}
}

/* Open a session to each node that hosts the source of a connection to
 * the deployer. Returns how many were opened. */
static int open_sources(struct deploy_app *a, struct watch *w, int *want)
{
	struct deploy_session *s;
	char err[1024];
	int n_open = 0;

	a->on_event = on_event;
	a->event_ctx = w;
	for (size_t i = 0; i < a->d->n_conns; i++) {
		const struct deploy_conn *c = &a->d->conns[i];

		if (c->to.module != DEPLOY_DEPLOYER)
			continue;
		want[a->d->modules[c->from.module].node] = 1;
	}
	for (size_t n = 0; n < a->d->n_nodes; n++) {
		if (!want[n])
			continue;
		if (deploy_app_session(a, (int)n, &s, err, sizeof err) !=
		    DEPLOY_OK) {
			fprintf(stderr, "authex events: %s\n", err);
			continue;
		}
		n_open++;
	}
	return n_open;
}

int deploy_cmd_watch(struct deploy_app *a, long count, long timeout_ms,
		     void (*tick)(void *), void *tick_ctx)
{
	static struct watch w;
	struct pollfd pfd[DEPLOY_MAX_NODES];
	int want[DEPLOY_MAX_NODES] = {0}, idx[DEPLOY_MAX_NODES];
	long long end = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	char err[1024];

	memset(&w, 0, sizeof w);
	w.a = a;
	stop = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (open_sources(a, &w, want) == 0 && tick == NULL) {
		fprintf(stderr, "authex events: no node to listen to (no "
			"connection has `to: deployer`, or none reachable)\n");
		return DEPLOY_EXIT_FAIL;
	}
	long long next_claim = 0;

	while (!stop && (count <= 0 || w.seen < count) &&
	       (end == 0 || mono_ms() < end)) {
		int np = 0;

		if (mono_ms() >= next_claim) {
			for (size_t n = 0; n < a->d->n_nodes; n++)
				if (want[n])
					claim(a, (int)n);
			next_claim = mono_ms() + 1000;
		}

		for (size_t n = 0; n < a->d->n_nodes; n++)
			if (want[n] && a->sess_open[n] && a->sess[n].fd >= 0) {
				pfd[np] = (struct pollfd){a->sess[n].fd, POLLIN,
							  0};
				idx[np++] = (int)n;
			}
		(void)poll(pfd, (nfds_t)np, 100);
		for (int k = 0; k < np; k++)
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    deploy_session_pump(&a->sess[idx[k]], 0, err,
						sizeof err) != DEPLOY_OK)
				fprintf(stderr, "authex events: %s\n", err);
		if (tick != NULL)
			tick(tick_ctx);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	ax_wipe(&w, sizeof w);
	return DEPLOY_EXIT_OK;
}

int deploy_cmd_events(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	const char *desc = NULL;
	char err[1024], *end;
	long count = 0, timeout = 0;
	deploy_status st;
	int rc;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "events"), DEPLOY_EXIT_OK;
	for (int i = 1; i < argc; i++) {
		long *dst = strcmp(argv[i], "--count") == 0     ? &count
			    : strcmp(argv[i], "--timeout") == 0 ? &timeout
								: NULL;
		if (dst != NULL && i + 1 < argc) {
			*dst = strtol(argv[++i], &end, 10);
			if (*end != 0 || *dst <= 0)
				return deploy_cmd_usage("events", "%s: expected "
							"a positive number",
							argv[i - 1]);
		} else if (argv[i][0] == '-' || desc != NULL) {
			return deploy_cmd_usage("events", "unexpected '%s'",
						argv[i]);
		} else {
			desc = argv[i];
		}
	}
	if (desc == NULL)
		return deploy_cmd_usage("events", "expected APP.yaml");
	st = deploy_cmd_open(desc, g, 1, &a, err, sizeof err);
	if (st != DEPLOY_OK)
		return deploy_cmd_fail("events", st, err);
	rc = deploy_cmd_watch(a, count, timeout * 1000, NULL, NULL);
	deploy_cmd_close(a);
	return rc;
}
