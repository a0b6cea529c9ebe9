/*
 * gen.c - benchmark module: entry `burst` emits events on `out` as fast as
 * the runtime seals them. Argument: count(4) size(2), big-endian; the
 * answer is the number of events the runtime accepted, count(4).
 */
#include <authex/module.h>

AX_OUTPUT(out);

static uint8_t payload[16384];

AX_ENTRY(burst, arg, len, reply)
{
	uint32_t n, ok = 0;
	size_t size;
	uint8_t ans[4];

	if (len != 6)
		return 1;
	n = (uint32_t)arg[0] << 24 | (uint32_t)arg[1] << 16 |
	    (uint32_t)arg[2] << 8 | arg[3];
	size = (size_t)arg[4] << 8 | arg[5];
	if (n > 65536 || size > sizeof(payload))
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		payload[0] = (uint8_t)i; /* every event differs */
		if (out(payload, size) == 0)
			ok++;
	}
	ans[0] = (uint8_t)(ok >> 24);
	ans[1] = (uint8_t)(ok >> 16);
	ans[2] = (uint8_t)(ok >> 8);
	ans[3] = (uint8_t)ok;
	return ax_reply_put(reply, ans, 4);
}
