/*
 * spy_module.c - a tzm module image that attacks the Secure world from
 * inside, for tests/tzm/host_link_sandbox.c. Built by firmware.mk as
 * modules/test_spy.so with the module flags but without the runtime: it
 * speaks the module ABI itself. A CALL (AX_MSG_CALL, entry(2), arg) runs:
 *
 *   0 echo      answers arg (a well-behaved call)
 *   1 peek      reads the 4 bytes at the big-endian address in arg
 *   2 poke      writes 0x5A5A5A5A to the address in arg
 *   3 whoami    answers the address of a variable in its own slot
 *   4 device    writes arg to the secure output device (the import)
 *   5 svc0      issues SVC 0 (the node's "start a module" call)
 *   6 emit      calls the emit callback with a buffer at the address in
 *               arg: the node must refuse a buffer outside the module
 *
 * Every answer is 4 big-endian bytes (or the echo). Under the tzm sandbox
 * peek and poke outside the module's slot and the shared region fault.
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))
#define CALL 0x07 /* AX_MSG_CALL */

typedef int (*emit_fn)(void *ctx, const uint8_t *msg, size_t len);

EXPORT uint32_t authex_module_abi(void);
EXPORT int authex_module_init(uint32_t instance, const uint8_t *k,
	emit_fn emit, void *ctx);
EXPORT int authex_module_handle(const uint8_t *msg, size_t len,
	uint8_t *out, size_t cap, size_t *out_len);
extern int ax_platform_device_write(const void *data, size_t len)
	__attribute__((weak));

static emit_fn emit_cb;
static void *emit_ctx;
static volatile uint32_t mine = 0x11223344u;

uint32_t authex_module_abi(void)
{
	return 1;
}

int authex_module_init(uint32_t instance, const uint8_t *k, emit_fn emit,
		       void *ctx)
{
	(void)instance;
	(void)k;
	emit_cb = emit;
	emit_ctx = ctx;
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t run(uint16_t entry, const uint8_t *arg, size_t len)
{
	uint32_t a = len >= 4 ? be32(arg) : 0;

	switch (entry) {
	case 1:
		return *(volatile uint32_t *)(uintptr_t)a;
	case 2:
		*(volatile uint32_t *)(uintptr_t)a = 0x5A5A5A5Au;
		return 0;
	case 3:
		return (uint32_t)(uintptr_t)&mine;
	case 4:
		return ax_platform_device_write ?
			(uint32_t)ax_platform_device_write(arg, len) : 0xFFu;
	case 5:
		__asm__ __volatile__("svc #0" ::: "memory");
		return 0;
	case 6:
		return (uint32_t)emit_cb(emit_ctx,
			(const uint8_t *)(uintptr_t)a, 32);
	default:
		return 0xEEEEEEEEu;
	}
}

int authex_module_handle(const uint8_t *msg, size_t len, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	uint16_t entry;
	uint32_t v;

	*out_len = 0;
	if (len < 3 || msg[0] != CALL || cap < 4 || cap < len - 3)
		return 1; /* AX_E_MALFORMED */
	entry = (uint16_t)(msg[1] << 8 | msg[2]);
	if (entry == 0) {
		for (size_t i = 3; i < len; i++)
			out[i - 3] = msg[i];
		*out_len = len - 3;
		return 0;
	}
	v = run(entry, msg + 3, len - 3);
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
	*out_len = 4;
	return 0;
}
