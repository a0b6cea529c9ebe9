/*
 * axp_host_main.c - authex-modhost, the program one module runs in under
 * the `process` platform. The monitor starts it (exec, so nothing of the
 * monitor's memory, K_node included, is inherited) with exactly one open
 * descriptor, AXP_HOST_FD: its channel. It
 *
 *   1. reads INIT (instance, K_M, image) and loads the image from a memfd
 *      (dlopen), checks the module ABI, calls authex_module_init with K_M
 *      and wipes every copy of K_M it had;
 *   2. confines itself (axp_sandbox.h: limits, non-dumpable,
 *      NO_NEW_PRIVS, seccomp) and answers READY;
 *   3. serves MSG frames: each one is passed to authex_module_handle; the
 *      module's emitted messages go out as EMIT frames during the call,
 *      its answer as one ANSWER frame after it.
 *
 * A malformed frame from the daemon ends the process (exit 2); EOF ends
 * it cleanly (exit 0). It never prints: it has no descriptor to print on.
 */
#define _GNU_SOURCE /* memfd_create */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_glue.h"
#include "axp_chan.h"
#include "axp_host.h"
#include "axp_sandbox.h"

typedef uint32_t (*abi_fn)(void);
typedef int (*init_fn)(uint32_t, const uint8_t *, ax_emit_fn, void *);
typedef int (*handle_fn)(const uint8_t *, size_t, uint8_t *, size_t,
			 size_t *);

#define OBUF_MAX (64u * 1024u) /* EMIT frames wait here for the ANSWER */

static handle_fn module_handle;
static uint8_t in_buf[2 * (AXP_HDR_LEN + AXP_MSG_BODY_MAX)];
static uint8_t out_buf[AX_MODULE_MSG_MAX];
static uint8_t obuf[OBUF_MAX];
static size_t olen;

/* Send what is buffered (one system call for EMIT* ANSWER). */
static int flush(void)
{
	axp_chan_status st = axp_chan_write(AXP_HOST_FD, obuf, olen);

	olen = 0;
	return st == AXP_OK ? 0 : -1;
}

/* Buffer one outgoing frame, flushing first when it does not fit. */
static int out_frame(uint8_t type, const uint8_t *a, size_t a_len,
		     const uint8_t *b, size_t b_len)
{
	if (olen + AXP_HDR_LEN + a_len + b_len > sizeof(obuf) && flush() != 0)
		return -1;
	olen += axp_chan_put(obuf + olen, type, a, a_len, b, b_len);
	return 0;
}

/* Leave by the raw exit_group call: libc's _exit may be intercepted (a
 * sanitizer's leak check at exit makes system calls seccomp forbids). */
static __attribute__((noreturn)) void host_exit(int code)
{
	syscall(SYS_exit_group, code);
	for (;;)
		;
}

static int ready(int st, const char *text)
{
	uint8_t s = (uint8_t)st;

	return axp_chan_send(AXP_HOST_FD, AXP_READY, &s, 1,
			     (const uint8_t *)text, strlen(text), -1) == AXP_OK
		       ? 0 : -1;
}

static int image_memfd(const uint8_t *image, size_t len)
{
	int fd = memfd_create("authex-module", MFD_CLOEXEC);
	size_t done = 0;

	while (fd >= 0 && done < len) {
		ssize_t w = write(fd, image + done, len - done);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	return fd;
}

/* dlopen the image and resolve the ABI; returns init or NULL + err. */
static init_fn open_image(const uint8_t *image, size_t len, char *err,
			  size_t errlen)
{
	char path[64];
	int fd = image_memfd(image, len);
	void *dl;
	abi_fn abi;
	init_fn init;
	const char *why;

	if (fd < 0) {
		snprintf(err, errlen, "cannot write the image to a memfd");
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	close(fd); /* one module per process: the mapping stays */
	if (dl == NULL) {
		why = dlerror();
		snprintf(err, errlen, "image is not a loadable shared object: %s",
			 why ? why : "dlopen failed");
		return NULL;
	}
	abi = (abi_fn)dlsym(dl, "authex_module_abi");
	init = (init_fn)dlsym(dl, "authex_module_init");
	module_handle = (handle_fn)dlsym(dl, "authex_module_handle");
	if (abi == NULL || init == NULL || module_handle == NULL) {
		snprintf(err, errlen, "image does not export the authex module "
			 "ABI (authex_module_abi/init/handle): not built as an "
			 "authex module");
		return NULL;
	}
	if (abi() != AX_MODULE_ABI_VERSION) {
		snprintf(err, errlen, "module ABI version %u, this node speaks "
			 "version %u: rebuild the module", (unsigned)abi(),
			 (unsigned)AX_MODULE_ABI_VERSION);
		return NULL;
	}
	return init;
}

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	if (len == 0 || len > AX_MODULE_MSG_MAX)
		return -1;
	return out_frame(AXP_EMIT, msg, len, NULL, 0);
}

/* Touch every algorithm once so that the crypto library has loaded and
 * cached all it needs (it may open files on first use) before seccomp. */
static int warm_up(void)
{
	uint8_t key[32] = {0}, iv[AX_AEAD_IV_LEN] = {0}, buf[16] = {0};
	uint8_t tag[AX_AEAD_TAG_LEN];

	return (ax_aead_seal(AX_AEAD_AES128GCM, key, iv, NULL, 0, buf, 16, buf,
			     tag) == AX_CRYPTO_OK &&
		ax_aead_seal(AX_AEAD_CHACHA20POLY1305, key, iv, NULL, 0, buf,
			     16, buf, tag) == AX_CRYPTO_OK &&
		ax_random(buf, sizeof(buf)) == AX_CRYPTO_OK) ? 0 : -1;
}

/* Step 1 and 2; returns 0 when READY(0) was sent. K_M is wiped at out. */
static int start(uint8_t *body, size_t len)
{
	uint8_t k_m[AX_MODULE_KEY_LEN];
	char err[AXP_TEXT_MAX];
	init_fn init;
	int st, rc = -1;

	err[0] = '\0';
	memcpy(k_m, body + 4, sizeof(k_m));
	ax_wipe(body + 4, sizeof(k_m));
	init = open_image(body + AXP_INIT_FIXED, len - AXP_INIT_FIXED, err,
			  sizeof(err));
	if (init == NULL)
		goto out;
	st = init(ax_load_be32(body), k_m, emit, NULL);
	if (st != AX_OK) {
		snprintf(err, sizeof(err), "authex_module_init refused (%d)", st);
		goto out;
	}
	if (warm_up() != 0) {
		snprintf(err, sizeof(err), "crypto provider failed");
		goto out;
	}
	if (axp_sandbox_limits(err, sizeof(err)) != 0 ||
	    axp_sandbox_enter(AXP_HOST_FD, err, sizeof(err)) != 0)
		goto out;
	rc = 0;
out:
	ax_wipe(k_m, sizeof(k_m));
	if (rc != 0)
		(void)ready(1, err);
	else if (ready(0, "") != 0)
		rc = -1;
	return rc;
}

/* One MSG: out_cap(4) msg(n) -> EMIT* ANSWER. */
static int serve(const struct axp_frame *f)
{
	size_t cap, out_len = 0;
	uint8_t st;

	if (f->type != AXP_MSG || f->body_len < 4)
		return -1;
	cap = ax_load_be32(f->body);
	if (cap > sizeof(out_buf))
		cap = sizeof(out_buf);
	st = (uint8_t)module_handle(f->body + 4, f->body_len - 4, out_buf, cap,
				    &out_len);
	if (out_len > cap)
		out_len = 0;
	return out_frame(AXP_ANSWER, &st, 1, out_buf, out_len) == 0 &&
	       flush() == 0 ? 0 : -1;
}

int main(void)
{
	uint8_t *init = NULL;
	struct axp_rbuf rb = {in_buf, sizeof(in_buf), 0, 0};
	struct axp_frame f;
	axp_chan_status st;
	int rc;

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	st = axp_chan_recv(AXP_HOST_FD, &init, 0, AXP_INIT_BODY_MAX,
			   AXP_HOST_INIT_TIMEOUT_MS, NULL, &f);
	if (st != AXP_OK || f.type != AXP_INIT || f.body_len <= AXP_INIT_FIXED)
		host_exit(2);
	rc = start(init, f.body_len);
	ax_wipe(init, f.body_len);
	free(init);
	if (rc != 0)
		host_exit(3);
	for (;;) {
		st = axp_chan_recv_buf(AXP_HOST_FD, &rb, AXP_MSG_BODY_MAX, -1,
				       &f);
		if (st == AXP_E_CLOSED)
			host_exit(0);
		if (st != AXP_OK || serve(&f) != 0)
			host_exit(2);
	}
}
