/*
 * ax_keyfile.h - node key files and the deployer's keystore.
 *
 * One text format for both (docs/node.md §1): blocks of `key value` lines,
 * `#` comments, blocks separated by blank lines. Each block describes one
 * node:
 *
 *     name field
 *     node_id 0x1a2b3c4d
 *     node_key <64 hex digits>
 *     control_key <64 hex digits>
 *
 * A node's key file holds its own block; the keystore holds one block per
 * node the deployer provisioned.
 *
 * Conventions: every function returns 0 on success and -1 on failure with
 * a one-line message in err ("FILE:LINE: what is wrong", truncated to
 * errlen). Files are read and written whole; keys never pass through
 * anything but caller buffers and are wiped from temporaries. Nothing
 * prints.
 */
#ifndef AX_KEYFILE_H
#define AX_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define AX_KEYFILE_NAME_MAX 32 /* including the NUL */
#define AX_KEYFILE_MAX_NODES 256
#define AX_KEYFILE_MAX_SIZE (64 * 1024)

struct ax_keyfile_node {
	char name[AX_KEYFILE_NAME_MAX]; /* [A-Za-z0-9_-], 1..31 chars */
	uint32_t node_id;               /* never 0 or 0xffffffff */
	uint8_t node_key[32];
	uint8_t control_key[32];
};

/*
 * ax_keyfile_parse - parse text/len (untrusted bytes, not NUL-terminated)
 * into at most max nodes; *n receives the count. fname names the source in
 * messages. Every block needs all four fields exactly once; unknown keys,
 * bad hex, wrong lengths, duplicate names or ids, and more than max nodes
 * are errors. On error *n is 0 and nodes is wiped.
 */
int ax_keyfile_parse(const char *text, size_t len, const char *fname,
		     struct ax_keyfile_node *nodes, size_t max, size_t *n,
		     char *err, size_t errlen);

/*
 * ax_keyfile_load - read and parse a file. Refuses a file that is not a
 * regular file, is larger than AX_KEYFILE_MAX_SIZE, or can be read or
 * written by group or others (it holds secrets).
 */
int ax_keyfile_load(const char *path, struct ax_keyfile_node *nodes,
		    size_t max, size_t *n, char *err, size_t errlen);

/*
 * ax_keyfile_write - write n nodes to path with mode 0600, atomically
 * (temporary file in the same directory, fsync, rename).
 */
int ax_keyfile_write(const char *path, const struct ax_keyfile_node *nodes,
		     size_t n, char *err, size_t errlen);

/* ax_keyfile_find - the node called name, or NULL. */
const struct ax_keyfile_node *ax_keyfile_find(
	const struct ax_keyfile_node *nodes, size_t n, const char *name);

/*
 * ax_keyfile_new - a fresh node: random node_id (not 0/0xffffffff) and
 * random keys from ax_random. name must be valid (see above).
 */
int ax_keyfile_new(const char *name, struct ax_keyfile_node *out, char *err,
		   size_t errlen);

#endif /* AX_KEYFILE_H */
