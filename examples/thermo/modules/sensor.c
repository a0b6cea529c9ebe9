/*
 * sensor.c - the thermo example's temperature sensor (read this first).
 *
 * A module is one C file written against <authex/module.h> and nothing
 * else: no printf, no malloc, no libc at all, because the same file must
 * also build for a microcontroller or an enclave. Its endpoints:
 *
 *   sample     ENTRY   the deployer or a periodic timer calls it; takes one
 *                      reading and emits it on `reading`
 *   reading    OUTPUT  2 bytes: temperature in 0.1 degC, signed, big-endian
 *   calibrate  INPUT   2 bytes: signed big-endian offset in 0.1 degC, added
 *                      to every later reading
 *
 * The application descriptor wires `sensor.reading -> controller.add`; the
 * runtime linked into this module encrypts and authenticates each event.
 *
 * Every integer that crosses the module boundary is encoded byte by byte in
 * big-endian order (never by copying a C struct or an int), so that a
 * sensor on an ARM board and a controller on an x86 server agree.
 */
#include <authex/module.h>

/* Encoded size of a temperature and of an offset. */
#define TEMP_LEN 2

/* A calibration larger than this (in 0.1 degC) is rejected as nonsense. */
#define MAX_OFFSET 100

/* Module state lives in static variables: the runtime runs one handler at
 * a time, so no locking is needed. */
static int16_t offset;     /* calibration, 0.1 degC */
static unsigned tick;      /* drives the simulated temperature */

static int16_t get_be16(const uint8_t *p)
{
	return (int16_t)(uint16_t)((p[0] << 8) | p[1]);
}

static void put_be16(uint8_t *p, int16_t v)
{
	p[0] = (uint8_t)((uint16_t)v >> 8);
	p[1] = (uint8_t)v;
}

/* No hardware in this example: a slow saw-tooth between 18.0 and 21.9 degC
 * stands in for a real sensor driver. */
static int16_t simulate(void)
{
	tick = (tick + 1) % 40;
	return (int16_t)(180 + tick);
}

/* Saturate instead of wrapping: a calibrated 3276.7 degC stays absurd but
 * never turns into -3276.8. */
static int16_t add_offset(int16_t t)
{
	int32_t v = (int32_t)t + offset;

	if (v > INT16_MAX)
		return INT16_MAX;
	if (v < INT16_MIN)
		return INT16_MIN;
	return (int16_t)v;
}

/* The output: declaring it defines `int reading(const void *, size_t)`.
 * Calling it emits one event on every connection attached to it. */
AX_OUTPUT(reading);

/*
 * An entry point can be called by anyone who reaches the node, so its
 * argument proves nothing and must be checked like network input. Here it
 * is either empty (take a simulated sample) or exactly one 2-byte reading
 * injected by the deployer for testing; any other length is refused.
 * The answer (the emitted value) goes back to the caller through `reply`.
 */
AX_ENTRY(sample, arg, len, reply)
{
	uint8_t out[TEMP_LEN];
	int16_t t;

	if (len == 0)
		t = simulate();
	else if (len == TEMP_LEN)
		t = get_be16(arg);
	else
		return 1; /* reported to the caller as a handler error */

	put_be16(out, add_offset(t));
	if (ax_reply_put(reply, out, sizeof out) != 0)
		return 1;
	return reading(out, sizeof out); /* 0, or the runtime's status */
}

/*
 * An input is only called for events that arrived authenticated on a
 * connection the deployer set up, so its sender is trusted. Its bytes are
 * still checked: a well-meaning peer can have a bug, and a module never
 * reads past `len`. Inputs return nothing; a bad event is ignored.
 */
AX_INPUT(calibrate, data, len)
{
	int16_t v;

	if (len != TEMP_LEN)
		return;
	v = get_be16(data);
	if (v > MAX_OFFSET || v < -MAX_OFFSET)
		return;
	offset = v;
}
