/* test_replay.c - the counter rules (ax_replay.c), as numbered cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_replay.h"

static const struct {
	uint64_t last, counter;
	int ok;
	uint64_t lost;
} accept_cases[] = {
	/*  1 */ {0, 0, 0, 0},                 /* counter 0 is never sent */
	/*  2 */ {0, 1, 1, 0},                 /* first message */
	/*  3 */ {1, 1, 0, 0},                 /* replay */
	/*  4 */ {5, 4, 0, 0},                 /* reorder: older */
	/*  5 */ {5, 6, 1, 0},                 /* next */
	/*  6 */ {5, 9, 1, 3},                 /* gap: 6, 7, 8 lost */
	/*  7 */ {0, UINT64_MAX, 1, UINT64_MAX - 1},
	/*  8 */ {UINT64_MAX, UINT64_MAX, 0, 0}, /* end of the space */
	/*  9 */ {UINT64_MAX - 1, UINT64_MAX, 1, 0},
	/* 10 */ {UINT64_MAX, 0, 0, 0},        /* no wrap back to 0 */
	/* 11 */ {UINT64_MAX, 1, 0, 0},
	/* 12 */ {1u << 31, (1ull << 32) + 1, 1, (1ull << 32) - (1u << 31)},
};

static void test_accept_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]);
	     i++) {
		uint64_t lost = 12345;
		int rc = ax_replay_accept(accept_cases[i].last,
					  accept_cases[i].counter, &lost);
		print_message("case %zu\n", i + 1);
		assert_int_equal(rc == 0, accept_cases[i].ok);
		if (accept_cases[i].ok)
			assert_true(lost == accept_cases[i].lost);
		else
			assert_true(lost == 12345); /* untouched */
	}
}

static void test_next_counts_from_one(void **state)
{
	uint64_t c = 0;
	(void)state;
	assert_int_equal(ax_replay_next(&c), 0);
	assert_true(c == 1);
	assert_int_equal(ax_replay_next(&c), 0);
	assert_true(c == 2);
}

static void test_next_refuses_before_wrap(void **state)
{
	uint64_t c = UINT64_MAX - 1;
	(void)state;
	assert_int_equal(ax_replay_next(&c), 0);
	assert_true(c == UINT64_MAX);
	assert_int_equal(ax_replay_next(&c), -1);
	assert_true(c == UINT64_MAX); /* unchanged: never wraps to 0 */
	assert_int_equal(ax_replay_next(&c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_table),
		cmocka_unit_test(test_next_counts_from_one),
		cmocka_unit_test(test_next_refuses_before_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
