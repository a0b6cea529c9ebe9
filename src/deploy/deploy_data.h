/*
 * deploy_data.h - the DATA arguments of the CLI and the descriptor's
 * periodic `arg`: text, or 0x-prefixed hex ("0x0102"; "0x" alone is
 * empty). Also the printable form of a result.
 */
#ifndef DEPLOY_DATA_H
#define DEPLOY_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "deploy_util.h"

/*
 * deploy_data_parse - decode arg into (out, cap). Text is taken byte for
 * byte (without a NUL); "0x..." must be an even number of hex digits.
 * Returns DEPLOY_OK with *len set, or DEPLOY_E_INPUT (odd length, a
 * non-hex digit, longer than cap) with a message.
 */
DEPLOY_MUST_CHECK deploy_status deploy_data_parse(const char *arg,
	uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen);

/*
 * deploy_data_format - "\"text\"" when every byte is printable ASCII and
 * it fits, otherwise "hex"; "(empty)" for no bytes. Long hex is cut with
 * "..." to fit cap.
 */
void deploy_data_format(const uint8_t *b, size_t n, char *out, size_t cap);

/*
 * deploy_data_text - untrusted bytes as one line of text for a message:
 * printable ASCII as is, anything else as \xNN; cut to fit cap.
 */
void deploy_data_text(const uint8_t *b, size_t n, char *out, size_t cap);

#endif /* DEPLOY_DATA_H */
