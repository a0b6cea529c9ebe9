/*
 * ax_node_client.c - a scripted deployer session against one authexd, for
 * tests/integration/test_node_basic.sh. It does not depend on the authex
 * CLI: it speaks the wire protocol itself (ax_wire.h) with blocking
 * sockets (the session of tests/tools/lib/ax_session.h, shared with
 * bench/bench_node.c), and checks every answer. Each scenario exits 0
 * when every check passed, 1 on the first failure (with a message on
 * stderr).
 *
 * usage: ax_node_client PORT KEYFILE MODULE_DIR SCENARIO [PORT_B KEYFILE_B]
 * scenarios:
 *   deploy     handshake, LOAD_MODULE thermo_sensor.so (twice: idempotent),
 *              ATTEST, SET_KEY, ADD_ROUTE to the deployer, CALL, the EVENT
 *              it emits (opened with the connection key), STATUS, PERIODIC,
 *              and refusals (unknown module, replayed SET_KEY, wrong
 *              platform, garbage image)
 *   garbage    random bytes instead of a HELLO: the node must close
 *   oversized  a length field above the maximum, and a HELLO prefix with
 *              a 4 MiB length: closed before any body is read
 *   wrong-key  HELLO, then a frame tagged with a wrong control key: closed
 *              without an answer
 *   wrong-id   HELLO naming another node id: BYE DENIED
 *   hangup     4000 STATUS requests, then the socket reset unread: the
 *              node must survive its failed writes (checked by `check`)
 *   denied     a RESULT frame from a deployer, a STATUS_REQ from a peer:
 *              BYE DENIED
 *   check      a good session after all that: the module loaded by
 *              `deploy` is still there and frames_rejected counted the
 *              attacks
 *   call       three CALLs of sensor.sample on module 3
 *   peer       (usage: PORT_A KEY_A MODULE_DIR peer PORT_B KEY_B) two
 *              nodes: an event crosses the A -> B peer link, and the
 *              controller's answer reaches the deployer's session on B
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_keyfile.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_session.h"
#include "ax_wire.h"

#define DEP 1u
#define MOD 3u
#define CONN 5u
#define CAP AX_SESSION_BUF_SIZE

static struct ax_keyfile_node me;
static int port;
static const char *module_dir;
static uint8_t *fbuf; /* one frame, sent or received, for every session */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ax_node_client: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

#define CHECK(cond, ...)                  \
	do {                              \
		if (!(cond))              \
			die(__VA_ARGS__); \
	} while (0)

/* Die unless a session call went well: what failed and why. */
static void need(const struct ax_session *s, ax_session_status st,
		 const char *what)
{
	char why[128];

	CHECK(st == AX_SESSION_OK, "%s: %s", what,
	      ax_session_describe(s, st, why, sizeof(why)));
}

/* A connection to this node (reads bounded: 10 s), no frame sent yet. */
static struct ax_session dial(void)
{
	struct ax_session s;
	int fd = ax_session_dial(port, 0);

	CHECK(fd >= 0, "cannot connect to 127.0.0.1:%d", port);
	need(&s, ax_session_init(&s, fd, fbuf, CAP), "session");
	return s;
}

/* Send a frame whose body is at fbuf + AX_FRAME_PREFIX_LEN. */
static void send_frame(struct ax_session *s, uint16_t type, size_t body_len)
{
	need(s, ax_session_send(s, type, body_len), "send");
}

/* Receive one frame into fbuf; 0, or -1 when the node closed. */
static int recv_frame(struct ax_session *s, struct ax_frame *fr)
{
	ax_session_status st = ax_session_recv(s, fr);

	if (st == AX_SESSION_E_CLOSED)
		return -1;
	need(s, st, "node frame");
	return 0;
}

/* Handshake (docs/protocol.md, Handshake) with control key kc (NULL for
 * a peer). */
static struct ax_session open_session(const uint8_t kc[32], uint8_t role)
{
	struct ax_session s = dial();

	need(&s, ax_session_handshake(&s, role, me.node_id, kc,
				      kc != NULL ? 32 : 0), "handshake");
	return s;
}

/* Expect the node to end the session: BYE (code returned) or EOF (-1). */
static int expect_closed(struct ax_session *s)
{
	struct ax_frame fr;
	struct ax_wire_bye bye;
	int code = -1;

	while (recv_frame(s, &fr) == 0) {
		CHECK(fr.type == AX_WIRE_BYE, "expected BYE, got type 0x%04x",
		      fr.type);
		CHECK(ax_wire_decode_bye(fr.body, fr.body_len, &bye) ==
			      AX_WIRE_OK, "bad BYE");
		code = bye.code;
	}
	ax_session_close(s);
	return code;
}

/* ------------------------------------------------------- requests */

static uint8_t result_data[AX_WIRE_RESULT_MAX];
static size_t result_len;
static uint8_t events[8][AX_MODULE_MSG_MAX]; /* EVENT frames received */
static size_t event_len[8], n_events;

/* ax_session_event_fn: keep the module message of an EVENT frame. */
static void keep_event(const struct ax_frame *fr, void *ctx)
{
	struct ax_wire_event ev;

	(void)ctx;
	CHECK(ax_wire_decode_event(fr->body, fr->body_len, &ev) == AX_WIRE_OK &&
		      ev.deployment == DEP, "bad EVENT from the node");
	if (n_events < 8) {
		memcpy(events[n_events], ev.msg.ptr, ev.msg.len);
		event_len[n_events] = ev.msg.len;
	}
	n_events++;
}

/* Send a request frame; return the RESULT status (data in result_data). */
static uint16_t request(struct ax_session *s, uint16_t type, size_t body_len)
{
	struct ax_wire_result r;
	ax_session_status st;

	st = ax_session_request(s, type, body_len, keep_event, NULL, &r);
	CHECK(st != AX_SESSION_E_CLOSED, "no RESULT for type 0x%04x", type);
	need(s, st, "RESULT");
	CHECK(r.data.len <= sizeof(result_data), "RESULT too long");
	if (r.data.len > 0)
		memcpy(result_data, r.data.ptr, r.data.len);
	result_len = r.data.len;
	return r.status;
}

#define BODY (fbuf + AX_FRAME_PREFIX_LEN)
#define BODY_CAP (CAP - AX_FRAME_AUTH_OVERHEAD)

/* The load authorization the deployer sends with l (include/authex/
 * platform.h): this client holds the node's key file, so it is right. */
static void load_auth(struct ax_wire_load *l)
{
	uint8_t meas[32];

	CHECK(ax_manifest_measure(l->image.ptr, l->image.len, meas) ==
		      AX_MANIFEST_OK &&
		      ax_modmsg_load_auth(me.node_key, l->module, meas,
					  l->auth) == AX_OK, "load auth");
}

static uint16_t load(struct ax_session *s, const uint8_t *img, size_t n,
		     const char *platform)
{
	struct ax_wire_load l = {DEP, MOD, {"sensor", 6},
				 {platform, strlen(platform)}, {img, n}, {0}};
	size_t len;

	load_auth(&l);
	CHECK(ax_wire_encode_load(&l, BODY, BODY_CAP, &len) == AX_WIRE_OK, "enc");
	return request(s, AX_WIRE_LOAD_MODULE, len);
}

static uint16_t module_msg(struct ax_session *s, uint32_t mod, const uint8_t *m,
			   size_t n)
{
	struct ax_wire_module_msg mm = {DEP, mod, {m, n}};
	size_t len;

	CHECK(ax_wire_encode_module_msg(&mm, BODY, BODY_CAP, &len) == AX_WIRE_OK,
	      "enc");
	return request(s, AX_WIRE_MODULE_MSG, len);
}

static uint16_t route_to(struct ax_session *s, uint32_t conn, uint32_t src,
			 uint32_t dst, const char *addr)
{
	struct ax_wire_route r = {DEP, conn, src, dst, AX_WIRE_ROUTE_EVENT,
				  {addr, strlen(addr)}};
	size_t len;

	CHECK(ax_wire_encode_route(&r, BODY, BODY_CAP, &len) == AX_WIRE_OK, "enc");
	return request(s, AX_WIRE_ADD_ROUTE, len);
}

static uint16_t route(struct ax_session *s)
{
	return route_to(s, CONN, MOD, AX_WIRE_DEPLOYER, "");
}

static uint16_t periodic(struct ax_session *s, uint16_t entry, uint32_t ms)
{
	struct ax_wire_periodic p = {DEP, MOD, entry, ms, {NULL, 0}};
	size_t len;

	CHECK(ax_wire_encode_periodic(&p, BODY, BODY_CAP, &len) == AX_WIRE_OK,
	      "enc");
	return request(s, AX_WIRE_PERIODIC, len);
}

/* STATUS_REQ; decodes the STATUS answer into *st (views into fbuf). */
static void status(struct ax_session *s, uint32_t dep,
		   struct ax_wire_status *st)
{
	struct ax_wire_status_req rq = {dep};
	struct ax_frame fr;
	ax_session_status ss;
	size_t len;

	CHECK(ax_wire_encode_status_req(&rq, BODY, BODY_CAP, &len) ==
		      AX_WIRE_OK, "enc");
	send_frame(s, AX_WIRE_STATUS_REQ, len);
	ss = ax_session_next(s, &fr, keep_event, NULL);
	CHECK(ss != AX_SESSION_E_CLOSED, "no STATUS");
	need(s, ss, "STATUS");
	CHECK(fr.type == AX_WIRE_STATUS, "expected STATUS, got 0x%04x", fr.type);
	CHECK(ax_wire_decode_status(fr.body, fr.body_len, st) == AX_WIRE_OK,
	      "bad STATUS");
}

/* Read frames until at least want EVENTs arrived (bounded by SO_RCVTIMEO). */
static void wait_events(struct ax_session *s, size_t want)
{
	struct ax_frame fr;

	while (n_events < want) {
		CHECK(recv_frame(s, &fr) == 0, "only %zu of %zu events arrived",
		      n_events, want);
		CHECK(fr.type == AX_WIRE_EVENT, "expected EVENT, got 0x%04x",
		      fr.type);
		keep_event(&fr, NULL);
	}
}

static uint8_t *read_image(const char *name, size_t *n)
{
	char path[1024];
	uint8_t *buf = malloc(AX_WIRE_IMAGE_MAX);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", module_dir, name);
	f = fopen(path, "rb");
	CHECK(f != NULL && buf != NULL, "cannot read %s", path);
	*n = fread(buf, 1, AX_WIRE_IMAGE_MAX, f);
	fclose(f);
	return buf;
}

static void bye(struct ax_session *s)
{
	need(s, ax_session_bye(s), "BYE");
}

/* --------------------------------------------------------- scenarios */

static uint8_t km[32], conn_key[16];
static struct ax_manifest man;

static uint16_t ep(const char *name, unsigned kind)
{
	const struct ax_manifest_ep *e = ax_manifest_find(&man, name, kind);

	CHECK(e != NULL, "no endpoint %s", name);
	return e->id;
}

static void deploy_load(struct ax_session *s)
{
	uint8_t meas[32], garbage[512];
	size_t n, cn;
	uint8_t *img = read_image("thermo_sensor.so", &n);
	uint8_t *ctl = read_image("thermo_controller.so", &cn);

	CHECK(ax_manifest_read(img, n, &man) == AX_MANIFEST_OK &&
		      ax_manifest_measure(img, n, meas) == AX_MANIFEST_OK, "image");
	CHECK(ax_modmsg_module_key(me.node_key, MOD, meas, km) == AX_OK, "K_M");
	CHECK(load(s, img, n, "native") == AX_WIRE_RES_OK && result_len == 32 &&
		      memcmp(result_data, meas, 32) == 0, "LOAD_MODULE");
	CHECK(load(s, img, n, "native") == AX_WIRE_RES_OK && result_len == 32,
	      "LOAD_MODULE again is not idempotent");
	CHECK(load(s, ctl, cn, "native") == AX_WIRE_RES_EXISTS,
	      "LOAD_MODULE of another image under the same id not refused");
	CHECK(load(s, img, n, "sgx") == AX_WIRE_RES_NO_PLATFORM,
	      "unknown platform not refused");
	memset(garbage, 0x5a, sizeof(garbage));
	CHECK(load(s, garbage, sizeof(garbage), "native") == AX_WIRE_RES_EXISTS,
	      "same id, other image: EXISTS first");
	free(img);
	free(ctl);
}

static void deploy_garbage_image(struct ax_session *s)
{
	struct ax_wire_load l = {DEP, MOD + 1, {"junk", 4}, {"native", 6},
				 {(const uint8_t *)"not an ELF image", 16},
				 {0}};
	size_t len;

	load_auth(&l);
	CHECK(ax_wire_encode_load(&l, BODY, BODY_CAP, &len) == AX_WIRE_OK, "enc");
	CHECK(request(s, AX_WIRE_LOAD_MODULE, len) == AX_WIRE_RES_PLATFORM &&
		      result_len > 0, "garbage image not refused by the platform");
	printf("  garbage image refused: %.*s\n", (int)result_len,
	       (const char *)result_data);
}

static void deploy_keys(struct ax_session *s)
{
	uint8_t ch[32], m[64];
	size_t n;

	CHECK(ax_random(ch, 32) == AX_CRYPTO_OK, "random");
	CHECK(ax_modmsg_attest(ch, m, sizeof(m), &n) == AX_OK, "attest msg");
	CHECK(module_msg(s, MOD, m, n) == AX_WIRE_RES_OK, "ATTEST refused");
	CHECK(ax_modmsg_attest_check(km, MOD, ch, result_data, result_len) ==
		      AX_OK, "attestation does not verify under K_M");
	CHECK(ax_random(conn_key, 16) == AX_CRYPTO_OK, "random");
	CHECK(ax_modmsg_set_key(km, 1, CONN, ep("reading", AX_EP_OUTPUT),
				AX_AEAD_AES128GCM, conn_key, m, sizeof(m),
				&n) == AX_OK, "set_key msg");
	CHECK(module_msg(s, MOD, m, n) == AX_WIRE_RES_OK, "SET_KEY refused");
	CHECK(module_msg(s, MOD, m, n) == AX_WIRE_RES_RT(AX_E_REPLAY),
	      "replayed SET_KEY not refused as a replay");
	CHECK(route(s) == AX_WIRE_RES_OK && route(s) == AX_WIRE_RES_OK,
	      "ADD_ROUTE (twice)");
}

static void check_event(size_t i, uint64_t counter, const uint8_t *want)
{
	uint8_t pt[16];

	CHECK(event_len[i] == AX_EVENT_OVERHEAD + 2 &&
		      events[i][0] == AX_MSG_EVENT &&
		      ax_load_be32(events[i] + 1) == CONN &&
		      ax_load_be64(events[i] + 5) == counter, "EVENT header");
	CHECK(ax_event_open(AX_AEAD_AES128GCM, conn_key, events[i],
			    event_len[i], pt) == AX_OK, "EVENT does not open");
	if (want != NULL)
		CHECK(memcmp(pt, want, 2) == 0, "EVENT payload");
}

static void deploy_call(struct ax_session *s)
{
	uint8_t m[8] = {AX_MSG_CALL, 0, 0, 0x00, 0xd7};
	struct ax_wire_status st;
	struct ax_wire_modstat r;
	struct ax_wire_bytes it;

	ax_store_be16(m + 1, ep("sample", AX_EP_ENTRY));
	CHECK(module_msg(s, MOD, m, 5) == AX_WIRE_RES_OK && result_len == 2 &&
		      result_data[1] == 0xd7, "CALL sample");
	wait_events(s, 1);
	check_event(0, 1, m + 3);
	/* Not a module message type (the encoder refuses to build it, so
	 * by hand): the body is refused with its wire status, the session
	 * goes on. */
	ax_store_be32(BODY, DEP);
	ax_store_be32(BODY + 4, MOD);
	ax_store_be32(BODY + 8, 1);
	BODY[12] = 0x77;
	CHECK(request(s, AX_WIRE_MODULE_MSG, 13) ==
		      AX_WIRE_RES_WIRE(AX_WIRE_E_BAD_TYPE),
	      "bad module message type not refused");
	m[0] = AX_MSG_STATUS;
	CHECK(module_msg(s, 99, m, 1) == AX_WIRE_RES_NO_MODULE,
	      "MODULE_MSG to an unknown module");
	status(s, DEP, &st);
	CHECK(st.node_id == me.node_id && st.modules_total == 1 &&
		      st.n_mods == 1 && st.events_routed >= 1, "STATUS counters");
	it = st.records;
	CHECK(ax_wire_modstat_next(&it, &r) == AX_WIRE_OK && r.module == MOD &&
		      r.name.len == 6 && r.rt_status.len == 132 + 40 &&
		      r.rt_status.ptr[1] == 1, "STATUS module record");
}

static void scenario_deploy(void)
{
	struct ax_session s =
		open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);

	deploy_load(&s);
	deploy_garbage_image(&s);
	deploy_keys(&s);
	deploy_call(&s);
	CHECK(periodic(&s, ep("sample", AX_EP_ENTRY), 20) == AX_WIRE_RES_OK,
	      "PERIODIC");
	wait_events(&s, 4);
	for (size_t i = 1; i < 4; i++)
		check_event(i, i + 1, NULL);
	CHECK(periodic(&s, ep("sample", AX_EP_ENTRY), 0) == AX_WIRE_RES_OK,
	      "PERIODIC cancel");
	memcpy(BODY, (uint8_t[]){0, 0, 0, DEP, 0, 0, 0, 99}, 8);
	CHECK(request(&s, AX_WIRE_UNLOAD_MODULE, 8) == AX_WIRE_RES_NO_MODULE,
	      "UNLOAD of an unknown module");
	bye(&s);
}

static void raw(const uint8_t *bytes, size_t n, const char *what)
{
	struct ax_session s = dial();
	int code;

	CHECK(ax_session_write_all(s.fd, bytes, n) == 0, "write failed");
	code = expect_closed(&s);
	printf("  %s: closed (BYE code %d)\n", what, code);
}

static void scenario_garbage(void)
{
	static const uint8_t g[] = "GET / HTTP/1.1\r\nHost: node\r\n\r\n";

	raw(g, sizeof(g) - 1, "garbage");
}

static void scenario_oversized(void)
{
	uint8_t f[12] = {0xff, 0xff, 0xff, 0xff};
	uint8_t h[12] = {0x00, 0x40, 0x00, 0x20, 0x00, 0x01}; /* HELLO, 4 MiB */

	raw(f, 4, "length above AX_FRAME_LEN_MAX");
	raw(h, 12, "HELLO with a 4 MiB length");
}

/* The wrong key is only noticed at the first AUTH frame: the node must
 * close without answering it. Its BYE (tagged with a key we do not have)
 * is not opened: only the close is checked. */
static void scenario_wrong_key(void)
{
	uint8_t bad[32];
	struct ax_session s;
	uint8_t junk[4096];

	memcpy(bad, me.control_key, 32);
	bad[0] ^= 1;
	s = open_session(bad, AX_WIRE_ROLE_DEPLOYER);
	ax_store_be32(BODY, DEP);
	send_frame(&s, AX_WIRE_STATUS_REQ, 4);
	while (read(s.fd, junk, sizeof(junk)) > 0)
		;
	CHECK(read(s.fd, junk, 1) == 0, "node did not close the session");
	ax_session_close(&s);
	ax_wipe(bad, sizeof(bad));
	printf("  wrong control key: closed\n");
}

/* A deployer that sends many requests and goes away without reading the
 * answers: with a tiny receive window the node's answers back up, then
 * the socket is reset and the node's next write fails (EPIPE), which must
 * not kill it (SIGPIPE); `check` afterwards finds it alive. */
static void scenario_hangup(void)
{
	struct ax_session s =
		open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	struct linger lg = {1, 0};
	int small = 2048;

	CHECK(setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ==
	      0, "SO_RCVBUF");
	for (int i = 0; i < 4000; i++) {
		ax_store_be32(BODY, DEP);
		send_frame(&s, AX_WIRE_STATUS_REQ, 4);
	}
	nanosleep(&(struct timespec){0, 300000000}, NULL);
	CHECK(setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	      "SO_LINGER");
	/* RST: the node's queued answers hit a dead socket */
	ax_session_close(&s);
	nanosleep(&(struct timespec){0, 300000000}, NULL);
	printf("  4000 requests, then gone without reading: sent\n");
}

static void scenario_wrong_id(void)
{
	struct ax_session s = dial();
	struct ax_wire_hello mine;

	need(&s, ax_session_hello(&s, AX_WIRE_ROLE_DEPLOYER, me.node_id ^ 0x10,
				  &mine), "HELLO");
	CHECK(expect_closed(&s) == AX_WIRE_RES_DENIED, "wrong id: no BYE DENIED");
	printf("  wrong node id: BYE DENIED\n");
}

static void scenario_denied(void)
{
	struct ax_session s =
		open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	struct ax_wire_result r = {1, AX_WIRE_HELLO, 0, {NULL, 0}};
	size_t len;

	CHECK(ax_wire_encode_result(&r, BODY, BODY_CAP, &len) == AX_WIRE_OK, "e");
	send_frame(&s, AX_WIRE_RESULT, len);
	CHECK(expect_closed(&s) == AX_WIRE_RES_DENIED, "RESULT from a deployer");
	s = open_session(NULL, AX_WIRE_ROLE_PEER);
	ax_store_be32(BODY, DEP);
	send_frame(&s, AX_WIRE_STATUS_REQ, 4);
	CHECK(expect_closed(&s) == AX_WIRE_RES_DENIED, "STATUS_REQ from a peer");
	s = open_session(NULL, AX_WIRE_ROLE_PEER);
	/* RESET untagged (ax_frame_seal refuses that, so by hand). */
	ax_store_be32(fbuf, AX_FRAME_HDR_LEN + 4);
	ax_store_be16(fbuf + 4, AX_WIRE_RESET);
	ax_store_be16(fbuf + 6, 0);
	ax_store_be32(fbuf + 8, 2);
	ax_store_be32(fbuf + 12, DEP);
	CHECK(ax_session_write_all(s.fd, fbuf, 16) == 0, "write failed");
	CHECK(expect_closed(&s) == AX_WIRE_RES_WIRE(AX_WIRE_E_BAD_AUTH),
	      "untagged RESET from a peer");
	printf("  forbidden frames: BYE and close\n");
}

/* Deployment 2 gets two modules: UNLOAD removes one, RESET of deployment
 * 2 the other, and deployment 1's sensor stays. */
static uint16_t load_dep(struct ax_session *s, uint32_t dep, uint32_t mod,
			 const char *file)
{
	size_t n, len;
	uint8_t *img = read_image(file, &n);
	struct ax_wire_load l = {dep, mod, {"other", 5}, {"native", 6},
				 {img, n}, {0}};

	load_auth(&l);
	CHECK(ax_wire_encode_load(&l, BODY, BODY_CAP, &len) == AX_WIRE_OK, "enc");
	free(img);
	return request(s, AX_WIRE_LOAD_MODULE, len);
}

static void check_reset_unload(struct ax_session *s)
{
	struct ax_wire_status st;

	CHECK(load_dep(s, 2, MOD, "thermo_controller.so") == AX_WIRE_RES_OK &&
		      load_dep(s, 2, MOD + 1, "thermo_sensor.so") ==
			      AX_WIRE_RES_OK, "LOAD in deployment 2");
	status(s, AX_WIRE_ALL, &st);
	CHECK(st.modules_total == 3, "3 modules, got %u", st.modules_total);
	ax_store_be32(BODY, 2);
	ax_store_be32(BODY + 4, MOD + 1);
	CHECK(request(s, AX_WIRE_UNLOAD_MODULE, 8) == AX_WIRE_RES_OK, "UNLOAD");
	status(s, 2, &st);
	CHECK(st.modules_total == 1, "UNLOAD left %u", st.modules_total);
	ax_store_be32(BODY, 2);
	CHECK(request(s, AX_WIRE_RESET, 4) == AX_WIRE_RES_OK, "RESET dep 2");
	status(s, AX_WIRE_ALL, &st);
	CHECK(st.modules_total == 1 && st.n_mods == 1, "RESET of deployment 2 "
	      "left %u modules", st.modules_total);
	printf("  UNLOAD and RESET of deployment 2 leave deployment 1 alone\n");
}

static void scenario_check(void)
{
	struct ax_session s =
		open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	uint8_t m[8] = {AX_MSG_CALL, 0, 0, 0x00, 0xc8};
	struct ax_wire_status st;
	uint8_t *img;
	size_t n;

	status(&s, AX_WIRE_ALL, &st);
	CHECK(st.modules_total == 1 && st.n_mods == 1,
	      "the module is gone after the attacks");
	CHECK(st.frames_rejected >= 8, "frames_rejected = %llu, want >= 8",
	      (unsigned long long)st.frames_rejected);
	img = read_image("thermo_sensor.so", &n);
	CHECK(ax_manifest_read(img, n, &man) == AX_MANIFEST_OK, "manifest");
	free(img);
	ax_store_be16(m + 1, ep("sample", AX_EP_ENTRY));
	CHECK(module_msg(&s, MOD, m, 5) == AX_WIRE_RES_OK && result_len == 2 &&
		      result_data[1] == 0xc8, "CALL after the attacks");
	printf("  node still serving: frames_rejected=%llu\n",
	       (unsigned long long)st.frames_rejected);
	check_reset_unload(&s);
	bye(&s);
}

/* CALL sensor.sample three times on module 3 (already loaded): used by
 * test_node_peer.sh while the peer node is down. */
static void scenario_call(void)
{
	struct ax_session s =
		open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	uint8_t m[5] = {AX_MSG_CALL, 0, 0, 0x00, 0x64};
	uint8_t *img;
	size_t n;

	img = read_image("thermo_sensor.so", &n);
	CHECK(ax_manifest_read(img, n, &man) == AX_MANIFEST_OK, "manifest");
	free(img);
	ax_store_be16(m + 1, ep("sample", AX_EP_ENTRY));
	for (int i = 0; i < 3; i++)
		CHECK(module_msg(&s, 3, m, sizeof(m)) == AX_WIRE_RES_OK &&
			      result_len == 2, "CALL %d", i);
	printf("  3 calls answered\n");
	bye(&s);
}

/* ------------------------------------------------- two nodes: peer link */

static struct ax_keyfile_node node_a, node_b;
static int port_a, port_b;

static void use_node(const struct ax_keyfile_node *k, int p)
{
	me = *k;
	port = p;
}

/* Load `file` as module `mod` named `name`; returns K_M, fills man. */
static void load_as(struct ax_session *s, const char *file, uint32_t mod,
		    const char *name, uint8_t k[32])
{
	struct ax_wire_load l = {DEP, mod, {name, strlen(name)},
				 {"native", 6}, {NULL, 0}, {0}};
	uint8_t meas[32];
	size_t n, len;
	uint8_t *img = read_image(file, &n);

	l.image.ptr = img;
	l.image.len = n;
	CHECK(ax_manifest_read(img, n, &man) == AX_MANIFEST_OK &&
		      ax_manifest_measure(img, n, meas) == AX_MANIFEST_OK &&
		      ax_modmsg_module_key(me.node_key, mod, meas, k) == AX_OK,
	      "image %s", file);
	load_auth(&l);
	CHECK(ax_wire_encode_load(&l, BODY, BODY_CAP, &len) == AX_WIRE_OK, "enc");
	CHECK(request(s, AX_WIRE_LOAD_MODULE, len) == AX_WIRE_RES_OK,
	      "LOAD %s", file);
	free(img);
}

static void set_key(struct ax_session *s, uint32_t mod, const uint8_t k[32],
		    uint64_t nonce, uint32_t conn, uint16_t endpoint,
		    const uint8_t *key)
{
	uint8_t m[64];
	size_t n;

	CHECK(ax_modmsg_set_key(k, nonce, conn, endpoint, AX_AEAD_AES128GCM,
				key, m, sizeof(m), &n) == AX_OK, "set_key");
	CHECK(module_msg(s, mod, m, n) == AX_WIRE_RES_OK, "SET_KEY conn %u",
	      conn);
}

/*
 * sensor (module 3) on node A, controller (module 4) on node B:
 *   conn 6  sensor.reading -> controller.add     over the A -> B peer link
 *   conn 7  controller.heater -> deployer         EVENT on the B session
 * A reading of 10.0 degC (below the controller's 20.0 threshold) switches
 * the heater on: the heater event reaching the deployer proves that the
 * reading crossed the peer link and was accepted by the controller.
 */
static void scenario_peer(void)
{
	uint8_t ks[32], kc[32], k6[16], k7[16], pt[8], addr_b[32];
	uint8_t call[5] = {AX_MSG_CALL, 0, 0, 0x00, 100};
	struct ax_session a, b;
	uint16_t sample, reading, add, heater;

	snprintf((char *)addr_b, sizeof(addr_b), "127.0.0.1:%d", port_b);
	CHECK(ax_random(k6, 16) == AX_CRYPTO_OK &&
		      ax_random(k7, 16) == AX_CRYPTO_OK, "random");
	use_node(&node_a, port_a);
	a = open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	load_as(&a, "thermo_sensor.so", 3, "sensor", ks);
	sample = ep("sample", AX_EP_ENTRY);
	reading = ep("reading", AX_EP_OUTPUT);
	use_node(&node_b, port_b);
	b = open_session(me.control_key, AX_WIRE_ROLE_DEPLOYER);
	load_as(&b, "thermo_controller.so", 4, "controller", kc);
	add = ep("add", AX_EP_INPUT);
	heater = ep("heater", AX_EP_OUTPUT);
	set_key(&b, 4, kc, 1, 6, add, k6);
	set_key(&b, 4, kc, 2, 7, heater, k7);
	CHECK(route_to(&b, 6, 3, 4, "") == AX_WIRE_RES_OK &&
		      route_to(&b, 7, 4, AX_WIRE_DEPLOYER, "") == AX_WIRE_RES_OK,
	      "routes on B");
	set_key(&a, 3, ks, 1, 6, reading, k6);
	CHECK(route_to(&a, 6, 3, 4, (const char *)addr_b) == AX_WIRE_RES_OK,
	      "route on A");
	ax_store_be16(call + 1, sample);
	CHECK(module_msg(&a, 3, call, sizeof(call)) == AX_WIRE_RES_OK, "CALL");
	n_events = 0;
	wait_events(&b, 1);
	CHECK(event_len[0] == AX_EVENT_OVERHEAD + 1 &&
		      ax_load_be32(events[0] + 1) == 7 &&
		      ax_event_open(AX_AEAD_AES128GCM, k7, events[0], event_len[0],
				    pt) == AX_OK && pt[0] == 1,
	      "heater event from B does not say 'on'");
	printf("  sensor on A -> controller on B over the peer link: heater on\n");
	bye(&a);
	bye(&b);
}

static void scenario_peer_args(int argc, char **argv)
{
	char err[256];
	size_t n;

	CHECK(argc == 7, "peer: PORT_A KEY_A MODULE_DIR peer PORT_B KEY_B");
	port_a = atoi(argv[1]);
	port_b = atoi(argv[5]);
	CHECK(ax_keyfile_load(argv[2], &node_a, 1, &n, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(ax_keyfile_load(argv[6], &node_b, 1, &n, err, sizeof(err)) == 0,
	      "%s", err);
	scenario_peer();
}

/* A run that passed: the copies of the key files wiped, buffer freed. */
static int finish(void)
{
	ax_wipe(&me, sizeof(me));
	ax_wipe(&node_a, sizeof(node_a));
	ax_wipe(&node_b, sizeof(node_b));
	free(fbuf);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} sc[] = {
		{"deploy", scenario_deploy}, {"garbage", scenario_garbage},
		{"oversized", scenario_oversized},
		{"wrong-key", scenario_wrong_key},
		{"hangup", scenario_hangup},
		{"wrong-id", scenario_wrong_id}, {"denied", scenario_denied},
		{"check", scenario_check}, {"call", scenario_call},
	};
	char err[256];
	size_t n;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: ax_node_client PORT KEYFILE MODULE_DIR "
			"SCENARIO [PORT_B KEYFILE_B]\n");
		return 2;
	}
	port = atoi(argv[1]);
	module_dir = argv[3];
	fbuf = malloc(CAP);
	CHECK(fbuf != NULL, "no memory");
	if (strcmp(argv[4], "peer") == 0) {
		printf("scenario peer\n");
		scenario_peer_args(argc, argv);
		printf("scenario peer: ok\n");
		return finish();
	}
	CHECK(ax_keyfile_load(argv[2], &me, 1, &n, err, sizeof(err)) == 0,
	      "%s", err);
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		if (strcmp(argv[4], sc[i].name) == 0) {
			printf("scenario %s\n", sc[i].name);
			sc[i].fn();
			printf("scenario %s: ok\n", sc[i].name);
			return finish();
		}
	die("unknown scenario %s", argv[4]);
}
