/*
 * ax_process.c - the daemon's side of the `process` backend: see
 * ax_process.h and include/authex/platform.h.
 *
 * The daemon holds, per module, only the host's channel and ids: the
 * image goes to the monitor, which measures it, derives K_M and starts
 * the host; the daemon gets the channel back. handle is one MSG out, then
 * EMIT frames (each passed to emit) until one ANSWER, all within the
 * timeout. A host that breaks this (unknown frame, oversized frame, too
 * many emits, an answer longer than the caller's buffer, a status the
 * runtime does not have, silence past the timeout, a frame while idle,
 * EOF) is killed through the monitor and reported lost: handle returns
 * AX_E_INTERNAL and alive() 0 from then on.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_process.h"
#include "ax_runtime.h"
#include "axp_chan.h"
#include "axp_host.h"
#include "axp_monitor.h"

#define MONITOR_TIMEOUT_MS 30000 /* a LOAD: fork, exec, dlopen, init */

struct ax_platform_module {
	int chan;
	uint32_t id;
	int pid;
	bool lost;
	char why[128];       /* why it was lost */
	ax_platform_emit_fn emit;
	void *emit_ctx;
	struct axp_rbuf rb;  /* over rx */
	uint8_t rx[2 * (AXP_HDR_LEN + AXP_HOST_OUT_BODY_MAX)];
};

/* The one monitor of this daemon (platform-wide, not per module). */
static struct {
	int fd;
	pid_t pid;
	bool gone;    /* it was started and then lost: no more loads */
	int timeout_ms;
	struct axp_monitor_cfg cfg;
} mon = {.fd = -1, .pid = -1};

int ax_process_pid(const struct ax_platform_module *m)
{
	return m ? m->pid : -1;
}

int ax_process_monitor_pid(void)
{
	return mon.fd >= 0 ? (int)mon.pid : -1;
}

/* Default host path: beside the running executable. */
static int default_host(char *path, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return snprintf(path, cap, "%s/%s", exe, AXP_HOST_NAME) < (int)cap ? 0 : -1;
}

static int parse_num(const char *v, size_t n, long lo, long hi, long *out)
{
	char tmp[16], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	*out = strtol(tmp, &end, 10);
	return (*end != '\0' || *out < lo || *out > hi) ? -1 : 0;
}

/* One "key=value" of the option string. */
static int option(const char *kv, size_t n, char *err, size_t errlen)
{
	const char *eq = memchr(kv, '=', n);
	size_t klen = eq ? (size_t)(eq - kv) : n, vlen = eq ? n - klen - 1 : 0;
	long v;

	if (eq && klen == 8 && memcmp(kv, "uid_base", 8) == 0 &&
	    parse_num(eq + 1, vlen, 1000, 4000000000L, &v) == 0)
		mon.cfg.uid_base = (uint32_t)v;
	else if (eq && klen == 10 && memcmp(kv, "timeout_ms", 10) == 0 &&
		 parse_num(eq + 1, vlen, 1, 3600000, &v) == 0)
		mon.timeout_ms = (int)v;
	else if (eq && klen == 4 && memcmp(kv, "host", 4) == 0 && vlen > 0 &&
		 vlen < sizeof(mon.cfg.host)) {
		memcpy(mon.cfg.host, eq + 1, vlen);
		mon.cfg.host[vlen] = '\0';
	} else {
		snprintf(err, errlen, "process platform option '%.*s': use "
			 "uid_base=N (>= 1000), timeout_ms=N or host=PATH",
			 (int)n, kv);
		return -1;
	}
	return 0;
}

static int configure(const char *options, char *err, size_t errlen)
{
	const char *p = options;

	mon.timeout_ms = AX_PROCESS_TIMEOUT_MS;
	mon.cfg.uid_base = AXP_MONITOR_UID_BASE;
	if (default_host(mon.cfg.host, sizeof(mon.cfg.host)) != 0)
		mon.cfg.host[0] = '\0';
	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (option(p, n, err, errlen) != 0)
			return -1;
		p = comma ? comma + 1 : NULL;
	}
	if (access(mon.cfg.host, X_OK) != 0) {
		snprintf(err, errlen, "module host program '%s' not found or "
			 "not executable (option host=PATH)", mon.cfg.host);
		return -1;
	}
	return 0;
}

static int process_start(const uint8_t *k_node, const char *options,
			 char *err, size_t errlen)
{
	if (mon.fd >= 0) {
		snprintf(err, errlen, "process platform already started");
		return -1;
	}
	mon.gone = false;
	if (k_node == NULL) {
		snprintf(err, errlen, "no node key: the process platform was "
			 "not started");
		return -1;
	}
	if (configure(options, err, errlen) != 0)
		return -1;
	return axp_monitor_spawn(k_node, &mon.cfg, &mon.fd, &mon.pid, err,
				 errlen);
}

static void process_stop(void)
{
	if (mon.fd < 0)
		return;
	close(mon.fd); /* EOF: the monitor kills its hosts and exits */
	while (waitpid(mon.pid, NULL, 0) < 0 && errno == EINTR)
		;
	mon.fd = -1;
	mon.pid = -1;
}

/* The monitor broke the protocol or died: forget it (and the key with
 * it: no module can be loaded any more, the node has to be restarted). */
static void monitor_lost(void)
{
	if (mon.fd >= 0 && mon.pid > 0) /* never kill(-1, ...) */
		kill(mon.pid, SIGKILL);
	process_stop();
	mon.gone = true;
}

/* Why the host ended: the daemon's cause, then what the kernel says. */
static void describe(struct ax_platform_module *m, const char *cause,
		     uint32_t status)
{
	int st = (int)status;
	const char *sig;

	if (status == 0xffffffffu)
		snprintf(m->why, sizeof(m->why), "%s", cause);
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		snprintf(m->why, sizeof(m->why), "killed by seccomp: a "
			 "forbidden system call (SIGSYS)");
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		snprintf(m->why, sizeof(m->why), "%s; killed", cause);
	else if (WIFSIGNALED(st)) {
		sig = sigabbrev_np(WTERMSIG(st));
		snprintf(m->why, sizeof(m->why), "crashed: signal %d (SIG%s)",
			 WTERMSIG(st), sig ? sig : "?");
	} else
		snprintf(m->why, sizeof(m->why), "%s; exited with status %d",
			 cause, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Kill a module's host through the monitor; the module is lost. */
static void lose(struct ax_platform_module *m, const char *cause)
{
	uint8_t id[4], buf[AXP_REPLY_BODY_MAX], *p = buf;
	struct axp_frame f;

	if (m->lost)
		return;
	m->lost = true;
	close(m->chan);
	m->chan = -1;
	snprintf(m->why, sizeof(m->why), "%s", cause);
	if (mon.fd < 0)
		return;
	ax_store_be32(id, m->id);
	if (axp_chan_send(mon.fd, AXP_M_KILL, id, 4, NULL, 0, -1) != AXP_OK ||
	    axp_chan_recv(mon.fd, &p, sizeof(buf), sizeof(buf),
			  MONITOR_TIMEOUT_MS, NULL, &f) != AXP_OK ||
	    f.type != AXP_M_KILLED || f.body_len != 8) {
		monitor_lost();
		return;
	}
	describe(m, cause, ax_load_be32(f.body + 4));
}

/* Send M_LOAD, read the reply: the channel fd, or -1 with err. */
static int monitor_load(const uint8_t *image, size_t len, uint32_t instance,
			struct ax_platform_module *m, uint8_t *meas, char *err,
			size_t errlen)
{
	uint8_t hdr[4], buf[AXP_REPLY_BODY_MAX], *p = buf;
	struct axp_frame f;
	int fd = -1;
	axp_chan_status st;

	ax_store_be32(hdr, instance);
	st = axp_chan_send(mon.fd, AXP_M_LOAD, hdr, 4, image, len, -1);
	if (st == AXP_OK)
		st = axp_chan_recv(mon.fd, &p, sizeof(buf), sizeof(buf),
				   MONITOR_TIMEOUT_MS, &fd, &f);
	if (st != AXP_OK) {
		snprintf(err, errlen, "monitor: %s", axp_chan_status_name(st));
		monitor_lost();
	} else if (f.type == AXP_M_ERROR) {
		snprintf(err, errlen, "%.*s", (int)f.body_len, f.body);
	} else if (f.type == AXP_M_LOADED && f.body_len == AXP_LOADED_LEN &&
		   fd >= 0) {
		m->id = ax_load_be32(f.body);
		m->pid = (int)ax_load_be32(f.body + 4);
		memcpy(meas, f.body + 8, AX_PLATFORM_MEASUREMENT_LEN);
		return fd;
	} else {
		snprintf(err, errlen, "monitor broke the protocol");
		monitor_lost();
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int process_load(const uint8_t *image, size_t len, uint32_t instance,
			const uint8_t *k_node,
			const uint8_t load_auth[AX_PLATFORM_AUTH_LEN],
			ax_platform_emit_fn emit, void *emit_ctx,
			struct ax_platform_module **out,
			uint8_t measurement[AX_PLATFORM_MEASUREMENT_LEN],
			char *err, size_t errlen)
{
	struct ax_platform_module *m;

	/* Not checked: the monitor holds K_node anyway, and an image it
	 * starts only ever gets its own K_M, in its own confined process. */
	(void)load_auth;
	*out = NULL;
	if (image == NULL || len == 0 || emit == NULL || len > AXP_IMAGE_MAX) {
		snprintf(err, errlen, "empty or oversized image");
		return -1;
	}
	/* Without start(), the first load starts the monitor with k_node:
	 * the key then stays in the caller too (tests, a daemon that does
	 * not separate privileges). */
	if (mon.fd < 0 && mon.gone) {
		snprintf(err, errlen, "the process platform's monitor is gone "
			 "(restart the node)");
		return -1;
	}
	if (mon.fd < 0 && process_start(k_node, NULL, err, errlen) != 0)
		return -1;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->emit = emit;
	m->emit_ctx = emit_ctx;
	m->rb = (struct axp_rbuf){m->rx, sizeof(m->rx), 0, 0};
	m->chan = monitor_load(image, len, instance, m, measurement, err,
			       errlen);
	if (m->chan < 0) {
		free(m);
		return -1;
	}
	*out = m;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read EMIT* ANSWER; returns the status, or -1 with *cause set. */
static int collect(struct ax_platform_module *m, uint8_t *out,
		   size_t out_cap, size_t *out_len, const char **cause)
{
	int64_t deadline = now_ms() + mon.timeout_ms;
	unsigned emits = 0;

	for (;;) {
		struct axp_frame f;
		int64_t left = deadline - now_ms();
		axp_chan_status st = left < 0 ? AXP_E_TIMEOUT :
			axp_chan_recv_buf(m->chan, &m->rb, AXP_HOST_OUT_BODY_MAX,
					  (int)left, &f);

		if (st != AXP_OK) {
			*cause = st == AXP_E_TIMEOUT ? "no answer within the "
				 "timeout" : st == AXP_E_TOO_LARGE ||
				 st == AXP_E_EMPTY ? "sent a frame of a bad "
				 "length" : "its process ended";
			return -1;
		}
		if (f.type == AXP_EMIT && f.body_len >= 1 &&
		    f.body_len <= AX_MODULE_MSG_MAX) {
			if (++emits > AX_PROCESS_EMITS_MAX) {
				*cause = "emitted too many messages in one call";
				return -1;
			}
			(void)m->emit(m->emit_ctx, f.body, f.body_len);
			continue;
		}
		*cause = "broke the channel protocol";
		/* The ANSWER ends the call: nothing may follow it. */
		if (f.type != AXP_ANSWER || f.body_len < 1 ||
		    f.body[0] >= AX_E_COUNT || f.body_len - 1 > out_cap ||
		    m->rb.start != m->rb.end)
			return -1;
		memcpy(out, f.body + 1, f.body_len - 1);
		*out_len = f.body_len - 1;
		return f.body[0];
	}
}

static int process_handle(struct ax_platform_module *m, const uint8_t *msg,
			  size_t len, uint8_t *out, size_t out_cap,
			  size_t *out_len)
{
	uint8_t cap[4];
	const char *cause = "its channel failed";
	int st;

	*out_len = 0;
	if (m == NULL || m->lost)
		return AX_E_INTERNAL;
	if (len > AX_MODULE_MSG_MAX)
		return AX_E_MALFORMED; /* the runtime's answer, without a trip */
	ax_store_be32(cap, out_cap > UINT32_MAX ? UINT32_MAX : (uint32_t)out_cap);
	if (axp_chan_send(m->chan, AXP_MSG, cap, 4, msg, len, -1) != AXP_OK ||
	    (st = collect(m, out, out_cap, out_len, &cause)) < 0) {
		*out_len = 0;
		lose(m, cause);
		return AX_E_INTERNAL;
	}
	return st;
}

static void process_unload(struct ax_platform_module *m)
{
	if (m == NULL)
		return;
	lose(m, "unloaded");
	free(m);
}

/* A host speaks only when spoken to: anything readable while idle (a
 * frame, EOF after a crash or a kill) means it is lost. */
static int process_alive(struct ax_platform_module *m)
{
	struct pollfd p;

	if (m == NULL || m->lost)
		return 0;
	p.fd = m->chan;
	p.events = POLLIN;
	if (poll(&p, 1, 0) != 0)
		lose(m, "its process ended or spoke unasked");
	return m->lost ? 0 : 1;
}

static const char *process_lost_why(struct ax_platform_module *m)
{
	return (m != NULL && m->lost) ? m->why : NULL;
}

const struct ax_platform_ops ax_process_platform = {
	.name = "process",
	.isolated = 1,
	.protects = "each module in its own process (own uid as root, "
		    "seccomp, non-dumpable); K_node in a separate monitor; "
		    "trusts the OS kernel",
	.start = process_start,
	.stop = process_stop,
	.load = process_load,
	.handle = process_handle,
	.unload = process_unload,
	.alive = process_alive,
	.lost_why = process_lost_why,
};
