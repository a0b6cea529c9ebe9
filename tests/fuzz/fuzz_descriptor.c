/*
 * fuzz_descriptor.c - libFuzzer harness for the descriptor loader
 * (deploy_desc_parse, YAML/JSON through libyaml): any bytes give either a
 * validated descriptor or one "fuzz.yaml:LINE: ..." message, never a
 * crash; an accepted descriptor only references what it declares, and
 * only its tzm nodes have a serial link.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_descriptor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct deploy_desc *d;
	char err[1024];

	if (d == NULL && (d = malloc(sizeof(*d))) == NULL)
		abort();
	err[0] = '\0';
	if (deploy_desc_parse((const char *)data, size, "fuzz.yaml", NULL, d,
			      err, sizeof(err)) != DEPLOY_OK) {
		if (strncmp(err, "fuzz.yaml:", 10) != 0)
			abort(); /* every refusal names the file (and line) */
		return 0;
	}
	for (size_t i = 0; i < d->n_nodes; i++) /* serial: tzm nodes only */
		if (d->nodes[i].serial[0] != '\0' &&
		    strcmp(d->nodes[i].platform, "tzm") != 0)
			abort();
	for (size_t i = 0; i < d->n_modules; i++) {
		int nd = d->modules[i].node;
		if (nd < 0 || (size_t)nd >= d->n_nodes ||
		    deploy_desc_node(d, d->nodes[nd].name) != nd)
			abort();
	}
	for (size_t i = 0; i < d->n_conns; i++) {
		const struct deploy_conn *c = &d->conns[i];
		if ((c->from.module != DEPLOY_DEPLOYER &&
		     (c->from.module < 0 ||
		      (size_t)c->from.module >= d->n_modules)) ||
		    (c->to.module != DEPLOY_DEPLOYER &&
		     (c->to.module < 0 || (size_t)c->to.module >= d->n_modules)) ||
		    (c->from.module == DEPLOY_DEPLOYER &&
		     c->to.module == DEPLOY_DEPLOYER))
			abort();
	}
	return 0;
}
