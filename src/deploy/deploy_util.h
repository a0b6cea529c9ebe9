/*
 * deploy_util.h - small helpers shared by the deployer's files: the status
 * enum every deployer function returns, error messages into a caller's
 * buffer, whole-file reads, hex.
 *
 * Conventions of the whole deployer library (src/deploy/):
 *  - Functions that can fail return a deploy_status (0 = DEPLOY_OK) and
 *    write one line of English into (err, errlen), never to a terminal.
 *    DEPLOY_E_INPUT means the user's input (descriptor, arguments, files)
 *    is wrong; DEPLOY_E_FAIL means an operation failed (a node, a build,
 *    the state database). The command layer maps them to exit status 2
 *    and 1.
 *  - Only the command layer (deploy_cmd_*.c, deploy_local.c) and main()
 *    print.
 */
#ifndef DEPLOY_UTIL_H
#define DEPLOY_UTIL_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define DEPLOY_MUST_CHECK __attribute__((warn_unused_result))
#define DEPLOY_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DEPLOY_MUST_CHECK
#define DEPLOY_PRINTF(a, b)
#endif

typedef enum {
	DEPLOY_OK = 0,
	DEPLOY_E_INPUT = 1, /* bad descriptor, argument or input file */
	DEPLOY_E_FAIL = 2,  /* an operation failed (node, build, database) */
} deploy_status;

/* deploy_errf - format one message into err (truncated, always NUL-
 * terminated when errlen > 0). err may be NULL. */
void deploy_errf(char *err, size_t errlen, const char *fmt, ...)
	DEPLOY_PRINTF(3, 4);

/* deploy_read_file - read a whole regular file into a fresh heap buffer
 * (*buf, *len; one extra NUL byte after the data, not counted). Files
 * larger than max are refused. The caller frees *buf. */
DEPLOY_MUST_CHECK deploy_status deploy_read_file(const char *path,
	uint8_t **buf, size_t *len, size_t max, char *err, size_t errlen);

/* deploy_hex - lower-case hex of n bytes into out (2n + 1 bytes). */
void deploy_hex(const uint8_t *b, size_t n, char *out);

/* deploy_hex_short - the first 4 bytes as 8 hex digits and an ellipsis,
 * for progress lines ("ab12cd34…"); out must hold 16 bytes. */
void deploy_hex_short(const uint8_t *b, size_t n, char out[static 16]);

/* deploy_dir_of - the directory part of path ("." if none) into out. */
void deploy_dir_of(const char *path, char *out, size_t cap);

/* deploy_path_join - dir/rel into out, or rel alone if it is absolute.
 * Returns DEPLOY_E_INPUT if the result does not fit. */
DEPLOY_MUST_CHECK deploy_status deploy_path_join(const char *dir,
	const char *rel, char *out, size_t cap);

/* deploy_test_die - the crash hook of the resume tests: if the
 * environment variable AUTHEX_TEST_DIE_AFTER equals step, or is "step:N"
 * and this is the Nth time the process reaches step, the process ends at
 * once with _exit(99), as if killed. */
void deploy_test_die(const char *step);

#endif /* DEPLOY_UTIL_H */
