/*
 * ax_manifest_measure.c - see ax_manifest.h. Kept apart from the parser so
 * that the parser (and its fuzz harness) needs no crypto provider.
 */
#include "ax_manifest.h"

#include <string.h>

ax_manifest_status ax_manifest_measure(const uint8_t *img, size_t len,
				       uint8_t out[static AX_SHA256_LEN])
{
	const struct ax_iov iov = {img, len};

	if (img == NULL && len != 0)
		return AX_MANIFEST_E_ARG;
	if (ax_sha256(&iov, 1, out) != AX_CRYPTO_OK) {
		/* Never leave a partial digest that could pass for one. */
		memset(out, 0, AX_SHA256_LEN);
		return AX_MANIFEST_E_CRYPTO;
	}
	return AX_MANIFEST_OK;
}
