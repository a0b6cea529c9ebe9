/*
 * deploy_pipe.h - requests in flight to several nodes at once.
 *
 * The deployer is single-threaded; instead of waiting for each answer
 * before sending the next request, a step sends its requests to every
 * node it concerns and collects the answers afterwards, so the nodes work
 * at the same time. A pipe records each request sent (session, seq, type,
 * what it was for) and collects the answers in the order the requests
 * were sent, which on each session is the order its node answers in
 * (deploy_session.h, Pipelining). At most `window` requests are in flight
 * per session: deploy_pipe_room collects the oldest answers until the
 * session has room.
 *
 * For every answer collected, the pipe calls done(ctx, req, res, ...):
 * the step records what the answer means (in the state database) before
 * the next answer is collected, so a deployer killed at any point has
 * recorded exactly the answers it saw. A request whose answer was never
 * collected (the deployer was killed) may have been carried out by its
 * node without being recorded; every step is one a node accepts again
 * (docs/deployer.md, "Resume and nonces").
 *
 * Failures are reported in the order of the step's items, as if the
 * requests had been sent one by one: a step stops sending at its first
 * failure (deploy_pipe_fail for one of its own, or a failed answer that
 * deploy_pipe_room collected), then deploy_pipe_finish collects every
 * answer still outstanding (recording the successes) and reports the
 * failure of the lowest item.
 */
#ifndef DEPLOY_PIPE_H
#define DEPLOY_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_session.h"
#include "deploy_util.h"

struct deploy_pipe_req {
	struct deploy_session *s;
	uint32_t seq;
	uint16_t type;   /* AX_WIRE_* of the request, for messages */
	int item;        /* the step's own index (module, connection, ...) */
	int side;        /* the step's own second index, or -1 */
};

/* The step's handling of one answer (res: a view valid during the call).
 * A status other than DEPLOY_OK stops the pipe. */
typedef deploy_status (*deploy_pipe_done_fn)(void *ctx,
	const struct deploy_pipe_req *req, const struct ax_wire_result *res,
	char *err, size_t errlen);

struct deploy_pipe {
	struct deploy_pipe_req *req;   /* in the order sent */
	size_t n, cap, next;           /* next: the oldest not collected */
	int window;
	deploy_pipe_done_fn done;
	void *ctx;
	int err_item;                  /* the lowest failed item, or -1 */
	deploy_status err_st;
	char err[1024];                /* its message */
};

/* Room for cap requests, at most window (>= 1) in flight per session. */
DEPLOY_MUST_CHECK deploy_status deploy_pipe_init(struct deploy_pipe *p,
	size_t cap, int window, deploy_pipe_done_fn done, void *ctx,
	char *err, size_t errlen);

/* Collect answers, oldest first, until s has fewer than window requests
 * in flight. Call before sending a request on s. A failed answer is
 * noted (deploy_pipe_fail) and returned: stop sending. */
DEPLOY_MUST_CHECK deploy_status deploy_pipe_room(struct deploy_pipe *p,
	const struct deploy_session *s, char *err, size_t errlen);

/* Record a request just sent on s. DEPLOY_E_FAIL when cap is reached
 * (a caller's bug: cap is the number of requests the step can send). */
DEPLOY_MUST_CHECK deploy_status deploy_pipe_add(struct deploy_pipe *p,
	struct deploy_session *s, uint32_t seq, uint16_t type, int item,
	int side, char *err, size_t errlen);

/* Note that item failed with status st and message msg; the failure of
 * the lowest item is the one reported. */
void deploy_pipe_fail(struct deploy_pipe *p, int item, deploy_status st,
		      const char *msg);

/* Collect every answer still outstanding, then report the failure of
 * the lowest item (its message in err; p->err_item says which), or
 * DEPLOY_OK when there was none. */
DEPLOY_MUST_CHECK deploy_status deploy_pipe_finish(struct deploy_pipe *p,
	char *err, size_t errlen);

void deploy_pipe_free(struct deploy_pipe *p);

#endif /* DEPLOY_PIPE_H */
