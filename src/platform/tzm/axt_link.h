/*
 * axt_link.h - the serial link between authexd's `tzm` backend (host,
 * src/platform/tzm/ax_tzm.c) and the Non-secure event manager of a tzm
 * node (src/platform/tzm/ns/ns_main.c), over UART0: QEMU's serial0 on a
 * pipe, a pty or a TCP socket here, a USB serial port in the field.
 *
 * The link is untrusted (like the network): it carries module messages
 * that the modules' runtimes protect end to end, and image bytes the
 * Secure side measures and checks against the deployer's load
 * authorization. Framing only has to resynchronise after noise and catch
 * line errors.
 *
 * Frame: 0xA5 0x5A | type (1) | len (2, big-endian, 0..AXT_PAYLOAD_MAX) |
 *        payload (len) | crc (2, big-endian; CRC-16/CCITT-FALSE, poly
 *        0x1021, init 0xFFFF, over type, len and payload).
 * Bytes outside a frame are text the firmware printed (boot lines, fault
 * reports): the host logs them line by line. A frame with a bad CRC or a
 * length over the maximum is dropped and counted, and scanning resumes at
 * the byte after its first magic byte, so a real frame hidden inside the
 * dropped bytes is still found. A magic byte not followed by the second
 * one is dropped silently.
 *
 * One request at a time: the host sends a request and reads until its
 * answer; nothing is pipelined.
 *
 *  host -> node                         node -> host
 *  HELLO   (empty)                      READY (also sent once at boot)
 *  LOAD_BEGIN instance u32, total u32   RESULT
 *  LOAD_DATA  bytes (1..AXS_CHUNK_MAX)  RESULT
 *  LOAD_END   auth (32)                 EMIT* then LOADED
 *  MSG     module u32, cap u32, msg     EMIT* then ANSWER
 *          (cap: the caller's answer capacity; the module's runtime
 *          answers AX_E_SPACE itself when its answer does not fit)
 *  UNLOAD  module u32                   RESULT
 *
 *  READY  abi u32 (AXS_ABI_VERSION, from axs_version), slots u32,
 *         payload_max u32 (AX_PAYLOAD_MAX of the firmware)
 *  RESULT status i32 (0 or -error, nsc.h numbers)
 *  LOADED status i32 (module number >= 0, or -error), measurement (32;
 *         zeros on error)
 *  EMIT   one sealed message a module emitted (queued by the Secure
 *         side, drained with axs_collect after each MSG and LOAD_END)
 *  ANSWER status i32 (answer length >= 0, or -error), answer bytes
 *         (exactly `status` of them when status >= 0, none otherwise)
 *  ERROR  text: the request itself was malformed (unknown type, bad
 *         length); the node stays up
 * All integers big-endian. Fixed-size payloads must match exactly.
 */
#ifndef AX_TZM_AXT_LINK_H
#define AX_TZM_AXT_LINK_H

#include <stddef.h>
#include <stdint.h>

#define AXT_MAGIC0 0xA5
#define AXT_MAGIC1 0x5A
#define AXT_HEADER 5   /* magic (2), type, len (2) */
#define AXT_TRAILER 2  /* crc */
#define AXT_PAYLOAD_MAX 2048
#define AXT_FRAME_MAX (AXT_HEADER + AXT_PAYLOAD_MAX + AXT_TRAILER)

/* Payload sizes of the fixed-size frames. */
#define AXT_LOAD_BEGIN_LEN 8   /* instance, total */
#define AXT_LOAD_END_LEN 32    /* load authorization */
#define AXT_MODULE_LEN 4       /* UNLOAD */
#define AXT_MSG_HDR_LEN 8      /* MSG prefix: module, cap */
#define AXT_READY_LEN 12       /* abi, slots, payload_max */
#define AXT_RESULT_LEN 4       /* status */
#define AXT_LOADED_LEN 36      /* status, measurement */
#define AXT_STATUS_LEN 4       /* ANSWER prefix */

enum axt_type {
	AXT_HELLO = 0x01,
	AXT_LOAD_BEGIN = 0x02,
	AXT_LOAD_DATA = 0x03,
	AXT_LOAD_END = 0x04,
	AXT_MSG = 0x05,
	AXT_UNLOAD = 0x06,
	AXT_READY = 0x81,
	AXT_RESULT = 0x82,
	AXT_LOADED = 0x83,
	AXT_EMIT = 0x84,
	AXT_ANSWER = 0x85,
	AXT_ERROR = 0x86,
};

/* crc16 over n bytes (CRC-16/CCITT-FALSE; "123456789" gives 0x29B1). */
uint16_t axt_crc16(const uint8_t *p, size_t n);

/* axt_encode - write one frame into out/cap. Returns its length, or 0 if
 * len > AXT_PAYLOAD_MAX or it does not fit. payload may be NULL only with
 * len 0 and must not overlap out. */
size_t axt_encode(uint8_t type, const uint8_t *payload, size_t len,
	uint8_t *out, size_t cap);

/* axt_encode2 - the same with the payload in two pieces, head then body
 * (a status or module number before a message): len = head_len +
 * body_len. Either piece may be NULL with length 0. */
size_t axt_encode2(uint8_t type, const uint8_t *head, size_t head_len,
	const uint8_t *body, size_t body_len, uint8_t *out, size_t cap);

/* Incremental decoder: feed bytes one at a time. Its state is plain
 * memory (no pointers), so it may be copied or zeroed.
 *
 * buf holds the frame being assembled, buf[off .. scan), then bytes held
 * back for rescanning after a bad frame, buf[scan .. have). */
struct axt_decoder {
	uint8_t buf[AXT_FRAME_MAX];
	size_t off, scan, have;
	/* out of band text (bytes outside frames), for the caller to log;
	 * NUL-terminated when reported */
	uint8_t text[128];
	size_t text_len;
	int text_done;       /* text was reported: cleared by the next call */
	uint64_t bad_frames; /* CRC or length errors seen */
};

enum axt_feed {
	AXT_MORE = 0,  /* keep feeding */
	AXT_FRAME = 1, /* a whole frame: see *type, *payload, *len */
	AXT_TEXT = 2,  /* a line of text is in d->text[0..text_len) */
};

void axt_decoder_init(struct axt_decoder *d);

/* axt_feed - one byte. On AXT_FRAME, *type, *payload and *len describe the
 * frame (payload points into d->buf, valid until the next feed or next
 * call). On AXT_TEXT the caller reads d->text/text_len (a line without
 * its "\r\n", or 127 bytes; empty lines are not reported), then it is
 * cleared by the next feed or next call.
 *
 * After AXT_FRAME or AXT_TEXT the caller MUST call axt_next until it
 * returns AXT_MORE before it feeds the next byte: a resynchronisation may
 * have left bytes to rescan, and they can hold further frames and lines.
 * (Feeding anyway is safe: if no room is left, the decoder drops what it
 * holds and counts a bad frame.) */
enum axt_feed axt_feed(struct axt_decoder *d, uint8_t byte, uint8_t *type,
	const uint8_t **payload, size_t *len);

/* axt_next - go on scanning the bytes held back (see axt_feed); AXT_MORE
 * when there are none left. Same results as axt_feed. */
enum axt_feed axt_next(struct axt_decoder *d, uint8_t *type,
	const uint8_t **payload, size_t *len);

#endif /* AX_TZM_AXT_LINK_H */
