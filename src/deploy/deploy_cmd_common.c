/*
 * deploy_cmd_common.c - what every command shares: usage texts, error
 * printing, opening the application with progress output.
 */
#include "deploy_cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_data.h"

struct help {
	const char *cmd;
	const char *text;
};

static const struct help helps[] = {
	{"node",
	 "usage: authex node init NAME [--keystore FILE] [--out FILE]\n"
	 "\n"
	 "Provision a node: draw a random node id (never 0 or 0xffffffff), a\n"
	 "32-byte node key K_node (the node's platform derives module keys from\n"
	 "it) and a 32-byte control key K_control (authenticates the deployer's\n"
	 "sessions). Writes the node's key file (default NAME.key, mode 0600;\n"
	 "give it to `authexd --key`) and adds the same block to the deployer's\n"
	 "keystore (default ./authex.keys, mode 0600). A node already in the\n"
	 "keystore is refused.\n"
	 "\n"
	 "NAME        1-31 characters of A-Z a-z 0-9 _ - ; the name the\n"
	 "            descriptor's `nodes:` use\n"
	 "--keystore FILE   keystore to add the node to\n"
	 "--out FILE        where to write the node's key file\n"},
	{"deploy",
	 "usage: authex deploy APP.yaml\n"
	 "\n"
	 "Build every module, then on every node: load it, check the measurement\n"
	 "the node reports, attest it, hand out a fresh key for every connection\n"
	 "(SET_KEY to each end), add the routes, arm the periodic events. One\n"
	 "progress line per step. Every step is recorded in the state database\n"
	 "before the next starts: a second deploy changes nothing on any node,\n"
	 "and a deploy that was killed finishes the remaining steps next time\n"
	 "(never reusing a nonce). A node that lost its modules (restarted) gets\n"
	 "them loaded and keyed again. A module whose source changed since it was\n"
	 "deployed is refused: use `authex update`.\n"},
	{"status",
	 "usage: authex status APP.yaml\n"
	 "\n"
	 "Print the deployment as the state database knows it (modules with node,\n"
	 "instance id, measurement, loaded/attested/disabled; connections with id,\n"
	 "algorithm, keyed/routed) and, live from every node, the node's counters\n"
	 "(uptime, events routed/dropped, frames rejected) and per module the\n"
	 "runtime state and per connection the events accepted, rejected, lost.\n"
	 "A node running the `native` platform is flagged loudly: its modules run\n"
	 "in the daemon's own process, without any isolation.\n"
	 "Exit status 1 if a node cannot be reached (the rest is still printed).\n"},
	{"call",
	 "usage: authex call APP.yaml MODULE.ENTRY [DATA]\n"
	 "\n"
	 "Call entry point ENTRY of MODULE with DATA as argument and print its\n"
	 "result in hex (and as text when printable). Entry points are not\n"
	 "authenticated: anyone who reaches the node can call them.\n"
	 "DATA is text, or 0x followed by hex digits (0x0102); default empty.\n"},
	{"output",
	 "usage: authex output APP.yaml CONN [DATA]\n"
	 "\n"
	 "Send DATA as one event on connection CONN, whose source is the deployer\n"
	 "(`from: deployer` in the descriptor). The deployer seals it with the\n"
	 "connection's key and its next counter (committed to the state database\n"
	 "before sending). No answer: the module's input handler runs.\n"},
	{"request",
	 "usage: authex request APP.yaml CONN [DATA]\n"
	 "\n"
	 "Send DATA as a request on connection CONN (from: deployer, to a module's\n"
	 "handler), wait for the one response and print it, decrypted.\n"},
	{"events",
	 "usage: authex events APP.yaml [--count N] [--timeout SEC]\n"
	 "\n"
	 "Keep a session open to every node that hosts the source of a connection\n"
	 "whose destination is the deployer (`to: deployer`), and print each\n"
	 "event arriving on such a connection, authenticated and decrypted, with\n"
	 "its connection and counter. Replayed or forged events are reported and\n"
	 "dropped. Stops after N events, or after SEC seconds (default: run until\n"
	 "interrupted).\n"},
	{"disable",
	 "usage: authex disable APP.yaml MODULE\n"
	 "\n"
	 "Send MODULE an authenticated DISABLE (sealed under its module key with a\n"
	 "fresh control nonce): it wipes its keys and accepts nothing but STATUS\n"
	 "afterwards. `deploy` leaves a disabled module alone; `update` replaces\n"
	 "it.\n"},
	{"update",
	 "usage: authex update APP.yaml MODULE [--transfer ENTRY_OUT:ENTRY_IN]\n"
	 "\n"
	 "Rebuild MODULE and load it as a new instance (new instance id, so a new\n"
	 "module key), attest it, give each of its connections a new key (both\n"
	 "ends), update the routes, re-arm its periodic events, then unload the\n"
	 "old instance. With --transfer, before the old instance is unloaded its\n"
	 "entry point ENTRY_OUT is called and the result is passed to the new\n"
	 "instance's entry point ENTRY_IN (state hand-over; entry points are not\n"
	 "authenticated, so use it for state that needs no secrecy). Resumable\n"
	 "like deploy.\n"},
	{"down",
	 "usage: authex down APP.yaml\n"
	 "\n"
	 "RESET the deployment on every node (modules unloaded, routes and timers\n"
	 "dropped) and mark it down in the state database. Ids and nonces are kept,\n"
	 "so a later deploy never reuses one.\n"},
	{"run",
	 "usage: authex run APP.yaml [--seconds N] [--keep] [--verbose]\n"
	 "\n"
	 "Run the whole application on this machine: provision keys for every node\n"
	 "of the descriptor (keystore beside the descriptor, node key files in\n"
	 "STATE.d/nodes/), start one authexd per node on its port (the binary\n"
	 "beside authex, or $AUTHEXD), deploy, then print the events sent to the\n"
	 "deployer and the nodes' logs for N seconds (default 10), then take the\n"
	 "deployment down and stop the daemons. --keep leaves deployment and\n"
	 "daemons running (their pids are printed). Nodes must use 127.0.0.1 or\n"
	 "localhost.\n"
	 "\n"
	 "Each daemon runs the node's platform. As root, `process` nodes get\n"
	 "their own module uid range and the daemon drops to uid 65534. A `tzm`\n"
	 "node with a `serial:` link attaches to that board; without one its\n"
	 "daemon starts QEMU mps2-an505 with the build's firmware (`make\n"
	 "tzm-firmware`) and the node key, and the board's secure output device\n"
	 "(UART1) goes to STATE.d/nodes/NODE.uart1, printed at the end.\n"},
	{NULL, NULL}};

static const char overview[] =
	"usage: authex [GLOBAL OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"The authex deployer: builds the modules of an application, loads them\n"
	"into TEEs on the nodes, attests them and keys their connections.\n"
	"\n"
	"commands:\n"
	"  node init NAME        provision a node (keys, node id)\n"
	"  deploy APP.yaml       build, load, attest, key, route; idempotent\n"
	"  status APP.yaml       state database + live node status\n"
	"  call APP.yaml MODULE.ENTRY [DATA]   call an entry point\n"
	"  output APP.yaml CONN [DATA]         send an event from the deployer\n"
	"  request APP.yaml CONN [DATA]        send a request, print the response\n"
	"  events APP.yaml       print events sent to the deployer\n"
	"  disable APP.yaml MODULE             authenticated DISABLE\n"
	"  update APP.yaml MODULE              replace a module\n"
	"  down APP.yaml         reset the deployment on every node\n"
	"  run APP.yaml          run everything locally with one authexd per node\n"
	"\n"
	"global options:\n"
	"  --state FILE      state database (default APP.authex.db beside APP.yaml)\n"
	"  --keystore FILE   node keys (default APP.keys beside APP.yaml)\n"
	"  -v, --verbose     more output\n"
	"  -h, --help        this text; `authex COMMAND --help` for a command\n"
	"\n"
	"DATA: text, or 0x-prefixed hex. Exit status: 0 ok, 1 an operation\n"
	"failed (the message names the node, module and step), 2 usage or\n"
	"descriptor error.\n";

int deploy_cmd_help(FILE *f, const char *cmd)
{
	if (cmd == NULL) {
		fputs(overview, f);
		return 0;
	}
	for (const struct help *h = helps; h->cmd != NULL; h++)
		if (strcmp(h->cmd, cmd) == 0) {
			fputs(h->text, f);
			return 0;
		}
	return -1;
}

int deploy_cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

int deploy_cmd_fail(const char *cmd, deploy_status st, const char *err)
{
	fflush(stdout);
	fprintf(stderr, "authex %s: %s\n", cmd, err);
	return st == DEPLOY_E_INPUT ? DEPLOY_EXIT_USAGE : DEPLOY_EXIT_FAIL;
}

int deploy_cmd_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "authex %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see `authex %s --help`)\n", cmd);
	return DEPLOY_EXIT_USAGE;
}

static void print_progress(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
	fflush(stdout);
}

deploy_status deploy_cmd_open(const char *desc, const struct deploy_cli *g,
			      int need_keys, struct deploy_app **a, char *err,
			      size_t errlen)
{
	struct deploy_app_opts o = {desc, g->state, g->keystore, need_keys,
				    g->verbose};
	deploy_status st;

	*a = calloc(1, sizeof **a);
	if (*a == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	st = deploy_app_open(*a, &o, err, errlen);
	(*a)->progress = print_progress;
	if (st != DEPLOY_OK) {
		deploy_cmd_close(*a);
		*a = NULL;
	}
	return st;
}

void deploy_cmd_close(struct deploy_app *a)
{
	if (a == NULL)
		return;
	deploy_app_close(a);
	free(a);
}

deploy_status deploy_cmd_data(const char *arg, uint8_t *out, size_t cap,
			      size_t *len, char *err, size_t errlen)
{
	*len = 0;
	if (arg == NULL)
		return DEPLOY_OK;
	return deploy_data_parse(arg, out, cap, len, err, errlen);
}

void deploy_cmd_print_data(const char *label, const uint8_t *b, size_t n)
{
	char *text = malloc(3 * n + 16);

	if (text == NULL)
		return;
	deploy_data_format(b, n, text, 3 * n + 16);
	printf("%s%s\n", label, text);
	free(text);
	fflush(stdout);
}
