/*
 * deploy_util.c - see deploy_util.h.
 */
#include "deploy_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void deploy_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

deploy_status deploy_read_file(const char *path, uint8_t **buf, size_t *len,
			       size_t max, char *err, size_t errlen)
{
	struct stat sb;
	uint8_t *b;
	size_t got = 0;
	FILE *f = fopen(path, "rb");

	*buf = NULL;
	*len = 0;
	if (f == NULL) {
		deploy_errf(err, errlen, "%s: %s", path, strerror(errno));
		return DEPLOY_E_INPUT;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		deploy_errf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return DEPLOY_E_INPUT;
	}
	if ((uintmax_t)sb.st_size > max) {
		deploy_errf(err, errlen, "%s: larger than %zu bytes", path,
			    max);
		fclose(f);
		return DEPLOY_E_INPUT;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (b == NULL) {
		deploy_errf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return DEPLOY_E_FAIL;
	}
	got = fread(b, 1, (size_t)sb.st_size, f);
	if (ferror(f) || got != (size_t)sb.st_size) {
		deploy_errf(err, errlen, "%s: read error", path);
		fclose(f);
		free(b);
		return DEPLOY_E_FAIL;
	}
	fclose(f);
	b[got] = 0;
	*buf = b;
	*len = got;
	return DEPLOY_OK;
}

void deploy_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

void deploy_hex_short(const uint8_t *b, size_t n, char out[static 16])
{
	deploy_hex(b, n < 4 ? n : 4, out);
	if (n > 4)
		strcat(out, "\xe2\x80\xa6"); /* U+2026 ellipsis */
}

void deploy_dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(out, cap, ".");
		return;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/x" -> "/" */
	snprintf(out, cap, "%.*s", (int)n, path);
}

deploy_status deploy_path_join(const char *dir, const char *rel, char *out,
			       size_t cap)
{
	int n;

	if (rel[0] == '/')
		n = snprintf(out, cap, "%s", rel);
	else
		n = snprintf(out, cap, "%s/%s", dir, rel);
	return n < 0 || (size_t)n >= cap ? DEPLOY_E_INPUT : DEPLOY_OK;
}

void deploy_test_die(const char *step)
{
	static unsigned long seen;
	const char *want = getenv("AUTHEX_TEST_DIE_AFTER");
	size_t n = strlen(step);
	unsigned long nth = 1;

	if (want == NULL || strncmp(want, step, n) != 0)
		return;
	if (want[n] == ':')
		nth = strtoul(want + n + 1, NULL, 10);
	else if (want[n] != 0)
		return;
	if (++seen == nth) {
		fflush(NULL);
		_exit(99);
	}
}
