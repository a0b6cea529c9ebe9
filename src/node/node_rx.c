/*
 * node_rx.c - stream to frames; see node_rx.h.
 */
#include <stdlib.h>
#include <string.h>

#include "node_rx.h"

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void reset(struct node_rx *rx)
{
	rx->plen = rx->have = rx->need = 0;
	if (rx->cap > NODE_RX_KEEP)
		node_rx_free(rx);
}

/* The prefix is complete and checked: size the buffer for the frame. */
static ax_wire_status start_frame(struct node_rx *rx, size_t flen)
{
	if (flen > AX_FRAME_MAX) /* ax_frame_peek guarantees it; be sure */
		return AX_WIRE_E_TOO_LARGE;
	if (rx->cap < flen) {
		uint8_t *nb = malloc(flen);
		if (nb == NULL)
			return AX_WIRE_E_INTERNAL;
		free(rx->buf);
		rx->buf = nb;
		rx->cap = flen;
	}
	memcpy(rx->buf, rx->prefix, AX_FRAME_PREFIX_LEN);
	rx->have = AX_FRAME_PREFIX_LEN;
	rx->need = flen;
	return AX_WIRE_OK;
}

/* Take prefix bytes; *done is set when a whole frame sits in the prefix
 * (a frame with an empty body). */
static ax_wire_status take_prefix(struct node_rx *rx, const uint8_t **data,
				  size_t *len, int *done)
{
	size_t take = min_size(AX_FRAME_PREFIX_LEN - rx->plen, *len);
	size_t flen = 0;
	ax_wire_status st;

	memcpy(rx->prefix + rx->plen, *data, take);
	rx->plen += take;
	*data += take;
	*len -= take;
	if (rx->plen < AX_FRAME_LEN_SIZE)
		return AX_WIRE_OK;
	st = ax_frame_peek(rx->prefix, rx->plen, &flen);
	if (st == AX_WIRE_OK) { /* only an empty-body frame fits */
		*done = flen == rx->plen;
		return *done ? AX_WIRE_OK : AX_WIRE_E_INTERNAL;
	}
	if (st != AX_WIRE_NEED_MORE)
		return st;
	if (rx->plen < AX_FRAME_PREFIX_LEN)
		return AX_WIRE_OK; /* type not checked yet: allocate nothing */
	return start_frame(rx, flen);
}

ax_wire_status node_rx_feed(struct node_rx *rx, const uint8_t *data,
			    size_t len, node_rx_frame_fn fn, void *ctx)
{
	while (len > 0) {
		int done = 0, stop;
		ax_wire_status st;

		if (rx->need == 0) {
			st = take_prefix(rx, &data, &len, &done);
			if (st != AX_WIRE_OK)
				return st;
			if (!done)
				continue;
			stop = fn(ctx, rx->prefix, rx->plen);
		} else {
			size_t take = min_size(rx->need - rx->have, len);
			memcpy(rx->buf + rx->have, data, take);
			rx->have += take;
			data += take;
			len -= take;
			if (rx->have < rx->need)
				continue;
			stop = fn(ctx, rx->buf, rx->need);
		}
		reset(rx);
		if (stop)
			return AX_WIRE_OK;
	}
	return AX_WIRE_OK;
}

void node_rx_free(struct node_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->cap = 0;
}
