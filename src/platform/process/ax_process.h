/*
 * ax_process.h - the `process` platform: each module in its own OS
 * process (authex-modhost) under its own uid (when the node runs as
 * root), non-dumpable, NO_NEW_PRIVS, resource limits and a seccomp
 * allow-list that ends in kill; the node key stays in a separate monitor
 * process (axp_monitor.h), never in the event manager once start() ran.
 * The contract is include/authex/platform.h; docs/security.md says what
 * it protects from whom (the OS kernel is trusted).
 *
 * Options (start's `options`, comma-separated key=value):
 *   uid_base=N     module uids N, N+1, ... when run as root (60000)
 *   timeout_ms=N   longest a module may take for one message (5000); a
 *                  module over it is killed and reported lost
 *   host=PATH      the module host program (default: authex-modhost in
 *                  the directory of the running executable)
 */
#ifndef AX_PROCESS_H
#define AX_PROCESS_H

#include <authex/platform.h>

#define AX_PROCESS_TIMEOUT_MS 5000
#define AX_PROCESS_EMITS_MAX 4096 /* emitted messages per handle call */

/* The backend's ops table (name "process", isolated = 1). */
extern const struct ax_platform_ops ax_process_platform;

/* ax_process_pid - the module host's process id (for tests and logs). */
int ax_process_pid(const struct ax_platform_module *m);

/* ax_process_monitor_pid - the monitor's process id, or -1. */
int ax_process_monitor_pid(void);

#endif /* AX_PROCESS_H */
