/*
 * fuzz_keyfile.c - libFuzzer harness for the key-file parser
 * (ax_keyfile_parse): any bytes must give either a valid set of nodes or
 * an error message, never a crash; a parsed set must satisfy the rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax_keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ax_keyfile_node nodes[8];
	char err[128];
	size_t n = 99;

	if (ax_keyfile_parse((const char *)data, size, "fuzz", nodes, 8, &n,
			     err, sizeof(err)) != 0) {
		if (n != 0 || strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	if (n == 0 || n > 8)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(nodes[i].name, AX_KEYFILE_NAME_MAX);
		if (len == 0 || len >= AX_KEYFILE_NAME_MAX ||
		    nodes[i].node_id == 0 || nodes[i].node_id == 0xffffffffu)
			abort();
		if (ax_keyfile_find(nodes, n, nodes[i].name) != &nodes[i])
			abort();
	}
	return 0;
}
