/*
 * controller.c - the thermo example's heater controller.
 *
 * Read sensor.c first: it explains entry points, inputs and outputs. This
 * module adds the request/handler pair and keeps more state. Endpoints:
 *
 *   add            INPUT    2 bytes: a temperature (0.1 degC, signed,
 *                           big-endian), normally from sensor.reading
 *   heater         OUTPUT   1 byte: 1 = heater on, 0 = off; emitted only
 *                           when the state changes
 *   get_state      HANDLER  answers a request (which must be empty) with
 *                           the STATE_LEN bytes laid out below
 *   set_threshold  ENTRY    2 bytes: the new threshold (0.1 degC, signed,
 *                           big-endian), MIN_THRESHOLD..MAX_THRESHOLD
 *   ask_peer       REQUEST  asks a peer controller's get_state; its one
 *                           answer arrives at on_peer
 *
 * State reply (big-endian): count u32, average i16, last i16, heater u8,
 * peer_heater u8 (the peer's heater as last reported, 0 if none).
 */
#include <authex/module.h>

#define TEMP_LEN 2
#define STATE_LEN 10
#define MIN_THRESHOLD 50   /*  5.0 degC */
#define MAX_THRESHOLD 300  /* 30.0 degC */
#define ASK_EVERY 8        /* readings between two questions to the peer */

static struct {
	uint32_t count;        /* readings received on `add` */
	int16_t last;          /* the latest reading */
	int16_t average;       /* exponential running average, see add */
	int16_t threshold;     /* heater on below it, off at or above */
	uint8_t heater;        /* what we last emitted on `heater` */
	uint8_t peer_heater;   /* from the last answer on on_peer */
} st = {.threshold = 200};

static int16_t get_be16(const uint8_t *p)
{
	return (int16_t)(uint16_t)((p[0] << 8) | p[1]);
}

static void put_be16(uint8_t *p, int16_t v)
{
	p[0] = (uint8_t)((uint16_t)v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

AX_OUTPUT(heater);

/* A request is an output that expects exactly one answer. Declaring it
 * names the function that receives the answer (defined with AX_RESPONSE
 * further down) and defines `int ask_peer(const void *, size_t)`. */
AX_REQUEST(ask_peer, on_peer);

/* Switch the heater when the average crosses the threshold, and tell the
 * connected actuator. An output with no connection attached returns 0;
 * any other failure cannot be reported from an input handler, so the
 * state is kept and the next crossing tries again. */
static void update_heater(void)
{
	uint8_t on = st.average < st.threshold;

	if (on == st.heater)
		return;
	if (heater(&on, 1) == 0)
		st.heater = on;
}

/*
 * An authenticated event, but its length is still checked: exactly two
 * bytes or nothing happens. The average moves a quarter of the way towards
 * each new reading (integer arithmetic, no floating point needed on a
 * microcontroller without an FPU).
 */
AX_INPUT(add, data, len)
{
	int16_t t;

	if (len != TEMP_LEN)
		return;
	t = get_be16(data);
	st.last = t;
	if (st.count == 0)
		st.average = t;
	else
		st.average = (int16_t)(st.average + (t - st.average) / 4);
	if (st.count < UINT32_MAX)
		st.count++;
	update_heater();

	/* Now and then compare notes with the peer. Without a connected
	 * peer ask_peer fails; that is normal, so its status is dropped. */
	if (st.count % ASK_EVERY == 0)
		(void)ask_peer(NULL, 0);
}

static void encode_state(uint8_t out[STATE_LEN])
{
	put_be32(out, st.count);
	put_be16(out + 4, st.average);
	put_be16(out + 6, st.last);
	out[8] = st.heater;
	out[9] = st.peer_heater;
}

/* A handler answers a request from a connected module by filling `reply`;
 * returning non-zero sends an error instead of an answer. */
AX_HANDLER(get_state, req, len, reply)
{
	uint8_t out[STATE_LEN];

	(void)req;
	if (len != 0)
		return 1;
	encode_state(out);
	return ax_reply_put(reply, out, sizeof out) == 0 ? 0 : 1;
}

/*
 * Anyone who reaches the node can call an entry point, so this one can
 * change the setpoint without any authentication: a real deployment would
 * take the threshold on an authenticated input instead. The range check
 * at least keeps a stranger from asking for 90 degC.
 */
AX_ENTRY(set_threshold, arg, len, reply)
{
	int16_t t;

	(void)reply;
	if (len != TEMP_LEN)
		return 1;
	t = get_be16(arg);
	if (t < MIN_THRESHOLD || t > MAX_THRESHOLD)
		return 1;
	st.threshold = t;
	if (st.count != 0)
		update_heater();
	return 0;
}

/* The one answer to ask_peer: the peer's state in the layout above. */
AX_RESPONSE(on_peer, data, len)
{
	if (len != STATE_LEN)
		return;
	st.peer_heater = data[8] != 0;
}
