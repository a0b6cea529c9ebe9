/*
 * axp_monitor.h - the `process` platform's key holder ("monitor").
 *
 * A small process, forked from the daemon while the daemon still holds the
 * node key and its privileges, that alone keeps K_node afterwards. On one
 * Unix socket it serves two requests from the daemon (axp_chan.h):
 *
 *   M_LOAD(instance, image)  measure the image (SHA-256), derive
 *       K_M = HKDF(K_node, "authex module" || instance || measurement),
 *       start the module host (fork; own uid when root; every descriptor
 *       but the new channel closed; exec authex-modhost with an empty
 *       environment), send it INIT(instance, K_M, image), wait for READY
 *       (the host is then confined), and hand the daemon the host's
 *       channel (SCM_RIGHTS) with M_LOADED(id, pid, measurement); or
 *       M_ERROR(text). K_M is wiped before the reply.
 *   M_KILL(id)  SIGKILL the host of that load and reap it; M_KILLED(id).
 *
 * The monitor is non-dumpable, dies with the daemon (PR_SET_PDEATHSIG) and
 * on EOF from it kills every module host. Any malformed request ends the
 * monitor (the daemon broke the protocol). It never prints.
 */
#ifndef AXP_MONITOR_H
#define AXP_MONITOR_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AXP_MONITOR_MAX_MODULES 256  /* = NODE_MAX_MODULES */
#define AXP_MONITOR_UID_BASE 60000   /* module uid = base + slot (root) */

struct axp_monitor_cfg {
	char host[PATH_MAX];  /* authex-modhost */
	uint32_t uid_base;    /* used only when the monitor runs as root */
};

/*
 * axp_monitor_spawn - fork the monitor with a copy of k_node (the caller
 * may wipe its own afterwards). *fd: the daemon's end of the socket
 * (close-on-exec); *pid: the monitor. Returns 0, or -1 with err.
 */
int axp_monitor_spawn(const uint8_t k_node[32],
	const struct axp_monitor_cfg *cfg, int *fd, pid_t *pid, char *err,
	size_t errlen);

/* axp_monitor_uid - the uid the module of slot `slot` runs under as root. */
uint32_t axp_monitor_uid(const struct axp_monitor_cfg *cfg, size_t slot);

#endif /* AXP_MONITOR_H */
