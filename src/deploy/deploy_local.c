/*
 * deploy_local.c - `authex run`: the embedded default. Provision every
 * node of the descriptor, start one authexd per node on this machine,
 * deploy, watch events and node logs, take everything down.
 */
#include "deploy_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_keyfile.h"
#include "deploy_apply.h"

struct local {
	struct deploy_app *a;
	char dir[DEPLOY_PATH_MAX + 16];          /* STATE.d/nodes */
	char authexd[DEPLOY_PATH_MAX];
	pid_t pid[DEPLOY_MAX_NODES];
	int log_fd[DEPLOY_MAX_NODES];
	char partial[DEPLOY_MAX_NODES][256];     /* unfinished log line */
	int verbose;
	int keep;
};

/* Ctrl-C before the watch starts: finish the current step, then take
 * everything down instead of watching. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* authexd beside this executable, or $AUTHEXD. */
static int find_authexd(char *out, size_t cap)
{
	const char *env = getenv("AUTHEXD");
	char self[DEPLOY_PATH_MAX - 16];
	ssize_t n;
	char *slash;

	if (env != NULL && *env) {
		snprintf(out, cap, "%s", env);
		return access(out, X_OK);
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (slash == NULL)
		return -1;
	*slash = 0;
	snprintf(out, cap, "%s/authexd", self);
	return access(out, X_OK);
}

static int is_local(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 ||
	       strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0;
}

/* Every node of the descriptor in the keystore (new ones drawn now), and
 * each node's own key file in STATE.d/nodes/NAME.key. */
static deploy_status provision(struct local *l, char *err, size_t errlen)
{
	static struct ax_keyfile_node keys[AX_KEYFILE_MAX_NODES];
	struct deploy_app *a = l->a;
	size_t n = 0;
	int added = 0;
	deploy_status st = DEPLOY_E_FAIL;

	if (access(a->keystore_path, F_OK) == 0 &&
	    ax_keyfile_load(a->keystore_path, keys, AX_KEYFILE_MAX_NODES, &n,
			    err, errlen) != 0)
		return DEPLOY_E_INPUT;
	for (size_t i = 0; i < a->d->n_nodes; i++) {
		if (ax_keyfile_find(keys, n, a->d->nodes[i].name) != NULL)
			continue;
		if (n == AX_KEYFILE_MAX_NODES ||
		    ax_keyfile_new(a->d->nodes[i].name, &keys[n++], err,
				   errlen) != 0)
			goto out;
		added++;
	}
	if (added && ax_keyfile_write(a->keystore_path, keys, n, err,
				      errlen) != 0)
		goto out;
	if (added)
		printf("provision: %d new node%s in %s\n", added,
		       added == 1 ? "" : "s", a->keystore_path);
	for (size_t i = 0; i < a->d->n_nodes; i++) {
		char path[sizeof l->dir + DEPLOY_NAME_MAX + 8];
		const struct ax_keyfile_node *k =
			ax_keyfile_find(keys, n, a->d->nodes[i].name);

		snprintf(path, sizeof path, "%s/%s.key", l->dir,
			 a->d->nodes[i].name);
		if (ax_keyfile_write(path, k, 1, err, errlen) != 0)
			goto out;
	}
	memcpy(a->keys, keys, sizeof keys);
	a->n_keys = n;
	st = DEPLOY_OK;
out:
	ax_wipe(keys, sizeof keys);
	return st;
}

/* The node's daemon, with the node's platform. An isolating platform run
 * as root gets its own module uid range per node (nodes on one machine
 * must not share module uids) and the daemon then drops to "nobody". A
 * tzm node with a serial link attaches to that board; without one its
 * backend starts QEMU with the build's firmware. */
static void exec_authexd(const struct local *l, int i, const char *port,
			 const char *key)
{
	const struct deploy_node *nd = &l->a->d->nodes[i];
	char opt[sizeof "serial=,runas=65534:65534" + DEPLOY_SERIAL_MAX +
		 sizeof l->dir];
	const char *argv[20];
	int n = 0;

	argv[n++] = l->authexd;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--key";
	argv[n++] = key;
	argv[n++] = "--bind";
	argv[n++] = strcmp(nd->host, "::1") == 0 ? "::1" : "127.0.0.1";
	argv[n++] = "--log-events";
	argv[n++] = "--log-level";
	argv[n++] = l->verbose ? "debug" : "info";
	argv[n++] = "--platform";
	argv[n++] = nd->platform;
	if (strcmp(nd->platform, "process") == 0 && geteuid() == 0) {
		snprintf(opt, sizeof opt, "uid_base=%u", 60000u + 256u * (unsigned)i);
		argv[n++] = "--platform-opt";
		argv[n++] = opt;
		argv[n++] = "--user";
		argv[n++] = "65534";
	}
	if (strcmp(nd->platform, "tzm") == 0 && nd->serial[0] != 0) {
		snprintf(opt, sizeof opt, "serial=%s", nd->serial);
		argv[n++] = "--platform-opt";
		argv[n++] = opt;
	} else if (strcmp(nd->platform, "tzm") == 0) {
		/* the emulated board's secure output device (UART1); as root
		 * QEMU and the daemon both give up root once started */
		snprintf(opt, sizeof opt, "uart1=%s/%s.uart1%s", l->dir,
			 nd->name, geteuid() == 0 ? ",runas=65534:65534" : "");
		argv[n++] = "--platform-opt";
		argv[n++] = opt;
		if (geteuid() == 0) {
			argv[n++] = "--user";
			argv[n++] = "65534";
		}
	}
	argv[n] = NULL;
	execv(l->authexd, (char *const *)argv);
}

static pid_t spawn(struct local *l, int i, char *err, size_t errlen)
{
	const struct deploy_node *nd = &l->a->d->nodes[i];
	char port[8], key[sizeof l->dir + DEPLOY_NAME_MAX + 8],
		log[sizeof key];
	pid_t pid;
	int fd;

	snprintf(port, sizeof port, "%u", (unsigned)nd->port);
	snprintf(key, sizeof key, "%s/%s.key", l->dir, nd->name);
	snprintf(log, sizeof log, "%s/%s.log", l->dir, nd->name);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	l->log_fd[i] = open(log, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || l->log_fd[i] < 0) {
		deploy_errf(err, errlen, "%s: %s", log, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* own process group: a terminal's Ctrl-C reaches only authex,
		 * which then takes the deployment down and stops us */
		(void)setpgid(0, 0);
		/* and not outlive an authex that was killed (unless --keep) */
		if (!l->keep)
			(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fd, 1);
		dup2(fd, 2);
		exec_authexd(l, i, port, key);
		_exit(127);
	}
	close(fd);
	if (pid < 0)
		deploy_errf(err, errlen, "fork: %s", strerror(errno));
	return pid;
}

static int port_open(const struct deploy_node *nd)
{
	struct addrinfo hints = {0}, *res;
	char port[8];
	int fd, ok = 0;

	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", (unsigned)nd->port);
	if (getaddrinfo(nd->host, port, &hints, &res) != 0)
		return 0;
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0)
		ok = 1;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return ok;
}

/* Print new complete lines of every node log, prefixed with the node. */
static void tail_logs(void *ctx)
{
	struct local *l = ctx;
	char buf[4096];

	for (size_t i = 0; i < l->a->d->n_nodes; i++) {
		ssize_t n;

		if (l->log_fd[i] < 0)
			continue;
		while ((n = read(l->log_fd[i], buf, sizeof buf - 1)) > 0) {
			char *p = buf, *nl;

			buf[n] = 0;
			while ((nl = strchr(p, '\n')) != NULL) {
				*nl = 0;
				printf("[%s] %s%s\n", l->a->d->nodes[i].name,
				       l->partial[i], p);
				l->partial[i][0] = 0;
				p = nl + 1;
			}
			{
				size_t have = strlen(l->partial[i]);
				size_t room = sizeof l->partial[i] - have - 1;
				size_t take = strlen(p);

				if (take > room)
					take = room;
				memcpy(l->partial[i] + have, p, take);
				l->partial[i][have + take] = 0;
			}
		}
	}
	fflush(stdout);
}

/* Start every daemon and wait (bounded) until each accepts connections. */
static deploy_status start_nodes(struct local *l, char *err, size_t errlen)
{
	struct deploy_app *a = l->a;

	for (size_t i = 0; i < a->d->n_nodes; i++) {
		l->pid[i] = spawn(l, (int)i, err, errlen);
		if (l->pid[i] < 0)
			return DEPLOY_E_FAIL;
	}
	for (size_t i = 0; i < a->d->n_nodes; i++) {
		int up = 0, status;

		for (int t = 0; t < 200 && !up; t++) { /* 10 s */
			if (waitpid(l->pid[i], &status, WNOHANG) == l->pid[i]) {
				l->pid[i] = 0;
				tail_logs(l);
				deploy_errf(err, errlen,
					    "authexd for node '%s' exited "
					    "(port %u in use? see its log "
					    "above)", a->d->nodes[i].name,
					    (unsigned)a->d->nodes[i].port);
				return DEPLOY_E_FAIL;
			}
			up = port_open(&a->d->nodes[i]);
			if (!up)
				sleep_ms(50);
		}
		if (!up) {
			deploy_errf(err, errlen, "authexd for node '%s' does "
				    "not listen on port %u", a->d->nodes[i].name,
				    (unsigned)a->d->nodes[i].port);
			return DEPLOY_E_FAIL;
		}
		printf("node %s: authexd pid %ld on %s:%u\n",
		       a->d->nodes[i].name, (long)l->pid[i],
		       a->d->nodes[i].host, (unsigned)a->d->nodes[i].port);
	}
	return DEPLOY_OK;
}

/* SIGTERM every daemon, wait up to 5 s, then SIGKILL. */
static void stop_nodes(struct local *l)
{
	for (size_t i = 0; i < l->a->d->n_nodes; i++)
		if (l->pid[i] > 0)
			kill(l->pid[i], SIGTERM);
	for (size_t i = 0; i < l->a->d->n_nodes; i++) {
		int status, t;

		if (l->pid[i] <= 0)
			continue;
		for (t = 0; t < 100; t++) {
			if (waitpid(l->pid[i], &status, WNOHANG) == l->pid[i])
				break;
			sleep_ms(50);
		}
		if (t == 100) {
			kill(l->pid[i], SIGKILL);
			waitpid(l->pid[i], &status, 0);
		}
		l->pid[i] = 0;
	}
	tail_logs(l);
}

static int parse_run(int argc, char **argv, const char **desc, long *seconds,
		     int *keep, int *verbose)
{
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			*seconds = strtol(argv[++i], &end, 10);
			if (*end != 0 || *seconds < 0)
				return deploy_cmd_usage("run", "--seconds %s: "
							"expected a number "
							">= 0", argv[i]);
		} else if (strcmp(argv[i], "--keep") == 0) {
			*keep = 1;
		} else if (strcmp(argv[i], "--verbose") == 0 ||
			   strcmp(argv[i], "-v") == 0) {
			*verbose = 1;
		} else if (argv[i][0] == '-' || *desc != NULL) {
			return deploy_cmd_usage("run", "unexpected '%s'",
						argv[i]);
		} else {
			*desc = argv[i];
		}
	}
	return *desc == NULL ? deploy_cmd_usage("run", "expected APP.yaml") : 0;
}

/* Checks, directories, keys, daemons, deploy; then watch. */
/* What reached the secure output device of each emulated tzm board:
 * only authenticated events can put anything there (docs/tzm.md). */
static void show_devices(const struct local *l)
{
	char path[sizeof l->dir + DEPLOY_NAME_MAX + 8], line[256];
	FILE *fp;

	for (size_t i = 0; i < l->a->d->n_nodes; i++) {
		const struct deploy_node *nd = &l->a->d->nodes[i];

		if (strcmp(nd->platform, "tzm") != 0 || nd->serial[0] != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s.uart1", l->dir, nd->name);
		fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		printf("%s: secure output device (UART1, %s):\n", nd->name,
		       path);
		while (fgets(line, sizeof line, fp) != NULL)
			printf("  %s%s", line,
			       strchr(line, '\n') != NULL ? "" : "\n");
		fclose(fp);
	}
	fflush(stdout);
}

static deploy_status run_all(struct local *l, long seconds, char *err,
			     size_t errlen)
{
	struct deploy_app *a = l->a;
	deploy_status st;

	for (size_t i = 0; i < a->d->n_nodes; i++)
		if (!is_local(a->d->nodes[i].host)) {
			deploy_errf(err, errlen, "%s:%d: nodes[%zu].host: "
				    "'%s' is not this machine; `authex run` "
				    "starts local daemons only (127.0.0.1)",
				    a->d->path, a->d->nodes[i].line, i,
				    a->d->nodes[i].host);
			return DEPLOY_E_INPUT;
		}
	if (find_authexd(l->authexd, sizeof l->authexd) != 0) {
		deploy_errf(err, errlen, "authexd not found at %s (build it, "
			    "or set AUTHEXD)", l->authexd);
		return DEPLOY_E_FAIL;
	}
	snprintf(l->dir, sizeof l->dir, "%s.d", a->state_path);
	(void)mkdir(l->dir, 0700);
	snprintf(l->dir, sizeof l->dir, "%s.d/nodes", a->state_path);
	if (mkdir(l->dir, 0700) != 0 && errno != EEXIST) {
		deploy_errf(err, errlen, "%s: %s", l->dir, strerror(errno));
		return DEPLOY_E_FAIL;
	}
	st = provision(l, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_app_build_all(a, err, errlen);
	if (st == DEPLOY_OK)
		st = start_nodes(l, err, errlen);
	if (st == DEPLOY_OK)
		st = deploy_apply_all(a, err, errlen);
	if (st != DEPLOY_OK)
		return st;
	if (interrupted) {
		deploy_errf(err, errlen, "interrupted");
		return DEPLOY_E_FAIL;
	}
	printf("run %s: up; events and node logs for %ld s\n", a->d->name,
	       seconds);
	fflush(stdout);
	if (seconds > 0)
		(void)deploy_cmd_watch(a, 0, seconds * 1000, tail_logs, l);
	show_devices(l);
	return DEPLOY_OK;
}

int deploy_local_run(int argc, char **argv, const struct deploy_cli *g)
{
	static struct local l;
	const char *desc = NULL;
	char err[1024];
	long seconds = 10;
	int keep = 0, verbose = g->verbose;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "run"), DEPLOY_EXIT_OK;
	if (parse_run(argc, argv, &desc, &seconds, &keep, &verbose) != 0)
		return DEPLOY_EXIT_USAGE;
	/* a closed stdout (`| head`) must not kill us before the daemons
	 * are stopped */
	signal(SIGPIPE, SIG_IGN);
	interrupted = 0;
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	memset(&l, 0, sizeof l);
	l.keep = keep;
	for (size_t i = 0; i < DEPLOY_MAX_NODES; i++)
		l.log_fd[i] = -1;
	l.verbose = verbose;
	st = deploy_cmd_open(desc, g, 0, &l.a, err, sizeof err);
	if (st != DEPLOY_OK)
		return deploy_cmd_fail("run", st, err);
	st = run_all(&l, seconds, err, sizeof err);
	if (st != DEPLOY_OK)
		fprintf(stderr, "authex run: %s\n", err);
	if (keep && st == DEPLOY_OK) {
		printf("run %s: kept running; stop with `authex down %s` and "
		       "kill", l.a->d->name, desc);
		for (size_t i = 0; i < l.a->d->n_nodes; i++)
			printf(" %ld", (long)l.pid[i]);
		printf("\n");
	} else {
		char derr[1024];

		if (l.a->deployment != 0 &&
		    deploy_cmd_down_app(l.a, derr, sizeof derr) != DEPLOY_OK)
			fprintf(stderr, "authex run: %s\n", derr);
		stop_nodes(&l);
	}
	for (size_t i = 0; i < DEPLOY_MAX_NODES; i++)
		if (l.log_fd[i] >= 0)
			close(l.log_fd[i]);
	deploy_cmd_close(l.a);
	if (st == DEPLOY_OK)
		return DEPLOY_EXIT_OK;
	return st == DEPLOY_E_INPUT ? DEPLOY_EXIT_USAGE : DEPLOY_EXIT_FAIL;
}
