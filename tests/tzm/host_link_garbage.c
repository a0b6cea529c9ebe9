/*
 * host_link_garbage.c - the Non-secure event manager (ns/ns_main.c) in
 * QEMU against a hostile link, then the tzm backend's serial=tcp: path.
 *
 * QEMU mps2-an505 runs the node firmware with a TEST key, UART0 on a TCP
 * server socket. This program connects and:
 *  1. reads the boot READY;
 *  2. sends a valid frame of every type 0x00..0xff with an empty payload,
 *     and every request type with lengths one below and above its bounds:
 *     each gets exactly the answer the request table says (ERROR for a
 *     malformed one, READY for HELLO);
 *  3. sends well-formed requests the Secure side must refuse, and checks
 *     the nsc.h error in each answer: DATA/END before BEGIN (69), BEGIN
 *     for 0 bytes or instance 0 (67), MSG and UNLOAD of module 99 (66), a
 *     whole load with a wrong authorization (70);
 *  4. sends 16 KiB of pseudo-random bytes, then a frame's worth of
 *     padding and HELLO: the node still answers READY;
 *  5. disconnects; the tzm backend attaches with serial=tcp:..., loads a
 *     module with the right authorization and gets its STATUS.
 * Usage: host_link_garbage FIRMWARE_DIR MODULE_IMAGE (exit 0 pass, 1
 * fail, 77 skip). Build like host_link_smoke.c.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_msg.h"
#include "ax_runtime.h"
#include "host_util.h"
#include "tzm/ax_tzm.h"
#include "tzm/axt_link.h"
#include "tzm/nsc.h"

#define WAIT_MS 20000 /* liveness only: QEMU delays early TCP input ~1 s */

static uint8_t k_node[32] = "tzm TEST node key - public!!!!!";
static int fd = -1;
static struct axt_decoder dec;
static int pending;
static struct {
	uint8_t type;
	size_t len;
	uint8_t p[AXT_PAYLOAD_MAX];
} f;

static void send_raw(const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0) {
			printf("FAIL send: %s\n", strerror(errno));
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void send_frame(uint8_t type, const uint8_t *p, size_t n)
{
	uint8_t b[AXT_FRAME_MAX];
	size_t len = axt_encode(type, p, n, b, sizeof(b));

	if (len == 0) {
		printf("FAIL encode\n");
		exit(1);
	}
	send_raw(b, len);
}

/* The next frame from the node (text lines are printed). */
static void next_frame(void)
{
	static uint8_t rx[4096];
	static size_t pos, len;

	for (;;) {
		const uint8_t *p;
		uint8_t type;
		size_t n;
		enum axt_feed r;

		if (pending)
			r = axt_next(&dec, &type, &p, &n);
		else if (pos < len)
			r = axt_feed(&dec, rx[pos++], &type, &p, &n);
		else {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			ssize_t got;

			if (poll(&pfd, 1, WAIT_MS) != 1 ||
			    (got = read(fd, rx, sizeof(rx))) <= 0) {
				printf("FAIL the node went silent\n");
				exit(1);
			}
			pos = 0;
			len = (size_t)got;
			continue;
		}
		pending = r != AXT_MORE;
		if (r == AXT_TEXT)
			printf("     node: %s\n", (const char *)dec.text);
		if (r == AXT_FRAME) {
			f.type = type;
			f.len = n;
			memcpy(f.p, p, n);
			return;
		}
	}
}

static int32_t status(void)
{
	return f.len >= 4 ? (int32_t)ax_load_be32(f.p) : INT32_MIN;
}

/* Request type with payload p/n: the answer must be of type want with
 * status st (ERROR and READY: no status). */
static void expect(uint8_t type, const uint8_t *p, size_t n, uint8_t want,
	int32_t st, const char *what)
{
	send_frame(type, p, n);
	next_frame();
	check(f.type == want && (want == AXT_ERROR || want == AXT_READY ||
		status() == st), "%s: answer 0x%02x status %d", what, f.type,
		(int)status());
}

/* Which request types take which payload lengths (ns_main.c's table). */
static const struct {
	uint8_t type;
	size_t min, max;
} table[] = {
	{ AXT_HELLO, 0, 0 }, { AXT_LOAD_BEGIN, 8, 8 },
	{ AXT_LOAD_DATA, 1, AXS_CHUNK_MAX }, { AXT_LOAD_END, 32, 32 },
	{ AXT_MSG, 9, AXT_PAYLOAD_MAX }, { AXT_UNLOAD, 4, 4 },
};

static void malformed(void)
{
	static uint8_t zero[AXT_PAYLOAD_MAX];
	unsigned bad = 0;

	for (unsigned t = 0; t < 256; t++) {
		int known = 0, ok_len = 0;

		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (table[i].type == t) {
				known = 1;
				ok_len = table[i].min == 0;
			}
		if (known && ok_len) /* HELLO */
			continue;
		send_frame((uint8_t)t, NULL, 0);
		next_frame();
		bad += f.type != AXT_ERROR;
	}
	check(bad == 0, "every type with an empty payload: ERROR (%u not)",
		bad);
	for (size_t i = 1; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].min > 1) {
			send_frame(table[i].type, zero, table[i].min - 1);
			next_frame();
			bad += f.type != AXT_ERROR;
		}
		if (table[i].max < AXT_PAYLOAD_MAX) {
			send_frame(table[i].type, zero, table[i].max + 1);
			next_frame();
			bad += f.type != AXT_ERROR;
		}
	}
	check(bad == 0, "lengths just outside every request's bounds: ERROR");
	expect(AXT_HELLO, NULL, 0, AXT_READY, 0, "HELLO");
	check(f.len == AXT_READY_LEN && ax_load_be32(f.p) == AXS_ABI_VERSION,
		"READY: entry ABI %u, %u slots, payload max %u",
		(unsigned)ax_load_be32(f.p), (unsigned)ax_load_be32(f.p + 4),
		(unsigned)ax_load_be32(f.p + 8));
}

static void refused(void)
{
	uint8_t b[AXS_CHUNK_MAX] = { 0 };

	expect(AXT_LOAD_DATA, b, 10, AXT_RESULT, -AXS_E_SEQUENCE,
		"DATA before BEGIN");
	expect(AXT_LOAD_END, b, 32, AXT_LOADED, -AXS_E_SEQUENCE,
		"END before BEGIN");
	ax_store_be32(b, 1);
	ax_store_be32(b + 4, 0);
	expect(AXT_LOAD_BEGIN, b, 8, AXT_RESULT, -AXS_E_LENGTH,
		"BEGIN for 0 bytes");
	ax_store_be32(b, 0);
	ax_store_be32(b + 4, 100);
	expect(AXT_LOAD_BEGIN, b, 8, AXT_RESULT, -AXS_E_LENGTH,
		"BEGIN for instance 0");
	ax_store_be32(b, 99);
	ax_store_be32(b + 4, 256);
	b[8] = AX_MSG_STATUS;
	expect(AXT_MSG, b, 9, AXT_ANSWER, -AXS_E_MODULE, "MSG to module 99");
	expect(AXT_UNLOAD, b, 4, AXT_RESULT, -AXS_E_MODULE, "UNLOAD 99");
	ax_store_be32(b, 1);
	ax_store_be32(b + 4, 100);
	expect(AXT_LOAD_BEGIN, b, 8, AXT_RESULT, 0, "BEGIN 100 bytes");
	memset(b, 0x5a, sizeof(b));
	expect(AXT_LOAD_DATA, b, 100, AXT_RESULT, 0, "DATA 100 bytes");
	expect(AXT_LOAD_END, b, 32, AXT_LOADED, -AXS_E_AUTH,
		"END with a wrong authorization");
	check(f.len == AXT_LOADED_LEN, "LOADED of %zu bytes", f.len);
}

static void noise(void)
{
	static uint8_t junk[16 * 1024];
	uint32_t x = 0x12345678;
	unsigned others = 0;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1664525u + 1013904223u;
		junk[i] = (uint8_t)(x >> 24);
	}
	send_raw(junk, sizeof(junk));
	memset(junk, '.', AXT_FRAME_MAX);
	send_raw(junk, AXT_FRAME_MAX);
	send_frame(AXT_HELLO, NULL, 0);
	do {
		next_frame();
		others += f.type != AXT_READY;
	} while (f.type != AXT_READY);
	check(1, "16 KiB of noise, then HELLO: READY (%u other frames, %llu "
		"bad frames seen by this side)", others,
		(unsigned long long)dec.bad_frames);
}

static pid_t qemu(const char *fw, const char *key, int port)
{
	char kernel[600], ns[600], ld[600], serial[64];
	pid_t pid;

	snprintf(kernel, sizeof(kernel), "%s/s_node.elf", fw);
	snprintf(ns, sizeof(ns), "loader,file=%s/ns_node.elf", fw);
	snprintf(ld, sizeof(ld), "loader,file=%s,addr=0x38000000,"
		"force-raw=on", key);
	snprintf(serial, sizeof(serial), "tcp:127.0.0.1:%d,server=on,wait=on,"
		"nodelay=on", port);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("qemu-system-arm", "qemu-system-arm", "-M", "mps2-an505",
			"-display", "none", "-monitor", "none", "-serial",
			serial, "-serial", "null", "-semihosting-config",
			"enable=on,target=native", "-kernel", kernel, "-device",
			ns, "-device", ld, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* A free port on 127.0.0.1 (asked of the kernel, then released). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		exit(77);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static int connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	for (int i = 0; i < 200; i++) { /* QEMU starts listening soon */
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &(int){1},
				sizeof(int));
			return s;
		}
		close(s);
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	return -1;
}

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	return 0;
}

/* The backend on serial=tcp: load and STATUS. */
static void backend(int port, const char *image)
{
	const struct ax_platform_ops *P = &ax_tzm_platform;
	static uint8_t img[AXS_IMAGE_MAX];
	struct ax_platform_module *m = NULL;
	uint8_t meas[32], auth[32], out[AX_RT_STATUS_MAX];
	const uint8_t st = AX_MSG_STATUS;
	struct ax_iov iov = { img, 0 };
	char opts[64], err[256] = "";
	size_t len, out_len = 0;
	FILE *fp = fopen(image, "rb");

	if (fp == NULL)
		exit(77);
	len = fread(img, 1, sizeof(img), fp);
	fclose(fp);
	iov.len = len;
	if (ax_sha256(&iov, 1, meas) != 0 ||
	    ax_modmsg_load_auth(k_node, 9, meas, auth) != AX_OK)
		exit(1);
	snprintf(opts, sizeof(opts), "serial=tcp:127.0.0.1:%d", port);
	check(P->start(NULL, opts, err, sizeof(err)) == 0,
		"backend attached with %s %s", opts, err);
	check(P->load(img, len, 9, NULL, auth, emit, NULL, &m, meas, err,
		sizeof(err)) == 0, "backend load over TCP %s", err);
	if (m != NULL)
		check(P->handle(m, &st, 1, out, sizeof(out), &out_len) ==
			AX_OK && out[1] == AX_RT_ACTIVE, "STATUS over TCP");
	P->unload(m);
	P->stop();
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/host_link_garbage-XXXXXX", key[100];
	int port, st;
	pid_t pid;
	FILE *fp;

	if (argc != 3) {
		fprintf(stderr, "usage: host_link_garbage FIRMWARE_DIR IMAGE\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL)
		return 77;
	snprintf(key, sizeof(key), "%s/node.key", dir);
	fp = fopen(key, "wb");
	if (fp == NULL || fwrite(k_node, 1, 32, fp) != 32)
		return 77;
	fclose(fp);
	port = free_port();
	pid = qemu(argv[1], key, port);
	fd = connect_port(port);
	if (fd < 0) {
		printf("SKIP: could not reach QEMU on port %d\n", port);
		kill(pid, SIGKILL);
		return 77;
	}
	axt_decoder_init(&dec);
	next_frame();
	check(f.type == AXT_READY, "boot READY");
	malformed();
	refused();
	noise();
	close(fd);
	backend(port, argv[2]);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	unlink(key);
	rmdir(dir);
	printf("%u failed\n", failures);
	return failures != 0;
}
