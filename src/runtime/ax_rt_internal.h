/*
 * ax_rt_internal.h - functions shared between the runtime's own files.
 * Not part of any public contract; every handler below follows the
 * permission-table signature of ax_rt.c: it gets the whole message
 * (type byte included, length already checked against the table's
 * minimum) and a reply area, and returns an ax_rt_status.
 */
#ifndef AX_RT_INTERNAL_H
#define AX_RT_INTERNAL_H

#include "ax_runtime.h"

typedef ax_rt_status (*ax_rt_handler)(struct ax_rt *rt, const uint8_t *msg,
				      size_t len, struct ax_reply *out);

/* ax_ctl.c: the deployer's authenticated control channel, and attestation */
ax_rt_status ax_ctl_set_key(struct ax_rt *, const uint8_t *, size_t,
			    struct ax_reply *);
ax_rt_status ax_ctl_disable(struct ax_rt *, const uint8_t *, size_t,
			    struct ax_reply *);
ax_rt_status ax_ctl_attest(struct ax_rt *, const uint8_t *, size_t,
			   struct ax_reply *);

/* ax_event.c: events, requests and responses in; see ax_rt_output out */
ax_rt_status ax_event_input(struct ax_rt *, const uint8_t *, size_t,
			    struct ax_reply *);

/* ax_rt.c: fail closed after a broken invariant (wipes all keys) */
void ax_rt_fail(struct ax_rt *rt);
/* ax_rt.c: the index of an endpoint record in rt's table, or -1 */
int ax_rt_ep_index(const struct ax_rt *rt, const struct ax_endpoint *ep);
/* ax_rt.c: byte copy (the runtime links no libc) */
void ax_rt_copy(uint8_t *dst, const uint8_t *src, size_t n);

#endif /* AX_RT_INTERNAL_H */
