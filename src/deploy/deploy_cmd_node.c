/*
 * deploy_cmd_node.c - `authex node init NAME`: provisioning.
 */
#include "deploy_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_keyfile.h"

/* Load the keystore if it exists; a missing file is an empty keystore. */
static int load_keystore(const char *path, struct ax_keyfile_node *nodes,
			 size_t *n, char *err, size_t errlen)
{
	*n = 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	return ax_keyfile_load(path, nodes, AX_KEYFILE_MAX_NODES, n, err,
			       errlen);
}

/* Options of `node init`: NAME [--keystore FILE] [--out FILE]. */
static int parse(int argc, char **argv, const char **name,
		 const char **keystore, const char **out)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--keystore") == 0 && i + 1 < argc)
			*keystore = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			*out = argv[++i];
		else if (argv[i][0] == '-')
			return deploy_cmd_usage("node", "unknown option '%s'",
						argv[i]);
		else if (*name == NULL)
			*name = argv[i];
		else
			return deploy_cmd_usage("node", "unexpected '%s'",
						argv[i]);
	}
	if (*name == NULL)
		return deploy_cmd_usage("node", "missing NAME");
	return 0;
}

int deploy_cmd_node(int argc, char **argv, const struct deploy_cli *g)
{
	static struct ax_keyfile_node nodes[AX_KEYFILE_MAX_NODES];
	const char *name = NULL, *keystore = g->keystore, *out = NULL;
	char out_buf[DEPLOY_PATH_MAX], err[1024];
	size_t n;
	int rc = DEPLOY_EXIT_FAIL;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "node"), DEPLOY_EXIT_OK;
	if (argc < 2 || strcmp(argv[1], "init") != 0)
		return deploy_cmd_usage("node", "expected `node init NAME`");
	if (parse(argc, argv, &name, &keystore, &out) != 0)
		return DEPLOY_EXIT_USAGE;
	if (keystore == NULL)
		keystore = "authex.keys";
	if (out == NULL) {
		snprintf(out_buf, sizeof out_buf, "%s.key", name);
		out = out_buf;
	}
	if (load_keystore(keystore, nodes, &n, err, sizeof err) != 0)
		return deploy_cmd_fail("node init", DEPLOY_E_INPUT, err);
	if (ax_keyfile_find(nodes, n, name) != NULL) {
		deploy_errf(err, sizeof err, "node '%s' is already in %s", name,
			    keystore);
		rc = deploy_cmd_fail("node init", DEPLOY_E_INPUT, err);
		goto out;
	}
	if (n == AX_KEYFILE_MAX_NODES ||
	    ax_keyfile_new(name, &nodes[n], err, sizeof err) != 0) {
		rc = deploy_cmd_fail("node init", DEPLOY_E_INPUT,
				     n == AX_KEYFILE_MAX_NODES
					     ? "keystore is full" : err);
		goto out;
	}
	if (ax_keyfile_write(out, &nodes[n], 1, err, sizeof err) != 0 ||
	    ax_keyfile_write(keystore, nodes, n + 1, err, sizeof err) != 0) {
		rc = deploy_cmd_fail("node init", DEPLOY_E_FAIL, err);
		goto out;
	}
	printf("node %s: id 0x%08x; key file %s (give it to `authexd --key`);"
	       " added to keystore %s\n", name, (unsigned)nodes[n].node_id, out,
	       keystore);
	rc = DEPLOY_EXIT_OK;
out:
	ax_wipe(nodes, sizeof nodes);
	return rc;
}
