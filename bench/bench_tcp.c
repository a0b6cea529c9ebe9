/*
 * bench_tcp.c - the raw TCP floor for the node benchmarks (issue 6,
 * `make bench`): plain processes on 127.0.0.1, blocking sockets,
 * TCP_NODELAY (as authexd sets it), frames = a 4-byte big-endian length and
 * that many bytes. No crypto, no event loop, no copies beyond the kernel's.
 *
 * usage:
 *   bench_tcp echo PORT              answer every frame with itself
 *   bench_tcp relay PORT NEXT_PORT   forward each frame to NEXT_PORT and its
 *                                    answer back (one hop like a node's)
 *   bench_tcp sink PORT              count frames until EOF, answer count(8)
 *   bench_tcp pingpong PORT SIZE N   N round trips of SIZE-byte frames:
 *     RESULT rtt <label> SIZE <median_us> <p99_us> us
 *   bench_tcp stream PORT SIZE N FRAME [BATCH]   N frames of FRAME bytes
 *     (length field included), one write() each (BATCH frames per write()
 *     if given), then wait for the sink's count:
 *     RESULT tput <label> SIZE <events_per_s> <payload_MB_per_s> ev/s
 * The label is $BENCH_LABEL (default "tcp"). Servers serve connections
 * concurrently, one thread each, until killed (at most 10000 connections);
 * every wait is bounded by a 10 s timeout.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ax_session.h" /* the plain read/write loops */

#define FRAME_MAX (1u << 20)

static _Thread_local uint8_t *buf; /* one per thread: FRAME_MAX */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *label(void)
{
	const char *l = getenv("BENCH_LABEL");

	return l != NULL ? l : "tcp";
}

static void tune(int fd)
{
	struct timeval tv = {10, 0};
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static int dial(int port)
{
	struct sockaddr_in sa = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect");
	tune(fd);
	return fd;
}

static int listen_on(int port)
{
	struct sockaddr_in sa = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 8) != 0)
		die("bind/listen");
	return fd;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Read one frame into buf; its whole size, or 0 on EOF/error. */
static size_t get_frame(int fd)
{
	uint32_t n;

	if (ax_session_read_all(fd, buf, 4) != 0)
		return 0;
	n = be32(buf);
	if (n > FRAME_MAX - 4 || ax_session_read_all(fd, buf + 4, n) != 0)
		return 0;
	return n + 4;
}

static void serve_echo(int c)
{
	size_t n;

	while ((n = get_frame(c)) != 0)
		if (ax_session_write_all(c, buf, n) != 0)
			return;
}

static void serve_relay(int c, int next_port)
{
	int nx = dial(next_port);
	size_t n;

	while ((n = get_frame(c)) != 0) {
		if (ax_session_write_all(nx, buf, n) != 0 || (n = get_frame(nx)) == 0 ||
		    ax_session_write_all(c, buf, n) != 0)
			break;
	}
	close(nx);
}

/* Count frames in a byte stream read in large chunks (like an event
 * loop would), then answer the count. */
static void serve_sink(int c)
{
	uint64_t frames = 0;
	size_t hdr_have = 0, body_left = 0;
	uint8_t hdr[4];
	ssize_t r;

	while ((r = read(c, buf, FRAME_MAX)) > 0) {
		for (size_t off = 0; off < (size_t)r;) {
			if (body_left > 0) {
				size_t t = (size_t)r - off < body_left
						   ? (size_t)r - off : body_left;
				body_left -= t;
				off += t;
				frames += body_left == 0;
				continue;
			}
			hdr[hdr_have++] = buf[off++];
			if (hdr_have == 4) {
				body_left = be32(hdr);
				hdr_have = 0;
				frames += body_left == 0;
			}
		}
	}
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)(frames >> (56 - 8 * i));
	(void)ax_session_write_all(c, buf, 8);
}

struct job {
	const char *mode;
	int fd, next_port;
};

/* One thread per connection, so that a relay and a direct client can use
 * one echo server at the same time. */
static void *serve_one(void *arg)
{
	struct job *j = arg;

	buf = malloc(FRAME_MAX);
	if (buf == NULL)
		die("malloc");
	tune(j->fd);
	if (strcmp(j->mode, "echo") == 0)
		serve_echo(j->fd);
	else if (strcmp(j->mode, "relay") == 0)
		serve_relay(j->fd, j->next_port);
	else
		serve_sink(j->fd);
	close(j->fd);
	free(buf);
	free(j);
	return NULL;
}

static int serve(const char *mode, int port, int next_port)
{
	int l = listen_on(port);

	for (int i = 0; i < 10000; i++) { /* bounded; killed when done */
		struct job *j = malloc(sizeof(*j));
		pthread_t t;
		if (j == NULL)
			die("malloc");
		j->mode = mode;
		j->next_port = next_port;
		j->fd = accept(l, NULL, NULL);
		if (j->fd < 0 || pthread_create(&t, NULL, serve_one, j) != 0) {
			if (j->fd >= 0)
				close(j->fd);
			free(j);
			continue;
		}
		pthread_detach(t);
	}
	close(l);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int pingpong(int port, size_t size, size_t n)
{
	uint64_t *t = calloc(n, sizeof(*t));
	int fd = dial(port);

	if (t == NULL)
		die("calloc");
	memset(buf, 0xa5, size + 4);
	for (size_t i = 0; i < n + n / 10; i++) { /* first 10%: warm-up */
		uint64_t t0 = now_ns();
		put_be32(buf, (uint32_t)size);
		if (ax_session_write_all(fd, buf, size + 4) != 0 || get_frame(fd) != size + 4)
			die("pingpong");
		if (i >= n / 10)
			t[i - n / 10] = now_ns() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("RESULT rtt %s %zu %.1f %.1f us\n", label(), size,
	       (double)t[n / 2] / 1e3, (double)t[(n * 99) / 100] / 1e3);
	close(fd);
	free(t);
	return 0;
}

static int stream(int port, size_t size, size_t n, size_t frame,
		  size_t batch)
{
	int fd = dial(port);
	uint64_t t0, dt, got = 0;

	if (frame < 4 || batch < 1 || frame * batch > FRAME_MAX)
		die("frame size or batch");
	memset(buf, 0x5a, frame * batch);
	for (size_t k = 0; k < batch; k++)
		put_be32(buf + k * frame, (uint32_t)(frame - 4));
	t0 = now_ns();
	for (size_t i = 0; i < n; i += batch) {
		size_t m = n - i < batch ? n - i : batch;
		if (ax_session_write_all(fd, buf, frame * m) != 0)
			die("stream write");
	}
	shutdown(fd, SHUT_WR);
	if (ax_session_read_all(fd, buf, 8) != 0)
		die("stream count");
	dt = now_ns() - t0;
	for (int i = 0; i < 8; i++)
		got = got << 8 | buf[i];
	if (got != n)
		fprintf(stderr, "bench_tcp: sink counted %llu of %zu frames\n",
			(unsigned long long)got, n);
	printf("RESULT tput %s %zu %.0f %.1f ev/s\n", label(), size,
	       (double)got * 1e9 / (double)dt,
	       (double)got * (double)size * 1e3 / (double)dt);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	buf = malloc(FRAME_MAX);
	if (buf == NULL)
		die("malloc");
	if (argc == 3 && (strcmp(argv[1], "echo") == 0 ||
			  strcmp(argv[1], "sink") == 0))
		return serve(argv[1], atoi(argv[2]), 0);
	if (argc == 4 && strcmp(argv[1], "relay") == 0)
		return serve(argv[1], atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && strcmp(argv[1], "pingpong") == 0)
		return pingpong(atoi(argv[2]), strtoul(argv[3], NULL, 10),
				strtoul(argv[4], NULL, 10));
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "stream") == 0)
		return stream(atoi(argv[2]), strtoul(argv[3], NULL, 10),
			      strtoul(argv[4], NULL, 10),
			      strtoul(argv[5], NULL, 10),
			      argc == 7 ? strtoul(argv[6], NULL, 10) : 1);
	fprintf(stderr, "usage: bench_tcp echo|sink PORT | relay PORT NEXT | "
		"pingpong PORT SIZE N | stream PORT SIZE N FRAME [BATCH]\n");
	return 2;
}
