/*
 * ax_mitm.c - a man in the middle for the network attack tests.
 *
 * A TCP relay: it listens on one port, connects each accepted client to a
 * target node and copies bytes both ways. The client-to-target stream is
 * parsed frame by frame with ax_frame_peek and ax_wire_decode_event (the
 * same bounds-checked code the nodes use), and EVENT frames that carry no
 * AUTH tag - the sealed events of a peer link between two nodes
 * (docs/node.md section 2) - are attacked according to --mode:
 *
 *   pass     forward everything unchanged (the control experiment)
 *   tamper   flip one bit of each event's sealed payload
 *   replay   send each event twice
 *   reorder  swap each pair of consecutive events of a connection
 *   drop     drop every second event of a connection
 *   inject   after each event, add a forged one on the same connection
 *            with the next counter and random ciphertext and tag
 *
 * Every other frame, and every AUTH frame (a deployer session), passes
 * untouched: the relay attacks the end-to-end protection of events, not
 * the session layer. If the client's stream cannot be parsed, the relay
 * says so and copies the rest raw, so the node judges it.
 *
 * Each action is one line on stderr; on SIGINT/SIGTERM the totals follow.
 * With --stats FILE the totals are also rewritten into FILE after every
 * event ("key value" lines), so a test can read them while the relay runs.
 *
 * Usage:
 *   ax_mitm --listen PORT --target HOST:PORT [--bind ADDR]
 *           [--mode pass|tamper|replay|reorder|drop|inject] [--stats FILE]
 * PORT 0 picks a free port; the line "ax_mitm: listening on ADDR:PORT"
 * says which. Addresses are IPv4 literals. Test tool: single-threaded,
 * blocking writes, at most MAX_PAIRS connections at once.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_wire.h"

#define MAX_PAIRS 16
#define MAX_TRACKS 64 /* connections (deployment, conn id) told apart */
#define BUF_INIT (64u * 1024u)
#define READ_CHUNK (64u * 1024u)
/* Offsets inside an EVENT frame: frame prefix, then deployment(4)
 * msg_len(4), then the module message type(1) conn(4) counter(8) ct tag. */
#define EV_MSG_OFF (AX_FRAME_PREFIX_LEN + 8)
#define EV_COUNTER_OFF (EV_MSG_OFF + 5)
#define EV_SEALED_OFF (EV_MSG_OFF + 13)

enum mode { M_PASS, M_TAMPER, M_REPLAY, M_REORDER, M_DROP, M_INJECT };
static const char *const mode_names[] = {"pass", "tamper", "replay",
					 "reorder", "drop", "inject"};

struct counts {
	uint64_t connections, frames, events, passed, tampered, replayed,
		reordered, dropped, injected, raw_bytes;
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* What the relay knows about one connection of one deployment: events
 * of different connections are interleaved on one peer link, and reorder
 * and drop act per connection so that the receiver sees the effect. */
struct track {
	uint32_t dep, conn;
	uint64_t seen;   /* events of this connection so far */
	uint8_t *held;   /* reorder: the first event of a pair */
	size_t held_len;
};

struct pair {
	int cfd, tfd;    /* client side, target side; -1 = free slot */
	unsigned id;
	int raw;         /* the client stream stopped parsing: copy raw */
	struct buf up;   /* client -> target bytes not yet forwarded */
	struct track tracks[MAX_TRACKS];
	size_t n_tracks;
};

struct mitm {
	enum mode mode;
	int lfd;
	struct sockaddr_in target;
	const char *stats;
	struct pair pairs[MAX_PAIRS];
	struct counts n;
	unsigned next_id;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The relay's one log function: a test tool reports as it goes. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ax_mitm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------- sockets */

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int parse_ipv4(const char *host, uint16_t port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* "65535" -> 65535; allow_zero for --listen. -1 on anything else. */
static long parse_port(const char *s, int allow_zero)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 65535 ||
	    v < (allow_zero ? 0 : 1))
		return -1;
	return v;
}

/* "127.0.0.1:7312" -> sockaddr. */
static int parse_target(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = parse_port(colon + 1, 0);
	if (port < 0)
		return -1;
	return parse_ipv4(host, (uint16_t)port, sa);
}

static int listen_on(const char *bind_addr, long port, uint16_t *bound)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int one = 1, fd;

	if (parse_ipv4(bind_addr, (uint16_t)port, &sa) != 0)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static int connect_target(const struct sockaddr_in *sa)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* ------------------------------------------------------------- buffers */

/* Make room for need bytes in total; need was bounded by ax_frame_peek
 * (at most AX_FRAME_MAX) or is READ_CHUNK beyond the current length. */
static int buf_reserve(struct buf *b, size_t need)
{
	uint8_t *p;

	if (need <= b->cap)
		return 0;
	if (need > AX_FRAME_MAX + READ_CHUNK)
		return -1;
	p = realloc(b->p, need);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = need;
	return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

/* ------------------------------------------------------------- attacks */

static void write_stats(const struct mitm *m)
{
	char tmp[4096];
	FILE *f;

	if (m->stats == NULL ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", m->stats) >= (int)sizeof tmp)
		return;
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f,
		"mode %s\nconnections %llu\nframes %llu\nevents %llu\n"
		"passed %llu\ntampered %llu\nreplayed %llu\nreordered %llu\n"
		"dropped %llu\ninjected %llu\nraw_bytes %llu\n",
		mode_names[m->mode], (unsigned long long)m->n.connections,
		(unsigned long long)m->n.frames,
		(unsigned long long)m->n.events,
		(unsigned long long)m->n.passed,
		(unsigned long long)m->n.tampered,
		(unsigned long long)m->n.replayed,
		(unsigned long long)m->n.reordered,
		(unsigned long long)m->n.dropped,
		(unsigned long long)m->n.injected,
		(unsigned long long)m->n.raw_bytes);
	if (fclose(f) == 0)
		(void)rename(tmp, m->stats);
}

/* A forged EVENT for the same deployment and connection with the next
 * counter: a header anyone can read off the wire, and random bytes where
 * the ciphertext and the tag go. Only the connection key could make it
 * verify. */
static int forge(const uint8_t *frame, size_t len, uint8_t *out)
{
	memcpy(out, frame, EV_SEALED_OFF);
	ax_store_be64(out + EV_COUNTER_OFF,
		      ax_load_be64(frame + EV_COUNTER_OFF) + 1);
	return ax_random(out + EV_SEALED_OFF, len - EV_SEALED_OFF) ==
			       AX_CRYPTO_OK
		       ? 0
		       : -1;
}

static int do_inject(struct mitm *m, struct pair *pr, const uint8_t *frame,
		     size_t len, const struct ax_wire_event *ev)
{
	uint8_t *fake = malloc(len);
	int rc;

	if (fake == NULL || forge(frame, len, fake) != 0) {
		free(fake);
		return -1;
	}
	rc = write_all(pr->tfd, fake, len);
	free(fake);
	if (rc == 0) {
		m->n.injected++;
		say("[%u] inject: forged EVENT dep %u conn %u counter %llu",
		    pr->id, ev->deployment, ev->conn,
		    (unsigned long long)ev->counter + 1);
	}
	return rc;
}

/* The track of ev's connection on this link, or NULL when the table is
 * full (the event then passes unchanged). */
static struct track *track_of(struct pair *pr, const struct ax_wire_event *ev)
{
	struct track *t;

	for (size_t i = 0; i < pr->n_tracks; i++)
		if (pr->tracks[i].dep == ev->deployment &&
		    pr->tracks[i].conn == ev->conn)
			return &pr->tracks[i];
	if (pr->n_tracks == MAX_TRACKS)
		return NULL;
	t = &pr->tracks[pr->n_tracks++];
	t->dep = ev->deployment;
	t->conn = ev->conn;
	return t;
}

static int do_reorder(struct mitm *m, struct pair *pr, struct track *t,
		      const uint8_t *frame, size_t len,
		      const struct ax_wire_event *ev)
{
	int rc;

	if (t->held == NULL) {
		t->held = malloc(len);
		if (t->held == NULL)
			return -1;
		memcpy(t->held, frame, len);
		t->held_len = len;
		say("[%u] reorder: holding EVENT conn %u counter %llu", pr->id,
		    ev->conn, (unsigned long long)ev->counter);
		return 0;
	}
	rc = write_all(pr->tfd, frame, len);
	if (rc == 0)
		rc = write_all(pr->tfd, t->held, t->held_len);
	free(t->held);
	t->held = NULL;
	if (rc == 0) {
		m->n.reordered++;
		say("[%u] reorder: sent counter %llu before the held one",
		    pr->id, (unsigned long long)ev->counter);
	}
	return rc;
}

/* frame is a whole, parsed, unauthenticated EVENT (writable copy). */
static int attack(struct mitm *m, struct pair *pr, uint8_t *frame,
		  size_t len, const struct ax_wire_event *ev)
{
	unsigned long long ctr = (unsigned long long)ev->counter;
	struct track *t = track_of(pr, ev);

	m->n.events++;
	if (t == NULL) {
		say("[%u] too many connections: EVENT conn %u passes", pr->id,
		    ev->conn);
		m->n.passed++;
		return write_all(pr->tfd, frame, len);
	}
	t->seen++;
	switch (m->mode) {
	case M_TAMPER:
		frame[EV_SEALED_OFF] ^= 0x01;
		m->n.tampered++;
		say("[%u] tamper: flipped a bit of EVENT conn %u counter %llu",
		    pr->id, ev->conn, ctr);
		return write_all(pr->tfd, frame, len);
	case M_REPLAY:
		if (write_all(pr->tfd, frame, len) != 0)
			return -1;
		m->n.replayed++;
		say("[%u] replay: EVENT conn %u counter %llu sent twice",
		    pr->id, ev->conn, ctr);
		return write_all(pr->tfd, frame, len);
	case M_REORDER:
		return do_reorder(m, pr, t, frame, len, ev);
	case M_DROP:
		if (t->seen % 2 == 0) {
			m->n.dropped++;
			say("[%u] drop: EVENT conn %u counter %llu", pr->id,
			    ev->conn, ctr);
			return 0;
		}
		break;
	case M_INJECT:
		if (write_all(pr->tfd, frame, len) != 0)
			return -1;
		m->n.passed++;
		return do_inject(m, pr, frame, len, ev);
	case M_PASS:
		break;
	}
	m->n.passed++;
	return write_all(pr->tfd, frame, len);
}

/* One whole frame from the client, as sized by ax_frame_peek. */
static int handle_frame(struct mitm *m, struct pair *pr, uint8_t *frame,
			size_t len)
{
	struct ax_wire_event ev;
	uint16_t type = ax_load_be16(frame + AX_FRAME_LEN_SIZE);
	uint16_t flags = ax_load_be16(frame + AX_FRAME_LEN_SIZE + 2);
	int rc;

	m->n.frames++;
	if (type != AX_WIRE_EVENT || (flags & AX_FRAME_F_AUTH) != 0)
		return write_all(pr->tfd, frame, len);
	if (ax_wire_decode_event(frame + AX_FRAME_PREFIX_LEN,
				 len - AX_FRAME_PREFIX_LEN, &ev) != AX_WIRE_OK) {
		say("[%u] malformed EVENT body: forwarded as is", pr->id);
		return write_all(pr->tfd, frame, len);
	}
	rc = attack(m, pr, frame, len, &ev);
	write_stats(m);
	return rc;
}

/* Forward every whole frame in pr->up; keep a partial one. */
static int pump_up(struct mitm *m, struct pair *pr)
{
	for (;;) {
		size_t flen = 0;
		ax_wire_status st;

		if (pr->raw) {
			m->n.raw_bytes += pr->up.len;
			if (write_all(pr->tfd, pr->up.p, pr->up.len) != 0)
				return -1;
			pr->up.len = 0;
			return 0;
		}
		st = ax_frame_peek(pr->up.p, pr->up.len, &flen);
		if (st == AX_WIRE_NEED_MORE)
			return buf_reserve(&pr->up, flen);
		if (st != AX_WIRE_OK) {
			say("[%u] client stream unparsable (%s): copying raw",
			    pr->id, ax_wire_status_name(st));
			pr->raw = 1;
			continue;
		}
		if (handle_frame(m, pr, pr->up.p, flen) != 0)
			return -1;
		buf_consume(&pr->up, flen);
	}
}

/* ------------------------------------------------------------ the loop */

static void close_pair(struct mitm *m, struct pair *pr, const char *why)
{
	for (size_t i = 0; i < pr->n_tracks; i++) {
		if (pr->tracks[i].held != NULL)
			say("[%u] reorder: an event of conn %u was held back "
			    "and is never sent", pr->id, pr->tracks[i].conn);
		free(pr->tracks[i].held);
	}
	say("[%u] closed (%s)", pr->id, why);
	close(pr->cfd);
	close(pr->tfd);
	free(pr->up.p);
	memset(pr, 0, sizeof *pr);
	pr->cfd = pr->tfd = -1;
	write_stats(m);
}

static void accept_one(struct mitm *m)
{
	struct pair *pr = NULL;
	int one = 1;
	int cfd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	for (size_t i = 0; i < MAX_PAIRS && pr == NULL; i++)
		if (m->pairs[i].cfd < 0)
			pr = &m->pairs[i];
	if (pr == NULL) {
		say("connection refused: all %d slots in use", MAX_PAIRS);
		close(cfd);
		return;
	}
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	pr->tfd = connect_target(&m->target);
	if (pr->tfd < 0 || buf_reserve(&pr->up, BUF_INIT) != 0) {
		say("cannot reach the target: %s", strerror(errno));
		if (pr->tfd >= 0)
			close(pr->tfd);
		pr->tfd = -1;
		close(cfd);
		return;
	}
	pr->cfd = cfd;
	pr->id = ++m->next_id;
	m->n.connections++;
	say("[%u] connection accepted and relayed", pr->id);
}

/* Client bytes: append, then forward whole frames. */
static int client_readable(struct mitm *m, struct pair *pr)
{
	ssize_t r;

	if (buf_reserve(&pr->up, pr->up.len + READ_CHUNK) != 0)
		return -1;
	r = read(pr->cfd, pr->up.p + pr->up.len, READ_CHUNK);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0)
		return -1;
	pr->up.len += (size_t)r;
	return pump_up(m, pr);
}

/* Target bytes go back to the client unchanged. */
static int target_readable(struct pair *pr)
{
	uint8_t chunk[16384];
	ssize_t r = read(pr->tfd, chunk, sizeof chunk);

	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0)
		return -1;
	return write_all(pr->cfd, chunk, (size_t)r);
}

static void service(struct mitm *m, struct pollfd *fds, size_t nfds)
{
	if (fds[0].revents & POLLIN)
		accept_one(m);
	for (size_t i = 1; i + 1 < nfds; i += 2) {
		struct pair *pr = &m->pairs[(i - 1) / 2];
		if (pr->cfd < 0)
			continue;
		if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    client_readable(m, pr) != 0) {
			close_pair(m, pr, "client side ended");
			continue;
		}
		if ((fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    target_readable(pr) != 0)
			close_pair(m, pr, "target side ended");
	}
}

static void run(struct mitm *m)
{
	struct pollfd fds[1 + 2 * MAX_PAIRS];

	while (!stopping) {
		size_t n = 1;
		fds[0] = (struct pollfd){m->lfd, POLLIN, 0};
		for (size_t i = 0; i < MAX_PAIRS; i++) {
			/* A free slot polls fd -1: poll ignores it. */
			fds[n++] = (struct pollfd){m->pairs[i].cfd, POLLIN, 0};
			fds[n++] = (struct pollfd){m->pairs[i].tfd, POLLIN, 0};
		}
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return;
		}
		service(m, fds, n);
	}
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr,
		"usage: ax_mitm --listen PORT --target HOST:PORT [--bind ADDR]\n"
		"               [--mode pass|tamper|replay|reorder|drop|inject]"
		" [--stats FILE]\n");
	return 2;
}

static int parse_mode(const char *s, enum mode *out)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum mode)i;
			return 0;
		}
	return -1;
}

struct args {
	const char *listen, *target, *bind, *mode, *stats;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--listen") == 0)
			slot = &a->listen;
		else if (strcmp(argv[i], "--target") == 0)
			slot = &a->target;
		else if (strcmp(argv[i], "--bind") == 0)
			slot = &a->bind;
		else if (strcmp(argv[i], "--mode") == 0)
			slot = &a->mode;
		else if (strcmp(argv[i], "--stats") == 0)
			slot = &a->stats;
		if (slot == NULL || i + 1 >= argc)
			return -1;
		*slot = argv[++i];
	}
	return a->listen != NULL && a->target != NULL ? 0 : -1;
}

static void print_totals(const struct mitm *m)
{
	fprintf(stderr,
		"ax_mitm: totals (mode %s): connections %llu, frames %llu, "
		"events %llu, passed %llu, tampered %llu, replayed %llu, "
		"reordered %llu, dropped %llu, injected %llu, raw bytes %llu\n",
		mode_names[m->mode], (unsigned long long)m->n.connections,
		(unsigned long long)m->n.frames,
		(unsigned long long)m->n.events,
		(unsigned long long)m->n.passed,
		(unsigned long long)m->n.tampered,
		(unsigned long long)m->n.replayed,
		(unsigned long long)m->n.reordered,
		(unsigned long long)m->n.dropped,
		(unsigned long long)m->n.injected,
		(unsigned long long)m->n.raw_bytes);
}

int main(int argc, char **argv)
{
	static struct mitm m;
	struct args a = {NULL, NULL, "127.0.0.1", "pass", NULL};
	struct sigaction sa;
	uint16_t port;
	long lport;

	if (parse_args(argc, argv, &a) != 0 || parse_mode(a.mode, &m.mode) != 0)
		return usage();
	lport = parse_port(a.listen, 1);
	if (lport < 0 || parse_target(a.target, &m.target) != 0)
		return usage();
	for (size_t i = 0; i < MAX_PAIRS; i++)
		m.pairs[i].cfd = m.pairs[i].tfd = -1;
	m.stats = a.stats;
	m.lfd = listen_on(a.bind, lport, &port);
	if (m.lfd < 0) {
		fprintf(stderr, "ax_mitm: cannot listen on %s:%s: %s\n", a.bind,
			a.listen, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	write_stats(&m);
	fprintf(stderr, "ax_mitm: listening on %s:%u -> %s, mode %s\n", a.bind,
		port, a.target, mode_names[m.mode]);
	run(&m);
	for (size_t i = 0; i < MAX_PAIRS; i++)
		if (m.pairs[i].cfd >= 0)
			close_pair(&m, &m.pairs[i], "relay stopping");
	print_totals(&m);
	close(m.lfd);
	return 0;
}
