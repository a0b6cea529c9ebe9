/*
 * ax_msg.h - catalogue of module messages: the bytes that cross the
 * boundary between the untrusted node (or the deployer, through the node)
 * and a module's trusted runtime.
 *
 * This is part one of the authex message catalogue; part two, the frames
 * the node daemons and the deployer exchange, is src/common/ax_wire.h, which
 * includes this file. docs/protocol.md documents both byte by byte, and a
 * unit test (tests/unit/test_catalogue.c) compares the doc's tables to the
 * numbers here. Numbers are explicit and never reused.
 *
 * All integers are big-endian (ax_bytes.h). Every message starts with one
 * type byte. Layouts (offsets in bytes):
 *
 * SET_KEY   0x01  type(1) nonce(8) conn(4) endpoint(2) alg(1) | key_ct(K) tag(16)
 *                 sealed with ChaCha20-Poly1305 under K_ctl (derived from
 *                 K_M, see below); IV = 00000000 || nonce; AD = the first
 *                 16 bytes (type..alg). K = ax_aead_key_len(alg).
 *                 The nonce must exceed the module's last accepted control
 *                 nonce (shared by SET_KEY and DISABLE).
 * ATTEST    0x02  type(1) challenge(32)
 *                 answer (returned to the caller, not emitted):
 *                 HMAC-SHA256(K_att, "authex attest v1" || instance(4) || challenge)
 * DISABLE   0x03  type(1) nonce(8) | tag(16)
 *                 AEAD with empty plaintext under K_ctl; IV as SET_KEY;
 *                 AD = the first 9 bytes.
 * EVENT     0x04  type(1) conn(4) counter(8) | ct(n) tag(16)
 * REQUEST   0x05  same layout as EVENT
 * RESPONSE  0x06  same layout as EVENT
 *                 sealed with the connection's algorithm and key;
 *                 IV = be32(type) || be64(counter); AD = the first 13 bytes.
 *                 The type in the IV separates the request and response IV
 *                 spaces of one request/handler connection.
 * CALL      0x07  type(1) entry(2) arg(n)       (unauthenticated)
 *                 answer: the entry point's result bytes.
 * STATUS    0x08  type(1)                       (unauthenticated)
 *                 answer: see ax_rt_status_encode() in ax_runtime.h.
 *
 * Key schedule inside a module (K_M is 32 bytes from the platform):
 *   K_ctl = HKDF-SHA256(salt = none, ikm = K_M, info = "authex ctl v1",  32)
 *   K_att = HKDF-SHA256(salt = none, ikm = K_M, info = "authex att v1",  32)
 * and on the platform / deployer side:
 *   K_M   = HKDF-SHA256(salt = none, ikm = K_node,
 *                       info = "authex module" || instance(4) || measurement(32), 32)
 */
#ifndef AX_MSG_H
#define AX_MSG_H

#include <stdint.h>

enum ax_msg_type {
	AX_MSG_SET_KEY = 0x01,
	AX_MSG_ATTEST = 0x02,
	AX_MSG_DISABLE = 0x03,
	AX_MSG_EVENT = 0x04,
	AX_MSG_REQUEST = 0x05,
	AX_MSG_RESPONSE = 0x06,
	AX_MSG_CALL = 0x07,
	AX_MSG_STATUS = 0x08,
};

/* Fixed sizes and overheads. */
#define AX_MODULE_KEY_LEN 32
#define AX_MEASUREMENT_LEN 32
#define AX_CHALLENGE_LEN 32
#define AX_ATTEST_ANSWER_LEN 32
#define AX_TAG_LEN 16

#define AX_SET_KEY_HDR_LEN 16 /* type nonce conn endpoint alg */
#define AX_DISABLE_HDR_LEN 9  /* type nonce */
#define AX_DISABLE_LEN (AX_DISABLE_HDR_LEN + AX_TAG_LEN)
#define AX_ATTEST_LEN (1 + AX_CHALLENGE_LEN)
#define AX_EVENT_HDR_LEN 13   /* type conn counter */
#define AX_EVENT_OVERHEAD (AX_EVENT_HDR_LEN + AX_TAG_LEN)
#define AX_CALL_HDR_LEN 3     /* type entry */
#define AX_STATUS_REQ_LEN 1

/* Hard maxima. A build may lower AX_PAYLOAD_MAX (e.g. on a microcontroller)
 * but never raise it past AX_PAYLOAD_LIMIT, which the wire format fixes. */
#define AX_PAYLOAD_LIMIT 16384
#ifndef AX_PAYLOAD_MAX
#define AX_PAYLOAD_MAX AX_PAYLOAD_LIMIT
#endif
#define AX_MODULE_MSG_MAX (AX_EVENT_OVERHEAD + AX_PAYLOAD_LIMIT)

/* Labels of the key schedule and attestation (without terminating NUL). */
#define AX_LABEL_MODULE "authex module"
#define AX_LABEL_CTL "authex ctl v1"
#define AX_LABEL_ATT "authex att v1"
#define AX_LABEL_ATTEST "authex attest v1"

/* Control-channel AEAD (SET_KEY, DISABLE): ChaCha20-Poly1305 everywhere,
 * because it is constant-time in software on every core we target. */
#define AX_CTL_AEAD 2 /* AX_AEAD_CHACHA20POLY1305 */

#endif /* AX_MSG_H */
