/*
 * axl_elf.c - the tzm module loader; see axl_elf.h for what is accepted
 * and which error each refusal gives.
 *
 * The load is a list of steps (steps[] below): check the slot, the ELF
 * header, the program headers and segments, the dynamic section, the
 * symbol table and the exports, writing nothing; then copy the segments
 * and apply the relocations. Every table is found by mapping its target
 * offset through the PT_LOAD segments to a file range (file_at), checked
 * whole before its bytes are read, so relocations never change what the
 * loader reads. Offset sums are done in uint64_t, where two 32-bit values
 * cannot wrap.
 */
#include "axl_elf.h"

#include <stdbool.h>

/* The parts of the ELF32 and ARM ELF specifications the loader uses. */
enum {
	EHDR_SIZE = 52, PHDR_SIZE = 32, DYN_SIZE = 8, SYM_SIZE = 16,
	REL_SIZE = 8,
	ET_DYN = 3, EM_ARM = 40, EV_CURRENT = 1,
	PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_TLS = 7, PF_X = 1,
	SHN_UNDEF = 0, STT_FUNC = 2, STB_WEAK = 2,
	R_ARM_ABS32 = 2, R_ARM_GLOB_DAT = 21, R_ARM_JUMP_SLOT = 22,
	R_ARM_RELATIVE = 23
};

/* Dynamic tags below DT_KNOWN are recorded or refused; higher ones
 * (DT_FLAGS_1, DT_RELCOUNT, DT_GNU_HASH, ...) are ignored. */
enum {
	DT_NULL = 0, DT_NEEDED = 1, DT_PLTRELSZ = 2, DT_HASH = 4,
	DT_STRTAB = 5, DT_SYMTAB = 6, DT_RELA = 7, DT_RELASZ = 8,
	DT_RELAENT = 9, DT_STRSZ = 10, DT_SYMENT = 11, DT_INIT = 12,
	DT_FINI = 13, DT_REL = 17, DT_RELSZ = 18, DT_RELENT = 19,
	DT_PLTREL = 20, DT_TEXTREL = 22, DT_JMPREL = 23, DT_INIT_ARRAY = 25,
	DT_FINI_ARRAY = 26, DT_PREINIT_ARRAY = 32, DT_KNOWN = 34
};

#define TAG(t) ((uint64_t)1 << (t))
#define REFUSED_TAGS (TAG(DT_NEEDED) | TAG(DT_RELA) | TAG(DT_RELASZ) | \
	TAG(DT_RELAENT) | TAG(DT_INIT) | TAG(DT_FINI) | TAG(DT_TEXTREL) | \
	TAG(DT_INIT_ARRAY) | TAG(DT_FINI_ARRAY) | TAG(DT_PREINIT_ARRAY))
#define NEEDED_TAGS (TAG(DT_HASH) | TAG(DT_STRTAB) | TAG(DT_SYMTAB) | \
	TAG(DT_STRSZ))

struct seg {
	uint32_t off, filesz, vaddr, memsz, flags;
};

struct sym {
	uint32_t name, value;
	uint8_t info;
	uint16_t shndx;
};

/* One load in progress. */
struct ld {
	const uint8_t *img;
	size_t len;
	uint8_t *slot;
	size_t cap;
	uint32_t addr;
	const struct axl_import *imp;
	size_t n_imp;
	struct seg load[AXL_MAX_LOAD];
	size_t n_load;
	struct seg dyn;
	uint32_t span;
	uint64_t seen;          /* TAG() of each recorded dynamic tag */
	uint32_t dt[DT_KNOWN];  /* their values, read only if seen */
	size_t sym, str;        /* file offsets of .dynsym and .dynstr */
	uint32_t nsym, strsz;
	struct axl_module mod;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void zero(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = 0;
}

static bool in_file(const struct ld *l, uint64_t off, uint64_t n)
{
	return off + n <= l->len;
}

static bool has(const struct ld *l, unsigned tag)
{
	return (l->seen & TAG(tag)) != 0;
}

/* The file offset of the n bytes at target offset va, if they all lie
 * in the file part of one PT_LOAD segment (which lies in the file). */
static bool file_at(const struct ld *l, uint32_t va, uint64_t n, size_t *off)
{
	for (size_t i = 0; i < l->n_load; i++) {
		const struct seg *s = &l->load[i];

		if (va >= s->vaddr &&
		    (uint64_t)(va - s->vaddr) + n <= s->filesz) {
			*off = (size_t)s->off + (va - s->vaddr);
			return true;
		}
	}
	return false;
}

/* Whether [va, va + n) lies in the memory of one PT_LOAD segment with
 * all of the given p_flags bits. */
static bool in_segment(const struct ld *l, uint32_t va, uint32_t n,
	uint32_t flags)
{
	for (size_t i = 0; i < l->n_load; i++) {
		const struct seg *s = &l->load[i];

		if ((s->flags & flags) == flags && va >= s->vaddr &&
		    (uint64_t)va + n <= (uint64_t)s->vaddr + s->memsz)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------- checks */

static enum axl_error check_slot(struct ld *l)
{
	if (l->addr % 4 != 0 || (uint64_t)l->addr + l->cap > 1ull << 32)
		return AXL_E_TOO_BIG;
	return AXL_OK;
}

static enum axl_error check_header(struct ld *l)
{
	static const uint8_t ident[7] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
	const uint8_t *h = l->img;

	if (l->len < EHDR_SIZE)
		return AXL_E_HEADER;
	for (size_t i = 0; i < sizeof ident; i++)
		if (h[i] != ident[i])
			return AXL_E_HEADER;
	if (le16(h + 16) != ET_DYN || le16(h + 18) != EM_ARM ||
	    le32(h + 20) != EV_CURRENT)
		return AXL_E_HEADER;
	return AXL_OK;
}

static struct seg seg_at(const uint8_t *p)
{
	struct seg s = { le32(p + 4), le32(p + 16), le32(p + 8),
		le32(p + 20), le32(p + 24) };

	return s;
}

static enum axl_error read_phdrs(struct ld *l)
{
	uint32_t phoff = le32(l->img + 28);
	uint16_t phnum = le16(l->img + 44);
	unsigned n_dyn = 0;

	if (le16(l->img + 42) != PHDR_SIZE ||
	    !in_file(l, phoff, (uint64_t)phnum * PHDR_SIZE))
		return AXL_E_PHDR;
	for (size_t i = 0; i < phnum; i++) {
		const uint8_t *p = l->img + phoff + i * PHDR_SIZE;
		uint32_t type = le32(p);

		if (type == PT_INTERP || type == PT_TLS ||
		    (type == PT_LOAD && l->n_load == AXL_MAX_LOAD))
			return AXL_E_PHDR;
		if (type == PT_LOAD)
			l->load[l->n_load++] = seg_at(p);
		if (type == PT_DYNAMIC && n_dyn++ == 0)
			l->dyn = seg_at(p);
	}
	return l->n_load == 0 || n_dyn != 1 ? AXL_E_PHDR : AXL_OK;
}

static bool overlap(const struct seg *a, const struct seg *b)
{
	return a->vaddr < (uint64_t)b->vaddr + b->memsz &&
		b->vaddr < (uint64_t)a->vaddr + a->memsz;
}

static enum axl_error check_segments(struct ld *l)
{
	uint64_t span = 0;

	for (size_t i = 0; i < l->n_load; i++) {
		const struct seg *s = &l->load[i];
		uint64_t end = (uint64_t)s->vaddr + s->memsz;

		if (s->filesz > s->memsz || !in_file(l, s->off, s->filesz) ||
		    end > UINT32_MAX)
			return AXL_E_SEGMENT;
		for (size_t j = 0; j < i; j++)
			if (overlap(s, &l->load[j]))
				return AXL_E_SEGMENT;
		span = end > span ? end : span;
	}
	if (span > l->cap)
		return AXL_E_TOO_BIG;
	l->span = (uint32_t)span;
	return AXL_OK;
}

/* The tags that must be there, and the ones that come in groups. */
static enum axl_error check_tags(const struct ld *l)
{
	if ((l->seen & NEEDED_TAGS) != NEEDED_TAGS ||
	    (has(l, DT_SYMENT) && l->dt[DT_SYMENT] != SYM_SIZE) ||
	    (has(l, DT_RELENT) && l->dt[DT_RELENT] != REL_SIZE) ||
	    (has(l, DT_PLTREL) && l->dt[DT_PLTREL] != DT_REL))
		return AXL_E_DYNAMIC;
	if (has(l, DT_REL) != has(l, DT_RELSZ) ||
	    (has(l, DT_REL) && !has(l, DT_RELENT)) ||
	    has(l, DT_JMPREL) != has(l, DT_PLTRELSZ) ||
	    (has(l, DT_JMPREL) && !has(l, DT_PLTREL)))
		return AXL_E_DYNAMIC;
	return AXL_OK;
}

static enum axl_error read_dynamic(struct ld *l)
{
	size_t off;

	if (!file_at(l, l->dyn.vaddr, l->dyn.filesz, &off))
		return AXL_E_DYNAMIC;
	for (size_t i = 0; l->dyn.filesz - i >= DYN_SIZE; i += DYN_SIZE) {
		uint32_t tag = le32(l->img + off + i);

		if (tag == DT_NULL)
			return check_tags(l);
		if (tag < DT_KNOWN && (REFUSED_TAGS & TAG(tag)))
			return AXL_E_DYNAMIC;
		if (tag < DT_KNOWN) {
			l->dt[tag] = le32(l->img + off + i + 4);
			l->seen |= TAG(tag);
		}
	}
	return AXL_E_DYNAMIC; /* no DT_NULL */
}

/* DT_HASH's nchain is the symbol count. A string table that ends in a
 * NUL holds only NUL-terminated names: a name is then just an offset
 * below strsz. */
static enum axl_error read_symbols(struct ld *l)
{
	size_t hash;

	if (!file_at(l, l->dt[DT_HASH], 8, &hash))
		return AXL_E_SYMBOL;
	l->nsym = le32(l->img + hash + 4);
	l->strsz = l->dt[DT_STRSZ];
	if (!file_at(l, l->dt[DT_SYMTAB], (uint64_t)l->nsym * SYM_SIZE,
		    &l->sym) ||
	    !file_at(l, l->dt[DT_STRTAB], l->strsz, &l->str) ||
	    l->strsz == 0 || l->img[l->str + l->strsz - 1] != 0)
		return AXL_E_SYMBOL;
	return AXL_OK;
}

static enum axl_error get_sym(const struct ld *l, uint32_t i, struct sym *s)
{
	const uint8_t *p;

	if (i >= l->nsym)
		return AXL_E_SYMBOL;
	p = l->img + l->sym + (size_t)i * SYM_SIZE;
	s->name = le32(p);
	s->value = le32(p + 4);
	s->info = p[12];
	s->shndx = le16(p + 14);
	return s->name < l->strsz ? AXL_OK : AXL_E_SYMBOL;
}

/* Whether symbol name s (checked by get_sym) is the C string want. */
static bool name_is(const struct ld *l, const struct sym *s, const char *want)
{
	const uint8_t *p = l->img + l->str + s->name;
	size_t i = 0;

	while (p[i] != 0 && p[i] == (uint8_t)want[i])
		i++;
	return p[i] == (uint8_t)want[i];
}

/* The first symbol named name must be a defined Thumb function in an
 * executable segment. */
static enum axl_error find_export(const struct ld *l, const char *name,
	uint32_t *addr)
{
	struct sym s;

	for (uint32_t i = 1; i < l->nsym; i++) {
		enum axl_error e = get_sym(l, i, &s);

		if (e != AXL_OK)
			return e;
		if (!name_is(l, &s, name))
			continue;
		if (s.shndx == SHN_UNDEF || (s.info & 0xf) != STT_FUNC ||
		    (s.value & 1) == 0 || !in_segment(l, s.value - 1, 2, PF_X))
			return AXL_E_EXPORT;
		*addr = l->addr + s.value;
		return AXL_OK;
	}
	return AXL_E_EXPORT;
}

static enum axl_error find_exports(struct ld *l)
{
	enum axl_error e = find_export(l, "authex_module_abi", &l->mod.abi);

	if (e == AXL_OK)
		e = find_export(l, "authex_module_init", &l->mod.init);
	if (e == AXL_OK)
		e = find_export(l, "authex_module_handle", &l->mod.handle);
	l->mod.span = l->span;
	return e;
}

/* ------------------------------------------------- copy and relocate */

static enum axl_error copy_segments(struct ld *l)
{
	for (size_t i = 0; i < l->n_load; i++) {
		const struct seg *s = &l->load[i];

		for (size_t j = 0; j < s->filesz; j++)
			l->slot[s->vaddr + j] = l->img[s->off + j];
	}
	return AXL_OK;
}

static enum axl_error import(const struct ld *l, const struct sym *s,
	uint32_t *addr)
{
	for (size_t k = 0; k < l->n_imp; k++) {
		if (l->imp[k].name != NULL && name_is(l, s, l->imp[k].name)) {
			*addr = l->imp[k].addr;
			return AXL_OK;
		}
	}
	*addr = 0;
	return s->info >> 4 == STB_WEAK ? AXL_OK : AXL_E_UNDEFINED;
}

/* S of the ARM ELF relocation formulas for symbol i. */
static enum axl_error resolve(const struct ld *l, uint32_t i, uint32_t *addr)
{
	struct sym s;
	enum axl_error e = get_sym(l, i, &s);

	if (e != AXL_OK)
		return e;
	if (s.shndx == SHN_UNDEF)
		return import(l, &s, addr);
	if (s.value >= l->span)
		return AXL_E_SYMBOL;
	*addr = l->addr + s.value;
	return AXL_OK;
}

static enum axl_error relocate_one(struct ld *l, uint32_t where, uint32_t info)
{
	uint32_t type = info & 0xff, sym = info >> 8, s = 0, word;
	enum axl_error e = AXL_OK;

	if (where % 4 != 0 || !in_segment(l, where, 4, 0))
		return AXL_E_RELOC;
	word = le32(l->slot + where);
	switch (type) {
	case R_ARM_RELATIVE:
		if (sym != 0)
			return AXL_E_RELOC;
		word += l->addr;
		break;
	case R_ARM_ABS32:
		e = resolve(l, sym, &s);
		word += s;
		break;
	case R_ARM_GLOB_DAT:
	case R_ARM_JUMP_SLOT:
		e = resolve(l, sym, &s);
		word = s;
		break;
	default:
		return AXL_E_RELOC;
	}
	if (e == AXL_OK)
		put32(l->slot + where, word);
	return e;
}

/* Apply the REL table at dynamic tag `tag` of size_tag bytes, if any. */
static enum axl_error relocate(struct ld *l, unsigned tag, unsigned size_tag)
{
	uint32_t size;
	size_t off;

	if (!has(l, tag))
		return AXL_OK;
	size = l->dt[size_tag]; /* present: check_tags */
	if (size % REL_SIZE != 0 || !file_at(l, l->dt[tag], size, &off))
		return AXL_E_RELOC;
	for (size_t i = 0; i < size; i += REL_SIZE) {
		enum axl_error e = relocate_one(l, le32(l->img + off + i),
			le32(l->img + off + i + 4));

		if (e != AXL_OK)
			return e;
	}
	return AXL_OK;
}

static enum axl_error relocate_rel(struct ld *l)
{
	return relocate(l, DT_REL, DT_RELSZ);
}

static enum axl_error relocate_plt(struct ld *l)
{
	return relocate(l, DT_JMPREL, DT_PLTRELSZ);
}

/* ------------------------------------------------------------ entry */

/* In order; the first error ends the load. Only copy_segments and the
 * relocations write to the slot. */
static enum axl_error (*const steps[])(struct ld *) = {
	check_slot, check_header, read_phdrs, check_segments, read_dynamic,
	read_symbols, find_exports, copy_segments, relocate_rel, relocate_plt,
};

enum axl_error axl_load(const uint8_t *img, size_t len, uint8_t *slot,
	size_t slot_cap, uint32_t slot_addr, const struct axl_import *imports,
	size_t n_imports, struct axl_module *out)
{
	static const struct axl_module none;
	struct ld l; /* not zeroed whole: each step sets what later ones read */
	enum axl_error e = AXL_OK;

	l.img = img;
	l.len = img != NULL ? len : 0;
	l.slot = slot;
	l.cap = slot != NULL ? slot_cap : 0;
	l.addr = slot_addr;
	l.imp = imports;
	l.n_imp = imports != NULL ? n_imports : 0;
	l.n_load = 0;
	l.seen = 0;
	l.mod = none;
	zero(l.slot, l.cap);
	for (size_t i = 0; e == AXL_OK && i < sizeof steps / sizeof *steps; i++)
		e = steps[i](&l);
	if (e != AXL_OK) {
		zero(l.slot, l.cap);
		l.mod = none;
	}
	*out = l.mod;
	return e;
}

const char *axl_strerror(enum axl_error e)
{
	static const char *const msg[AXL_E_COUNT] = {
		[AXL_OK] = "module image loaded",
		[AXL_E_HEADER] = "not an ELF32 little-endian ARM shared object",
		[AXL_E_PHDR] = "program headers out of the file or malformed",
		[AXL_E_SEGMENT] =
			"segment outside the file or 32 bits, or overlapping",
		[AXL_E_TOO_BIG] = "image does not fit the module slot",
		[AXL_E_DYNAMIC] =
			"dynamic section missing, malformed or refused",
		[AXL_E_SYMBOL] = "symbol table or name out of bounds",
		[AXL_E_UNDEFINED] = "undefined symbol that is not an import",
		[AXL_E_RELOC] = "relocation refused or out of bounds",
		[AXL_E_EXPORT] = "module ABI function missing or misplaced",
	};

	return (unsigned)e < AXL_E_COUNT ? msg[e] : "unknown loader error";
}
