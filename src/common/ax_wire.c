/*
 * ax_wire.c - one encoder and one decoder per frame body. Contract and
 * layouts: ax_wire.h; byte-by-byte tables: docs/protocol.md, "Messages".
 *
 * Shape of every codec: a decoder reads the fields through a cursor that
 * checks the remaining length before each one (a short read makes the
 * cursor fail, stickily), then the same check_<msg>() the encoder uses
 * validates the values. So a frame we encode always decodes, and every
 * decoded view obeys the same rules as one we would build.
 */
#include <string.h>

#include "ax_bytes.h"
#include "ax_runtime.h"
#include "ax_wire.h"

_Static_assert(AX_RT_STATUS_HDR_LEN == 132 && AX_RT_STATUS_CONN_LEN == 40,
	"runtime STATUS layout changed: update AX_WIRE_RT_STATUS_MAX");
_Static_assert(AX_RT_STATUS_MAX <= AX_WIRE_RT_STATUS_MAX,
	"runtime STATUS answer exceeds the wire bound");
_Static_assert(AX_MODULE_MSG_MAX <= 0xffff, "module messages fit in u16");

/* ----------------------------------------------------------- cursors */

struct rd {
	const uint8_t *p;
	size_t left;
	ax_wire_status err; /* first failure sticks */
};

struct wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	ax_wire_status err;
};

static void rd_fail(struct rd *r, ax_wire_status st)
{
	if (r->err == AX_WIRE_OK)
		r->err = st;
	r->left = 0;
}

/* Returns a pointer to the next n bytes, or NULL (and fails) if short. */
static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *q = r->p;

	if (r->err != AX_WIRE_OK || r->left < n) {
		rd_fail(r, AX_WIRE_E_TRUNCATED);
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return q;
}

static uint8_t get8(struct rd *r)
{
	const uint8_t *q = take(r, 1);

	return q != NULL ? q[0] : 0;
}

static uint16_t get16(struct rd *r)
{
	const uint8_t *q = take(r, 2);

	return q != NULL ? ax_load_be16(q) : 0;
}

static uint32_t get32(struct rd *r)
{
	const uint8_t *q = take(r, 4);

	return q != NULL ? ax_load_be32(q) : 0;
}

static uint64_t get64(struct rd *r)
{
	const uint8_t *q = take(r, 8);

	return q != NULL ? ax_load_be64(q) : 0;
}

/* A length-prefixed field (prefix of `width` bytes, 2 or 4). The maximum
 * is checked on the prefix, before the bytes are taken. */
static void get_var(struct rd *r, int width, size_t max,
	struct ax_wire_bytes *out)
{
	size_t n = width == 2 ? get16(r) : get32(r);

	out->ptr = NULL;
	out->len = 0;
	if (r->err != AX_WIRE_OK)
		return;
	if (n > max) {
		rd_fail(r, AX_WIRE_E_TOO_LARGE);
		return;
	}
	out->ptr = take(r, n);
	out->len = out->ptr != NULL ? n : 0;
}

static void get_str(struct rd *r, size_t max, struct ax_wire_str *out)
{
	struct ax_wire_bytes b;

	get_var(r, 2, max, &b);
	out->ptr = (const char *)b.ptr;
	out->len = b.len;
}

/* End of a decoder: cursor failure first, then trailing bytes, then the
 * value checks. */
static ax_wire_status rd_end(const struct rd *r, ax_wire_status check)
{
	if (r->err != AX_WIRE_OK)
		return r->err;
	if (r->left != 0)
		return AX_WIRE_E_TRAILING;
	return check;
}

static uint8_t *put(struct wr *w, size_t n)
{
	uint8_t *q = w->p + w->len;

	if (w->err != AX_WIRE_OK || w->cap - w->len < n) {
		w->err = w->err != AX_WIRE_OK ? w->err : AX_WIRE_E_SPACE;
		return NULL;
	}
	w->len += n;
	return q;
}

static void put8(struct wr *w, uint8_t v)
{
	uint8_t *q = put(w, 1);

	if (q != NULL)
		q[0] = v;
}

static void put16(struct wr *w, uint16_t v)
{
	uint8_t *q = put(w, 2);

	if (q != NULL)
		ax_store_be16(q, v);
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t *q = put(w, 4);

	if (q != NULL)
		ax_store_be32(q, v);
}

static void put64(struct wr *w, uint64_t v)
{
	uint8_t *q = put(w, 8);

	if (q != NULL)
		ax_store_be64(q, v);
}

static void put_raw(struct wr *w, const void *p, size_t len)
{
	uint8_t *q = put(w, len);

	if (q != NULL && len != 0)
		memcpy(q, p, len);
}

/* Length-prefixed bytes; the caller's check_*() bounded len already. */
static void put_var(struct wr *w, int width, const void *p, size_t len)
{
	if (width == 2)
		put16(w, (uint16_t)len);
	else
		put32(w, (uint32_t)len);
	put_raw(w, p, len);
}

static ax_wire_status wr_end(const struct wr *w, size_t *len)
{
	if (w->err == AX_WIRE_OK)
		*len = w->len;
	return w->err;
}

/* Encoders validate first (check is the result of their check_<msg>()),
 * then write through a fresh cursor. */
static ax_wire_status wr_init(struct wr *w, uint8_t *buf, size_t cap,
	ax_wire_status check)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->err = AX_WIRE_OK;
	return check;
}

/* --------------------------------------------------- value validation */

static ax_wire_status check_bytes(const struct ax_wire_bytes *b, size_t min,
	size_t max)
{
	if (b->len > max)
		return AX_WIRE_E_TOO_LARGE;
	if (b->len < min || (b->len != 0 && b->ptr == NULL))
		return AX_WIRE_E_BAD_FIELD;
	return AX_WIRE_OK;
}

static int visible(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* A module or platform name: 1..AX_WIRE_NAME_MAX visible ASCII bytes. */
static ax_wire_status check_name(const struct ax_wire_str *s)
{
	if (s->len > AX_WIRE_NAME_MAX)
		return AX_WIRE_E_TOO_LARGE;
	if (s->len == 0 || s->ptr == NULL || !visible(s->ptr, s->len))
		return AX_WIRE_E_BAD_FIELD;
	return AX_WIRE_OK;
}

/* "host:port": host 1+ visible bytes, port 1..65535 in 1..5 decimal
 * digits without a leading zero, after the LAST colon (so "[::1]:80"
 * works). Empty means local. */
static ax_wire_status check_addr(const struct ax_wire_str *s)
{
	size_t i, colon = 0, digits;
	uint32_t port = 0;

	if (s->len > AX_WIRE_ADDR_MAX)
		return AX_WIRE_E_TOO_LARGE;
	if (s->len == 0)
		return AX_WIRE_OK;
	if (s->ptr == NULL || !visible(s->ptr, s->len))
		return AX_WIRE_E_BAD_FIELD;
	for (i = 0; i < s->len; i++)
		if (s->ptr[i] == ':')
			colon = i;
	digits = s->len - colon - 1;
	if (colon == 0 || digits < 1 || digits > 5 || s->ptr[colon + 1] == '0')
		return AX_WIRE_E_BAD_FIELD;
	for (i = colon + 1; i < s->len; i++) {
		if (s->ptr[i] < '0' || s->ptr[i] > '9')
			return AX_WIRE_E_BAD_FIELD;
		port = port * 10 + (uint32_t)(s->ptr[i] - '0');
	}
	return port <= 65535 ? AX_WIRE_OK : AX_WIRE_E_BAD_FIELD;
}

/* Deployment and module ids: 0 and AX_WIRE_ALL are reserved. */
static int id_ok(uint32_t id)
{
	return id != 0 && id != AX_WIRE_ALL;
}

/* ------------------------------------------------------------- HELLO */

static ax_wire_status check_hello(const struct ax_wire_hello *m)
{
	if (m->version == 0 || m->min_version == 0 ||
	    m->min_version > m->version)
		return AX_WIRE_E_BAD_VERSION;
	if (m->role < AX_WIRE_ROLE_DEPLOYER || m->role > AX_WIRE_ROLE_PEER)
		return AX_WIRE_E_BAD_FIELD;
	return id_ok(m->node_id) ? AX_WIRE_OK : AX_WIRE_E_BAD_FIELD;
}

ax_wire_status ax_wire_encode_hello(const struct ax_wire_hello *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t *q;
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_hello(m));

	if (st != AX_WIRE_OK)
		return st;

	put16(&w, m->version);
	put16(&w, m->min_version);
	put8(&w, m->role);
	put32(&w, m->node_id);
	q = put(&w, AX_WIRE_NONCE_LEN);
	if (q != NULL)
		memcpy(q, m->nonce, AX_WIRE_NONCE_LEN);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_hello(const uint8_t *body, size_t len,
	struct ax_wire_hello *out)
{
	struct rd r = { body, len, AX_WIRE_OK };
	const uint8_t *q;

	out->version = get16(&r);
	out->min_version = get16(&r);
	out->role = get8(&r);
	out->node_id = get32(&r);
	q = take(&r, AX_WIRE_NONCE_LEN);
	if (q != NULL)
		memcpy(out->nonce, q, AX_WIRE_NONCE_LEN);
	return rd_end(&r, check_hello(out));
}

/* ------------------------------------------------------------ RESULT */

static ax_wire_status check_result(const struct ax_wire_result *m)
{
	if (ax_wire_type_name(m->req_type) == NULL)
		return AX_WIRE_E_BAD_FIELD;
	return check_bytes(&m->data, 0, AX_WIRE_RESULT_MAX);
}

ax_wire_status ax_wire_encode_result(const struct ax_wire_result *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_result(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->req_seq);
	put16(&w, m->req_type);
	put16(&w, m->status);
	put_var(&w, 4, m->data.ptr, m->data.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_result(const uint8_t *body, size_t len,
	struct ax_wire_result *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->req_seq = get32(&r);
	out->req_type = get16(&r);
	out->status = get16(&r);
	get_var(&r, 4, AX_WIRE_RESULT_MAX, &out->data);
	return rd_end(&r, check_result(out));
}

/* --------------------------------------------------------------- BYE */

static ax_wire_status check_bye(const struct ax_wire_bye *m)
{
	return check_bytes(&m->text, 0, AX_WIRE_TEXT_MAX);
}

ax_wire_status ax_wire_encode_bye(const struct ax_wire_bye *m, uint8_t *buf,
	size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_bye(m));

	if (st != AX_WIRE_OK)
		return st;

	put16(&w, m->code);
	put_var(&w, 2, m->text.ptr, m->text.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_bye(const uint8_t *body, size_t len,
	struct ax_wire_bye *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->code = get16(&r);
	get_var(&r, 2, AX_WIRE_TEXT_MAX, &out->text);
	return rd_end(&r, check_bye(out));
}

/* ------------------------------------------------------- LOAD_MODULE */

static ax_wire_status check_load(const struct ax_wire_load *m)
{
	ax_wire_status st;

	if (!id_ok(m->deployment) || !id_ok(m->module))
		return AX_WIRE_E_BAD_FIELD;
	if ((st = check_name(&m->name)) != AX_WIRE_OK ||
	    (st = check_name(&m->platform)) != AX_WIRE_OK)
		return st;
	return check_bytes(&m->image, 1, AX_WIRE_IMAGE_MAX);
}

ax_wire_status ax_wire_encode_load(const struct ax_wire_load *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_load(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put32(&w, m->module);
	put_var(&w, 2, m->name.ptr, m->name.len);
	put_var(&w, 2, m->platform.ptr, m->platform.len);
	put_var(&w, 4, m->image.ptr, m->image.len);
	put_raw(&w, m->auth, AX_WIRE_LOAD_AUTH_LEN);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_load(const uint8_t *body, size_t len,
	struct ax_wire_load *out)
{
	struct rd r = { body, len, AX_WIRE_OK };
	const uint8_t *q;

	out->deployment = get32(&r);
	out->module = get32(&r);
	get_str(&r, AX_WIRE_NAME_MAX, &out->name);
	get_str(&r, AX_WIRE_NAME_MAX, &out->platform);
	get_var(&r, 4, AX_WIRE_IMAGE_MAX, &out->image);
	q = take(&r, AX_WIRE_LOAD_AUTH_LEN);
	if (q != NULL)
		memcpy(out->auth, q, AX_WIRE_LOAD_AUTH_LEN);
	else
		memset(out->auth, 0, AX_WIRE_LOAD_AUTH_LEN);
	return rd_end(&r, check_load(out));
}

/* ----------------------------------------------------- UNLOAD_MODULE */

static ax_wire_status check_unload(const struct ax_wire_unload *m)
{
	return id_ok(m->deployment) && id_ok(m->module) ? AX_WIRE_OK
							: AX_WIRE_E_BAD_FIELD;
}

ax_wire_status ax_wire_encode_unload(const struct ax_wire_unload *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_unload(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put32(&w, m->module);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_unload(const uint8_t *body, size_t len,
	struct ax_wire_unload *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->deployment = get32(&r);
	out->module = get32(&r);
	return rd_end(&r, check_unload(out));
}

/* --------------------------------------------------------- ADD_ROUTE */

/* src and dst may each be the deployer (0), not both; a route to the
 * deployer goes back over the deployer's connection, so it has no
 * address. */
static ax_wire_status check_route(const struct ax_wire_route *m)
{
	int src_ok = m->src == AX_WIRE_DEPLOYER || id_ok(m->src);
	int dst_ok = m->dst == AX_WIRE_DEPLOYER || id_ok(m->dst);

	if (!id_ok(m->deployment) || !src_ok || !dst_ok || m->src == m->dst)
		return AX_WIRE_E_BAD_FIELD;
	if (m->kind != AX_WIRE_ROUTE_EVENT && m->kind != AX_WIRE_ROUTE_REQUEST)
		return AX_WIRE_E_BAD_FIELD;
	if (m->dst == AX_WIRE_DEPLOYER && m->addr.len != 0)
		return AX_WIRE_E_BAD_FIELD;
	return check_addr(&m->addr);
}

ax_wire_status ax_wire_encode_route(const struct ax_wire_route *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_route(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put32(&w, m->conn);
	put32(&w, m->src);
	put32(&w, m->dst);
	put8(&w, m->kind);
	put_var(&w, 2, m->addr.ptr, m->addr.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_route(const uint8_t *body, size_t len,
	struct ax_wire_route *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->deployment = get32(&r);
	out->conn = get32(&r);
	out->src = get32(&r);
	out->dst = get32(&r);
	out->kind = get8(&r);
	get_str(&r, AX_WIRE_ADDR_MAX, &out->addr);
	return rd_end(&r, check_route(out));
}

/* ---------------------------------------------------------- PERIODIC */

static ax_wire_status check_periodic(const struct ax_wire_periodic *m)
{
	if (!id_ok(m->deployment) || !id_ok(m->module))
		return AX_WIRE_E_BAD_FIELD;
	if (m->period_ms == 0)  /* cancel: no argument */
		return m->arg.len == 0 ? AX_WIRE_OK : AX_WIRE_E_BAD_FIELD;
	if (m->period_ms < AX_WIRE_PERIOD_MIN_MS ||
	    m->period_ms > AX_WIRE_PERIOD_MAX_MS)
		return AX_WIRE_E_BAD_FIELD;
	return check_bytes(&m->arg, 0, AX_WIRE_ARG_MAX);
}

ax_wire_status ax_wire_encode_periodic(const struct ax_wire_periodic *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_periodic(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put32(&w, m->module);
	put16(&w, m->entry);
	put32(&w, m->period_ms);
	put_var(&w, 2, m->arg.ptr, m->arg.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_periodic(const uint8_t *body, size_t len,
	struct ax_wire_periodic *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->deployment = get32(&r);
	out->module = get32(&r);
	out->entry = get16(&r);
	out->period_ms = get32(&r);
	get_var(&r, 2, AX_WIRE_ARG_MAX, &out->arg);
	return rd_end(&r, check_periodic(out));
}

/* ------------------------------------------ RESET and STATUS_REQ (u32) */

static ax_wire_status check_scope(uint32_t deployment)
{
	return deployment != 0 ? AX_WIRE_OK : AX_WIRE_E_BAD_FIELD;
}

static ax_wire_status encode_scope(uint32_t deployment, uint8_t *buf,
	size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_scope(deployment));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, deployment);
	return wr_end(&w, len);
}

static ax_wire_status decode_scope(const uint8_t *body, size_t len,
	uint32_t *deployment)
{
	struct rd r = { body, len, AX_WIRE_OK };

	*deployment = get32(&r);
	return rd_end(&r, check_scope(*deployment));
}

ax_wire_status ax_wire_encode_reset(const struct ax_wire_reset *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	return encode_scope(m->deployment, buf, cap, len);
}

ax_wire_status ax_wire_decode_reset(const uint8_t *body, size_t len,
	struct ax_wire_reset *out)
{
	return decode_scope(body, len, &out->deployment);
}

ax_wire_status ax_wire_encode_status_req(const struct ax_wire_status_req *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	return encode_scope(m->deployment, buf, cap, len);
}

ax_wire_status ax_wire_decode_status_req(const uint8_t *body, size_t len,
	struct ax_wire_status_req *out)
{
	return decode_scope(body, len, &out->deployment);
}

/* -------------------------------------------------------- MODULE_MSG */

static ax_wire_status check_module_msg(const struct ax_wire_module_msg *m)
{
	ax_wire_status st = check_bytes(&m->msg, 1, AX_MODULE_MSG_MAX);

	if (st != AX_WIRE_OK)
		return st;
	if (!id_ok(m->deployment) || !id_ok(m->module))
		return AX_WIRE_E_BAD_FIELD;
	if (m->msg.ptr[0] < AX_MSG_SET_KEY || m->msg.ptr[0] > AX_MSG_STATUS)
		return AX_WIRE_E_BAD_TYPE;
	return AX_WIRE_OK;
}

ax_wire_status ax_wire_encode_module_msg(const struct ax_wire_module_msg *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_module_msg(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put32(&w, m->module);
	put_var(&w, 4, m->msg.ptr, m->msg.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_module_msg(const uint8_t *body, size_t len,
	struct ax_wire_module_msg *out)
{
	struct rd r = { body, len, AX_WIRE_OK };

	out->deployment = get32(&r);
	out->module = get32(&r);
	get_var(&r, 4, AX_MODULE_MSG_MAX, &out->msg);
	return rd_end(&r, check_module_msg(out));
}

/* ------------------------------------------------------------- EVENT */

static ax_wire_status check_event(const struct ax_wire_event *m)
{
	ax_wire_status st = check_bytes(&m->msg, AX_EVENT_OVERHEAD,
		AX_MODULE_MSG_MAX);

	if (st != AX_WIRE_OK)
		return st == AX_WIRE_E_BAD_FIELD ? AX_WIRE_E_TRUNCATED : st;
	if (!id_ok(m->deployment))
		return AX_WIRE_E_BAD_FIELD;
	if (m->msg.ptr[0] != AX_MSG_EVENT && m->msg.ptr[0] != AX_MSG_REQUEST &&
	    m->msg.ptr[0] != AX_MSG_RESPONSE)
		return AX_WIRE_E_BAD_TYPE;
	return AX_WIRE_OK;
}

ax_wire_status ax_wire_encode_event(const struct ax_wire_event *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_event(m));

	if (st != AX_WIRE_OK)
		return st;

	put32(&w, m->deployment);
	put_var(&w, 4, m->msg.ptr, m->msg.len);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_event(const uint8_t *body, size_t len,
	struct ax_wire_event *out)
{
	struct rd r = { body, len, AX_WIRE_OK };
	ax_wire_status st;

	out->deployment = get32(&r);
	get_var(&r, 4, AX_MODULE_MSG_MAX, &out->msg);
	st = rd_end(&r, check_event(out));
	if (st != AX_WIRE_OK)
		return st;
	/* The routing fields of the module message (ax_msg.h EVENT). */
	out->msg_type = out->msg.ptr[0];
	out->conn = ax_load_be32(out->msg.ptr + 1);
	out->counter = ax_load_be64(out->msg.ptr + 5);
	return AX_WIRE_OK;
}

/* ------------------------------------------------------------ STATUS */

/* The runtime's STATUS answer (ax_runtime.h): empty, or version 1, a
 * known state, and exactly n_conn connection records. */
static ax_wire_status check_rt_status(const struct ax_wire_bytes *b)
{
	size_t n;

	if (b->len == 0)
		return AX_WIRE_OK;
	if (b->len > AX_WIRE_RT_STATUS_MAX)
		return AX_WIRE_E_TOO_LARGE;
	if (b->ptr == NULL || b->len < AX_RT_STATUS_HDR_LEN ||
	    (b->len - AX_RT_STATUS_HDR_LEN) % AX_RT_STATUS_CONN_LEN != 0)
		return AX_WIRE_E_BAD_FIELD;
	n = (b->len - AX_RT_STATUS_HDR_LEN) / AX_RT_STATUS_CONN_LEN;
	if (b->ptr[0] != 1 || b->ptr[1] > AX_RT_FAILED ||
	    ax_load_be16(b->ptr + 2) != n)
		return AX_WIRE_E_BAD_FIELD;
	return AX_WIRE_OK;
}

static ax_wire_status check_modstat(const struct ax_wire_modstat *m)
{
	ax_wire_status st;

	if (!id_ok(m->deployment) || !id_ok(m->module))
		return AX_WIRE_E_BAD_FIELD;
	if (m->state != AX_WIRE_MOD_LOADED && m->state != AX_WIRE_MOD_FAILED)
		return AX_WIRE_E_BAD_FIELD;
	if ((st = check_name(&m->name)) != AX_WIRE_OK)
		return st;
	return check_rt_status(&m->rt_status);
}

static void put_modstat(struct wr *w, const struct ax_wire_modstat *m)
{
	put32(w, m->deployment);
	put32(w, m->module);
	put8(w, m->state);
	put_var(w, 2, m->name.ptr, m->name.len);
	put_var(w, 2, m->rt_status.ptr, m->rt_status.len);
}

static ax_wire_status get_modstat(struct rd *r, struct ax_wire_modstat *m)
{
	m->deployment = get32(r);
	m->module = get32(r);
	m->state = get8(r);
	get_str(r, AX_WIRE_NAME_MAX, &m->name);
	get_var(r, 2, AX_WIRE_RT_STATUS_MAX, &m->rt_status);
	return r->err != AX_WIRE_OK ? r->err : check_modstat(m);
}

/* A decoded view re-encoded (e.g. a node relaying STATUS): the raw
 * records must hold exactly n_mods valid records. */
static ax_wire_status check_records(const struct ax_wire_status *m)
{
	struct ax_wire_bytes it = m->records;
	struct ax_wire_modstat ms;
	ax_wire_status st;
	uint16_t i;

	if (it.len != 0 && it.ptr == NULL)
		return AX_WIRE_E_BAD_FIELD;
	for (i = 0; i < m->n_mods; i++)
		if ((st = ax_wire_modstat_next(&it, &ms)) != AX_WIRE_OK)
			return st;
	return it.len == 0 ? AX_WIRE_OK : AX_WIRE_E_TRAILING;
}

static ax_wire_status check_status(const struct ax_wire_status *m)
{
	ax_wire_status st;

	if (m->n_mods > AX_WIRE_STATUS_MODULES_MAX)
		return AX_WIRE_E_TOO_LARGE;
	if (!id_ok(m->node_id) || m->n_mods > m->modules_total)
		return AX_WIRE_E_BAD_FIELD;
	if ((st = check_name(&m->platform)) != AX_WIRE_OK)
		return st;
	return AX_WIRE_OK;
}

ax_wire_status ax_wire_encode_status(const struct ax_wire_status *m,
	uint8_t *buf, size_t cap, size_t *len)
{
	uint16_t i;
	struct wr w;
	ax_wire_status st = wr_init(&w, buf, cap, check_status(m));

	if (st != AX_WIRE_OK)
		return st;

	if (m->mods == NULL) {
		if ((st = check_records(m)) != AX_WIRE_OK)
			return st;
	} else {
		for (i = 0; i < m->n_mods; i++)
			if ((st = check_modstat(&m->mods[i])) != AX_WIRE_OK)
				return st;
	}
	put32(&w, m->node_id);
	put_var(&w, 2, m->platform.ptr, m->platform.len);
	put32(&w, m->uptime_s);
	put64(&w, m->events_routed);
	put64(&w, m->events_dropped);
	put64(&w, m->frames_rejected);
	put32(&w, m->modules_total);
	put16(&w, m->n_mods);
	if (m->mods == NULL)
		put_raw(&w, m->records.ptr, m->records.len);
	for (i = 0; m->mods != NULL && i < m->n_mods; i++)
		put_modstat(&w, &m->mods[i]);
	return wr_end(&w, len);
}

ax_wire_status ax_wire_decode_status(const uint8_t *body, size_t len,
	struct ax_wire_status *out)
{
	struct rd r = { body, len, AX_WIRE_OK };
	struct ax_wire_modstat ms;
	ax_wire_status st;
	uint16_t i;

	out->node_id = get32(&r);
	get_str(&r, AX_WIRE_NAME_MAX, &out->platform);
	out->uptime_s = get32(&r);
	out->events_routed = get64(&r);
	out->events_dropped = get64(&r);
	out->frames_rejected = get64(&r);
	out->modules_total = get32(&r);
	out->n_mods = get16(&r);
	out->mods = NULL;
	if (r.err == AX_WIRE_OK && (st = check_status(out)) != AX_WIRE_OK)
		return st;
	out->records.ptr = r.p;
	out->records.len = r.left;
	for (i = 0; i < out->n_mods && r.err == AX_WIRE_OK; i++)
		if ((st = get_modstat(&r, &ms)) != AX_WIRE_OK)
			return st;
	out->records.len -= r.left;
	return rd_end(&r, AX_WIRE_OK);
}

/* See ax_wire.h. */
ax_wire_status ax_wire_modstat_next(struct ax_wire_bytes *it,
	struct ax_wire_modstat *out)
{
	struct rd r = { it->ptr, it->len, AX_WIRE_OK };
	ax_wire_status st;

	if (it->len == 0)
		return AX_WIRE_E_TRUNCATED;
	st = get_modstat(&r, out);
	if (st != AX_WIRE_OK)
		return st;
	it->ptr = r.p;
	it->len = r.left;
	return AX_WIRE_OK;
}
