/*
 * axp_sandbox.h - what confines a module host process (`process`
 * platform). Applied in this order:
 *
 *  1. axp_sandbox_creds (monitor, in the forked child, before exec; only
 *     when the monitor runs as root): no supplementary groups, then the
 *     module's own gid and uid (real, effective, saved), checked.
 *  2. the host program (authex-modhost) after it loaded the image:
 *     axp_sandbox_limits: core 0, file size 0, processes 0, open files 0
 *     (no new descriptor can be made), address space (not under ASan,
 *     which reserves terabytes of shadow memory);
 *     axp_sandbox_enter: non-dumpable, NO_NEW_PRIVS, then a seccomp
 *     allow-list that ends in "kill the process": recvmsg/sendmsg on the
 *     channel descriptor only, exit, memory management without PROT_EXEC,
 *     futex, getrandom, getpid, clock_gettime, rt_sigreturn. Anything
 *     else (open, socket, execve, fork, ptrace, ...) kills the process
 *     with SIGSYS before the call runs.
 *
 * Each function returns 0, or -1 with err filled (one line).
 */
#ifndef AXP_SANDBOX_H
#define AXP_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#define AXP_SANDBOX_AS_MAX (1024ul * 1024ul * 1024ul) /* 1 GiB */

int axp_sandbox_creds(uid_t uid, gid_t gid, char *err, size_t errlen);
int axp_sandbox_limits(char *err, size_t errlen);
/* chan_fd: the only descriptor recvmsg/sendmsg may use. */
int axp_sandbox_enter(int chan_fd, char *err, size_t errlen);

#endif /* AXP_SANDBOX_H */
