/*
 * misbehave.c - a module image that attacks its own sandbox, for the
 * `process` platform's isolation tests (tests/unit/test_platform_process.c).
 * Built as
 * build/modules/test_misbehave.so. It speaks the module ABI itself (no
 * runtime): a CALL (07 entry(2) arg) runs one misdeed, chosen by entry:
 *
 *   0 echo: answers arg and emits it once (a well-behaved call)
 *   1 open(arg, O_WRONLY|O_CREAT): create a file
 *   2 socket(AF_INET, SOCK_STREAM) and connect to 127.0.0.1:port(arg, 2)
 *   3 execve("/bin/sh", "-c", "echo > arg")
 *   4 write through a NULL pointer (a crash)
 *   5 loop forever
 *   6 emit 5000 messages in one call
 *   7 forge a frame on the channel (descriptor 3) with a 4 GiB length
 *   8 fork()
 *   9 ptrace(PTRACE_TRACEME)
 *  10 answer 8 bytes more than the caller's buffer holds, by writing a
 *     forged ANSWER frame on the channel
 * Each misdeed that is not stopped answers "escaped" (status 0), so a
 * test can tell a sandbox that let it through.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*emit_fn)(void *, const uint8_t *, size_t);

EXPORT uint32_t authex_module_abi(void);
EXPORT int authex_module_init(uint32_t instance, const uint8_t *k,
	emit_fn emit, void *ctx);
EXPORT int authex_module_handle(const uint8_t *msg, size_t len,
	uint8_t *out, size_t cap, size_t *out_len);

static emit_fn emit_cb;
static void *emit_ctx;
static char path[256];

uint32_t authex_module_abi(void)
{
	return 1;
}

int authex_module_init(uint32_t instance, const uint8_t *k, emit_fn emit,
		       void *ctx)
{
	(void)instance;
	(void)k;
	emit_cb = emit;
	emit_ctx = ctx;
	return 0;
}

static void forge(uint32_t len, uint8_t type, const uint8_t *body, size_t n)
{
	uint8_t f[64];
	struct iovec iov = {f, 5 + n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	f[0] = (uint8_t)(len >> 24);
	f[1] = (uint8_t)(len >> 16);
	f[2] = (uint8_t)(len >> 8);
	f[3] = (uint8_t)len;
	f[4] = type;
	memcpy(f + 5, body, n);
	(void)sendmsg(3, &mh, 0); /* the one call the sandbox allows */
}

static void connect_to(const uint8_t *arg, size_t len)
{
	struct sockaddr_in sa;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || len < 2)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)(arg[0] << 8 | arg[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)connect(s, (struct sockaddr *)&sa, sizeof(sa));
}

static void misdeed(unsigned what, const uint8_t *arg, size_t len,
		    size_t cap)
{
	static volatile int *nowhere;
	uint8_t big[48] = {0x83, 0};

	memcpy(path, arg, len < sizeof(path) - 1 ? len : sizeof(path) - 1);
	switch (what) {
	case 1: (void)open(path, O_WRONLY | O_CREAT, 0600); break;
	case 2: connect_to(arg, len); break;
	case 3: {
		char cmd[300] = "echo > ";
		char *const argv[] = {"sh", "-c", cmd, NULL};
		strncat(cmd, path, sizeof(cmd) - 8);
		execve("/bin/sh", argv, NULL);
		break;
	}
	case 4: *nowhere = 1; break;
	case 5: for (volatile int spin = 1; spin;) ; break;
	case 6:
		for (int i = 0; i < 5000; i++)
			(void)emit_cb(emit_ctx, arg, len ? len : 1);
		break;
	case 7: forge(0xffffffffu, 0x82, NULL, 0); break;
	case 8: (void)fork(); break;
	case 9: (void)ptrace(PTRACE_TRACEME, 0, NULL, NULL); break;
	case 10:
		big[0] = 0; /* status AX_OK */
		if (cap + 9 <= sizeof(big))
			forge((uint32_t)(1 + 1 + cap + 8), 0x83, big, 1 + cap + 8);
		break;
	default: break;
	}
}

int authex_module_handle(const uint8_t *msg, size_t len, uint8_t *out,
			 size_t cap, size_t *out_len)
{
	unsigned what;

	*out_len = 0;
	if (len < 3 || msg[0] != 0x07)
		return 1;
	what = (unsigned)(msg[1] << 8 | msg[2]);
	if (what == 0) {
		if (len - 3 > cap)
			return 15;
		memcpy(out, msg + 3, len - 3);
		*out_len = len - 3;
		return emit_cb(emit_ctx, msg + 3, len - 3 ? len - 3 : 1) ? 11 : 0;
	}
	misdeed(what, msg + 3, len - 3, cap);
	if (cap >= 7) {
		memcpy(out, "escaped", 7);
		*out_len = 7;
	}
	return 0;
}
