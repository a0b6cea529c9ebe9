/*
 * host_link_smoke.c - the `tzm` backend end to end against QEMU: authexd's
 * side (src/platform/tzm/ax_tzm.c) starts mps2-an505 with the node
 * firmware, provisions a TEST node key, loads a module image over the
 * serial link with the deployer's load authorization, talks to it, and
 * unloads it. Checks:
 *  - start: READY within the timeout, the key file gone afterwards;
 *  - load: the measurement is the image's SHA-256; a wrong load
 *    authorization, and an image one bit off, are refused by the Secure
 *    side with the authorization message, the link stays up;
 *  - STATUS answers version 1, state ACTIVE, no connection;
 *  - ATTEST answers the MAC under the K_M the deployer derives (proof that
 *    the Secure side derived it from the provisioned key);
 *  - SET_KEY + CALL sample: one sealed EVENT through emit;
 *  - an answer larger than the caller's buffer is AX_E_SPACE;
 *  - unload, then the number is free again (load again works);
 *  - stop kills QEMU; the module reports the link stopped.
 * Timings are printed for the docs, never asserted.
 *
 * Usage: host_link_smoke FIRMWARE_DIR MODULE_IMAGE
 *   (FIRMWARE_DIR holds s_node.elf and ns_node.elf from firmware.mk;
 *   MODULE_IMAGE e.g. FIRMWARE_DIR/modules/thermo_sensor.so)
 * Exit 0 pass, 1 fail, 77 skip (no qemu-system-arm or no firmware).
 * Build against a host build tree B:
 *   cc -std=c11 -Iinclude -Isrc/platform -Isrc/platform/tzm \
 *     -Isrc/common -Isrc/runtime -Isrc/crypto tests/tzm/host_link_smoke.c \
 *     B/libax_platform.a B/libax_common.a B/libax_runtime.a \
 *     B/libax_crypto.a -lcrypto -lseccomp -ldl -o host_link_smoke
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_msg.h"
#include "ax_runtime.h"
#include "tzm/ax_tzm.h"

static const struct ax_platform_ops *P = &ax_tzm_platform;
static unsigned failures;
static uint8_t k_node[32] = "tzm TEST node key - public!!!!!";
static unsigned emitted;
static uint8_t last_emit[AX_MODULE_MSG_MAX];
static size_t last_emit_len;

#define CHECK(c, ...) check((c), #c, __VA_ARGS__)

static void check(int ok, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *expr, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(ok ? "\n" : " (%s)\n", expr);
	failures += !ok;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	emitted++;
	if (len <= sizeof(last_emit)) {
		memcpy(last_emit, msg, len);
		last_emit_len = len;
	}
	return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b = malloc(1 << 20);

	if (fp == NULL || b == NULL) {
		fprintf(stderr, "host_link_smoke: cannot read %s\n", path);
		exit(77);
	}
	*len = fread(b, 1, 1 << 20, fp);
	fclose(fp);
	return b;
}

/* authex-tzm-* directories left in TMPDIR (the key file's). */
static int key_dirs(void)
{
	const char *tmp = getenv("TMPDIR");
	struct dirent *e;
	DIR *d = opendir(tmp && tmp[0] == '/' ? tmp : "/tmp");
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "authex-tzm-", 11) == 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static struct ax_platform_module *load(const uint8_t *img, size_t len,
	uint32_t instance, const uint8_t *auth_img, size_t auth_len,
	uint8_t meas[32], char *err, size_t errlen)
{
	struct ax_platform_module *m = NULL;
	uint8_t am[32], auth[32];
	struct ax_iov iov = { auth_img, auth_len };

	if (ax_sha256(&iov, 1, am) != AX_CRYPTO_OK ||
	    ax_modmsg_load_auth(k_node, instance, am, auth) != AX_OK)
		return NULL;
	err[0] = '\0';
	if (P->load(img, len, instance, NULL, auth, emit, NULL, &m, meas, err,
		    errlen) != 0)
		return NULL;
	return m;
}

static int handle(struct ax_platform_module *m, const uint8_t *msg,
	size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return P->handle(m, msg, len, out, cap, out_len);
}

/* The id of endpoint `name` of the image (its manifest). */
static uint16_t ep(const uint8_t *img, size_t len, const char *name,
	int kind)
{
	static struct ax_manifest man;
	const struct ax_manifest_ep *e;

	if (ax_manifest_read(img, len, &man) != AX_MANIFEST_OK ||
	    (e = ax_manifest_find(&man, name, (uint8_t)kind)) == NULL) {
		printf("FAIL the image has no endpoint %s\n", name);
		exit(1);
	}
	return e->id;
}

static void talk(struct ax_platform_module *m, const uint8_t meas[32],
	uint32_t instance, const uint8_t *img, size_t len)
{
	uint8_t out[AX_RT_STATUS_MAX], msg[128], km[32], ch[32], key[16];
	const uint8_t status = AX_MSG_STATUS;
	size_t out_len = 0, n;
	struct timespec t0;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = handle(m, &status, 1, out, sizeof(out), &out_len);
	printf("     (STATUS round trip %.2f ms)\n", ms_since(&t0));
	CHECK(st == AX_OK && out_len >= AX_RT_STATUS_HDR_LEN && out[0] == 1 &&
	      out[1] == AX_RT_ACTIVE && ax_load_be16(out + 2) == 0,
	      "STATUS: status %d, %zu bytes, version %u, state %u", st,
	      out_len, out[0], out[1]);
	CHECK(ax_modmsg_module_key(k_node, instance, meas, km) == AX_OK,
	      "K_M derived as the deployer does");
	memset(ch, 0x5c, sizeof(ch));
	CHECK(ax_modmsg_attest(ch, msg, sizeof(msg), &n) == AX_OK, "ATTEST");
	st = handle(m, msg, n, out, sizeof(out), &out_len);
	CHECK(st == AX_OK && ax_modmsg_attest_check(km, instance, ch, out,
		out_len) == AX_OK, "ATTEST answered under K_M (status %d)", st);
	memset(key, 0x42, sizeof(key));
	CHECK(ax_modmsg_set_key(km, 1, 9, ep(img, len, "reading",
		AX_EP_OUTPUT), AX_AEAD_AES128GCM, key, msg, sizeof(msg), &n) ==
		AX_OK, "SET_KEY built");
	st = handle(m, msg, n, out, sizeof(out), &out_len);
	CHECK(st == AX_OK, "SET_KEY conn 9 on output 'reading': status %d", st);
	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, ep(img, len, "sample", AX_EP_ENTRY));
	emitted = 0;
	st = handle(m, msg, 3, out, sizeof(out), &out_len);
	CHECK(st == AX_OK && out_len == 2 && emitted == 1 &&
	      last_emit[0] == AX_MSG_EVENT && ax_load_be32(last_emit + 1) == 9,
	      "CALL sample: status %d, answer %zu bytes, %u emitted", st,
	      out_len, emitted);
	st = handle(m, &status, 1, out, 4, &out_len);
	CHECK(st == AX_E_SPACE && out_len == 0,
	      "STATUS into 4 bytes: AX_E_SPACE (%d)", st);
	CHECK(P->alive(m) == 1, "still alive");
}

static void refusals(const uint8_t *img, size_t len)
{
	struct ax_platform_module *m;
	uint8_t meas[32], *bad = malloc(len);
	char err[256];

	if (bad == NULL)
		return;
	memcpy(bad, img, len);
	bad[len / 2] ^= 1;
	m = load(img, len, 5, img, len - 1, meas, err, sizeof(err));
	CHECK(m == NULL && strstr(err, "load authorization") != NULL,
	      "authorization for other bytes refused: %s", err);
	m = load(bad, len, 5, img, len, meas, err, sizeof(err));
	CHECK(m == NULL && strstr(err, "load authorization") != NULL,
	      "an image one bit off refused: %s", err);
	m = load(img, len, 6, img, len, meas, err, sizeof(err));
	CHECK(m != NULL, "the link is still up: a good load works (%s)", err);
	P->unload(m);
	free(bad);
}

int main(int argc, char **argv)
{
	struct ax_platform_module *m;
	uint8_t meas[32], want[32], *img;
	char err[256] = "", opts[600];
	struct timespec t0;
	size_t len;
	int dirs;

	if (argc != 3) {
		fprintf(stderr, "usage: host_link_smoke FIRMWARE_DIR IMAGE\n");
		return 2;
	}
	img = read_all(argv[2], &len);
	snprintf(opts, sizeof(opts), "firmware=%s", argv[1]);
	dirs = key_dirs();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (P->start(k_node, opts, err, sizeof(err)) != 0) {
		printf("FAIL start: %s\n", err);
		return strstr(err, "not found") || strstr(err, "no node "
			"firmware") ? 77 : 1;
	}
	printf("     (start to READY %.1f ms, QEMU pid %d)\n", ms_since(&t0),
	       ax_tzm_qemu_pid());
	CHECK(key_dirs() == dirs, "the node key file is gone once READY came");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	m = load(img, len, 7, img, len, meas, err, sizeof(err));
	printf("     (load of %zu bytes %.1f ms)\n", len, ms_since(&t0));
	CHECK(m != NULL, "load: %s", m ? "ok" : err);
	if (m != NULL) {
		struct ax_iov iov = { img, len };

		CHECK(ax_sha256(&iov, 1, want) == 0 &&
		      memcmp(meas, want, 32) == 0,
		      "measurement = SHA-256 of the image");
		talk(m, meas, 7, img, len);
		refusals(img, len);
		P->unload(m);
		m = load(img, len, 7, img, len, meas, err, sizeof(err));
		CHECK(m != NULL, "unload, then load again: %s", m ? "ok" : err);
	}
	P->stop();
	CHECK(ax_tzm_qemu_pid() == -1, "stop: QEMU gone");
	if (m != NULL) {
		CHECK(P->alive(m) == 0 && P->lost_why(m) != NULL,
		      "after stop the module is lost: %s",
		      P->lost_why(m) ? P->lost_why(m) : "(null)");
		P->unload(m);
	}
	free(img);
	printf("%u failed\n", failures);
	return failures != 0;
}
