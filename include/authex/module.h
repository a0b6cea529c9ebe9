/*
 * authex/module.h - what a module author writes against.
 *
 * A module is one C file. It declares its endpoints with the macros below
 * and calls its outputs and requests like ordinary functions:
 *
 *     #include <authex/module.h>
 *
 *     AX_OUTPUT(reading);                       // int reading(const void *, size_t)
 *
 *     AX_ENTRY(sample, arg, arg_len, reply)     // called by the deployer or a timer
 *     {
 *         uint8_t v = read_sensor();
 *         return reading(&v, 1);
 *     }
 *
 *     AX_INPUT(set_threshold, data, len) { ... }            // event arrives
 *     AX_HANDLER(get_state, req, req_len, reply) { ... }    // answers a request
 *     AX_REQUEST(ask_state, on_state);                      // int ask_state(const void *, size_t)
 *     AX_RESPONSE(on_state, data, len) { ... }              // the one answer
 *
 * The descriptor then connects endpoints by name, e.g.
 * "sensor.reading -> controller.add".
 *
 * Conventions
 *  - Payloads are at most AX_PAYLOAD_MAX bytes (16384 unless the platform
 *    lowers it). Lengths are in bytes; a pointer may be NULL when its length
 *    is 0.
 *  - Handlers run to completion, one at a time (no threads, no re-entry from
 *    outside). From any handler a module may call its outputs and requests.
 *  - Entry points can be called by anyone who reaches the node: they MUST NOT
 *    trust their argument. Inputs, handlers and responses are only called for
 *    events that were authenticated on a connection the deployer set up.
 *  - Entry points and handlers return 0 on success and a non-zero value on
 *    failure (reported to the caller as AX_E_HANDLER). Outputs and requests
 *    return 0 or an ax_rt_status (see below).
 *  - The runtime allocates nothing; a module should not either (it may run on
 *    a microcontroller or inside an enclave without a heap).
 *
 * How endpoints are found without running the module: every macro places a
 * fixed-layout record (struct ax_endpoint) in the ELF section "authex_ep".
 * The endpoint id is the record's index in that section of the linked module
 * image; a tool reads names, kinds and ids straight from the image file
 * (src/common/ax_manifest.h), and the runtime walks the same section.
 */
#ifndef AUTHEX_MODULE_H
#define AUTHEX_MODULE_H

#include <stddef.h>
#include <stdint.h>

#define AX_NAME_MAX 32 /* endpoint name, including the terminating NUL */
#define AX_EP_MAGIC 0x41584550u /* "AXEP" */

enum ax_ep_kind {
	AX_EP_OUTPUT = 1,   /* module emits events */
	AX_EP_INPUT = 2,    /* module receives events */
	AX_EP_ENTRY = 3,    /* called unauthenticated by the node/deployer */
	AX_EP_REQUEST = 4,  /* module asks, waits for one response */
	AX_EP_HANDLER = 5,  /* module answers requests */
};

/* Where an entry point or handler writes its answer. */
struct ax_reply {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

typedef void (*ax_input_fn)(const uint8_t *data, size_t len);
typedef int (*ax_entry_fn)(const uint8_t *arg, size_t len,
			   struct ax_reply *reply);

/* One endpoint record. Layout is part of the image format: magic, kind,
 * 3 reserved zero bytes, name (NUL padded), then one pointer. */
struct ax_endpoint {
	uint32_t magic;
	uint8_t kind;
	uint8_t reserved[3];
	char name[AX_NAME_MAX];
	union {
		ax_input_fn input;   /* INPUT; REQUEST: its response callback */
		ax_entry_fn entry;   /* ENTRY, HANDLER */
		const void *none;    /* OUTPUT */
	} fn;
};

/* Calls into the runtime linked into the module (src/runtime/ax_glue.c). */
int ax_output(const struct ax_endpoint *ep, const void *data, size_t len);
int ax_request(const struct ax_endpoint *ep, const void *data, size_t len);

/* ax_device_write - write len bytes to the node's secure output device,
 * where the platform has one: on `tzm`, UART1, a line only the Secure
 * world can reach (docs/tzm.md "Secure I/O"). Returns 0, or -1 when this
 * platform has no such device (native, process). */
int ax_device_write(const void *data, size_t len);

/* ax_reply_put - append len bytes to a reply. Returns 0, or -1 (and appends
 * nothing) when the reply would exceed its capacity. */
static inline int ax_reply_put(struct ax_reply *r, const void *data,
			       size_t len)
{
	const uint8_t *src = (const uint8_t *)data;
	if (len > r->cap - r->len)
		return -1;
	for (size_t i = 0; i < len; i++)
		r->buf[r->len + i] = src[i];
	r->len += len;
	return 0;
}

/* The section records must form a dense array: forbid the compiler from
 * raising their alignment (gcc does so for large objects). */
#define AX__EP_ATTR                                                     \
	__attribute__((used, section("authex_ep"),                      \
		       aligned(__alignof__(struct ax_endpoint))))
/* clang warns about unused static inline functions of the main file: a
 * module may declare an output or request it does not call (yet). */
#define AX__UNUSED __attribute__((unused))
#define AX__NAME_CHECK(name)                                            \
	_Static_assert(sizeof(#name) <= AX_NAME_MAX,                    \
		       "authex: endpoint name '" #name "' is too long")
#define AX__RECORD(name, k, field, f)                                   \
	AX__NAME_CHECK(name);                                           \
	static const struct ax_endpoint ax__ep_##name AX__EP_ATTR = {   \
		AX_EP_MAGIC, (k), {0, 0, 0}, #name, {.field = (f)}}

#define AX_OUTPUT(name)                                                 \
	AX__RECORD(name, AX_EP_OUTPUT, none, 0);                        \
	AX__UNUSED static inline int name(const void *data, size_t len) \
	{                                                               \
		return ax_output(&ax__ep_##name, data, len);            \
	}                                                               \
	_Static_assert(1, "")

#define AX_INPUT(name, data, len)                                       \
	static void name(const uint8_t *data, size_t len);              \
	AX__RECORD(name, AX_EP_INPUT, input, name);                     \
	static void name(const uint8_t *data, size_t len)

#define AX_ENTRY(name, arg, len, reply)                                 \
	static int name(const uint8_t *arg, size_t len,                 \
			struct ax_reply *reply);                        \
	AX__RECORD(name, AX_EP_ENTRY, entry, name);                     \
	static int name(const uint8_t *arg, size_t len,                 \
			struct ax_reply *reply)

#define AX_HANDLER(name, req, len, reply)                               \
	static int name(const uint8_t *req, size_t len,                 \
			struct ax_reply *reply);                        \
	AX__RECORD(name, AX_EP_HANDLER, entry, name);                   \
	static int name(const uint8_t *req, size_t len,                 \
			struct ax_reply *reply)

#define AX_REQUEST(name, on_response)                                   \
	static void on_response(const uint8_t *, size_t);               \
	AX__RECORD(name, AX_EP_REQUEST, input, on_response);            \
	AX__UNUSED static inline int name(const void *data, size_t len) \
	{                                                               \
		return ax_request(&ax__ep_##name, data, len);           \
	}                                                               \
	_Static_assert(1, "")

#define AX_RESPONSE(name, data, len)                                    \
	static void name(const uint8_t *data, size_t len)

#endif /* AUTHEX_MODULE_H */
