/*
 * axp_sandbox.c - confinement of a module host; see axp_sandbox.h.
 */
#define _GNU_SOURCE /* setresuid, setgroups */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <seccomp.h>

#include "axp_sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define AXP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AXP_ASAN 1
#endif
#endif

int axp_sandbox_creds(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "dropping to uid %u: %s", (unsigned)uid,
			 strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) != 0 || getresgid(&gr, &ge, &gs) != 0 ||
	    r != uid || e != uid || s != uid || gr != gid || ge != gid ||
	    gs != gid || setresuid(0, 0, 0) == 0) {
		snprintf(err, errlen, "uid %u: credentials not dropped",
			 (unsigned)uid);
		return -1;
	}
	return 0;
}

static int limit(int res, rlim_t v, const char *what, char *err,
		 size_t errlen)
{
	struct rlimit rl = {v, v};

	if (setrlimit(res, &rl) == 0)
		return 0;
	snprintf(err, errlen, "setrlimit %s: %s", what, strerror(errno));
	return -1;
}

int axp_sandbox_limits(char *err, size_t errlen)
{
	if (limit(RLIMIT_CORE, 0, "core", err, errlen) != 0 ||
	    limit(RLIMIT_FSIZE, 0, "fsize", err, errlen) != 0 ||
	    limit(RLIMIT_NPROC, 0, "nproc", err, errlen) != 0 ||
	    limit(RLIMIT_NOFILE, 0, "nofile", err, errlen) != 0)
		return -1;
#ifndef AXP_ASAN
	if (limit(RLIMIT_AS, AXP_SANDBOX_AS_MAX, "as", err, errlen) != 0)
		return -1;
#endif
	return 0;
}

/* The allow-list. Every rule is added or the whole filter is refused. */
static int rules(scmp_filter_ctx ctx, int fd)
{
	static const int plain[] = {
		SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(brk),
		SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
		SCMP_SYS(futex), SCMP_SYS(getrandom), SCMP_SYS(getpid),
		SCMP_SYS(clock_gettime), SCMP_SYS(rt_sigreturn),
	};
	/* Spelled out: the SCMP_Ax macros leave datum_b to the compiler. */
	const struct scmp_arg_cmp on_fd = {.arg = 0, .op = SCMP_CMP_EQ,
					   .datum_a = (scmp_datum_t)fd,
					   .datum_b = 0};
	const struct scmp_arg_cmp no_exec = {.arg = 2, .op = SCMP_CMP_MASKED_EQ,
					     .datum_a = PROT_EXEC,
					     .datum_b = 0};
	int rc = 0;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1, on_fd);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1, on_fd);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, no_exec);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			       no_exec);
#ifdef AXP_ASAN
	/* ASan's allocator sets up and tears down alternate signal stacks;
	 * only sanitizer builds allow it. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
#endif
	return rc == 0 ? 0 : -1;
}

int axp_sandbox_enter(int chan_fd, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	if (rules(ctx, chan_fd) != 0)
		snprintf(err, errlen, "seccomp: adding a rule failed");
	else if (seccomp_load(ctx) != 0)
		snprintf(err, errlen, "seccomp_load failed");
	else
		rc = 0;
	seccomp_release(ctx);
	return rc;
}
