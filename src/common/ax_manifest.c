/*
 * ax_manifest.c - see ax_manifest.h for the contract and the accepted
 * image format. Field offsets are those of the ELF specification (System V
 * gABI, "ELF Header" and "Sections"); only the fields used are read.
 */
#include "ax_manifest.h"

#include <stdbool.h>
#include <string.h>

#include "ax_bytes_le.h"

/* Private names, not <elf.h>'s: this file must not depend on the host's
 * ELF headers (the deployer may run on a system without them). */
enum {
	ID_CLASS = 4,
	ID_DATA = 5,
	ID_VERSION = 6,
	ID_LEN = 16,
	CLASS32 = 1,
	CLASS64 = 2,
	DATA_LSB = 1,
	VERSION_CURRENT = 1,
	TYPE_REL = 1,
	TYPE_DYN = 3,
	MACHINE_ARM = 40,
	MACHINE_X86_64 = 62,
	MACHINE_AARCH64 = 183,
	SECTION_PROGBITS = 1,
	SECTION_STRTAB = 3,
	SHN_RESERVED = 0xff00,
	OFF_TYPE = 16,
	OFF_MACHINE = 18,
	OFF_VERSION = 20,
	OFF_SH_NAME = 0,
	OFF_SH_TYPE = 4,
	REC_KIND = 4,
	REC_RESERVED = 5,
	REC_NAME = 8,
};

/* Everything that differs between the two classes. */
struct layout {
	uint8_t ehsize;      /* size of the ELF header */
	uint8_t word;        /* size of an address or file offset */
	uint8_t e_shoff;     /* e_shentsize, e_shnum, e_shstrndx follow */
	uint8_t e_ehsize;
	uint8_t e_shentsize; /* e_shnum at +2, e_shstrndx at +4 */
	uint8_t shentsize;   /* size of a section header */
	uint8_t sh_offset;
	uint8_t sh_size;
	uint8_t rec;         /* size of struct ax_endpoint on the target */
};

static const struct layout layout32 = {
	52, 4, 32, 40, 46, 40, 16, 20, AX_MANIFEST_REC32,
};
static const struct layout layout64 = {
	64, 8, 40, 52, 58, 64, 24, 32, AX_MANIFEST_REC64,
};

struct elf {
	const uint8_t *img;
	size_t len;
	const struct layout *l;
	uint64_t shoff;
	uint32_t shnum;
	uint32_t shstrndx;
	uint64_t str_off;    /* section name string table */
	uint64_t str_size;
};

struct section {
	uint32_t name;
	uint32_t type;
	uint64_t offset;
	uint64_t size;
};

_Static_assert(AX_MANIFEST_REC64 == 4 + 1 + 3 + AX_NAME_MAX + 8,
	       "record layout (64-bit) changed: update the image format");
_Static_assert(AX_MANIFEST_REC32 == 4 + 1 + 3 + AX_NAME_MAX + 4,
	       "record layout (32-bit) changed: update the image format");
_Static_assert(AX_MAX_ENDPOINTS <= UINT16_MAX, "ids are 16 bits");

/* size_t may be narrower than an ELF64 offset: compare in 64 bits, and
 * subtract instead of adding so that off + size cannot wrap. */
static bool in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= (uint64_t)len && size <= (uint64_t)len - off;
}

static uint64_t load_word(const uint8_t *p, unsigned word)
{
	return word == 8 ? ax_load_le64(p) : ax_load_le32(p);
}

static ax_manifest_status check_ident(struct elf *e)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};

	if (e->len < sizeof magic || memcmp(e->img, magic, sizeof magic))
		return AX_MANIFEST_E_NOT_ELF;
	if (e->len < ID_LEN)
		return AX_MANIFEST_E_TRUNCATED;
	if (e->img[ID_CLASS] == CLASS32)
		e->l = &layout32;
	else if (e->img[ID_CLASS] == CLASS64)
		e->l = &layout64;
	else
		return AX_MANIFEST_E_CLASS;
	if (e->img[ID_DATA] != DATA_LSB)
		return AX_MANIFEST_E_ENDIAN;
	if (e->img[ID_VERSION] != VERSION_CURRENT)
		return AX_MANIFEST_E_HEADER;
	return AX_MANIFEST_OK;
}

static bool machine_ok(uint16_t m)
{
	return m == MACHINE_X86_64 || m == MACHINE_AARCH64 ||
	       m == MACHINE_ARM;
}

/* Called after check_ident; fills the section table fields of e. */
static ax_manifest_status check_header(struct elf *e, struct ax_manifest *out)
{
	const struct layout *l = e->l;
	const uint8_t *h = e->img;

	if (e->len < l->ehsize)
		return AX_MANIFEST_E_TRUNCATED;
	out->elf_class = l->word == 8 ? 64 : 32;
	out->type = ax_load_le16(h + OFF_TYPE);
	out->machine = ax_load_le16(h + OFF_MACHINE);
	if (!machine_ok(out->machine))
		return AX_MANIFEST_E_MACHINE;
	if (out->type < TYPE_REL || out->type > TYPE_DYN ||
	    ax_load_le32(h + OFF_VERSION) != VERSION_CURRENT ||
	    ax_load_le16(h + l->e_ehsize) != l->ehsize ||
	    ax_load_le16(h + l->e_shentsize) != l->shentsize)
		return AX_MANIFEST_E_HEADER;
	e->shoff = load_word(h + l->e_shoff, l->word);
	e->shnum = ax_load_le16(h + l->e_shentsize + 2);
	e->shstrndx = ax_load_le16(h + l->e_shentsize + 4);
	/* shnum 0 means "no table" or extended numbering; shstrndx 0 means
	 * "no names"; both leave no way to find authex_ep by name. */
	if (e->shoff == 0 || e->shnum == 0 || e->shstrndx == 0 ||
	    e->shstrndx >= e->shnum || e->shstrndx >= SHN_RESERVED)
		return AX_MANIFEST_E_HEADER;
	if (!in_bounds(e->len, e->shoff, (uint64_t)e->shnum * l->shentsize))
		return AX_MANIFEST_E_TRUNCATED;
	return AX_MANIFEST_OK;
}

/* i < e->shnum: the whole table was bounds-checked in check_header. */
static void read_section(const struct elf *e, uint32_t i, struct section *s)
{
	const struct layout *l = e->l;
	const uint8_t *p = e->img + e->shoff + (uint64_t)i * l->shentsize;

	s->name = ax_load_le32(p + OFF_SH_NAME);
	s->type = ax_load_le32(p + OFF_SH_TYPE);
	s->offset = load_word(p + l->sh_offset, l->word);
	s->size = load_word(p + l->sh_size, l->word);
}

static ax_manifest_status load_names(struct elf *e)
{
	struct section s;

	read_section(e, e->shstrndx, &s);
	if (s.type != SECTION_STRTAB)
		return AX_MANIFEST_E_SECTION;
	if (!in_bounds(e->len, s.offset, s.size))
		return AX_MANIFEST_E_TRUNCATED;
	e->str_off = s.offset;
	e->str_size = s.size;
	return AX_MANIFEST_OK;
}

/* Compares the string at name_off of the name table with want (including
 * its NUL) without reading past the table. */
static ax_manifest_status name_is(const struct elf *e, uint32_t name_off,
				  const char *want, bool *match)
{
	const uint8_t *str = e->img + e->str_off;
	size_t i = 0;

	if (name_off >= e->str_size)
		return AX_MANIFEST_E_SECTION;
	*match = false;
	for (uint64_t k = name_off; k < e->str_size; k++, i++) {
		if (str[k] != (uint8_t)want[i])
			return AX_MANIFEST_OK;
		if (want[i] == '\0') {
			*match = true;
			return AX_MANIFEST_OK;
		}
	}
	return AX_MANIFEST_OK; /* a prefix of want, unterminated: no match */
}

/* Section 0 is reserved (SHN_UNDEF) and skipped. Every name offset is
 * checked, so a corrupt table is reported even when authex_ep is fine. */
static ax_manifest_status find_section(const struct elf *e,
				       struct section *found)
{
	unsigned hits = 0;

	for (uint32_t i = 1; i < e->shnum; i++) {
		struct section s;
		bool match;
		ax_manifest_status st;

		read_section(e, i, &s);
		st = name_is(e, s.name, AX_MANIFEST_SECTION, &match);
		if (st != AX_MANIFEST_OK)
			return st;
		if (match) {
			*found = s;
			hits++;
		}
	}
	if (hits == 0)
		return AX_MANIFEST_E_NO_SECTION;
	return hits == 1 ? AX_MANIFEST_OK : AX_MANIFEST_E_SECTION;
}

static bool name_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* 1..31 allowed characters, a NUL, then NUL padding only: a name has
 * exactly one encoding, so no bytes hide behind the terminator. */
static bool name_ok(const uint8_t name[static AX_NAME_MAX])
{
	size_t n = 0;

	while (n < AX_NAME_MAX && name[n] != 0) {
		if (!name_char_ok(name[n]))
			return false;
		n++;
	}
	if (n == 0 || n == AX_NAME_MAX)
		return false;
	for (size_t i = n; i < AX_NAME_MAX; i++)
		if (name[i] != 0)
			return false;
	return true;
}

static ax_manifest_status decode_record(const uint8_t *p, uint16_t id,
					struct ax_manifest_ep *ep)
{
	if (ax_load_le32(p) != AX_EP_MAGIC)
		return AX_MANIFEST_E_MAGIC;
	if (p[REC_KIND] < AX_EP_OUTPUT || p[REC_KIND] > AX_EP_HANDLER)
		return AX_MANIFEST_E_KIND;
	if (p[REC_RESERVED] | p[REC_RESERVED + 1] | p[REC_RESERVED + 2])
		return AX_MANIFEST_E_RESERVED;
	if (!name_ok(p + REC_NAME))
		return AX_MANIFEST_E_NAME;
	ep->id = id;
	ep->kind = p[REC_KIND];
	memcpy(ep->name, p + REC_NAME, AX_NAME_MAX);
	return AX_MANIFEST_OK;
}

/* Names are NUL-padded (name_ok), so comparing all 32 bytes suffices. */
static bool has_duplicate(const struct ax_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = i + 1; j < m->n; j++)
			if (!memcmp(m->ep[i].name, m->ep[j].name, AX_NAME_MAX))
				return true;
	return false;
}

static ax_manifest_status read_records(const struct elf *e,
				       const struct section *s,
				       struct ax_manifest *out)
{
	const unsigned rec = e->l->rec;

	if (s->type != SECTION_PROGBITS)
		return AX_MANIFEST_E_SECTION;
	if (!in_bounds(e->len, s->offset, s->size))
		return AX_MANIFEST_E_TRUNCATED;
	if (s->size % rec != 0)
		return AX_MANIFEST_E_SECTION_SIZE;
	if (s->size / rec > AX_MAX_ENDPOINTS)
		return AX_MANIFEST_E_TOO_MANY;
	for (uint16_t i = 0; i < s->size / rec; i++) {
		const uint8_t *p = e->img + s->offset + (uint64_t)i * rec;
		ax_manifest_status st = decode_record(p, i, &out->ep[i]);

		if (st != AX_MANIFEST_OK)
			return st;
		out->n = i + 1u;
	}
	return has_duplicate(out) ? AX_MANIFEST_E_DUPLICATE : AX_MANIFEST_OK;
}

static ax_manifest_status parse(struct elf *e, struct ax_manifest *out)
{
	struct section s = {0};
	ax_manifest_status st;

	if ((st = check_ident(e)) != AX_MANIFEST_OK ||
	    (st = check_header(e, out)) != AX_MANIFEST_OK ||
	    (st = load_names(e)) != AX_MANIFEST_OK ||
	    (st = find_section(e, &s)) != AX_MANIFEST_OK)
		return st;
	return read_records(e, &s, out);
}

ax_manifest_status ax_manifest_read(const uint8_t *img, size_t len,
				    struct ax_manifest *out)
{
	struct elf e = {.img = img, .len = len};
	ax_manifest_status st;

	if (out == NULL)
		return AX_MANIFEST_E_ARG;
	memset(out, 0, sizeof *out);
	if (img == NULL && len != 0)
		return AX_MANIFEST_E_ARG;
	if (len == 0)
		return AX_MANIFEST_E_NOT_ELF;
	st = parse(&e, out);
	if (st != AX_MANIFEST_OK)
		memset(out, 0, sizeof *out);
	return st;
}

const struct ax_manifest_ep *ax_manifest_find(const struct ax_manifest *m,
					      const char *name,
					      unsigned kind_or_0)
{
	if (m == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < m->n && i < AX_MAX_ENDPOINTS; i++) {
		const struct ax_manifest_ep *ep = &m->ep[i];

		/* ep->name has its NUL within AX_NAME_MAX, so equality up to
		 * AX_NAME_MAX bytes means name ends at the same place. */
		if (strncmp(ep->name, name, AX_NAME_MAX) != 0)
			continue;
		if (kind_or_0 == 0 || kind_or_0 == ep->kind)
			return ep;
	}
	return NULL;
}

const char *ax_manifest_status_str(ax_manifest_status st)
{
	static const char *const str[AX_MANIFEST_E_COUNT] = {
		[AX_MANIFEST_OK] = "ok",
		[AX_MANIFEST_E_NOT_ELF] = "not an ELF file",
		[AX_MANIFEST_E_CLASS] = "unsupported ELF class",
		[AX_MANIFEST_E_ENDIAN] = "not a little-endian ELF file",
		[AX_MANIFEST_E_MACHINE] = "unsupported machine",
		[AX_MANIFEST_E_HEADER] = "malformed ELF header",
		[AX_MANIFEST_E_TRUNCATED] = "truncated image",
		[AX_MANIFEST_E_SECTION] = "malformed section headers",
		[AX_MANIFEST_E_NO_SECTION] = "no authex_ep section",
		[AX_MANIFEST_E_SECTION_SIZE] =
			"authex_ep size is not a multiple of the record size",
		[AX_MANIFEST_E_TOO_MANY] = "too many endpoints",
		[AX_MANIFEST_E_MAGIC] = "endpoint record: bad magic",
		[AX_MANIFEST_E_KIND] = "endpoint record: bad kind",
		[AX_MANIFEST_E_RESERVED] =
			"endpoint record: reserved bytes not zero",
		[AX_MANIFEST_E_NAME] = "endpoint record: bad name",
		[AX_MANIFEST_E_DUPLICATE] = "duplicate endpoint name",
		[AX_MANIFEST_E_ARG] = "invalid argument",
		[AX_MANIFEST_E_CRYPTO] = "hash computation failed",
	};

	if ((unsigned)st >= AX_MANIFEST_E_COUNT || str[st] == NULL)
		return "unknown status";
	return str[st];
}
