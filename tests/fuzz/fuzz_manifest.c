/*
 * fuzz_manifest.c - libFuzzer harness for the module image parser.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc/common \
 *     -Isrc/runtime -Isrc/crypto tests/fuzz/fuzz_manifest.c \
 *     src/common/ax_manifest.c -o /tmp/fm
 *   mkdir -p /tmp/fm_corpus
 *   /tmp/fm -max_total_time=60 /tmp/fm_corpus tests/fuzz/corpus/manifest
 *
 * (libFuzzer writes new inputs into the first directory: keep the
 * committed seeds few and small; scripts/fuzz.sh runs on a copy.) Seeds: sensor_x86_64.so is
 * examples/thermo/modules/sensor.c linked alone with -shared
 * -z noseparate-code and stripped; controller_arm.o the controller
 * compiled by arm-none-eabi-gcc -mcpu=cortex-m33 (ELF32, ET_REL), strip -g;
 * hand32_arm.elf and hand64_aarch64.elf minimal images with only a null
 * section, authex_ep and .shstrtab (the layout test_manifest.c builds).
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
