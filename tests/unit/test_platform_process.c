/*
 * test_platform_process.c - the `process` platform's own promises, beyond
 * the conformance suite (tests/conformance/), attacked from outside and
 * from inside:
 *  - the module process is confined: seccomp filter mode, NO_NEW_PRIVS,
 *    non-dumpable, only its channel open, no new descriptors, and (as
 *    root) its own uid from uid_base;
 *  - a module that opens a file, makes a socket, execs, forks or calls
 *    ptrace is killed by seccomp before the call does anything, and
 *    reported lost (handle AX_E_INTERNAL, alive 0, process gone, lost_why
 *    "killed by seccomp");
 *  - a module that crashes, loops past the timeout, emits too much or
 *    forges channel frames is killed and reported; the modules beside it
 *    keep exchanging events;
 *  - (root) another uid, the event manager's, cannot read the module's or
 *    the monitor's memory (/proc/PID/mem, ptrace, process_vm_readv);
 *    neither can the module's own uid attach to it;
 *  - start() refuses bad options; the daemon path (start, then load with
 *    k_node NULL) is what all these tests use.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <authex/platform.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "process/ax_process.h"
#include "process/axp_chan.h"
#include "process/axp_monitor.h"

#define IMAGE_MAX (4u * 1024u * 1024u)

/* Under ASan the sanitizer runtime in the module process makes system
 * calls of its own on its way out (its SIGSEGV report, ioctl), which
 * seccomp forbids: a lost module may then end as SIGSYS whatever the
 * daemon's reason was. Plain builds check the exact reason. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif
#define CRASH_WHY "crashed: signal 11 (SIGSEGV)"
#define UID_BASE 61000
#define WAIT_STEPS 1000 /* x 10 ms: bounded waits */

static const struct ax_platform_ops *P;
static uint8_t node_key[32];
static uint8_t *sensor, *controller, *bad;
static size_t sensor_len, controller_len, bad_len;
static struct ax_manifest man_s, man_c;
static char tmpdir[64];

static unsigned n_emit;
static uint8_t last[AX_MODULE_MSG_MAX];
static size_t last_len;

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	n_emit++;
	if (len <= sizeof(last)) {
		memcpy(last, msg, len);
		last_len = len;
	}
	return 0;
}

static uint8_t *read_file(const char *name, size_t *len)
{
	char path[512];
	uint8_t *buf = malloc(IMAGE_MAX);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", AX_MODULE_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, IMAGE_MAX, fp);
	fclose(fp);
	assert_true(*len > 0 && *len < IMAGE_MAX);
	return buf;
}

static int setup(void **state)
{
	char err[256] = "", opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(node_key); i++)
		node_key[i] = (uint8_t)(0x5a ^ i);
	sensor = read_file("thermo_sensor.so", &sensor_len);
	controller = read_file("thermo_controller.so", &controller_len);
	bad = read_file("test_misbehave.so", &bad_len);
	assert_int_equal(ax_manifest_read(sensor, sensor_len, &man_s),
			 AX_MANIFEST_OK);
	assert_int_equal(ax_manifest_read(controller, controller_len, &man_c),
			 AX_MANIFEST_OK);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/axproc.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	chmod(tmpdir, 0777); /* a module uid could write here if let through */
	P = ax_platform_find("process");
	assert_non_null(P);
	snprintf(opts, sizeof(opts), "uid_base=%d,timeout_ms=2000", UID_BASE);
	if (P->start(node_key, opts, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	P->stop();
	free(sensor);
	free(controller);
	free(bad);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ax_platform_module *load(const uint8_t *img, size_t len,
				       uint32_t instance, uint8_t meas[32])
{
	struct ax_platform_module *m = NULL;
	uint8_t own[32], auth[AX_PLATFORM_AUTH_LEN];
	char err[256] = "";

	/* The daemon's path: the node key is in the monitor only; the load
	 * authorization is the deployer's, as LOAD_MODULE carries it. */
	assert_int_equal(ax_manifest_measure(img, len, own), AX_MANIFEST_OK);
	assert_int_equal(ax_modmsg_load_auth(node_key, instance, own, auth),
			 AX_OK);
	if (P->load(img, len, instance, NULL, auth, emit, NULL, &m, meas, err,
		    sizeof(err)) != 0)
		fail_msg("load: %s", err);
	assert_non_null(m);
	return m;
}

static int call(struct ax_platform_module *m, uint16_t entry,
		const void *arg, size_t len, uint8_t *out, size_t cap,
		size_t *out_len)
{
	uint8_t msg[300];

	assert_true(len <= sizeof(msg) - 3);
	msg[0] = AX_MSG_CALL;
	ax_store_be16(msg + 1, entry);
	if (len > 0)
		memcpy(msg + 3, arg, len);
	return P->handle(m, msg, 3 + len, out, cap, out_len);
}

/* A field of /proc/PID/status, e.g. "Seccomp:", copied into out. */
static int proc_field(int pid, const char *name, char *out, size_t cap)
{
	char path[64], line[256];
	FILE *fp;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp))
		if (strncmp(line, name, strlen(name)) == 0) {
			snprintf(out, cap, "%s", line + strlen(name));
			found = 1;
		}
	fclose(fp);
	return found ? 0 : -1;
}

static int count_fds(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Wait (bounded) until pid no longer exists. */
static int gone(int pid)
{
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void test_registry(void **state)
{
	(void)state;
	assert_string_equal(P->name, "process");
	assert_int_equal(P->isolated, 1);
	assert_non_null(strstr(P->protects, "own process"));
	assert_non_null(strstr(ax_platform_names(), "process"));
	assert_true(ax_process_monitor_pid() > 0);
}

static void test_module_is_confined(void **state)
{
	uint8_t meas[32];
	char v[128], path[64];
	struct stat st;
	struct ax_platform_module *m = load(sensor, sensor_len, 1, meas);
	int pid = ax_process_pid(m);
	unsigned r, e, s, f;

	(void)state;
	assert_true(pid > 0);
	assert_int_equal(proc_field(pid, "Seccomp:", v, sizeof(v)), 0);
	assert_int_equal(atoi(v), 2); /* filter mode */
	assert_int_equal(proc_field(pid, "NoNewPrivs:", v, sizeof(v)), 0);
	assert_int_equal(atoi(v), 1);
	assert_int_equal(proc_field(pid, "Uid:", v, sizeof(v)), 0);
	assert_int_equal(sscanf(v, "%u %u %u %u", &r, &e, &s, &f), 4);
	if (geteuid() == 0) {
		assert_true(r >= UID_BASE && r < UID_BASE + 256);
		assert_true(r == e && e == s && s == f);
		assert_int_equal(proc_field(pid, "Groups:", v, sizeof(v)), 0);
		assert_null(strpbrk(v, "0123456789")); /* none */
	} else {
		assert_int_equal(r, getuid());
	}
	/* Non-dumpable: the kernel gives its /proc files to root. */
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	/* Its channel, nothing else; another process of the same uid cannot
	 * even list them (non-dumpable). */
	if (geteuid() == 0)
		assert_int_equal(count_fds(pid), 1);
	else
		assert_int_equal(count_fds(pid), -1);
	P->unload(m);
	assert_true(gone(pid));
}

/* Each misdeed is stopped by seccomp: the call is lost, the process gone,
 * and what it tried did not happen. */
static void misdeed(uint16_t what, const void *arg, size_t len,
		    const char *why)
{
	uint8_t meas[32], out[16];
	size_t out_len = 99;
	struct ax_platform_module *m = load(bad, bad_len, 50 + what, meas);
	int pid = ax_process_pid(m);

	assert_int_equal(P->alive(m), 1);
	assert_int_equal(call(m, what, arg, len, out, sizeof(out), &out_len),
			 AX_E_INTERNAL);
	assert_int_equal(out_len, 0);
	assert_int_equal(P->alive(m), 0);
	assert_non_null(P->lost_why(m));
	if (strstr(P->lost_why(m), why) == NULL &&
	    !(SANITIZED && strstr(P->lost_why(m), "killed by seccomp")))
		fail_msg("misdeed %u: lost because '%s', expected '%s'",
			 (unsigned)what, P->lost_why(m), why);
	assert_int_equal(call(m, 0, "x", 1, out, sizeof(out), &out_len),
			 AX_E_INTERNAL);
	assert_true(gone(pid));
	P->unload(m);
}

static void test_seccomp_kills_misdeeds(void **state)
{
	char file[128], marker[128];
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	uint8_t port[2], out[16];
	size_t out_len = 0;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	uint8_t meas[32];
	struct ax_platform_module *m;

	(void)state;
	/* The control: a well-behaved call of the same image works. */
	n_emit = 0;
	m = load(bad, bad_len, 49, meas);
	assert_int_equal(call(m, 0, "hi", 2, out, sizeof(out), &out_len), AX_OK);
	assert_int_equal(out_len, 2);
	assert_int_equal(n_emit, 1);
	P->unload(m);

	snprintf(file, sizeof(file), "%s/opened", tmpdir);
	misdeed(1, file, strlen(file), "killed by seccomp");
	assert_int_equal(access(file, F_OK), -1);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	ax_store_be16(port, ntohs(sa.sin_port));
	misdeed(2, port, 2, "killed by seccomp");
	assert_int_equal(accept(ls, NULL, NULL), -1); /* nobody connected */
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(ls);

	snprintf(marker, sizeof(marker), "%s/execed", tmpdir);
	misdeed(3, marker, strlen(marker), "killed by seccomp");
	assert_int_equal(access(marker, F_OK), -1);

	misdeed(8, NULL, 0, "killed by seccomp"); /* fork */
	misdeed(9, NULL, 0, "killed by seccomp"); /* ptrace */
}

/* A crash, a loop, too many emits, forged frames: each module is killed
 * and reported, and sensor -> controller events keep flowing meanwhile. */
static void test_failures_contained(void **state)
{
	uint8_t ms[32], mc[32], ks[32], kc[32], msg[64], out[64], ev[64];
	size_t n, out_len, ev_len;
	const uint8_t arg[2] = {0x00, 0xc8};
	struct ax_platform_module *s = load(sensor, sensor_len, 1, ms);
	struct ax_platform_module *c = load(controller, controller_len, 2, mc);
	uint8_t key[16];
	static const struct {
		uint16_t what;
		const char *why;
	} bad_[] = {
		{4, CRASH_WHY},
		{5, "no answer within the timeout; killed"},
		{6, "emitted too many messages in one call"},
		{7, "sent a frame of a bad length"},
		{10, "broke the channel protocol"},
	};
	const struct ax_manifest_ep *rd = ax_manifest_find(&man_s, "reading",
							   AX_EP_OUTPUT);
	const struct ax_manifest_ep *sm = ax_manifest_find(&man_s, "sample",
							   AX_EP_ENTRY);
	const struct ax_manifest_ep *add = ax_manifest_find(&man_c, "add",
							    AX_EP_INPUT);

	(void)state;
	memset(key, 0x33, sizeof(key));
	assert_int_equal(ax_modmsg_module_key(node_key, 1, ms, ks), AX_OK);
	assert_int_equal(ax_modmsg_module_key(node_key, 2, mc, kc), AX_OK);
	assert_int_equal(ax_modmsg_set_key(ks, 1, 5, rd->id, AX_AEAD_AES128GCM,
					   key, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(P->handle(s, msg, n, out, sizeof(out), &out_len), AX_OK);
	assert_int_equal(ax_modmsg_set_key(kc, 1, 5, add->id, AX_AEAD_AES128GCM,
					   key, msg, sizeof(msg), &n), AX_OK);
	assert_int_equal(P->handle(c, msg, n, out, sizeof(out), &out_len), AX_OK);
	for (size_t i = 0; i < sizeof(bad_) / sizeof(bad_[0]); i++) {
		n_emit = 0;
		misdeed(bad_[i].what, "e", 1, bad_[i].why);
		if (bad_[i].what == 6) /* delivered up to the limit, then killed */
			assert_int_equal(n_emit, AX_PROCESS_EMITS_MAX);
		/* The neighbours still talk. */
		n_emit = 0;
		assert_int_equal(call(s, sm->id, arg, 2, out, sizeof(out),
				      &out_len), AX_OK);
		assert_int_equal(n_emit, 1);
		ev_len = last_len;
		memcpy(ev, last, ev_len);
		assert_int_equal(P->handle(c, ev, ev_len, out, sizeof(out),
					   &out_len), AX_OK);
		assert_int_equal(P->alive(s), 1);
		assert_int_equal(P->alive(c), 1);
	}
	P->unload(s);
	P->unload(c);
}

/* A module killed while idle (OOM killer, an administrator) is noticed by
 * alive() without a call. */
static void test_killed_while_idle(void **state)
{
	uint8_t meas[32];
	struct ax_platform_module *m = load(sensor, sensor_len, 9, meas);
	int pid = ax_process_pid(m), i;

	(void)state;
	assert_int_equal(P->alive(m), 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	for (i = 0; i < WAIT_STEPS && P->alive(m); i++)
		usleep(10000);
	assert_int_equal(P->alive(m), 0);
	assert_non_null(strstr(P->lost_why(m), "ended"));
	P->unload(m);
}

/* In a child that became `uid`: try every way to read pid's memory.
 * Returns a bit per way that worked (0 = all refused). */
static int attack_as(uid_t uid, int pid)
{
	char path[64], byte;
	struct iovec local = {&byte, 1}, remote = {(void *)0x400000, 1};
	pid_t child = fork();
	int st = 0, fd;

	if (child == 0) {
		int got = 0;
		if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(64);
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		if ((fd = open(path, O_RDONLY)) >= 0) {
			got |= 1;
			close(fd);
		}
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0)
			got |= 2;
		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) >= 0 ||
		    errno != EPERM)
			got |= 4;
		snprintf(path, sizeof(path), "/proc/%d/environ", pid);
		if ((fd = open(path, O_RDONLY)) >= 0) {
			got |= 8;
			close(fd);
		}
		_exit(got);
	}
	assert_true(child > 0);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_memory_attacks(void **state)
{
	uint8_t meas[32];
	struct ax_platform_module *m;
	char v[128];
	unsigned uid;
	int pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: needs root (drops to another uid)\n");
		skip();
	}
	m = load(sensor, sensor_len, 1, meas);
	pid = ax_process_pid(m);
	assert_int_equal(proc_field(pid, "Uid:", v, sizeof(v)), 0);
	uid = (unsigned)atoi(v);
	/* The event manager's uid, then the module's own (non-dumpable). */
	assert_int_equal(attack_as(UID_BASE - 1, pid), 0);
	assert_int_equal(attack_as(uid, pid), 0);
	/* The monitor, holder of K_node. */
	assert_int_equal(attack_as(UID_BASE - 1, ax_process_monitor_pid()), 0);
	P->unload(m);
}

static void test_start_options(void **state)
{
	char err[256] = "";
	char opts[64];

	(void)state;
	assert_int_equal(P->start(node_key, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already started"));
	P->stop();
	assert_int_equal(ax_process_monitor_pid(), -1);
	assert_int_equal(P->start(node_key, "uid_base=5", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "uid_base=N"));
	assert_int_equal(P->start(node_key, "colour=blue", err, sizeof(err)), -1);
	assert_int_equal(P->start(node_key, "host=/nonexistent/modhost", err,
				  sizeof(err)), -1);
	assert_non_null(strstr(err, "not found"));
	assert_int_equal(P->start(NULL, NULL, err, sizeof(err)), -1);
	snprintf(opts, sizeof(opts), "uid_base=%d,timeout_ms=2000", UID_BASE);
	assert_int_equal(P->start(node_key, opts, err, sizeof(err)), 0);
}

static int open_fds(void)
{
	return count_fds((int)getpid());
}

/* The channel framing: lengths checked before anything is read or
 * allocated, EOF inside a frame is an error, unwanted descriptors are
 * closed, the buffered reader reassembles frames from any chunking. */
static void test_channel_framing(void **state)
{
	int sv[2], before;
	uint8_t hdr[5] = {0xff, 0xff, 0xff, 0xff, 0x82}, *buf = NULL;
	uint8_t stream[64], rx[64];
	struct axp_rbuf rb = {rx, sizeof(rx), 0, 0};
	struct axp_frame f;
	size_t n = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* 4 GiB length: refused, nothing allocated. */
	assert_int_equal(write(sv[0], hdr, 5), 5);
	assert_int_equal(axp_chan_recv(sv[1], &buf, 0, 100, 1000, NULL, &f),
			 AXP_E_TOO_LARGE);
	assert_null(buf);
	/* Length 0. */
	memset(hdr, 0, 4);
	assert_int_equal(write(sv[0], hdr, 5), 5);
	assert_int_equal(axp_chan_recv(sv[1], &buf, 0, 100, 1000, NULL, &f),
			 AXP_E_EMPTY);
	/* Nothing sent: a bounded wait ends in TIMEOUT. */
	assert_int_equal(axp_chan_recv(sv[1], &buf, 0, 100, 10, NULL, &f),
			 AXP_E_TIMEOUT);
	/* A descriptor nobody asked for is closed on arrival. */
	before = open_fds();
	assert_int_equal(axp_chan_send(sv[0], AXP_EMIT, (const uint8_t *)"x", 1,
				       NULL, 0, sv[0]), AXP_OK);
	assert_int_equal(axp_chan_recv(sv[1], &buf, 0, 100, 1000, NULL, &f),
			 AXP_OK);
	assert_int_equal(f.body_len, 1);
	free(buf);
	buf = NULL;
	assert_int_equal(open_fds(), before);
	/* Three frames, fed one byte at a time to the buffered reader. */
	for (int i = 0; i < 3; i++)
		n += axp_chan_put(stream + n, (uint8_t)(AXP_EMIT + i),
				  (const uint8_t *)"abc", (size_t)i + 1, NULL, 0);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(write(sv[0], stream + k, 1), 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(axp_chan_recv_buf(sv[1], &rb, 16, 1000, &f),
				 AXP_OK);
		assert_int_equal(f.type, AXP_EMIT + i);
		assert_int_equal(f.body_len, (size_t)i + 1);
		assert_memory_equal(f.body, "abc", (size_t)i + 1);
	}
	/* A frame the reader's buffer cannot hold; then EOF mid-frame. */
	n = axp_chan_put(stream, AXP_EMIT, (const uint8_t *)"abcdef", 6, NULL, 0);
	assert_int_equal(write(sv[0], stream, n), (ssize_t)n);
	assert_int_equal(axp_chan_recv_buf(sv[1], &rb, 5, 1000, &f),
			 AXP_E_TOO_LARGE);
	assert_int_equal(write(sv[0], stream, 7), 7);
	close(sv[0]);
	assert_int_equal(axp_chan_recv(sv[1], &buf, 0, 100, 1000, NULL, &f),
			 AXP_E_IO);
	free(buf);
	close(sv[1]);
}

/* A monitor of our own, spoken to directly: it holds the node key, so it
 * treats the daemon's requests as untrusted. */
static int spawn_monitor(pid_t *pid)
{
	struct axp_monitor_cfg cfg;
	char err[256];
	int fd = -1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.uid_base = UID_BASE + 500;
	assert_true(readlink("/proc/self/exe", cfg.host, sizeof(cfg.host) - 1) > 0);
	*strrchr(cfg.host, '/') = '\0';
	strncat(cfg.host, "/authex-modhost", sizeof(cfg.host) - strlen(cfg.host) - 1);
	if (axp_monitor_spawn(node_key, &cfg, &fd, pid, err, sizeof(err)) != 0)
		fail_msg("spawn: %s", err);
	return fd;
}

/* The monitor exits (closing the socket) on a malformed request. */
static void expect_monitor_exit(const uint8_t *req, size_t len)
{
	pid_t pid;
	int fd = spawn_monitor(&pid), st = 0;
	uint8_t b;

	assert_int_equal(write(fd, req, len), (ssize_t)len);
	assert_int_equal(read(fd, &b, 1), 0); /* EOF: it is gone */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	close(fd);
}

static void test_monitor_protocol(void **state)
{
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, AXP_M_LOAD};
	static const uint8_t kill3[] = {0, 0, 0, 4, AXP_M_KILL, 0, 0, 1};
	static const uint8_t other[] = {0, 0, 0, 1, AXP_INIT};
	uint8_t inst[4] = {0, 0, 0, 5}, id[4] = {0, 0, 0, 99}, *buf = NULL;
	struct axp_frame f;
	pid_t pid;
	int fd, chan = -1, st = 0;

	(void)state;
	expect_monitor_exit(huge, sizeof(huge)); /* 4 GiB: no allocation */
	expect_monitor_exit(kill3, sizeof(kill3)); /* M_KILL of 3 bytes */
	expect_monitor_exit(other, sizeof(other)); /* not a request */

	fd = spawn_monitor(&pid);
	/* A garbage image: an error text, the monitor keeps serving. */
	assert_int_equal(axp_chan_send(fd, AXP_M_LOAD, inst, 4,
				       (const uint8_t *)"garbage", 7, -1), AXP_OK);
	assert_int_equal(axp_chan_recv(fd, &buf, 0, AXP_REPLY_BODY_MAX, 30000,
				       &chan, &f), AXP_OK);
	assert_int_equal(f.type, AXP_M_ERROR);
	assert_int_equal(chan, -1);
	free(buf);
	buf = NULL;
	/* A real image: its channel and measurement. */
	assert_int_equal(axp_chan_send(fd, AXP_M_LOAD, inst, 4, sensor,
				       sensor_len, -1), AXP_OK);
	assert_int_equal(axp_chan_recv(fd, &buf, 0, AXP_REPLY_BODY_MAX, 30000,
				       &chan, &f), AXP_OK);
	assert_int_equal(f.type, AXP_M_LOADED);
	assert_int_equal(f.body_len, AXP_LOADED_LEN);
	assert_true(chan >= 0);
	memcpy(id, f.body, 4);
	free(buf);
	buf = NULL;
	/* KILL of that id reports a SIGKILL; again, an unknown id. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(axp_chan_send(fd, AXP_M_KILL, id, 4, NULL, 0,
					       -1), AXP_OK);
		assert_int_equal(axp_chan_recv(fd, &buf, 0, AXP_REPLY_BODY_MAX,
					       30000, NULL, &f), AXP_OK);
		assert_int_equal(f.type, AXP_M_KILLED);
		assert_int_equal(f.body_len, 8);
		if (i == 0)
			assert_true(WIFSIGNALED((int)ax_load_be32(f.body + 4)));
		else
			assert_int_equal(ax_load_be32(f.body + 4), 0xffffffffu);
		free(buf);
		buf = NULL;
	}
	close(chan);
	close(fd); /* EOF: the monitor ends */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_channel_framing),
		cmocka_unit_test(test_monitor_protocol),
		cmocka_unit_test(test_module_is_confined),
		cmocka_unit_test(test_seccomp_kills_misdeeds),
		cmocka_unit_test(test_failures_contained),
		cmocka_unit_test(test_killed_while_idle),
		cmocka_unit_test(test_memory_attacks),
		cmocka_unit_test(test_start_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
