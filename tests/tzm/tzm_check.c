/* tzm_check.c - see tzm_check.h. */
#include "tzm_check.h"

#include "board.h"

static uint32_t passed, failed;

void tzm_check(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	ax_tzm_puts("  FAIL ");
	ax_tzm_puts(file);
	ax_tzm_puts(":");
	ax_tzm_putu((uint32_t)line);
	ax_tzm_puts(": ");
	ax_tzm_puts(what);
	ax_tzm_puts("\n");
}

void tzm_section(const char *name)
{
	ax_tzm_puts("-- ");
	ax_tzm_puts(name);
	ax_tzm_puts("\n");
}

uint32_t tzm_check_summary(void)
{
	ax_tzm_putu(passed);
	ax_tzm_puts(" passed, ");
	ax_tzm_putu(failed);
	ax_tzm_puts(" failed\n");
	return failed > 250 ? 250 : failed;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t tzm_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	for (; hex[0] != '\0'; hex += 2) {
		hi = nibble(hex[0]);
		lo = hex[1] != '\0' ? nibble(hex[1]) : -1;
		if (hi < 0 || lo < 0 || n == cap) {
			CHECK(!"malformed or too long hex vector");
			return (size_t)-1;
		}
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n;
}

int tzm_all(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int tzm_eq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}
