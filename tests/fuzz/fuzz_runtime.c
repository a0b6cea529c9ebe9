/*
 * fuzz_runtime.c - libFuzzer harness for the trusted runtime's one entry,
 * ax_rt_handle, on a keyed module with two connections.
 *
 * The first input byte picks a mode:
 *   0: the rest is a raw module message (what an attacker can send);
 *   1: the rest becomes a correctly sealed SET_KEY whose connection id,
 *      endpoint id, algorithm and key bytes come from the input, so the
 *      code after the tag check is reached;
 *   2: the rest is the payload of a correctly sealed EVENT (or, with the
 *      next byte odd, REQUEST) so the handlers see arbitrary bytes;
 *   3: the rest is a sequence of raw messages, each prefixed by a 2-byte
 *      length, delivered in order (state machine exploration).
 * Invariants checked: no crash or sanitizer report; a rejected message
 * changes no counter except the reject counters; accepted payloads never
 * exceed AX_PAYLOAD_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"

static size_t delivered;

static void on_input(const uint8_t *d, size_t n)
{
	(void)d;
	if (n > AX_PAYLOAD_MAX)
		abort();
	delivered++;
}

static int on_call(const uint8_t *arg, size_t n, struct ax_reply *r)
{
	if (n > AX_PAYLOAD_MAX)
		abort();
	return ax_reply_put(r, arg, n > 8 ? 8 : n);
}

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	if (len > AX_MODULE_MSG_MAX)
		abort();
	return 0;
}

#define EP(k, nm, field, f) {AX_EP_MAGIC, (k), {0, 0, 0}, nm, {.field = (f)}}
static const struct ax_endpoint eps[] = {
	EP(AX_EP_INPUT, "in", input, on_input),
	EP(AX_EP_HANDLER, "answer", entry, on_call),
	EP(AX_EP_ENTRY, "go", entry, on_call),
	EP(AX_EP_REQUEST, "ask", input, on_input),
	EP(AX_EP_OUTPUT, "out", none, NULL),
};

static struct ax_rt rt, pristine;
static int have_pristine;
static uint8_t km[32], k1[16];
static uint8_t buf[AX_MODULE_MSG_MAX + 64], out[AX_RT_STATUS_MAX];
static uint64_t nonce;

static void deliver(const uint8_t *m, size_t n)
{
	size_t out_len;
	(void)ax_rt_handle(&rt, m, n, out, sizeof(out), &out_len);
	if (out_len > sizeof(out))
		abort();
}

static void set_key(uint32_t conn, uint16_t ep, unsigned alg,
		    const uint8_t *key)
{
	size_t n;
	if (ax_modmsg_set_key(km, ++nonce, conn, ep, alg, key, buf,
			      sizeof(buf), &n) == AX_OK)
		deliver(buf, n);
}

/* Every input starts from the same keyed runtime. Keying it once and
 * restoring a copy keeps the harness fast (key derivation and the wipe
 * of the runtime's buffers cost far more than a typical input). */
static void start(void)
{
	if (have_pristine) {
		memcpy(&rt, &pristine, sizeof(rt));
		nonce = 2;
		return;
	}
	memset(km, 0x5a, sizeof(km));
	memset(k1, 0x11, sizeof(k1));
	nonce = 0;
	if (ax_rt_init(&rt, eps, 5, 7, km, emit, NULL) != AX_OK)
		abort();
	set_key(1, 0, AX_AEAD_AES128GCM, k1);
	set_key(2, 1, AX_AEAD_AES128GCM, k1);
	if (nonce != 2 || rt.ctl_nonce != 2)
		abort();
	memcpy(&pristine, &rt, sizeof(rt));
	have_pristine = 1;
}

static void sealed_set_key(const uint8_t *d, size_t n)
{
	uint8_t key[32] = {0};
	if (n < 7)
		return;
	memcpy(key, d + 7, n - 7 > 32 ? 32 : n - 7);
	set_key(ax_load_be32(d), ax_load_be16(d + 4), d[6], key);
}

static void sealed_event(const uint8_t *d, size_t n)
{
	uint8_t type = (n > 0 && (d[0] & 1)) ? AX_MSG_REQUEST : AX_MSG_EVENT;
	uint32_t conn = type == AX_MSG_EVENT ? 1 : 2;
	if (n > 0) {
		d++;
		n--;
	}
	if (n > AX_PAYLOAD_MAX)
		n = AX_PAYLOAD_MAX;
	if (ax_event_seal(AX_AEAD_AES128GCM, k1, type, conn, 1, d, n, buf) !=
	    AX_OK)
		abort();
	deliver(buf, AX_EVENT_OVERHEAD + n);
}

static void sequence(const uint8_t *d, size_t n)
{
	while (n >= 2) {
		size_t l = ax_load_be16(d);
		d += 2;
		n -= 2;
		if (l > n)
			l = n;
		deliver(d, l);
		d += l;
		n -= l;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	start();
	switch (data[0] & 3) {
	case 0:
		deliver(data + 1, size - 1);
		break;
	case 1:
		sealed_set_key(data + 1, size - 1);
		break;
	case 2:
		sealed_event(data + 1, size - 1);
		break;
	default:
		sequence(data + 1, size - 1);
		break;
	}
	return 0;
}
