/*
 * s_test_runtime.c - the trusted runtime's core attack checks on the
 * Cortex-M33, in Secure state: two modules whose runtimes (struct ax_rt)
 * live in Secure RAM, keyed by a "deployer" exactly as on every platform
 * (K_M from a node key and a measurement, SET_KEY under K_ctl), exchange
 * an event; then the attacks: a flipped bit, a replay, a SET_KEY made with
 * the wrong module key, a forged DISABLE, and attestation with the right
 * and a wrong key.
 *
 * Module images are not loaded at run time yet (docs/tzm.md): each
 * module's "image" here is its endpoint table, and its measurement is the
 * SHA-256 of those bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include <authex/module.h>

#include "ax_bytes.h"
#include "ax_crypto.h"
#include "ax_modmsg.h"
#include "ax_runtime.h"
#include "tzm_check.h"

#define CONN_GCM 7u
#define CONN_CHACHA 8u
#define QMAX 4

static struct ax_rt rt_a, rt_b; /* .bss: Secure RAM (secure.ld) */
static uint8_t got[64];
static size_t got_len;
static unsigned got_calls;

static struct {
	uint8_t b[AX_EVENT_OVERHEAD + 64];
	size_t len;
} q[QMAX];
static size_t nq;

static void b_add(const uint8_t *data, size_t len)
{
	got_calls++;
	got_len = len < sizeof(got) ? len : sizeof(got);
	for (size_t i = 0; i < got_len; i++)
		got[i] = data[i];
}

static const struct ax_endpoint eps_a[1] = {
	{ AX_EP_MAGIC, AX_EP_OUTPUT, { 0 }, "reading", { .none = NULL } },
};
static const struct ax_endpoint eps_b[1] = {
	{ AX_EP_MAGIC, AX_EP_INPUT, { 0 }, "add", { .input = b_add } },
};

static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	(void)ctx;
	if (nq == QMAX || len > sizeof(q[0].b))
		return -1;
	for (size_t i = 0; i < len; i++)
		q[nq].b[i] = msg[i];
	q[nq++].len = len;
	return 0;
}

static ax_rt_status deliver(struct ax_rt *rt, const uint8_t *m, size_t len)
{
	uint8_t out[64];
	size_t n;

	return ax_rt_handle(rt, m, len, out, sizeof(out), &n);
}

/* The deployer's side: K_M of a module from the node key. */
static int module_key(const uint8_t k_node[32], uint32_t inst,
	const struct ax_endpoint *eps, uint8_t km[32])
{
	uint8_t meas[32];
	struct ax_iov img = { eps, sizeof(*eps) };

	return ax_sha256(&img, 1, meas) == AX_CRYPTO_OK &&
	       ax_modmsg_module_key(k_node, inst, meas, km) == AX_OK;
}

static ax_rt_status set_key(struct ax_rt *rt, const uint8_t km[32],
	uint64_t nonce, uint32_t conn, unsigned alg, const uint8_t *key)
{
	uint8_t m[AX_SET_KEY_HDR_LEN + 32 + AX_TAG_LEN];
	size_t n;

	if (ax_modmsg_set_key(km, nonce, conn, 0, alg, key, m, sizeof(m),
			&n) != AX_OK)
		return AX_E_INTERNAL;
	return deliver(rt, m, n);
}

static void round_trip_and_attacks(void)
{
	size_t n;

	/* Event round trip A.reading -> B.add, both connections. */
	nq = 0;
	CHECK(ax_rt_output(&rt_a, &eps_a[0], "21.5C", 5) == AX_OK && nq == 2);
	CHECK(deliver(&rt_b, q[0].b, q[0].len) == AX_OK);
	CHECK(got_calls == 1 && got_len == 5 && tzm_eq(got, "21.5C", 5));
	CHECK(deliver(&rt_b, q[1].b, q[1].len) == AX_OK && got_calls == 2);
	/* Replay of an accepted event. */
	CHECK(deliver(&rt_b, q[0].b, q[0].len) == AX_E_REPLAY);
	/* A fresh event with one bit flipped anywhere is refused; the
	 * untouched one is then still accepted, exactly once. */
	nq = 0;
	CHECK(ax_rt_output(&rt_a, &eps_a[0], "22.0C", 5) == AX_OK && nq == 2);
	n = q[0].len;
	for (size_t i = 5; i < n; i++) { /* past type and conn id */
		q[0].b[i] ^= 0x04;
		CHECK(deliver(&rt_b, q[0].b, n) != AX_OK);
		q[0].b[i] ^= 0x04;
	}
	CHECK(rt_b.rejects[AX_E_BAD_TAG] >= n - 13);
	CHECK(got_calls == 2);
	CHECK(deliver(&rt_b, q[0].b, n) == AX_OK && got_calls == 3 &&
	      tzm_eq(got, "22.0C", 5));
	CHECK(deliver(&rt_b, q[0].b, n) == AX_E_REPLAY && got_calls == 3);
}

static void attest_and_disable(const uint8_t km_b[32],
	const uint8_t km_wrong[32])
{
	uint8_t ch[32], m[AX_DISABLE_LEN > AX_ATTEST_LEN ? AX_DISABLE_LEN :
		AX_ATTEST_LEN], ans[32];
	size_t n, alen;

	for (size_t i = 0; i < 32; i++)
		ch[i] = (uint8_t)(0x5a ^ i);
	CHECK(ax_modmsg_attest(ch, m, sizeof(m), &n) == AX_OK);
	CHECK(ax_rt_handle(&rt_b, m, n, ans, sizeof(ans), &alen) == AX_OK);
	CHECK(ax_modmsg_attest_check(km_b, 2, ch, ans, alen) == AX_OK);
	CHECK(ax_modmsg_attest_check(km_wrong, 2, ch, ans, alen) ==
		AX_E_BAD_TAG);
	/* DISABLE sealed under the wrong module key: refused, still active. */
	CHECK(ax_modmsg_disable(km_wrong, 100, m, sizeof(m), &n) == AX_OK);
	CHECK(deliver(&rt_b, m, n) == AX_E_BAD_TAG);
	CHECK(rt_b.state == AX_RT_ACTIVE);
	CHECK(ax_modmsg_disable(km_b, 100, m, sizeof(m), &n) == AX_OK);
	CHECK(deliver(&rt_b, m, n) == AX_OK && rt_b.state == AX_RT_DISABLED);
	CHECK(tzm_all(rt_b.k_ctl, 32, 0) && tzm_all(rt_b.k_att, 32, 0));
	nq = 0;
	CHECK(ax_rt_output(&rt_a, &eps_a[0], "x", 1) == AX_OK && nq == 2);
	CHECK(deliver(&rt_b, q[0].b, q[0].len) == AX_E_STATE);
}

void tzm_test_runtime(void)
{
	static const uint8_t k_node[32] = "tzm test node key (public!!!!!)";
	static const uint8_t k_other[32] = "another node's key (public!!!!)";
	uint8_t km_a[32], km_b[32], km_wrong[32], k_gcm[16], k_cc[32];

	tzm_section("trusted runtime: module pair in Secure RAM");
	CHECK(module_key(k_node, 1, eps_a, km_a));
	CHECK(module_key(k_node, 2, eps_b, km_b));
	CHECK(module_key(k_other, 2, eps_b, km_wrong));
	CHECK(ax_rt_init(&rt_a, eps_a, 1, 1, km_a, emit, NULL) == AX_OK);
	CHECK(ax_rt_init(&rt_b, eps_b, 1, 2, km_b, emit, NULL) == AX_OK);
	CHECK(ax_random(k_gcm, sizeof(k_gcm)) == AX_CRYPTO_OK);
	CHECK(ax_random(k_cc, sizeof(k_cc)) == AX_CRYPTO_OK);
	/* set_key: the right key, then attacks on the control channel. */
	CHECK(set_key(&rt_a, km_a, 1, CONN_GCM, AX_AEAD_AES128GCM, k_gcm) ==
		AX_OK);
	CHECK(set_key(&rt_b, km_b, 1, CONN_GCM, AX_AEAD_AES128GCM, k_gcm) ==
		AX_OK);
	CHECK(set_key(&rt_b, km_wrong, 2, CONN_CHACHA,
		AX_AEAD_CHACHA20POLY1305, k_cc) == AX_E_BAD_TAG);
	CHECK(set_key(&rt_b, km_b, 1, CONN_CHACHA, AX_AEAD_CHACHA20POLY1305,
		k_cc) == AX_E_REPLAY);
	CHECK(set_key(&rt_a, km_a, 2, CONN_CHACHA, AX_AEAD_CHACHA20POLY1305,
		k_cc) == AX_OK);
	CHECK(set_key(&rt_b, km_b, 2, CONN_CHACHA, AX_AEAD_CHACHA20POLY1305,
		k_cc) == AX_OK);
	tzm_section("trusted runtime: event round trip, flipped bits, replay");
	round_trip_and_attacks();
	tzm_section("trusted runtime: attestation, DISABLE");
	attest_and_disable(km_b, km_wrong);
	ax_wipe(km_a, 32);
	ax_wipe(km_b, 32);
	ax_wipe(km_wrong, 32);
	ax_wipe(k_gcm, sizeof(k_gcm));
	ax_wipe(k_cc, sizeof(k_cc));
}
