/*
 * ns_main.c - the Non-secure event manager of a tzm node: it serves the
 * serial link (axt_link.h) on UART0 and turns each request into calls of
 * the Secure entries (nsc.h). It is untrusted, like authexd: it never
 * sees a key, only sealed messages and image bytes, and everything it
 * passes is checked again by the Secure side. It must still survive any
 * bytes on the link, so every request is checked against the table below
 * (type, length bounds) before it is served, and a malformed one gets an
 * ERROR frame.
 *
 * UART0 is polled (no interrupts: an NS interrupt during a Secure call
 * would only get AXS_E_BUSY). The Secure image already set its baud rate
 * and enabled it, at the Secure alias, before it handed UART0 to the
 * Non-secure world; from here it is reached at its NS alias. Every buffer
 * is static, in NS RAM, because the Secure entries refuse anything else.
 */
#include <stddef.h>
#include <stdint.h>

#include "ax_bytes.h"
#include "ax_msg.h"
#include "axt_link.h"
#include "board.h"
#include "node.h" /* AX_TZM_SLOTS, for READY only */
#include "nsc.h"

int ax_tzm_ns_main(void);

#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_STATE_TXFULL 0x1u
#define UART_STATE_RXFULL 0x2u

/* The Secure queue holds a few messages; a bound keeps a misbehaving
 * Secure side from holding the link forever. */
#define EMITS_MAX 64

static struct axt_decoder dec;
static uint8_t tx[AXT_FRAME_MAX];
static uint8_t answer[AXT_PAYLOAD_MAX - AXT_STATUS_LEN];
static uint8_t emitted[AXT_PAYLOAD_MAX];
static uint8_t meas[AX_MEASUREMENT_LEN];
static struct axs_io io;
static struct axs_load_io lio;

static volatile uint32_t *uart(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(AX_TZM_UART0_NS + off);
}

static uint8_t uart_get(void)
{
	while (!(*uart(UART_STATE) & UART_STATE_RXFULL))
		;
	return (uint8_t)*uart(UART_DATA);
}

static void uart_write(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (*uart(UART_STATE) & UART_STATE_TXFULL)
			;
		*uart(UART_DATA) = p[i];
	}
}

static void send(uint8_t type, const uint8_t *head, size_t head_len,
	const uint8_t *body, size_t body_len)
{
	size_t n = axt_encode2(type, head, head_len, body, body_len, tx,
		sizeof(tx));

	uart_write(tx, n); /* n == 0 cannot happen: every size is bounded */
}

static void send_status(uint8_t type, int32_t st, const uint8_t *body,
	size_t body_len)
{
	uint8_t s[AXT_STATUS_LEN];

	ax_store_be32(s, (uint32_t)st);
	send(type, s, sizeof(s), body, body_len);
}

static void send_error(const char *text)
{
	size_t n = 0;

	while (text[n] != '\0')
		n++;
	send(AXT_ERROR, (const uint8_t *)text, n, NULL, 0);
}

static void send_ready(void)
{
	uint8_t r[AXT_READY_LEN];

	ax_store_be32(r, (uint32_t)axs_version());
	ax_store_be32(r + 4, AX_TZM_SLOTS);
	ax_store_be32(r + 8, AX_PAYLOAD_MAX);
	send(AXT_READY, r, sizeof(r), NULL, 0);
}

/* Send one EMIT per message the Secure side queued meanwhile. */
static void drain(void)
{
	int32_t r;

	for (int i = 0; i < EMITS_MAX; i++) {
		r = axs_collect(emitted, sizeof(emitted));
		if (r <= 0 || (uint32_t)r > sizeof(emitted))
			return;
		send(AXT_EMIT, emitted, (size_t)r, NULL, 0);
	}
}

static int32_t load(uint32_t op, const uint8_t *data, size_t len)
{
	lio = (struct axs_load_io){ .op = op, .data = data,
				    .len = (uint32_t)len };
	if (op == AXS_LOAD_END) {
		lio.out = meas;
		lio.cap = sizeof(meas);
	}
	return axs_load(&lio);
}

static void on_hello(const uint8_t *p, size_t n)
{
	(void)p;
	(void)n;
	send_ready();
}

static void on_load_begin(const uint8_t *p, size_t n)
{
	(void)n;
	lio = (struct axs_load_io){ .op = AXS_LOAD_BEGIN,
				    .instance = ax_load_be32(p),
				    .total = ax_load_be32(p + 4) };
	send_status(AXT_RESULT, axs_load(&lio), NULL, 0);
}

static void on_load_data(const uint8_t *p, size_t n)
{
	send_status(AXT_RESULT, load(AXS_LOAD_DATA, p, n), NULL, 0);
}

static void on_load_end(const uint8_t *p, size_t n)
{
	int32_t r;

	for (size_t i = 0; i < sizeof(meas); i++)
		meas[i] = 0;
	r = load(AXS_LOAD_END, p, n); /* meas is written only on success */
	drain();
	send_status(AXT_LOADED, r, meas, sizeof(meas));
}

static void on_msg(const uint8_t *p, size_t n)
{
	int32_t r;

	uint32_t cap = ax_load_be32(p + 4);

	if (cap > sizeof(answer))
		cap = sizeof(answer);
	io = (struct axs_io){ .module = ax_load_be32(p),
			      .msg = p + AXT_MSG_HDR_LEN,
			      .len = (uint32_t)(n - AXT_MSG_HDR_LEN),
			      .out = answer, .cap = cap };
	r = axs_handle(&io);
	if (r > (int32_t)cap)
		r = -AXS_E_LENGTH; /* the Secure side broke its contract */
	drain();
	send_status(AXT_ANSWER, r, answer, r > 0 ? (size_t)r : 0);
}

static void on_unload(const uint8_t *p, size_t n)
{
	(void)n;
	send_status(AXT_RESULT, axs_unload(ax_load_be32(p)), NULL, 0);
}

/* What the host may ask, with the payload lengths each request may
 * have; anything else is answered with ERROR. */
static const struct {
	uint8_t type;
	uint16_t min, max;
	void (*serve)(const uint8_t *p, size_t n);
} requests[] = {
	{ AXT_HELLO, 0, 0, on_hello },
	{ AXT_LOAD_BEGIN, AXT_LOAD_BEGIN_LEN, AXT_LOAD_BEGIN_LEN,
	  on_load_begin },
	{ AXT_LOAD_DATA, 1, AXS_CHUNK_MAX, on_load_data },
	{ AXT_LOAD_END, AXT_LOAD_END_LEN, AXT_LOAD_END_LEN, on_load_end },
	{ AXT_MSG, AXT_MSG_HDR_LEN + 1, AXT_PAYLOAD_MAX, on_msg },
	{ AXT_UNLOAD, AXT_MODULE_LEN, AXT_MODULE_LEN, on_unload },
};

static void serve(uint8_t type, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (requests[i].type != type)
			continue;
		if (n < requests[i].min || n > requests[i].max)
			send_error("bad request length");
		else
			requests[i].serve(p, n);
		return;
	}
	send_error("unknown request type");
}

int ax_tzm_ns_main(void)
{
	const uint8_t *p;
	enum axt_feed r;
	uint8_t type;
	size_t n;

	axt_decoder_init(&dec);
	send_ready();
	for (;;) {
		r = axt_feed(&dec, uart_get(), &type, &p, &n);
		while (r != AXT_MORE) {
			if (r == AXT_FRAME)
				serve(type, p, n);
			r = axt_next(&dec, &type, &p, &n);
		}
	}
}
