/*
 * axp_chan.c - channel framing of the `process` platform; see axp_chan.h.
 *
 * Both directions use sendmsg/recvmsg only, so the module host's seccomp
 * filter needs exactly those two calls (on its channel descriptor).
 */
#define _GNU_SOURCE /* MSG_CMSG_CLOEXEC */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "axp_chan.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write len bytes with sendmsg (the host's filter allows nothing else). */
static axp_chan_status send_bytes(int fd, const uint8_t *buf,
					   size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iovec iov = {(void *)(buf + done), len - done};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return (w < 0 && errno == EPIPE) ? AXP_E_CLOSED : AXP_E_IO;
		done += (size_t)w;
	}
	return AXP_OK;
}

axp_chan_status axp_chan_send(int fd, uint8_t type, const uint8_t *a,
			      size_t a_len, const uint8_t *b, size_t b_len,
			      int pass_fd)
{
	uint8_t hdr[AXP_HDR_LEN];
	struct iovec iov[3] = {{hdr, sizeof(hdr)}, {(void *)a, a_len},
			       {(void *)b, b_len}};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 3};
	size_t total = sizeof(hdr) + a_len + b_len, done = 0;

	if (1 + a_len + b_len > UINT32_MAX)
		return AXP_E_IO;
	ax_store_be32(hdr, (uint32_t)(1 + a_len + b_len));
	hdr[4] = type;
	if (pass_fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), &pass_fd, sizeof(int));
	}
	while (done < total) {
		ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return (w < 0 && errno == EPIPE) ? AXP_E_CLOSED : AXP_E_IO;
		done += (size_t)w;
		mh.msg_control = NULL; /* the descriptor went with byte one */
		mh.msg_controllen = 0;
		for (size_t k = (size_t)w; k > 0;) { /* advance the iovecs */
			size_t step = k < mh.msg_iov->iov_len ? k : mh.msg_iov->iov_len;
			mh.msg_iov->iov_base = (uint8_t *)mh.msg_iov->iov_base + step;
			mh.msg_iov->iov_len -= step;
			k -= step;
			if (mh.msg_iov->iov_len == 0 && mh.msg_iovlen > 1) {
				mh.msg_iov++;
				mh.msg_iovlen--;
			}
		}
	}
	return AXP_OK;
}

/* Keep the first descriptor of an SCM_RIGHTS message in *got (if wanted
 * and none yet); close every other one. */
static void take_fds(struct msghdr *mh, int *got)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (got != NULL && *got < 0)
				*got = fd;
			else
				close(fd);
		}
	}
}

/* Wait until fd is readable or the deadline (< 0: none) passed. */
static axp_chan_status wait_in(int fd, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int left, r;

	if (deadline < 0)
		return AXP_OK;
	for (;;) {
		left = (int)(deadline - now_ms());
		if (left < 0)
			left = 0;
		r = poll(&p, 1, left);
		if (r > 0)
			return AXP_OK;
		if (r == 0)
			return AXP_E_TIMEOUT;
		if (errno != EINTR)
			return AXP_E_IO;
	}
}

/* One recvmsg of up to n bytes into p: *got bytes (>= 1). EOF is CLOSED
 * when nothing of a frame was read yet (frame_start), else IO. A passed
 * descriptor goes to *got_fd if wanted (got_fd != NULL), else closed. */
static axp_chan_status read_some(int fd, uint8_t *p, size_t n,
				 int64_t deadline, int frame_start,
				 size_t *got, int *got_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cm;

	for (;;) {
		struct iovec iov = {p, n};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf)};
		axp_chan_status st = wait_in(fd, deadline);
		ssize_t r;

		if (st != AXP_OK)
			return st;
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return AXP_E_IO;
		take_fds(&mh, got_fd);
		if (r == 0)
			return frame_start ? AXP_E_CLOSED : AXP_E_IO;
		*got = (size_t)r;
		return AXP_OK;
	}
}

/* Read exactly n bytes. */
static axp_chan_status read_full(int fd, uint8_t *p, size_t n,
				 int64_t deadline, int *got_fd, int frame_start)
{
	size_t done = 0, got;
	axp_chan_status st;

	while (done < n) {
		st = read_some(fd, p + done, n - done, deadline,
			       frame_start && done == 0, &got, got_fd);
		if (st != AXP_OK)
			return st;
		done += got;
	}
	return AXP_OK;
}

axp_chan_status axp_chan_recv(int fd, uint8_t **buf, size_t cap,
			      size_t max_body, int timeout_ms, int *got_fd,
			      struct axp_frame *f)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint8_t hdr[AXP_HDR_LEN];
	uint32_t len;
	axp_chan_status st;

	if (got_fd != NULL)
		*got_fd = -1;
	st = read_full(fd, hdr, sizeof(hdr), deadline, got_fd, 1);
	if (st != AXP_OK)
		return st;
	len = ax_load_be32(hdr);
	if (len == 0)
		return AXP_E_EMPTY;
	if (len - 1 > max_body || (*buf != NULL && len - 1 > cap))
		return AXP_E_TOO_LARGE;
	if (*buf == NULL && (*buf = malloc(len > 1 ? len - 1 : 1)) == NULL)
		return AXP_E_NOMEM;
	f->type = hdr[4];
	f->body = *buf;
	f->body_len = len - 1;
	return read_full(fd, *buf, len - 1, deadline, got_fd, 0);
}

size_t axp_chan_put(uint8_t *dst, uint8_t type, const uint8_t *a,
		    size_t a_len, const uint8_t *b, size_t b_len)
{
	ax_store_be32(dst, (uint32_t)(1 + a_len + b_len));
	dst[4] = type;
	if (a_len > 0)
		memcpy(dst + AXP_HDR_LEN, a, a_len);
	if (b_len > 0)
		memcpy(dst + AXP_HDR_LEN + a_len, b, b_len);
	return AXP_HDR_LEN + a_len + b_len;
}

axp_chan_status axp_chan_write(int fd, const uint8_t *buf, size_t len)
{
	return send_bytes(fd, buf, len);
}

/* Is a whole frame buffered? OK (f filled, consumed), NEED (-1) or an
 * error when the length field is out of bounds. */
static int buffered_frame(struct axp_rbuf *r, size_t max_body,
			  struct axp_frame *f, axp_chan_status *st)
{
	size_t avail = r->end - r->start;
	uint32_t len;

	if (avail < AXP_HDR_LEN)
		return 0;
	len = ax_load_be32(r->b + r->start);
	if (len == 0) {
		*st = AXP_E_EMPTY;
		return -1;
	}
	if (len - 1 > max_body || AXP_HDR_LEN + (size_t)len - 1 > r->cap) {
		*st = AXP_E_TOO_LARGE;
		return -1;
	}
	if (avail < AXP_HDR_LEN + (size_t)len - 1)
		return 0;
	f->type = r->b[r->start + 4];
	f->body = r->b + r->start + AXP_HDR_LEN;
	f->body_len = len - 1;
	r->start += AXP_HDR_LEN + (size_t)len - 1;
	*st = AXP_OK;
	return 1;
}

axp_chan_status axp_chan_recv_buf(int fd, struct axp_rbuf *r,
				  size_t max_body, int timeout_ms,
				  struct axp_frame *f)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	axp_chan_status st = AXP_OK;
	size_t n;

	for (;;) {
		if (buffered_frame(r, max_body, f, &st) != 0)
			return st;
		if (r->start > 0) { /* keep the partial frame at the front */
			memmove(r->b, r->b + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		st = read_some(fd, r->b + r->end, r->cap - r->end, deadline,
			       r->end == 0, &n, NULL);
		if (st != AXP_OK)
			return st;
		r->end += n;
	}
}

const char *axp_chan_status_name(axp_chan_status st)
{
	switch (st) {
	case AXP_OK: return "ok";
	case AXP_E_CLOSED: return "channel closed";
	case AXP_E_IO: return "channel I/O error";
	case AXP_E_TIMEOUT: return "timed out";
	case AXP_E_TOO_LARGE: return "frame above the maximum";
	case AXP_E_EMPTY: return "empty frame";
	case AXP_E_NOMEM: return "out of memory";
	}
	return "unknown";
}
