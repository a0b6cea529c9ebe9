/*
 * tzm_check.h - a tiny check harness for test images that run on the
 * Cortex-M33 in QEMU (no C library, output on UART0): each CHECK prints a
 * line only when it fails; tzm_check_summary prints "N passed, M failed".
 */
#ifndef TZM_CHECK_H
#define TZM_CHECK_H

#include <stddef.h>
#include <stdint.h>

void tzm_check(int ok, const char *what, const char *file, int line);
void tzm_section(const char *name);
/* Returns the number of failures (the image's exit status, capped). */
uint32_t tzm_check_summary(void);

/* unhex - decode a hex string into out (cap bytes); returns the byte count,
 * or (size_t)-1 (and a failed check) on a malformed or too long string. */
size_t tzm_unhex(const char *hex, uint8_t *out, size_t cap);
int tzm_all(const uint8_t *p, size_t n, uint8_t v);
int tzm_eq(const void *a, const void *b, size_t n);

#define CHECK(cond) tzm_check((cond) != 0, #cond, __FILE__, __LINE__)

/* The two test groups of the Secure test image. */
void tzm_test_crypto(void);
void tzm_test_runtime(void);

#endif /* TZM_CHECK_H */
