/*
 * test_crypto_ct.c - constant-time compares and wiping (src/crypto/ct.c).
 *
 * These check results, not timing; a timing (ctgrind-style) check is a
 * separate concern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ax_crypto.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* Equal arrays compare equal; a change at any single byte, by any single
 * bit or by every bit, compares different. */
static void test_verify16(void **state)
{
	uint8_t a[16], b[16];
	size_t i, bit;

	(void)state;
	fill(a, 16, 1);
	memcpy(b, a, 16);
	assert_int_equal(ax_verify16(a, b), 0);
	for (i = 0; i < 16; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(ax_verify16(a, b), -1);
			assert_int_equal(ax_verify16(b, a), -1);
			b[i] ^= (uint8_t)(1u << bit);
		}
		b[i] ^= 0xff;
		assert_int_equal(ax_verify16(a, b), -1);
		b[i] ^= 0xff;
		assert_int_equal(ax_verify16(a, b), 0);
	}
}

static void test_verify32(void **state)
{
	uint8_t a[32], b[32];
	size_t i, bit;

	(void)state;
	fill(a, 32, 3);
	memcpy(b, a, 32);
	assert_int_equal(ax_verify32(a, b), 0);
	for (i = 0; i < 32; i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(ax_verify32(a, b), -1);
			assert_int_equal(ax_verify32(b, a), -1);
			b[i] ^= (uint8_t)(1u << bit);
		}
		assert_int_equal(ax_verify32(a, b), 0);
	}
}

/* verify16 reads exactly 16 bytes: a difference at byte 16 is not seen. */
static void test_verify_fixed_length(void **state)
{
	uint8_t a[33], b[33];

	(void)state;
	fill(a, 33, 5);
	memcpy(b, a, 33);
	b[16] ^= 1;
	b[32] ^= 1;
	assert_int_equal(ax_verify16(a, b), 0);
	assert_int_equal(ax_verify32(a, b), -1);
	b[16] ^= 1;
	assert_int_equal(ax_verify32(a, b), 0);
}

static void test_ct_equal(void **state)
{
	uint8_t a[100], b[100];
	size_t n, i;

	(void)state;
	fill(a, sizeof(a), 9);
	memcpy(b, a, sizeof(a));
	/* Zero length is equal, even with NULL pointers. */
	assert_int_equal(ax_ct_equal(NULL, NULL, 0), 0);
	for (n = 1; n <= sizeof(a); n++) {
		assert_int_equal(ax_ct_equal(a, b, n), 0);
		for (i = 0; i < n; i++) {
			b[i] ^= 0x80;
			assert_int_equal(ax_ct_equal(a, b, n), -1);
			b[i] ^= 0x81;
			assert_int_equal(ax_ct_equal(a, b, n), -1);
			b[i] ^= 0x01;
		}
		/* A difference just past n is outside the comparison. */
		if (n < sizeof(a)) {
			b[n] ^= 0xff;
			assert_int_equal(ax_ct_equal(a, b, n), 0);
			b[n] ^= 0xff;
		}
	}
}

/* Every byte value pair differs from equality: the 0/-1 mapping holds for
 * all accumulated differences 1..255, not just single bits. */
static void test_ct_equal_all_values(void **state)
{
	uint8_t a, b;
	unsigned x, y;

	(void)state;
	for (x = 0; x < 256; x++) {
		for (y = 0; y < 256; y++) {
			a = (uint8_t)x;
			b = (uint8_t)y;
			assert_int_equal(ax_ct_equal(&a, &b, 1),
				x == y ? 0 : -1);
		}
	}
}

static void test_wipe(void **state)
{
	uint8_t buf[67];
	size_t i;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	ax_wipe(buf + 1, 65);
	assert_int_equal(buf[0], 0xa5);
	for (i = 1; i < 66; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[66], 0xa5);
	ax_wipe(NULL, 0);
	ax_wipe(buf, 0);
	assert_int_equal(buf[0], 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify16),
		cmocka_unit_test(test_verify32),
		cmocka_unit_test(test_verify_fixed_length),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_ct_equal_all_values),
		cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
