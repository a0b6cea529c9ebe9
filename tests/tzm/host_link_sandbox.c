/*
 * host_link_sandbox.c - modules on one tzm node are isolated from each
 * other and from the node (src/platform/tzm/secure/sandbox.h), shown in
 * QEMU through authexd's tzm backend. Two modules are loaded with the
 * deployer's authorization: thermo_sensor.so (slot 0) and the attacker
 * test_spy.so (tests/tzm/spy_module.c, slot 1). Checks:
 *  - controls: the spy's echo works; it can read and write its own slot;
 *    its device write (through the node's SVC) reaches UART1;
 *  - the spy reading the node key (0x38000000), reading the sensor's slot,
 *    writing the node key, reading UART1's registers, issuing the node's
 *    own SVC 0: each is a fault in the Secure world; the backend reports
 *    the spy lost ("faulted"), the node unloaded it, and the sensor goes
 *    on answering; the spy is loaded again for the next attack;
 *  - the spy handing the node's emit a buffer outside its own memory
 *    (the node key): refused (-1), nothing is emitted;
 *  - no key byte ever reaches the host.
 * Usage: host_link_sandbox FIRMWARE_DIR SENSOR_IMAGE (the spy is
 * FIRMWARE_DIR/modules/test_spy.so). Exit 0 pass, 1 fail, 77 skip.
 */
#define _GNU_SOURCE

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_msg.h"
#include "ax_runtime.h"
#include "host_util.h"
#include "tzm/ax_tzm.h"

static const struct ax_platform_ops *P = &ax_tzm_platform;
static uint8_t k_node[32] = "tzm TEST node key - public!!!!!";
static unsigned emitted;
static uint8_t *spy_img, *sensor_img;
static size_t spy_len, sensor_len;
static uint32_t next_instance = 100;

#define SLOT_SIZE 0x10000u
#define NODE_KEY 0x38000000u
#define UART1_S 0x50201000u

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	emitted++;
	return 0;
}

static struct ax_platform_module *load(const uint8_t *img, size_t len)
{
	struct ax_platform_module *m = NULL;
	uint8_t meas[32], auth[32];
	struct ax_iov iov = { img, len };
	uint32_t instance = next_instance++;
	char err[256] = "";

	if (ax_sha256(&iov, 1, meas) != AX_CRYPTO_OK ||
	    ax_modmsg_load_auth(k_node, instance, meas, auth) != AX_OK ||
	    P->load(img, len, instance, NULL, auth, emit, NULL, &m, meas, err,
		    sizeof(err)) != 0) {
		printf("FAIL load: %s\n", err);
		exit(1);
	}
	return m;
}

/* CALL entry(arg32) on m: the status; the 4-byte answer in *v. */
static int call(struct ax_platform_module *m, uint16_t entry, uint32_t arg,
		uint32_t *v)
{
	uint8_t msg[7], out[16];
	size_t out_len = 0;
	int st;

	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, entry);
	ax_store_be32(msg + 3, arg);
	st = P->handle(m, msg, sizeof(msg), out, sizeof(out), &out_len);
	*v = st == AX_OK && out_len == 4 ? ax_load_be32(out) : 0;
	return st;
}

static int sensor_ok(struct ax_platform_module *sensor)
{
	const uint8_t req = AX_MSG_STATUS;
	uint8_t out[512];
	size_t out_len = 0;

	return P->handle(sensor, &req, 1, out, sizeof(out), &out_len) ==
		       AX_OK && out_len >= AX_RT_STATUS_HDR_LEN;
}

/* One attack: the spy must be lost with "faulted", the sensor unharmed,
 * and a fresh spy is loaded for the next one. */
static struct ax_platform_module *attack(struct ax_platform_module *spy,
	struct ax_platform_module *sensor, uint16_t entry, uint32_t arg,
	const char *what)
{
	uint32_t v = 0;
	int st = call(spy, entry, arg, &v);
	const char *why = P->lost_why(spy);

	check(st == AX_E_INTERNAL && P->alive(spy) == 0 && why != NULL &&
		strstr(why, "faulted") != NULL && v == 0,
		"%s: a fault in the Secure world, spy lost (%s)", what,
		why ? why : "not lost");
	check(sensor_ok(sensor), "%s: the sensor still answers", what);
	P->unload(spy);
	return load(spy_img, spy_len);
}

int main(int argc, char **argv)
{
	struct ax_platform_module *sensor, *spy;
	char opts[1024], uart1[256], err[256] = "", line[128] = "";
	uint32_t v = 0, me = 0;
	FILE *fp;
	int st;

	if (argc != 3)
		return fprintf(stderr, "usage: host_link_sandbox FIRMWARE_DIR "
			       "SENSOR_IMAGE\n"), 2;
	if (access(argv[1], R_OK) != 0 || system("command -v qemu-system-arm "
						 ">/dev/null 2>&1") != 0)
		return fprintf(stderr, "host_link_sandbox: no firmware or "
			       "qemu-system-arm: skipped\n"), 77;
	snprintf(line, sizeof(line), "%s/modules/test_spy.so", argv[1]);
	spy_img = read_all(line, &spy_len);
	sensor_img = read_all(argv[2], &sensor_len);
	snprintf(uart1, sizeof(uart1), "%s/authex-sandbox-uart1.%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	snprintf(opts, sizeof(opts), "firmware=%s,uart1=%s", argv[1], uart1);
	if (P->start(k_node, opts, err, sizeof(err)) != 0) {
		printf("FAIL start: %s\n", err);
		return 1;
	}
	sensor = load(sensor_img, sensor_len);
	spy = load(spy_img, spy_len);
	check(ax_tzm_module_number(sensor) == 0 &&
		ax_tzm_module_number(spy) == 1, "sensor in slot 0, spy in 1");

	/* Controls: what the sandbox lets a module do. */
	check(call(spy, 0, 0x01020304u, &v) == AX_OK && v == 0x01020304u,
		"spy echo");
	st = call(spy, 3, 0, &me);
	check(st == AX_OK && me != 0, "spy's own address 0x%08x", me);
	check(call(spy, 1, me, &v) == AX_OK && v == 0x11223344u,
		"spy reads its own slot");
	check(call(spy, 2, me, &v) == AX_OK && call(spy, 1, me, &v) == AX_OK &&
		v == 0x5A5A5A5Au, "spy writes its own slot");
	check(call(spy, 4, 0x53505921u, &v) == AX_OK && v == 0,
		"spy writes the secure output device through the node");
	emitted = 0;
	st = call(spy, 6, NODE_KEY, &v);
	check(st == AX_OK && v == 0xFFFFFFFFu && emitted == 0, "the node's "
		"emit refuses a buffer outside the module (the node key): %d, "
		"%u emitted", (int)v, emitted);

	/* Attacks: each faults, only the spy is lost. */
	spy = attack(spy, sensor, 1, NODE_KEY, "spy reads the node key");
	spy = attack(spy, sensor, 1, me - SLOT_SIZE,
		"spy reads the sensor's slot");
	spy = attack(spy, sensor, 2, NODE_KEY, "spy writes the node key");
	spy = attack(spy, sensor, 1, UART1_S, "spy reads UART1 directly");
	spy = attack(spy, sensor, 5, 0, "spy issues the node's SVC 0");
	check(call(spy, 0, 7, &v) == AX_OK && v == 7, "a fresh spy works");

	P->unload(spy);
	P->unload(sensor);
	P->stop();
	fp = fopen(uart1, "rb");
	line[0] = '\0';
	if (fp != NULL) {
		size_t n = fread(line, 1, sizeof(line) - 1, fp);

		line[n] = '\0';
		fclose(fp);
	}
	check(strcmp(line, "SPY!") == 0, "UART1 got exactly the spy's "
		"device write: '%s'", line);
	unlink(uart1);
	printf("host_link_sandbox: %u failed\n", failures);
	free(spy_img);
	free(sensor_img);
	return failures == 0 ? 0 : 1;
}
