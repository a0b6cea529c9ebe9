/*
 * test_modmsg.c - the deployer's side of the module messages
 * (src/common/ax_modmsg.c): the module key schedule, the load
 * authorization, SET_KEY and DISABLE layouts, buffer limits and the
 * attestation check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed ^ (i * 13));
}

/* K_M is HKDF-SHA256 over exactly the documented info string; computed
 * here independently from the label bytes. */
static void test_module_key_matches_schedule(void **state)
{
	uint8_t node[32], meas[32], km[32], want[32];
	uint8_t info[13 + 4 + 32];
	(void)state;
	fill(node, 32, 1);
	fill(meas, 32, 2);
	memcpy(info, "authex module", 13);
	info[13] = 0x01;
	info[14] = 0x02;
	info[15] = 0x03;
	info[16] = 0x04;
	memcpy(info + 17, meas, 32);
	assert_int_equal(ax_hkdf_sha256(NULL, 0, node, 32, info, sizeof(info),
					want, 32), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_module_key(node, 0x01020304, meas, km),
			 AX_OK);
	assert_memory_equal(km, want, 32);
}

/* Another node, image or instance gives an unrelated key. */
static void test_module_key_binds_node_image_instance(void **state)
{
	uint8_t node[32], meas[32], k0[32], k[32];
	(void)state;
	fill(node, 32, 1);
	fill(meas, 32, 2);
	assert_int_equal(ax_modmsg_module_key(node, 7, meas, k0), AX_OK);
	node[31] ^= 1;
	assert_int_equal(ax_modmsg_module_key(node, 7, meas, k), AX_OK);
	assert_memory_not_equal(k0, k, 32);
	node[31] ^= 1;
	meas[0] ^= 0x80;
	assert_int_equal(ax_modmsg_module_key(node, 7, meas, k), AX_OK);
	assert_memory_not_equal(k0, k, 32);
	meas[0] ^= 0x80;
	assert_int_equal(ax_modmsg_module_key(node, 8, meas, k), AX_OK);
	assert_memory_not_equal(k0, k, 32);
	assert_int_equal(ax_modmsg_module_key(node, 7, meas, k), AX_OK);
	assert_memory_equal(k0, k, 32);
}

/* The load authorization: HKDF-SHA256 over "authex load" || instance ||
 * measurement. The known value was computed with Python's hmac/hashlib
 * (RFC 5869 by hand: PRK = HMAC(zeros(32), K_node), OKM = HMAC(PRK, info
 * || 0x01)); the same bytes again through ax_hkdf_sha256 directly. */
static void test_load_auth_known_value(void **state)
{
	static const uint8_t known[32] = {
		0x6e, 0x02, 0xc7, 0x45, 0x4a, 0x8a, 0x2b, 0x31,
		0xa9, 0x83, 0x5d, 0xe3, 0x46, 0x2c, 0x24, 0xf4,
		0x30, 0x7d, 0x08, 0xcc, 0x36, 0xe6, 0x9e, 0x44,
		0x23, 0x5b, 0x16, 0x84, 0x4c, 0xc2, 0x7f, 0xec,
	};
	uint8_t node[32], meas[32], auth[32], want[32], km[32];
	uint8_t info[11 + 4 + 32];
	(void)state;
	fill(node, 32, 1);
	fill(meas, 32, 2);
	memcpy(info, "authex load", 11);
	info[11] = 0x01;
	info[12] = 0x02;
	info[13] = 0x03;
	info[14] = 0x04;
	memcpy(info + 15, meas, 32);
	assert_int_equal(ax_hkdf_sha256(NULL, 0, node, 32, info, sizeof(info),
					want, 32), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_load_auth(node, 0x01020304, meas, auth),
			 AX_OK);
	assert_memory_equal(auth, known, 32);
	assert_memory_equal(auth, want, 32);
	/* Same inputs, other label: never the module key. */
	assert_int_equal(ax_modmsg_module_key(node, 0x01020304, meas, km),
			 AX_OK);
	assert_memory_not_equal(auth, km, 32);
}

/* The authorization binds the node key, the instance and the image. */
static void test_load_auth_binds_node_image_instance(void **state)
{
	uint8_t node[32], meas[32], a0[32], a[32];
	(void)state;
	fill(node, 32, 5);
	fill(meas, 32, 6);
	assert_int_equal(ax_modmsg_load_auth(node, 7, meas, a0), AX_OK);
	node[0] ^= 1;
	assert_int_equal(ax_modmsg_load_auth(node, 7, meas, a), AX_OK);
	assert_memory_not_equal(a0, a, 32);
	node[0] ^= 1;
	meas[31] ^= 0x01;
	assert_int_equal(ax_modmsg_load_auth(node, 7, meas, a), AX_OK);
	assert_memory_not_equal(a0, a, 32);
	meas[31] ^= 0x01;
	assert_int_equal(ax_modmsg_load_auth(node, 0x07000000, meas, a),
			 AX_OK);
	assert_memory_not_equal(a0, a, 32);
	assert_int_equal(ax_modmsg_load_auth(node, 7, meas, a), AX_OK);
	assert_memory_equal(a0, a, 32);
}

static void test_set_key_layout(void **state)
{
	uint8_t km[32], key[32], m[64], kctl[32], iv[12], out[32];
	size_t n;
	(void)state;
	fill(km, 32, 3);
	fill(key, 32, 4);
	assert_int_equal(ax_modmsg_set_key(km, 0x1122334455667788ull, 0xa1b2c3d4,
					   0x0102, AX_AEAD_AES128GCM, key, m,
					   sizeof(m), &n), AX_OK);
	assert_int_equal(n, 16 + 16 + 16);
	assert_int_equal(m[0], AX_MSG_SET_KEY);
	assert_true(ax_load_be64(m + 1) == 0x1122334455667788ull);
	assert_int_equal(ax_load_be32(m + 9), 0xa1b2c3d4);
	assert_int_equal(ax_load_be16(m + 13), 0x0102);
	assert_int_equal(m[15], AX_AEAD_AES128GCM);
	/* The key is not in clear ... */
	assert_memory_not_equal(m + 16, key, 16);
	/* ... and opens under K_ctl with IV 0^4 || nonce, AD = header. */
	assert_int_equal(ax_rt_subkey(kctl, km, AX_LABEL_CTL), 0);
	memset(iv, 0, 4);
	memcpy(iv + 4, m + 1, 8);
	assert_int_equal(ax_aead_open(AX_AEAD_CHACHA20POLY1305, kctl, iv, m, 16,
				      m + 16, 16, m + 32, out), AX_CRYPTO_OK);
	assert_memory_equal(out, key, 16);
	assert_int_equal(ax_modmsg_set_key(km, 1, 1, 1, AX_AEAD_CHACHA20POLY1305,
					   key, m, sizeof(m), &n), AX_OK);
	assert_int_equal(n, 64);
}

static void test_builders_check_space_and_alg(void **state)
{
	uint8_t km[32], key[32], m[64], ch[32];
	size_t n = 0;
	(void)state;
	fill(km, 32, 5);
	fill(key, 32, 6);
	fill(ch, 32, 7);
	assert_int_equal(ax_modmsg_set_key(km, 1, 1, 0, AX_AEAD_AES128GCM, key,
					   m, 47, &n), AX_E_SPACE);
	assert_int_equal(ax_modmsg_set_key(km, 1, 1, 0, 0, key, m, 64, &n),
			 AX_E_BAD_ALG);
	assert_int_equal(ax_modmsg_set_key(km, 1, 1, 0, 3, key, m, 64, &n),
			 AX_E_BAD_ALG);
	assert_int_equal(ax_modmsg_disable(km, 1, m, AX_DISABLE_LEN - 1, &n),
			 AX_E_SPACE);
	assert_int_equal(ax_modmsg_disable(km, 1, m, AX_DISABLE_LEN, &n), AX_OK);
	assert_int_equal(n, AX_DISABLE_LEN);
	assert_int_equal(m[0], AX_MSG_DISABLE);
	assert_int_equal(ax_modmsg_attest(ch, m, AX_ATTEST_LEN - 1, &n),
			 AX_E_SPACE);
	assert_int_equal(ax_modmsg_attest(ch, m, AX_ATTEST_LEN, &n), AX_OK);
	assert_int_equal(m[0], AX_MSG_ATTEST);
	assert_memory_equal(m + 1, ch, 32);
}

/* The attestation answer is HMAC-SHA256(K_att, label || instance ||
 * challenge), recomputed here from the documented schedule. */
static void test_attest_check(void **state)
{
	uint8_t km[32], katt[32], ch[32], ans[32], inst[4] = {0, 0, 0, 9};
	struct ax_iov iov[3];
	(void)state;
	fill(km, 32, 8);
	fill(ch, 32, 9);
	assert_int_equal(ax_rt_subkey(katt, km, AX_LABEL_ATT), 0);
	iov[0].base = "authex attest v1";
	iov[0].len = 16;
	iov[1].base = inst;
	iov[1].len = 4;
	iov[2].base = ch;
	iov[2].len = 32;
	assert_int_equal(ax_hmac_sha256(katt, 32, iov, 3, ans), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_attest_check(km, 9, ch, ans, 32), AX_OK);
	assert_int_equal(ax_modmsg_attest_check(km, 10, ch, ans, 32),
			 AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_attest_check(km, 9, ch, ans, 33),
			 AX_E_MALFORMED);
	assert_int_equal(ax_modmsg_attest_check(km, 9, ch, ans, 0),
			 AX_E_MALFORMED);
}

static void test_status_names(void **state)
{
	(void)state;
	for (int s = 0; s < AX_E_COUNT; s++)
		assert_string_not_equal(ax_modmsg_status_name((ax_rt_status)s),
					"unknown status");
	assert_string_equal(ax_modmsg_status_name(AX_E_COUNT), "unknown status");
	assert_string_equal(ax_modmsg_status_name(AX_E_BAD_TAG), "bad tag");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_key_matches_schedule),
		cmocka_unit_test(test_module_key_binds_node_image_instance),
		cmocka_unit_test(test_load_auth_known_value),
		cmocka_unit_test(test_load_auth_binds_node_image_instance),
		cmocka_unit_test(test_set_key_layout),
		cmocka_unit_test(test_builders_check_space_and_alg),
		cmocka_unit_test(test_attest_check),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
