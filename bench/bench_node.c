/*
 * bench_node.c - load generator and timer for the node benchmarks (issue 6,
 * `make bench`). It is a deployer of its own (like
 * tests/tools/ax_node_client.c, whose session code it shares:
 * tests/tools/lib/ax_session.h): it speaks the wire protocol to authexd
 * with blocking sockets, loads the bench module images (bench/modules/),
 * keys the connections, and then measures.
 *
 * usage:
 *   bench_node rtt  PORT_A KEY_A PORT_B KEY_B MODULE_DIR N ECHO CHAIN SIZE...
 *     relay r1 and r3 on node A, relay r2 on node B:
 *       driver -> r1 (A) -> r2 (B) -> r3 (A) -> driver
 *     (three module hops, two of them over the A<->B peer links). The
 *     driver seals an EVENT for r1 on its session with A and times until
 *     the EVENT r3 emits comes back on that session, authenticated and
 *     decrypted. Prints RESULT rtt authex SIZE <median_us> <p99_us> us.
 *     ECHO / CHAIN (0: skip): ports of `bench_tcp echo` (the raw TCP
 *     ping-pong floor, label tcp) and of `bench_tcp relay` in front of an
 *     echo (the same 3-process topology without authex, label tcp-chain);
 *     their round trips are interleaved with authex's, 10 rounds of N/10.
 *   bench_node tput PORT_A KEY_A PORT_B KEY_B MODULE_DIR N SIZE
 *     gen on node A emits N events of SIZE bytes (entry `burst`, BURST per
 *     call, at most two bursts in flight), sink on node B counts them over
 *     the peer link. Prints RESULT tput authex SIZE <events/s> <MB/s> ev/s
 *     and RESULT drops authex SIZE <lost> <dropped_by_nodes> events.
 *   bench_node mem PID PORT KEY MODULE_DIR NMODS NCONNS
 *     VmRSS of authexd PID idle, after loading NMODS relay instances, and
 *     after NCONNS further idle peer sessions: RESULT mem ... lines (KiB).
 *   bench_node deploy-floor PORT KEY MODULE_DIR NMODS
 *     the wire messages of deploying NMODS relays in a chain on one node
 *     (load, attest, key both ends, route), no state database, no build:
 *     RESULT deploy floor NMODS:1 <ms> 1 ms
 * Every wait is bounded (10 s socket timeout, 60 s per measurement); the
 * deployment is RESET at the end. Exit 0, or 1 with a message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_keyfile.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_session.h"
#include "ax_wire.h"

#define CAP AX_SESSION_BUF_SIZE
#define BODY (fbuf + AX_FRAME_PREFIX_LEN)
#define BODY_CAP (CAP - AX_FRAME_AUTH_OVERHEAD)
#define BURST 2000u

/* A session with the node whose key file is at node. */
struct sess {
	struct ax_session ax;
	const struct ax_keyfile_node *node;
};

static const char *module_dir;
static uint8_t *fbuf; /* one frame, sent or received, for every session */
static uint32_t dep;  /* this run's deployment id */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_node: ");
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

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ session */

/* Die unless a session call went well: what failed and why. */
static void need(const struct sess *s, ax_session_status st, const char *what)
{
	char why[128];

	CHECK(st == AX_SESSION_OK, "%s: %s", what,
	      ax_session_describe(&s->ax, st, why, sizeof(why)));
}

/* 127.0.0.1:port, TCP_NODELAY, reads bounded (10 s). */
static int dial(int port)
{
	int fd = ax_session_dial(port, 1);

	CHECK(fd >= 0, "cannot connect to 127.0.0.1:%d", port);
	return fd;
}

static void send_frame(struct sess *s, uint16_t type, size_t body_len)
{
	need(s, ax_session_send(&s->ax, type, body_len), "send");
}

static void recv_frame(struct sess *s, struct ax_frame *fr)
{
	need(s, ax_session_recv(&s->ax, fr), "receive");
}

static struct sess open_session(const struct ax_keyfile_node *k, int port,
				uint8_t role)
{
	struct sess s = {{0}, k};

	need(&s, ax_session_init(&s.ax, dial(port), fbuf, CAP), "session");
	need(&s, ax_session_handshake(&s.ax, role, k->node_id, k->control_key,
				      sizeof(k->control_key)), "handshake");
	return s;
}

static uint8_t result_data[AX_WIRE_RESULT_MAX];
static size_t result_len;

/* Send a request frame; return the RESULT status. EVENTs meanwhile are
 * not expected here (none is routed to the deployer then): dropped. */
static uint16_t request(struct sess *s, uint16_t type, size_t body_len)
{
	struct ax_wire_result r;
	ax_session_status st;

	st = ax_session_request(&s->ax, type, body_len, NULL, NULL, &r);
	CHECK(st != AX_SESSION_E_UNEXPECTED && st != AX_SESSION_E_RESULT,
	      "expected the RESULT of type 0x%04x", type);
	need(s, st, "request");
	CHECK(r.data.len <= sizeof(result_data), "RESULT too long");
	if (r.data.len > 0)
		memcpy(result_data, r.data.ptr, r.data.len);
	result_len = r.data.len;
	return r.status;
}

static uint16_t module_msg(struct sess *s, uint32_t mod, const uint8_t *m,
			   size_t n)
{
	struct ax_wire_module_msg mm = {dep, mod, {m, n}};
	size_t len;

	CHECK(ax_wire_encode_module_msg(&mm, BODY, BODY_CAP, &len) ==
		      AX_WIRE_OK, "enc");
	return request(s, AX_WIRE_MODULE_MSG, len);
}

static void route(struct sess *s, uint32_t conn, uint32_t src, uint32_t dst,
		  const char *addr)
{
	struct ax_wire_route r = {dep, conn, src, dst, AX_WIRE_ROUTE_EVENT,
				  {addr, strlen(addr)}};
	size_t len;

	CHECK(ax_wire_encode_route(&r, BODY, BODY_CAP, &len) == AX_WIRE_OK,
	      "enc");
	CHECK(request(s, AX_WIRE_ADD_ROUTE, len) == AX_WIRE_RES_OK,
	      "ADD_ROUTE conn %u", conn);
}

static void bye(struct sess *s)
{
	need(s, ax_session_bye(&s->ax), "BYE");
}

static void reset(struct sess *s)
{
	ax_store_be32(BODY, dep);
	CHECK(request(s, AX_WIRE_RESET, 4) == AX_WIRE_RES_OK, "RESET");
}

/* ------------------------------------------------------------ modules */

struct mod {
	uint32_t id;
	uint8_t km[32];
	uint64_t nonce;
	struct ax_manifest man;
};

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

static void load(struct sess *s, const char *file, const char *name,
		 struct mod *m)
{
	struct ax_wire_load l = {dep, m->id, {name, strlen(name)},
				 {"native", 6}, {NULL, 0}, {0}};
	uint8_t meas[32];
	size_t n, len;
	uint8_t *img = read_image(file, &n);

	l.image.ptr = img;
	l.image.len = n;
	CHECK(ax_manifest_read(img, n, &m->man) == AX_MANIFEST_OK &&
		      ax_manifest_measure(img, n, meas) == AX_MANIFEST_OK &&
		      ax_modmsg_module_key(s->node->node_key, m->id, meas,
					   m->km) == AX_OK &&
		      ax_modmsg_load_auth(s->node->node_key, m->id, meas,
					  l.auth) == AX_OK, "image %s", file);
	CHECK(ax_wire_encode_load(&l, BODY, BODY_CAP, &len) == AX_WIRE_OK,
	      "enc");
	CHECK(request(s, AX_WIRE_LOAD_MODULE, len) == AX_WIRE_RES_OK,
	      "LOAD %s", file);
	free(img);
}

static uint16_t ep(const struct mod *m, const char *name, unsigned kind)
{
	const struct ax_manifest_ep *e = ax_manifest_find(&m->man, name, kind);

	CHECK(e != NULL, "no endpoint %s", name);
	return e->id;
}

static void set_key(struct sess *s, struct mod *m, uint32_t conn,
		    uint16_t endpoint, const uint8_t key[16])
{
	uint8_t msg[64];
	size_t n;

	CHECK(ax_modmsg_set_key(m->km, ++m->nonce, conn, endpoint,
				AX_AEAD_AES128GCM, key, msg, sizeof(msg),
				&n) == AX_OK, "set_key");
	CHECK(module_msg(s, m->id, msg, n) == AX_WIRE_RES_OK,
	      "SET_KEY conn %u", conn);
}

/* One connection from (m_from, output "out") to (m_to, input "in"). */
static void connect_mods(struct sess *sf, struct mod *from, struct sess *st,
			 struct mod *to, uint32_t conn, const char *to_addr,
			 const char *from_addr)
{
	uint8_t key[16];

	CHECK(ax_random(key, 16) == AX_CRYPTO_OK, "random");
	set_key(sf, from, conn, ep(from, "out", AX_EP_OUTPUT), key);
	set_key(st, to, conn, ep(to, "in", AX_EP_INPUT), key);
	route(sf, conn, from->id, to->id, sf == st ? "" : to_addr);
	if (sf != st)
		route(st, conn, from->id, to->id, from_addr);
	ax_wipe(key, sizeof(key));
}

/* -------------------------------------------------------------- nodes */

static struct ax_keyfile_node node_a, node_b;
static int port_a, port_b;
static char addr_a[32], addr_b[32];

static void load_key(const char *file, struct ax_keyfile_node *k)
{
	char err[256];
	size_t n;

	CHECK(ax_keyfile_load(file, k, 1, &n, err, sizeof(err)) == 0, "%s",
	      err);
}

static void two_nodes(char **argv)
{
	port_a = atoi(argv[2]);
	load_key(argv[3], &node_a);
	port_b = atoi(argv[4]);
	load_key(argv[5], &node_b);
	module_dir = argv[6];
	snprintf(addr_a, sizeof(addr_a), "127.0.0.1:%d", port_a);
	snprintf(addr_b, sizeof(addr_b), "127.0.0.1:%d", port_b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- rtt */

static uint8_t k_in[16], k_out[16];
static uint64_t tx_ctr, rx_ctr;

/* One round trip of `size` bytes; returns ns. */
static uint64_t rtt_once(struct sess *a, size_t size)
{
	static uint8_t pt[AX_PAYLOAD_LIMIT], msg[AX_MODULE_MSG_MAX],
		back[AX_PAYLOAD_LIMIT];
	struct ax_wire_event ev = {dep, {msg, AX_EVENT_OVERHEAD + size}, 0, 0, 0};
	struct ax_frame fr;
	uint64_t t0 = now_ns();
	size_t len;

	ax_store_be64(pt, tx_ctr + 1);
	CHECK(ax_event_seal(AX_AEAD_AES128GCM, k_in, AX_MSG_EVENT, 41, ++tx_ctr,
			    pt, size, msg) == AX_OK, "seal");
	CHECK(ax_wire_encode_event(&ev, BODY, BODY_CAP, &len) == AX_WIRE_OK,
	      "enc");
	send_frame(a, AX_WIRE_EVENT, len);
	do
		recv_frame(a, &fr);
	while (fr.type != AX_WIRE_EVENT);
	CHECK(ax_wire_decode_event(fr.body, fr.body_len, &ev) == AX_WIRE_OK &&
		      ev.conn == 44 && ev.counter > rx_ctr &&
		      ev.msg.len == AX_EVENT_OVERHEAD + size, "bad event back");
	rx_ctr = ev.counter;
	CHECK(ax_event_open(AX_AEAD_AES128GCM, k_out, ev.msg.ptr, ev.msg.len,
			    back) == AX_OK && memcmp(back, pt, size) == 0,
	      "event back does not open or differs");
	return now_ns() - t0;
}

static void rtt_deploy(struct sess *a, struct sess *b, struct mod r[3])
{
	load(a, "bench_relay.so", "r1", &r[0]);
	load(b, "bench_relay.so", "r2", &r[1]);
	load(a, "bench_relay.so", "r3", &r[2]);
	CHECK(ax_random(k_in, 16) == AX_CRYPTO_OK &&
		      ax_random(k_out, 16) == AX_CRYPTO_OK, "random");
	set_key(a, &r[0], 41, ep(&r[0], "in", AX_EP_INPUT), k_in);
	route(a, 41, AX_WIRE_DEPLOYER, r[0].id, "");
	connect_mods(a, &r[0], b, &r[1], 42, addr_b, addr_a);
	connect_mods(b, &r[1], a, &r[2], 43, addr_a, addr_b);
	set_key(a, &r[2], 44, ep(&r[2], "out", AX_EP_OUTPUT), k_out);
	route(a, 44, r[2].id, AX_WIRE_DEPLOYER, "");
}

/* One raw TCP round trip (bench_tcp echo or relay at fd): a 4-byte
 * length and `size` bytes out, the same back; returns ns. */
static uint64_t tcp_once(int fd, size_t size)
{
	static uint8_t b[4 + AX_PAYLOAD_LIMIT];
	uint64_t t0 = now_ns();

	ax_store_be32(b, (uint32_t)size);
	CHECK(ax_session_write_all(fd, b, 4 + size) == 0 &&
		      ax_session_read_all(fd, b, 4 + size) == 0 &&
		      ax_load_be32(b) == size, "raw TCP echo");
	return now_ns() - t0;
}

#define ROUNDS 10

struct series {
	const char *label;
	int fd;
	uint64_t *t;
};

static void print_series(const struct series *se, size_t size, size_t n)
{
	qsort(se->t, n, sizeof(*se->t), cmp_u64);
	printf("RESULT rtt %s %zu %.1f %.1f us\n", se->label, size,
	       (double)se->t[n / 2] / 1e3, (double)se->t[(n * 99) / 100] / 1e3);
}

/* n round trips per series, interleaved in ROUNDS rounds so that load
 * from other processes hits authex and its floors alike. */
static void rtt_size(struct sess *a, struct series *se, int n_se, size_t n,
		     size_t size)
{
	size_t per = n / ROUNDS;

	for (int j = 0; j < n_se; j++) /* warm-up */
		for (size_t k = 0; k < per; k++)
			(void)(j == 0 ? rtt_once(a, size)
				      : tcp_once(se[j].fd, size));
	for (size_t r = 0; r < ROUNDS; r++)
		for (int j = 0; j < n_se; j++)
			for (size_t k = 0; k < per; k++)
				se[j].t[r * per + k] =
					j == 0 ? rtt_once(a, size)
					       : tcp_once(se[j].fd, size);
	for (int j = 0; j < n_se; j++)
		print_series(&se[j], size, per * ROUNDS);
	fflush(stdout);
}

static int run_rtt(int argc, char **argv)
{
	struct mod r[3] = {{31, {0}, 0, {0}}, {32, {0}, 0, {0}},
			   {33, {0}, 0, {0}}};
	size_t n = strtoul(argv[7], NULL, 10);
	struct series se[3] = {{"authex", -1, NULL}, {"tcp", -1, NULL},
			       {"tcp-chain", -1, NULL}};
	int n_se = 1, echo = atoi(argv[8]), chain = atoi(argv[9]);
	struct sess a, b;

	CHECK(n >= ROUNDS * 10, "N must be at least %d", ROUNDS * 10);
	if (echo > 0)
		se[n_se++].fd = dial(echo);
	if (chain > 0)
		se[n_se++].fd = dial(chain);
	if (echo <= 0 && chain > 0)
		se[1].label = "tcp-chain";
	for (int j = 0; j < n_se; j++)
		CHECK((se[j].t = calloc(n, sizeof(uint64_t))) != NULL, "calloc");
	a = open_session(&node_a, port_a, AX_WIRE_ROLE_DEPLOYER);
	b = open_session(&node_b, port_b, AX_WIRE_ROLE_DEPLOYER);
	rtt_deploy(&a, &b, r);
	for (int i = 10; i < argc; i++) {
		size_t size = strtoul(argv[i], NULL, 10);
		CHECK(size >= 8 && size <= AX_PAYLOAD_LIMIT,
		      "size 8..AX_PAYLOAD_LIMIT");
		rtt_size(&a, se, n_se, n, size);
	}
	reset(&a);
	reset(&b);
	bye(&a);
	bye(&b);
	for (int j = 0; j < n_se; j++) {
		if (se[j].fd >= 0)
			close(se[j].fd);
		free(se[j].t);
	}
	return 0;
}

/* --------------------------------------------------------------- tput */

static uint64_t sink_count(struct sess *b, struct mod *sink, uint16_t entry)
{
	uint8_t m[3] = {AX_MSG_CALL, 0, 0};

	ax_store_be16(m + 1, entry);
	CHECK(module_msg(b, sink->id, m, 3) == AX_WIRE_RES_OK &&
		      result_len == 16, "CALL sink.count");
	return ax_load_be64(result_data);
}

static void burst(struct sess *a, struct mod *gen, uint16_t entry,
		  uint32_t count, size_t size)
{
	uint8_t m[9] = {AX_MSG_CALL};

	ax_store_be16(m + 1, entry);
	ax_store_be32(m + 3, count);
	ax_store_be16(m + 7, (uint16_t)size);
	CHECK(module_msg(a, gen->id, m, 9) == AX_WIRE_RES_OK && result_len == 4,
	      "CALL gen.burst");
	CHECK(ax_load_be32(result_data) == count, "gen emitted %u of %u",
	      ax_load_be32(result_data), count);
}

static uint64_t dropped(struct sess *s)
{
	struct ax_wire_status_req rq = {AX_WIRE_ALL};
	struct ax_wire_status st;
	struct ax_frame fr;
	size_t len;

	CHECK(ax_wire_encode_status_req(&rq, BODY, BODY_CAP, &len) ==
		      AX_WIRE_OK, "enc");
	send_frame(s, AX_WIRE_STATUS_REQ, len);
	need(s, ax_session_next(&s->ax, &fr, NULL, NULL), "STATUS");
	CHECK(fr.type == AX_WIRE_STATUS &&
		      ax_wire_decode_status(fr.body, fr.body_len, &st) ==
			      AX_WIRE_OK, "STATUS");
	return st.events_dropped;
}

static int run_tput(char **argv)
{
	struct mod gen = {21, {0}, 0, {0}}, sink = {22, {0}, 0, {0}};
	uint64_t total = strtoul(argv[7], NULL, 10), sent = 0, got = 0;
	uint64_t drop0, t0, dt, deadline;
	size_t size = strtoul(argv[8], NULL, 10);
	uint16_t e_burst, e_count;
	struct sess a, b;

	CHECK(size >= 1 && size <= AX_PAYLOAD_LIMIT && total >= BURST, "args");
	a = open_session(&node_a, port_a, AX_WIRE_ROLE_DEPLOYER);
	b = open_session(&node_b, port_b, AX_WIRE_ROLE_DEPLOYER);
	load(&a, "bench_gen.so", "gen", &gen);
	e_burst = ep(&gen, "burst", AX_EP_ENTRY);
	load(&b, "bench_sink.so", "sink", &sink);
	e_count = ep(&sink, "count", AX_EP_ENTRY);
	connect_mods(&a, &gen, &b, &sink, 11, addr_b, addr_a);
	burst(&a, &gen, e_burst, 16, size); /* opens the peer link */
	while (sink_count(&b, &sink, e_count) < 16)
		sleep_us(1000);
	drop0 = dropped(&a) + dropped(&b);
	t0 = now_ns();
	deadline = t0 + 2000000000u; /* moved forward by every progress */
	got = 16;
	while (got < total + 16 && now_ns() < deadline) {
		uint64_t before = got;
		/* At most two bursts in flight: node A's local queue holds
		 * 4096 messages. */
		if (sent < total && sent + 16 - got <= BURST) {
			burst(&a, &gen, e_burst, BURST, size);
			sent += BURST;
			continue;
		}
		sleep_us(200);
		got = sink_count(&b, &sink, e_count);
		if (got != before)
			deadline = now_ns() + 2000000000u;
	}
	dt = now_ns() - t0;
	got -= 16;
	printf("RESULT tput authex %zu %.0f %.1f ev/s\n", size,
	       (double)got * 1e9 / (double)dt,
	       (double)got * (double)size * 1e3 / (double)dt);
	printf("RESULT drops authex %zu %llu %llu events\n", size,
	       (unsigned long long)(sent - got),
	       (unsigned long long)(dropped(&a) + dropped(&b) - drop0));
	reset(&a);
	reset(&b);
	bye(&a);
	bye(&b);
	return 0;
}

/* ---------------------------------------------------------------- mem */

static long rss_kib(long pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	CHECK(f != NULL, "no process %ld", pid);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int run_mem(char **argv)
{
	long pid = atol(argv[2]), r0, r1, r2;
	int port = atoi(argv[3]);
	int nmods = atoi(argv[6]), nconns = atoi(argv[7]);
	struct ax_keyfile_node k;
	struct sess s, *peers;
	char name[16];

	load_key(argv[4], &k);
	module_dir = argv[5];
	CHECK(nmods >= 1 && nmods <= 255 && nconns >= 1 && nconns <= 250,
	      "NMODS 1..255, NCONNS 1..250");
	peers = calloc((size_t)nconns, sizeof(*peers));
	CHECK(peers != NULL, "calloc");
	r0 = rss_kib(pid);
	s = open_session(&k, port, AX_WIRE_ROLE_DEPLOYER);
	for (int i = 0; i < nmods; i++) {
		struct mod m = {(uint32_t)(100 + i), {0}, 0, {0}};
		snprintf(name, sizeof(name), "m%d", i);
		load(&s, "bench_relay.so", name, &m);
	}
	r1 = rss_kib(pid);
	for (int i = 0; i < nconns; i++)
		peers[i] = open_session(&k, port, AX_WIRE_ROLE_PEER);
	r2 = rss_kib(pid);
	printf("RESULT mem idle 0 %ld %ld KiB\n", r0, r0);
	printf("RESULT mem per-module %d %.0f %ld KiB\n", nmods,
	       (double)(r1 - r0) / nmods, r1);
	printf("RESULT mem per-connection %d %.1f %ld KiB\n", nconns,
	       (double)(r2 - r1) / nconns, r2);
	for (int i = 0; i < nconns; i++)
		ax_session_close(&peers[i].ax);
	reset(&s);
	bye(&s);
	free(peers);
	ax_wipe(&k, sizeof(k));
	return 0;
}

/* ------------------------------------------------------------- deploy */

/* What `authex deploy` sends for NMODS relay modules in a chain on one
 * node (LOAD_MODULE, ATTEST checked, SET_KEY on both ends and ADD_ROUTE
 * per connection), without its state database and image cache: the
 * wire-level floor of a deployment. */
static int run_deploy_floor(char **argv)
{
	int port = atoi(argv[2]), nmods = atoi(argv[5]);
	struct ax_keyfile_node k;
	struct mod *m;
	struct sess s;
	uint64_t t0, dt;

	load_key(argv[3], &k);
	module_dir = argv[4];
	CHECK(nmods >= 2 && nmods <= 255, "NMODS 2..255");
	m = calloc((size_t)nmods, sizeof(*m));
	CHECK(m != NULL, "calloc");
	t0 = now_ns();
	s = open_session(&k, port, AX_WIRE_ROLE_DEPLOYER);
	for (int i = 0; i < nmods; i++) {
		uint8_t ch[32], msg[64];
		char name[16];
		size_t n;

		m[i].id = (uint32_t)(100 + i);
		snprintf(name, sizeof(name), "m%d", i);
		load(&s, "bench_relay.so", name, &m[i]);
		CHECK(ax_random(ch, 32) == AX_CRYPTO_OK &&
			      ax_modmsg_attest(ch, msg, sizeof(msg), &n) == AX_OK &&
			      module_msg(&s, m[i].id, msg, n) == AX_WIRE_RES_OK &&
			      ax_modmsg_attest_check(m[i].km, m[i].id, ch,
						     result_data, result_len) ==
				      AX_OK, "ATTEST m%d", i);
	}
	for (int i = 1; i < nmods; i++)
		connect_mods(&s, &m[i - 1], &s, &m[i], (uint32_t)(1000 + i), "",
			     "");
	dt = now_ns() - t0;
	printf("RESULT deploy floor %d:1 %.0f 1 ms\n", nmods, (double)dt / 1e6);
	reset(&s);
	bye(&s);
	free(m);
	ax_wipe(&k, sizeof(k));
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	fbuf = malloc(CAP);
	CHECK(fbuf != NULL, "no memory");
	CHECK(ax_random((uint8_t *)&dep, sizeof(dep)) == AX_CRYPTO_OK, "rnd");
	dep = dep % 0xfffff000u + 1;
	if (argc >= 11 && strcmp(argv[1], "rtt") == 0) {
		two_nodes(argv);
		rc = run_rtt(argc, argv);
	} else if (argc == 9 && strcmp(argv[1], "tput") == 0) {
		two_nodes(argv);
		rc = run_tput(argv);
	} else if (argc == 8 && strcmp(argv[1], "mem") == 0) {
		rc = run_mem(argv);
	} else if (argc == 6 && strcmp(argv[1], "deploy-floor") == 0) {
		rc = run_deploy_floor(argv);
	} else {
		fprintf(stderr, "usage: bench_node rtt PORT_A KEY_A PORT_B KEY_B "
			"MODULE_DIR N ECHO_PORT CHAIN_PORT SIZE... | tput ... MODULE_DIR N SIZE | "
			"mem PID PORT KEY MODULE_DIR NMODS NCONNS | "
			"deploy-floor PORT KEY MODULE_DIR NMODS\n");
	}
	ax_wipe(&node_a, sizeof(node_a));
	ax_wipe(&node_b, sizeof(node_b));
	free(fbuf);
	return rc;
}
