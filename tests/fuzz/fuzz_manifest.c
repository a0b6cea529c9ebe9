/*
 * fuzz_manifest.c - libFuzzer harness for the module image parser.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/common \
 *     -Isrc/runtime -Isrc/crypto tests/fuzz/fuzz_manifest.c \
 *     src/common/ax_manifest.c -o /tmp/fm
 *   /tmp/fm -max_total_time=60 tests/fuzz/corpus/manifest
 *
 * Needs only the parser (the measurement lives in ax_manifest_measure.c).
 * Besides "no crash, no overread", it checks what the contract promises
 * about an accepted manifest, and aborts when a promise is broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const struct ax_manifest *m)
{
	if (m->n > AX_MAX_ENDPOINTS ||
	    (m->elf_class != 32 && m->elf_class != 64))
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const struct ax_manifest_ep *ep = &m->ep[i];
		size_t len = strnlen(ep->name, AX_NAME_MAX);

		if (ep->id != i || ep->kind < 1 || ep->kind > 5 || len == 0 ||
		    len == AX_NAME_MAX)
			abort();
		/* Names are unique, so each finds itself, with either kind. */
		if (ax_manifest_find(m, ep->name, 0) != ep ||
		    ax_manifest_find(m, ep->name, ep->kind) != ep ||
		    ax_manifest_find(m, ep->name, ep->kind % 5 + 1) != NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ax_manifest m;
	ax_manifest_status st = ax_manifest_read(data, size, &m);

	if (st == AX_MANIFEST_OK)
		check_accepted(&m);
	else if (m.n != 0 || st >= AX_MANIFEST_E_COUNT)
		abort();
	if (ax_manifest_status_str(st) == NULL)
		abort();
	return 0;
}
