/*
 * wrong_abi.c - a module image that claims another module ABI version, for
 * tests/unit/test_platform_native.c: the platform must refuse it before
 * it calls anything else in it. Built as build/modules/test_wrong_abi.so.
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT uint32_t authex_module_abi(void);
EXPORT int authex_module_init(uint32_t instance, const uint8_t *k,
	void *emit, void *ctx);
EXPORT int authex_module_handle(const uint8_t *msg, size_t len,
	uint8_t *out, size_t cap, size_t *out_len);

uint32_t authex_module_abi(void)
{
	return 99;
}

int authex_module_init(uint32_t instance, const uint8_t *k, void *emit,
		       void *ctx)
{
	(void)instance;
	(void)k;
	(void)emit;
	(void)ctx;
	return 0;
}

int authex_module_handle(const uint8_t *msg, size_t len, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	(void)msg;
	(void)len;
	(void)out;
	(void)cap;
	*out_len = 0;
	return 0;
}
