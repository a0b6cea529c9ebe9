/*
 * soil.c - the irrigation example's soil-moisture sensor.
 *
 * One source file, two instances: the descriptor places `soil_north` and
 * `soil_south` on the field node, both built from this file. Each instance
 * gets its own module key (the instance id is part of K_M), its own
 * connection keys and its own copy of the static state below, so the two
 * never mix up their readings. They differ only in how often the node's
 * timer samples them (see app.yaml), which is enough to make their curves
 * drift apart.
 *
 * Endpoints:
 *
 *   sample    ENTRY   called by a periodic timer (or by `authex call`).
 *                     Argument empty: take a simulated reading. Argument
 *                     one byte 0..100: use it as the reading (a test or an
 *                     operator injects a value). Anything else is refused.
 *                     The reading is emitted on `moisture` and also
 *                     returned to the caller.
 *   moisture  OUTPUT  1 byte: volumetric soil moisture in percent, 0..100.
 *
 * Like every module this file uses <authex/module.h> only: no libc, no
 * heap, so it also builds for a microcontroller.
 */
#include <authex/module.h>

#define READING_LEN 1
#define MOISTURE_MAX 100

/*
 * The simulated soil follows a triangle: it dries by DRY_STEP percent per
 * sample from WET_TOP down to DRY_BOTTOM, then recovers by WET_STEP per
 * sample (irrigation or rain) back up to WET_TOP, and so on. The curve is
 * driven only by a sample counter, so a run is reproducible: the same
 * number of samples always gives the same reading.
 */
#define WET_TOP 44
#define DRY_BOTTOM 14
#define DRY_STEP 2
#define WET_STEP 3
#define DRY_SAMPLES ((WET_TOP - DRY_BOTTOM) / DRY_STEP) /* 15 */
#define WET_SAMPLES ((WET_TOP - DRY_BOTTOM) / WET_STEP) /* 10 */
#define CYCLE (DRY_SAMPLES + WET_SAMPLES)

/* State of this instance: the runtime calls one handler at a time, so
 * plain statics need no locking. */
static unsigned tick;

static uint8_t simulate(void)
{
	unsigned t = tick;

	tick = (tick + 1) % CYCLE;
	if (t < DRY_SAMPLES)
		return (uint8_t)(WET_TOP - DRY_STEP * t);
	return (uint8_t)(DRY_BOTTOM + WET_STEP * (t - DRY_SAMPLES));
}

/* Declaring the output defines `int moisture(const void *, size_t)`; a
 * call emits one sealed event on every connection attached to it. */
AX_OUTPUT(moisture);

/*
 * Anyone who can reach the node may call an entry point, so the argument
 * is checked like network input: empty, or exactly one byte in range.
 * The value sent is also the entry point's answer, so `authex call`
 * shows what was emitted.
 */
AX_ENTRY(sample, arg, len, reply)
{
	uint8_t v;

	if (len == 0)
		v = simulate();
	else if (len == READING_LEN && arg[0] <= MOISTURE_MAX)
		v = arg[0];
	else
		return 1; /* reported to the caller as a handler error */

	if (ax_reply_put(reply, &v, READING_LEN) != 0)
		return 1;
	return moisture(&v, READING_LEN); /* 0, or the runtime's status */
}
