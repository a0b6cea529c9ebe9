/*
 * bench_crypto.c - per-event crypto cost inside the runtime versus a
 * direct OpenSSL call on the same data (issue 6, `make bench`).
 *
 * For each payload size (16 B, 256 B, 4 KiB, 16 KiB) and in the same run,
 * interleaved batch by batch so that load from other processes hits every
 * variant alike:
 *
 *   seal  floor      EVP AES-128-GCM, key schedule installed once, per
 *                    message only IV + AD(13) + data + tag: the floor
 *         evp-rekey  EVP AES-128-GCM, key installed and context reset on
 *                    every message (what the ax_crypto contract implies)
 *         aead       ax_aead_seal (src/crypto/provider_openssl.c)
 *         event      ax_event_seal (header, IV, ax_aead_seal)
 *         rt-output  ax_rt_output: a module output sealed and handed to
 *                    the platform's emit callback
 *         frame-auth ax_frame_seal of the EVENT frame carrying such a
 *                    message on a deployer session (HMAC-SHA256 tag); not
 *                    in the runtime, shown for the round trip's analysis
 *   open  floor      EVP AES-128-GCM decrypt + tag check, key installed once
 *         event      ax_event_open
 *         rt-input   ax_rt_handle of a sealed EVENT: permission table,
 *                    connection lookup, counter check, open, handler call
 *
 * Each sample is the mean ns per message over one batch; the output gives
 * the median and the 99th percentile of the samples, one line each:
 *   RESULT crypto <op>-<variant> <size> <median_ns> <p99_ns> ns
 * usage: bench_crypto [SAMPLES] [only-VARIANT]  (only-... loops one
 * variant for a profiler: perf record ./bench_crypto 2000 only-aead)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"
#include "ax_wire.h"

#define MAX_BATCH 256
#define N_SIZES 4

static const size_t sizes[N_SIZES] = {16, 256, 4096, 16384};

static uint8_t key[16], pt[AX_PAYLOAD_LIMIT];
static uint8_t msgs[MAX_BATCH][AX_MODULE_MSG_MAX];
static uint8_t out[AX_MODULE_MSG_MAX];
static EVP_CIPHER_CTX *enc_ctx, *dec_ctx;
static EVP_CIPHER *gcm;
static struct ax_rt rt;
static uint64_t tx_counter, emitted, delivered;
static volatile uint8_t sink;

static void die(const char *what)
{
	fprintf(stderr, "bench_crypto: %s failed\n", what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------- variants */

static void iv_of(uint8_t iv[12], uint64_t counter)
{
	ax_store_be32(iv, AX_MSG_EVENT);
	ax_store_be64(iv + 4, counter);
}

/* The floor: a context keyed once; per message IV, AD, data, tag. */
static void evp_keyed_seal(size_t len, uint64_t ctr)
{
	uint8_t iv[12], tag[16];
	int n;

	iv_of(iv, ctr);
	if (EVP_EncryptInit_ex2(enc_ctx, NULL, NULL, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(enc_ctx, NULL, &n, out, AX_EVENT_HDR_LEN) != 1 ||
	    EVP_EncryptUpdate(enc_ctx, out + 13, &n, pt, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(enc_ctx, tag, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(enc_ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
		die("EVP seal");
	sink ^= tag[0];
}

/* A direct call that installs the key every time and resets after. */
static void evp_rekey_seal(size_t len, uint64_t ctr)
{
	static EVP_CIPHER_CTX *c;
	uint8_t iv[12], tag[16];
	int n;

	if (c == NULL && (c = EVP_CIPHER_CTX_new()) == NULL)
		die("EVP_CIPHER_CTX_new");
	iv_of(iv, ctr);
	if (EVP_EncryptInit_ex2(c, gcm, key, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &n, out, AX_EVENT_HDR_LEN) != 1 ||
	    EVP_EncryptUpdate(c, out + 13, &n, pt, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(c, tag, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1 ||
	    EVP_CIPHER_CTX_reset(c) != 1)
		die("EVP rekey seal");
	sink ^= tag[0];
}

static void aead_seal(size_t len, uint64_t ctr)
{
	uint8_t iv[12];

	iv_of(iv, ctr);
	if (ax_aead_seal(AX_AEAD_AES128GCM, key, iv, out, AX_EVENT_HDR_LEN, pt,
			 len, out + 13, out + 13 + len) != AX_CRYPTO_OK)
		die("ax_aead_seal");
}

static void event_seal(size_t len, uint64_t ctr)
{
	if (ax_event_seal(AX_AEAD_AES128GCM, key, AX_MSG_EVENT, 1, ctr, pt, len,
			  out) != AX_OK)
		die("ax_event_seal");
}

static uint8_t frame_key[32];
static uint8_t frame[AX_FRAME_PREFIX_LEN + AX_WIRE_EVENT_BODY_MAX +
		     AX_FRAME_TAG_LEN];

static void frame_auth(size_t len, uint64_t ctr)
{
	size_t flen;

	if (ax_frame_seal(frame, sizeof(frame), AX_WIRE_EVENT, AX_FRAME_F_AUTH,
			  (uint32_t)(ctr % AX_WIRE_SEQ_MAX) + 1,
			  8 + AX_EVENT_OVERHEAD + len, frame_key,
			  &flen) != AX_WIRE_OK)
		die("ax_frame_seal");
}

static struct ax_endpoint eps[2];

static void rt_output(size_t len, uint64_t ctr)
{
	(void)ctr;
	if (ax_rt_output(&rt, &eps[0], pt, len) != AX_OK)
		die("ax_rt_output");
}

/* Open variants work on msgs[i], sealed (untimed) before the batch. */
static void evp_keyed_open(const uint8_t *m, size_t len)
{
	uint8_t iv[12];
	int n;

	iv_of(iv, ax_load_be64(m + 5));
	if (EVP_DecryptInit_ex2(dec_ctx, NULL, NULL, iv, NULL) != 1 ||
	    EVP_DecryptUpdate(dec_ctx, NULL, &n, m, AX_EVENT_HDR_LEN) != 1 ||
	    EVP_DecryptUpdate(dec_ctx, out, &n, m + 13, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(dec_ctx, EVP_CTRL_AEAD_SET_TAG, 16,
				(void *)(m + 13 + len)) != 1 ||
	    EVP_DecryptFinal_ex(dec_ctx, out, &n) != 1)
		die("EVP open");
}

static void event_open(const uint8_t *m, size_t len)
{
	if (ax_event_open(AX_AEAD_AES128GCM, key, m, len + AX_EVENT_OVERHEAD,
			  out) != AX_OK)
		die("ax_event_open");
}

static void rt_input(const uint8_t *m, size_t len)
{
	size_t olen;

	if (ax_rt_handle(&rt, m, len + AX_EVENT_OVERHEAD, out, sizeof(out),
			 &olen) != AX_OK)
		die("ax_rt_handle EVENT");
}

/* ------------------------------------------------------------ runtime */

static int on_emit(void *ctx, const uint8_t *m, size_t len)
{
	(void)ctx;
	sink ^= m[len - 1];
	emitted++;
	return 0;
}

static void on_input(const uint8_t *data, size_t len)
{
	sink ^= len ? data[0] : 0;
	delivered++;
}

static void set_key(const uint8_t km[32], uint64_t nonce, uint32_t conn,
		    uint16_t ep)
{
	uint8_t m[64], o[16];
	size_t n, olen;

	if (ax_modmsg_set_key(km, nonce, conn, ep, AX_AEAD_AES128GCM, key, m,
			      sizeof(m), &n) != AX_OK ||
	    ax_rt_handle(&rt, m, n, o, sizeof(o), &olen) != AX_OK)
		die("SET_KEY");
}

/* A runtime with output `out` on conn 2 and input `in` on conn 1. */
static void setup(void)
{
	uint8_t km[32];

	eps[0] = (struct ax_endpoint){AX_EP_MAGIC, AX_EP_OUTPUT, {0, 0, 0},
				      "out", {.none = NULL}};
	eps[1] = (struct ax_endpoint){AX_EP_MAGIC, AX_EP_INPUT, {0, 0, 0},
				      "in", {.input = on_input}};
	if (ax_random(key, sizeof(key)) != AX_CRYPTO_OK ||
	    ax_random(km, sizeof(km)) != AX_CRYPTO_OK ||
	    ax_random(frame_key, sizeof(frame_key)) != AX_CRYPTO_OK ||
	    ax_random(pt, sizeof(pt)) != AX_CRYPTO_OK)
		die("ax_random");
	if (ax_rt_init(&rt, eps, 2, 7, km, on_emit, NULL) != AX_OK)
		die("ax_rt_init");
	set_key(km, 1, 1, 1);
	set_key(km, 2, 2, 0);
	gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	enc_ctx = EVP_CIPHER_CTX_new();
	dec_ctx = EVP_CIPHER_CTX_new();
	if (gcm == NULL || enc_ctx == NULL || dec_ctx == NULL ||
	    EVP_EncryptInit_ex2(enc_ctx, gcm, key, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex2(dec_ctx, gcm, key, NULL, NULL) != 1)
		die("EVP setup");
}

/* ------------------------------------------------------------ driver */

#define N_SEAL 6
#define N_OPEN 3
#define N_VAR (N_SEAL + N_OPEN)

static const char *const var_name[N_VAR] = {
	"seal-floor", "seal-evp-rekey", "seal-aead", "seal-event",
	"seal-rt-output", "seal-frame-auth", "open-floor", "open-event",
	"open-rt-input"};
static void (*const seal_fn[N_SEAL])(size_t, uint64_t) = {
	evp_keyed_seal, evp_rekey_seal, aead_seal, event_seal, rt_output,
	frame_auth};
static void (*const open_fn[N_OPEN])(const uint8_t *, size_t) = {
	evp_keyed_open, event_open, rt_input};

static size_t batch_of(size_t len)
{
	size_t b = 65536 / (len + 64);

	return b < 4 ? 4 : b > MAX_BATCH ? MAX_BATCH : b;
}

/* Seal a batch for conn 1 with the next counters (untimed). */
static void prepare(size_t len, size_t batch)
{
	for (size_t i = 0; i < batch; i++)
		if (ax_event_seal(AX_AEAD_AES128GCM, key, AX_MSG_EVENT, 1,
				  ++tx_counter, pt, len, msgs[i]) != AX_OK)
			die("prepare");
}

/* One sample of variant v: mean ns per message over one batch. */
static double sample(int v, size_t len, size_t batch)
{
	static uint64_t ctr;
	uint64_t t0, t1;

	if (v >= N_SEAL)
		prepare(len, batch);
	t0 = now_ns();
	for (size_t i = 0; i < batch; i++) {
		if (v < N_SEAL)
			seal_fn[v](len, ++ctr);
		else
			open_fn[v - N_SEAL](msgs[i], len);
	}
	t1 = now_ns();
	return (double)(t1 - t0) / (double)batch;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *name, size_t len, double *s, size_t n)
{
	qsort(s, n, sizeof(*s), cmp_double);
	printf("RESULT crypto %s %zu %.0f %.0f ns\n", name, len, s[n / 2],
	       s[(n * 99) / 100]);
}

static void run_size(size_t len, size_t samples)
{
	size_t batch = batch_of(len);
	double *s = calloc(N_VAR * samples, sizeof(double));

	if (s == NULL)
		die("calloc");
	for (int v = 0; v < N_VAR; v++) /* warm up */
		(void)sample(v, len, batch);
	for (size_t k = 0; k < samples; k++)
		for (int v = 0; v < N_VAR; v++)
			s[v * samples + k] = sample(v, len, batch);
	for (int v = 0; v < N_VAR; v++)
		report(var_name[v], len, s + v * samples, samples);
	free(s);
}

/* Loop one variant (for perf record / callgrind). */
static int run_only(const char *name, size_t samples)
{
	for (int v = 0; v < N_VAR; v++) {
		if (strcmp(var_name[v], name) != 0)
			continue;
		for (size_t k = 0; k < samples; k++)
			(void)sample(v, 64, MAX_BATCH);
		return 0;
	}
	fprintf(stderr, "bench_crypto: no variant %s\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	size_t samples = argc > 1 ? strtoul(argv[1], NULL, 10) : 301;

	if (samples < 1 || samples > 100000) {
		fprintf(stderr, "usage: bench_crypto [SAMPLES] [only-VARIANT]\n");
		return 2;
	}
	setup();
	if (argc > 2 && strncmp(argv[2], "only-", 5) == 0)
		return run_only(argv[2] + 5, samples);
	for (size_t i = 0; i < N_SIZES; i++)
		run_size(sizes[i], samples);
	if (delivered == 0 || emitted == 0)
		die("runtime path (nothing delivered or emitted)");
	printf("INFO crypto provider=%s openssl=%s\n", ax_crypto_provider(),
	       OpenSSL_version(OPENSSL_VERSION));
	return 0;
}
