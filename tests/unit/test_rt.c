/*
 * test_rt.c - the module runtime doing its job: init, the permission
 * table in every state, SET_KEY, output fan-out, events in, request and
 * response, entry calls, ATTEST, DISABLE and STATUS. The attacks on the
 * same code are in tests/security/test_attacks.c.
 */
#include "ax_fixture.h"

#include "ax_bytes.h"

static struct fx F;

static void test_init_rejects_bad_tables(void **state)
{
	static struct ax_endpoint bad[1];
	struct ax_rt *rt = &F.a;
	(void)state;
	fx_start(&F);
	memcpy(bad, fx_eps_a, sizeof(bad));
	bad[0].magic ^= 1;
	assert_int_equal(ax_rt_init(rt, bad, 1, 1, F.km_a, fx_emit, &F),
			 AX_E_MALFORMED);
	memcpy(bad, fx_eps_a, sizeof(bad));
	bad[0].kind = 6;
	assert_int_equal(ax_rt_init(rt, bad, 1, 1, F.km_a, fx_emit, &F),
			 AX_E_MALFORMED);
	assert_int_equal(ax_rt_init(rt, fx_eps_a, AX_MAX_ENDPOINTS + 1, 1,
				    F.km_a, fx_emit, &F), AX_E_MALFORMED);
	assert_int_equal(ax_rt_init(rt, fx_eps_a, 4, 1, F.km_a, NULL, &F),
			 AX_E_MALFORMED);
	assert_int_equal(rt->state, AX_RT_UNINIT);
	assert_int_equal(ax_rt_init(rt, fx_eps_a, 4, 1, F.km_a, fx_emit, &F),
			 AX_OK);
	assert_int_equal(rt->state, AX_RT_ACTIVE);
}

static void test_output_fans_out_to_every_connection(void **state)
{
	(void)state;
	fx_start(&F);
	/* Not connected yet: an output goes nowhere and is not an error. */
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], "x", 1), AX_OK);
	assert_int_equal(F.nq, 0);
	fx_connect_all(&F);
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], "hello", 5), AX_OK);
	assert_int_equal(F.nq, 2); /* C1 and C2, not C3 */
	for (size_t i = 0; i < 2; i++) {
		struct fx_msg m = fx_take(&F, i);
		assert_int_equal(m.len, AX_EVENT_OVERHEAD + 5);
		assert_int_equal(m.b[0], AX_MSG_EVENT);
		assert_true(ax_load_be64(m.b + 5) == 1);
		assert_int_equal(fx_send(&F.b, m.b, m.len), AX_OK);
		assert_int_equal(F.last_len, 5);
		assert_memory_equal(F.last, "hello", 5);
	}
	assert_int_equal(F.b_in_calls, 2);
	assert_true(ax_load_be32(F.q[0].b + 1) != ax_load_be32(F.q[1].b + 1));
	assert_true(fx_conn(&F.b, FX_C1, 0)->accepted == 1);
	assert_true(fx_conn(&F.b, FX_C2, 0)->accepted == 1);
}

static void test_output_checks(void **state)
{
	static uint8_t big[AX_PAYLOAD_MAX + 1];
	(void)state;
	fx_start(&F);
	fx_connect_all(&F);
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], big, sizeof(big)),
			 AX_E_TOO_LARGE);
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], big, AX_PAYLOAD_MAX),
			 AX_OK);
	/* An endpoint of another module, or of the wrong kind. */
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_b[2], "x", 1),
			 AX_E_UNKNOWN_ENDPOINT);
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[3], "x", 1),
			 AX_E_UNKNOWN_ENDPOINT);
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[0], "x", 1),
			 AX_E_UNKNOWN_ENDPOINT);
}

static void test_request_response(void **state)
{
	struct fx_msg req, resp;
	(void)state;
	fx_start(&F);
	/* A request without a connection has nowhere to go. */
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "q", 1),
			 AX_E_UNKNOWN_CONN);
	fx_connect_all(&F);
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "state?", 6), AX_OK);
	assert_int_equal(F.nq, 1);
	req = fx_take(&F, 0);
	assert_int_equal(req.b[0], AX_MSG_REQUEST);
	assert_int_equal(fx_send(&F.b, req.b, req.len), AX_OK);
	assert_int_equal(F.answer_calls, 1);
	assert_int_equal(F.nq, 2);
	resp = fx_take(&F, 1);
	assert_int_equal(resp.b[0], AX_MSG_RESPONSE);
	/* The response reuses the request's counter, in its own IV space. */
	assert_memory_equal(resp.b + 1, req.b + 1, 12);
	assert_int_equal(fx_send(&F.a, resp.b, resp.len), AX_OK);
	assert_int_equal(F.a_answer_calls, 1);
	assert_int_equal(F.last_len, 9);
	assert_memory_equal(F.last, "re:state?", 9);
	assert_int_equal(fx_conn(&F.a, FX_C3, 1)->pending, 0);
}

static void test_failing_handler_sends_no_response(void **state)
{
	struct fx_msg req;
	(void)state;
	fx_start(&F);
	fx_connect_all(&F);
	F.answer_fail = 1;
	assert_int_equal(ax_rt_request(&F.a, &fx_eps_a[1], "q", 1), AX_OK);
	req = fx_take(&F, 0);
	assert_int_equal(fx_send(&F.b, req.b, req.len), AX_E_HANDLER);
	assert_int_equal(F.nq, 1);
	/* The request was authentic: its counter is used up all the same. */
	assert_true(fx_conn(&F.b, FX_C3, 1)->counter == 1);
	assert_int_equal(fx_total_rejects(&F.b), 0);
}

static void test_call_entry(void **state)
{
	uint8_t m[8] = {AX_MSG_CALL, 0, 2, 'a', 'b', 'c'}, out[4];
	size_t n;
	(void)state;
	fx_start(&F);
	assert_int_equal(ax_rt_handle(&F.a, m, 6, out, sizeof(out), &n), AX_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 3);
	assert_int_equal(F.go_calls, 1);
	/* The answer does not fit: the entry point fails cleanly. */
	assert_int_equal(ax_rt_handle(&F.a, m, 6, out, 0, &n), AX_E_HANDLER);
	assert_int_equal(n, 0);
	/* Entry ids that are not entry points. */
	for (uint16_t id = 0; id < 8; id++) {
		if (id == 2)
			continue;
		ax_store_be16(m + 1, id);
		assert_int_equal(ax_rt_handle(&F.a, m, 3, out, 4, &n),
				 AX_E_UNKNOWN_ENDPOINT);
	}
	assert_int_equal(F.a.rejects[AX_E_UNKNOWN_ENDPOINT], 7);
}

static void test_attest_answer_verifies(void **state)
{
	uint8_t ch[AX_CHALLENGE_LEN], m[AX_ATTEST_LEN], out[64];
	size_t n, mlen;
	(void)state;
	fx_start(&F);
	fx_fill(ch, sizeof(ch), 0x55);
	assert_int_equal(ax_modmsg_attest(ch, m, sizeof(m), &mlen), AX_OK);
	assert_int_equal(ax_rt_handle(&F.a, m, mlen, out, sizeof(out), &n),
			 AX_OK);
	assert_int_equal(n, AX_ATTEST_ANSWER_LEN);
	assert_int_equal(ax_modmsg_attest_check(F.km_a, 1, ch, out, n), AX_OK);
	assert_int_equal(ax_rt_handle(&F.a, m, mlen, out, 31, &n), AX_E_SPACE);
}

static void test_disable_wipes_keys(void **state)
{
	uint8_t m[AX_DISABLE_LEN];
	static const uint8_t zero[32];
	size_t n;
	(void)state;
	fx_start(&F);
	fx_connect_all(&F);
	assert_int_equal(ax_modmsg_disable(F.km_b, ++F.nonce_b, m, sizeof(m),
					   &n), AX_OK);
	assert_int_equal(fx_send(&F.b, m, n), AX_OK);
	assert_int_equal(F.b.state, AX_RT_DISABLED);
	assert_memory_equal(F.b.k_ctl, zero, 32);
	assert_memory_equal(F.b.k_att, zero, 32);
	for (size_t i = 0; i < AX_MAX_CONNECTIONS; i++)
		assert_memory_equal(F.b.conns[i].key, zero, 32);
	/* Outputs are refused too. */
	assert_int_equal(ax_rt_output(&F.b, &fx_eps_b[2], "x", 1), AX_E_STATE);
}

/* Every message type in every state: accept (any non-STATE status, the
 * message may still fail later checks) or reject with AX_E_STATE. */
static void test_permission_table(void **state)
{
	static const uint8_t types[] = {0, AX_MSG_SET_KEY, AX_MSG_ATTEST,
		AX_MSG_DISABLE, AX_MSG_EVENT, AX_MSG_REQUEST, AX_MSG_RESPONSE,
		AX_MSG_CALL, AX_MSG_STATUS, 9, 0xff};
	static const uint8_t states[] = {AX_RT_UNINIT, AX_RT_ACTIVE,
		AX_RT_DISABLED, AX_RT_FAILED};
	uint8_t m[64] = {0}, out[AX_RT_STATUS_MAX];
	size_t n;
	(void)state;
	for (size_t s = 0; s < sizeof(states); s++) {
		for (size_t t = 0; t < sizeof(types); t++) {
			ax_rt_status st;
			fx_start(&F);
			F.a.state = states[s];
			m[0] = types[t];
			st = ax_rt_handle(&F.a, m, sizeof(m), out, sizeof(out),
					  &n);
			print_message("state %u type %u -> %s\n", states[s],
				      types[t], ax_modmsg_status_name(st));
			if (types[t] == 0 || types[t] > AX_MSG_STATUS)
				assert_int_equal(st, AX_E_UNKNOWN_TYPE);
			else if (types[t] == AX_MSG_STATUS)
				assert_int_not_equal(st, AX_E_STATE);
			else if (states[s] == AX_RT_ACTIVE)
				assert_int_not_equal(st, AX_E_STATE);
			else
				assert_int_equal(st, AX_E_STATE);
		}
	}
	/* A state value outside the enum is refused, not trusted. */
	fx_start(&F);
	F.a.state = 7;
	m[0] = AX_MSG_STATUS;
	assert_int_equal(ax_rt_handle(&F.a, m, 1, out, sizeof(out), &n),
			 AX_E_STATE);
}

static void test_status_reports_counters(void **state)
{
	uint8_t m[1] = {AX_MSG_STATUS}, out[AX_RT_STATUS_MAX], bad[1] = {0x42};
	size_t n;
	const uint8_t *p;
	(void)state;
	fx_start(&F);
	fx_connect_all(&F);
	assert_int_equal(fx_send(&F.b, bad, 1), AX_E_UNKNOWN_TYPE);
	assert_int_equal(ax_rt_handle(&F.b, m, 1, out, sizeof(out), &n), AX_OK);
	assert_int_equal(n, AX_RT_STATUS_HDR_LEN + 3 * AX_RT_STATUS_CONN_LEN);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], AX_RT_ACTIVE);
	assert_int_equal(ax_load_be16(out + 2), 3);
	assert_true(ax_load_be64(out + 12 + 8 * (AX_E_UNKNOWN_TYPE - 1)) == 1);
	p = out + AX_RT_STATUS_HDR_LEN;
	assert_int_equal(ax_load_be32(p), FX_C1);
	assert_int_equal(p[6], AX_AEAD_AES128GCM);
	assert_int_equal(ax_rt_handle(&F.b, m, 1, out, n - 1, &n), AX_E_SPACE);
}

static void test_rekey_restarts_counters(void **state)
{
	uint8_t k[16];
	(void)state;
	fx_start(&F);
	fx_connect_all(&F);
	assert_int_equal(ax_rt_output(&F.a, &fx_eps_a[0], "1", 1), AX_OK);
	assert_int_equal(fx_send(&F.b, F.q[0].b, F.q[0].len), AX_OK);
	fx_fill(k, 16, 9);
	fx_key(&F, 0, FX_C1, 0, AX_AEAD_AES128GCM, k);
	assert_true(fx_conn(&F.b, FX_C1, 0)->counter == 0);
	assert_true(fx_conn(&F.b, FX_C1, 0)->accepted == 1);
	/* The old-key event no longer verifies, even with its counter fresh. */
	assert_int_equal(fx_send(&F.b, F.q[0].b, F.q[0].len), AX_E_BAD_TAG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_tables),
		cmocka_unit_test(test_output_fans_out_to_every_connection),
		cmocka_unit_test(test_output_checks),
		cmocka_unit_test(test_request_response),
		cmocka_unit_test(test_failing_handler_sends_no_response),
		cmocka_unit_test(test_call_entry),
		cmocka_unit_test(test_attest_answer_verifies),
		cmocka_unit_test(test_disable_wipes_keys),
		cmocka_unit_test(test_permission_table),
		cmocka_unit_test(test_status_reports_counters),
		cmocka_unit_test(test_rekey_restarts_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
