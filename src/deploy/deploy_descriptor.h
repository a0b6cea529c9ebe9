/*
 * deploy_descriptor.h - the application descriptor (docs/descriptor.md):
 * read a YAML (or JSON) file into a fixed-size struct and validate it
 * completely before anything touches a node.
 *
 * Every error is one line "FILE:LINE: FIELD: message", FIELD being the
 * path into the document ("connections[2].to"). Validation happens in two
 * stages: deploy_desc_parse checks everything that the descriptor alone
 * decides (fields, types, names, references, ranges); once the module
 * images are built, deploy_desc_check_endpoints checks endpoint names and
 * kinds against each image's manifest (ax_manifest.h).
 */
#ifndef DEPLOY_DESCRIPTOR_H
#define DEPLOY_DESCRIPTOR_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ax_manifest.h"
#include "ax_wire.h"
#include "deploy_util.h"

#define DEPLOY_NAME_MAX 32       /* names incl. NUL: 1..31 characters */
#define DEPLOY_HOST_MAX 200      /* host part of a node address */
#define DEPLOY_SERIAL_MAX 255    /* a tzm node's serial link */
#define DEPLOY_PATH_MAX 1024
#define DEPLOY_MAX_NODES 64
#define DEPLOY_MAX_MODULES 64
#define DEPLOY_MAX_CONNS 256
#define DEPLOY_MAX_PERIODIC 64
#define DEPLOY_DESC_MAX_SIZE (1024 * 1024)
#define DEPLOY_CONN_IDENT_MAX (4 * DEPLOY_NAME_MAX + 8)
#define DEPLOY_DEPLOYER (-1)     /* module index of the deployer end */

struct deploy_node {
	char name[DEPLOY_NAME_MAX];
	char host[DEPLOY_HOST_MAX + 1];
	uint16_t port;
	char platform[16];          /* native | process | tzm */
	char serial[DEPLOY_SERIAL_MAX + 1]; /* tzm only: a device path or
					     * tcp:HOST:PORT; "" = authexd's
					     * backend starts QEMU itself */
	int line;
};

struct deploy_module {
	char name[DEPLOY_NAME_MAX];
	int node;                   /* index into nodes */
	char source[DEPLOY_PATH_MAX]; /* resolved against the descriptor */
	int line;
};

struct deploy_end {
	int module;                 /* index into modules, or DEPLOY_DEPLOYER */
	char ep[DEPLOY_NAME_MAX];   /* endpoint name; "" for the deployer */
	int line;
};

struct deploy_conn {
	char name[DEPLOY_NAME_MAX]; /* "" if not named */
	char ident[DEPLOY_CONN_IDENT_MAX]; /* name, or "a.out->b.in" */
	struct deploy_end from, to;
	unsigned alg;               /* AX_AEAD_AES128GCM or _CHACHA20POLY1305 */
	int line;
};

struct deploy_periodic {
	int module;
	char entry[DEPLOY_NAME_MAX];
	uint32_t period_ms;
	uint8_t arg[AX_WIRE_ARG_MAX];
	size_t arg_len;
	int line;
};

struct deploy_desc {
	char path[DEPLOY_PATH_MAX];  /* as given */
	char dir[DEPLOY_PATH_MAX];   /* its directory */
	char name[64];
	struct deploy_node nodes[DEPLOY_MAX_NODES];
	size_t n_nodes;
	struct deploy_module modules[DEPLOY_MAX_MODULES];
	size_t n_modules;
	struct deploy_conn conns[DEPLOY_MAX_CONNS];
	size_t n_conns;
	struct deploy_periodic periodic[DEPLOY_MAX_PERIODIC];
	size_t n_periodic;
};

/*
 * deploy_desc_load - read and validate the descriptor file at path
 * (stage one). d is large (about 1.2 MiB): allocate it on the heap.
 * Returns DEPLOY_OK, DEPLOY_E_INPUT with "file:line: field: message".
 */
DEPLOY_MUST_CHECK deploy_status deploy_desc_load(const char *path,
	struct deploy_desc *d, char *err, size_t errlen);

/*
 * deploy_desc_parse - the same for text already in memory. fname names it
 * in messages; dir resolves module sources (NULL: do not check that the
 * source files exist).
 */
DEPLOY_MUST_CHECK deploy_status deploy_desc_parse(const char *text,
	size_t len, const char *fname, const char *dir, struct deploy_desc *d,
	char *err, size_t errlen);

/*
 * deploy_desc_check_endpoints - stage two: with man[i] the manifest of
 * module i's built image, every connection end and periodic call must
 * name an endpoint of the right kind: output -> input, request ->
 * handler, deployer -> input or handler, output -> deployer; periodic
 * calls name entry points.
 */
DEPLOY_MUST_CHECK deploy_status deploy_desc_check_endpoints(
	const struct deploy_desc *d, const struct ax_manifest *man,
	char *err, size_t errlen);

/* Look-ups by name: the index, or -1. deploy_desc_conn also accepts a
 * connection's ident ("a.out->b.in"). */
int deploy_desc_node(const struct deploy_desc *d, const char *name);
int deploy_desc_module(const struct deploy_desc *d, const char *name);
int deploy_desc_conn(const struct deploy_desc *d, const char *name);

/* deploy_desc_alg_name - "aes-128-gcm" / "chacha20-poly1305". */
const char *deploy_desc_alg_name(unsigned alg);

#endif /* DEPLOY_DESCRIPTOR_H */
