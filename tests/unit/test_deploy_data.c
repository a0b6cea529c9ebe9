/*
 * test_deploy_data.c - the DATA arguments (deploy_data.c): text, 0x-hex,
 * the errors, and the printed form of results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "deploy_data.h"

static void test_parse(void **state)
{
	uint8_t out[8];
	size_t len = 99;
	char err[256];

	(void)state;
	assert_int_equal(deploy_data_parse("hello", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(deploy_data_parse("", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_OK);
	assert_int_equal(len, 0);
	assert_int_equal(deploy_data_parse("0x00C8ff", out, sizeof out, &len,
					   err, sizeof err), DEPLOY_OK);
	assert_int_equal(len, 3);
	assert_int_equal(out[0], 0x00);
	assert_int_equal(out[1], 0xc8);
	assert_int_equal(out[2], 0xff);
	assert_int_equal(deploy_data_parse("0x", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_OK);
	assert_int_equal(len, 0);
	assert_int_equal(deploy_data_parse("0", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_OK);
	assert_int_equal(len, 1); /* "0" is text */
	assert_int_equal(out[0], '0');
}

static void test_parse_errors(void **state)
{
	uint8_t out[4];
	size_t len;
	char err[256];

	(void)state;
	assert_int_equal(deploy_data_parse("0x123", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "odd number"));
	assert_int_equal(len, 0);
	assert_int_equal(deploy_data_parse("0x12g4", out, sizeof out, &len,
					   err, sizeof err), DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "'g' is not a hex digit"));
	assert_int_equal(deploy_data_parse("0x0102030405", out, sizeof out,
					   &len, err, sizeof err),
			 DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "at most 4"));
	assert_int_equal(deploy_data_parse("abcde", out, sizeof out, &len, err,
					   sizeof err), DEPLOY_E_INPUT);
}

static void test_format(void **state)
{
	char out[64];
	uint8_t bin[3] = {0x00, 0xc8, 0x7f};
	uint8_t big[40];

	(void)state;
	deploy_data_format((const uint8_t *)"ok", 2, out, sizeof out);
	assert_string_equal(out, "\"ok\"");
	deploy_data_format(bin, 3, out, sizeof out);
	assert_string_equal(out, "00c87f");
	deploy_data_format(NULL, 0, out, sizeof out);
	assert_string_equal(out, "(empty)");
	memset(big, 'a', sizeof big);
	deploy_data_format(big, sizeof big, out, sizeof out);
	assert_int_equal(strlen(out), 42); /* text in quotes */
	memset(big, 0x01, sizeof big);
	deploy_data_format(big, sizeof big, out, sizeof out);
	assert_true(strlen(out) < sizeof out);
	assert_non_null(strstr(out, "..."));
}

static void test_text(void **state)
{
	char out[32];
	const uint8_t b[] = {'o', 'k', 0x00, '\n', 0xff};

	(void)state;
	deploy_data_text(b, sizeof b, out, sizeof out);
	assert_string_equal(out, "ok\\x00\\x0a\\xff");
	deploy_data_text(b, sizeof b, out, 6);
	assert_true(strlen(out) < 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
