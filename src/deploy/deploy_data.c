/*
 * deploy_data.c - see deploy_data.h.
 */
#include "deploy_data.h"

#include <stdio.h>
#include <string.h>

#include "ax_hex.h"

deploy_status deploy_data_parse(const char *arg, uint8_t *out, size_t cap,
				size_t *len, char *err, size_t errlen)
{
	size_t n = strlen(arg);

	*len = 0;
	if (n < 2 || arg[0] != '0' || (arg[1] != 'x' && arg[1] != 'X')) {
		if (n > cap) {
			deploy_errf(err, errlen,
				    "data: %zu bytes, at most %zu allowed", n,
				    cap);
			return DEPLOY_E_INPUT;
		}
		memcpy(out, arg, n);
		*len = n;
		return DEPLOY_OK;
	}
	arg += 2;
	n -= 2;
	if (n % 2 != 0) {
		deploy_errf(err, errlen,
			    "data: odd number of hex digits after 0x");
		return DEPLOY_E_INPUT;
	}
	if (n / 2 > cap) {
		deploy_errf(err, errlen, "data: %zu bytes, at most %zu allowed",
			    n / 2, cap);
		return DEPLOY_E_INPUT;
	}
	for (size_t i = 0; i < n; i += 2) {
		int hi = ax_hex_digit(arg[i]), lo = ax_hex_digit(arg[i + 1]);

		if (hi < 0 || lo < 0) {
			deploy_errf(err, errlen,
				    "data: '%c' is not a hex digit",
				    hi < 0 ? arg[i] : arg[i + 1]);
			return DEPLOY_E_INPUT;
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return DEPLOY_OK;
}

static int printable(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			return 0;
	return 1;
}

void deploy_data_format(const uint8_t *b, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0, keep;

	if (cap == 0)
		return;
	if (n == 0) {
		snprintf(out, cap, "(empty)");
		return;
	}
	/* Printable text is shown as text only: that is what a person reads
	 * (the hex of it adds nothing). Anything else as hex. */
	if (printable(b, n) && n + 3 <= cap) {
		out[o++] = '"';
		memcpy(out + o, b, n);
		o += n;
		out[o++] = '"';
		out[o] = 0;
		return;
	}
	keep = n;
	while (keep > 0 && keep * 2 + 4 > cap)
		keep--;
	for (size_t i = 0; i < keep; i++) {
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	if (keep < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

void deploy_data_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		if (b[i] >= 0x20 && b[i] <= 0x7e)
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", b[i]);
	}
	out[o] = 0;
}
