/*
 * bench_process.c - the per-event cost of the `process` platform's
 * boundary against `native` (issue 4), measured in one run, interleaved
 * batch by batch so that load from other processes hits both alike.
 *
 * Same images, same keys, same messages on both platforms
 * (thermo_sensor.so, thermo_controller.so):
 *   event-in   platform handle of one sealed 2-byte EVENT into the
 *              controller (the runtime opens it and runs `add`): native =
 *              a function call, process = MSG frame out, ANSWER frame back
 *   call-emit  CALL sensor.sample: the entry answers and its output emits
 *              one sealed EVENT through the platform (process: MSG out,
 *              EMIT + ANSWER back)
 *
 * Each sample is the mean ns per message over one batch; per platform and
 * operation the median and the 99th percentile of the samples:
 *   RESULT process <op>-<platform> <median_ns> <p99_ns> ns
 * and the difference of the medians (the cost of the boundary):
 *   RESULT process <op>-boundary <process - native> ns
 * usage: bench_process [SAMPLES]   (needs authex-modhost beside it)
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

#define BATCH 2000
#define SAMPLES_DEFAULT 40
#define IMAGE_MAX (4u * 1024u * 1024u)
#define CONN 7u

struct rig {
	const struct ax_platform_ops *p;
	struct ax_platform_module *sensor, *ctl;
	uint8_t conn_key[16];
	uint64_t counter;   /* the next event counter into ctl */
	uint16_t sample;
	double *in, *call;  /* samples */
};

static uint8_t node_key[32];
static unsigned emitted;

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	emitted++;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[512];
	uint8_t *b = malloc(IMAGE_MAX);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL || b == NULL) {
		fprintf(stderr, "bench_process: cannot read %s\n", path);
		exit(1);
	}
	*len = fread(b, 1, IMAGE_MAX, f);
	fclose(f);
	return b;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_process: %s\n", what);
	exit(1);
}

static struct ax_platform_module *load(const struct ax_platform_ops *p,
				       const uint8_t *img, size_t len,
				       uint32_t inst, uint8_t km[32])
{
	struct ax_platform_module *m = NULL;
	uint8_t meas[32], auth[AX_PLATFORM_AUTH_LEN];
	char err[256];

	if (ax_manifest_measure(img, len, meas) != AX_MANIFEST_OK ||
	    ax_modmsg_load_auth(node_key, inst, meas, auth) != AX_OK)
		die("load authorization");
	if (p->load(img, len, inst, node_key, auth, emit, NULL, &m, meas, err,
		    sizeof(err)) != 0) {
		fprintf(stderr, "bench_process: %s: %s\n", p->name, err);
		exit(1);
	}
	if (ax_modmsg_module_key(node_key, inst, meas, km) != AX_OK)
		die("module key");
	return m;
}

static void key(struct rig *r, struct ax_platform_module *m,
		const uint8_t km[32], uint16_t ep)
{
	uint8_t msg[64], out[16];
	size_t n, out_len;

	if (ax_modmsg_set_key(km, 1, CONN, ep, AX_AEAD_AES128GCM, r->conn_key,
			      msg, sizeof(msg), &n) != AX_OK ||
	    r->p->handle(m, msg, n, out, sizeof(out), &out_len) != AX_OK)
		die("SET_KEY refused");
}

static void rig_init(struct rig *r, const char *name, const char *dir,
		     size_t samples)
{
	size_t sl, cl;
	uint8_t *s = slurp(dir, "thermo_sensor.so", &sl);
	uint8_t *c = slurp(dir, "thermo_controller.so", &cl);
	struct ax_manifest ms, mc;
	const struct ax_manifest_ep *rd, *add, *smp;
	uint8_t ks[32], kc[32];

	memset(r, 0, sizeof(*r));
	r->p = ax_platform_find(name);
	if (r->p == NULL || ax_manifest_read(s, sl, &ms) != AX_MANIFEST_OK ||
	    ax_manifest_read(c, cl, &mc) != AX_MANIFEST_OK)
		die("platform or images missing");
	rd = ax_manifest_find(&ms, "reading", AX_EP_OUTPUT);
	smp = ax_manifest_find(&ms, "sample", AX_EP_ENTRY);
	add = ax_manifest_find(&mc, "add", AX_EP_INPUT);
	if (rd == NULL || smp == NULL || add == NULL)
		die("endpoints missing");
	memset(r->conn_key, 0x42, sizeof(r->conn_key));
	r->sensor = load(r->p, s, sl, 1, ks);
	r->ctl = load(r->p, c, cl, 2, kc);
	key(r, r->sensor, ks, rd->id);
	key(r, r->ctl, kc, add->id);
	r->sample = smp->id;
	r->counter = 1;
	r->in = calloc(samples, sizeof(double));
	r->call = calloc(samples, sizeof(double));
	if (r->in == NULL || r->call == NULL)
		die("out of memory");
	free(s);
	free(c);
}

/* One batch of events into the controller; mean ns per event. */
static double batch_in(struct rig *r, uint8_t (*ev)[AX_EVENT_OVERHEAD + 2])
{
	uint8_t out[16];
	size_t out_len;
	const uint8_t t[2] = {0x00, 0xc8};
	double t0;

	for (int i = 0; i < BATCH; i++)
		if (ax_event_seal(AX_AEAD_AES128GCM, r->conn_key, AX_MSG_EVENT,
				  CONN, r->counter + (uint64_t)i, t, 2,
				  ev[i]) != AX_OK)
			die("seal");
	t0 = now_ns();
	for (int i = 0; i < BATCH; i++)
		if (r->p->handle(r->ctl, ev[i], sizeof(ev[i]), out, sizeof(out),
				 &out_len) != AX_OK)
			die("event refused");
	r->counter += BATCH;
	return (now_ns() - t0) / BATCH;
}

static double batch_call(struct rig *r)
{
	uint8_t msg[3] = {AX_MSG_CALL, 0, 0}, out[16];
	size_t out_len;
	unsigned before = emitted;
	double t0;

	ax_store_be16(msg + 1, r->sample);
	t0 = now_ns();
	for (int i = 0; i < BATCH; i++)
		if (r->p->handle(r->sensor, msg, 3, out, sizeof(out),
				 &out_len) != AX_OK)
			die("call refused");
	if (emitted - before != BATCH)
		die("not one emit per call");
	return (now_ns() - t0) / BATCH;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double report(const char *op, const char *plat, double *v, size_t n)
{
	double med;

	qsort(v, n, sizeof(*v), cmp);
	med = v[n / 2];
	printf("RESULT process %s-%s %.0f %.0f ns\n", op, plat, med,
	       v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1]);
	return med;
}

int main(int argc, char **argv)
{
	static uint8_t ev[BATCH][AX_EVENT_OVERHEAD + 2];
	size_t samples = argc > 1 ? strtoul(argv[1], NULL, 10) : SAMPLES_DEFAULT;
	struct rig r[2];
	double med[2][2];

	if (samples < 1 || samples > 100000)
		die("SAMPLES: 1..100000");
	for (size_t i = 0; i < sizeof(node_key); i++)
		node_key[i] = (uint8_t)i;
	rig_init(&r[0], "native", AX_BENCH_MODULE_DIR, samples);
	rig_init(&r[1], "process", AX_BENCH_MODULE_DIR, samples);
	for (size_t s = 0; s < samples; s++)
		for (int k = 0; k < 2; k++) {
			r[k].in[s] = batch_in(&r[k], ev);
			r[k].call[s] = batch_call(&r[k]);
		}
	for (int k = 0; k < 2; k++) {
		med[k][0] = report("event-in", r[k].p->name, r[k].in, samples);
		med[k][1] = report("call-emit", r[k].p->name, r[k].call, samples);
	}
	printf("RESULT process event-in-boundary %.0f ns\n", med[1][0] - med[0][0]);
	printf("RESULT process call-emit-boundary %.0f ns\n", med[1][1] - med[0][1]);
	for (int k = 0; k < 2; k++) {
		r[k].p->unload(r[k].sensor);
		r[k].p->unload(r[k].ctl);
		free(r[k].in);
		free(r[k].call);
	}
	if (r[1].p->stop != NULL)
		r[1].p->stop();
	return 0;
}
