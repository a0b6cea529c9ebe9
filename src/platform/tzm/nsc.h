/*
 * nsc.h - the complete Non-secure-callable surface of the tzm Secure image
 * (style habit 13). These are the only functions with an SG veneer; the
 * exact list of their __acle_se_* bodies is checked against docs/tzm.md by
 * tests/check_tzm_qemu.sh. Included by the Non-secure image, which links
 * the veneer addresses from the Secure link's import library
 * (s_veneers.o).
 *
 * Conventions (what the Secure side enforces, src/platform/tzm/secure/nsc.c)
 *  - Every buffer argument must lie entirely in Non-secure memory the caller
 *    may access (cmse_check_address_range); a pointer into Secure memory, a
 *    range that wraps or a NULL with a length is refused with AXS_E_RANGE.
 *  - Inputs are copied into Secure memory once, then checked and used;
 *    outputs are produced in Secure memory and copied out only up to a
 *    length validated against the caller's capacity. Nothing is re-read.
 *  - Negative returns are errors: -AXS_E_* or -(ax_rt_status) from the
 *    module's runtime (ax_runtime.h); the runtime's own numbers are < 64.
 *  - Not re-entrant: a call made while another is in progress (from an NS
 *    interrupt) is refused with AXS_E_BUSY.
 */
#ifndef AX_TZM_NSC_H
#define AX_TZM_NSC_H

#include <stdint.h>

#define AXS_ABI_VERSION 2

#define AXS_E_RANGE 64   /* buffer not (entirely) Non-secure */
#define AXS_E_BUSY 65    /* re-entrant call */
#define AXS_E_MODULE 66  /* no such module */
#define AXS_E_LENGTH 67  /* message too long or empty */
#define AXS_E_FULL 68    /* no free module slot */
#define AXS_E_SEQUENCE 69 /* load steps out of order, or image overflow */
#define AXS_E_AUTH 70    /* load authorization does not match the image */
#define AXS_E_INIT 71    /* the module's init refused */
#define AXS_E_ABI 72     /* the image was built for another module ABI */
#define AXS_E_FAULT 73   /* the module faulted (e.g. touched memory the
			  * Secure MPU keeps from it); it is unloaded */
#define AXS_E_IMAGE 128  /* 128 + enum axl_error: the loader refused */

/* axs_version - AXS_ABI_VERSION. */
int32_t axs_version(void);

/* One call's buffers. An entry function takes at most four register
 * arguments, so axs_handle takes this descriptor, which lives in Non-secure
 * memory and is itself copied into Secure memory once before any of its
 * fields is checked or used. */
struct axs_io {
	uint32_t module;
	const void *msg;
	uint32_t len;
	void *out;
	uint32_t cap;
};

/* axs_handle - pass one module message (ax_msg.h) io->msg/io->len to
 * module io->module; its answer (ATTEST, CALL, STATUS) goes to
 * io->out/io->cap. Returns the answer's length (>= 0) or a negative error.
 * Sealed messages the module emits meanwhile are queued for axs_collect. */
int32_t axs_handle(const struct axs_io *io);

/* axs_collect - move the oldest queued sealed message to out/cap. Returns
 * its length, 0 when the queue is empty, or a negative error (a message
 * longer than cap stays queued: -AXS_E_LENGTH). */
int32_t axs_collect(void *out, uint32_t cap);

/* Run-time loading (docs/tzm.md "Run-time loading"), in three steps:
 *  BEGIN  instance = the deployer's instance id (1 .. 0xfffffffe, as on
 *         the wire), total = image length (1 .. AXS_IMAGE_MAX); anything
 *         else is AXS_E_LENGTH; discards any unfinished load;
 *  DATA   data/len: the next piece of the image (1 .. AXS_CHUNK_MAX);
 *  END    data/len: the 32-byte load authorization
 *         HKDF-SHA256(K_node, "authex load" || instance || measurement)
 *         (ax_modmsg_load_auth); out/cap (cap >= 32) receives the
 *         image's measurement (SHA-256 of exactly the `total` bytes).
 *         The Secure side measures the copy it holds, checks the
 *         authorization in constant time BEFORE any byte of the image
 *         is placed or run, loads it into a free slot (axl_elf.h),
 *         derives K_M = HKDF(K_node, "authex module" || instance ||
 *         measurement), calls the image's authex_module_init and wipes
 *         K_M. */
#define AXS_LOAD_BEGIN 1
#define AXS_LOAD_DATA 2
#define AXS_LOAD_END 3
#define AXS_IMAGE_MAX (64 * 1024)
#define AXS_CHUNK_MAX 1024
#define AXS_AUTH_LEN 32

struct axs_load_io {
	uint32_t op;
	uint32_t instance; /* BEGIN */
	uint32_t total;    /* BEGIN */
	const void *data;  /* DATA, END */
	uint32_t len;
	void *out;         /* END */
	uint32_t cap;
};

/* axs_load - one load step. BEGIN and DATA return 0; END returns the new
 * module's number (>= 0, for axs_handle/axs_unload) or a negative error;
 * any error also ends the load in progress. */
int32_t axs_load(const struct axs_load_io *io);

/* axs_unload - stop module `module`: its runtime state and slot are
 * wiped and the slot freed. Returns 0 or -AXS_E_MODULE. */
int32_t axs_unload(uint32_t module);

#endif /* AX_TZM_NSC_H */
