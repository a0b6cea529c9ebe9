/*
 * test_catalogue.c - docs/protocol.md and the code describe one catalogue.
 *
 * Reads the two machine-checked tables of docs/protocol.md (between the
 * <!-- catalogue:frames --> and <!-- catalogue:module --> markers) and
 * checks, both ways, that every row names an enum value with that number
 * and every enum value has exactly one row. The enum side is spelled out
 * with switches that have no default: adding an enum value without a case
 * breaks the build (-Wswitch under -Werror), adding the case without a
 * doc row fails this test. The frame table's body column is also checked
 * against the size macros of ax_wire.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_msg.h"
#include "ax_wire.h"

#define MAX_ROWS 64

struct row {
	unsigned long type;
	char name[32];
	char body[64]; /* 5th cell, frames only */
	int seen;
};

struct table {
	struct row rows[MAX_ROWS];
	size_t n;
};

/* Enum side, frames. No default: -Wswitch catches a missing case. */
static const char *frame_name(enum ax_wire_type t)
{
	switch (t) {
	case AX_WIRE_HELLO: return "HELLO";
	case AX_WIRE_RESULT: return "RESULT";
	case AX_WIRE_BYE: return "BYE";
	case AX_WIRE_LOAD_MODULE: return "LOAD_MODULE";
	case AX_WIRE_UNLOAD_MODULE: return "UNLOAD_MODULE";
	case AX_WIRE_ADD_ROUTE: return "ADD_ROUTE";
	case AX_WIRE_PERIODIC: return "PERIODIC";
	case AX_WIRE_RESET: return "RESET";
	case AX_WIRE_MODULE_MSG: return "MODULE_MSG";
	case AX_WIRE_EVENT: return "EVENT";
	case AX_WIRE_STATUS_REQ: return "STATUS_REQ";
	case AX_WIRE_STATUS: return "STATUS";
	}
	return NULL;
}

static const char *module_name(enum ax_msg_type t)
{
	switch (t) {
	case AX_MSG_SET_KEY: return "SET_KEY";
	case AX_MSG_ATTEST: return "ATTEST";
	case AX_MSG_DISABLE: return "DISABLE";
	case AX_MSG_EVENT: return "EVENT";
	case AX_MSG_REQUEST: return "REQUEST";
	case AX_MSG_RESPONSE: return "RESPONSE";
	case AX_MSG_CALL: return "CALL";
	case AX_MSG_STATUS: return "STATUS";
	}
	return NULL;
}

static char *read_doc(void)
{
	FILE *f = fopen(AX_SOURCE_DIR "/docs/protocol.md", "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Copy cell `idx` (0-based) of a "| a | b | ..." line, trimmed. */
static int cell(const char *line, int idx, char *out, size_t cap)
{
	const char *p = line, *end;
	size_t n;
	int i;

	for (i = 0; i <= idx; i++) {
		p = strchr(p, '|');
		if (p == NULL)
			return -1;
		p++;
	}
	end = strchr(p, '|');
	if (end == NULL)
		return -1;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	n = (size_t)(end - p);
	if (n >= cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* Rows "| 0x.... | NAME | ..." between the begin and end markers. */
static void parse_table(const char *doc, const char *tag, struct table *t)
{
	char begin[64], end[64], num[32];
	const char *p, *stop, *line;

	snprintf(begin, sizeof begin, "<!-- catalogue:%s -->", tag);
	snprintf(end, sizeof end, "<!-- /catalogue:%s -->", tag);
	p = strstr(doc, begin);
	stop = strstr(doc, end);
	assert_non_null(p);
	assert_non_null(stop);
	assert_true(p < stop);
	t->n = 0;
	for (line = p; line != NULL && line < stop; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (strncmp(line, "| 0x", 4) != 0)
			continue;
		assert_true(t->n < MAX_ROWS);
		assert_int_equal(cell(line, 0, num, sizeof num), 0);
		t->rows[t->n].type = strtoul(num, NULL, 16);
		assert_int_equal(cell(line, 1, t->rows[t->n].name,
			sizeof t->rows[t->n].name), 0);
		if (cell(line, 4, t->rows[t->n].body, sizeof t->rows[t->n].body))
			t->rows[t->n].body[0] = '\0';
		t->rows[t->n].seen = 0;
		t->n++;
	}
	assert_true(t->n > 0);
}

static struct row *find_row(struct table *t, unsigned long type)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->rows[i].type == type)
			return &t->rows[i];
	return NULL;
}

static void test_frame_table_matches_enum(void **state)
{
	static struct table t;
	char *doc = read_doc();
	unsigned long v;
	size_t i;

	(void)state;
	parse_table(doc, "frames", &t);
	/* Code → doc: every number the enum (and the framing) knows. */
	for (v = 0; v <= 0xffff; v++) {
		const char *name = frame_name((enum ax_wire_type)v);
		const char *lib = ax_wire_type_name((uint16_t)v);
		struct row *r = find_row(&t, v);

		if (name == NULL && lib == NULL) {
			if (r != NULL)
				fail_msg("doc row 0x%04lx %s is not in the enum", v,
					r->name);
			continue;
		}
		if (name == NULL || lib == NULL || strcmp(name, lib) != 0)
			fail_msg("0x%04lx: enum and ax_wire_type_name disagree", v);
		if (r == NULL)
			fail_msg("0x%04lx %s has no row in docs/protocol.md", v, name);
		if (strcmp(r->name, name) != 0)
			fail_msg("0x%04lx: doc says %s, code says %s", v, r->name, name);
		if (r->seen++)
			fail_msg("0x%04lx listed twice", v);
	}
	/* Doc → code: no row left unmatched (duplicates counted above). */
	for (i = 0; i < t.n; i++)
		if (!t.rows[i].seen)
			fail_msg("doc row 0x%04lx %s unmatched", t.rows[i].type,
				t.rows[i].name);
	free(doc);
}

static void test_module_table_matches_enum(void **state)
{
	static struct table t;
	char *doc = read_doc();
	unsigned long v;
	size_t i;

	(void)state;
	parse_table(doc, "module", &t);
	for (v = 0; v <= 0xff; v++) {
		const char *name = module_name((enum ax_msg_type)v);
		struct row *r = find_row(&t, v);

		if (name == NULL) {
			if (r != NULL)
				fail_msg("doc row 0x%02lx %s is not in ax_msg.h", v,
					r->name);
			continue;
		}
		if (r == NULL)
			fail_msg("0x%02lx %s has no row in docs/protocol.md", v, name);
		if (strcmp(r->name, name) != 0)
			fail_msg("0x%02lx: doc says %s, code says %s", v, r->name, name);
		if (r->seen++)
			fail_msg("0x%02lx listed twice", v);
	}
	for (i = 0; i < t.n; i++)
		if (!t.rows[i].seen)
			fail_msg("doc row 0x%02lx %s unmatched", t.rows[i].type,
				t.rows[i].name);
	free(doc);
}

/* ax_frame_peek enforces exactly these per-type limits. */
static void check_peek_limits(uint16_t type, unsigned long lo,
	unsigned long hi)
{
	uint16_t flags = type == AX_WIRE_HELLO ? 0 : AX_FRAME_F_AUTH;
	uint32_t over = AX_FRAME_HDR_LEN + (flags ? AX_FRAME_TAG_LEN : 0);
	uint8_t b[AX_FRAME_PREFIX_LEN] = { 0 };
	size_t flen;

	b[4] = (uint8_t)(type >> 8);
	b[5] = (uint8_t)type;
	b[7] = (uint8_t)flags;
#define PEEK(body) (b[0] = (uint8_t)((over + (body)) >> 24),                \
		    b[1] = (uint8_t)((over + (body)) >> 16),                \
		    b[2] = (uint8_t)((over + (body)) >> 8),                 \
		    b[3] = (uint8_t)(over + (body)),                        \
		    ax_frame_peek(b, sizeof b, &flen))
	assert_int_equal(PEEK(lo - 1), AX_WIRE_E_TRUNCATED);
	assert_int_equal(PEEK(lo), AX_WIRE_NEED_MORE);
	assert_int_equal(PEEK(hi), AX_WIRE_NEED_MORE);
	assert_int_equal(PEEK(hi + 1), AX_WIRE_E_TOO_LARGE);
#undef PEEK
}

/* The frame table's body column ("n" or "min .. max") against the
 * macros. The minima are the smallest valid bodies. */
static void test_frame_body_sizes(void **state)
{
	static const struct {
		uint16_t type;
		unsigned long min, max;
	} sizes[] = {
		{ AX_WIRE_HELLO, AX_WIRE_HELLO_LEN, AX_WIRE_HELLO_LEN },
		{ AX_WIRE_RESULT, AX_WIRE_RESULT_HDR_LEN, AX_WIRE_RESULT_BODY_MAX },
		{ AX_WIRE_BYE, 4, AX_WIRE_BYE_BODY_MAX },
		{ AX_WIRE_LOAD_MODULE, 19 + AX_WIRE_LOAD_AUTH_LEN,
		  AX_WIRE_LOAD_BODY_MAX },
		{ AX_WIRE_UNLOAD_MODULE, AX_WIRE_UNLOAD_LEN, AX_WIRE_UNLOAD_LEN },
		{ AX_WIRE_ADD_ROUTE, 19, AX_WIRE_ROUTE_BODY_MAX },
		{ AX_WIRE_PERIODIC, 16, AX_WIRE_PERIODIC_BODY_MAX },
		{ AX_WIRE_RESET, AX_WIRE_RESET_LEN, AX_WIRE_RESET_LEN },
		{ AX_WIRE_MODULE_MSG, 13, AX_WIRE_MODULE_MSG_BODY_MAX },
		{ AX_WIRE_EVENT, 8 + AX_EVENT_OVERHEAD, AX_WIRE_EVENT_BODY_MAX },
		{ AX_WIRE_STATUS_REQ, AX_WIRE_STATUS_REQ_LEN, AX_WIRE_STATUS_REQ_LEN },
		{ AX_WIRE_STATUS, 41, AX_WIRE_STATUS_BODY_MAX },
	};
	static struct table t;
	char *doc = read_doc();
	size_t i;

	(void)state;
	parse_table(doc, "frames", &t);
	assert_int_equal(t.n, sizeof sizes / sizeof sizes[0]);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct row *r = find_row(&t, sizes[i].type);
		unsigned long lo = 0, hi = 0;
		int n;

		assert_non_null(r);
		n = sscanf(r->body, "%lu .. %lu", &lo, &hi);
		if (n == 1)
			hi = lo;
		if (n < 1 || lo != sizes[i].min || hi != sizes[i].max)
			fail_msg("%s: doc body '%s', code %lu .. %lu", r->name,
				r->body, sizes[i].min, sizes[i].max);
		check_peek_limits(sizes[i].type, lo, hi);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_table_matches_enum),
		cmocka_unit_test(test_module_table_matches_enum),
		cmocka_unit_test(test_frame_body_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
