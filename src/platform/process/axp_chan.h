/*
 * axp_chan.h - the framing of the `process` platform's two private
 * channels (Unix stream socketpairs), and the one reader and writer both
 * sides use:
 *
 *   daemon (authexd) <-> monitor      LOAD / KILL requests, replies; the
 *                                     LOADED reply carries the module's
 *                                     channel as an SCM_RIGHTS descriptor
 *   monitor, then daemon <-> module host (authex-modhost)
 *                                     INIT (from the monitor only), then
 *                                     MSG in, EMIT* and ANSWER out
 *
 * Frame: len(4, big-endian) type(1) body(len - 1). len counts the type
 * and body, 1 <= len <= the reader's maximum, which the reader checks
 * BEFORE it reads (or allocates for) the body. Every integer is
 * big-endian. No frame crosses a machine boundary; both ends are on one
 * kernel, but each end treats the other's bytes as untrusted.
 *
 * Bodies (offsets in bytes):
 *  INIT    0x01  instance(4) k_m(32) image(n)           monitor -> host
 *  MSG     0x02  out_cap(4) module_msg(n)               daemon  -> host
 *  READY   0x81  status(1) text(n)                      host    -> monitor
 *                status 0 = module started; else text says why not
 *  EMIT    0x82  module_msg(1..AX_MODULE_MSG_MAX)       host    -> daemon
 *  ANSWER  0x83  status(1) out(n <= out_cap)            host    -> daemon
 *  M_LOAD  0x10  instance(4) image(n)                   daemon  -> monitor
 *  M_KILL  0x11  id(4)                                  daemon  -> monitor
 *  M_LOADED 0x90 id(4) pid(4) measurement(32) + fd     monitor -> daemon
 *  M_ERROR 0x91  text(n)                                monitor -> daemon
 *  M_KILLED 0x92 id(4) wait_status(4)                   monitor -> daemon
 *                (the host's waitpid status; 0xffffffff: no such id)
 *
 * Errors: every function returns an axp_chan_status (0 = OK).
 */
#ifndef AXP_CHAN_H
#define AXP_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "ax_msg.h"

enum axp_chan_type {
	AXP_INIT = 0x01,
	AXP_MSG = 0x02,
	AXP_M_LOAD = 0x10,
	AXP_M_KILL = 0x11,
	AXP_READY = 0x81,
	AXP_EMIT = 0x82,
	AXP_ANSWER = 0x83,
	AXP_M_LOADED = 0x90,
	AXP_M_ERROR = 0x91,
	AXP_M_KILLED = 0x92,
};

#define AXP_HDR_LEN 5        /* len(4) type(1) */
#define AXP_IMAGE_MAX (4u * 1024u * 1024u) /* = AX_WIRE_IMAGE_MAX */
#define AXP_TEXT_MAX 240     /* READY / M_ERROR texts */
#define AXP_INIT_FIXED (4 + AX_MODULE_KEY_LEN)
#define AXP_LOAD_FIXED 4
#define AXP_LOADED_LEN (4 + 4 + AX_MEASUREMENT_LEN)
/* Largest body each reader accepts. */
#define AXP_INIT_BODY_MAX (AXP_INIT_FIXED + AXP_IMAGE_MAX)
#define AXP_LOAD_BODY_MAX (AXP_LOAD_FIXED + AXP_IMAGE_MAX)
#define AXP_MSG_BODY_MAX (4 + AX_MODULE_MSG_MAX)
#define AXP_HOST_OUT_BODY_MAX (1 + AX_MODULE_MSG_MAX) /* EMIT, ANSWER */
#define AXP_REPLY_BODY_MAX (AXP_LOADED_LEN + AXP_TEXT_MAX)

typedef enum {
	AXP_OK = 0,
	AXP_E_CLOSED = 1,   /* the other end closed the channel */
	AXP_E_IO = 2,       /* read/write/poll failed */
	AXP_E_TIMEOUT = 3,  /* nothing whole before the deadline */
	AXP_E_TOO_LARGE = 4,/* length field above the reader's maximum */
	AXP_E_EMPTY = 5,    /* length field 0 */
	AXP_E_NOMEM = 6,
} axp_chan_status;

/* A received frame; body points into the reader's buffer. */
struct axp_frame {
	uint8_t type;
	const uint8_t *body;
	size_t body_len;
};

/*
 * axp_chan_send - write one frame of type with the body made of up to two
 * parts (a fixed header and a payload; either may be empty), and, when
 * pass_fd >= 0, the descriptor pass_fd (SCM_RIGHTS, with the first byte).
 * Blocks until written; never raises SIGPIPE (MSG_NOSIGNAL). Returns OK,
 * CLOSED or IO.
 */
axp_chan_status axp_chan_send(int fd, uint8_t type, const uint8_t *a,
	size_t a_len, const uint8_t *b, size_t b_len, int pass_fd);

/*
 * axp_chan_recv - read exactly one frame.
 *  buf/cap: where the frame body goes; when *buf is NULL the body is
 *  allocated (malloc, exactly its size, after the length check) and the
 *  caller frees *buf.
 *  max_body: the largest body accepted, checked before the body is read.
 *  timeout_ms: < 0 = wait forever; else the whole frame must be there in
 *  that time.
 *  got_fd: NULL to refuse descriptors (any that arrive are closed), else
 *  set to a received descriptor or -1.
 * Returns OK (f filled), CLOSED (EOF before any byte), IO (also EOF inside
 * a frame), TIMEOUT, TOO_LARGE, EMPTY, NOMEM. After an error the stream is
 * out of step: close it.
 */
axp_chan_status axp_chan_recv(int fd, uint8_t **buf, size_t cap,
	size_t max_body, int timeout_ms, int *got_fd, struct axp_frame *f);

/*
 * Buffered reading and writing, so that a burst of frames (EMIT* ANSWER)
 * costs one system call each way instead of two per frame.
 *
 * struct axp_rbuf: the caller's buffer b/cap (cap >= AXP_HDR_LEN + the
 * largest body it accepts); start/end: the unread bytes, both 0 at first.
 * axp_chan_recv_buf - like axp_chan_recv, with the body left in r->b
 *  (valid until the next call on r); a frame longer than r can hold is
 *  TOO_LARGE whatever max_body says. Descriptors are refused (closed).
 * axp_chan_put - encode one frame (header, a, b) at dst, which holds
 *  AXP_HDR_LEN + a_len + b_len bytes; returns that size.
 * axp_chan_write - write len bytes (already framed) to fd; OK/CLOSED/IO.
 */
struct axp_rbuf {
	uint8_t *b;
	size_t cap, start, end;
};

axp_chan_status axp_chan_recv_buf(int fd, struct axp_rbuf *r,
	size_t max_body, int timeout_ms, struct axp_frame *f);
size_t axp_chan_put(uint8_t *dst, uint8_t type, const uint8_t *a,
	size_t a_len, const uint8_t *b, size_t b_len);
axp_chan_status axp_chan_write(int fd, const uint8_t *buf, size_t len);

/* axp_chan_status_name - constant text for logs and errors. */
const char *axp_chan_status_name(axp_chan_status st);

#endif /* AXP_CHAN_H */
