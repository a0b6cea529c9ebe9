/*
 * node.h - authexd, the node daemon (untrusted): the daemon's state and
 * the functions its files share. docs/node.md is the behavioural contract.
 *
 * One thread, one libuv loop (style habit 18). Everything a connection
 * sends is untrusted: it goes through node_rx (framing, bounds before
 * allocation), ax_frame_open (tag), the permission table (node_perm), the
 * sequence check, and a decoder, in that order. A connection that breaks a
 * rule is answered BYE and closed; the node never crashes and never loses
 * state because of it.
 *
 * Files:
 *   node.c          start, listen, signals, shutdown; deployer-of-deployment
 *   node_session.c  connections: handshake, AUTH, permission table, sending
 *   node_control.c  LOAD/UNLOAD/ADD_ROUTE/PERIODIC/RESET/MODULE_MSG/STATUS
 *   node_event.c    emitted and received events, the local delivery queue
 *   node_peer.c     long-lived links to other nodes
 *   node_timer.c    PERIODIC timers
 *   node_log.c      one structured line per significant event
 *   node_perm.c, node_routes.c, node_modules.c, node_rx.c   pure parts
 */
#ifndef NODE_H
#define NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <authex/platform.h>

#include "ax_wire.h"
#include "node_modules.h"
#include "node_perm.h"
#include "node_routes.h"
#include "node_rx.h"

/* Limits (each enforced and reported with a clear error). */
#define NODE_MAX_SESSIONS 256      /* accepted connections at once */
#define NODE_MAX_DEPLOYMENTS 1024  /* deployer-of-deployment entries */
#define NODE_MAX_TIMERS 1024       /* PERIODIC timers */
#define NODE_MAX_LINKS 64          /* peer nodes */
#define NODE_LINK_QUEUE_MAX 1024   /* pending frames per peer link */
#define NODE_LOCAL_QUEUE_MAX 4096  /* local deliveries waiting */
#define NODE_DRAIN_BATCH 256       /* local deliveries per loop turn */
#define NODE_FLUSH_BATCH 64        /* peer frames per write */
#define NODE_WRITE_BACKLOG_MAX (32u * 1024u * 1024u) /* per connection */
#define NODE_BACKOFF_MIN_MS 100
#define NODE_BACKOFF_MAX_MS 5000
#define NODE_HELLO_TIMEOUT_MS 10000 /* a connection must say HELLO */

struct node;
struct node_link;

/* One TCP connection: accepted (deployer or peer session) or our own
 * outgoing peer link. Heap-allocated; freed in the close callback. */
struct node_conn {
	uv_tcp_t tcp;
	uv_timer_t hello_timer;
	struct node *node;
	struct node_conn *next, *prev; /* node->conns */
	struct node_link *link;        /* outgoing link, else NULL */
	enum node_sess_state state;
	uint32_t id;                   /* for logs */
	bool closing;
	bool keyed;                    /* deployer session: AUTH both ways */
	uint32_t seq_tx, seq_rx;       /* last sent / last accepted */
	uint8_t k_tx[AX_WIRE_KEY_LEN], k_rx[AX_WIRE_KEY_LEN];
	uint8_t nonce[AX_WIRE_NONCE_LEN]; /* ours */
	struct node_rx rx;
	char peer[AX_WIRE_ADDR_MAX + 1]; /* printable remote address */
};

struct node_timer {
	bool in_use;
	uint32_t dep, module;
	uint16_t entry;
	uint32_t period_ms;
	uint8_t *call;    /* the CALL module message: 07 entry arg */
	size_t call_len;
	uint64_t fired, refused;
	uv_timer_t t;
	struct node *node;
};

/* A sealed message waiting for a peer link or local delivery. */
struct node_msg {
	uint32_t dep;
	uint32_t from;    /* emitting module (local queue) */
	size_t len;
	uint8_t msg[];    /* len <= AX_MODULE_MSG_MAX */
};

enum node_link_state {
	NODE_LINK_IDLE = 0, NODE_LINK_CONNECTING, NODE_LINK_HELLO,
	NODE_LINK_UP, NODE_LINK_BACKOFF,
};

struct node_link {
	bool in_use;
	char addr[AX_WIRE_ADDR_MAX + 1];
	struct sockaddr_storage sa;
	enum node_link_state st;
	struct node_conn *conn;
	uv_connect_t connect_req;
	uv_timer_t timer;               /* backoff */
	uint32_t backoff_ms;
	struct node_msg *q[NODE_LINK_QUEUE_MAX]; /* ring */
	size_t q_head, q_count;
	uint64_t sent, dropped, connects;
	struct node *node;
};

#define NODE_DEP_SESSIONS 4 /* deployer sessions remembered per deployment */

struct node_dep_ref {
	uint32_t dep; /* 0 = free entry */
	/* Open deployer sessions that sent a frame for dep, most recent
	 * first; [0] receives the deployment's events to the deployer. When
	 * it closes, the next one takes over. */
	struct node_conn *deployer[NODE_DEP_SESSIONS];
};

struct node_config {
	char name[32];
	uint32_t node_id;
	uint8_t node_key[AX_PLATFORM_KEY_LEN];
	uint8_t control_key[AX_WIRE_KEY_LEN];
	char bind[64];
	uint16_t port;
	const struct ax_platform_ops *platform;
};

struct node {
	uv_loop_t *loop;
	struct node_config cfg;
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	uv_idle_t drain;
	bool stopping;
	uint64_t start_ms;
	struct node_modules mods;
	struct node_routes routes;
	struct node_timer *timers;  /* NODE_MAX_TIMERS */
	struct node_link *links;    /* NODE_MAX_LINKS */
	struct node_conn *conns;    /* every open connection */
	size_t n_sessions;          /* accepted ones */
	uint32_t next_conn_id;
	struct node_dep_ref deps[NODE_MAX_DEPLOYMENTS];
	struct node_msg **lq;       /* local delivery ring */
	size_t lq_head, lq_count;
	/* counters reported in STATUS */
	uint64_t events_routed, events_dropped, frames_rejected;
	uint64_t sessions_refused;
};

/* ------------------------------------------------------------ node.c */

/* node_init - set up tables, bind and listen on cfg->bind:cfg->port and
 * install the signal handlers. Returns 0, or -1 with err filled. */
int node_init(struct node *n, uv_loop_t *loop, const struct node_config *cfg,
	char *err, size_t errlen);
/* node_run - run the loop until SIGINT/SIGTERM; then shut down cleanly
 * (unload modules, close sockets). Returns 0. */
int node_run(struct node *n);
/* node_stop - begin the clean shutdown (what the signals call). */
void node_stop(struct node *n);
/* node_deployer_note - remember c as the deployer of deployment dep (or
 * of nothing when dep is AX_WIRE_ALL); node_deployer_of - the session, or
 * NULL; node_deployer_forget - c is closing. */
void node_deployer_note(struct node *n, uint32_t dep, struct node_conn *c);
struct node_conn *node_deployer_of(struct node *n, uint32_t dep);
void node_deployer_forget(struct node *n, struct node_conn *c);
/* node_uptime_s - seconds since node_init. */
uint32_t node_uptime_s(struct node *n);

/* ---------------------------------------------------- node_session.c */

/* node_session_accept - take a new connection from the listener. */
void node_session_accept(struct node *n);
/* node_session_start - start reading on c (accepted or link), arm the
 * HELLO timeout. c->tcp is initialised and connected. */
int node_session_start(struct node_conn *c);
/* node_session_new - allocate and register a connection (tcp initialised);
 * NULL if out of memory. */
struct node_conn *node_session_new(struct node *n, struct node_link *link);
/* node_session_close - BYE(code, why) unless why is NULL, then close; the
 * struct is freed later (after the BYE was handed to the kernel).
 * Idempotent. */
void node_session_close(struct node_conn *c, uint16_t code, const char *why);
/* node_session_send - seal a frame whose body (body_len bytes) the caller
 * encoded at buf + AX_FRAME_PREFIX_LEN (buf from node_session_buf) and write
 * it. Takes ownership of buf. AUTH when the session is keyed. Returns 0
 * or -1 (the connection is then closing). */
int node_session_send(struct node_conn *c, uint16_t type, uint8_t *buf,
	size_t body_len);
/* node_session_frame - the first half of node_session_send: take the next
 * seq and seal the frame in place in buf (cap bytes; body at buf +
 * AX_FRAME_PREFIX_LEN), *len = its size; several frames may follow each
 * other in one buffer. Returns 0 or -1 (buf is not freed).
 * node_session_write - the second half: write len bytes of whole frames;
 * takes ownership of buf. Returns 0 or -1 (the connection is then
 * closing). */
int node_session_frame(struct node_conn *c, uint16_t type, uint8_t *buf,
	size_t cap, size_t body_len, size_t *len);
int node_session_write(struct node_conn *c, uint8_t *buf, size_t len);
/* node_session_buf - a frame buffer for a body of up to body_cap bytes. */
uint8_t *node_session_buf(size_t body_cap);
/* node_session_hello - send our HELLO (role, our id, c->nonce). */
int node_session_hello(struct node_conn *c, uint8_t role);
/* node_session_result - send RESULT(req seq/type, status, data or text). */
void node_session_result(struct node_conn *c, const struct ax_frame *req,
	uint16_t status, const uint8_t *data, size_t len);
void node_session_result_text(struct node_conn *c, const struct ax_frame *req,
	uint16_t status, const char *text);
/* node_session_backlog - bytes queued for writing on c. */
size_t node_session_backlog(struct node_conn *c);

/* ---------------------------------------------------- node_control.c */

/* node_control_frame - handle a permitted control frame (LOAD_MODULE ..
 * MODULE_MSG, STATUS_REQ) on deployer session c; answers it. */
void node_control_frame(struct node_conn *c, const struct ax_frame *fr);
/* node_control_unload - unload one module (platform + table + timers). */
void node_control_unload(struct node *n, struct node_module *m);
/* node_control_reset - drop modules, routes, timers of dep (or ALL). */
void node_control_reset(struct node *n, uint32_t dep);
/* node_control_call - one message into a module through its platform;
 * returns an ax_rt_status. Marks the module failed if the platform lost
 * it. Never called from inside a module (emit only queues). */
int node_control_call(struct node *n, struct node_module *m,
	const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
	size_t *out_len);

/* ------------------------------------------------------ node_event.c */

/* node_event_emit - the platform emit callback; ctx = struct node_module.
 * Only queues (never re-enters a module). Returns 0 or -1 (dropped). */
int node_event_emit(void *ctx, const uint8_t *msg, size_t len);
/* node_event_frame - an EVENT frame from a deployer or peer session. */
void node_event_frame(struct node_conn *c, const struct ax_frame *fr);
/* node_event_drain - deliver queued local messages (idle callback). */
void node_event_drain(uv_idle_t *h);
/* node_event_clear - free the local queue (shutdown). */
void node_event_clear(struct node *n);

/* ------------------------------------------------------- node_peer.c */

/* node_peer_send - queue an EVENT for the node at addr (a route address
 * that node_routes_addr_parse accepted); connects lazily. Returns 0, or -1 when
 * dropped (queue full, link table full); drops are counted. What is
 * queued on a link that is up leaves with the next node_peer_flush. */
int node_peer_send(struct node *n, const char *addr, uint32_t dep,
	const uint8_t *msg, size_t len);
/* node_peer_flush - write what waits on every link that is up, up to
 * NODE_FLUSH_BATCH frames per write (node_event_drain calls it after each
 * batch of local messages, so frames to one node share a write). */
void node_peer_flush(struct node *n);
/* node_peer_hello - the HELLO answer on our link c arrived (checked). */
void node_peer_hello(struct node_conn *c, const struct ax_wire_hello *h);
/* node_peer_closed - link connection c is gone: back off, reconnect. */
void node_peer_closed(struct node_conn *c);
/* node_peer_init / node_peer_close_all - set up / tear down links. */
int node_peer_init(struct node *n);
void node_peer_close_all(struct node *n);

/* ------------------------------------------------------ node_timer.c */

int node_timer_init(struct node *n);
/* node_timer_set - (re)arm or, with period 0, cancel. Returns an
 * AX_WIRE_RES_* code. */
uint16_t node_timer_set(struct node *n, const struct ax_wire_periodic *p);
/* node_timer_drop - cancel every timer of dep/module (module 0 = all of
 * dep; dep AX_WIRE_ALL = all). */
void node_timer_drop(struct node *n, uint32_t dep, uint32_t module);
void node_timer_close_all(struct node *n);

/* ----------------------------------------------------- node_status.c */

/* node_status_frame - answer STATUS_REQ on c. */
void node_status_frame(struct node_conn *c, const struct ax_frame *fr);

#endif /* NODE_H */
