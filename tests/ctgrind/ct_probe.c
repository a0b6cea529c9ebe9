/*
 * ct_probe.c - a ctgrind-style check of the constant-time helpers.
 *
 * Run under valgrind memcheck: the inputs are marked "undefined" (secret),
 * so any branch or memory index that depends on them is reported as a
 * use of uninitialised data. The results are declassified before use.
 * With the argument "leaky" it runs a deliberately early-exit compare
 * instead, which valgrind must flag: this shows the check can fail.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "ax_crypto.h"

static int leaky_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t a[64], b[64];
	int r[4];

	for (size_t i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7);
		b[i] = (uint8_t)(i * 7 + (i == 40));
	}
	VALGRIND_MAKE_MEM_UNDEFINED(a, sizeof(a));
	VALGRIND_MAKE_MEM_UNDEFINED(b, sizeof(b));
	if (argc > 1 && strcmp(argv[1], "leaky") == 0) {
		r[0] = leaky_equal(a, b, sizeof(a));
		VALGRIND_MAKE_MEM_DEFINED(r, sizeof(r));
		printf("leaky: %d\n", r[0]);
		return 0;
	}
	r[0] = ax_verify16(a, b);
	r[1] = ax_verify32(a + 16, b + 16);
	r[2] = ax_ct_equal(a, b, sizeof(a));
	r[3] = ax_ct_equal(a, a, sizeof(a));
	ax_wipe(a, sizeof(a));
	VALGRIND_MAKE_MEM_DEFINED(r, sizeof(r));
	printf("verify16 %d verify32 %d ct_equal %d %d\n", r[0], r[1], r[2],
	       r[3]);
	/* a[40] != b[40]: seen by verify32 (bytes 16..47) and ct_equal. */
	return (r[0] == 0 && r[1] == -1 && r[2] == -1 && r[3] == 0) ? 0 : 3;
}
