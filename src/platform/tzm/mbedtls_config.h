/*
 * mbedtls_config.h - the mbedTLS 2.28 configuration of the tzm Secure image
 * (MBEDTLS_CONFIG_FILE). Only what src/crypto/provider_mbedtls.c uses:
 * AES-128-GCM, ChaCha20-Poly1305, SHA-256, HMAC and HKDF through the MD
 * layer, HMAC_DRBG for ax_random. No file system, no time, no stdio, no
 * threads. The cipher and MD layers allocate small contexts: they get them
 * from memory_buffer_alloc on a static pool inside the provider
 * (MBEDTLS_PLATFORM_MEMORY), never from a C library heap.
 *
 * Used for the Cortex-M33 build (arm-none-eabi-gcc), and for the host run of
 * the same test code under ASan/UBSan (tests/check_tzm_qemu.sh).
 */
#ifndef AX_TZM_MBEDTLS_CONFIG_H
#define AX_TZM_MBEDTLS_CONFIG_H

/* System: bare metal. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_DEPRECATED_REMOVED
/* memory_buffer_alloc "exits" when it finds its pool corrupted: that is a
 * broken invariant inside the Secure image, so it fails closed through the
 * image's panic (src/platform/tzm/secure/), which never returns. */
void ax_tzm_fatal(int code) __attribute__((noreturn));
#define MBEDTLS_PLATFORM_EXIT_MACRO ax_tzm_fatal
/* Pool blocks aligned for any pointer, also when the same configuration is
 * built for a 64-bit host (tests/check_tzm_qemu.sh, host run). */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

/* Ciphers. ROM tables: the AES tables live in flash/code, not in RAM.
 * Note (docs/tzm.md): table AES is not constant-time; the control channel
 * always uses ChaCha20-Poly1305 for that reason (docs/architecture.md §4). */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* Hashes, MAC, KDF, DRBG. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C

/* mbedTLS 2.x does not check a custom configuration by itself. */
#include "mbedtls/check_config.h"

#endif /* AX_TZM_MBEDTLS_CONFIG_H */
