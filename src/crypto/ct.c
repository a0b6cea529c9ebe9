/*
 * ct.c - constant-time comparison and wiping; see ax_crypto.h.
 *
 * Freestanding on purpose (no libc, not even memset): it is linked into the
 * trusted runtime of every backend, including the Cortex-M33 secure image.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"

/* Map an OR-accumulator of byte differences to 0 (all equal) or -1, without
 * a data-dependent branch: d - 1 borrows into bit 8 only when d == 0. */
static int diff_to_status(uint32_t d)
{
	return (int)(1 & ((d - 1) >> 8)) - 1;
}

/* Every byte is visited whatever the contents: no early exit. */
static uint32_t diff_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint32_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (uint32_t)(a[i] ^ b[i]);
	return d;
}

int ax_verify16(const uint8_t a[static 16], const uint8_t b[static 16])
{
	return diff_to_status(diff_bytes(a, b, 16));
}

int ax_verify32(const uint8_t a[static 32], const uint8_t b[static 32])
{
	return diff_to_status(diff_bytes(a, b, 32));
}

int ax_ct_equal(const void *a, const void *b, size_t n)
{
	return diff_to_status(diff_bytes(a, b, n));
}

void ax_wipe(void *p, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
	/* A plain memset (fast: word stores, not one byte at a time) that the
	 * compiler may not drop as dead: the empty asm takes p and clobbers
	 * memory, so as far as the compiler knows the zeros are read. */
	if (n == 0)
		return;
	__builtin_memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
#else
	/* Volatile stores cannot be removed as dead either. */
	volatile uint8_t *v = p;

	for (size_t i = 0; i < n; i++)
		v[i] = 0;
#endif
}
