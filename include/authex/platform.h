/*
 * authex/platform.h - the contract a TEE backend ("platform") implements.
 *
 * The node daemon (authexd, untrusted) never touches a module directly: it
 * hands the module's image to a platform, gets back an opaque handle, and
 * from then on moves module messages (ax_msg.h) in and out through it. The
 * platform is where isolation happens (or, for `native`, does not):
 *
 *   load    place the image in the TEE, measure it (SHA-256 of the exact
 *           image bytes), derive K_M = HKDF(K_node, "authex module" ||
 *           instance || measurement) and start the module's runtime with it
 *           (authex_module_init). K_M never leaves the platform.
 *   handle  pass one module message in, get the runtime's status and its
 *           answer (ATTEST MAC, CALL result, STATUS) back.
 *   emit    sealed messages the module emits while it runs (EVENT, REQUEST,
 *           RESPONSE) come out through the callback given at load.
 *   unload  stop the module and free everything the platform holds for it.
 *
 * Conventions
 *  - Threads: a platform is driven from one thread. Calls into one module
 *    are serialised; the daemon never calls handle/unload from inside emit.
 *  - emit is called only from within load or handle (synchronously, on the
 *    caller's thread, before they return), once per emitted message. The
 *    buffer is valid only during the call. emit MUST NOT call back into
 *    the platform; it copies or drops (return non-zero = dropped; the
 *    runtime counts it in its emit_failed counter).
 *  - Errors: load returns 0 or -1 and then fills err (errlen > 0) with one
 *    line of English saying what was wrong ("image is not an ELF shared
 *    object: ..."), never a crash, whatever the image bytes are. handle
 *    returns an ax_rt_status as int: 0 = AX_OK, 1..AX_E_COUNT-1 from the
 *    runtime; a backend that loses its module (crashed process, serial link
 *    down) returns AX_E_INTERNAL and its alive() hook then reports 0.
 *  - Buffers: all (pointer, length), untrusted on both sides. image and msg
 *    belong to the caller and are only read during the call; out/out_cap
 *    is the caller's, *out_len <= out_cap is set (0 when there is no
 *    answer). Backends copy, then check, everything that crosses a
 *    boundary (shared memory, a socket, a serial link).
 *  - Memory: load allocates the module handle; unload frees it (after
 *    unload the handle is invalid). No global state is kept between
 *    modules, so one image can be loaded several times as several
 *    instances with independent state.
 *  - Secrets: k_node is read during load only; a backend wipes every copy
 *    of K_M before load returns (unless its TEE keeps it inside). A
 *    backend with a start hook takes the node key there, once, and keeps
 *    it outside the daemon; load's k_node is then NULL.
 *
 * What each op means for the planned backends:
 *  - native (src/platform/native): the image is dlopen()ed in the daemon's
 *    own process from a memfd. load/handle/unload are plain function calls
 *    into the image. It isolates NOTHING: the daemon (and anyone who owns
 *    it) can read K_M and every key. Development only.
 *  - process (src/platform/process): start forks a monitor that alone
 *    keeps K_node; load sends the image to it, it measures, derives K_M
 *    and starts the module in its own confined process (own uid as root,
 *    seccomp, NO_NEW_PRIVS, non-dumpable, only its channel open), then
 *    hands the daemon the module's socket; handle sends the message as a
 *    length-prefixed frame and reads frames back (every EMIT frame is
 *    passed to emit, then the ANSWER frame ends the call); unload has the
 *    monitor kill and reap the process; alive reports a lost one (and the
 *    daemon marks the module failed).
 *  - tzm (src/platform/tzm, docs/tzm.md): the module is in the Secure
 *    world of a Cortex-M33 behind a serial link; start attaches to the
 *    board (serial=) or starts QEMU with k_node provisioned into it; load
 *    sends the image and load_auth, and the Secure side checks the
 *    authorization, measures, relocates and derives K_M from its own
 *    K_node; handle is one request/answer exchange on the link, with
 *    emitted messages arriving before the answer; alive reports the link
 *    state.
 */
#ifndef AUTHEX_PLATFORM_H
#define AUTHEX_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define AX_PLATFORM_KEY_LEN 32         /* K_node */
#define AX_PLATFORM_MEASUREMENT_LEN 32 /* SHA-256 of the image */
#define AX_PLATFORM_AUTH_LEN 32        /* load authorization */

/* A loaded module, owned by its backend. */
struct ax_platform_module;

/* Sealed output of a module: see Conventions. Same type as the runtime's
 * ax_emit_fn, so a backend that runs the image in-process may pass it on. */
typedef int (*ax_platform_emit_fn)(void *ctx, const uint8_t *msg,
	size_t len);

struct ax_platform_ops {
	const char *name;     /* "native", "process", "tzm" (the LOAD_MODULE
			       * platform field) */
	int isolated;         /* 0: the module is NOT protected from the node */
	const char *protects; /* one line: what this backend protects, from
			       * whom (docs/security.md has the long form) */

	/*
	 * start - optional (NULL: nothing to start). Called once, before
	 * any load, while the daemon still holds the node key and its
	 * privileges. k_node: AX_PLATFORM_KEY_LEN bytes, copied where the
	 * backend keeps it (the daemon may wipe its copy afterwards and
	 * passes NULL as load's k_node). options: the backend's option
	 * string from the command line ("key=value,..."), NULL = defaults.
	 * Returns 0, or -1 with err filled.
	 */
	int (*start)(const uint8_t *k_node, const char *options, char *err,
		size_t errlen);
	/* stop - optional: end what start started (after every unload). */
	void (*stop)(void);

	/*
	 * load - measure and start one module instance.
	 *  image/len: the module image (untrusted bytes, 1..4 MiB);
	 *  instance: the deployer-chosen instance id (part of K_M);
	 *  k_node: the node key (AX_PLATFORM_KEY_LEN bytes), or NULL after a
	 *  successful start;
	 *  load_auth: the deployer's load authorization from LOAD_MODULE,
	 *  HKDF-SHA256(K_node, "authex load" || instance || measurement)
	 *  (ax_modmsg_load_auth). A backend that keeps K_node away from the
	 *  daemon checks it, in constant time, before it runs any of the
	 *  image's code, and refuses the load otherwise (tzm does; native and
	 *  process ignore it: their daemon or monitor holds K_node anyway);
	 *  emit/emit_ctx: where the module's sealed outputs go.
	 *  On success *out is the handle and measurement holds the SHA-256 of
	 *  the image. Returns 0, or -1 with err filled (*out NULL).
	 */
	int (*load)(const uint8_t *image, size_t len, uint32_t instance,
		const uint8_t *k_node,
		const uint8_t load_auth[AX_PLATFORM_AUTH_LEN],
		ax_platform_emit_fn emit,
		void *emit_ctx, struct ax_platform_module **out,
		uint8_t measurement[AX_PLATFORM_MEASUREMENT_LEN], char *err,
		size_t errlen);

	/*
	 * handle - pass one module message (ax_msg.h) to the module.
	 *  Returns an ax_rt_status as int (0 = AX_OK); the answer, if any, is
	 *  in out[0 .. *out_len).
	 */
	int (*handle)(struct ax_platform_module *m, const uint8_t *msg,
		size_t len, uint8_t *out, size_t out_cap, size_t *out_len);

	/* unload - stop the module and free the handle (NULL is a no-op). */
	void (*unload)(struct ax_platform_module *m);

	/* alive - optional (NULL = always 1): 0 once the backend lost the
	 * module (process crashed, link down). The daemon asks before each
	 * handle and in STATUS, and reports the module as failed. */
	int (*alive)(struct ax_platform_module *m);

	/* lost_why - optional: once the module is lost, one line saying why
	 * ("killed by seccomp: ...", "no answer within the timeout; killed"),
	 * for the daemon's log; NULL otherwise. Valid until unload. */
	const char *(*lost_why)(struct ax_platform_module *m);
};

/*
 * ax_platform_find - the backend called `name` (NUL-terminated), or NULL
 * if this build has none of that name.
 */
const struct ax_platform_ops *ax_platform_find(const char *name);

/* ax_platform_names - the built backends' names, comma-separated, for
 * --help and error messages (a constant string). */
const char *ax_platform_names(void);

#endif /* AUTHEX_PLATFORM_H */
