/*
 * controller.c - the irrigation example's controller (on the gateway).
 *
 * Read soil.c first. The controller receives the readings of both soil
 * sensors, decides per zone whether its valve should be open, and sends a
 * command to the valve actuator whenever that decision changes. An
 * operator can override the decision per zone over an authenticated
 * connection from the deployer (`authex output app.yaml manual_override
 * "north open"`), and other modules ask for its state with a request.
 *
 * Endpoints:
 *
 *   north, south  INPUT    1 byte: moisture in percent 0..100, from
 *                          soil_north.moisture / soil_south.moisture
 *   override      INPUT    ASCII text "<zone> <mode>", zone north|south|all,
 *                          mode open|close|auto (1..16 bytes, no NUL)
 *   valve         OUTPUT   3 bytes: zone (0 north, 1 south), open (1) or
 *                          close (0), the moisture that caused it (0..100)
 *                          or MANUAL (255) for an operator override
 *   get_state     HANDLER  empty request; answers STATE_LEN bytes, below
 *
 * State answer (big-endian), STATE_LEN = 22 bytes:
 *   per zone z = 0 (north), 1 (south), at offset 7*z:
 *     moisture u8 (255 = no reading yet), valve u8 (1 open), mode u8
 *     (0 auto, 1 forced open, 2 forced closed), readings u32
 *   commands u32 at 14 (valve commands sent), overrides u32 at 18
 *
 * Decision (per zone, in auto mode): open below DRY, close at or above
 * WET. The gap between the two thresholds (hysteresis) keeps a reading
 * that wobbles around one threshold from toggling the valve every sample.
 */
#include <authex/module.h>

#define ZONES 2
#define READING_LEN 1
#define COMMAND_LEN 3
#define STATE_LEN 22
#define ZONE_STATE_LEN 7
#define MOISTURE_MAX 100
#define NO_READING 255
#define MANUAL 255
#define DRY 25 /* percent: open below */
#define WET 35 /* percent: close at or above */
#define OVERRIDE_MAX 16

enum mode { MODE_AUTO = 0, MODE_OPEN = 1, MODE_CLOSED = 2 };

struct zone {
	uint8_t moisture; /* last reading, NO_READING before the first */
	uint8_t valve;    /* 1 when we last commanded "open" */
	uint8_t mode;     /* enum mode */
	uint32_t readings;
};

static struct {
	struct zone zone[ZONES];
	uint32_t commands;
	uint32_t overrides;
} st = {{{NO_READING, 0, MODE_AUTO, 0}, {NO_READING, 0, MODE_AUTO, 0}},
	0, 0};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

AX_OUTPUT(valve);

/* What the valve of zone z should be now, given its mode and reading. */
static uint8_t wanted(const struct zone *z)
{
	if (z->mode == MODE_OPEN)
		return 1;
	if (z->mode == MODE_CLOSED)
		return 0;
	if (z->moisture == NO_READING)
		return z->valve;
	if (z->moisture < DRY)
		return 1;
	if (z->moisture >= WET)
		return 0;
	return z->valve; /* between the thresholds: keep */
}

/* Send a command when the decision changed. If the output fails the
 * state is kept, so the next reading tries again. */
static void decide(unsigned zi)
{
	struct zone *z = &st.zone[zi];
	uint8_t open = wanted(z);
	uint8_t cmd[COMMAND_LEN];

	if (open == z->valve)
		return;
	cmd[0] = (uint8_t)zi;
	cmd[1] = open;
	cmd[2] = z->mode == MODE_AUTO ? z->moisture : MANUAL;
	if (valve(cmd, sizeof cmd) != 0)
		return;
	z->valve = open;
	if (st.commands < UINT32_MAX)
		st.commands++;
}

/* Inputs are authenticated, but their length and range are still checked:
 * exactly one byte, 0..100, or the event is ignored. */
static void reading(unsigned zi, const uint8_t *data, size_t len)
{
	struct zone *z = &st.zone[zi];

	if (len != READING_LEN || data[0] > MOISTURE_MAX)
		return;
	z->moisture = data[0];
	if (z->readings < UINT32_MAX)
		z->readings++;
	decide(zi);
}

AX_INPUT(north, data, len)
{
	reading(0, data, len);
}

AX_INPUT(south, data, len)
{
	reading(1, data, len);
}

/* Does text[0..len) start with word followed by a space or the end? On a
 * match *used is set to the bytes consumed (word and one space). */
static int word_is(const uint8_t *text, size_t len, const char *word,
		   size_t *used)
{
	size_t i = 0;

	for (; word[i] != '\0'; i++)
		if (i >= len || text[i] != (uint8_t)word[i])
			return 0;
	if (i < len && text[i] != ' ')
		return 0;
	*used = i < len ? i + 1 : i;
	return 1;
}

/* "north" -> 0, "south" -> 1, "all" -> ZONES; -1 if none. */
static int parse_zone(const uint8_t *text, size_t len, size_t *used)
{
	if (word_is(text, len, "north", used))
		return 0;
	if (word_is(text, len, "south", used))
		return 1;
	if (word_is(text, len, "all", used))
		return ZONES;
	return -1;
}

/* Is text[0..len) exactly word? */
static int equals(const uint8_t *text, size_t len, const char *word)
{
	size_t i = 0;

	for (; word[i] != '\0'; i++)
		if (i >= len || text[i] != (uint8_t)word[i])
			return 0;
	return i == len;
}

/* The mode word must be the whole rest of the text. */
static int parse_mode(const uint8_t *text, size_t len)
{
	if (equals(text, len, "open"))
		return MODE_OPEN;
	if (equals(text, len, "close"))
		return MODE_CLOSED;
	if (equals(text, len, "auto"))
		return MODE_AUTO;
	return -1;
}

static void set_mode(unsigned zi, int mode)
{
	st.zone[zi].mode = (uint8_t)mode;
	decide(zi);
}

/* An operator's command on the deployer's own connection. The text is
 * authenticated (only the deployer has this connection's key) but parsed
 * as carefully as any input: a bounded length, whole words, nothing else
 * accepted. */
AX_INPUT(override, data, len)
{
	size_t used;
	int zone, mode;

	if (len == 0 || len > OVERRIDE_MAX)
		return;
	zone = parse_zone(data, len, &used);
	if (zone < 0)
		return;
	mode = parse_mode(data + used, len - used);
	if (mode < 0)
		return;
	if (st.overrides < UINT32_MAX)
		st.overrides++;
	for (unsigned zi = 0; zi < ZONES; zi++)
		if (zone == ZONES || (unsigned)zone == zi)
			set_mode(zi, mode);
}

static void encode_state(uint8_t out[STATE_LEN])
{
	for (unsigned zi = 0; zi < ZONES; zi++) {
		const struct zone *z = &st.zone[zi];
		uint8_t *p = out + ZONE_STATE_LEN * zi;

		p[0] = z->moisture;
		p[1] = z->valve;
		p[2] = z->mode;
		put_be32(p + 3, z->readings);
	}
	put_be32(out + 14, st.commands);
	put_be32(out + 18, st.overrides);
}

/* Answers a request (from the dashboard, or from the deployer): the whole
 * state, in the layout documented at the top. */
AX_HANDLER(get_state, req, len, reply)
{
	uint8_t out[STATE_LEN];

	(void)req;
	if (len != 0)
		return 1;
	encode_state(out);
	return ax_reply_put(reply, out, sizeof out) == 0 ? 0 : 1;
}
