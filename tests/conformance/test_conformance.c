/*
 * test_conformance.c - the platform conformance suite: what every TEE
 * backend behind include/authex/platform.h must do, run once per backend
 * (`test_conformance native`, `test_conformance process`,
 * `test_conformance tzm BUILD/tzm/modules`: the tzm images are the same
 * module sources cross-built by firmware.mk, run in QEMU; CMake registers
 * one test per name). A new backend passes this file unchanged.
 *
 * With the real example images (build/modules/thermo_*.so):
 *  - identity: the registry finds the backend under its name;
 *  - load measures the exact image bytes; the module's key is the K_M the
 *    deployer computes (it attests under it, not under the key of another
 *    instance or node);
 *  - set_key: accepted under K_M, refused replayed or under another key;
 *  - events out (emit) and in (handle), replay and tamper refused and
 *    counted in the runtime's STATUS;
 *  - request/response between two instances of one image;
 *  - disable: afterwards only STATUS is served;
 *  - wrong images (garbage, empty, truncated, another module ABI) refused
 *    with a clear message;
 *  - instances are independent; unload and reload starts afresh.
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
#define QMAX 16

static const struct ax_platform_ops *P;
static const char *pname;
static const char *moddir = AX_MODULE_DIR; /* or argv[2] */
static uint8_t node_key[32];

struct image {
	uint8_t *b;
	size_t len;
	struct ax_manifest man;
};
static struct image sensor, controller;

/* Everything emitted, in order, with the emitting module's context. */
static struct {
	uint8_t b[AX_MODULE_MSG_MAX];
	size_t len;
	void *ctx;
} q[QMAX];
static size_t nq;

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	if (nq == QMAX || len > sizeof(q[0].b))
		return -1;
	memcpy(q[nq].b, msg, len);
	q[nq].len = len;
	q[nq].ctx = ctx;
	nq++;
	return 0;
}

static uint8_t *read_file(const char *name, size_t *len)
{
	char path[512];
	uint8_t *buf = malloc(IMAGE_MAX);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", moddir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, IMAGE_MAX, fp);
	fclose(fp);
	assert_true(*len > 0 && *len < IMAGE_MAX);
	return buf;
}

static void read_image(struct image *im, const char *name)
{
	im->b = read_file(name, &im->len);
	assert_int_equal(ax_manifest_read(im->b, im->len, &im->man),
			 AX_MANIFEST_OK);
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(node_key); i++)
		node_key[i] = (uint8_t)(0x11 * i + 3);
	read_image(&sensor, "thermo_sensor.so");
	read_image(&controller, "thermo_controller.so");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(sensor.b);
	free(controller.b);
	if (P->stop != NULL)
		P->stop();
	return 0;
}

static uint16_t ep(const struct image *im, const char *name, int kind)
{
	const struct ax_manifest_ep *e = ax_manifest_find(&im->man, name,
							  (uint8_t)kind);
	assert_non_null(e);
	return e->id;
}

/* The deployer's load authorization for img as instance (LOAD_MODULE's
 * auth); a backend that keeps K_node from the daemon checks it. */
static void load_auth(const uint8_t *img, size_t len, uint32_t instance,
		      uint8_t auth[AX_PLATFORM_AUTH_LEN])
{
	uint8_t meas[32];

	assert_int_equal(ax_manifest_measure(img, len, meas), AX_MANIFEST_OK);
	assert_int_equal(ax_modmsg_load_auth(node_key, instance, meas, auth),
			 AX_OK);
}

static struct ax_platform_module *load(const struct image *im,
				       uint32_t instance, uint8_t meas[32],
				       void *ctx)
{
	struct ax_platform_module *m = NULL;
	uint8_t auth[AX_PLATFORM_AUTH_LEN];
	char err[256] = "";

	load_auth(im->b, im->len, instance, auth);
	if (P->load(im->b, im->len, instance, node_key, auth, emit, ctx, &m,
		    meas, err, sizeof(err)) != 0)
		fail_msg("%s: load failed: %s", pname, err);
	assert_non_null(m);
	assert_true(P->alive == NULL || P->alive(m) == 1);
	return m;
}

static int handle(struct ax_platform_module *m, const uint8_t *msg,
		  size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return P->handle(m, msg, len, out, cap, out_len);
}

static void module_key(uint32_t instance, const uint8_t meas[32],
		       uint8_t km[32])
{
	assert_int_equal(ax_modmsg_module_key(node_key, instance, meas, km),
			 AX_OK);
}

static int set_key(struct ax_platform_module *m, const uint8_t km[32],
		   uint64_t nonce, uint32_t conn, uint16_t e)
{
	uint8_t key[16], msg[64], out[16];
	size_t n, out_len;

	memset(key, (int)(conn & 0xff), sizeof(key));
	assert_int_equal(ax_modmsg_set_key(km, nonce, conn, e,
					   AX_AEAD_AES128GCM, key, msg,
					   sizeof(msg), &n), AX_OK);
	return handle(m, msg, n, out, sizeof(out), &out_len);
}

/* CALL entry(arg); returns the status, the answer in out. */
static int call(struct ax_platform_module *m, uint16_t entry,
		const uint8_t *arg, size_t len, uint8_t *out, size_t cap,
		size_t *out_len)
{
	uint8_t msg[64];

	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, entry);
	if (len > 0)
		memcpy(msg + 3, arg, len);
	return handle(m, msg, 3 + len, out, cap, out_len);
}

/* The runtime's STATUS answer of m. */
static size_t status(struct ax_platform_module *m, uint8_t *out, size_t cap)
{
	const uint8_t req = AX_MSG_STATUS;
	size_t len = 0;

	assert_int_equal(handle(m, &req, 1, out, cap, &len), AX_OK);
	assert_true(len >= AX_RT_STATUS_HDR_LEN);
	return len;
}

static uint64_t rejects(const uint8_t *st, ax_rt_status why)
{
	return ax_load_be64(st + 12 + 8 * ((size_t)why - 1));
}

static void test_identity(void **state)
{
	(void)state;
	assert_string_equal(P->name, pname);
	assert_ptr_equal(ax_platform_find(pname), P);
	assert_non_null(strstr(ax_platform_names(), pname));
	assert_non_null(P->protects);
	assert_true(strlen(P->protects) > 0);
	assert_non_null(P->load);
	assert_non_null(P->handle);
	assert_non_null(P->unload);
}

/* Measurement = SHA-256 of the image; the module attests under exactly the
 * K_M the deployer derives. */
static void test_measure_and_attest(void **state)
{
	uint8_t meas[32], want[32], km[32], other[32], other_node[32], ch[32];
	uint8_t msg[AX_ATTEST_LEN], ans[64], nk2[32];
	size_t n, ans_len = 0;
	struct ax_platform_module *m = load(&sensor, 7, meas, NULL);

	(void)state;
	assert_int_equal(ax_manifest_measure(sensor.b, sensor.len, want),
			 AX_MANIFEST_OK);
	assert_memory_equal(meas, want, 32);
	module_key(7, want, km);
	module_key(8, want, other);
	memset(nk2, 0x77, sizeof(nk2));
	assert_int_equal(ax_modmsg_module_key(nk2, 7, want, other_node), AX_OK);
	assert_int_equal(ax_random(ch, sizeof(ch)), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_attest(ch, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(handle(m, msg, n, ans, sizeof(ans), &ans_len), AX_OK);
	assert_int_equal(ans_len, AX_ATTEST_ANSWER_LEN);
	assert_int_equal(ax_modmsg_attest_check(km, 7, ch, ans, ans_len), AX_OK);
	assert_int_equal(ax_modmsg_attest_check(other, 8, ch, ans, ans_len),
			 AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_attest_check(other_node, 7, ch, ans,
						ans_len), AX_E_BAD_TAG);
	P->unload(m);
}

/* SET_KEY under K_M is accepted once; replayed or under another module's
 * key it is refused. An output then leaves through emit. */
static void test_set_key_and_event_out(void **state)
{
	uint8_t meas[32], km[32], wrong[32], out[16];
	size_t out_len = 0;
	const uint8_t arg[2] = {0x00, 0xd7};
	uint16_t rd = ep(&sensor, "reading", AX_EP_OUTPUT);
	uint16_t sample = ep(&sensor, "sample", AX_EP_ENTRY);
	struct ax_platform_module *m = load(&sensor, 3, meas, &sensor);

	(void)state;
	module_key(3, meas, km);
	module_key(4, meas, wrong);
	nq = 0;
	assert_int_equal(call(m, sample, arg, 2, out, sizeof(out), &out_len),
			 AX_OK);
	assert_int_equal(out_len, 2);
	assert_int_equal(nq, 0); /* no connection yet */
	assert_int_equal(set_key(m, wrong, 1, 42, rd), AX_E_BAD_TAG);
	assert_int_equal(set_key(m, km, 1, 42, rd), AX_OK);
	assert_int_equal(set_key(m, km, 1, 42, rd), AX_E_REPLAY);
	assert_int_equal(call(m, sample, arg, 2, out, sizeof(out), &out_len),
			 AX_OK);
	assert_int_equal(ax_load_be16(out), 215);
	assert_int_equal(nq, 1);
	assert_ptr_equal(q[0].ctx, &sensor);
	assert_int_equal(q[0].len, AX_EVENT_OVERHEAD + 2);
	assert_int_equal(q[0].b[0], AX_MSG_EVENT);
	assert_int_equal(ax_load_be32(q[0].b + 1), 42);
	assert_int_equal(ax_load_be64(q[0].b + 5), 1);
	P->unload(m);
}

/* sensor.reading -> controller.add on connection 5: delivered once;
 * replayed and tampered copies are refused and counted. */
static void test_event_in_and_counters(void **state)
{
	uint8_t ms[32], mc[32], ks[32], kc[32], out[AX_RT_STATUS_MAX], ev[64];
	size_t out_len, ev_len;
	const uint8_t arg[2] = {0x00, 0xc8};
	struct ax_platform_module *s = load(&sensor, 1, ms, NULL);
	struct ax_platform_module *c = load(&controller, 2, mc, NULL);

	(void)state;
	module_key(1, ms, ks);
	module_key(2, mc, kc);
	assert_int_equal(set_key(s, ks, 1, 5, ep(&sensor, "reading",
						 AX_EP_OUTPUT)), AX_OK);
	assert_int_equal(set_key(c, kc, 1, 5, ep(&controller, "add",
						 AX_EP_INPUT)), AX_OK);
	nq = 0;
	assert_int_equal(call(s, ep(&sensor, "sample", AX_EP_ENTRY), arg, 2,
			      out, sizeof(out), &out_len), AX_OK);
	assert_int_equal(nq, 1);
	ev_len = q[0].len;
	memcpy(ev, q[0].b, ev_len);
	assert_int_equal(handle(c, ev, ev_len, out, sizeof(out), &out_len),
			 AX_OK);
	assert_int_equal(handle(c, ev, ev_len, out, sizeof(out), &out_len),
			 AX_E_REPLAY);
	ev[ev_len - 1] ^= 1;
	ax_store_be64(ev + 5, 2);
	assert_int_equal(handle(c, ev, ev_len, out, sizeof(out), &out_len),
			 AX_E_BAD_TAG);
	out_len = status(c, out, sizeof(out));
	assert_int_equal(out[1], AX_RT_ACTIVE);
	assert_int_equal(ax_load_be16(out + 2), 1); /* one connection */
	assert_int_equal(rejects(out, AX_E_REPLAY), 1);
	assert_int_equal(rejects(out, AX_E_BAD_TAG), 1);
	/* conn record: conn(4) ep(2) alg(1) pending(1) counter(8) accepted(8) */
	assert_int_equal(ax_load_be32(out + AX_RT_STATUS_HDR_LEN), 5);
	assert_int_equal(ax_load_be64(out + AX_RT_STATUS_HDR_LEN + 16), 1);
	P->unload(s);
	P->unload(c);
}

/* Controller A's ask_peer -> controller B's get_state, and back. */
static void test_request_response(void **state)
{
	uint8_t ma[32], mb[32], ms[32], ka[32], kb[32], ks[32];
	uint8_t out[AX_RT_STATUS_MAX], req[128], rsp[128];
	size_t out_len, req_len = 0, rsp_len = 0;
	const uint8_t arg[2] = {0x00, 0xc8};
	struct ax_platform_module *s = load(&sensor, 10, ms, &sensor);
	struct ax_platform_module *a = load(&controller, 11, ma, &ma);
	struct ax_platform_module *b = load(&controller, 12, mb, &mb);

	(void)state;
	module_key(10, ms, ks);
	module_key(11, ma, ka);
	module_key(12, mb, kb);
	assert_int_equal(set_key(s, ks, 1, 20, ep(&sensor, "reading",
						 AX_EP_OUTPUT)), AX_OK);
	assert_int_equal(set_key(a, ka, 1, 20, ep(&controller, "add",
						 AX_EP_INPUT)), AX_OK);
	assert_int_equal(set_key(a, ka, 2, 21, ep(&controller, "ask_peer",
						 AX_EP_REQUEST)), AX_OK);
	assert_int_equal(set_key(b, kb, 1, 21, ep(&controller, "get_state",
						 AX_EP_HANDLER)), AX_OK);
	/* Every 8th reading A asks its peer. */
	for (int i = 0; i < 8; i++) {
		nq = 0;
		assert_int_equal(call(s, ep(&sensor, "sample", AX_EP_ENTRY),
				      arg, 2, out, sizeof(out), &out_len), AX_OK);
		assert_int_equal(nq, 1);
		memcpy(rsp, q[0].b, q[0].len);
		nq = 0;
		assert_int_equal(handle(a, rsp, q[0].len, out, sizeof(out),
					&out_len), AX_OK);
		if (nq == 1) {
			req_len = q[0].len;
			memcpy(req, q[0].b, req_len);
			assert_ptr_equal(q[0].ctx, &ma);
		}
	}
	assert_true(req_len > 0);
	assert_int_equal(req[0], AX_MSG_REQUEST);
	nq = 0;
	assert_int_equal(handle(b, req, req_len, out, sizeof(out), &out_len),
			 AX_OK);
	assert_int_equal(nq, 1);
	assert_ptr_equal(q[0].ctx, &mb);
	assert_int_equal(q[0].b[0], AX_MSG_RESPONSE);
	rsp_len = q[0].len;
	memcpy(rsp, q[0].b, rsp_len);
	assert_int_equal(handle(a, rsp, rsp_len, out, sizeof(out), &out_len),
			 AX_OK);
	assert_int_equal(handle(a, rsp, rsp_len, out, sizeof(out), &out_len),
			 AX_E_NO_PENDING);
	P->unload(s);
	P->unload(a);
	P->unload(b);
}

/* After an authentic DISABLE only STATUS is served; a forged one fails. */
static void test_disable(void **state)
{
	uint8_t meas[32], km[32], wrong[32], msg[AX_DISABLE_LEN];
	uint8_t out[AX_RT_STATUS_MAX];
	size_t n, out_len;
	struct ax_platform_module *m = load(&sensor, 30, meas, NULL);

	(void)state;
	module_key(30, meas, km);
	module_key(31, meas, wrong);
	assert_int_equal(ax_modmsg_disable(wrong, 1, msg, sizeof(msg), &n),
			 AX_OK);
	assert_int_equal(handle(m, msg, n, out, sizeof(out), &out_len),
			 AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_disable(km, 1, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(handle(m, msg, n, out, sizeof(out), &out_len), AX_OK);
	assert_int_equal(call(m, ep(&sensor, "sample", AX_EP_ENTRY), NULL, 0,
			      out, sizeof(out), &out_len), AX_E_STATE);
	out_len = status(m, out, sizeof(out));
	assert_int_equal(out[1], AX_RT_DISABLED);
	assert_int_equal(rejects(out, AX_E_STATE), 1);
	assert_true(P->alive == NULL || P->alive(m) == 1);
	P->unload(m);
}

static void expect_refused(const uint8_t *img, size_t len, const char *why)
{
	struct ax_platform_module *m = (struct ax_platform_module *)&m;
	uint8_t meas[32], auth[AX_PLATFORM_AUTH_LEN];
	char err[256] = "";

	load_auth(img, len, 1, auth);
	assert_int_equal(P->load(img, len, 1, node_key, auth, emit, NULL, &m,
				 meas, err, sizeof(err)), -1);
	assert_null(m);
	if (strstr(err, why) == NULL)
		fail_msg("%s: error '%s' does not say '%s'", pname, err, why);
}

static void test_wrong_images(void **state)
{
	uint8_t garbage[4096], *wrong;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 31 + 7);
	expect_refused(garbage, sizeof(garbage), "not a loadable shared object");
	expect_refused(garbage, 0, "empty");
	expect_refused(NULL, 0, "empty");
	expect_refused(sensor.b, 200, "not a loadable shared object");
	wrong = read_file("test_wrong_abi.so", &n);
	expect_refused(wrong, n, "module ABI version");
	free(wrong);
	/* The backend still loads a good image afterwards. */
	{
		uint8_t meas[32];
		P->unload(load(&sensor, 1, meas, NULL));
	}
}

static int16_t tick(struct ax_platform_module *m)
{
	uint8_t out[8];
	size_t out_len = 0;

	assert_int_equal(call(m, ep(&sensor, "sample", AX_EP_ENTRY), NULL, 0,
			      out, sizeof(out), &out_len), AX_OK);
	assert_int_equal(out_len, 2);
	return (int16_t)ax_load_be16(out);
}

/* Two loads of one image are two instances; reload starts afresh. */
static void test_instances_and_unload(void **state)
{
	uint8_t meas[32];
	struct ax_platform_module *a = load(&sensor, 1, meas, NULL);
	struct ax_platform_module *b = load(&sensor, 2, meas, NULL);

	(void)state;
	assert_ptr_not_equal(a, b);
	assert_int_equal(tick(a), 181);
	assert_int_equal(tick(a), 182);
	assert_int_equal(tick(b), 181);
	P->unload(a);
	assert_int_equal(tick(b), 182);
	a = load(&sensor, 1, meas, NULL);
	assert_int_equal(tick(a), 181);
	P->unload(a);
	P->unload(b);
	P->unload(NULL);
}

/* An answer larger than the caller's buffer is the runtime's AX_E_SPACE,
 * never an overflow. */
static void test_small_answer_buffer(void **state)
{
	uint8_t meas[32], out[4];
	size_t out_len = 99;
	const uint8_t req = AX_MSG_STATUS;
	struct ax_platform_module *m = load(&sensor, 40, meas, NULL);

	(void)state;
	assert_int_equal(handle(m, &req, 1, out, sizeof(out), &out_len),
			 AX_E_SPACE);
	assert_int_equal(out_len, 0);
	assert_true(P->alive == NULL || P->alive(m) == 1);
	P->unload(m);
}

/* The module images of a cross-built platform (tzm) come from its
 * firmware build; without it (no cross compiler or QEMU here) the suite
 * is skipped, except under CI=true, where that is a failure. */
static int skip_without_images(void)
{
	char path[512];
	const char *ci = getenv("CI");
	FILE *fp;

	snprintf(path, sizeof(path), "%s/thermo_sensor.so", moddir);
	fp = fopen(path, "rb");
	if (fp != NULL) {
		fclose(fp);
		return 0;
	}
	fprintf(stderr, "test_conformance: no module images in %s\n", moddir);
	if (ci != NULL && strcmp(ci, "true") == 0)
		exit(1);
	return 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_measure_and_attest),
		cmocka_unit_test(test_set_key_and_event_out),
		cmocka_unit_test(test_event_in_and_counters),
		cmocka_unit_test(test_request_response),
		cmocka_unit_test(test_disable),
		cmocka_unit_test(test_wrong_images),
		cmocka_unit_test(test_instances_and_unload),
		cmocka_unit_test(test_small_answer_buffer),
	};

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: test_conformance PLATFORM [MODULE_DIR]\n");
		return 2;
	}
	pname = argv[1];
	if (argc == 3)
		moddir = argv[2];
	if (skip_without_images() != 0)
		return 77;
	P = ax_platform_find(pname);
	if (P == NULL) {
		fprintf(stderr, "test_conformance: no platform '%s' in this "
			"build (built: %s)\n", pname, ax_platform_names());
		return 1;
	}
	return cmocka_run_group_tests_name(pname, tests, setup, teardown);
}
