/*
 * gen_wire_corpus.c - writes the seed corpus of fuzz_wire.c into the
 * directory given as argv[1] (tests/fuzz/corpus/wire): for every message,
 * selector || frame (sealed under smp_key when the message may be AUTH)
 * and selector || body. Deterministic, so the committed files can be
 * regenerated:
 *   cc -Iinclude -Isrc/common -Isrc/runtime -Isrc/crypto \
 *     tests/fuzz/gen_wire_corpus.c src/common/ax_frame.c \
 *     src/common/ax_wire.c src/crypto/ct.c src/crypto/provider_openssl.c \
 *     -lcrypto -o /tmp/gen && \
 *   /tmp/gen tests/fuzz/corpus/wire
 */
#include <stdio.h>
#include <stdlib.h>

#include "ax_wire.h"
#include "../ax_wire_samples.h"

static int put_file(const char *dir, const char *kind, const char *name,
	uint8_t sel, const uint8_t *b, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s-%s", dir, kind, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fputc(sel, f);
	fwrite(b, 1, len, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t b[8192];
	size_t i, len;

	if (argc != 2)
		return 2;
	for (i = 0; i < SMP_N_CODECS; i++) {
		struct smp_codec c = smp_codecs[i];

		len = smp_frame(&c, (uint32_t)(i + 1), b, sizeof b);
		if (len == 0 || put_file(argv[1], "frame", c.name, (uint8_t)i, b, len))
			return 1;
		if (c.type != AX_WIRE_HELLO && !(c.flags & AX_FRAME_F_AUTH)) {
			c.flags = AX_FRAME_F_AUTH;
			len = smp_frame(&c, (uint32_t)(i + 1), b, sizeof b);
			if (len == 0 ||
			    put_file(argv[1], "auth", c.name, (uint8_t)i, b, len))
				return 1;
		}
		if (c.enc(c.sample, b, sizeof b, &len) != AX_WIRE_OK ||
		    put_file(argv[1], "body", c.name, (uint8_t)i, b, len))
			return 1;
	}
	return 0;
}
