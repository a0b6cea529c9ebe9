/*
 * axp_monitor.c - the key holder of the `process` platform; see
 * axp_monitor.h. Everything here after the fork runs in the monitor
 * process, which leaves only through _exit.
 */
#define _GNU_SOURCE /* close_range */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "axp_chan.h"
#include "axp_host.h"
#include "axp_monitor.h"
#include "axp_sandbox.h"

#define MON_FD 3

struct kid {
	bool used;
	bool dead;   /* reaped; status holds its wait status */
	int status;
	uint32_t id;
	pid_t pid;
};

struct mon {
	uint8_t k_node[32];
	struct axp_monitor_cfg cfg;
	struct kid kids[AXP_MONITOR_MAX_MODULES];
	uint32_t next_id;
	bool root;
};

uint32_t axp_monitor_uid(const struct axp_monitor_cfg *cfg, size_t slot)
{
	return cfg->uid_base + (uint32_t)slot;
}

static void reply_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void reply_error(const char *fmt, ...)
{
	char text[AXP_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	(void)axp_chan_send(MON_FD, AXP_M_ERROR, (const uint8_t *)text,
			    strlen(text), NULL, 0, -1);
}

/* Note the wait status of exited hosts; their slots are given back when
 * the daemon sends M_KILL (it always does, for every lost module). */
static void reap(struct mon *m)
{
	pid_t p;
	int status;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < AXP_MONITOR_MAX_MODULES; i++)
			if (m->kids[i].used && !m->kids[i].dead &&
			    m->kids[i].pid == p) {
				m->kids[i].dead = true;
				m->kids[i].status = status;
			}
}

/* SIGKILL and reap (unless it already exited); returns its wait status. */
static int kill_kid(struct kid *k)
{
	int status = k->status;

	if (!k->dead) {
		kill(k->pid, SIGKILL);
		while (waitpid(k->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	k->used = false;
	k->dead = false;
	return status;
}

/* In the forked host child: channel at AXP_HOST_FD, nothing else open,
 * own credentials, then exec. Never returns. */
static void host_exec(const struct mon *m, int chan, size_t slot)
{
	char *const argv[] = {(char *)AXP_HOST_NAME, NULL};
	char *const envp[] = {NULL};
	char err[AXP_TEXT_MAX];
	uid_t uid = axp_monitor_uid(&m->cfg, slot);

	if (chan == AXP_HOST_FD)
		(void)fcntl(chan, F_SETFD, 0);
	else if (dup2(chan, AXP_HOST_FD) != AXP_HOST_FD)
		_exit(126);
	close_range(0, AXP_HOST_FD - 1, 0);
	close_range(AXP_HOST_FD + 1, ~0u, 0);
	if (m->root && axp_sandbox_creds(uid, uid, err, sizeof(err)) != 0)
		_exit(126);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	execve(m->cfg.host, argv, envp);
	_exit(127);
}

/* Wait for READY; returns 0 when the host started, else fills why. */
static int await_ready(int chan, char *why, size_t whylen)
{
	uint8_t buf[1 + AXP_TEXT_MAX], *p = buf;
	struct axp_frame f;
	axp_chan_status st = axp_chan_recv(chan, &p, sizeof(buf), sizeof(buf),
					   AXP_HOST_READY_TIMEOUT_MS, NULL, &f);

	if (st != AXP_OK) {
		snprintf(why, whylen, "module host did not start: %s",
			 st == AXP_E_CLOSED ? "it exited (cannot run "
			 AXP_HOST_NAME "?)" : axp_chan_status_name(st));
		return -1;
	}
	if (f.type != AXP_READY || f.body_len < 1) {
		snprintf(why, whylen, "module host broke the protocol");
		return -1;
	}
	if (f.body[0] == 0)
		return 0;
	snprintf(why, whylen, "%.*s", (int)(f.body_len - 1), f.body + 1);
	return -1;
}

/* Fork the host for slot, send INIT; returns its channel or -1 + why. */
static int start_host(struct mon *m, size_t slot, const uint8_t *init,
		      const uint8_t *image, size_t len, pid_t *pid, char *why,
		      size_t whylen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid == 0)
		host_exec(m, sv[1], slot);
	close(sv[1]);
	if (*pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	if (axp_chan_send(sv[0], AXP_INIT, init, AXP_INIT_FIXED, image, len,
			  -1) != AXP_OK || await_ready(sv[0], why, whylen) != 0) {
		if (why[0] == '\0')
			snprintf(why, whylen, "module host exited at start");
		close(sv[0]);
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		return -1;
	}
	return sv[0];
}

static size_t free_slot(const struct mon *m)
{
	size_t i = 0;

	while (i < AXP_MONITOR_MAX_MODULES && m->kids[i].used)
		i++;
	return i;
}

/* M_LOAD: instance(4) image(n). Secrets wiped at out. */
static void do_load(struct mon *m, const uint8_t *body, size_t len)
{
	uint8_t init[AXP_INIT_FIXED], reply[AXP_LOADED_LEN];
	uint8_t *meas = reply + 8;
	char why[AXP_TEXT_MAX] = "";
	size_t slot = free_slot(m);
	pid_t pid = -1;
	int chan;

	if (len <= AXP_LOAD_FIXED) {
		reply_error("empty image");
		goto out;
	}
	if (slot == AXP_MONITOR_MAX_MODULES) {
		reply_error("monitor: %d modules running", AXP_MONITOR_MAX_MODULES);
		goto out;
	}
	memcpy(init, body, 4);
	if (ax_manifest_measure(body + 4, len - 4, meas) != AX_MANIFEST_OK ||
	    ax_modmsg_module_key(m->k_node, ax_load_be32(body), meas,
				 init + 4) != AX_OK) {
		reply_error("measuring the image or deriving its key failed");
		goto out;
	}
	chan = start_host(m, slot, init, body + 4, len - 4, &pid, why,
			  sizeof(why));
	if (chan < 0) {
		reply_error("%s", why);
		goto out;
	}
	m->kids[slot] = (struct kid){true, false, 0, m->next_id++, pid};
	ax_store_be32(reply, m->kids[slot].id);
	ax_store_be32(reply + 4, (uint32_t)pid);
	(void)axp_chan_send(MON_FD, AXP_M_LOADED, reply, sizeof(reply), NULL,
			    0, chan);
	close(chan);
out:
	ax_wipe(init, sizeof(init));
}

/* M_KILL: id(4) -> M_KILLED: id(4) wait_status(4) (0xffffffff: unknown
 * id, e.g. already killed). */
static void do_kill(struct mon *m, const uint8_t *body, size_t len)
{
	uint8_t reply[8];
	uint32_t id, status = 0xffffffffu;

	if (len != 4)
		_exit(2);
	id = ax_load_be32(body);
	for (size_t i = 0; i < AXP_MONITOR_MAX_MODULES; i++)
		if (m->kids[i].used && m->kids[i].id == id)
			status = (uint32_t)kill_kid(&m->kids[i]);
	memcpy(reply, body, 4);
	ax_store_be32(reply + 4, status);
	(void)axp_chan_send(MON_FD, AXP_M_KILLED, reply, sizeof(reply), NULL, 0,
			    -1);
}

static void serve(struct mon *m)
{
	for (;;) {
		uint8_t *buf = NULL;
		struct axp_frame f;
		axp_chan_status st = axp_chan_recv(MON_FD, &buf, 0,
						   AXP_LOAD_BODY_MAX, -1, NULL,
						   &f);
		reap(m);
		if (st != AXP_OK) {
			free(buf);
			return;
		}
		if (f.type == AXP_M_LOAD)
			do_load(m, f.body, f.body_len);
		else if (f.type == AXP_M_KILL)
			do_kill(m, f.body, f.body_len);
		else
			st = AXP_E_IO;
		free(buf);
		if (st != AXP_OK)
			return;
	}
}

/* The monitor process: never returns. */
static void monitor_main(struct mon *m, int sock, pid_t daemon)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 ||
	    getppid() != daemon || dup2(sock, MON_FD) != MON_FD)
		_exit(1);
	close_range(MON_FD + 1, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	m->root = geteuid() == 0;
	m->next_id = 1;
	serve(m);
	for (size_t i = 0; i < AXP_MONITOR_MAX_MODULES; i++)
		if (m->kids[i].used)
			(void)kill_kid(&m->kids[i]);
	ax_wipe(m->k_node, sizeof(m->k_node));
	_exit(0);
}

int axp_monitor_spawn(const uint8_t k_node[32],
		      const struct axp_monitor_cfg *cfg, int *fd, pid_t *pid,
		      char *err, size_t errlen)
{
	static struct mon m; /* in the monitor only; the daemon's is zero */
	pid_t daemon = getpid();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid == 0) {
		memcpy(m.k_node, k_node, sizeof(m.k_node));
		m.cfg = *cfg;
		close(sv[0]);
		monitor_main(&m, sv[1], daemon);
	}
	close(sv[1]);
	if (*pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	*fd = sv[0];
	return 0;
}
