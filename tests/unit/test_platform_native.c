/*
 * test_platform_native.c - the `native` platform backend against the
 * contract in include/authex/platform.h, with the real example image
 * (build/modules/thermo_sensor.so):
 *  - load measures the exact image bytes and starts the module under the
 *    K_M the deployer computes: the module attests under that key, and not
 *    under the key of another instance;
 *  - an entry point answers through handle; an output leaves through emit;
 *  - the same image loaded twice gives two instances with separate state;
 *  - garbage, empty and wrong-ABI images are refused with a clear message;
 *  - unload frees the instance: a new load starts from fresh state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"

#define IMAGE_MAX (4u * 1024u * 1024u)

static uint8_t node_key[32];
static uint8_t *image;
static size_t image_len;
static struct ax_manifest man;

/* What the modules emitted. */
static unsigned n_emit;
static uint8_t last_emit[AX_MODULE_MSG_MAX];
static size_t last_emit_len;
static void *last_ctx;

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	n_emit++;
	last_ctx = ctx;
	assert_true(len <= sizeof(last_emit));
	memcpy(last_emit, msg, len);
	last_emit_len = len;
	return 0;
}

static uint8_t *read_file(const char *name, size_t *len)
{
	char path[512];
	uint8_t *buf = malloc(IMAGE_MAX);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", AX_MODULE_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, IMAGE_MAX, fp);
	fclose(fp);
	assert_true(*len > 0 && *len < IMAGE_MAX);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(node_key); i++)
		node_key[i] = (uint8_t)(0x40 + i);
	image = read_file("thermo_sensor.so", &image_len);
	assert_int_equal(ax_manifest_read(image, image_len, &man),
			 AX_MANIFEST_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(image);
	return 0;
}

static const struct ax_platform_ops *native(void)
{
	const struct ax_platform_ops *p = ax_platform_find("native");
	assert_non_null(p);
	return p;
}

/* The deployer's load authorization for img as instance. */
static void load_auth(const uint8_t *img, size_t len, uint32_t instance,
		      uint8_t auth[AX_PLATFORM_AUTH_LEN])
{
	uint8_t meas[32];

	assert_int_equal(ax_manifest_measure(img, len, meas), AX_MANIFEST_OK);
	assert_int_equal(ax_modmsg_load_auth(node_key, instance, meas, auth),
			 AX_OK);
}

static struct ax_platform_module *load(uint32_t instance, uint8_t meas[32])
{
	struct ax_platform_module *m = NULL;
	uint8_t auth[AX_PLATFORM_AUTH_LEN];
	char err[256] = "";

	load_auth(image, image_len, instance, auth);
	assert_int_equal(native()->load(image, image_len, instance, node_key,
					auth, emit, &n_emit, &m, meas, err,
					sizeof(err)), 0);
	assert_non_null(m);
	return m;
}

/* CALL sample(arg) on a module; returns the 2-byte reading. */
static int16_t sample(struct ax_platform_module *m, const uint8_t *arg,
		      size_t len)
{
	const struct ax_manifest_ep *ep = ax_manifest_find(&man, "sample",
							   AX_EP_ENTRY);
	uint8_t msg[16], out[64];
	size_t out_len = 99;

	assert_non_null(ep);
	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, ep->id);
	if (len > 0)
		memcpy(msg + 3, arg, len);
	assert_int_equal(native()->handle(m, msg, 3 + len, out, sizeof(out),
					  &out_len), AX_OK);
	assert_int_equal(out_len, 2);
	return (int16_t)ax_load_be16(out);
}

static void test_registry(void **state)
{
	(void)state;
	assert_string_equal(native()->name, "native");
	assert_int_equal(native()->isolated, 0);
	assert_non_null(strstr(native()->protects, "NOTHING"));
	assert_null(ax_platform_find("sgx"));
	assert_null(ax_platform_find(""));
	assert_null(ax_platform_find(NULL));
	assert_non_null(strstr(ax_platform_names(), "native"));
}

/* The module answers ATTEST under the key the deployer derives itself from
 * the node key, the instance id and the image it built. */
static void test_load_measures_and_attests(void **state)
{
	uint8_t meas[32], want[32], km[32], km_other[32], ch[32];
	uint8_t msg[AX_ATTEST_LEN], ans[64];
	size_t n, ans_len = 0;
	struct ax_platform_module *m = load(7, meas);

	(void)state;
	assert_int_equal(ax_manifest_measure(image, image_len, want),
			 AX_MANIFEST_OK);
	assert_memory_equal(meas, want, 32);
	assert_int_equal(ax_modmsg_module_key(node_key, 7, want, km), AX_OK);
	assert_int_equal(ax_modmsg_module_key(node_key, 8, want, km_other),
			 AX_OK);
	assert_int_equal(ax_random(ch, sizeof(ch)), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_attest(ch, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(native()->handle(m, msg, n, ans, sizeof(ans),
					  &ans_len), AX_OK);
	assert_int_equal(ans_len, 32);
	assert_int_equal(ax_modmsg_attest_check(km, 7, ch, ans, ans_len),
			 AX_OK);
	assert_int_equal(ax_modmsg_attest_check(km_other, 8, ch, ans, ans_len),
			 AX_E_BAD_TAG);
	native()->unload(m);
}

/* An entry answers through handle; its output, once a connection is keyed
 * on it, leaves through the emit callback given at load. */
static void test_entry_and_emit(void **state)
{
	uint8_t meas[32], km[32], key[16], msg[64], out[16];
	size_t n, out_len;
	uint8_t arg[2] = {0x00, 0xd7}; /* 21.5 degC */
	const struct ax_manifest_ep *rd = ax_manifest_find(&man, "reading",
							   AX_EP_OUTPUT);
	struct ax_platform_module *m = load(3, meas);

	(void)state;
	assert_non_null(rd);
	n_emit = 0;
	assert_int_equal(sample(m, arg, 2), 215);
	assert_int_equal(n_emit, 0); /* no connection yet */

	memset(key, 0x5a, sizeof(key));
	assert_int_equal(ax_modmsg_module_key(node_key, 3, meas, km), AX_OK);
	assert_int_equal(ax_modmsg_set_key(km, 1, 42, rd->id, AX_AEAD_AES128GCM,
					   key, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(native()->handle(m, msg, n, out, sizeof(out),
					  &out_len), AX_OK);
	assert_int_equal(sample(m, arg, 2), 215);
	assert_int_equal(n_emit, 1);
	assert_ptr_equal(last_ctx, &n_emit);
	assert_int_equal(last_emit_len, AX_EVENT_OVERHEAD + 2);
	assert_int_equal(last_emit[0], AX_MSG_EVENT);
	assert_int_equal(ax_load_be32(last_emit + 1), 42);
	assert_int_equal(ax_load_be64(last_emit + 5), 1);
	/* A replayed SET_KEY is refused by the module, through handle. */
	assert_int_equal(native()->handle(m, msg, n, out, sizeof(out),
					  &out_len), AX_E_REPLAY);
	native()->unload(m);
}

/* Two loads of one image are two instances: the simulated sensor's tick
 * advances separately in each; unload and reload starts afresh. */
static void test_two_instances_and_unload(void **state)
{
	uint8_t meas[32];
	struct ax_platform_module *a = load(1, meas);
	struct ax_platform_module *b = load(2, meas);

	(void)state;
	assert_ptr_not_equal(a, b);
	assert_int_equal(sample(a, NULL, 0), 181);
	assert_int_equal(sample(a, NULL, 0), 182);
	assert_int_equal(sample(a, NULL, 0), 183);
	assert_int_equal(sample(b, NULL, 0), 181);
	assert_int_equal(sample(a, NULL, 0), 184);
	native()->unload(a);
	assert_int_equal(sample(b, NULL, 0), 182);
	a = load(1, meas);
	assert_int_equal(sample(a, NULL, 0), 181);
	native()->unload(a);
	native()->unload(b);
	native()->unload(NULL); /* no-op */
}

static void expect_refused(const uint8_t *img, size_t len, const char *why)
{
	struct ax_platform_module *m = (struct ax_platform_module *)&m;
	uint8_t meas[32], auth[AX_PLATFORM_AUTH_LEN];
	char err[256] = "";

	load_auth(img, len, 1, auth);
	assert_int_equal(native()->load(img, len, 1, node_key, auth, emit, NULL,
					&m, meas, err, sizeof(err)), -1);
	assert_null(m);
	if (strstr(err, why) == NULL)
		fail_msg("error '%s' does not say '%s'", err, why);
}

static void test_bad_images_refused(void **state)
{
	uint8_t garbage[4096];
	uint8_t *copy = malloc(image_len);
	size_t n;
	uint8_t *wrong;

	(void)state;
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 31 + 7);
	expect_refused(garbage, sizeof(garbage), "not a loadable shared object");
	expect_refused(garbage, 0, "empty image");
	expect_refused(NULL, 0, "empty image");
	/* A truncated real image. */
	assert_non_null(copy);
	memcpy(copy, image, image_len);
	expect_refused(copy, 200, "not a loadable shared object");
	free(copy);
	/* A shared object built for another module ABI. */
	wrong = read_file("test_wrong_abi.so", &n);
	expect_refused(wrong, n, "module ABI version 99");
	free(wrong);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_load_measures_and_attests),
		cmocka_unit_test(test_entry_and_emit),
		cmocka_unit_test(test_two_instances_and_unload),
		cmocka_unit_test(test_bad_images_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
