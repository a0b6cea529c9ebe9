/*
 * host_util.h - the small helpers the host-side tzm test programs
 * (tests/tzm/host_link_*.c) share: a checked line per assertion and
 * reading a whole image file. Header-only (each program is one .c file).
 */
#ifndef AX_TZM_HOST_UTIL_H
#define AX_TZM_HOST_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned failures;

/* One line per check, "ok  " or "FAIL"; failures counts the latter. */
static void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), unused));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !ok;
}

/* The whole file at path (at most 1 MiB) in a malloc'd buffer; a file
 * that cannot be read means the firmware was not built: exit 77 (skip). */
static uint8_t *read_all(const char *path, size_t *len)
	__attribute__((unused));

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b = malloc(1 << 20);

	if (fp == NULL || b == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		if (fp != NULL)
			fclose(fp);
		free(b);
		exit(77);
	}
	*len = fread(b, 1, 1 << 20, fp);
	fclose(fp);
	return b;
}

#endif /* AX_TZM_HOST_UTIL_H */
