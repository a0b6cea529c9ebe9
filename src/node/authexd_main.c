/*
 * authexd_main.c - the authexd command line: parse arguments, read the
 * node's key file, start the node (node.c). Only this file prints to
 * stdout; the node logs through node_log.c.
 */
#define _GNU_SOURCE /* setresuid, setgroups (--user) */

#include <grp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_keyfile.h"
#include "node.h"
#include "node_log.h"

#define EXIT_USAGE 2

#define USAGE \
"NAME\n" \
"    authexd - authex node daemon: loads modules into a TEE platform and\n" \
"    routes their sealed events\n" \
"\n" \
"SYNOPSIS\n" \
"    authexd --port PORT --key FILE [--bind ADDR] [--platform NAME]\n" \
"            [--platform-opt OPTS] [--user UID[:GID]] [--name NODE]\n" \
"            [--log-level LEVEL] [--log-events]\n" \
"    authexd --help\n" \
"\n" \
"DESCRIPTION\n" \
"    authexd is the untrusted event manager of one authex node. It listens\n" \
"    on TCP for deployer sessions (authenticated with the node's control\n" \
"    key) and peer sessions from other nodes (events only), loads module\n" \
"    images through the platform, routes sealed events between modules,\n" \
"    to other nodes and to the deployer, and fires periodic entry calls.\n" \
"    It never sees an event's plaintext. It runs until SIGINT or SIGTERM,\n" \
"    then unloads every module, closes every connection and exits 0.\n" \
"    Behaviour and protocol: docs/node.md and docs/protocol.md.\n" \
"\n" \
"OPTIONS\n" \
"    --port PORT        TCP port to listen on, 1..65535 (required).\n" \
"    --key FILE         the node's key file (required): name, node_id,\n" \
"                       node_key, control_key; mode 0600 (a file readable\n" \
"                       by group or others is refused).\n" \
"    --bind ADDR        numeric IPv4 or IPv6 address to listen on\n" \
"                       (default 127.0.0.1; 0.0.0.0 exposes the node).\n" \
"    --platform NAME    TEE backend for every module (default native).\n" \
"                       Built: %s. `native` isolates NOTHING: modules run\n" \
"                       in this process; use it for development only.\n" \
"                       `process` runs each module in its own confined\n" \
"                       process; the node key stays in a separate monitor\n" \
"                       process and is wiped from authexd.\n" \
"                       `tzm` runs each module in the Secure world of a\n" \
"                       Cortex-M33 board reached over a serial link.\n" \
"    --platform-opt OPTS  backend options, key=value,... For process:\n" \
"                       uid_base=N (module uids as root, default 60000),\n" \
"                       timeout_ms=N (per message, default 5000),\n" \
"                       host=PATH (default: authex-modhost beside authexd).\n" \
"                       For tzm (docs/tzm.md): serial=PATH or\n" \
"                       serial=tcp:HOST:PORT (attach to a provisioned\n" \
"                       board); otherwise QEMU is started with the node key:\n" \
"                       qemu=PATH, firmware=DIR (s_node.elf, ns_node.elf),\n" \
"                       uart1=FILE (the secure output device), log=FILE,\n" \
"                       runas=USER|UID:GID (QEMU drops root after loading),\n" \
"                       timeout_ms=N (per request, default 5000).\n" \
"    --user UID[:GID]   after the platform started and the port is bound,\n" \
"                       drop to this numeric uid (and gid; default = uid).\n" \
"                       Only as root; with --platform process authexd then\n" \
"                       holds no node key and no privilege.\n" \
"    --name NODE        which block of FILE to use when it holds several\n" \
"                       nodes (default: the only block).\n" \
"    --log-level LEVEL  error, warn, info (default) or debug. Log lines go\n" \
"                       to stderr, one per event: authexd[node=NAME] ...\n" \
"    --log-events       also log every routed event at info level\n" \
"                       (\"event dep=1 conn=4 sensor->controller delivered\").\n" \
"    --help             print this text and exit 0.\n" \
"\n" \
"FILES\n" \
"    Key file (docs/node.md §1), written by `authex node init`:\n" \
"        # authex node key file: secret, keep mode 0600\n" \
"        name field\n" \
"        node_id 0x1a2b3c4d\n" \
"        node_key <64 hex digits>\n" \
"        control_key <64 hex digits>\n" \
"\n" \
"LIMITS\n" \
"    %d modules, %d routes, %d periodic timers, %d peer links with %d\n" \
"    pending frames each, %d sessions; frames up to %u bytes (a 4 MiB\n" \
"    module image). Over a limit the request is refused with a RESULT\n" \
"    code, never by crashing.\n" \
"\n" \
"EXIT STATUS\n" \
"    0  stopped by SIGINT or SIGTERM after a clean shutdown\n" \
"    1  could not start (port in use, no memory)\n" \
"    2  bad arguments or unusable key file\n" \
"\n" \
"EXAMPLE\n" \
"    authexd --port 7101 --key /etc/authex/field.key --log-events\n"

struct args {
	const char *key, *bind, *platform, *name, *level, *popt, *user;
	long port;
	int log_events;
};

static void print_usage(FILE *f)
{
	fprintf(f, USAGE, ax_platform_names(), NODE_MAX_MODULES,
		NODE_MAX_ROUTES, NODE_MAX_TIMERS, NODE_MAX_LINKS,
		NODE_LINK_QUEUE_MAX, NODE_MAX_SESSIONS, (unsigned)AX_FRAME_MAX);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "authexd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'authexd --help'.\n");
	return -1;
}

/* "--opt VALUE" or "--opt=VALUE": the value, advancing *i; NULL if none. */
static const char *value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0' || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_port(const char *s, long *port)
{
	char *end;

	*port = strtol(s, &end, 10);
	return (*end != '\0' || *port < 1 || *port > 65535) ? -1 : 0;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const char *const opts[] = {"--key", "--bind", "--platform-opt",
					   "--platform", "--name", "--log-level",
					   "--user"};
	const char **dst[] = {&a->key, &a->bind, &a->popt, &a->platform,
			      &a->name, &a->level, &a->user};
	const char *v;

	for (int i = 1; i < argc; i++) {
		int done = 0;
		if (strcmp(argv[i], "--log-events") == 0) {
			a->log_events = 1;
			continue;
		}
		if ((v = value(argc, argv, &i, "--port")) != NULL) {
			if (parse_port(v, &a->port) != 0)
				return bad("--port %s: not a port 1..65535", v);
			continue;
		}
		for (size_t k = 0; k < 7 && !done; k++)
			if ((v = value(argc, argv, &i, opts[k])) != NULL) {
				*dst[k] = v;
				done = 1;
			}
		if (!done)
			return bad("unknown option or missing value: %s",
				   argv[i]);
	}
	if (a->port == 0)
		return bad("%s", "--port is required");
	if (a->key == NULL)
		return bad("%s", "--key is required");
	return 0;
}

/* Fill cfg from the key file and the arguments. */
static int configure(const struct args *a, struct node_config *cfg)
{
	static struct ax_keyfile_node nodes[AX_KEYFILE_MAX_NODES];
	const struct ax_keyfile_node *me;
	enum node_log_level level = NODE_LOG_INFO;
	char err[512];
	size_t n = 0;
	int rc = -1;

	if (a->level && node_log_level_parse(a->level, &level) != 0)
		return bad("--log-level %s: use error, warn, info or debug",
			   a->level);
	cfg->platform = ax_platform_find(a->platform);
	if (cfg->platform == NULL)
		return bad("--platform %s: no such platform in this build",
			   a->platform);
	if (ax_keyfile_load(a->key, nodes, AX_KEYFILE_MAX_NODES, &n, err,
			    sizeof(err)) != 0)
		return bad("%s", err);
	me = a->name ? ax_keyfile_find(nodes, n, a->name) : n == 1 ? nodes : NULL;
	if (me == NULL)
		bad(a->name ? "%s: no node block of that --name"
			    : "%s: holds several nodes, choose one with --name",
		    a->key);
	else if (strlen(a->bind) >= sizeof(cfg->bind))
		bad("--bind %s: too long", a->bind);
	else {
		snprintf(cfg->name, sizeof(cfg->name), "%s", me->name);
		cfg->node_id = me->node_id;
		memcpy(cfg->node_key, me->node_key, sizeof(cfg->node_key));
		memcpy(cfg->control_key, me->control_key,
		       sizeof(cfg->control_key));
		snprintf(cfg->bind, sizeof(cfg->bind), "%s", a->bind);
		cfg->port = (uint16_t)a->port;
		node_log_setup(cfg->name, level);
		node_log_set_events(a->log_events != 0);
		rc = 0;
	}
	ax_wipe(nodes, sizeof(nodes));
	return rc;
}

/* The key file's keys were copied through vector registers, which the
 * dynamic linker's lazy binding (and signal delivery) saves on the stack:
 * once the platform holds K_node, wipe the stack below main's frame so no
 * copy of it stays in authexd (tests/integration/test_process_isolation.sh
 * scans authexd's memory for it). */
static __attribute__((noinline)) void scrub_stack(void)
{
	uint8_t pad[64 * 1024];

	ax_wipe(pad, sizeof(pad));
	__asm__ volatile("" : : "r"(pad) : "memory");
}

/* Start the platform (process: fork its monitor with the node key) and
 * wipe the daemon's copy of the key when the platform holds it. */
static int start_platform(const struct args *a, struct node_config *cfg,
			  char *err, size_t errlen)
{
	const struct ax_platform_ops *p = cfg->platform;

	if (p->start == NULL) {
		if (a->popt == NULL)
			return 0;
		snprintf(err, errlen, "--platform-opt: platform %s has no "
			 "options", p->name);
		return -1;
	}
	if (p->start(cfg->node_key, a->popt, err, errlen) != 0)
		return -1;
	ax_wipe(cfg->node_key, sizeof(cfg->node_key));
	scrub_stack();
	return 0;
}

/* --user UID[:GID]: drop every privilege for good (root only). */
static int drop_user(const char *spec, char *err, size_t errlen)
{
	char *end;
	unsigned long uid = strtoul(spec, &end, 10), gid = uid;
	uid_t r, e, s;

	if (*end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (*end != '\0' || end == spec || uid == 0 || uid > 0xfffffffeul ||
	    gid > 0xfffffffeul) {
		snprintf(err, errlen, "--user %s: use a numeric UID[:GID], not 0",
			 spec);
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "--user: only root can change its user");
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setresgid((gid_t)gid, (gid_t)gid,
						  (gid_t)gid) != 0 ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0 ||
	    getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
	    setresuid(0, 0, 0) == 0) {
		snprintf(err, errlen, "--user %s: could not drop privileges",
			 spec);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {NULL, "127.0.0.1", "native", NULL, NULL, NULL, NULL, 0,
			 0};
	static struct node_config cfg;
	static struct node node;
	char err[256];
	int rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_usage(stdout);
			return 0;
		}
	if (parse(argc, argv, &a) != 0 || configure(&a, &cfg) != 0)
		return EXIT_USAGE;
	/* A peer or deployer that vanishes with answers still queued makes a
	 * write fail with EPIPE; that is its problem, not a reason for the
	 * node to die (libuv writes without MSG_NOSIGNAL). */
	signal(SIGPIPE, SIG_IGN);
	rc = start_platform(&a, &cfg, err, sizeof(err));
	if (rc == 0)
		rc = node_init(&node, uv_default_loop(), &cfg, err, sizeof(err));
	ax_wipe(&cfg, sizeof(cfg));
	if (rc == 0 && a.user != NULL)
		rc = drop_user(a.user, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "authexd: %s\n", err);
		return 1;
	}
	if (node.cfg.platform->isolated)
		node_log(NODE_LOG_INFO, "start node_id=0x%08x listen=%s:%u "
			 "platform=%s uid=%u", node.cfg.node_id, node.cfg.bind,
			 (unsigned)node.cfg.port, node.cfg.platform->name,
			 (unsigned)getuid());
	else
		node_log(NODE_LOG_WARN, "start node_id=0x%08x listen=%s:%u "
			 "platform=%s NO ISOLATION: development only",
			 node.cfg.node_id, node.cfg.bind,
			 (unsigned)node.cfg.port, node.cfg.platform->name);
	if (node.cfg.platform->start != NULL && geteuid() == 0)
		node_log(NODE_LOG_WARN, "authexd runs as root: pass --user UID "
			 "so that the event manager holds no privilege");
	rc = node_run(&node);
	if (node.cfg.platform->stop != NULL)
		node.cfg.platform->stop();
	uv_loop_close(uv_default_loop());
	return rc;
}
