/*
 * nsc.c - every Non-secure-callable entry of the tzm Secure image, in this
 * one file (style habit 13); the contract is in ../nsc.h. Each entry
 * checks the caller's buffers with cmse_check_address_range (TT
 * instruction: Non-secure, accessible to the caller), copies inputs into
 * Secure memory once, and writes back only lengths it validated.
 */
#include <arm_cmse.h>
#include <stddef.h>
#include <stdint.h>

#include "ax_crypto.h"
#include "node.h"
#include "nsc.h"
#include "sandbox.h"
#include "tz_setup.h"

#define ENTRY __attribute__((cmse_nonsecure_entry))

/* The module reads its message from in_buf and answers into out_buf
 * (both in the region the sandbox opens to it). */
static AX_TZM_SHARED uint8_t in_buf[AX_TZM_MSG_MAX];
static AX_TZM_SHARED uint8_t out_buf[AX_TZM_MSG_MAX];
static volatile uint8_t busy;

/* Whether [a, a+n) lies inside [lo, hi] (inclusive end), without wrap. */
static int inside(uintptr_t a, uint32_t n, uint32_t lo, uint32_t hi)
{
	return a >= lo && a <= hi && n - 1u <= hi - a;
}

/* 1 when [p, p+n) is entirely Non-secure, accessible to the caller with
 * `flags` (CMSE_MPU_READ or CMSE_MPU_READWRITE; TT also refuses a range
 * that wraps), AND inside the Non-secure code or RAM of the memory map
 * (tz_setup.h). The second test keeps Secure copies off the NS peripheral
 * alias: there a read has side effects (a UART's DATA register) or, where
 * nothing answers, raises a BusFault in Secure code, which would stop the
 * node. n == 0 is always fine. */
static int ns_range_ok(const void *p, uint32_t n, int flags)
{
	uintptr_t a = (uintptr_t)p;

	if (n == 0)
		return 1;
	if (!inside(a, n, AX_TZM_NS_RAM, AX_TZM_NS_RAM_END) &&
	    !inside(a, n, AX_TZM_NS_CODE, AX_TZM_NS_CODE_END))
		return 0;
	return cmse_check_address_range((void *)a, n,
		CMSE_NONSECURE | flags) != NULL;
}

static void copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

ENTRY int32_t axs_version(void)
{
	return AXS_ABI_VERSION;
}

static int32_t handle(uint32_t module, const void *msg, uint32_t len,
	void *out, uint32_t cap)
{
	size_t out_len = 0;
	int32_t st;

	if (len == 0 || len > sizeof(in_buf))
		return -AXS_E_LENGTH;
	if (!ns_range_ok(msg, len, CMSE_MPU_READ) ||
	    !ns_range_ok(out, cap, CMSE_MPU_READWRITE))
		return -AXS_E_RANGE;
	if (!ax_tzm_node_has(module))
		return -AXS_E_MODULE;
	copy(in_buf, msg, len); /* the only read of msg */
	if (cap > sizeof(out_buf))
		cap = sizeof(out_buf);
	st = ax_tzm_node_handle(module, in_buf, len, out_buf, cap, &out_len);
	ax_wipe(in_buf, len);
	if (st < 0)
		return st;
	if (st != AX_OK)
		return -st;
	copy(out, out_buf, out_len);
	ax_wipe(out_buf, out_len);
	return (int32_t)out_len;
}

/* Enter: refuse a re-entrant call, check the caller's descriptor io/n and
 * copy it into dst (Secure memory) once; on 0 the caller holds `busy`. */
static int32_t enter(void *dst, const void *io, uint32_t n)
{
	if (busy)
		return -AXS_E_BUSY;
	if (!ns_range_ok(io, n, CMSE_MPU_READ))
		return -AXS_E_RANGE;
	busy = 1;
	copy(dst, io, n); /* the only read of the descriptor */
	return 0;
}

ENTRY int32_t axs_handle(const struct axs_io *io)
{
	struct axs_io c;
	int32_t r = enter(&c, io, sizeof(c));

	if (r != 0)
		return r;
	r = handle(c.module, c.msg, c.len, c.out, c.cap);
	busy = 0;
	return r;
}

ENTRY int32_t axs_collect(void *out, uint32_t cap)
{
	size_t n;

	if (busy)
		return -AXS_E_BUSY;
	if (!ns_range_ok(out, cap, CMSE_MPU_READWRITE))
		return -AXS_E_RANGE;
	busy = 1;
	n = ax_tzm_node_collect(out_buf, cap < sizeof(out_buf) ? cap :
		sizeof(out_buf));
	if (n != (size_t)-1 && n != 0) {
		copy(out, out_buf, n);
		ax_wipe(out_buf, n);
	}
	busy = 0;
	return n == (size_t)-1 ? -AXS_E_LENGTH : (int32_t)n;
}

/* One load step on the Secure copy c of the caller's descriptor. */
static int32_t load_step(const struct axs_load_io *c)
{
	uint8_t meas[32];
	int32_t r;

	switch (c->op) {
	case AXS_LOAD_BEGIN:
		return ax_tzm_node_load_begin(c->instance, c->total);
	case AXS_LOAD_DATA:
		if (c->len == 0 || c->len > AXS_CHUNK_MAX)
			return -AXS_E_LENGTH;
		if (!ns_range_ok(c->data, c->len, CMSE_MPU_READ))
			return -AXS_E_RANGE;
		copy(in_buf, c->data, c->len); /* the only read */
		return ax_tzm_node_load_data(in_buf, c->len);
	case AXS_LOAD_END:
		if (c->len != AXS_AUTH_LEN || c->cap < sizeof(meas))
			return -AXS_E_LENGTH;
		if (!ns_range_ok(c->data, c->len, CMSE_MPU_READ) ||
		    !ns_range_ok(c->out, sizeof(meas), CMSE_MPU_READWRITE))
			return -AXS_E_RANGE;
		copy(in_buf, c->data, AXS_AUTH_LEN);
		r = ax_tzm_node_load_end(in_buf, meas);
		if (r >= 0)
			copy(c->out, meas, sizeof(meas));
		return r;
	default:
		return -AXS_E_SEQUENCE;
	}
}

ENTRY int32_t axs_load(const struct axs_load_io *io)
{
	struct axs_load_io c;
	int32_t r = enter(&c, io, sizeof(c));

	if (r != 0)
		return r;
	r = load_step(&c);
	if (r < 0)
		ax_tzm_node_load_abort();
	busy = 0;
	return r;
}

ENTRY int32_t axs_unload(uint32_t module)
{
	int32_t r;

	if (busy)
		return -AXS_E_BUSY;
	busy = 1;
	r = ax_tzm_node_unload(module);
	busy = 0;
	return r;
}
