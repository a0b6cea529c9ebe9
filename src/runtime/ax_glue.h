/*
 * ax_glue.h - the module image ABI: the two functions every module image
 * exports, implemented once in ax_glue.c, which is compiled into each
 * image next to the module's own file. A platform loads the image, calls
 * authex_module_init once with the module key it derived, then passes
 * every module message (ax_msg.h) to authex_module_handle.
 *
 * The image holds exactly one runtime instance (struct ax_rt) whose
 * endpoint table is the image's "authex_ep" section (module.h).
 * Contract: the platform serialises calls (no concurrent or re-entrant
 * call into one image) and passes messages that sit in memory the
 * untrusted side can no longer change; emit may queue or drop but MUST
 * NOT call back into the image.
 */
#ifndef AX_GLUE_H
#define AX_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "ax_runtime.h"

#define AX_MODULE_ABI_VERSION 1

#define AX_EXPORT __attribute__((visibility("default")))

/* Returns the ABI version the image was built for. */
AX_EXPORT uint32_t authex_module_abi(void);

/* ax_rt_init on the image's runtime instance; returns an ax_rt_status. */
AX_EXPORT int authex_module_init(uint32_t instance,
	const uint8_t k_module[AX_MODULE_KEY_LEN], ax_emit_fn emit,
	void *emit_ctx);

/* ax_rt_handle on the image's runtime instance; returns an ax_rt_status. */
AX_EXPORT int authex_module_handle(const uint8_t *msg, size_t len,
	uint8_t *out, size_t out_cap, size_t *out_len);

#endif /* AX_GLUE_H */
