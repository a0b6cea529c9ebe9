/*
 * authex_main.c - the authex command line: global options, then one
 * command (deploy_cmd.h). See `authex --help` and docs/deployer.md.
 */
#include <stdio.h>
#include <string.h>

#include "deploy_cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct deploy_cli *g);
};

static const struct command commands[] = {
	{"node", deploy_cmd_node},       {"deploy", deploy_cmd_deploy},
	{"status", deploy_cmd_status},   {"call", deploy_cmd_call},
	{"output", deploy_cmd_output},   {"request", deploy_cmd_request},
	{"events", deploy_cmd_events},   {"disable", deploy_cmd_disable},
	{"update", deploy_cmd_update},   {"down", deploy_cmd_down},
	{"run", deploy_local_run},         {NULL, NULL},
};

/* Take the global options out of argv (anywhere on the line), keep the
 * rest in order. Returns the new argc, or -1 on a usage error. */
static int globals(int argc, char **argv, struct deploy_cli *g)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--state") == 0 ? &g->state
				   : strcmp(argv[i], "--keystore") == 0
					   ? &g->keystore
					   : NULL;
		if (dst != NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "authex: %s needs a FILE\n",
					argv[i]);
				return -1;
			}
			*dst = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0 ||
			   strcmp(argv[i], "--verbose") == 0) {
			g->verbose = 1;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	struct deploy_cli g = {NULL, NULL, 0};

	argc = globals(argc, argv, &g);
	if (argc < 0)
		return DEPLOY_EXIT_USAGE;
	if (argc < 2) {
		deploy_cmd_help(stderr, NULL);
		return DEPLOY_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && deploy_cmd_help(stdout, argv[2]) == 0)
			return DEPLOY_EXIT_OK;
		deploy_cmd_help(stdout, NULL);
		return DEPLOY_EXIT_OK;
	}
	for (const struct command *c = commands; c->name != NULL; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1, &g);
	fprintf(stderr, "authex: unknown command '%s' (see `authex --help`)\n",
		argv[1]);
	return DEPLOY_EXIT_USAGE;
}
