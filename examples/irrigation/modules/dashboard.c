/*
 * dashboard.c - the irrigation example's dashboard (on the cloud node).
 *
 * Read controller.c first. A periodic timer calls `refresh`; the dashboard
 * then REQUESTs the controller's state over a request/handler connection.
 * The answer arrives at `on_state`, authenticated and bound to that very
 * request (a stale or replayed answer is refused by the runtime), and the
 * dashboard turns it into one readable line for the operator:
 *
 *   "dashboard 3: north 23% OPEN auto | south 40% closed auto |
 *    readings 17 | commands 2 | overrides 0"        (one line)
 *
 * Endpoints:
 *
 *   refresh    ENTRY     the argument must be empty; sends ask_state
 *   ask_state  REQUEST   empty request to controller.get_state
 *   on_state   RESPONSE  the controller's 22-byte state (controller.c)
 *   summary    OUTPUT    the line above, ASCII, to the deployer
 */
#include <authex/module.h>

#define STATE_LEN 22
#define ZONE_STATE_LEN 7
#define NO_READING 255
#define SUMMARY_MAX 128

static uint32_t summaries;  /* answers turned into a summary */

AX_OUTPUT(summary);
AX_REQUEST(ask_state, on_state);

/* Bounded text builder; appending past the end truncates. */
struct text {
	uint8_t buf[SUMMARY_MAX];
	size_t len;
};

static void put_str(struct text *t, const char *s)
{
	while (*s != '\0' && t->len < sizeof t->buf)
		t->buf[t->len++] = (uint8_t)*s++;
}

static void put_uint(struct text *t, uint32_t v)
{
	char digits[10];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0 && t->len < sizeof t->buf)
		t->buf[t->len++] = (uint8_t)digits[--n];
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static const char *mode_name(uint8_t mode)
{
	if (mode == 0)
		return "auto";
	if (mode == 1)
		return "forced open";
	if (mode == 2)
		return "forced closed";
	return "?";
}

/* "north 23% OPEN auto" for the 7 state bytes of one zone. */
static void put_zone(struct text *t, const char *name, const uint8_t *z)
{
	put_str(t, name);
	if (z[0] == NO_READING) {
		put_str(t, " -");
	} else {
		put_str(t, " ");
		put_uint(t, z[0]);
		put_str(t, "%");
	}
	put_str(t, z[1] ? " OPEN " : " closed ");
	put_str(t, mode_name(z[2]));
}

/* The answer was authenticated by the runtime; its length is still
 * checked before a single byte is read. */
AX_RESPONSE(on_state, data, len)
{
	struct text t;

	if (len != STATE_LEN)
		return;
	summaries++;
	t.len = 0;
	put_str(&t, "dashboard ");
	put_uint(&t, summaries);
	put_str(&t, ": ");
	put_zone(&t, "north", data);
	put_str(&t, " | ");
	put_zone(&t, "south", data + ZONE_STATE_LEN);
	put_str(&t, " | readings ");
	put_uint(&t, get_be32(data + 3) + get_be32(data + ZONE_STATE_LEN + 3));
	put_str(&t, " | commands ");
	put_uint(&t, get_be32(data + 14));
	put_str(&t, " | overrides ");
	put_uint(&t, get_be32(data + 18));
	(void)summary(t.buf, t.len);
}

/* A timer (or anyone) may call this; it takes no argument. If the previous
 * answer never came, the new request supersedes the old one. */
AX_ENTRY(refresh, arg, len, reply)
{
	(void)arg;
	(void)reply;
	if (len != 0)
		return 1;
	return ask_state(NULL, 0);
}
