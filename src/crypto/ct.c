/*
 * ct.c - the parts of ax_crypto.h that need no crypto library: constant-
 * time comparison, wiping, AEAD key lengths, and the argument rules every
 * provider applies (ax_crypto_args.h).
 *
 * Freestanding on purpose (no libc headers): it is linked into the
 * trusted runtime of every backend, including the Cortex-M33 secure image.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"
#include "ax_crypto_args.h"

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

size_t ax_aead_key_len(unsigned alg)
{
	switch (alg) {
	case AX_AEAD_AES128GCM:
		return 16;
	case AX_AEAD_CHACHA20POLY1305:
		return 32;
	default:
		return 0;
	}
}

/* In place (in == out) is allowed; any other overlap is a caller bug
 * (OpenSSL refuses it too), reported as an argument error. */
static int partial_overlap(const uint8_t *in, const uint8_t *out, size_t len)
{
	uintptr_t a = (uintptr_t)in, b = (uintptr_t)out;

	if (len == 0 || a == b)
		return 0;
	return a < b + len && b < a + len;
}

ax_crypto_status ax_crypto_aead_args(unsigned alg, const uint8_t *key,
	const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
	const uint8_t *out)
{
	if (ax_aead_key_len(alg) == 0 || key == NULL)
		return AX_CRYPTO_E_ARG;
	if ((ad == NULL && ad_len != 0) || ad_len > AX_CRYPTO_LEN_MAX)
		return AX_CRYPTO_E_ARG;
	if (((in == NULL || out == NULL) && len != 0) || len > AX_CRYPTO_LEN_MAX)
		return AX_CRYPTO_E_ARG;
	if (partial_overlap(in, out, len))
		return AX_CRYPTO_E_ARG;
	return AX_CRYPTO_OK;
}

int ax_crypto_iov_ok(const struct ax_iov *iov, size_t n_iov)
{
	if (iov == NULL && n_iov != 0)
		return 0;
	for (size_t i = 0; i < n_iov; i++)
		if (iov[i].base == NULL && iov[i].len != 0)
			return 0;
	return 1;
}
