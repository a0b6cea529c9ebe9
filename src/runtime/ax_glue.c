/*
 * ax_glue.c - the per-image singleton: binds the module's endpoint
 * section to one runtime instance and exports the module ABI.
 * See ax_glue.h.
 */
#include "ax_glue.h"

/* Defined by the linker around the "authex_ep" section (module.h). Weak:
 * a module without endpoints has no such section. Hidden: each image
 * must see its own section, never another loaded image's. */
extern const struct ax_endpoint __start_authex_ep[]
	__attribute__((weak, visibility("hidden")));
extern const struct ax_endpoint __stop_authex_ep[]
	__attribute__((weak, visibility("hidden")));

/* The platform's secure output device, if it has one (tzm resolves it
 * when it loads the image; elsewhere it stays NULL). */
extern int ax_platform_device_write(const void *data, size_t len)
	__attribute__((weak));

static struct ax_rt rt;

uint32_t authex_module_abi(void)
{
	return AX_MODULE_ABI_VERSION;
}

int authex_module_init(uint32_t instance,
		       const uint8_t k_module[AX_MODULE_KEY_LEN],
		       ax_emit_fn emit, void *emit_ctx)
{
	const struct ax_endpoint *b = __start_authex_ep, *e = __stop_authex_ep;
	size_t n = (b != NULL && e != NULL) ? (size_t)(e - b) : 0;

	return ax_rt_init(&rt, b, n, instance, k_module, emit, emit_ctx);
}

int authex_module_handle(const uint8_t *msg, size_t len, uint8_t *out,
			 size_t out_cap, size_t *out_len)
{
	return ax_rt_handle(&rt, msg, len, out, out_cap, out_len);
}

int ax_output(const struct ax_endpoint *ep, const void *data, size_t len)
{
	return ax_rt_output(&rt, ep, data, len);
}

int ax_request(const struct ax_endpoint *ep, const void *data, size_t len)
{
	return ax_rt_request(&rt, ep, data, len);
}

int ax_device_write(const void *data, size_t len)
{
	if (ax_platform_device_write == NULL)
		return -1;
	return ax_platform_device_write(data, len);
}
