/*
 * test_manifest.c - the module image parser (ax_manifest.c) on the real
 * example images, on hand-built ELF32/ELF64 images, and under attack:
 * every truncation, every bit flip of the headers and records, garbage.
 *
 * Every parse reads from a heap block that ends exactly where the input
 * ends (parse_exact(), struct file, truncate_all()), so AddressSanitizer
 * (-DAX_SANITIZE=ON) catches a read one byte past the image.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/sha.h>

#include "ax_bytes_le.h"
#include "ax_manifest.h"
#include "ax_test_file.h"

/* ------------------------------------------------------------ helpers */

static ax_manifest_status parse_exact(const uint8_t *b, size_t len,
				      struct ax_manifest *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	ax_manifest_status st;

	assert_non_null(copy);
	if (len)
		memcpy(copy, b, len);
	st = ax_manifest_read(len ? copy : NULL, len, m);
	free(copy);
	return st;
}

/* b is a heap block of exactly len bytes: parsed in place, overreads
 * are caught by ASan just as with parse_exact(). */
static struct file load(const char *name)
{
	return ax_test_file_read(AX_MODULE_DIR, name);
}

static bool same_manifest(const struct ax_manifest *a,
			  const struct ax_manifest *b)
{
	if (a->n != b->n || a->elf_class != b->elf_class ||
	    a->machine != b->machine || a->type != b->type)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->ep[i].id != b->ep[i].id ||
		    a->ep[i].kind != b->ep[i].kind ||
		    memcmp(a->ep[i].name, b->ep[i].name, AX_NAME_MAX))
			return false;
	return true;
}

struct want {
	const char *name;
	unsigned kind;
};

/* Exactly these endpoints (in any order: the linker decides it), ids
 * 0..n-1, each found by name and kind, and by name alone. */
static void check_endpoints(const struct ax_manifest *m,
			    const struct want *w, size_t n)
{
	assert_int_equal(m->n, n);
	for (size_t i = 0; i < m->n; i++)
		assert_int_equal(m->ep[i].id, i);
	for (size_t i = 0; i < n; i++) {
		const struct ax_manifest_ep *ep =
			ax_manifest_find(m, w[i].name, w[i].kind);
		assert_non_null(ep);
		assert_string_equal(ep->name, w[i].name);
		assert_ptr_equal(ax_manifest_find(m, w[i].name, 0), ep);
		for (unsigned k = 1; k <= 5; k++)
			if (k != w[i].kind)
				assert_null(ax_manifest_find(m, w[i].name, k));
	}
}

/* Just enough of an ELF reader to locate what the attacks aim at. */
struct layout_info {
	bool is64;
	size_t shoff, shentsize, shnum, table_end;
	size_t ep_hdr;      /* offset of authex_ep's section header */
	size_t ep_off, ep_size, rec;
};

static size_t word(const uint8_t *p, bool is64)
{
	return is64 ? (size_t)ax_load_le64(p) : ax_load_le32(p);
}

static struct layout_info inspect(const struct file *f)
{
	struct layout_info li = {0};
	const uint8_t *b = f->b;
	size_t str, shstrndx;

	li.is64 = b[4] == 2;
	li.shoff = word(b + (li.is64 ? 40 : 32), li.is64);
	li.shentsize = ax_load_le16(b + (li.is64 ? 58 : 46));
	li.shnum = ax_load_le16(b + (li.is64 ? 60 : 48));
	shstrndx = ax_load_le16(b + (li.is64 ? 62 : 50));
	li.table_end = li.shoff + li.shnum * li.shentsize;
	li.rec = li.is64 ? 48 : 44;
	assert_true(li.table_end <= f->len);
	str = word(b + li.shoff + shstrndx * li.shentsize + (li.is64 ? 24 : 16),
		   li.is64);
	for (size_t i = 1; i < li.shnum; i++) {
		const uint8_t *h = b + li.shoff + i * li.shentsize;
		if (strcmp((const char *)b + str + ax_load_le32(h),
			   "authex_ep") == 0) {
			li.ep_hdr = li.shoff + i * li.shentsize;
			li.ep_off = word(h + (li.is64 ? 24 : 16), li.is64);
			li.ep_size = word(h + (li.is64 ? 32 : 20), li.is64);
		}
	}
	assert_true(li.ep_hdr != 0);
	return li;
}

/* ------------------------------------------------------- real images */

static const struct want sensor_eps[] = {
	{"sample", AX_EP_ENTRY},
	{"reading", AX_EP_OUTPUT},
	{"calibrate", AX_EP_INPUT},
};

static const struct want controller_eps[] = {
	{"add", AX_EP_INPUT},
	{"heater", AX_EP_OUTPUT},
	{"get_state", AX_EP_HANDLER},
	{"set_threshold", AX_EP_ENTRY},
	{"ask_peer", AX_EP_REQUEST},
};

static void test_sensor_image(void **state)
{
	struct file f = load("thermo_sensor.so");
	struct ax_manifest m;

	(void)state;
	assert_int_equal(ax_manifest_read(f.b, f.len, &m), AX_MANIFEST_OK);
	check_endpoints(&m, sensor_eps, 3);
	assert_int_equal(m.type, 3); /* ET_DYN */
	assert_true(m.elf_class == 64 || m.elf_class == 32);
	free(f.b);
}

static void test_controller_image(void **state)
{
	struct file f = load("thermo_controller.so");
	struct ax_manifest m;

	(void)state;
	assert_int_equal(ax_manifest_read(f.b, f.len, &m), AX_MANIFEST_OK);
	check_endpoints(&m, controller_eps, 5);
	/* A response callback is not an endpoint: it has no record. */
	assert_null(ax_manifest_find(&m, "on_peer", 0));
	assert_null(ax_manifest_find(&m, "", 0));
	assert_null(ax_manifest_find(&m, "add_", 0));
	assert_null(ax_manifest_find(&m, "ad", 0));
	free(f.b);
}

/* The measurement is SHA-256 of the file: check it against OpenSSL called
 * directly, not through src/crypto. */
static void test_measure(void **state)
{
	const char *names[] = {"thermo_sensor.so", "thermo_controller.so"};
	uint8_t got[2][32], want[32];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct file f = load(names[i]);
		assert_int_equal(ax_manifest_measure(f.b, f.len, got[i]),
				 AX_MANIFEST_OK);
		SHA256(f.b, f.len, want);
		assert_memory_equal(got[i], want, 32);
		free(f.b);
	}
	assert_memory_not_equal(got[0], got[1], 32);
	assert_int_equal(ax_manifest_measure(NULL, 0, got[0]), AX_MANIFEST_OK);
	SHA256((const uint8_t *)"", 0, want);
	assert_memory_equal(got[0], want, 32);
	assert_int_equal(ax_manifest_measure(NULL, 1, got[0]), AX_MANIFEST_E_ARG);
}

/* GNU ld puts the section header table last, so every proper prefix
 * loses part of it. Prefixes that still held the table would have to be
 * rejected or parse without a crash; the loop checks both cases. Each
 * prefix is copied to the end of one exact-size block (one allocation,
 * not one per prefix, keeps the ASan build fast). */
static void truncate_all(const char *name)
{
	struct file f = load(name);
	struct layout_info li = inspect(&f);
	struct ax_manifest m;
	uint8_t *tail = malloc(f.len);

	assert_non_null(tail);
	for (size_t n = 0; n < f.len; n++) {
		ax_manifest_status st;

		memcpy(tail + f.len - n, f.b, n);
		st = ax_manifest_read(tail + f.len - n, n, &m);
		if (n < li.table_end || n < li.ep_off + li.ep_size)
			assert_int_not_equal(st, AX_MANIFEST_OK);
		if (st != AX_MANIFEST_OK)
			assert_int_equal(m.n, 0);
	}
	free(tail);
	free(f.b);
}

static void test_truncation(void **state)
{
	(void)state;
	truncate_all("thermo_sensor.so");
	truncate_all("thermo_controller.so");
}

/* What a flip of one bit of the ELF64 header must do, byte by byte. */
enum flip_rule { MUST_REJECT, IGNORED, TYPE_FIELD };

static enum flip_rule ehdr64_rule(size_t byte)
{
	if (byte >= 7 && byte < 16)   /* OSABI, ABI version, padding */
		return IGNORED;
	if (byte == 16 || byte == 17) /* e_type */
		return TYPE_FIELD;
	if (byte >= 24 && byte < 40)  /* e_entry, e_phoff */
		return IGNORED;
	if (byte >= 48 && byte < 52)  /* e_flags */
		return IGNORED;
	if (byte >= 54 && byte < 58)  /* e_phentsize, e_phnum */
		return IGNORED;
	return MUST_REJECT;           /* ident, machine, version, shoff,
				       * ehsize, shentsize, shnum, shstrndx */
}

static void test_flip_elf_header(void **state)
{
	struct file f = load("thermo_controller.so");
	struct ax_manifest orig, m;

	(void)state;
	assert_int_equal(ax_manifest_read(f.b, f.len, &orig), AX_MANIFEST_OK);
	if (orig.elf_class != 64)
		skip();
	for (size_t bit = 0; bit < 64 * 8; bit++) {
		ax_manifest_status st;
		uint16_t type;

		f.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		st = ax_manifest_read(f.b, f.len, &m);
		type = ax_load_le16(f.b + 16);
		f.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		switch (ehdr64_rule(bit / 8)) {
		case MUST_REJECT:
			assert_int_not_equal(st, AX_MANIFEST_OK);
			break;
		case IGNORED:
			assert_int_equal(st, AX_MANIFEST_OK);
			assert_true(same_manifest(&orig, &m));
			break;
		case TYPE_FIELD:
			if (type >= 1 && type <= 3) {
				assert_int_equal(st, AX_MANIFEST_OK);
				assert_int_equal(m.type, type);
			} else {
				assert_int_equal(st, AX_MANIFEST_E_HEADER);
			}
			break;
		}
	}
	free(f.b);
}

/* Any flip in the section header table: rejected, or the very same
 * manifest. Flips of authex_ep's own name, type, offset, size: rejected. */
static void test_flip_section_headers(void **state)
{
	struct file f = load("thermo_sensor.so");
	struct layout_info li = inspect(&f);
	struct ax_manifest orig, m;
	size_t tbl = li.shnum * li.shentsize;
	size_t off_end = li.is64 ? 40 : 24; /* end of sh_size */

	(void)state;
	assert_int_equal(ax_manifest_read(f.b, f.len, &orig), AX_MANIFEST_OK);
	for (size_t bit = 0; bit < tbl * 8; bit++) {
		size_t at = li.shoff + bit / 8;
		ax_manifest_status st;

		f.b[at] ^= (uint8_t)(1u << (bit % 8));
		st = ax_manifest_read(f.b, f.len, &m);
		f.b[at] ^= (uint8_t)(1u << (bit % 8));
		if (st == AX_MANIFEST_OK)
			assert_true(same_manifest(&orig, &m));
		if (at >= li.ep_hdr && at < li.ep_hdr + off_end &&
		    !(at >= li.ep_hdr + 8 && at < li.ep_hdr + (li.is64 ? 24 : 16)))
			assert_int_not_equal(st, AX_MANIFEST_OK);
	}
	free(f.b);
}

static bool name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Expected outcome of flipping `mask` at byte b of record r. */
static ax_manifest_status record_flip_expect(const struct ax_manifest *o,
					     size_t r, size_t b, uint8_t mask,
					     size_t rec)
{
	const char *name = o->ep[r].name;
	size_t len = strlen(name), pos = b - 8;
	char changed[AX_NAME_MAX];

	if (b < 4)
		return AX_MANIFEST_E_MAGIC;
	if (b == 4) {
		unsigned k = o->ep[r].kind ^ mask;
		return k >= 1 && k <= 5 ? AX_MANIFEST_OK : AX_MANIFEST_E_KIND;
	}
	if (b < 8)
		return AX_MANIFEST_E_RESERVED;
	if (b >= 8 + AX_NAME_MAX) {
		assert_true(b < rec);
		return AX_MANIFEST_OK; /* the pointer is ignored */
	}
	if (pos >= len || !name_char((uint8_t)(name[pos] ^ mask)))
		return AX_MANIFEST_E_NAME;
	memcpy(changed, name, AX_NAME_MAX);
	changed[pos] = (char)(changed[pos] ^ mask);
	for (size_t j = 0; j < o->n; j++)
		if (j != r && !memcmp(o->ep[j].name, changed, AX_NAME_MAX))
			return AX_MANIFEST_E_DUPLICATE;
	return AX_MANIFEST_OK;
}

static void check_record_flip(const struct ax_manifest *o,
			      const struct ax_manifest *m, size_t r, size_t b,
			      uint8_t mask)
{
	struct ax_manifest want = *o;

	if (b == 4)
		want.ep[r].kind = (uint8_t)(want.ep[r].kind ^ mask);
	else if (b >= 8 && b < 8 + AX_NAME_MAX)
		want.ep[r].name[b - 8] = (char)(want.ep[r].name[b - 8] ^ mask);
	assert_true(same_manifest(&want, m));
}

static void test_flip_records(void **state)
{
	struct file f = load("thermo_controller.so");
	struct layout_info li = inspect(&f);
	struct ax_manifest orig, m;

	(void)state;
	assert_int_equal(ax_manifest_read(f.b, f.len, &orig), AX_MANIFEST_OK);
	assert_int_equal(li.ep_size, orig.n * li.rec);
	for (size_t r = 0; r < orig.n; r++) {
		for (size_t bit = 0; bit < li.rec * 8; bit++) {
			size_t b = bit / 8;
			uint8_t mask = (uint8_t)(1u << (bit % 8));
			uint8_t *p = f.b + li.ep_off + r * li.rec + b;
			ax_manifest_status st, want;

			want = record_flip_expect(&orig, r, b, mask, li.rec);
			*p ^= mask;
			st = ax_manifest_read(f.b, f.len, &m);
			*p ^= mask;
			assert_int_equal(st, want);
			if (st == AX_MANIFEST_OK)
				check_record_flip(&orig, &m, r, b, mask);
		}
	}
	free(f.b);
}

/* ------------------------------------------------- hand-built images */

struct rec {
	uint32_t magic;
	uint8_t kind;
	uint8_t reserved;
	const char *name; /* up to AX_NAME_MAX bytes are copied */
};

#define GOOD(n, k) {AX_EP_MAGIC, (k), 0, (n)}

/* ehdr | records at 64 | names | section headers (null, authex_ep,
 * .shstrtab) at an 8-aligned offset. */
struct img {
	uint8_t b[8192];
	size_t len;
	bool is64;
	size_t rec, sec_off, sec_size, str_off, shoff, shentsize;
};

static const char names[] = "\0authex_ep\0.shstrtab";
enum { NAME_EP = 1, NAME_STR = 11 };

static void put_word(uint8_t *p, bool is64, uint64_t v)
{
	if (is64)
		ax_store_le64(p, v);
	else
		ax_store_le32(p, (uint32_t)v);
}

static void put_shdr(struct img *im, size_t i, uint32_t name, uint32_t type,
		     uint64_t off, uint64_t size)
{
	uint8_t *h = im->b + im->shoff + i * im->shentsize;

	ax_store_le32(h, name);
	ax_store_le32(h + 4, type);
	put_word(h + (im->is64 ? 24 : 16), im->is64, off);
	put_word(h + (im->is64 ? 32 : 20), im->is64, size);
}

static void put_ehdr(struct img *im, uint16_t machine)
{
	uint8_t *h = im->b;
	bool w = im->is64;

	memcpy(h, "\x7f" "ELF", 4);
	h[4] = w ? 2 : 1;
	h[5] = 1;
	h[6] = 1;
	ax_store_le16(h + 16, 3);
	ax_store_le16(h + 18, machine);
	ax_store_le32(h + 20, 1);
	put_word(h + (w ? 40 : 32), w, im->shoff);
	ax_store_le16(h + (w ? 52 : 40), w ? 64 : 52);
	ax_store_le16(h + (w ? 58 : 46), (uint16_t)im->shentsize);
	ax_store_le16(h + (w ? 60 : 48), 3);
	ax_store_le16(h + (w ? 62 : 50), 2);
}

static void put_record(uint8_t *p, const struct rec *r, size_t rec)
{
	size_t n = strlen(r->name);

	ax_store_le32(p, r->magic);
	p[4] = r->kind;
	p[5] = p[6] = p[7] = r->reserved;
	memcpy(p + 8, r->name, n < AX_NAME_MAX ? n : AX_NAME_MAX);
	memset(p + 8 + AX_NAME_MAX, 0xa5, rec - 8 - AX_NAME_MAX);
}

static void build(struct img *im, bool is64, uint16_t machine,
		  const struct rec *r, size_t n)
{
	memset(im, 0, sizeof *im);
	im->is64 = is64;
	im->rec = is64 ? 48 : 44;
	im->shentsize = is64 ? 64 : 40;
	im->sec_off = 64;
	im->sec_size = n * im->rec;
	assert_true(im->sec_off + im->sec_size + 512 < sizeof im->b);
	for (size_t i = 0; i < n; i++)
		put_record(im->b + im->sec_off + i * im->rec, &r[i], im->rec);
	im->str_off = im->sec_off + im->sec_size;
	memcpy(im->b + im->str_off, names, sizeof names);
	im->shoff = (im->str_off + sizeof names + 7) & ~(size_t)7;
	put_ehdr(im, machine);
	put_shdr(im, 1, NAME_EP, 1, im->sec_off, im->sec_size);
	put_shdr(im, 2, NAME_STR, 3, im->str_off, sizeof names);
	im->len = im->shoff + 3 * im->shentsize;
}

static ax_manifest_status parse_img(const struct img *im,
				    struct ax_manifest *m)
{
	return parse_exact(im->b, im->len, m);
}

static const struct rec thermo_like[] = {
	GOOD("reading", AX_EP_OUTPUT), GOOD("calibrate", AX_EP_INPUT),
	GOOD("sample", AX_EP_ENTRY),   GOOD("ask", AX_EP_REQUEST),
	GOOD("get_state", AX_EP_HANDLER),
	GOOD("a234567890123456789012345678901", AX_EP_INPUT), /* 31 chars */
};

static void check_hand_built(bool is64, uint16_t machine)
{
	struct img im;
	struct ax_manifest m;
	size_t n = sizeof thermo_like / sizeof thermo_like[0];

	build(&im, is64, machine, thermo_like, n);
	assert_int_equal(parse_img(&im, &m), AX_MANIFEST_OK);
	assert_int_equal(m.elf_class, is64 ? 64 : 32);
	assert_int_equal(m.machine, machine);
	assert_int_equal(m.type, 3);
	assert_int_equal(m.n, n);
	for (size_t i = 0; i < n; i++) {
		/* Here the order is known: ids are record indices. */
		assert_int_equal(m.ep[i].id, i);
		assert_int_equal(m.ep[i].kind, thermo_like[i].kind);
		assert_string_equal(m.ep[i].name, thermo_like[i].name);
	}
	/* Every truncation of the hand-built image is rejected too. */
	for (size_t k = 0; k < im.len; k++)
		assert_int_not_equal(parse_exact(im.b, k, &m), AX_MANIFEST_OK);
}

static void test_hand_built_elf64(void **state)
{
	(void)state;
	check_hand_built(true, 62);  /* x86-64 */
	check_hand_built(true, 183); /* aarch64 */
}

static void test_hand_built_elf32(void **state)
{
	(void)state;
	check_hand_built(false, 40); /* ARM (Cortex-M33) */
	check_hand_built(false, 62); /* x32: 4-byte pointers */
}

static ax_manifest_status parse_recs(bool is64, const struct rec *r,
				     size_t n)
{
	struct img im;
	struct ax_manifest m;

	build(&im, is64, is64 ? 62 : 40, r, n);
	return parse_img(&im, &m);
}

static void test_bad_records(void **state)
{
	static const struct {
		struct rec r[2];
		size_t n;
		ax_manifest_status want;
	} cases[] = {
		{{GOOD("a", 1), GOOD("a", 2)}, 2, AX_MANIFEST_E_DUPLICATE},
		{{GOOD("ab", 1), GOOD("ab", 1)}, 2, AX_MANIFEST_E_DUPLICATE},
		{{GOOD("a", 1), GOOD("A", 2)}, 2, AX_MANIFEST_OK},
		{{GOOD("a", 0)}, 1, AX_MANIFEST_E_KIND},
		{{GOOD("a", 6)}, 1, AX_MANIFEST_E_KIND},
		{{GOOD("a", 255)}, 1, AX_MANIFEST_E_KIND},
		{{{0x50455841u, 1, 0, "a"}}, 1, AX_MANIFEST_E_MAGIC},
		{{{0, 1, 0, "a"}}, 1, AX_MANIFEST_E_MAGIC},
		{{{AX_EP_MAGIC, 1, 1, "a"}}, 1, AX_MANIFEST_E_RESERVED},
		{{GOOD("", 1)}, 1, AX_MANIFEST_E_NAME},
		{{GOOD("a-b", 1)}, 1, AX_MANIFEST_E_NAME},
		{{GOOD("a b", 1)}, 1, AX_MANIFEST_E_NAME},
		{{GOOD("a.b", 1)}, 1, AX_MANIFEST_E_NAME},
		{{GOOD("\xc3\xa9t\xc3\xa9", 1)}, 1, AX_MANIFEST_E_NAME},
		{{GOOD("a2345678901234567890123456789012", 1)}, 1,
		 AX_MANIFEST_E_NAME}, /* 32 chars: no NUL */
		{{GOOD("ok", 1), GOOD("bad!", 1)}, 2, AX_MANIFEST_E_NAME},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse_recs(true, cases[i].r, cases[i].n),
				 cases[i].want);
		assert_int_equal(parse_recs(false, cases[i].r, cases[i].n),
				 cases[i].want);
	}
}

/* A byte hidden behind the name's NUL is rejected. */
static void test_name_padding(void **state)
{
	struct img im;
	struct ax_manifest m;
	const struct rec r = GOOD("abc", 1);

	(void)state;
	for (size_t pos = 4; pos < AX_NAME_MAX; pos++) {
		build(&im, true, 62, &r, 1);
		im.b[im.sec_off + 8 + pos] = 'x';
		assert_int_equal(parse_img(&im, &m), AX_MANIFEST_E_NAME);
	}
}

static void test_endpoint_count(void **state)
{
	static struct rec r[AX_MAX_ENDPOINTS + 1];
	static char nm[AX_MAX_ENDPOINTS + 1][8];
	struct img im;
	struct ax_manifest m;

	(void)state;
	for (size_t i = 0; i <= AX_MAX_ENDPOINTS; i++) {
		snprintf(nm[i], sizeof nm[i], "ep%zu", i);
		r[i] = (struct rec){AX_EP_MAGIC, (uint8_t)(1 + i % 5), 0, nm[i]};
	}
	build(&im, true, 62, r, AX_MAX_ENDPOINTS);
	assert_int_equal(parse_img(&im, &m), AX_MANIFEST_OK);
	assert_int_equal(m.n, AX_MAX_ENDPOINTS);
	assert_int_equal(m.ep[AX_MAX_ENDPOINTS - 1].id, AX_MAX_ENDPOINTS - 1);
	assert_non_null(ax_manifest_find(&m, "ep63", 4));
	assert_int_equal(parse_recs(true, r, AX_MAX_ENDPOINTS + 1),
			 AX_MANIFEST_E_TOO_MANY);
	assert_int_equal(parse_recs(false, r, AX_MAX_ENDPOINTS + 1),
			 AX_MANIFEST_E_TOO_MANY);
	/* An empty section: a module without endpoints. */
	build(&im, true, 62, r, 0);
	assert_int_equal(parse_img(&im, &m), AX_MANIFEST_OK);
	assert_int_equal(m.n, 0);
}

static void test_section_size(void **state)
{
	struct img im;
	struct ax_manifest m;

	(void)state;
	for (int w = 0; w < 2; w++) {
		build(&im, w, w ? 62 : 40, thermo_like, 2);
		/* one byte more or less than two records; 40 and 44 bytes
		 * (the other class's record size) */
		const uint64_t sizes[] = {2 * im.rec + 1, 2 * im.rec - 1, 1,
					  w ? 44 : 48, 40, im.rec / 2};
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			put_shdr(&im, 1, NAME_EP, 1, im.sec_off, sizes[i]);
			assert_int_equal(parse_img(&im, &m),
					 AX_MANIFEST_E_SECTION_SIZE);
		}
	}
}

/* Malformed headers, section tables and offsets, one at a time. */
typedef void (*mutate_fn)(struct img *im);

static void m_big_endian(struct img *im) { im->b[5] = 2; }
static void m_class0(struct img *im) { im->b[4] = 0; }
static void m_class3(struct img *im) { im->b[4] = 3; }
static void m_version(struct img *im) { im->b[6] = 2; }
static void m_i386(struct img *im) { ax_store_le16(im->b + 18, 3); }
static void m_core(struct img *im) { ax_store_le16(im->b + 16, 4); }
static void m_shentsize(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 58 : 46), 48);
}
static void m_shnum0(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 60 : 48), 0);
}
static void m_shnum_big(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 60 : 48), 0xffff);
}
static void m_shstrndx0(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 62 : 50), 0);
}
static void m_shstrndx3(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 62 : 50), 3);
}
static void m_xindex(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 62 : 50), 0xffff);
}
static void m_shoff0(struct img *im)
{
	put_word(im->b + (im->is64 ? 40 : 32), im->is64, 0);
}
static void m_shoff_huge(struct img *im)
{
	put_word(im->b + (im->is64 ? 40 : 32), im->is64,
		 im->is64 ? UINT64_MAX - 64 : UINT32_MAX - 40);
}
static void m_sec_wrap(struct img *im)
{
	uint64_t off = im->is64 ? UINT64_MAX - 8 : UINT32_MAX - 8;
	put_shdr(im, 1, NAME_EP, 1, off, 2 * im->rec);
}
static void m_sec_past_end(struct img *im)
{
	put_shdr(im, 1, NAME_EP, 1, im->len - im->rec, 2 * im->rec);
}
static void m_sec_nobits(struct img *im)
{
	put_shdr(im, 1, NAME_EP, 8, im->sec_off, im->sec_size);
}
static void m_str_not_strtab(struct img *im)
{
	put_shdr(im, 2, NAME_STR, 1, im->str_off, sizeof names);
}
static void m_str_wrap(struct img *im)
{
	put_shdr(im, 2, NAME_STR, 3, 16, im->is64 ? UINT64_MAX : UINT32_MAX);
}
static void m_name_out(struct img *im)
{
	put_shdr(im, 1, sizeof names, 1, im->sec_off, im->sec_size);
}
static void m_renamed(struct img *im) { im->b[im->str_off + 9] = 'q'; }
static void m_two_sections(struct img *im)
{
	ax_store_le16(im->b + (im->is64 ? 60 : 48), 4);
	put_shdr(im, 3, NAME_EP, 1, im->sec_off, im->sec_size);
	im->len += im->shentsize;
}
static void m_name_unterminated(struct img *im)
{
	/* The name table ends inside "authex_ep": no NUL, so no match. Its
	 * own name (offset 11) would now be out of range: use offset 0. */
	put_shdr(im, 2, 0, 3, im->str_off, NAME_EP + 9);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		mutate_fn fn;
		ax_manifest_status want;
	} cases[] = {
		{"big-endian", m_big_endian, AX_MANIFEST_E_ENDIAN},
		{"class 0", m_class0, AX_MANIFEST_E_CLASS},
		{"class 3", m_class3, AX_MANIFEST_E_CLASS},
		{"EI_VERSION 2", m_version, AX_MANIFEST_E_HEADER},
		{"EM_386", m_i386, AX_MANIFEST_E_MACHINE},
		{"ET_CORE", m_core, AX_MANIFEST_E_HEADER},
		{"e_shentsize", m_shentsize, AX_MANIFEST_E_HEADER},
		{"e_shnum 0", m_shnum0, AX_MANIFEST_E_HEADER},
		{"e_shnum 65535", m_shnum_big, AX_MANIFEST_E_TRUNCATED},
		{"e_shstrndx 0", m_shstrndx0, AX_MANIFEST_E_HEADER},
		{"e_shstrndx >= e_shnum", m_shstrndx3, AX_MANIFEST_E_HEADER},
		{"SHN_XINDEX", m_xindex, AX_MANIFEST_E_HEADER},
		{"e_shoff 0", m_shoff0, AX_MANIFEST_E_HEADER},
		{"e_shoff huge", m_shoff_huge, AX_MANIFEST_E_TRUNCATED},
		{"section offset wraps", m_sec_wrap, AX_MANIFEST_E_TRUNCATED},
		{"section past end", m_sec_past_end, AX_MANIFEST_E_TRUNCATED},
		{"section NOBITS", m_sec_nobits, AX_MANIFEST_E_SECTION},
		{"names not STRTAB", m_str_not_strtab, AX_MANIFEST_E_SECTION},
		{"names wrap", m_str_wrap, AX_MANIFEST_E_TRUNCATED},
		{"name offset out", m_name_out, AX_MANIFEST_E_SECTION},
		{"no authex_ep", m_renamed, AX_MANIFEST_E_NO_SECTION},
		{"two authex_ep", m_two_sections, AX_MANIFEST_E_SECTION},
		{"unterminated name", m_name_unterminated,
		 AX_MANIFEST_E_NO_SECTION},
	};
	struct img im;
	struct ax_manifest m;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int w = 0; w < 2; w++) {
			print_message("%s (ELF%d)\n", cases[i].what, w ? 64 : 32);
			build(&im, w, w ? 62 : 40, thermo_like, 3);
			cases[i].fn(&im);
			assert_int_equal(parse_img(&im, &m), cases[i].want);
			assert_int_equal(m.n, 0);
			assert_int_equal(m.elf_class, 0);
		}
	}
}

/* ------------------------------------------------------------ garbage */

static void test_garbage(void **state)
{
	static const uint8_t ident64[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	uint8_t buf[4096];
	struct ax_manifest m;
	uint32_t x = 0x12345678;

	(void)state;
	assert_int_equal(ax_manifest_read(NULL, 0, &m), AX_MANIFEST_E_NOT_ELF);
	assert_int_equal(ax_manifest_read(buf, 0, &m), AX_MANIFEST_E_NOT_ELF);
	assert_int_equal(ax_manifest_read(NULL, 5, &m), AX_MANIFEST_E_ARG);
	assert_int_equal(ax_manifest_read(buf, 5, NULL), AX_MANIFEST_E_ARG);
	assert_int_equal(parse_exact((const uint8_t *)"\x7f" "EL", 3, &m),
			 AX_MANIFEST_E_NOT_ELF);
	assert_int_equal(parse_exact((const uint8_t *)"\x7f" "ELF", 4, &m),
			 AX_MANIFEST_E_TRUNCATED);
	assert_int_equal(parse_exact(ident64, 16, &m), AX_MANIFEST_E_TRUNCATED);
	memset(buf, 0, sizeof buf);
	assert_int_equal(parse_exact(buf, sizeof buf, &m),
			 AX_MANIFEST_E_NOT_ELF);
	/* Random bytes behind a valid ident: never accepted, never a crash. */
	for (int round = 0; round < 2000; round++) {
		size_t n = 16 + (size_t)round % 400;
		for (size_t i = 0; i < n; i++) {
			x = x * 1664525u + 1013904223u;
			buf[i] = (uint8_t)(x >> 24);
		}
		memcpy(buf, ident64, 16);
		buf[4] = (uint8_t)(1 + round % 2);
		assert_int_not_equal(parse_exact(buf, n, &m), AX_MANIFEST_OK);
	}
}

static void test_find_and_strings(void **state)
{
	struct img im;
	struct ax_manifest m;
	const char *seen[AX_MANIFEST_E_COUNT];

	(void)state;
	build(&im, true, 62, thermo_like, 6);
	assert_int_equal(parse_img(&im, &m), AX_MANIFEST_OK);
	assert_null(ax_manifest_find(NULL, "reading", 0));
	assert_null(ax_manifest_find(&m, NULL, 0));
	assert_null(ax_manifest_find(&m, "reading", 6));
	assert_null(ax_manifest_find(&m, "a234567890123456789012345678901x", 0));
	assert_non_null(ax_manifest_find(&m, "a234567890123456789012345678901", 2));
	for (int s = 0; s < AX_MANIFEST_E_COUNT; s++) {
		seen[s] = ax_manifest_status_str((ax_manifest_status)s);
		assert_non_null(seen[s]);
		assert_string_not_equal(seen[s], "unknown status");
		for (int t = 0; t < s; t++)
			assert_string_not_equal(seen[s], seen[t]);
	}
	assert_string_equal(ax_manifest_status_str(AX_MANIFEST_E_COUNT),
			    "unknown status");
	assert_string_equal(ax_manifest_status_str((ax_manifest_status)-1),
			    "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor_image),
		cmocka_unit_test(test_controller_image),
		cmocka_unit_test(test_measure),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_flip_elf_header),
		cmocka_unit_test(test_flip_section_headers),
		cmocka_unit_test(test_flip_records),
		cmocka_unit_test(test_hand_built_elf64),
		cmocka_unit_test(test_hand_built_elf32),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_name_padding),
		cmocka_unit_test(test_endpoint_count),
		cmocka_unit_test(test_section_size),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_find_and_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
