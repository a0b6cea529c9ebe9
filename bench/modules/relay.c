/*
 * relay.c - benchmark module: every event on `in` leaves again on `out`,
 * unchanged. Three instances of it make the module -> module -> module
 * round trip of bench_node (rtt), and chains of it are what the
 * deployment benchmark deploys.
 */
#include <authex/module.h>

AX_OUTPUT(out);

AX_INPUT(in, data, len)
{
	(void)out(data, len);
}
