/*
 * ax_bytes_le.h - little-endian load/store helpers, for ELF images.
 *
 * Wire integers are big-endian and go through src/runtime/ax_bytes.h. The
 * only little-endian format authex reads is a module image (an ELF file
 * for a little-endian target), which the deployer parses in
 * ax_manifest.c; the trusted runtime never needs these, so they live
 * here and not in the runtime's line budget.
 *
 * Contract: as for ax_bytes.h, the caller has already checked that the
 * buffer holds the bytes being read or written; no bounds checks here.
 */
#ifndef AX_BYTES_LE_H
#define AX_BYTES_LE_H

#include <stdint.h>

static inline uint16_t ax_load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

static inline uint32_t ax_load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ax_load_le64(const uint8_t *p)
{
	return (uint64_t)ax_load_le32(p) | ((uint64_t)ax_load_le32(p + 4) << 32);
}

static inline void ax_store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void ax_store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void ax_store_le64(uint8_t *p, uint64_t v)
{
	ax_store_le32(p, (uint32_t)v);
	ax_store_le32(p + 4, (uint32_t)(v >> 32));
}

#endif /* AX_BYTES_LE_H */
