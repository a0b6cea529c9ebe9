/*
 * bench_tzm.c - the event round trip host module -> tzm module -> host
 * module, next to the same round trip between host modules only, in one
 * run; and what one event into the tzm module costs, in the parts the host
 * can observe. The tzm module runs in the Secure world of an EMULATED
 * Cortex-M33 (QEMU mps2-an505, started by the tzm backend): every tzm
 * figure is QEMU's, not a board's.
 *
 * Modules, all bench/modules/relay.c (each event on `in` leaves on `out`):
 *   a1 a2 b1 b2 f  `native` relays (AX_BENCH_MODULE_DIR/bench_relay.so)
 *   t              the `tzm` relay (AX_BENCH_TZM_DIR/modules/bench_relay.so)
 * Connections, AES-128-GCM, keyed with SET_KEY as the deployer keys them:
 *   tzm trip    driver -> a1 -> t -> a2 -> driver
 *   floor trip  driver -> b1 -> f -> b2 -> driver
 * The benchmark routes like a node: each module's emitted EVENT (copied by
 * the emit callback) is passed to the next module's handle.
 *
 * One round trip, timed: from the handle of the driver's EVENT into a1
 * (sealed before the clock starts) to the return of a2's handle, whose
 * emitted EVENT has been copied: three module hops, each an AEAD open, the
 * relay handler and an AEAD seal; for t also the serial link both ways,
 * the Non-secure event manager and the Secure calls. Not timed: the
 * driver's seal of the first EVENT and its check of the last (open,
 * compare with what was sent; any difference stops the benchmark). The
 * two series alternate trip by trip (which goes first alternates round by
 * round), so both see the same load.
 *
 * The hop into t on its own, and probes of t with an EVENT of the same
 * size (interleaved with the trips):
 *   hop-tzm     handle() of the EVENT from a1 into t (inside the trip):
 *               MSG frame out, axs_handle (open, relay, seal), axs_collect,
 *               EMIT and ANSWER frames back
 *   refused     an EVENT for a connection t does not have: the same bytes
 *               in, the runtime refuses before any crypto, a 4-byte ANSWER
 *               back (link, event manager, two Secure calls)
 *   bad-tag     an EVENT on a connection t has, fresh counter, one tag bit
 *               flipped: refused after the AES-GCM open in the emulated
 *               core (the counter does not advance, so it is reused)
 *   status      STATUS (1 byte in, the runtime's status answer out)
 *   hop-native  handle() of the same EVENT into f (inside the floor trip)
 *
 * Prints, in µs (median and 99th percentile of ROUNDS samples after
 * ROUNDS/10 warm-up rounds):
 *   RESULT tzm SERIES SIZE med p99 us, SERIES: rtt-tzm rtt-floor hop-tzm
 *     hop-native refused bad-tag
 *   RESULT tzm status 1 med p99 us, RESULT tzm status-answer 1 BYTES BYTES B
 *   RESULT tzm start 0 MS MS ms (QEMU spawned to READY),
 *   RESULT tzm load BYTES MS MS ms (the tzm image over the link),
 *   RESULT tzm rounds 0 ROUNDS ROUNDS trips
 * usage: bench_tzm [ROUNDS [SIZE...]]   (default 500; 16 256 1000 bytes)
 * Exit 77 (skipped, with a message) without QEMU or the tzm firmware.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"

#define ROUNDS_DEFAULT 500
#define SIZES_MAX 8
#define SIZE_MAX_TZM 1024 /* AX_PAYLOAD_MAX of the tzm firmware */
#define IMAGE_MAX (4u * 1024u * 1024u)
#define ALG AX_AEAD_AES128GCM
#define CONN_PROBE 20u   /* t's second input connection (bad-tag) */
#define CONN_NONE 99u    /* a connection no module has (refused) */
#define EV_MAX (AX_EVENT_OVERHEAD + SIZE_MAX_TZM)

/* What a module emitted during the last handle. */
struct sink {
	uint8_t b[AX_MODULE_MSG_MAX];
	size_t len;
	unsigned n;
};

struct mod {
	const struct ax_platform_ops *p;
	struct ax_platform_module *h;
	uint8_t km[32];
	uint64_t nonce;      /* the last SET_KEY nonce */
	uint16_t in, out;    /* endpoint ids */
	struct sink s;
};

/* driver -> x -> mid -> y -> driver on connections c, c+1, c+2, c+3. */
struct chain {
	struct mod *x, *mid, *y;
	uint32_t c;
	uint64_t sent, got;  /* driver's counters on c and c + 3 */
};

/* Samples of one series, one array per payload size. */
enum series { RTT_TZM, RTT_FLOOR, HOP_TZM, HOP_NATIVE, REFUSED, BAD_TAG,
	      N_SERIES };
static const char *const series_name[N_SERIES] = {
	"rtt-tzm", "rtt-floor", "hop-tzm", "hop-native", "refused", "bad-tag"};

static uint8_t node_key[32];

static void die(const char *what)
{
	fprintf(stderr, "bench_tzm: %s\n", what);
	exit(1);
}

static void skip(const char *what, const char *detail)
{
	fprintf(stderr, "bench_tzm: skipped: %s%s\n", what, detail);
	exit(77);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	struct sink *s = ctx;

	if (len > sizeof(s->b))
		return -1;
	memcpy(s->b, msg, len);
	s->len = len;
	s->n++;
	return 0;
}

/* The whole file, or NULL if it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *b = malloc(IMAGE_MAX);
	FILE *f = fopen(path, "rb");

	if (f == NULL || b == NULL) {
		if (f != NULL)
			fclose(f);
		free(b);
		return NULL;
	}
	*len = fread(b, 1, IMAGE_MAX, f);
	fclose(f);
	return b;
}

static uint16_t ep_id(const struct ax_manifest *man, const char *name,
		      unsigned kind)
{
	const struct ax_manifest_ep *e = ax_manifest_find(man, name, kind);

	if (e == NULL)
		die("the relay image has no in/out endpoint");
	return e->id;
}

/* Load img as instance inst; k_node is NULL for a backend that was given
 * the node key at start. */
static void load(struct mod *m, const struct ax_platform_ops *p,
		 const uint8_t *img, size_t len, uint32_t inst,
		 const uint8_t *k_node)
{
	uint8_t meas[32], auth[AX_PLATFORM_AUTH_LEN];
	struct ax_manifest man;
	char err[256];

	memset(m, 0, sizeof(*m));
	m->p = p;
	if (ax_manifest_read(img, len, &man) != AX_MANIFEST_OK ||
	    ax_manifest_measure(img, len, meas) != AX_MANIFEST_OK ||
	    ax_modmsg_load_auth(node_key, inst, meas, auth) != AX_OK)
		die("relay image or load authorization");
	m->in = ep_id(&man, "in", AX_EP_INPUT);
	m->out = ep_id(&man, "out", AX_EP_OUTPUT);
	if (p->load(img, len, inst, k_node, auth, emit, &m->s, &m->h, meas,
		    err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_tzm: %s load: %s\n", p->name, err);
		exit(1);
	}
	if (ax_modmsg_module_key(node_key, inst, meas, m->km) != AX_OK)
		die("module key");
}

/* The key of connection c (each connection its own). */
static void conn_key(uint32_t c, uint8_t key[16])
{
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(c * 16u + (unsigned)i);
}

static void set_key(struct mod *m, uint32_t c, uint16_t ep)
{
	uint8_t msg[64], out[16], key[16];
	size_t n, out_len;

	conn_key(c, key);
	if (ax_modmsg_set_key(m->km, ++m->nonce, c, ep, ALG, key, msg,
			      sizeof(msg), &n) != AX_OK ||
	    m->p->handle(m->h, msg, n, out, sizeof(out), &out_len) != AX_OK)
		die("SET_KEY refused");
}

static void chain_key(struct chain *ch)
{
	set_key(ch->x, ch->c, ch->x->in);
	set_key(ch->x, ch->c + 1, ch->x->out);
	set_key(ch->mid, ch->c + 1, ch->mid->in);
	set_key(ch->mid, ch->c + 2, ch->mid->out);
	set_key(ch->y, ch->c + 2, ch->y->in);
	set_key(ch->y, ch->c + 3, ch->y->out);
}

/* One EVENT into m, which must relay it (one emit). */
static void hop(struct mod *m, const uint8_t *msg, size_t len)
{
	uint8_t out[16];
	size_t out_len;
	int st;

	m->s.n = 0;
	st = m->p->handle(m->h, msg, len, out, sizeof(out), &out_len);
	if (st != AX_OK || m->s.n != 1) {
		fprintf(stderr, "bench_tzm: %s relay: status %d, %u emitted\n",
			m->p->name, st, m->s.n);
		exit(1);
	}
}

/* The driver's check of the EVENT that came back. */
static void check_back(struct chain *ch, const uint8_t *pl, size_t size)
{
	uint8_t key[16], pt[SIZE_MAX_TZM];
	const struct sink *s = &ch->y->s;

	conn_key(ch->c + 3, key);
	if (s->len != AX_EVENT_OVERHEAD + size || s->b[0] != AX_MSG_EVENT ||
	    ax_load_be32(s->b + 1) != ch->c + 3 ||
	    ax_load_be64(s->b + 5) != ++ch->got ||
	    ax_event_open(ALG, key, s->b, s->len, pt) != AX_OK ||
	    memcmp(pt, pl, size) != 0)
		die("the event that came back is not the one sent");
}

/* One round trip of `size` bytes; hop_us: the middle hop. */
static double trip(struct chain *ch, size_t size, double *hop_us)
{
	static uint8_t ev[EV_MAX], pl[SIZE_MAX_TZM];
	uint8_t key[16];
	double t0, t1, t2, t3;

	memset(pl, (int)(ch->sent & 0xff), size);
	conn_key(ch->c, key);
	if (ax_event_seal(ALG, key, AX_MSG_EVENT, ch->c, ++ch->sent, pl, size,
			  ev) != AX_OK)
		die("seal");
	t0 = now_us();
	hop(ch->x, ev, AX_EVENT_OVERHEAD + size);
	t1 = now_us();
	hop(ch->mid, ch->x->s.b, ch->x->s.len);
	t2 = now_us();
	hop(ch->y, ch->mid->s.b, ch->mid->s.len);
	t3 = now_us();
	check_back(ch, pl, size);
	*hop_us = t2 - t1;
	return t3 - t0;
}

/* A probe into m that must be refused with `want` and emit nothing. */
static double probe(struct mod *m, const uint8_t *msg, size_t len, int want)
{
	uint8_t out[AX_RT_STATUS_MAX];
	size_t out_len;
	double t0, t;
	int st;

	m->s.n = 0;
	t0 = now_us();
	st = m->p->handle(m->h, msg, len, out, sizeof(out), &out_len);
	t = now_us() - t0;
	if (st != want || m->s.n != 0) {
		fprintf(stderr, "bench_tzm: probe: status %d (want %d), %u "
			"emitted\n", st, want, m->s.n);
		exit(1);
	}
	return t;
}

/* The refused and bad-tag probes of `size` bytes. */
static void make_probes(size_t size, uint8_t *none, uint8_t *bad)
{
	static const uint8_t pl[SIZE_MAX_TZM];
	uint8_t key[16];

	conn_key(CONN_NONE, key);
	if (ax_event_seal(ALG, key, AX_MSG_EVENT, CONN_NONE, 1, pl, size,
			  none) != AX_OK)
		die("seal");
	conn_key(CONN_PROBE, key);
	if (ax_event_seal(ALG, key, AX_MSG_EVENT, CONN_PROBE, 1, pl, size,
			  bad) != AX_OK)
		die("seal");
	bad[AX_EVENT_OVERHEAD + size - 1] ^= 1; /* the tag's last byte */
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, size_t key, double *v, size_t n)
{
	size_t p99 = (n * 99) / 100 < n ? (n * 99) / 100 : n - 1;

	qsort(v, n, sizeof(*v), cmp);
	printf("RESULT tzm %s %zu %.*f %.*f us\n", name, key,
	       v[n / 2] < 100 ? 2 : 1, v[n / 2], v[p99] < 100 ? 2 : 1, v[p99]);
}

/* STATUS into m; *answer: its length. */
static double status(struct mod *m, size_t *answer)
{
	static const uint8_t req = AX_MSG_STATUS;
	uint8_t out[AX_RT_STATUS_MAX];
	double t0, t;

	t0 = now_us();
	if (m->p->handle(m->h, &req, 1, out, sizeof(out), answer) != AX_OK)
		die("STATUS refused");
	t = now_us() - t0;
	return t;
}

struct rig {
	struct mod a1, a2, b1, b2, f, t;
	struct chain tz, fl;
	size_t size[SIZES_MAX], nsize, rounds, answer;
	uint8_t none[SIZES_MAX][EV_MAX], bad[SIZES_MAX][EV_MAX];
	double *v[N_SERIES][SIZES_MAX], *status;
};

/* The tzm backend up (QEMU started, node key provisioned) and t loaded. */
static void tzm_up(struct rig *r)
{
	const char *path = AX_BENCH_TZM_DIR "/modules/bench_relay.so";
	const struct ax_platform_ops *p = ax_platform_find("tzm");
	char err[256];
	size_t len;
	uint8_t *img;
	double t0;

	if (p == NULL)
		skip("this build has no tzm backend", "");
	img = slurp(path, &len);
	if (img == NULL)
		skip("no tzm relay image (`cmake --build BUILD --target "
		     "tzm-firmware` builds it): ", path);
	t0 = now_us();
	if (p->start(node_key, "firmware=" AX_BENCH_TZM_DIR, err,
		     sizeof(err)) != 0) {
		if (strstr(err, "not found") || strstr(err, "no node firmware"))
			skip(err, "");
		fprintf(stderr, "bench_tzm: tzm start: %s\n", err);
		exit(1);
	}
	t0 = (now_us() - t0) / 1e3;
	printf("RESULT tzm start 0 %.0f %.0f ms\n", t0, t0);
	t0 = now_us();
	load(&r->t, p, img, len, 2, NULL);
	t0 = (now_us() - t0) / 1e3;
	printf("RESULT tzm load %zu %.0f %.0f ms\n", len, t0, t0);
	free(img);
}

static void native_up(struct rig *r)
{
	const char *path = AX_BENCH_MODULE_DIR "/bench_relay.so";
	const struct ax_platform_ops *p = ax_platform_find("native");
	size_t len;
	uint8_t *img = slurp(path, &len);

	if (p == NULL || img == NULL)
		die("no native platform or no " AX_BENCH_MODULE_DIR
		    "/bench_relay.so (build first)");
	load(&r->a1, p, img, len, 1, node_key);
	load(&r->a2, p, img, len, 3, node_key);
	load(&r->b1, p, img, len, 4, node_key);
	load(&r->f, p, img, len, 5, node_key);
	load(&r->b2, p, img, len, 6, node_key);
	free(img);
}

static void rig_init(struct rig *r)
{
	r->tz = (struct chain){&r->a1, &r->t, &r->a2, 1, 0, 0};
	r->fl = (struct chain){&r->b1, &r->f, &r->b2, 5, 0, 0};
	chain_key(&r->tz);
	chain_key(&r->fl);
	set_key(&r->t, CONN_PROBE, r->t.in);
	for (size_t k = 0; k < r->nsize; k++) {
		make_probes(r->size[k], r->none[k], r->bad[k]);
		for (int s = 0; s < N_SERIES; s++)
			if ((r->v[s][k] = calloc(r->rounds, sizeof(double))) ==
			    NULL)
				die("out of memory");
	}
	if ((r->status = calloc(r->rounds, sizeof(double))) == NULL)
		die("out of memory");
}

/* Round i (negative: warm-up, not kept) of every size. */
static void round_all(struct rig *r, long i)
{
	size_t k, n = i < 0 ? 0 : (size_t)i, sz;
	double rtt[2], hp[2], ref, bad, st;

	for (k = 0; k < r->nsize; k++) {
		sz = r->size[k];
		for (int j = 0; j < 2; j++) {
			int fl = j ^ (int)(n & 1);

			rtt[fl] = trip(fl ? &r->fl : &r->tz, sz, &hp[fl]);
		}
		ref = probe(&r->t, r->none[k], AX_EVENT_OVERHEAD + sz,
			    AX_E_UNKNOWN_CONN);
		bad = probe(&r->t, r->bad[k], AX_EVENT_OVERHEAD + sz,
			    AX_E_BAD_TAG);
		if (i < 0)
			continue;
		r->v[RTT_TZM][k][n] = rtt[0];
		r->v[RTT_FLOOR][k][n] = rtt[1];
		r->v[HOP_TZM][k][n] = hp[0];
		r->v[HOP_NATIVE][k][n] = hp[1];
		r->v[REFUSED][k][n] = ref;
		r->v[BAD_TAG][k][n] = bad;
	}
	st = status(&r->t, &r->answer);
	if (i >= 0)
		r->status[n] = st;
}

static void args(struct rig *r, int argc, char **argv)
{
	static const size_t def[] = {16, 256, 1000};
	long v;

	r->rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : ROUNDS_DEFAULT;
	if (r->rounds < 1 || r->rounds > 1000000)
		die("usage: bench_tzm [ROUNDS [SIZE...]]: ROUNDS 1..1000000");
	if (argc > 2 + SIZES_MAX)
		die("at most 8 sizes");
	for (int a = 2; a < argc; a++) {
		v = strtol(argv[a], NULL, 10);
		if (v < 1 || v > SIZE_MAX_TZM)
			die("SIZE: 1..1024 bytes (the tzm firmware's "
			    "AX_PAYLOAD_MAX)");
		r->size[r->nsize++] = (size_t)v;
	}
	for (size_t k = 0; r->nsize == 0 && k < 3; k++)
		r->size[k] = def[k];
	if (r->nsize == 0)
		r->nsize = 3;
}

int main(int argc, char **argv)
{
	static struct rig r;
	struct mod *const host[] = {&r.a1, &r.a2, &r.b1, &r.b2, &r.f};
	const struct ax_platform_ops *tzm;

	args(&r, argc, argv);
	for (size_t i = 0; i < sizeof(node_key); i++)
		node_key[i] = (uint8_t)(0x5a ^ i);
	tzm_up(&r);
	native_up(&r);
	rig_init(&r);
	for (long i = -(long)(r.rounds / 10); i < (long)r.rounds; i++)
		round_all(&r, i);
	printf("RESULT tzm rounds 0 %zu %zu trips\n", r.rounds, r.rounds);
	for (size_t k = 0; k < r.nsize; k++)
		for (int s = 0; s < N_SERIES; s++)
			report(series_name[s], r.size[k], r.v[s][k], r.rounds);
	report("status", 1, r.status, r.rounds);
	printf("RESULT tzm status-answer 1 %zu %zu B\n", r.answer, r.answer);
	tzm = r.t.p;
	tzm->unload(r.t.h);
	tzm->stop();
	for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		host[i]->p->unload(host[i]->h);
	return 0;
}
