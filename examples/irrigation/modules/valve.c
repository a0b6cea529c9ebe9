/*
 * valve.c - the irrigation example's valve actuator (on the field node).
 *
 * Read soil.c and controller.c first. This module stands in for the
 * driver of two solenoid valves. It takes commands only from its input,
 * which the descriptor connects to controller.valve: the runtime delivers
 * an event here only if it was sealed with that connection's key, with a
 * counter above the last one accepted. A node, a network or a man in the
 * middle can drop commands, but cannot invent, change, replay or reorder
 * one, so the valve never moves on a forged command.
 *
 * Endpoints:
 *
 *   command  INPUT   3 bytes from controller.valve: zone (0 north,
 *                    1 south), open (1) or close (0), and the moisture
 *                    0..100 that caused it or 255 for a manual override
 *   activity OUTPUT  one line of ASCII text saying what the valve did,
 *                    e.g. "valve north OPEN (moisture 23%)"; the
 *                    descriptor sends it to the deployer (`authex events`)
 *
 * On a node with a secure output device (a `tzm` node: UART1, which only
 * the Secure world can reach), the same line also goes to that device:
 * the stand-in for the valves' driver line. Only a command that passed
 * the runtime's checks can make anything appear there; elsewhere
 * ax_device_write reports that there is no such device and the valve
 * only logs.
 *
 * Text is built by hand into a fixed buffer: no printf in a module.
 */
#include <authex/module.h>

#define ZONES 2
#define COMMAND_LEN 3
#define MOISTURE_MAX 100
#define MANUAL 255
#define LOG_MAX 64

AX_OUTPUT(activity);

static uint8_t valve_open[ZONES]; /* what the "hardware" is doing */

/* A tiny bounded text builder; appending past the end truncates. */
struct text {
	uint8_t buf[LOG_MAX];
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

static void report(uint8_t zone, uint8_t open, uint8_t cause)
{
	struct text t;

	t.len = 0;
	put_str(&t, zone == 0 ? "valve north " : "valve south ");
	put_str(&t, open ? "OPEN" : "CLOSED");
	if (cause == MANUAL) {
		put_str(&t, " (manual)");
	} else {
		put_str(&t, " (moisture ");
		put_uint(&t, cause);
		put_str(&t, "%)");
	}
	(void)activity(t.buf, t.len); /* nobody to tell if the log is lost */
	if (t.len < sizeof t.buf)
		t.buf[t.len++] = '\n';
	(void)ax_device_write(t.buf, t.len); /* -1: no device here */
}

/* Check every byte before acting: exact length, known zone, a boolean,
 * a moisture in range or MANUAL. A command for the state the valve is
 * already in moves nothing and is not logged. */
AX_INPUT(command, data, len)
{
	uint8_t zone, open, cause;

	if (len != COMMAND_LEN)
		return;
	zone = data[0];
	open = data[1];
	cause = data[2];
	if (zone >= ZONES || open > 1)
		return;
	if (cause > MOISTURE_MAX && cause != MANUAL)
		return;
	if (valve_open[zone] == open)
		return;
	valve_open[zone] = open; /* the driver line below "switches" it */
	report(zone, open, cause);
}
