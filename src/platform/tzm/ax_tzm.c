/*
 * ax_tzm.c - the daemon's side of the `tzm` backend: see ax_tzm.h,
 * axt_link.h and include/authex/platform.h.
 *
 * One link serves every module. Each operation is one request on it and a
 * read, under a deadline, of the frames that answer it (EMIT* then the
 * answer). Everything that arrives is checked: frame types, exact
 * lengths, status ranges, the measurement against the image's own
 * SHA-256. A node that breaks this (silence past the deadline, EOF, an
 * unexpected frame, a READY while modules are loaded, which means it
 * restarted and forgot them) loses the link: every module then reports
 * alive() = 0 with the reason in lost_why. The node's ERROR answer (it
 * found the request malformed) fails that one operation only.
 */
#define _GNU_SOURCE /* cfmakeraw, close_range */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"
#include "ax_tzm.h"
#include "axt_link.h"
#include "nsc.h"
#include "secure/axl_elf.h"

#ifndef AX_TZM_FIRMWARE_DIR
#define AX_TZM_FIRMWARE_DIR "tzm"
#endif

#define WHY_MAX 160
#define OPT_MAX 512

struct ax_platform_module {
	uint32_t number;     /* the Secure side's module number */
	unsigned gen;        /* the link session it was loaded in */
	bool lost;           /* the node forgot it (link still up) */
	char why[WHY_MAX];
	ax_platform_emit_fn emit;
	void *emit_ctx;
};

struct options {
	char serial[OPT_MAX], qemu[OPT_MAX], firmware[OPT_MAX];
	char uart1[OPT_MAX], log[OPT_MAX], runas[OPT_MAX];
	int timeout_ms;
};

/* The link: one per daemon. */
static struct {
	bool started;        /* start ran (or the first load ran it) */
	bool up;             /* the link works */
	unsigned gen;        /* counts starts */
	char why[WHY_MAX];   /* why it went down */
	int fd;
	bool sock;           /* a socket: send without SIGPIPE */
	pid_t qemu;          /* the QEMU start() runs, or -1 */
	int timeout_ms;
	uint32_t slots, payload_max;
	unsigned loaded;     /* modules loaded in this session */
	bool pending;        /* the decoder holds bytes for axt_next */
	struct axt_decoder dec;
	uint8_t rx[4096];
	size_t rx_pos, rx_len;
	uint8_t tx[AXT_FRAME_MAX];
	struct {             /* the last frame read (a copy) */
		uint8_t type;
		size_t len;
		uint8_t p[AXT_PAYLOAD_MAX];
	} f;
} L = {.fd = -1, .qemu = -1};

/* The node key's file while QEMU starts (see keyfile_create). */
static struct {
	char dir[256];       /* TMPDIR (<= 200 bytes) + "/authex-tzm-XXXXXX" */
	char path[PATH_MAX];
} kf;

int ax_tzm_module_number(const struct ax_platform_module *m)
{
	return m != NULL ? (int)m->number : -1;
}

int ax_tzm_qemu_pid(void)
{
	return (int)L.qemu;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Untrusted text into a log line or an error: printable ASCII only. */
static void clean(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void log_text(const uint8_t *p, size_t n)
{
	char line[sizeof(L.dec.text)];

	clean(line, sizeof(line), p, n);
	fprintf(stderr, "tzm: %s\n", line);
}

/* ------------------------------------------------------------ QEMU */

static void kill_qemu(void)
{
	if (L.qemu <= 0) /* never kill(-1, ...) or kill(0, ...) */
		return;
	kill(L.qemu, SIGKILL);
	while (waitpid(L.qemu, NULL, 0) < 0 && errno == EINTR)
		;
	L.qemu = -1;
}

/* After EOF on the link: how QEMU ended (it may still be on its way). */
static void qemu_end(char *buf, size_t cap)
{
	int st = 0;
	pid_t r = 0;

	for (int i = 0; i < 100 && r == 0; i++) { /* at most 2 s */
		r = waitpid(L.qemu, &st, WNOHANG);
		if (r == 0)
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (r == L.qemu) {
		L.qemu = -1;
		if (WIFEXITED(st))
			snprintf(buf, cap, "QEMU exited with status %d",
				 WEXITSTATUS(st));
		else
			snprintf(buf, cap, "QEMU was killed by signal %d",
				 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return;
	}
	kill_qemu();
	snprintf(buf, cap, "QEMU closed the link; killed");
}

/* ------------------------------------------------------------ the link */

static void lose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The link is gone, and every module with it. */
static void lose(const char *fmt, ...)
{
	va_list ap;

	if (!L.up)
		return;
	L.up = false;
	va_start(ap, fmt);
	vsnprintf(L.why, sizeof(L.why), fmt, ap);
	va_end(ap);
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	kill_qemu();
}

static void lose_eof(void)
{
	char how[64];

	if (L.qemu > 0) {
		qemu_end(how, sizeof(how));
		lose("tzm link: the node closed the link (%s)", how);
	} else {
		lose("tzm link: the node closed the link");
	}
}

static int write_all(const uint8_t *p, size_t n)
{
	int64_t deadline = now_ms() + L.timeout_ms;

	while (n > 0) {
		struct pollfd pfd = {.fd = L.fd, .events = POLLOUT};
		int64_t left = deadline - now_ms();
		ssize_t w;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			lose("tzm link: could not send within %d ms",
			     L.timeout_ms);
			return -1;
		}
		w = L.sock ? send(L.fd, p, n, MSG_NOSIGNAL) : write(L.fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET ||
			      errno == EIO)) {
			lose_eof();
			return -1;
		}
		if (w <= 0) {
			lose("tzm link: write: %s", w < 0 ? strerror(errno) :
			     "nothing written");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(uint8_t type, const uint8_t *head, size_t head_len,
		      const uint8_t *body, size_t body_len)
{
	size_t n;

	if (!L.up)
		return -1;
	n = axt_encode2(type, head, head_len, body, body_len, L.tx,
			sizeof(L.tx));
	if (n == 0) { /* every caller bounds its lengths first */
		lose("tzm link: internal error: frame too large");
		return -1;
	}
	return write_all(L.tx, n);
}

/* One decoder event from the bytes already read: 1 = a frame in L.f,
 * 0 = more bytes needed. Text lines are logged on the way. */
static int decode_some(void)
{
	const uint8_t *p;
	enum axt_feed r;
	uint8_t type;
	size_t n;

	for (;;) {
		if (L.pending)
			r = axt_next(&L.dec, &type, &p, &n);
		else if (L.rx_pos < L.rx_len)
			r = axt_feed(&L.dec, L.rx[L.rx_pos++], &type, &p, &n);
		else
			return 0;
		L.pending = r != AXT_MORE;
		if (r == AXT_TEXT)
			log_text(L.dec.text, L.dec.text_len);
		if (r == AXT_FRAME && n <= sizeof(L.f.p)) {
			L.f.type = type;
			L.f.len = n;
			memcpy(L.f.p, p, n);
			return 1;
		}
	}
}

/* Read more bytes, waiting at most until deadline. 0, or -1 when the
 * link is lost; `what` names the wait for the timeout message. With what
 * NULL it only takes bytes already there: 1 when there were none. */
static int read_more(int64_t deadline, int wait_ms, const char *what)
{
	struct pollfd pfd = {.fd = L.fd, .events = POLLIN};
	int64_t left = deadline - now_ms();
	ssize_t r;
	int pr;

	pr = poll(&pfd, 1, what == NULL || left <= 0 ? 0 : (int)left);
	if (pr < 0 && errno == EINTR)
		return 0;
	if (pr == 0 && what == NULL)
		return 1;
	if (pr == 0) {
		lose("tzm link: %s within %d ms", what, wait_ms);
		return -1;
	}
	r = read(L.fd, L.rx, sizeof(L.rx));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* EIO: a pty hung up; ECONNRESET: the peer died with our request
	 * unread */
	if (r == 0 || (r < 0 && (errno == EIO || errno == ECONNRESET))) {
		lose_eof();
		return -1;
	}
	if (r < 0) {
		lose("tzm link: read: %s", strerror(errno));
		return -1;
	}
	L.rx_pos = 0;
	L.rx_len = (size_t)r;
	return 0;
}

static int recv_frame(int64_t deadline, int wait_ms, const char *what)
{
	while (L.up) {
		if (decode_some())
			return 0;
		if (read_more(deadline, wait_ms, what) != 0)
			return -1;
	}
	return -1;
}

/*
 * await - read the frames answering one request until one of type want.
 * EMIT frames go to m's emit (allowed only when m != NULL). Returns 0 with
 * the frame in L.f, -1 when the link is lost, -2 when the node answered
 * ERROR (its text in L.f).
 */
static int await(uint8_t want, struct ax_platform_module *m)
{
	int64_t deadline = now_ms() + L.timeout_ms;
	unsigned emits = 0;

	for (;;) {
		if (recv_frame(deadline, L.timeout_ms, "no answer") != 0)
			return -1;
		if (L.f.type == want)
			return 0;
		if (L.f.type == AXT_ERROR)
			return -2;
		if (L.f.type == AXT_READY && L.loaded == 0)
			continue; /* a late copy of the boot READY */
		if (L.f.type == AXT_READY) {
			lose("tzm link: the node restarted; its modules are "
			     "gone");
			return -1;
		}
		if (L.f.type != AXT_EMIT || m == NULL || L.f.len == 0 ||
		    ++emits > AX_TZM_EMITS_MAX) {
			lose("tzm link: protocol error (frame 0x%02x while "
			     "waiting for 0x%02x)", L.f.type, want);
			return -1;
		}
		(void)m->emit(m->emit_ctx, L.f.p, L.f.len);
	}
}

/* RESULT of a request: 0 with *st, or -1 (link lost) / -2 (ERROR). */
static int await_result(int32_t *st)
{
	int r = await(AXT_RESULT, NULL);

	if (r != 0)
		return r;
	if (L.f.len != AXT_RESULT_LEN) {
		lose("tzm link: protocol error (RESULT of %zu bytes)", L.f.len);
		return -1;
	}
	*st = (int32_t)ax_load_be32(L.f.p);
	return 0;
}

/* Bytes the node sent while nothing was asked: text is logged; EOF, a
 * READY after a load (restart) or any other frame loses the link. */
static void check_idle(void)
{
	while (L.up) {
		if (decode_some()) {
			if (L.f.type == AXT_READY && L.loaded == 0)
				continue;
			if (L.f.type == AXT_READY)
				lose("tzm link: the node restarted; its "
				     "modules are gone");
			else
				lose("tzm link: protocol error (frame 0x%02x "
				     "unasked)", L.f.type);
			return;
		}
		if (read_more(0, 0, NULL) != 0)
			return;
	}
}

/* ------------------------------------------------------------ errors */

/* The Secure loader's refusals (enum axl_error, secure/axl_elf.h). */
static const char *const axl_why[] = {
	[AXL_OK] = "no error",
	[AXL_E_HEADER] = "not an ELF32 little-endian ARM shared object",
	[AXL_E_PHDR] = "bad program headers",
	[AXL_E_SEGMENT] = "a segment lies outside the file or the slot, or "
			  "overlaps another",
	[AXL_E_TOO_BIG] = "its memory does not fit a module slot",
	[AXL_E_DYNAMIC] = "dynamic section missing, malformed or with a "
			  "refused tag",
	[AXL_E_SYMBOL] = "symbol table or string out of bounds",
	[AXL_E_UNDEFINED] = "it needs a symbol the Secure image does not "
			    "offer",
	[AXL_E_RELOC] = "a relocation of a refused type or out of bounds",
	[AXL_E_EXPORT] = "a module ABI function is missing or misplaced",
};
_Static_assert(sizeof(axl_why) / sizeof(axl_why[0]) == AXL_E_COUNT,
	       "one message per loader error");

/* One line of English for a node's error number e (the negated status of
 * RESULT, LOADED or ANSWER). */
static void describe(int32_t e, char *err, size_t errlen)
{
	if (e > 0 && e < AX_E_COUNT)
		snprintf(err, errlen, "the module's runtime refused: %s",
			 ax_modmsg_status_name((ax_rt_status)e));
	else if (e > AXS_E_IMAGE && e < AXS_E_IMAGE + AXL_E_COUNT)
		snprintf(err, errlen, "image is not a loadable shared object "
			 "for a tzm node: %s", axl_why[e - AXS_E_IMAGE]);
	else if (e == AXS_E_AUTH)
		snprintf(err, errlen, "the tzm node refused the load "
			 "authorization: it does not match this node's key, "
			 "the instance and the image");
	else if (e == AXS_E_ABI)
		snprintf(err, errlen, "module ABI version of the image is not "
			 "the one the tzm node speaks: rebuild the module");
	else if (e == AXS_E_INIT)
		snprintf(err, errlen, "the module's init refused to start");
	else if (e == AXS_E_FAULT)
		snprintf(err, errlen, "the module faulted in the Secure world "
			 "(it touched memory outside its slot, which the MPU "
			 "keeps from it)");
	else if (e == AXS_E_FULL)
		snprintf(err, errlen, "no free module slot on the tzm node "
			 "(%u slots)", (unsigned)L.slots);
	else if (e == AXS_E_LENGTH)
		snprintf(err, errlen, "the tzm node refused a length (image of "
			 "1..%u bytes, instance not 0 or 0xffffffff)",
			 (unsigned)AXS_IMAGE_MAX);
	else if (e == AXS_E_SEQUENCE)
		snprintf(err, errlen, "the tzm node saw the load steps out of "
			 "order");
	else if (e == AXS_E_MODULE)
		snprintf(err, errlen, "no such module on the tzm node");
	else if (e == AXS_E_BUSY || e == AXS_E_RANGE)
		snprintf(err, errlen, "the tzm node's Secure side refused its "
			 "event manager's call (error %d)", (int)e);
	else
		snprintf(err, errlen, "the tzm node answered with unknown "
			 "error %d", (int)e);
}

/* The error of a failed request: the link's, the node's ERROR text, or
 * the status number. */
static void request_error(int r, int32_t st, char *err, size_t errlen)
{
	char text[128];

	if (r == -1) {
		snprintf(err, errlen, "%s", L.why);
	} else if (r == -2) {
		clean(text, sizeof(text), L.f.p, L.f.len);
		snprintf(err, errlen, "the tzm node refused the request: %s",
			 text);
	} else {
		describe(-st, err, errlen);
	}
}

/* ------------------------------------------------------------ start */

static int set_opt(char *dst, const char *v, size_t n, const char *key,
		   char *err, size_t errlen)
{
	if (n == 0 || n >= OPT_MAX) {
		snprintf(err, errlen, "tzm platform option %s: empty or longer "
			 "than %d bytes", key, OPT_MAX - 1);
		return -1;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* One "key=value" of the option string. */
static int option(const char *kv, size_t n, struct options *o, char *err,
		  size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"serial", offsetof(struct options, serial)},
		{"qemu", offsetof(struct options, qemu)},
		{"firmware", offsetof(struct options, firmware)},
		{"uart1", offsetof(struct options, uart1)},
		{"log", offsetof(struct options, log)},
		{"runas", offsetof(struct options, runas)},
	};
	const char *eq = memchr(kv, '=', n);
	size_t klen = eq ? (size_t)(eq - kv) : n, vlen = eq ? n - klen - 1 : 0;
	char num[16], *end;
	long v;

	for (size_t i = 0; eq && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == klen &&
		    memcmp(kv, keys[i].key, klen) == 0)
			return set_opt((char *)o + keys[i].off, eq + 1, vlen,
				       keys[i].key, err, errlen);
	if (eq && klen == 10 && memcmp(kv, "timeout_ms", 10) == 0 &&
	    vlen > 0 && vlen < sizeof(num)) {
		memcpy(num, eq + 1, vlen);
		num[vlen] = '\0';
		v = strtol(num, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 3600000) {
			o->timeout_ms = (int)v;
			return 0;
		}
	}
	snprintf(err, errlen, "tzm platform option '%.*s': use serial=PATH, "
		 "serial=tcp:HOST:PORT, qemu=PATH, firmware=DIR, uart1=PATH, "
		 "log=PATH, runas=USER|UID:GID or timeout_ms=N", (int)n, kv);
	return -1;
}

static int parse_options(const char *options, struct options *o, char *err,
			 size_t errlen)
{
	const char *p = options;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = AX_TZM_TIMEOUT_MS;
	snprintf(o->qemu, sizeof(o->qemu), "qemu-system-arm");
	snprintf(o->firmware, sizeof(o->firmware), "%s", AX_TZM_FIRMWARE_DIR);
	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (option(p, n, o, err, errlen) != 0)
			return -1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Wait for READY (after HELLO when hello is set) and check it. Frames
 * before it are stale answers of an earlier session: skipped. */
static int handshake(bool hello, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + AX_TZM_READY_TIMEOUT_MS;
	uint32_t abi;

	if (hello && send_frame(AXT_HELLO, NULL, 0, NULL, 0) != 0)
		goto lost;
	do {
		if (recv_frame(deadline, AX_TZM_READY_TIMEOUT_MS,
			       "no READY from the node") != 0)
			goto lost;
	} while (L.f.type != AXT_READY);
	if (L.f.len != AXT_READY_LEN) {
		snprintf(err, errlen, "tzm link: READY of %zu bytes", L.f.len);
		return -1;
	}
	abi = ax_load_be32(L.f.p);
	L.slots = ax_load_be32(L.f.p + 4);
	L.payload_max = ax_load_be32(L.f.p + 8);
	if (abi != AXS_ABI_VERSION) {
		snprintf(err, errlen, "the tzm node speaks entry ABI %u, this "
			 "authexd %u: update one of them", (unsigned)abi,
			 (unsigned)AXS_ABI_VERSION);
		return -1;
	}
	if (L.slots == 0 || L.payload_max == 0 ||
	    L.payload_max > AX_PAYLOAD_LIMIT) {
		snprintf(err, errlen, "tzm link: READY with %u slots and a "
			 "payload maximum of %u", (unsigned)L.slots,
			 (unsigned)L.payload_max);
		return -1;
	}
	return 0;
lost:
	snprintf(err, errlen, "%s", L.why);
	return -1;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* serial=tcp:HOST:PORT */
static int connect_tcp(const char *hp, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *a;
	char host[OPT_MAX];
	const char *colon = strrchr(hp, ':');
	int fd = -1, rc;

	if (colon == NULL || colon == hp || colon[1] == '\0') {
		snprintf(err, errlen, "tzm serial=tcp:%s: use tcp:HOST:PORT", hp);
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "tzm serial=tcp:%s: %s", hp,
			 gai_strerror(rc));
		return -1;
	}
	for (a = res; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			rc = errno;
			close(fd);
			fd = -1;
			errno = rc;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "tzm serial=tcp:%s: connect: %s", hp,
			 strerror(errno));
	else /* small requests: no Nagle delay waiting for the node's ACK */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1},
				 sizeof(int));
	return fd;
}

/* serial=PATH: a tty or pty, raw, 115200 baud, 8N1. */
static int open_tty(const char *path, char *err, size_t errlen)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "tzm serial=%s: %s", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) != 0) {
		snprintf(err, errlen, "tzm serial=%s: not a serial port: %s",
			 path, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	if (cfsetispeed(&t, B115200) != 0 || cfsetospeed(&t, B115200) != 0 ||
	    tcsetattr(fd, TCSANOW, &t) != 0) {
		snprintf(err, errlen, "tzm serial=%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	tcflush(fd, TCIOFLUSH); /* what an earlier session left */
	return fd;
}

static int attach(const char *serial, char *err, size_t errlen)
{
	bool tcp = strncmp(serial, "tcp:", 4) == 0;

	L.fd = tcp ? connect_tcp(serial + 4, err, errlen) :
		     open_tty(serial, err, errlen);
	if (L.fd < 0)
		return -1;
	L.sock = tcp;
	if (set_nonblock(L.fd) != 0) {
		snprintf(err, errlen, "tzm serial=%s: %s", serial,
			 strerror(errno));
		return -1;
	}
	L.up = true;
	return handshake(true, err, errlen);
}

/* Wipe and remove the node key's file and its directory. */
static void keyfile_remove(void)
{
	static const uint8_t zero[AX_PLATFORM_KEY_LEN];
	int fd;

	if (kf.path[0] != '\0') {
		fd = open(kf.path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, zero, sizeof(zero)) == (ssize_t)sizeof(zero))
				(void)fsync(fd);
			close(fd);
		}
		unlink(kf.path);
		kf.path[0] = '\0';
	}
	if (kf.dir[0] != '\0') {
		rmdir(kf.dir);
		kf.dir[0] = '\0';
	}
}

/* The node key in a private file (0600 in a 0700 directory) for QEMU's
 * loader; removed as soon as the node is up. */
static int keyfile_create(const uint8_t *k_node, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	ssize_t w;
	int fd;

	if (tmp == NULL || tmp[0] != '/' || strchr(tmp, ',') != NULL ||
	    strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(kf.dir, sizeof(kf.dir), "%s/authex-tzm-XXXXXX", tmp);
	if (mkdtemp(kf.dir) == NULL) {
		snprintf(err, errlen, "tzm: mkdtemp in %s: %s", tmp,
			 strerror(errno));
		kf.dir[0] = '\0';
		return -1;
	}
	snprintf(kf.path, sizeof(kf.path), "%s/node.key", kf.dir);
	fd = open(kf.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	w = fd >= 0 ? write(fd, k_node, AX_PLATFORM_KEY_LEN) : -1;
	if (fd >= 0)
		close(fd);
	if (w != AX_PLATFORM_KEY_LEN) {
		snprintf(err, errlen, "tzm: writing the node key file: %s",
			 w < 0 ? strerror(errno) : "short write");
		keyfile_remove();
		return -1;
	}
	return 0;
}

/* The emulator: a path, or a name found in PATH. */
static int find_qemu(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(name, '/') != NULL)
		return snprintf(out, cap, "%s", name) < (int)cap &&
		       access(out, X_OK) == 0 ? 0 : -1;
	for (p = path; p != NULL && *p != '\0';) {
		const char *colon = strchr(p, ':');
		int n = colon ? (int)(colon - p) : (int)strlen(p);

		if (n > 0 && snprintf(out, cap, "%.*s/%s", n, p, name) <
			     (int)cap && access(out, X_OK) == 0)
			return 0;
		p = colon ? colon + 1 : NULL;
	}
	return -1;
}

/* QEMU's -device loader,file=... with the path's commas doubled. */
static int loader_arg(char *out, size_t cap, const char *path,
		      const char *tail)
{
	size_t n = (size_t)snprintf(out, cap, "loader,file=");

	for (; *path != '\0'; path++) {
		if (n + 3 >= cap)
			return -1;
		if (*path == ',')
			out[n++] = ',';
		out[n++] = *path;
	}
	out[n] = '\0';
	return snprintf(out + n, cap - n, "%s", tail) < (int)(cap - n) ? 0 : -1;
}

/* The child: QEMU on the link's other end; it dies with authexd. */
static void exec_qemu(int link, int logfd, pid_t parent, char *const argv[])
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(link, 0) < 0 || dup2(link, 1) < 0 ||
	    (logfd >= 0 && dup2(logfd, 2) < 0))
		_exit(127);
	close_range(3, ~0u, 0);
	execv(argv[0], argv);
	_exit(127);
}

struct qemu_args {
	char qemu[PATH_MAX], kernel[PATH_MAX], ns[PATH_MAX + 64];
	char key[PATH_MAX + 64], uart1[OPT_MAX + 8];
};

static int qemu_args(const struct options *o, struct qemu_args *a,
		     char *err, size_t errlen)
{
	char ns[PATH_MAX];

	if (find_qemu(o->qemu, a->qemu, sizeof(a->qemu)) != 0) {
		snprintf(err, errlen, "tzm: emulator '%s' not found (install "
			 "qemu-system-arm, or qemu=PATH)", o->qemu);
		return -1;
	}
	if (snprintf(a->kernel, sizeof(a->kernel), "%s/s_node.elf",
		     o->firmware) >= (int)sizeof(a->kernel) ||
	    snprintf(ns, sizeof(ns), "%s/ns_node.elf", o->firmware) >=
		    (int)sizeof(ns) ||
	    access(a->kernel, R_OK) != 0 || access(ns, R_OK) != 0) {
		snprintf(err, errlen, "tzm: no node firmware (s_node.elf, "
			 "ns_node.elf) in %s: build it with `make "
			 "tzm-firmware`, or firmware=DIR", o->firmware);
		return -1;
	}
	if (loader_arg(a->ns, sizeof(a->ns), ns, "") != 0 ||
	    loader_arg(a->key, sizeof(a->key), kf.path,
		       ",addr=0x38000000,force-raw=on") != 0) {
		snprintf(err, errlen, "tzm: firmware path too long");
		return -1;
	}
	snprintf(a->uart1, sizeof(a->uart1), "%s%s", o->uart1[0] ? "file:" :
		 "null", o->uart1);
	return 0;
}

/* Start QEMU mps2-an505 with the node images, k_node provisioned at
 * 0x38000000, serial0 on a socket pair (its stdin/stdout). */
static int boot_qemu(const uint8_t *k_node, const struct options *o,
		     char *err, size_t errlen)
{
	static struct qemu_args a;
	static char runas[OPT_MAX];
	char *argv[] = {
		a.qemu, "-M", "mps2-an505", "-display", "none", "-monitor",
		"none", "-serial", "stdio", "-serial", a.uart1,
		"-semihosting-config", "enable=on,target=native", "-kernel",
		a.kernel, "-device", a.ns, "-device", a.key, NULL, NULL, NULL};
	size_t argc = sizeof(argv) / sizeof(argv[0]) - 3;
	int sv[2], logfd = -1, rc;
	pid_t parent = getpid();

	/* QEMU drops root once the images (and the key) are loaded, just
	 * before the guest runs. */
	if (o->runas[0] != '\0') {
		memcpy(runas, o->runas, sizeof(runas));
		argv[argc++] = "-runas";
		argv[argc++] = runas;
	}
	if (k_node == NULL) {
		snprintf(err, errlen, "tzm: no node key to provision the "
			 "emulated board (or serial=... for a provisioned one)");
		return -1;
	}
	if (keyfile_create(k_node, err, errlen) != 0)
		return -1;
	if (qemu_args(o, &a, err, errlen) != 0)
		goto fail;
	if (o->log[0] != '\0' &&
	    (logfd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			  0600)) < 0) {
		snprintf(err, errlen, "tzm log=%s: %s", o->log, strerror(errno));
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "tzm: socketpair: %s", strerror(errno));
		goto fail;
	}
	L.qemu = fork();
	if (L.qemu == 0)
		exec_qemu(sv[1], logfd, parent, argv);
	close(sv[1]);
	if (logfd >= 0)
		close(logfd);
	logfd = -1;
	if (L.qemu < 0) {
		snprintf(err, errlen, "tzm: fork: %s", strerror(errno));
		close(sv[0]);
		goto fail;
	}
	L.fd = sv[0];
	L.sock = true;
	L.up = true;
	if (set_nonblock(L.fd) != 0) {
		snprintf(err, errlen, "tzm: link socket: %s", strerror(errno));
		rc = -1;
	} else {
		rc = handshake(false, err, errlen);
	}
	keyfile_remove(); /* QEMU read it before the core started */
	return rc;
fail:
	if (logfd >= 0)
		close(logfd);
	keyfile_remove();
	return -1;
}

static void reset_link(void)
{
	L.up = false;
	L.why[0] = '\0';
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	kill_qemu();
	L.loaded = 0;
	L.pending = false;
	L.rx_pos = L.rx_len = 0;
	axt_decoder_init(&L.dec);
}

static int tzm_start(const uint8_t *k_node, const char *options, char *err,
		     size_t errlen)
{
	struct options o;
	int rc;

	if (L.started) {
		snprintf(err, errlen, "tzm platform already started");
		return -1;
	}
	if (parse_options(options, &o, err, errlen) != 0)
		return -1;
	reset_link();
	L.timeout_ms = o.timeout_ms;
	rc = o.serial[0] != '\0' ? attach(o.serial, err, errlen) :
				   boot_qemu(k_node, &o, err, errlen);
	if (rc != 0) {
		reset_link();
		return -1;
	}
	L.started = true;
	L.gen++;
	return 0;
}

static void tzm_stop(void)
{
	reset_link();
	snprintf(L.why, sizeof(L.why), "tzm link: stopped");
	L.started = false;
	L.gen++;
}

/* ------------------------------------------------------------ modules */

static bool usable(const struct ax_platform_module *m)
{
	return m != NULL && !m->lost && m->gen == L.gen && L.up;
}

/* Send the image: BEGIN, DATA pieces, END; LOADED gives the number. */
static int load_steps(const uint8_t *image, size_t len, uint32_t instance,
		      const uint8_t *auth, struct ax_platform_module *m,
		      uint8_t meas[AX_PLATFORM_MEASUREMENT_LEN], char *err,
		      size_t errlen)
{
	uint8_t begin[AXT_LOAD_BEGIN_LEN];
	int32_t st = 0;
	int r;

	ax_store_be32(begin, instance);
	ax_store_be32(begin + 4, (uint32_t)len);
	r = send_frame(AXT_LOAD_BEGIN, begin, sizeof(begin), NULL, 0) != 0 ?
		-1 : await_result(&st);
	for (size_t off = 0; r == 0 && st == 0 && off < len;
	     off += AXS_CHUNK_MAX) {
		size_t n = len - off < AXS_CHUNK_MAX ? len - off : AXS_CHUNK_MAX;

		r = send_frame(AXT_LOAD_DATA, image + off, n, NULL, 0) != 0 ?
			-1 : await_result(&st);
	}
	if (r == 0 && st == 0)
		r = send_frame(AXT_LOAD_END, auth, AXS_AUTH_LEN, NULL, 0) != 0 ?
			-1 : await(AXT_LOADED, m);
	if (r == 0 && st == 0 && L.f.len != AXT_LOADED_LEN) {
		lose("tzm link: protocol error (LOADED of %zu bytes)", L.f.len);
		r = -1;
	}
	if (r == 0 && st == 0) {
		st = (int32_t)ax_load_be32(L.f.p);
		memcpy(meas, L.f.p + AXT_STATUS_LEN, AX_PLATFORM_MEASUREMENT_LEN);
	}
	if (r == 0 && st >= 0)
		return (int)st;
	request_error(r, st, err, errlen);
	return -1;
}

/* UNLOAD; the node's status does not matter (a module it does not
 * have is unloaded too). */
static void unload_number(uint32_t number)
{
	uint8_t b[AXT_MODULE_LEN];
	int32_t st;

	ax_store_be32(b, number);
	if (send_frame(AXT_UNLOAD, b, sizeof(b), NULL, 0) == 0)
		(void)await_result(&st);
}

static int load_checks(const uint8_t *image, size_t len,
		       const uint8_t *k_node, const uint8_t *load_auth,
		       ax_platform_emit_fn emit, char *err, size_t errlen)
{
	if (image == NULL || len == 0) {
		snprintf(err, errlen, "empty image");
		return -1;
	}
	if (len > AXS_IMAGE_MAX) {
		snprintf(err, errlen, "image of %zu bytes is larger than a tzm "
			 "node takes (%u bytes)", len, (unsigned)AXS_IMAGE_MAX);
		return -1;
	}
	if (emit == NULL || load_auth == NULL) {
		snprintf(err, errlen, "no %s: a tzm node runs only images the "
			 "deployer authorized", emit ? "load authorization" :
			 "emit callback");
		return -1;
	}
	if (!L.started && tzm_start(k_node, NULL, err, errlen) != 0)
		return -1;
	if (!L.up) {
		snprintf(err, errlen, "%s (restart the node)", L.why);
		return -1;
	}
	return 0;
}

static int tzm_load(const uint8_t *image, size_t len, uint32_t instance,
		    const uint8_t *k_node,
		    const uint8_t load_auth[AX_PLATFORM_AUTH_LEN],
		    ax_platform_emit_fn emit, void *emit_ctx,
		    struct ax_platform_module **out,
		    uint8_t measurement[AX_PLATFORM_MEASUREMENT_LEN], char *err,
		    size_t errlen)
{
	uint8_t want[AX_PLATFORM_MEASUREMENT_LEN];
	uint8_t got[AX_PLATFORM_MEASUREMENT_LEN];
	struct ax_iov iov = {image, len};
	struct ax_platform_module *m;
	int num;

	*out = NULL;
	if (load_checks(image, len, k_node, load_auth, emit, err, errlen) != 0)
		return -1;
	if (ax_sha256(&iov, 1, want) != AX_CRYPTO_OK) {
		snprintf(err, errlen, "SHA-256 of the image failed");
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->emit = emit;
	m->emit_ctx = emit_ctx;
	m->gen = L.gen;
	num = load_steps(image, len, instance, load_auth, m, got, err, errlen);
	if (num >= 0 && (memcmp(got, want, sizeof(want)) != 0 ||
			 (uint32_t)num >= L.slots)) {
		unload_number((uint32_t)num);
		snprintf(err, errlen, "the tzm link answered with a measurement "
			 "or module number that is not this image's: refused");
		num = -1;
	}
	if (num < 0) {
		free(m);
		return -1;
	}
	m->number = (uint32_t)num;
	L.loaded++;
	memcpy(measurement, want, sizeof(want));
	*out = m;
	return 0;
}

/* The runtime status for a node's error number e of an ANSWER. */
static int answer_status(struct ax_platform_module *m, int32_t e)
{
	if (e > 0 && e < AX_E_COUNT)
		return (int)e;
	if (e == AXS_E_MODULE) {
		m->lost = true;
		snprintf(m->why, sizeof(m->why), "tzm: the node no longer has "
			 "module %u", (unsigned)m->number);
	} else if (e == AXS_E_FAULT) {
		m->lost = true; /* the node unloaded it */
		snprintf(m->why, sizeof(m->why), "tzm: module %u faulted in "
			 "the Secure world (memory outside its slot); the node "
			 "unloaded it", (unsigned)m->number);
	}
	return AX_E_INTERNAL;
}

/* Read EMIT* ANSWER for m; the status, answer in out. */
static int answer(struct ax_platform_module *m, uint8_t *out,
		  size_t out_cap, size_t *out_len)
{
	int32_t st;
	int r = await(AXT_ANSWER, m);

	if (r != 0)
		return AX_E_INTERNAL; /* -1: link lost; -2: node's ERROR */
	if (L.f.len < AXT_STATUS_LEN)
		goto broken;
	st = (int32_t)ax_load_be32(L.f.p);
	if (st < 0 && L.f.len == AXT_STATUS_LEN)
		return answer_status(m, -st);
	if (st < 0 || (size_t)st != L.f.len - AXT_STATUS_LEN)
		goto broken;
	/* MSG told the node's runtime our capacity: it answers AX_E_SPACE
	 * itself; a longer answer is the link lying. */
	if ((size_t)st > out_cap)
		goto broken;
	if (st > 0)
		memcpy(out, L.f.p + AXT_STATUS_LEN, (size_t)st);
	*out_len = (size_t)st;
	return AX_OK;
broken:
	lose("tzm link: protocol error (ANSWER of %zu bytes)", L.f.len);
	return AX_E_INTERNAL;
}

static int tzm_handle(struct ax_platform_module *m, const uint8_t *msg,
		      size_t len, uint8_t *out, size_t out_cap,
		      size_t *out_len)
{
	size_t max = L.payload_max + AX_EVENT_OVERHEAD;
	uint8_t hdr[AXT_MSG_HDR_LEN];

	*out_len = 0;
	if (!usable(m))
		return AX_E_INTERNAL;
	if (msg == NULL || len == 0)
		return AX_E_MALFORMED;
	if (max > AXT_PAYLOAD_MAX - AXT_MSG_HDR_LEN)
		max = AXT_PAYLOAD_MAX - AXT_MSG_HDR_LEN;
	if (len > max)
		return AX_E_TOO_LARGE; /* the runtime's answer, without a trip */
	if (out_cap > AXT_PAYLOAD_MAX - AXT_STATUS_LEN)
		out_cap = AXT_PAYLOAD_MAX - AXT_STATUS_LEN; /* an ANSWER's room */
	ax_store_be32(hdr, m->number);
	ax_store_be32(hdr + 4, (uint32_t)out_cap);
	if (send_frame(AXT_MSG, hdr, sizeof(hdr), msg, len) != 0)
		return AX_E_INTERNAL;
	return answer(m, out, out_cap, out_len);
}

static void tzm_unload(struct ax_platform_module *m)
{
	if (m == NULL)
		return;
	if (usable(m))
		unload_number(m->number);
	if (m->gen == L.gen && L.loaded > 0)
		L.loaded--;
	free(m);
}

static int tzm_alive(struct ax_platform_module *m)
{
	if (m != NULL && m->gen == L.gen)
		check_idle();
	return usable(m) ? 1 : 0;
}

static const char *tzm_lost_why(struct ax_platform_module *m)
{
	if (m == NULL || usable(m))
		return NULL;
	if (m->lost)
		return m->why;
	if (m->gen != L.gen && L.started)
		return "tzm link: restarted since this module was loaded; the "
		       "node forgot it";
	return L.why;
}

const struct ax_platform_ops ax_tzm_platform = {
	.name = "tzm",
	.isolated = 1,
	.protects = "each module in the Secure world of a Cortex-M33 "
		    "(TrustZone-M); K_node never leaves the Secure side; the "
		    "node runs only images the deployer authorized, each "
		    "unprivileged and confined to its own slot by the Secure "
		    "MPU",
	.start = tzm_start,
	.stop = tzm_stop,
	.load = tzm_load,
	.handle = tzm_handle,
	.unload = tzm_unload,
	.alive = tzm_alive,
	.lost_why = tzm_lost_why,
};
