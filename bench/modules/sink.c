/*
 * sink.c - benchmark module: counts the events and payload bytes that
 * arrive on `in`; entry `count` answers events(8) bytes(8), big-endian.
 */
#include <authex/module.h>

static uint64_t events, bytes;

AX_INPUT(in, data, len)
{
	(void)data;
	events++;
	bytes += len;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

AX_ENTRY(count, arg, len, reply)
{
	uint8_t ans[16];

	(void)arg;
	(void)len;
	put64(ans, events);
	put64(ans + 8, bytes);
	return ax_reply_put(reply, ans, sizeof(ans));
}
