/*
 * deploy_pipe.c - see deploy_pipe.h.
 */
#include "deploy_pipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

deploy_status deploy_pipe_init(struct deploy_pipe *p, size_t cap, int window,
			       deploy_pipe_done_fn done, void *ctx, char *err,
			       size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->err_item = -1;
	p->req = calloc(cap ? cap : 1, sizeof *p->req);
	if (p->req == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	p->cap = cap;
	p->window = window < 1 ? 1 : window;
	p->done = done;
	p->ctx = ctx;
	return DEPLOY_OK;
}

void deploy_pipe_fail(struct deploy_pipe *p, int item, deploy_status st,
		      const char *msg)
{
	if (p->err_item >= 0 && p->err_item <= item)
		return;
	p->err_item = item;
	p->err_st = st == DEPLOY_OK ? DEPLOY_E_FAIL : st;
	snprintf(p->err, sizeof p->err, "%s", msg != NULL ? msg : "");
}

/* Collect the oldest answer and hand it to done; a failure is noted. */
static deploy_status collect_one(struct deploy_pipe *p, char *err,
				 size_t errlen)
{
	const struct deploy_pipe_req *r = &p->req[p->next++];
	struct ax_wire_result res;
	deploy_status st;

	st = deploy_session_collect(r->s, r->seq, r->type, &res, err, errlen);
	if (st == DEPLOY_OK)
		st = p->done(p->ctx, r, &res, err, errlen);
	if (st != DEPLOY_OK)
		deploy_pipe_fail(p, r->item, st, err);
	return st;
}

static int in_flight(const struct deploy_pipe *p,
		     const struct deploy_session *s)
{
	int n = 0;

	for (size_t i = p->next; i < p->n; i++)
		n += p->req[i].s == s;
	return n;
}

deploy_status deploy_pipe_room(struct deploy_pipe *p,
			       const struct deploy_session *s, char *err,
			       size_t errlen)
{
	deploy_status st = DEPLOY_OK;

	while (st == DEPLOY_OK && in_flight(p, s) >= p->window)
		st = collect_one(p, err, errlen);
	return st;
}

deploy_status deploy_pipe_add(struct deploy_pipe *p, struct deploy_session *s,
			      uint32_t seq, uint16_t type, int item, int side,
			      char *err, size_t errlen)
{
	if (p->n == p->cap) {
		deploy_errf(err, errlen, "internal: more requests than the "
			    "step planned (%zu)", p->cap);
		return DEPLOY_E_FAIL;
	}
	p->req[p->n++] = (struct deploy_pipe_req){s, seq, type, item, side};
	return DEPLOY_OK;
}

deploy_status deploy_pipe_finish(struct deploy_pipe *p, char *err,
				 size_t errlen)
{
	while (p->next < p->n)
		(void)collect_one(p, err, errlen); /* noted by collect_one */
	if (p->err_item < 0)
		return DEPLOY_OK;
	deploy_errf(err, errlen, "%s", p->err);
	return p->err_st;
}

void deploy_pipe_free(struct deploy_pipe *p)
{
	free(p->req);
	memset(p, 0, sizeof *p);
	p->err_item = -1;
}
