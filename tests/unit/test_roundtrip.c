/*
 * test_roundtrip.c - module A's output reaches module B's input through
 * the runtime and the wire codecs, in one process.
 *
 * The two example module images (thermo_sensor.so, thermo_controller.so)
 * are loaded with dlopen exactly as built. A miniature "node" routes
 * frames between them: every module message travels inside a wire frame
 * (MODULE_MSG from the deployer, EVENT between modules) that is encoded,
 * checked with ax_frame_peek/ax_frame_open and decoded again. The test
 * plays the deployer: it reads the endpoint ids from the images
 * (ax_manifest), derives the module keys from the node key and the
 * measurements, attests both modules, keys three connections with
 * SET_KEY and then drives the application:
 *
 *   conn 1  sensor.reading  -> controller.add        (AES-128-GCM)
 *   conn 3  controller.heater -> deployer            (ChaCha20-Poly1305)
 *   conn 4  deployer request -> controller.get_state (AES-128-GCM)
 *
 * The tests run in order on one deployment and build on each other's
 * state (the controller's reading count).
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"
#include "ax_wire.h"

#define DEPLOYMENT 7u
#define QMAX 16
#define FRAME_CAP (AX_FRAME_AUTH_OVERHEAD + AX_WIRE_MODULE_MSG_BODY_MAX)

typedef uint32_t (*abi_fn)(void);
typedef int (*init_fn)(uint32_t, const uint8_t *, ax_emit_fn, void *);
typedef int (*handle_fn)(const uint8_t *, size_t, uint8_t *, size_t,
			 size_t *);

struct mod {
	const char *file;
	uint32_t instance;
	void *dl;
	init_fn init;
	handle_fn handle;
	struct ax_manifest man;
	uint8_t meas[32], km[32];
	uint64_t nonce;
};

struct frame {
	uint8_t b[FRAME_CAP];
	size_t len;
};

static struct mod sensor = {.file = "thermo_sensor.so", .instance = 1};
static struct mod controller = {.file = "thermo_controller.so", .instance = 2};
static uint8_t node_key[32];
static struct frame net[QMAX]; /* frames in flight */
static size_t n_net;
static uint32_t seq;
static uint8_t k1[16], k3[32], k4[16];

/* ------------------------------------------------------------ "node" */

/* A module emitted a sealed message: the node frames it as EVENT. */
static int node_emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct ax_wire_event ev = {DEPLOYMENT, {msg, len}, 0, 0, 0};
	struct frame *f;
	size_t body;

	(void)ctx;
	if (n_net == QMAX)
		return -1;
	f = &net[n_net];
	if (ax_wire_encode_event(&ev, f->b + AX_FRAME_PREFIX_LEN,
				 sizeof(f->b) - AX_FRAME_PREFIX_LEN, &body) !=
		    AX_WIRE_OK ||
	    ax_frame_seal(f->b, sizeof(f->b), AX_WIRE_EVENT, 0, ++seq, body,
			  NULL, &f->len) != AX_WIRE_OK)
		return -1;
	n_net++;
	return 0;
}

/* Check a received frame the way a node does; returns its view. */
static void open_frame(const struct frame *f, uint16_t type,
		       struct ax_frame *fr)
{
	size_t whole;
	assert_int_equal(ax_frame_peek(f->b, f->len, &whole), AX_WIRE_OK);
	assert_int_equal(whole, f->len);
	assert_int_equal(ax_frame_open(f->b, f->len, NULL, fr), AX_WIRE_OK);
	assert_int_equal(fr->type, type);
}

/* The route table of this little node: (connection, type) -> module, or
 * NULL for the deployer. */
static struct mod *route(uint32_t conn, uint8_t type)
{
	if (conn == 1 && type == AX_MSG_EVENT)
		return &controller;
	if (conn == 4 && type == AX_MSG_REQUEST)
		return &controller;
	return NULL;
}

/* Deliver one EVENT frame; returns the module's status, or -1 if the
 * frame is for the deployer. *ev receives the decoded frame either way. */
static int deliver_event(const struct frame *f, struct ax_wire_event *ev)
{
	struct ax_frame fr;
	struct mod *m;
	uint8_t out[64];
	size_t out_len;

	open_frame(f, AX_WIRE_EVENT, &fr);
	assert_int_equal(ax_wire_decode_event(fr.body, fr.body_len, ev),
			 AX_WIRE_OK);
	assert_int_equal(ev->deployment, DEPLOYMENT);
	m = route(ev->conn, ev->msg_type);
	if (m == NULL)
		return -1;
	return m->handle(ev->msg.ptr, ev->msg.len, out, sizeof(out), &out_len);
}

/* Pass a module message from the deployer through a MODULE_MSG frame. */
static int module_msg(struct mod *m, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap, size_t *out_len)
{
	static struct frame f;
	struct ax_wire_module_msg mm = {DEPLOYMENT, m->instance, {msg, len}};
	struct ax_wire_module_msg got;
	struct ax_frame fr;
	size_t body;

	assert_int_equal(ax_wire_encode_module_msg(&mm, f.b + AX_FRAME_PREFIX_LEN,
						   sizeof(f.b) -
							   AX_FRAME_PREFIX_LEN,
						   &body), AX_WIRE_OK);
	assert_int_equal(ax_frame_seal(f.b, sizeof(f.b), AX_WIRE_MODULE_MSG, 0,
				       ++seq, body, NULL, &f.len), AX_WIRE_OK);
	open_frame(&f, AX_WIRE_MODULE_MSG, &fr);
	assert_int_equal(ax_wire_decode_module_msg(fr.body, fr.body_len, &got),
			 AX_WIRE_OK);
	assert_int_equal(got.module, m->instance);
	return m->handle(got.msg.ptr, got.msg.len, out, cap, out_len);
}

/* -------------------------------------------------------- "deployer" */

static void load(struct mod *m)
{
	char path[512];
	static uint8_t img[AX_WIRE_IMAGE_MAX];
	size_t n;
	FILE *fp;
	abi_fn abi;

	snprintf(path, sizeof(path), "%s/%s", AX_MODULE_DIR, m->file);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(img, 1, sizeof(img), fp);
	fclose(fp);
	assert_true(n > 0 && n < sizeof(img));
	assert_int_equal(ax_manifest_read(img, n, &m->man), AX_MANIFEST_OK);
	assert_int_equal(ax_manifest_measure(img, n, m->meas), AX_MANIFEST_OK);
	assert_int_equal(ax_modmsg_module_key(node_key, m->instance, m->meas,
					      m->km), AX_OK);
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(m->dl);
	abi = (abi_fn)dlsym(m->dl, "authex_module_abi");
	m->init = (init_fn)dlsym(m->dl, "authex_module_init");
	m->handle = (handle_fn)dlsym(m->dl, "authex_module_handle");
	assert_non_null(abi);
	assert_non_null(m->init);
	assert_non_null(m->handle);
	assert_int_equal(abi(), 1);
	/* What the platform does at load: K_M from the same inputs. */
	assert_int_equal(m->init(m->instance, m->km, node_emit, NULL), AX_OK);
}

static uint16_t ep_id(const struct mod *m, const char *name, unsigned kind)
{
	const struct ax_manifest_ep *ep = ax_manifest_find(&m->man, name, kind);
	assert_non_null(ep);
	return ep->id;
}

static void attest(struct mod *m)
{
	uint8_t ch[AX_CHALLENGE_LEN], msg[AX_ATTEST_LEN], ans[64];
	size_t n, ans_len;

	assert_int_equal(ax_random(ch, sizeof(ch)), AX_CRYPTO_OK);
	assert_int_equal(ax_modmsg_attest(ch, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(module_msg(m, msg, n, ans, sizeof(ans), &ans_len),
			 AX_OK);
	assert_int_equal(ax_modmsg_attest_check(m->km, m->instance, ch, ans,
						ans_len), AX_OK);
}

static void set_key(struct mod *m, uint32_t conn, uint16_t ep, unsigned alg,
		    const uint8_t *key)
{
	uint8_t msg[64], out[8];
	size_t n, out_len;

	assert_int_equal(ax_modmsg_set_key(m->km, ++m->nonce, conn, ep, alg,
					   key, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(module_msg(m, msg, n, out, sizeof(out), &out_len),
			 AX_OK);
}

static int setup(void **state)
{
	(void)state;
	memset(node_key, 0x4e, sizeof(node_key));
	load(&sensor);
	load(&controller);
	attest(&sensor);
	attest(&controller);
	assert_int_equal(ax_random(k1, sizeof(k1)), AX_CRYPTO_OK);
	assert_int_equal(ax_random(k3, sizeof(k3)), AX_CRYPTO_OK);
	assert_int_equal(ax_random(k4, sizeof(k4)), AX_CRYPTO_OK);
	set_key(&sensor, 1, ep_id(&sensor, "reading", AX_EP_OUTPUT),
		AX_AEAD_AES128GCM, k1);
	set_key(&controller, 1, ep_id(&controller, "add", AX_EP_INPUT),
		AX_AEAD_AES128GCM, k1);
	set_key(&controller, 3, ep_id(&controller, "heater", AX_EP_OUTPUT),
		AX_AEAD_CHACHA20POLY1305, k3);
	set_key(&controller, 4, ep_id(&controller, "get_state", AX_EP_HANDLER),
		AX_AEAD_AES128GCM, k4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dlclose(sensor.dl);
	dlclose(controller.dl);
	return 0;
}

static void call_sample(int16_t temp)
{
	uint8_t msg[AX_CALL_HDR_LEN + 2], out[8];
	size_t out_len;

	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, ep_id(&sensor, "sample", AX_EP_ENTRY));
	ax_store_be16(msg + 3, (uint16_t)temp);
	assert_int_equal(module_msg(&sensor, msg, sizeof(msg), out, sizeof(out),
				    &out_len), AX_OK);
	assert_int_equal(out_len, 2); /* the sensor answers what it emitted */
	assert_int_equal((int16_t)ax_load_be16(out), temp);
}

/* Ask the controller for its state over conn 4, as the deployer. */
static void get_state(uint64_t counter, uint8_t st[10])
{
	struct frame f;
	struct ax_wire_event ev = {DEPLOYMENT, {NULL, 0}, 0, 0, 0}, got;
	uint8_t req[AX_EVENT_OVERHEAD];
	size_t body;

	assert_int_equal(ax_event_seal(AX_AEAD_AES128GCM, k4, AX_MSG_REQUEST, 4,
				       counter, NULL, 0, req), AX_OK);
	ev.msg.ptr = req;
	ev.msg.len = sizeof(req);
	assert_int_equal(ax_wire_encode_event(&ev, f.b + AX_FRAME_PREFIX_LEN,
					      sizeof(f.b) - AX_FRAME_PREFIX_LEN,
					      &body), AX_WIRE_OK);
	assert_int_equal(ax_frame_seal(f.b, sizeof(f.b), AX_WIRE_EVENT, 0,
				       ++seq, body, NULL, &f.len), AX_WIRE_OK);
	n_net = 0;
	assert_int_equal(deliver_event(&f, &got), AX_OK);
	/* The response comes back as an EVENT frame for the deployer. */
	assert_int_equal(n_net, 1);
	assert_int_equal(deliver_event(&net[0], &got), -1);
	assert_int_equal(got.msg_type, AX_MSG_RESPONSE);
	assert_int_equal(got.conn, 4);
	assert_true(got.counter == counter);
	assert_int_equal(got.msg.len, AX_EVENT_OVERHEAD + 10);
	assert_int_equal(ax_event_open(AX_AEAD_AES128GCM, k4, got.msg.ptr,
				       got.msg.len, st), AX_OK);
}

static void test_sensor_event_reaches_controller(void **state)
{
	struct ax_wire_event ev;
	uint8_t heater, st[10];
	(void)state;

	n_net = 0;
	call_sample(150); /* 15.0 degC, below the 20.0 degC threshold */
	assert_int_equal(n_net, 1);
	/* The event crosses the "network": controller.add runs, and the
	 * heater switches on, which it tells the deployer on conn 3. */
	assert_int_equal(deliver_event(&net[0], &ev), AX_OK);
	assert_int_equal(ev.msg_type, AX_MSG_EVENT);
	assert_int_equal(ev.conn, 1);
	assert_int_equal(n_net, 2);
	assert_int_equal(deliver_event(&net[1], &ev), -1);
	assert_int_equal(ev.conn, 3);
	assert_int_equal(ev.msg.len, AX_EVENT_OVERHEAD + 1);
	assert_int_equal(ax_event_open(AX_AEAD_CHACHA20POLY1305, k3, ev.msg.ptr,
				       ev.msg.len, &heater), AX_OK);
	assert_int_equal(heater, 1);
	/* Request/response: the controller counted one reading of 15.0. */
	get_state(1, st);
	assert_int_equal(ax_load_be32(st), 1);
	assert_int_equal((int16_t)ax_load_be16(st + 4), 150);
	assert_int_equal(st[8], 1);
}

static void test_equal_readings_give_different_frames(void **state)
{
	struct frame a, b;
	struct ax_wire_event ea, eb;
	uint8_t st[10];
	(void)state;

	n_net = 0;
	call_sample(210);
	call_sample(210);
	assert_int_equal(n_net, 2);
	a = net[0];
	b = net[1];
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.b + a.len - 18, b.b + b.len - 18, 18);
	n_net = 0;
	assert_int_equal(deliver_event(&a, &ea), AX_OK);
	assert_int_equal(deliver_event(&b, &eb), AX_OK);
	assert_true(eb.counter == ea.counter + 1);
	get_state(2, st);
	assert_int_equal(ax_load_be32(st), 3);
}

/* The untrusted node changes an event in transit, or plays it again:
 * the controller refuses, and its state shows nothing happened. */
static void test_tampered_and_replayed_frames_refused(void **state)
{
	struct frame f, x;
	struct ax_wire_event ev;
	uint8_t st[10];
	(void)state;

	n_net = 0;
	call_sample(100);
	f = net[0];
	x = f;
	x.b[x.len - 20] ^= 0x01; /* inside the sealed reading */
	assert_int_equal(deliver_event(&x, &ev), AX_E_BAD_TAG);
	get_state(3, st);
	assert_int_equal(ax_load_be32(st), 3);
	assert_int_equal(deliver_event(&f, &ev), AX_OK);
	assert_int_equal(deliver_event(&f, &ev), AX_E_REPLAY);
	get_state(4, st);
	assert_int_equal(ax_load_be32(st), 4);
	/* A replayed request gets no second answer. */
	{
		uint8_t req[AX_EVENT_OVERHEAD], out[8];
		size_t out_len;
		assert_int_equal(ax_event_seal(AX_AEAD_AES128GCM, k4,
					       AX_MSG_REQUEST, 4, 4, NULL, 0,
					       req), AX_OK);
		assert_int_equal(controller.handle(req, sizeof(req), out,
						   sizeof(out), &out_len),
				 AX_E_REPLAY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor_event_reaches_controller),
		cmocka_unit_test(test_equal_readings_give_different_frames),
		cmocka_unit_test(test_tampered_and_replayed_frames_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
