/*
 * test_attacks.c - attacks on the trusted runtime, each shown to fail.
 *
 * The attacker controls everything outside the modules: it can change,
 * drop, replay, reorder, splice and invent any message. For every attack
 * these tests check three things: the runtime refuses the message with
 * the expected reason, the refusal is counted (per reason, and per
 * connection when the connection is known), and no module handler ran.
 * docs/security.md names each test next to the property it attacks.
 */
#include "ax_fixture.h"

#include "ax_bytes.h"

static struct fx F;

/* Handler calls in both modules, so "no handler ran" is one compare. */
static unsigned handler_calls(void)
{
	return F.b_in_calls + F.a_in_calls + F.answer_calls +
	       F.a_answer_calls + F.go_calls;
}

/* Capture one event from A on connection C1 with the given payload. */
static struct fx_msg one_event(const char *payload)
{
	size_t before = F.nq;
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], payload,
				      strlen(payload)), AX_OK);
	assert_int_equal(F.nq, before + 2);
	return fx_take(&F, before); /* C1's copy comes first */
}

/* Deliver m expecting `want`; check that exactly rejects[want] moved. */
static void expect_reject(struct ax_rt *rt, const uint8_t *m, size_t n,
			  ax_rt_status want)
{
	uint64_t before = rt->rejects[want], total = fx_total_rejects(rt);
	unsigned calls = handler_calls();
	assert_int_equal(fx_send(rt, m, n), want);
	assert_true(rt->rejects[want] == before + 1);
	assert_true(fx_total_rejects(rt) == total + 1);
	assert_int_equal(handler_calls(), calls);
}

static void setup(void)
{
	fx_start(&F);
	fx_connect_all(&F);
}

static void test_flipped_ciphertext_bit(void **state)
{
	struct fx_msg m;
	(void)state;
	setup();
	m = one_event("open the valve");
	for (size_t bit = 0; bit < 14 * 8; bit++) {
		struct fx_msg x = m;
		x.b[AX_EVENT_HDR_LEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		expect_reject(&F.b, x.b, x.len, AX_E_BAD_TAG);
	}
	assert_true(fx_conn(&F.b, FX_C1, 0)->rejected == 14 * 8);
	/* The genuine event is still accepted afterwards: nothing moved. */
	assert_int_equal(fx_send(&F.b, m.b, m.len), AX_OK);
	assert_int_equal(F.b_in_calls, 1);
}

static void test_flipped_tag_bit(void **state)
{
	struct fx_msg m;
	(void)state;
	setup();
	m = one_event("x");
	for (size_t bit = 0; bit < AX_TAG_LEN * 8; bit++) {
		struct fx_msg x = m;
		x.b[m.len - AX_TAG_LEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		expect_reject(&F.b, x.b, x.len, AX_E_BAD_TAG);
	}
	assert_int_equal(fx_send(&F.b, m.b, m.len), AX_OK);
}

/* The associated data is the header: type, connection id, counter. A
 * flipped bit there must never get a message accepted. */
static void test_flipped_associated_data_bit(void **state)
{
	struct fx_msg m;
	(void)state;
	setup();
	m = one_event("AD");
	for (size_t bit = 0; bit < AX_EVENT_HDR_LEN * 8; bit++) {
		struct fx_msg x = m;
		uint64_t total = fx_total_rejects(&F.b);
		unsigned calls = handler_calls();
		x.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(fx_send(&F.b, x.b, x.len), AX_OK);
		assert_true(fx_total_rejects(&F.b) == total + 1);
		assert_int_equal(handler_calls(), calls);
	}
	/* Counter bits specifically: higher counters fail the tag, lower
	 * ones (counter 0) are refused before any crypto. */
	{
		struct fx_msg x = m;
		x.b[12] ^= 0x02; /* counter 1 -> 3 */
		expect_reject(&F.b, x.b, x.len, AX_E_BAD_TAG);
		x = m;
		x.b[12] ^= 0x01; /* counter 1 -> 0 */
		expect_reject(&F.b, x.b, x.len, AX_E_REPLAY);
	}
	assert_int_equal(fx_send(&F.b, m.b, m.len), AX_OK);
}

static void test_replayed_event(void **state)
{
	struct fx_msg m;
	(void)state;
	setup();
	m = one_event("once");
	assert_int_equal(fx_send(&F.b, m.b, m.len), AX_OK);
	for (int i = 0; i < 3; i++)
		expect_reject(&F.b, m.b, m.len, AX_E_REPLAY);
	assert_int_equal(F.b_in_calls, 1);
	assert_true(fx_conn(&F.b, FX_C1, 0)->rejected == 3);
}

static void test_reordered_events(void **state)
{
	struct fx_msg e1, e2, e3;
	const struct ax_conn *c;
	(void)state;
	setup();
	e1 = one_event("1");
	e2 = one_event("2");
	e3 = one_event("3");
	assert_int_equal(fx_send(&F.b, e2.b, e2.len), AX_OK);
	expect_reject(&F.b, e1.b, e1.len, AX_E_REPLAY);
	assert_int_equal(fx_send(&F.b, e3.b, e3.len), AX_OK);
	c = fx_conn(&F.b, FX_C1, 0);
	assert_true(c->accepted == 2);
	assert_true(c->lost == 1); /* event 1 is reported lost, not hidden */
	assert_int_equal(F.b_in_calls, 2);
	assert_memory_equal(F.last, "3", 1);
}

static void test_dropped_events_counted_as_lost(void **state)
{
	struct fx_msg e[5];
	(void)state;
	setup();
	for (int i = 0; i < 5; i++) {
		F.nq = 0;
		e[i] = one_event("e");
	}
	assert_int_equal(fx_send(&F.b, e[4].b, e[4].len), AX_OK);
	assert_true(fx_conn(&F.b, FX_C1, 0)->lost == 4);
}

/* An event taken from C1 and presented as C2 (or C3). C2 has another key;
 * even when the deployer gives two connections the same key, the
 * connection id in the associated data still exposes the splice. */
static void test_spliced_from_other_connection(void **state)
{
	struct fx_msg m, x;
	uint8_t k1[32];
	(void)state;
	setup();
	m = one_event("spliced");
	x = m;
	ax_store_be32(x.b + 1, FX_C2);
	expect_reject(&F.b, x.b, x.len, AX_E_BAD_TAG);
	/* C3 is a request connection: EVENT on it has no receiver in B. */
	ax_store_be32(x.b + 1, FX_C3);
	expect_reject(&F.b, x.b, x.len, AX_E_UNKNOWN_CONN);
	/* Same key on C1 and C2 (deployer error): still refused. */
	fx_fill(k1, 32, 1);
	fx_key(&F, 0, FX_C2, 0, AX_AEAD_AES128GCM, k1);
	x = m;
	ax_store_be32(x.b + 1, FX_C2);
	expect_reject(&F.b, x.b, x.len, AX_E_BAD_TAG);
	/* A request relabelled as an event, and an event as a request. */
	F.nq = 0;
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "q", 1), AX_OK);
	x = fx_take(&F, 0);
	x.b[0] = AX_MSG_RESPONSE;
	expect_reject(&F.a, x.b, x.len, AX_E_BAD_TAG);
	x = m;
	x.b[0] = AX_MSG_REQUEST;
	expect_reject(&F.b, x.b, x.len, AX_E_UNKNOWN_CONN);
}

static void test_event_for_unknown_connection(void **state)
{
	struct fx_msg m;
	(void)state;
	setup();
	m = one_event("who?");
	ax_store_be32(m.b + 1, 999);
	expect_reject(&F.b, m.b, m.len, AX_E_UNKNOWN_CONN);
	/* A's own output connection does not receive: wrong role. */
	m = one_event("loop");
	expect_reject(&F.a, m.b, m.len, AX_E_UNKNOWN_CONN);
}

static void test_set_key_replayed(void **state)
{
	uint8_t m[64], k[32];
	size_t n;
	(void)state;
	setup(); /* B accepted nonces 1..3 */
	fx_fill(k, 32, 0x77);
	assert_int_equal(fx_set_key_msg(F.km_b, 4, 500, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	assert_int_equal(fx_send(&F.b, m, n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_REPLAY);
	/* An older nonce, correctly sealed, is refused as well (reorder). */
	assert_int_equal(fx_set_key_msg(F.km_b, 3, 501, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_REPLAY);
	assert_null(fx_conn(&F.b, 501, 0));
}

static void test_set_key_wrong_module_key(void **state)
{
	uint8_t m[64], k[32], other_node[32], wrong[32];
	size_t n;
	(void)state;
	setup();
	fx_fill(k, 32, 0x42);
	/* Keyed for another module image (A's measurement), for another
	 * instance id, and on another node: each gives another K_M. */
	assert_int_equal(ax_modmsg_module_key(F.node_key, 2, F.meas_a, wrong),
			 AX_OK);
	assert_int_equal(fx_set_key_msg(wrong, 10, 600, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_module_key(F.node_key, 3, F.meas_b, wrong),
			 AX_OK);
	assert_int_equal(fx_set_key_msg(wrong, 11, 600, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_BAD_TAG);
	fx_fill(other_node, 32, 0x11);
	assert_int_equal(ax_modmsg_module_key(other_node, 2, F.meas_b, wrong),
			 AX_OK);
	assert_int_equal(fx_set_key_msg(wrong, 12, 600, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_BAD_TAG);
	assert_null(fx_conn(&F.b, 600, 0));
	/* None of them consumed a nonce: the genuine nonce 4 still works. */
	assert_true(F.b.ctl_nonce == 3);
}

static void test_set_key_unknown_endpoint(void **state)
{
	uint8_t m[64], k[32];
	size_t n;
	(void)state;
	setup();
	fx_fill(k, 32, 5);
	assert_int_equal(fx_set_key_msg(F.km_b, 4, 700, 4, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_UNKNOWN_ENDPOINT);
	/* An entry point is not a connection endpoint. */
	assert_int_equal(fx_set_key_msg(F.km_b, 5, 700, 3, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_UNKNOWN_ENDPOINT);
	assert_int_equal(fx_set_key_msg(F.km_b, 6, 700, 0xffff,
					AX_AEAD_AES128GCM, k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_UNKNOWN_ENDPOINT);
	assert_true(F.b.ctl_nonce == 3);
}

static void test_set_key_table_full(void **state)
{
	uint8_t m[64], k[32];
	size_t n;
	uint64_t nonce = 4;
	(void)state;
	setup();
	fx_fill(k, 32, 6);
	for (uint32_t id = 1000; id < 1000 + AX_MAX_CONNECTIONS - 3; id++) {
		assert_int_equal(fx_set_key_msg(F.km_b, nonce++, id, 0,
						AX_AEAD_AES128GCM, k, m, &n),
				 AX_OK);
		assert_int_equal(fx_send(&F.b, m, n), AX_OK);
	}
	assert_int_equal(fx_set_key_msg(F.km_b, nonce, 5000, 0,
					AX_AEAD_AES128GCM, k, m, &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_TABLE_FULL);
}

static void test_set_key_bad_algorithm(void **state)
{
	uint8_t m[64], k[32];
	size_t n;
	(void)state;
	setup();
	fx_fill(k, 32, 7);
	assert_int_equal(fx_set_key_msg(F.km_b, 4, 800, 0, AX_AEAD_AES128GCM, k,
					m, &n), AX_OK);
	for (unsigned alg = 0; alg < 256; alg++) {
		if (alg == AX_AEAD_AES128GCM || alg == AX_AEAD_CHACHA20POLY1305)
			continue;
		m[15] = (uint8_t)alg;
		expect_reject(&F.b, m, n, AX_E_BAD_ALG);
	}
	/* Switching between the two real algorithms breaks the length or
	 * the tag (the algorithm is in the associated data). */
	m[15] = AX_AEAD_CHACHA20POLY1305;
	expect_reject(&F.b, m, n, AX_E_MALFORMED);
}

static void test_attestation_under_wrong_key(void **state)
{
	uint8_t ch[32], m[AX_ATTEST_LEN], ans[32], wrong[32], other[32];
	size_t n, mlen;
	(void)state;
	setup();
	fx_fill(ch, 32, 0x99);
	assert_int_equal(ax_modmsg_attest(ch, m, sizeof(m), &mlen), AX_OK);
	assert_int_equal(ax_rt_handle(&F.b, m, mlen, ans, sizeof(ans), &n),
			 AX_OK);
	assert_int_equal(ax_modmsg_attest_check(F.km_b, 2, ch, ans, n), AX_OK);
	/* The deployer expects another image, instance, node or challenge. */
	assert_int_equal(ax_modmsg_module_key(F.node_key, 2, F.meas_a, wrong),
			 AX_OK);
	assert_int_equal(ax_modmsg_attest_check(wrong, 2, ch, ans, n),
			 AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_attest_check(F.km_b, 1, ch, ans, n),
			 AX_E_BAD_TAG);
	fx_fill(other, 32, 0x12);
	assert_int_equal(ax_modmsg_module_key(other, 2, F.meas_b, wrong), AX_OK);
	assert_int_equal(ax_modmsg_attest_check(wrong, 2, ch, ans, n),
			 AX_E_BAD_TAG);
	ch[0] ^= 1;
	assert_int_equal(ax_modmsg_attest_check(F.km_b, 2, ch, ans, n),
			 AX_E_BAD_TAG);
	ch[0] ^= 1;
	/* A forged or truncated answer. */
	for (size_t bit = 0; bit < 256; bit++) {
		ans[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ax_modmsg_attest_check(F.km_b, 2, ch, ans, n),
				 AX_E_BAD_TAG);
		ans[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(ax_modmsg_attest_check(F.km_b, 2, ch, ans, 31),
			 AX_E_MALFORMED);
}

static void test_disable_attacks(void **state)
{
	uint8_t m[AX_DISABLE_LEN], wrong[32];
	size_t n;
	struct fx_msg ev;
	(void)state;
	setup();
	/* Under a wrong key, or replaying an old nonce: refused. */
	assert_int_equal(ax_modmsg_module_key(F.node_key, 9, F.meas_b, wrong),
			 AX_OK);
	assert_int_equal(ax_modmsg_disable(wrong, 9, m, sizeof(m), &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_BAD_TAG);
	assert_int_equal(ax_modmsg_disable(F.km_b, 3, m, sizeof(m), &n), AX_OK);
	expect_reject(&F.b, m, n, AX_E_REPLAY);
	assert_int_equal(F.b.state, AX_RT_ACTIVE);
	/* After a genuine disable, events are refused by state. */
	ev = one_event("late");
	assert_int_equal(ax_modmsg_disable(F.km_b, 4, m, sizeof(m), &n), AX_OK);
	assert_int_equal(fx_send(&F.b, m, n), AX_OK);
	expect_reject(&F.b, ev.b, ev.len, AX_E_STATE);
	expect_reject(&F.b, m, n, AX_E_STATE);
}

static void test_response_attacks(void **state)
{
	struct fx_msg r1, resp1, r2, resp2;
	(void)state;
	setup();
	/* A response nobody asked for. */
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "1", 1), AX_OK);
	r1 = fx_take(&F, 0);
	assert_int_equal(fx_send(&F.b, r1.b, r1.len), AX_OK);
	resp1 = fx_take(&F, 1);
	/* A second request supersedes the first; the late answer to the
	 * first is refused, the answer to the second accepted. */
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "2", 1), AX_OK);
	r2 = fx_take(&F, 2);
	expect_reject(&F.a, resp1.b, resp1.len, AX_E_REPLAY);
	assert_int_equal(fx_send(&F.b, r2.b, r2.len), AX_OK);
	resp2 = fx_take(&F, 3);
	assert_int_equal(fx_send(&F.a, resp2.b, resp2.len), AX_OK);
	assert_int_equal(F.a_answer_calls, 1);
	assert_memory_equal(F.last, "re:2", 4);
	/* Exactly one response: the same one again has nothing pending. */
	expect_reject(&F.a, resp2.b, resp2.len, AX_E_NO_PENDING);
	/* A replayed request is refused by the handler's module. */
	expect_reject(&F.b, r2.b, r2.len, AX_E_REPLAY);
	assert_int_equal(F.answer_calls, 2);
}

/* The same plaintext twice on one connection: different IVs, different
 * ciphertexts and tags (no IV reuse). */
static void test_no_iv_reuse(void **state)
{
	struct fx_msg m1, m2;
	(void)state;
	setup();
	m1 = one_event("same plaintext");
	m2 = one_event("same plaintext");
	assert_int_equal(m1.len, m2.len);
	assert_true(ax_load_be64(m1.b + 5) + 1 == ax_load_be64(m2.b + 5));
	assert_memory_not_equal(m1.b + AX_EVENT_HDR_LEN,
				m2.b + AX_EVENT_HDR_LEN,
				m1.len - AX_EVENT_HDR_LEN - AX_TAG_LEN);
	assert_memory_not_equal(m1.b + m1.len - AX_TAG_LEN,
				m2.b + m2.len - AX_TAG_LEN, AX_TAG_LEN);
}

static void test_sender_refuses_counter_wrap(void **state)
{
	struct ax_conn *c = NULL;
	(void)state;
	setup();
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++)
		if (F.a.conns[i].in_use && F.a.conns[i].id == FX_C2)
			c = &F.a.conns[i];
	assert_non_null(c);
	c->counter = UINT64_MAX; /* white box: the last counter was sent */
	F.nq = 0;
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], "z", 1),
			 AX_E_EXHAUSTED);
	assert_int_equal(F.nq, 1); /* C1 still sent, C2 refused */
	assert_int_equal(ax_load_be32(F.q[0].b + 1), FX_C1);
	assert_true(c->counter == UINT64_MAX);
}

/* Every prefix and every one-byte extension of a valid message of every
 * type is refused, and no handler runs. */
static void check_lengths(struct ax_rt *rt, const uint8_t *m, size_t n)
{
	uint8_t x[AX_MODULE_MSG_MAX + 2];
	size_t out_len;
	uint8_t out[AX_RT_STATUS_MAX];
	unsigned calls = handler_calls();
	uint64_t nonce = rt->ctl_nonce;

	memcpy(x, m, n);
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(ax_rt_handle(rt, x, k, out, sizeof(out),
						  &out_len), AX_OK);
	x[n] = 0;
	assert_int_not_equal(ax_rt_handle(rt, x, n + 1, out, sizeof(out),
					  &out_len), AX_OK);
	assert_int_equal(handler_calls(), calls);
	assert_true(rt->ctl_nonce == nonce);
}

static void test_truncated_and_oversized_every_type(void **state)
{
	uint8_t m[AX_MODULE_MSG_MAX + 1], k[32], ch[32];
	size_t n;
	struct fx_msg ev, rq, rs;
	(void)state;
	setup();
	fx_fill(k, 32, 8);
	fx_fill(ch, 32, 9);
	assert_int_equal(fx_set_key_msg(F.km_b, 4, 900, 0, AX_AEAD_AES128GCM,
					k, m, &n), AX_OK);
	check_lengths(&F.b, m, n);
	assert_int_equal(ax_modmsg_disable(F.km_b, 4, m, sizeof(m), &n), AX_OK);
	check_lengths(&F.b, m, n);
	assert_int_equal(ax_modmsg_attest(ch, m, sizeof(m), &n), AX_OK);
	check_lengths(&F.b, m, n);
	ev = one_event("payload");
	check_lengths(&F.b, ev.b, ev.len);
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "rq", 2), AX_OK);
	rq = fx_take(&F, F.nq - 1);
	check_lengths(&F.b, rq.b, rq.len);
	assert_int_equal(fx_send(&F.b, rq.b, rq.len), AX_OK);
	rs = fx_take(&F, F.nq - 1);
	check_lengths(&F.a, rs.b, rs.len);
	m[0] = AX_MSG_STATUS;
	check_lengths(&F.b, m, 1);
	/* CALL: a truncated header is refused; arguments are the entry
	 * point's to check, up to the hard maximum. */
	m[0] = AX_MSG_CALL;
	ax_store_be16(m + 1, 3);
	for (size_t l = 0; l < AX_CALL_HDR_LEN; l++)
		assert_int_equal(fx_send(&F.b, m, l), AX_E_MALFORMED);
	assert_int_equal(fx_send(&F.b, m, AX_CALL_HDR_LEN + AX_PAYLOAD_MAX + 1),
			 AX_E_TOO_LARGE);
	/* Oversized events are refused before any cryptography. */
	memset(m, 0, sizeof(m));
	m[0] = AX_MSG_EVENT;
	ax_store_be32(m + 1, FX_C1);
	ax_store_be64(m + 5, 99);
	expect_reject(&F.b, m, AX_EVENT_OVERHEAD + AX_PAYLOAD_MAX + 1,
		      AX_E_TOO_LARGE);
	/* NULL and empty input. */
	assert_int_equal(ax_rt_handle(&F.b, NULL, 10, m, 1, &n),
			 AX_E_MALFORMED);
	assert_int_equal(ax_rt_handle(&F.b, m, 0, m, 1, &n), AX_E_MALFORMED);
	/* After all that, the genuine messages still work. */
	assert_int_equal(fx_send(&F.a, rs.b, rs.len), AX_OK);
	assert_int_equal(fx_send(&F.b, ev.b, ev.len), AX_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flipped_ciphertext_bit),
		cmocka_unit_test(test_flipped_tag_bit),
		cmocka_unit_test(test_flipped_associated_data_bit),
		cmocka_unit_test(test_replayed_event),
		cmocka_unit_test(test_reordered_events),
		cmocka_unit_test(test_dropped_events_counted_as_lost),
		cmocka_unit_test(test_spliced_from_other_connection),
		cmocka_unit_test(test_event_for_unknown_connection),
		cmocka_unit_test(test_set_key_replayed),
		cmocka_unit_test(test_set_key_wrong_module_key),
		cmocka_unit_test(test_set_key_unknown_endpoint),
		cmocka_unit_test(test_set_key_table_full),
		cmocka_unit_test(test_set_key_bad_algorithm),
		cmocka_unit_test(test_attestation_under_wrong_key),
		cmocka_unit_test(test_disable_attacks),
		cmocka_unit_test(test_response_attacks),
		cmocka_unit_test(test_no_iv_reuse),
		cmocka_unit_test(test_sender_refuses_counter_wrap),
		cmocka_unit_test(test_truncated_and_oversized_every_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
