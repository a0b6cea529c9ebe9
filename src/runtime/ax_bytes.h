/*
 * ax_bytes.h - big-endian load/store helpers for wire integers.
 *
 * Every integer that crosses a trust or machine boundary is read and written
 * byte by byte through these helpers: no struct casts onto buffers, no packed
 * structs, no native-endian fields. Freestanding (stdint.h only), so the
 * trusted runtime, the node daemon and the deployer share one definition.
 *
 * Contract: the caller has already checked that the buffer holds the bytes
 * being read or written; these helpers do no bounds checks of their own.
 */
#ifndef AX_BYTES_H
#define AX_BYTES_H

#include <stdint.h>

static inline uint16_t ax_load_be16(const uint8_t *p)
{
	return (uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

static inline uint32_t ax_load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint64_t ax_load_be64(const uint8_t *p)
{
	return ((uint64_t)ax_load_be32(p) << 32) | ax_load_be32(p + 4);
}

static inline void ax_store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void ax_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void ax_store_be64(uint8_t *p, uint64_t v)
{
	ax_store_be32(p, (uint32_t)(v >> 32));
	ax_store_be32(p + 4, (uint32_t)v);
}

#endif /* AX_BYTES_H */
