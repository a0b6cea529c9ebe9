/*
 * ax_native.c - the `native` backend: see ax_native.h and
 * include/authex/platform.h.
 *
 * Each load writes the image into its own anonymous memory file
 * (memfd_create) and dlopen()s it through /proc/self/fd/N. The dynamic
 * linker identifies a loaded object by device and inode, and every memfd
 * is a new inode, so loading one image twice gives two independent copies
 * (two runtimes, two sets of static variables): two module instances.
 * The linker ALSO matches by path name first, so the memfd stays open
 * while the module is loaded: /proc/self/fd/N is then unique among loaded
 * modules (closing it would let the next load reuse N and get the old
 * object back).
 */
#define _GNU_SOURCE /* memfd_create */

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_glue.h"
#include "ax_manifest.h"
#include "ax_modmsg.h"
#include "ax_native.h"

typedef uint32_t (*abi_fn)(void);
typedef int (*init_fn)(uint32_t, const uint8_t *, ax_emit_fn, void *);
typedef int (*handle_fn)(const uint8_t *, size_t, uint8_t *, size_t,
			 size_t *);

struct ax_platform_module {
	void *dl;
	int fd;     /* the memfd, open while loaded (see above) */
	handle_fn handle;
	uint32_t instance;
};

/* Write the image into a fresh memfd; returns the fd or -1. */
static int image_fd(const uint8_t *image, size_t len, char *err,
		    size_t errlen)
{
	int fd = memfd_create("authex-module", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	while (done < len) {
		ssize_t w = write(fd, image + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "writing the image to a memfd: %s",
				 w < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	return fd;
}

/* dlopen the image and resolve the module ABI; *abi gets its version. */
static int open_image(const uint8_t *image, size_t len,
		      struct ax_platform_module *m, init_fn *init,
		      uint32_t *abi, char *err, size_t errlen)
{
	char path[64];
	const char *why;
	abi_fn abi_f;

	m->fd = image_fd(image, len, err, errlen);
	if (m->fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		why = dlerror();
		snprintf(err, errlen, "image is not a loadable shared object: %s",
			 why ? why : "dlopen failed");
		return -1;
	}
	abi_f = (abi_fn)dlsym(m->dl, "authex_module_abi");
	*init = (init_fn)dlsym(m->dl, "authex_module_init");
	m->handle = (handle_fn)dlsym(m->dl, "authex_module_handle");
	if (abi_f == NULL || *init == NULL || m->handle == NULL) {
		snprintf(err, errlen, "image does not export the authex module "
			 "ABI (authex_module_abi/init/handle): not built "
			 "as an authex module");
		return -1;
	}
	*abi = abi_f();
	if (*abi != AX_MODULE_ABI_VERSION) {
		snprintf(err, errlen, "module ABI version %u, this node "
			 "speaks version %u: rebuild the module",
			 (unsigned)*abi, (unsigned)AX_MODULE_ABI_VERSION);
		return -1;
	}
	return 0;
}

/* Measure, derive K_M and start the runtime; K_M is wiped at `out`. */
static int start(struct ax_platform_module *m, init_fn init,
		 const uint8_t *image, size_t len, const uint8_t *k_node,
		 ax_platform_emit_fn emit, void *emit_ctx, uint8_t *meas,
		 char *err, size_t errlen)
{
	uint8_t k_m[AX_MODULE_KEY_LEN];
	int rc = -1, st;

	if (ax_manifest_measure(image, len, meas) != AX_MANIFEST_OK) {
		snprintf(err, errlen, "measuring the image failed (crypto)");
		goto out;
	}
	if (ax_modmsg_module_key(k_node, m->instance, meas, k_m) != AX_OK) {
		snprintf(err, errlen, "deriving the module key failed (crypto)");
		goto out;
	}
	st = init(m->instance, k_m, emit, emit_ctx);
	if (st != AX_OK) {
		snprintf(err, errlen, "authex_module_init refused: %s (%d)",
			 ax_modmsg_status_name((ax_rt_status)st), st);
		goto out;
	}
	rc = 0;
out:
	ax_wipe(k_m, sizeof(k_m));
	return rc;
}

static void native_unload(struct ax_platform_module *m)
{
	if (m == NULL)
		return;
	if (m->dl != NULL)
		dlclose(m->dl);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

static int native_load(const uint8_t *image, size_t len, uint32_t instance,
		       const uint8_t *k_node,
		       const uint8_t load_auth[AX_PLATFORM_AUTH_LEN],
		       ax_platform_emit_fn emit, void *emit_ctx,
		       struct ax_platform_module **out,
		       uint8_t measurement[AX_PLATFORM_MEASUREMENT_LEN],
		       char *err, size_t errlen)
{
	struct ax_platform_module *m;
	init_fn init = NULL;
	uint32_t abi = 0;

	/* Not checked: the daemon running the image holds K_node anyway, and
	 * an image only ever gets its own K_M. */
	(void)load_auth;
	*out = NULL;
	if (image == NULL || len == 0 || k_node == NULL || emit == NULL) {
		snprintf(err, errlen, "empty image or missing node key");
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->instance = instance;
	m->fd = -1;
	if (open_image(image, len, m, &init, &abi, err, errlen) != 0 ||
	    start(m, init, image, len, k_node, emit, emit_ctx, measurement,
		  err, errlen) != 0) {
		native_unload(m);
		return -1;
	}
	*out = m;
	return 0;
}

static int native_handle(struct ax_platform_module *m, const uint8_t *msg,
			 size_t len, uint8_t *out, size_t out_cap,
			 size_t *out_len)
{
	*out_len = 0;
	if (m == NULL || m->handle == NULL)
		return AX_E_INTERNAL;
	return m->handle(msg, len, out, out_cap, out_len);
}

const struct ax_platform_ops ax_native_platform = {
	.name = "native",
	.isolated = 0,
	.protects = "NOTHING: modules run inside authexd's own process "
		    "(development only)",
	.load = native_load,
	.handle = native_handle,
	.unload = native_unload,
	.alive = NULL,
};
