/*
 * node_rx.h - cut a TCP byte stream into frames, safely.
 *
 * The first AX_FRAME_PREFIX_LEN bytes of every frame go into a fixed array;
 * only when ax_frame_peek has accepted the whole prefix (length within
 * bounds, known type, flags, AUTH rule, and the length within the TYPE's
 * own bounds) is the frame buffer sized to that frame. So nothing is ever
 * allocated from an unchecked length, a connection's buffer never exceeds
 * AX_FRAME_MAX (and only LOAD_MODULE may reach that), and a buffer grown
 * for a large frame is given back after it.
 */
#ifndef NODE_RX_H
#define NODE_RX_H

#include <stddef.h>
#include <stdint.h>

#include "ax_wire.h"

#define NODE_RX_KEEP (64u * 1024u) /* keep a buffer up to this size */

struct node_rx {
	uint8_t prefix[AX_FRAME_PREFIX_LEN];
	size_t plen;  /* prefix bytes collected */
	uint8_t *buf; /* the current frame, once its size is known */
	size_t cap;
	size_t have;  /* bytes of the current frame in buf */
	size_t need;  /* its whole size; 0 while collecting the prefix */
};

/* Called with each whole frame (valid until it returns). Non-zero stops
 * the feed (the connection is closing). */
typedef int (*node_rx_frame_fn)(void *ctx, const uint8_t *frame, size_t len);

/*
 * node_rx_feed - consume data/len (untrusted) and call fn for every frame
 * completed by it. Returns AX_WIRE_OK (all bytes used, or fn said stop);
 * the ax_frame_peek error of a malformed prefix (the stream cannot be
 * resynchronised: close it); or AX_WIRE_E_INTERNAL when memory runs out.
 */
ax_wire_status node_rx_feed(struct node_rx *rx, const uint8_t *data,
	size_t len, node_rx_frame_fn fn, void *ctx);

/* node_rx_free - free the buffer (the struct may be reused after). */
void node_rx_free(struct node_rx *rx);

#endif /* NODE_RX_H */
