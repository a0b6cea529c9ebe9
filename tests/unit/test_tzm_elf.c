/*
 * test_tzm_elf.c - the tzm module loader (src/platform/tzm/secure/axl_elf.c)
 * on real module images and under attack: every truncation, every field
 * the contract in axl_elf.h names, patched one at a time, and a bit-flip
 * sweep over whole images.
 *
 * The loader is firmware code that the host build does not compile, so
 * its source is included below (as the fuzz harness does). Each load
 * reads an exact-size heap copy of the image and writes an exact-size
 * heap slot, so AddressSanitizer (-DAX_SANITIZE=ON) catches a byte read
 * or written out of either. Every refusal must leave the slot and *out
 * all zero (try_load() checks it on every call).
 *
 * Inputs: tests/data/tzm/thermo_sensor.so and thermo_controller.so, the
 * thermo example's modules built once with src/platform/tzm/module.flags
 * (arm-none-eabi-gcc 12.2):
 *   S=<repo>; CF=$(sed -n 's/^CFLAGS //p' $S/src/platform/tzm/module.flags)
 *   LF=$(sed -n 's/^LDFLAGS //p' $S/src/platform/tzm/module.flags)
 *   arm-none-eabi-gcc $CF -Wall -Wextra -Werror -I$S/include \
 *     -I$S/src/runtime -I$S/src/crypto $LF -o thermo_sensor.so \
 *     $S/examples/thermo/modules/sensor.c $S/src/runtime/ *.c
 * (read "runtime/ *.c" without the space, which only keeps this comment
 * open; controller.c likewise). They are fixed test inputs, not rebuilt
 * with the runtime: the loader only sees their ELF structure. Each has a R E and a RW PT_LOAD (with bss), PT_DYNAMIC,
 * PT_GNU_STACK, R_ARM_RELATIVE in .rel.dyn and six R_ARM_JUMP_SLOT in
 * .rel.plt (ax_hkdf_sha256, ax_aead_seal, ax_aead_key_len, ax_aead_open,
 * ax_hmac_sha256, ax_wipe). The expected slot contents are computed here
 * by a separate small reader (struct layout), not by the loader's code.
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

#include "ax_bytes_le.h"
#include "ax_test_file.h"

#include "../../src/platform/tzm/secure/axl_elf.c"

#define SLOT_ADDR 0x38020000u
#define SLOT_CAP 0x3000u

/* What node.c offers, at made-up Thumb addresses. */
static const struct axl_import imports[] = {
	{ "ax_aead_key_len", 0x10000101 }, { "ax_aead_open", 0x10000201 },
	{ "ax_aead_seal", 0x10000301 }, { "ax_hkdf_sha256", 0x10000401 },
	{ "ax_hmac_sha256", 0x10000501 }, { "ax_sha256", 0x10000601 },
	{ "ax_wipe", 0x10000701 }, { "memcmp", 0x10000801 },
	{ "memcpy", 0x10000901 }, { "memmove", 0x10000a01 },
	{ "memset", 0x10000b01 },
};
#define N_IMPORTS (sizeof imports / sizeof *imports)

static const char *const images[] = {
	"thermo_sensor.so", "thermo_controller.so",
};

/* ------------------------------------------------------------ helpers */

static struct file read_image(const char *name)
{
	return ax_test_file_read(AX_SOURCE_DIR "/tests/data/tzm", name);
}

static struct file dup_file(const struct file *f)
{
	struct file c = { malloc(f->len), f->len };

	assert_non_null(c.b);
	memcpy(c.b, f->b, f->len);
	return c;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static uint32_t import_addr(const char *name)
{
	for (size_t i = 0; i < N_IMPORTS; i++)
		if (strcmp(imports[i].name, name) == 0)
			return imports[i].addr;
	fail_msg("no import %s", name);
	return 0;
}

/* What an accepted load promises about *m and the slot. */
static void check_accepted(const struct axl_module *m, const uint8_t *slot,
	size_t cap, uint32_t addr)
{
	const uint32_t fn[3] = { m->abi, m->init, m->handle };

	assert_true(m->span > 0 && m->span <= cap);
	for (int i = 0; i < 3; i++) {
		assert_true(fn[i] & 1);
		assert_true(fn[i] > addr &&
			fn[i] < (uint64_t)addr + m->span);
	}
	assert_true(all_zero(slot + m->span, cap - m->span));
}

/* One axl_load into a slot prefilled with garbage; every refusal must
 * zero the slot and *m. */
static enum axl_error try_load_at(const uint8_t *img, size_t len,
	uint8_t *slot, size_t cap, uint32_t addr,
	const struct axl_import *imp, size_t n_imp, struct axl_module *m)
{
	enum axl_error e;

	if (slot != NULL)
		memset(slot, 0xa5, cap);
	memset(m, 0xa5, sizeof *m);
	e = axl_load(img, len, slot, cap, addr, imp, n_imp, m);
	assert_true((unsigned)e < AXL_E_COUNT);
	if (e != AXL_OK) {
		if (slot != NULL)
			assert_true(all_zero(slot, cap));
		assert_true(all_zero(m, sizeof *m));
	} else {
		check_accepted(m, slot, cap, addr);
	}
	return e;
}

/* A load with the standard slot and imports, into a fresh exact-size
 * slot; *slot_out (if not NULL) receives it, else it is freed. */
static enum axl_error try_load(const struct file *f, struct axl_module *m,
	uint8_t **slot_out)
{
	uint8_t *slot = malloc(SLOT_CAP);
	enum axl_error e;

	assert_non_null(slot);
	e = try_load_at(f->b, f->len, slot, SLOT_CAP, SLOT_ADDR, imports,
		N_IMPORTS, m);
	if (slot_out != NULL)
		*slot_out = slot;
	else
		free(slot);
	return e;
}

/* --------------------------------------- an independent image reader */

enum { PH_TEXT, PH_DATA, PH_DYN, PH_STACK, PH_COUNT };

/* Where the fields of one of the checked-in images are. */
struct layout {
	size_t ph[PH_COUNT];    /* file offsets of the program headers */
	uint32_t off[2], vaddr[2], filesz[2], memsz[2]; /* PT_LOADs */
	size_t file_end;        /* end of the last PT_LOAD's file part */
	uint32_t span;
	size_t dyn;             /* file offset of the dynamic array */
	size_t symtab, strtab, rel, jmprel; /* file offsets */
	uint32_t nsym, strsz, nrel, njmprel;
};

static size_t to_file(const struct layout *L, uint32_t va)
{
	for (int i = 0; i < 2; i++)
		if (va >= L->vaddr[i] && va - L->vaddr[i] < L->filesz[i])
			return L->off[i] + (va - L->vaddr[i]);
	fail_msg("target offset 0x%x not in the file", va);
	return 0;
}

static uint8_t *dyn_entry(const struct file *f, const struct layout *L,
	uint32_t tag)
{
	for (size_t p = L->dyn; p + 8 <= f->len; p += 8) {
		if (ax_load_le32(f->b + p) == tag)
			return f->b + p;
		if (ax_load_le32(f->b + p) == DT_NULL)
			break;
	}
	fail_msg("no dynamic tag %u", tag);
	return NULL;
}

static uint32_t dyn_val(const struct file *f, const struct layout *L,
	uint32_t tag)
{
	return ax_load_le32(dyn_entry(f, L, tag) + 4);
}

static void layout_phdrs(const struct file *f, struct layout *L)
{
	uint32_t phoff = ax_load_le32(f->b + 28);
	int n_load = 0;

	assert_int_equal(ax_load_le16(f->b + 44), PH_COUNT);
	for (size_t i = 0; i < PH_COUNT; i++) {
		size_t p = phoff + 32 * i;
		uint32_t type = ax_load_le32(f->b + p);

		if (type == PT_LOAD) {
			L->ph[n_load] = p;
			L->off[n_load] = ax_load_le32(f->b + p + 4);
			L->vaddr[n_load] = ax_load_le32(f->b + p + 8);
			L->filesz[n_load] = ax_load_le32(f->b + p + 16);
			L->memsz[n_load++] = ax_load_le32(f->b + p + 20);
		} else if (type == PT_DYNAMIC) {
			L->ph[PH_DYN] = p;
		} else {
			assert_int_equal(type, 0x6474e551); /* PT_GNU_STACK */
			L->ph[PH_STACK] = p;
		}
	}
	assert_int_equal(n_load, 2);
}

static struct layout inspect(const struct file *f)
{
	struct layout L;

	memset(&L, 0, sizeof L);
	layout_phdrs(f, &L);
	L.file_end = L.off[1] + L.filesz[1];
	L.span = L.vaddr[1] + L.memsz[1];
	assert_true(L.vaddr[0] + L.memsz[0] <= L.vaddr[1]);
	L.dyn = to_file(&L, ax_load_le32(f->b + L.ph[PH_DYN] + 8));
	L.symtab = to_file(&L, dyn_val(f, &L, DT_SYMTAB));
	L.strtab = to_file(&L, dyn_val(f, &L, DT_STRTAB));
	L.strsz = dyn_val(f, &L, DT_STRSZ);
	L.nsym = ax_load_le32(f->b + to_file(&L, dyn_val(f, &L, DT_HASH)) + 4);
	L.rel = to_file(&L, dyn_val(f, &L, DT_REL));
	L.nrel = dyn_val(f, &L, DT_RELSZ) / 8;
	L.jmprel = to_file(&L, dyn_val(f, &L, DT_JMPREL));
	L.njmprel = dyn_val(f, &L, DT_PLTRELSZ) / 8;
	assert_true(L.file_end <= f->len && L.span <= SLOT_CAP);
	return L;
}

static const char *sym_name(const struct file *f, const struct layout *L,
	uint32_t i)
{
	return (const char *)f->b + L->strtab +
		ax_load_le32(f->b + L->symtab + 16 * i);
}

static uint32_t sym_index(const struct file *f, const struct layout *L,
	const char *name)
{
	for (uint32_t i = 1; i < L->nsym; i++)
		if (strcmp(sym_name(f, L, i), name) == 0)
			return i;
	fail_msg("no symbol %s", name);
	return 0;
}

static uint8_t *sym(const struct file *f, const struct layout *L,
	const char *name)
{
	return f->b + L->symtab + 16 * sym_index(f, L, name);
}

/* The .rel.plt entry for symbol name. */
static uint8_t *plt_rel(const struct file *f, const struct layout *L,
	const char *name)
{
	uint32_t idx = sym_index(f, L, name);

	for (uint32_t i = 0; i < L->njmprel; i++) {
		uint8_t *r = f->b + L->jmprel + 8 * i;

		if (ax_load_le32(r + 4) >> 8 == idx)
			return r;
	}
	fail_msg("no .rel.plt entry for %s", name);
	return NULL;
}

/* The slot a correct loader produces, computed from the layout. */
static void expected_slot(const struct file *f, const struct layout *L,
	uint32_t addr, uint8_t *want)
{
	memset(want, 0, SLOT_CAP);
	for (int i = 0; i < 2; i++)
		memcpy(want + L->vaddr[i], f->b + L->off[i], L->filesz[i]);
	for (uint32_t i = 0; i < L->nrel; i++) {
		const uint8_t *r = f->b + L->rel + 8 * i;
		uint32_t at = ax_load_le32(r);

		assert_int_equal(ax_load_le32(r + 4), R_ARM_RELATIVE);
		ax_store_le32(want + at, ax_load_le32(want + at) + addr);
	}
	for (uint32_t i = 0; i < L->njmprel; i++) {
		const uint8_t *r = f->b + L->jmprel + 8 * i;
		uint32_t info = ax_load_le32(r + 4);

		assert_int_equal(info & 0xff, R_ARM_JUMP_SLOT);
		ax_store_le32(want + ax_load_le32(r),
			import_addr(sym_name(f, L, info >> 8)));
	}
}

/* ------------------------------------------------------- real images */

static void check_real(const char *name, uint32_t addr)
{
	struct file f = read_image(name), keep = dup_file(&f);
	struct layout L = inspect(&f);
	uint8_t *slot = malloc(SLOT_CAP), *want = malloc(SLOT_CAP);
	struct axl_module m;

	assert_non_null(slot);
	assert_non_null(want);
	assert_int_equal(try_load_at(f.b, f.len, slot, SLOT_CAP, addr,
		imports, N_IMPORTS, &m), AXL_OK);
	assert_int_equal(m.span, L.span);
	assert_int_equal(m.abi, addr + ax_load_le32(
		sym(&f, &L, "authex_module_abi") + 4));
	assert_int_equal(m.init, addr + ax_load_le32(
		sym(&f, &L, "authex_module_init") + 4));
	assert_int_equal(m.handle, addr + ax_load_le32(
		sym(&f, &L, "authex_module_handle") + 4));
	/* The first RELATIVE word, and every JUMP_SLOT word, spelled out. */
	{
		uint32_t at = ax_load_le32(f.b + L.rel);

		assert_int_equal(ax_load_le32(slot + at),
			addr + ax_load_le32(f.b + to_file(&L, at)));
	}
	for (uint32_t i = 0; i < L.njmprel; i++) {
		const uint8_t *r = f.b + L.jmprel + 8 * i;
		const char *imp = sym_name(&f, &L, ax_load_le32(r + 4) >> 8);

		assert_int_equal(ax_load_le32(slot + ax_load_le32(r)),
			import_addr(imp));
	}
	expected_slot(&f, &L, addr, want);
	assert_memory_equal(slot, want, SLOT_CAP);
	assert_memory_equal(f.b, keep.b, f.len); /* the image is read only */
	free(want);
	free(slot);
	free(keep.b);
	free(f.b);
}

static void test_real_images(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		check_real(images[i], SLOT_ADDR);
		check_real(images[i], 0);
		check_real(images[i], 0x10000000);
	}
}

/* The sensor's exports as arm-none-eabi-readelf --dyn-syms lists them:
 * a cross-check of the test's own reader. */
static void test_sensor_exports(void **state)
{
	struct file f = read_image("thermo_sensor.so");
	struct axl_module m;

	(void)state;
	assert_int_equal(try_load(&f, &m, NULL), AXL_OK);
	assert_int_equal(m.abi, SLOT_ADDR + 0xa55);
	assert_int_equal(m.init, SLOT_ADDR + 0xa59);
	assert_int_equal(m.handle, SLOT_ADDR + 0xaa5);
	assert_int_equal(m.span, 0x1fd0);
	free(f.b);
}

/* Slot size and address rules, on a real image. */
static void test_slot_bounds(void **state)
{
	struct file f = read_image("thermo_sensor.so");
	struct layout L = inspect(&f);
	uint8_t *slot = malloc(SLOT_CAP);
	struct axl_module m;
	const uint32_t top = (uint32_t)(0x100000000ull - L.span);

	(void)state;
	assert_non_null(slot);
#define LOAD(cap, addr) try_load_at(f.b, f.len, slot, (cap), (addr), \
	imports, N_IMPORTS, &m)
	assert_int_equal(LOAD(L.span, SLOT_ADDR), AXL_OK);
	assert_int_equal(m.span, L.span);
	assert_int_equal(LOAD(L.span - 1, SLOT_ADDR), AXL_E_TOO_BIG);
	assert_int_equal(LOAD(0, SLOT_ADDR), AXL_E_TOO_BIG);
	assert_int_equal(LOAD(SLOT_CAP, SLOT_ADDR + 2), AXL_E_TOO_BIG);
	assert_int_equal(LOAD(L.span, top), AXL_OK);  /* ends at 2^32 */
	assert_int_equal(LOAD(L.span, top + 4), AXL_E_TOO_BIG);
	assert_int_equal(LOAD(SLOT_CAP, 0xfffffffc), AXL_E_TOO_BIG);
#undef LOAD
	assert_int_equal(try_load_at(f.b, f.len, NULL, SLOT_CAP, SLOT_ADDR,
		imports, N_IMPORTS, &m), AXL_E_TOO_BIG);
	assert_int_equal(try_load_at(NULL, f.len, slot, SLOT_CAP, SLOT_ADDR,
		imports, N_IMPORTS, &m), AXL_E_HEADER);
	free(slot);
	free(f.b);
}

/* Every prefix, read from the end of an exact-size block: below the
 * ELF header HEADER, below the program headers PHDR, below the end of
 * the last segment's file part SEGMENT; from there on (only section
 * headers and non-alloc sections are cut) the same load as the whole. */
static void truncate_all(const char *name)
{
	struct file f = read_image(name);
	struct layout L = inspect(&f);
	uint8_t *tail = malloc(f.len), *slot = malloc(SLOT_CAP);
	uint8_t *want = malloc(SLOT_CAP);
	size_t ph_end = 52 + 32 * PH_COUNT;
	struct axl_module m;

	assert_true(tail && slot && want);
	expected_slot(&f, &L, SLOT_ADDR, want);
	for (size_t n = 0; n <= f.len; n++) {
		enum axl_error e;

		memcpy(tail + f.len - n, f.b, n);
		e = try_load_at(tail + f.len - n, n, slot, SLOT_CAP,
			SLOT_ADDR, imports, N_IMPORTS, &m);
		assert_int_equal(e, n < 52 ? AXL_E_HEADER :
			n < ph_end ? AXL_E_PHDR :
			n < L.file_end ? AXL_E_SEGMENT : AXL_OK);
		if (e == AXL_OK)
			assert_memory_equal(slot, want, SLOT_CAP);
	}
	free(want);
	free(slot);
	free(tail);
	free(f.b);
}

static void test_truncation(void **state)
{
	(void)state;
	truncate_all(images[0]);
	truncate_all(images[1]);
}

/* ------------------------------------------------- patched images */

typedef void (*patch_fn)(struct file *f, const struct layout *L);

struct attack {
	const char *what;
	patch_fn patch;
	enum axl_error want;
};

/* Apply each attack to a fresh copy of each image. */
static void run_attacks(const struct attack *a, size_t n)
{
	for (size_t k = 0; k < 2; k++) {
		struct file base = read_image(images[k]);
		struct layout L = inspect(&base);

		for (size_t i = 0; i < n; i++) {
			struct file f = dup_file(&base);
			struct axl_module m;
			enum axl_error e;

			a[i].patch(&f, &L);
			e = try_load(&f, &m, NULL);
			if (e != a[i].want)
				fail_msg("%s, %s: got %d (%s), want %d",
					images[k], a[i].what, e,
					axl_strerror(e), a[i].want);
			free(f.b);
		}
		free(base.b);
	}
}

static uint8_t *ph(const struct file *f, const struct layout *L, int which,
	size_t field)
{
	return f->b + L->ph[which] + field;
}

/* Add delta to the 32-bit field at p. */
static void add32(uint8_t *p, uint32_t delta)
{
	ax_store_le32(p, ax_load_le32(p) + delta);
}

/* ELF header */
static void bad_magic(struct file *f, const struct layout *L)
{ (void)L; f->b[1] = 'e'; }
static void bad_class(struct file *f, const struct layout *L)
{ (void)L; f->b[4] = 2; }
static void bad_data(struct file *f, const struct layout *L)
{ (void)L; f->b[5] = 2; }
static void bad_ident_version(struct file *f, const struct layout *L)
{ (void)L; f->b[6] = 0; }
static void type_exec(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 16, 2); }
static void type_rel(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 16, 1); }
static void machine_x86(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 18, 3); }
static void machine_aarch64(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 18, 183); }
static void bad_version(struct file *f, const struct layout *L)
{ (void)L; ax_store_le32(f->b + 20, 2); }
static void osabi_set(struct file *f, const struct layout *L)
{ (void)L; f->b[7] = 0x61; f->b[15] = 0xff; } /* ignored */
static void no_sections(struct file *f, const struct layout *L)
{ (void)L; memset(f->b + 32, 0xff, 4); memset(f->b + 46, 0xff, 6); }

static void test_header(void **state)
{
	static const struct attack a[] = {
		{ "bad magic", bad_magic, AXL_E_HEADER },
		{ "ELFCLASS64", bad_class, AXL_E_HEADER },
		{ "big-endian", bad_data, AXL_E_HEADER },
		{ "e_ident version 0", bad_ident_version, AXL_E_HEADER },
		{ "ET_EXEC", type_exec, AXL_E_HEADER },
		{ "ET_REL", type_rel, AXL_E_HEADER },
		{ "EM_386", machine_x86, AXL_E_HEADER },
		{ "EM_AARCH64", machine_aarch64, AXL_E_HEADER },
		{ "e_version 2", bad_version, AXL_E_HEADER },
		{ "OSABI and padding are ignored", osabi_set, AXL_OK },
		{ "section headers are ignored", no_sections, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* Program headers */
static void phentsize_40(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 42, 40); }
static void phoff_past_end(struct file *f, const struct layout *L)
{ (void)L; ax_store_le32(f->b + 28, (uint32_t)f->len - 100); }
static void phoff_wraps(struct file *f, const struct layout *L)
{ (void)L; ax_store_le32(f->b + 28, 0xfffffff0); }
static void phnum_max(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 44, 0xffff); }
static void phnum_0(struct file *f, const struct layout *L)
{ (void)L; ax_store_le16(f->b + 44, 0); }
static void interp(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_STACK, 0), PT_INTERP); }
static void tls(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_STACK, 0), PT_TLS); }
static void two_dynamic(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_STACK, 0), PT_DYNAMIC); }
static void no_dynamic(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DYN, 0), 0); }
static void no_load(struct file *f, const struct layout *L)
{
	ax_store_le32(ph(f, L, PH_TEXT, 0), 4); /* PT_NOTE */
	ax_store_le32(ph(f, L, PH_DATA, 0), 0x70000001); /* PT_ARM_EXIDX */
}
static void stack_note(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_STACK, 0), 4); } /* ignored */

static void test_program_headers(void **state)
{
	static const struct attack a[] = {
		{ "e_phentsize 40", phentsize_40, AXL_E_PHDR },
		{ "table past the end", phoff_past_end, AXL_E_PHDR },
		{ "e_phoff wraps", phoff_wraps, AXL_E_PHDR },
		{ "e_phnum 65535", phnum_max, AXL_E_PHDR },
		{ "e_phnum 0", phnum_0, AXL_E_PHDR },
		{ "PT_INTERP", interp, AXL_E_PHDR },
		{ "PT_TLS", tls, AXL_E_PHDR },
		{ "two PT_DYNAMIC", two_dynamic, AXL_E_PHDR },
		{ "no PT_DYNAMIC", no_dynamic, AXL_E_PHDR },
		{ "no PT_LOAD", no_load, AXL_E_PHDR },
		{ "PT_NOTE is ignored", stack_note, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* Segments */
static void offset_past_end(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 4), (uint32_t)f->len - 4); }
static void offset_wraps(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 4), 0xffffff00); }
static void filesz_past_end(struct file *f, const struct layout *L)
{
	ax_store_le32(ph(f, L, PH_DATA, 16), (uint32_t)f->len);
	ax_store_le32(ph(f, L, PH_DATA, 20), 0x100000);
}
static void filesz_over_memsz(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 20), L->filesz[1] - 4); }
static void overlap_inside(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 8), L->vaddr[0] + 0x10); }
static void overlap_one_byte(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_TEXT, 20), L->vaddr[1] - L->vaddr[0] + 1); }
static void vaddr_wraps(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 8), 0xfffff000); }
static void memsz_wraps(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 20), 0xffffffff); }
static void memsz_to_2_32(struct file *f, const struct layout *L)
{
	ax_store_le32(ph(f, L, PH_DATA, 20),
		(uint32_t)(0x100000000ull - L->vaddr[1]));
}
static void memsz_past_slot(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 20), SLOT_CAP - L->vaddr[1] + 1); }
static void memsz_fills_slot(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 20), SLOT_CAP - L->vaddr[1]); }
static void vaddr_past_slot(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 8), SLOT_CAP); }

static void test_segments(void **state)
{
	static const struct attack a[] = {
		{ "p_offset past the end", offset_past_end, AXL_E_SEGMENT },
		{ "p_offset + p_filesz wraps", offset_wraps, AXL_E_SEGMENT },
		{ "p_filesz past the end", filesz_past_end, AXL_E_SEGMENT },
		{ "p_filesz > p_memsz", filesz_over_memsz, AXL_E_SEGMENT },
		{ "data inside text", overlap_inside, AXL_E_SEGMENT },
		{ "text overlaps data by 1", overlap_one_byte, AXL_E_SEGMENT },
		{ "p_vaddr + p_memsz wraps", vaddr_wraps, AXL_E_SEGMENT },
		{ "p_memsz 0xffffffff", memsz_wraps, AXL_E_SEGMENT },
		{ "segment ends at 2^32", memsz_to_2_32, AXL_E_SEGMENT },
		{ "segment 1 byte past the slot", memsz_past_slot,
			AXL_E_TOO_BIG },
		{ "segment fills the slot", memsz_fills_slot, AXL_OK },
		{ "segment starts past the slot", vaddr_past_slot,
			AXL_E_TOO_BIG },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* AXL_MAX_LOAD PT_LOADs are accepted, one more refused: a copy of the
 * image with a program header table appended that adds empty PT_LOADs
 * at the end of the span. */
static void test_load_count(void **state)
{
	struct file base = read_image("thermo_sensor.so");
	struct layout L = inspect(&base);

	(void)state;
	for (int extra = 1; extra <= AXL_MAX_LOAD - 1; extra++) {
		size_t n = PH_COUNT + (size_t)extra;
		struct file f = { malloc(base.len + 32 * n),
			base.len + 32 * n };
		struct axl_module m;

		assert_non_null(f.b);
		memcpy(f.b, base.b, base.len);
		memcpy(f.b + base.len, base.b + 52, 32 * PH_COUNT);
		for (int i = 0; i < extra; i++) {
			uint8_t *p = f.b + base.len + 32 * (PH_COUNT + i);

			memset(p, 0, 32);
			ax_store_le32(p, PT_LOAD);
			ax_store_le32(p + 8, L.span);
		}
		ax_store_le32(f.b + 28, (uint32_t)base.len);
		ax_store_le16(f.b + 44, (uint16_t)n);
		assert_int_equal(try_load(&f, &m, NULL),
			2 + extra <= AXL_MAX_LOAD ? AXL_OK : AXL_E_PHDR);
		free(f.b);
	}
	free(base.b);
}

/* Dynamic section: a tag is set by turning an ignored entry
 * (DT_FLAGS_1) into it, a tag removed by turning it into DT_DEBUG,
 * which the loader records but does not use. */
#define DT_DEBUG 21
#define DT_FLAGS_1 0x6ffffffb

static uint32_t refused_tag;

static void set_refused(struct file *f, const struct layout *L)
{
	uint8_t *d = dyn_entry(f, L, DT_FLAGS_1);

	ax_store_le32(d, refused_tag);
	ax_store_le32(d + 4, 0x100);
}

static void test_refused_tags(void **state)
{
	static const uint32_t tags[] = { DT_NEEDED, DT_RELA, DT_RELASZ,
		DT_RELAENT, DT_INIT, DT_FINI, DT_TEXTREL, DT_INIT_ARRAY,
		DT_FINI_ARRAY, DT_PREINIT_ARRAY };
	const struct attack a[] = { { "refused tag", set_refused,
		AXL_E_DYNAMIC } };

	(void)state;
	for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
		refused_tag = tags[i];
		run_attacks(a, 1);
	}
	refused_tag = DT_DEBUG;
	run_attacks((const struct attack[]){ { "DT_DEBUG", set_refused,
		AXL_OK } }, 1);
	refused_tag = 14; /* DT_SONAME */
	run_attacks((const struct attack[]){ { "DT_SONAME", set_refused,
		AXL_OK } }, 1);
}

static void drop(struct file *f, const struct layout *L, uint32_t tag)
{ ax_store_le32(dyn_entry(f, L, tag), DT_DEBUG); }
static void no_hash(struct file *f, const struct layout *L)
{ drop(f, L, DT_HASH); }
static void no_strtab(struct file *f, const struct layout *L)
{ drop(f, L, DT_STRTAB); }
static void no_symtab(struct file *f, const struct layout *L)
{ drop(f, L, DT_SYMTAB); }
static void no_strsz(struct file *f, const struct layout *L)
{ drop(f, L, DT_STRSZ); }
static void no_relsz(struct file *f, const struct layout *L)
{ drop(f, L, DT_RELSZ); }
static void no_relent(struct file *f, const struct layout *L)
{ drop(f, L, DT_RELENT); }
static void no_rel(struct file *f, const struct layout *L)
{ drop(f, L, DT_REL); }
static void no_pltrel(struct file *f, const struct layout *L)
{ drop(f, L, DT_PLTREL); }
static void no_pltrelsz(struct file *f, const struct layout *L)
{ drop(f, L, DT_PLTRELSZ); }
static void no_syment(struct file *f, const struct layout *L)
{ drop(f, L, DT_SYMENT); }
static void syment_20(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_SYMENT) + 4, 20); }
static void relent_12(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_RELENT) + 4, 12); }
static void pltrel_rela(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_PLTREL) + 4, DT_RELA); }
static void no_dt_null(struct file *f, const struct layout *L)
{
	uint32_t n = (uint32_t)(dyn_entry(f, L, DT_NULL) - (f->b + L->dyn));

	ax_store_le32(ph(f, L, PH_DYN, 16), n);
}
static void dynamic_in_bss(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DYN, 8), L->vaddr[1] + L->filesz[1]); }
static void dynamic_straddles(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DYN, 8), L->vaddr[1] + L->filesz[1] - 8); }
static void dynamic_nowhere(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DYN, 8), 0xfffffff8); }

static void test_dynamic(void **state)
{
	static const struct attack a[] = {
		{ "no DT_HASH", no_hash, AXL_E_DYNAMIC },
		{ "no DT_STRTAB", no_strtab, AXL_E_DYNAMIC },
		{ "no DT_SYMTAB", no_symtab, AXL_E_DYNAMIC },
		{ "no DT_STRSZ", no_strsz, AXL_E_DYNAMIC },
		{ "DT_REL without DT_RELSZ", no_relsz, AXL_E_DYNAMIC },
		{ "DT_REL without DT_RELENT", no_relent, AXL_E_DYNAMIC },
		{ "DT_RELSZ without DT_REL", no_rel, AXL_E_DYNAMIC },
		{ "DT_JMPREL without DT_PLTREL", no_pltrel, AXL_E_DYNAMIC },
		{ "DT_JMPREL without DT_PLTRELSZ", no_pltrelsz,
			AXL_E_DYNAMIC },
		{ "DT_SYMENT 20", syment_20, AXL_E_DYNAMIC },
		{ "DT_RELENT 12", relent_12, AXL_E_DYNAMIC },
		{ "DT_PLTREL DT_RELA", pltrel_rela, AXL_E_DYNAMIC },
		{ "no DT_NULL", no_dt_null, AXL_E_DYNAMIC },
		{ "dynamic in bss", dynamic_in_bss, AXL_E_DYNAMIC },
		{ "dynamic past the file part", dynamic_straddles,
			AXL_E_DYNAMIC },
		{ "dynamic nowhere", dynamic_nowhere, AXL_E_DYNAMIC },
		{ "DT_SYMENT is optional", no_syment, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* Symbols */
static void hash_nowhere(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_HASH) + 4, 0xfffffffc); }
static void nchain_huge(struct file *f, const struct layout *L)
{ ax_store_le32(f->b + to_file(L, dyn_val(f, L, DT_HASH)) + 4, 0x10000000); }
static void nchain_short(struct file *f, const struct layout *L)
{
	ax_store_le32(f->b + to_file(L, dyn_val(f, L, DT_HASH)) + 4,
		sym_index(f, L, "ax_wipe"));
}
static void symtab_past_text(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_SYMTAB) + 4, L->filesz[0] - 16); }
static void strtab_past_text(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_STRTAB) + 4, L->filesz[0] - 16); }
static void strsz_cuts_nul(struct file *f, const struct layout *L)
{ add32(dyn_entry(f, L, DT_STRSZ) + 4, (uint32_t)-1); }
static void strsz_0(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_STRSZ) + 4, 0); }
static void strsz_huge(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_STRSZ) + 4, 0xfffffff0); }
static void name_at_strsz(struct file *f, const struct layout *L)
{ ax_store_le32(sym(f, L, "ax_wipe"), L->strsz); }
static void name_huge(struct file *f, const struct layout *L)
{ ax_store_le32(f->b + L->symtab + 16, 0xffffffff); }
static void name_last_nul(struct file *f, const struct layout *L)
{ ax_store_le32(f->b + L->symtab + 16, L->strsz - 1); } /* "" */
static void reloc_sym_nsym(struct file *f, const struct layout *L)
{
	uint8_t *r = plt_rel(f, L, "ax_wipe");

	ax_store_le32(r + 4, L->nsym << 8 | R_ARM_JUMP_SLOT);
}
static void wipe_defined_at_span(struct file *f, const struct layout *L)
{
	uint8_t *s = sym(f, L, "ax_wipe");

	ax_store_le32(s + 4, L->span);
	ax_store_le16(s + 14, 7);
}

static void test_symbols(void **state)
{
	static const struct attack a[] = {
		{ "DT_HASH nowhere", hash_nowhere, AXL_E_SYMBOL },
		{ "nchain 2^28", nchain_huge, AXL_E_SYMBOL },
		{ "nchain below a used index", nchain_short, AXL_E_SYMBOL },
		{ "symtab past the text file part", symtab_past_text,
			AXL_E_SYMBOL },
		{ "strtab past the text file part", strtab_past_text,
			AXL_E_SYMBOL },
		{ "strtab without its last NUL", strsz_cuts_nul, AXL_E_SYMBOL },
		{ "DT_STRSZ 0", strsz_0, AXL_E_SYMBOL },
		{ "DT_STRSZ huge", strsz_huge, AXL_E_SYMBOL },
		{ "st_name == strsz (import)", name_at_strsz, AXL_E_SYMBOL },
		{ "st_name 0xffffffff", name_huge, AXL_E_SYMBOL },
		{ "reloc symbol index == nchain", reloc_sym_nsym,
			AXL_E_SYMBOL },
		{ "defined symbol at the span", wipe_defined_at_span,
			AXL_E_SYMBOL },
		{ "st_name at the last NUL", name_last_nul, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* Relocations */
static uint8_t *first_rel(const struct file *f, const struct layout *L)
{
	return f->b + L->rel;
}
static void set_first(struct file *f, const struct layout *L, uint32_t off,
	uint32_t info)
{
	ax_store_le32(first_rel(f, L), off);
	ax_store_le32(first_rel(f, L) + 4, info);
}
static void type_none(struct file *f, const struct layout *L)
{ first_rel(f, L)[4] = 0; }
static void type_rel32(struct file *f, const struct layout *L)
{ first_rel(f, L)[4] = 3; }
static void type_copy(struct file *f, const struct layout *L)
{ first_rel(f, L)[4] = 20; }
static void type_irelative(struct file *f, const struct layout *L)
{ first_rel(f, L)[4] = 160; }
static void plt_type_tls(struct file *f, const struct layout *L)
{ plt_rel(f, L, "ax_wipe")[4] = 17; } /* R_ARM_TLS_DTPMOD32 */
static void relative_with_symbol(struct file *f, const struct layout *L)
{ ax_store_le32(first_rel(f, L) + 4, 1 << 8 | R_ARM_RELATIVE); }
static void off_plus_1(struct file *f, const struct layout *L)
{ add32(first_rel(f, L), 1); }
static void off_plus_2(struct file *f, const struct layout *L)
{ add32(first_rel(f, L), 2); }
static void off_at_span(struct file *f, const struct layout *L)
{ set_first(f, L, L->span, R_ARM_RELATIVE); }
static void off_straddles_span(struct file *f, const struct layout *L)
{ set_first(f, L, L->span - 2, R_ARM_RELATIVE); }
static void off_last_word(struct file *f, const struct layout *L)
{ set_first(f, L, L->span - 4, R_ARM_RELATIVE); }
static void off_in_gap(struct file *f, const struct layout *L)
{ set_first(f, L, (L->vaddr[0] + L->memsz[0] + 3) & ~3u, R_ARM_RELATIVE); }
static void off_across_text_end(struct file *f, const struct layout *L)
{
	uint32_t end = L->vaddr[0] + L->memsz[0];

	assert_true(end % 4 != 0);
	set_first(f, L, end & ~3u, R_ARM_RELATIVE);
}
static void off_top(struct file *f, const struct layout *L)
{ set_first(f, L, 0xfffffffc, R_ARM_RELATIVE); }
static void plt_off_past_slot(struct file *f, const struct layout *L)
{ ax_store_le32(plt_rel(f, L, "ax_wipe"), SLOT_CAP); }
static void relsz_odd(struct file *f, const struct layout *L)
{ add32(dyn_entry(f, L, DT_RELSZ) + 4, 4); }
static void relsz_huge(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_RELSZ) + 4, 0x100000); }
static void rel_in_bss(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_REL) + 4, L->vaddr[1] + L->filesz[1]); }
static void jmprel_nowhere(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_JMPREL) + 4, 0xfffffff8); }
static void relsz_0(struct file *f, const struct layout *L)
{ ax_store_le32(dyn_entry(f, L, DT_RELSZ) + 4, 0); }

static void test_relocations(void **state)
{
	static const struct attack a[] = {
		{ "R_ARM_NONE", type_none, AXL_E_RELOC },
		{ "R_ARM_REL32", type_rel32, AXL_E_RELOC },
		{ "R_ARM_COPY", type_copy, AXL_E_RELOC },
		{ "R_ARM_IRELATIVE", type_irelative, AXL_E_RELOC },
		{ "R_ARM_TLS_DTPMOD32 in .rel.plt", plt_type_tls, AXL_E_RELOC },
		{ "R_ARM_RELATIVE with a symbol", relative_with_symbol,
			AXL_E_RELOC },
		{ "r_offset + 1", off_plus_1, AXL_E_RELOC },
		{ "r_offset + 2", off_plus_2, AXL_E_RELOC },
		{ "r_offset at the span", off_at_span, AXL_E_RELOC },
		{ "word across the span", off_straddles_span, AXL_E_RELOC },
		{ "r_offset between the segments", off_in_gap, AXL_E_RELOC },
		{ "word across the text end", off_across_text_end,
			AXL_E_RELOC },
		{ "r_offset 0xfffffffc", off_top, AXL_E_RELOC },
		{ "JUMP_SLOT past the slot", plt_off_past_slot, AXL_E_RELOC },
		{ "DT_RELSZ not a multiple of 8", relsz_odd, AXL_E_RELOC },
		{ "DT_RELSZ past the file", relsz_huge, AXL_E_RELOC },
		{ "DT_REL in bss", rel_in_bss, AXL_E_RELOC },
		{ "DT_JMPREL nowhere", jmprel_nowhere, AXL_E_RELOC },
		{ "last word of bss", off_last_word, AXL_OK },
		{ "empty .rel.dyn", relsz_0, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* The relocation formulas on patched real images: the .rel.plt entry of
 * ax_wipe turned into each accepted type, against an import and against
 * a symbol the image defines. */
static uint32_t load_word(struct file *f, uint32_t at)
{
	uint8_t *slot;
	struct axl_module m;
	uint32_t w;

	assert_int_equal(try_load(f, &m, &slot), AXL_OK);
	w = ax_load_le32(slot + at);
	free(slot);
	return w;
}

static void test_relocation_types(void **state)
{
	struct file base = read_image("thermo_sensor.so");
	struct layout L = inspect(&base);
	const uint32_t wipe = import_addr("ax_wipe");
	uint32_t at, orig, init, init_idx;

	(void)state;
	at = ax_load_le32(plt_rel(&base, &L, "ax_wipe"));
	orig = ax_load_le32(base.b + to_file(&L, at));
	init = ax_load_le32(sym(&base, &L, "authex_module_init") + 4);
	init_idx = sym_index(&base, &L, "authex_module_init");
	for (int k = 0; k < 5; k++) {
		struct file f = dup_file(&base);
		uint8_t *r = plt_rel(&f, &L, "ax_wipe");
		uint32_t want;

		if (k == 0) {
			r[4] = R_ARM_GLOB_DAT;
			want = wipe;
		} else if (k == 1) {
			r[4] = R_ARM_ABS32;
			want = orig + wipe;
		} else if (k == 2) {
			ax_store_le32(r + 4, init_idx << 8 | R_ARM_ABS32);
			want = orig + SLOT_ADDR + init;
		} else if (k == 3) {
			ax_store_le32(r + 4, init_idx << 8 | R_ARM_JUMP_SLOT);
			want = SLOT_ADDR + init;
		} else {
			ax_store_le32(r + 4, R_ARM_RELATIVE);
			want = orig + SLOT_ADDR;
		}
		assert_int_equal(load_word(&f, at), want);
		free(f.b);
	}
	free(base.b);
}

/* A defined symbol just below the span resolves; an undefined one needs
 * an exact import name, unless it is weak. */
static void test_imports(void **state)
{
	struct file base = read_image("thermo_sensor.so");
	struct layout L = inspect(&base);
	struct axl_import few[N_IMPORTS];
	uint8_t *slot = malloc(SLOT_CAP);
	struct axl_module m;
	uint32_t at = ax_load_le32(plt_rel(&base, &L, "ax_wipe"));
	struct file f = dup_file(&base);
	size_t w = 0;

	(void)state;
	assert_non_null(slot);
	memcpy(few, imports, sizeof few);
	while (strcmp(few[w].name, "ax_wipe") != 0)
		w++;
#define LOAD(img, imp, n) try_load_at((img).b, (img).len, slot, SLOT_CAP, \
	SLOT_ADDR, (imp), (n), &m)
	few[w].name = NULL; /* skipped */
	assert_int_equal(LOAD(base, few, N_IMPORTS), AXL_E_UNDEFINED);
	assert_int_equal(LOAD(base, NULL, 3), AXL_E_UNDEFINED);
	assert_int_equal(LOAD(base, imports, 0), AXL_E_UNDEFINED);
	few[w].name = "ax_wip";
	assert_int_equal(LOAD(base, few, N_IMPORTS), AXL_E_UNDEFINED);
	few[w].name = "ax_wipe_";
	assert_int_equal(LOAD(base, few, N_IMPORTS), AXL_E_UNDEFINED);
	few[w].name = "ax_wipe";
	few[w].addr = 0x2000abcd;
	assert_int_equal(LOAD(base, few, N_IMPORTS), AXL_OK);
	assert_int_equal(ax_load_le32(slot + at), 0x2000abcd);
	/* weak and missing: 0 */
	sym(&f, &L, "ax_wipe")[12] = 2 << 4; /* STB_WEAK, STT_NOTYPE */
	few[w].name = NULL;
	assert_int_equal(LOAD(f, few, N_IMPORTS), AXL_OK);
	assert_int_equal(ax_load_le32(slot + at), 0);
	/* weak and present: the import */
	assert_int_equal(LOAD(f, imports, N_IMPORTS), AXL_OK);
	assert_int_equal(ax_load_le32(slot + at), import_addr("ax_wipe"));
	/* a renamed import is undefined */
	memcpy(f.b, base.b, f.len);
	memcpy((char *)f.b + L.strtab + ax_load_le32(sym(&f, &L, "ax_wipe")),
		"ax_wipf", 7);
	assert_int_equal(LOAD(f, imports, N_IMPORTS), AXL_E_UNDEFINED);
	/* defined at the last byte of the span */
	memcpy(f.b, base.b, f.len);
	ax_store_le32(sym(&f, &L, "ax_wipe") + 4, L.span - 1);
	ax_store_le16(sym(&f, &L, "ax_wipe") + 14, 7);
	assert_int_equal(LOAD(f, imports, N_IMPORTS), AXL_OK);
	assert_int_equal(ax_load_le32(slot + at), SLOT_ADDR + L.span - 1);
#undef LOAD
	free(f.b);
	free(slot);
	free(base.b);
}

/* Exports */
static uint8_t *init_sym(const struct file *f, const struct layout *L)
{
	return sym(f, L, "authex_module_init");
}
static void rename_sym(struct file *f, const struct layout *L,
	const char *name)
{
	f->b[L->strtab + ax_load_le32(sym(f, L, name)) + strlen(name) - 1]++;
}
static void no_abi(struct file *f, const struct layout *L)
{ rename_sym(f, L, "authex_module_abi"); }
static void no_init(struct file *f, const struct layout *L)
{ rename_sym(f, L, "authex_module_init"); }
static void no_handle(struct file *f, const struct layout *L)
{ rename_sym(f, L, "authex_module_handle"); }
static void arm_not_thumb(struct file *f, const struct layout *L)
{ add32(init_sym(f, L) + 4, (uint32_t)-1); }
static void init_in_data(struct file *f, const struct layout *L)
{ ax_store_le32(init_sym(f, L) + 4, L->vaddr[1] | 1); }
static void init_past_span(struct file *f, const struct layout *L)
{ ax_store_le32(init_sym(f, L) + 4, L->span | 1); }
static void init_top(struct file *f, const struct layout *L)
{ ax_store_le32(init_sym(f, L) + 4, 0xffffffff); }
/* The text segments of both images end at an odd offset: a Thumb
 * st_value equal to the end puts the function at the last byte; grown by
 * one byte, the segment holds a function in its last two bytes. */
static void init_last_byte(struct file *f, const struct layout *L)
{
	assert_true((L->vaddr[0] + L->memsz[0]) & 1);
	ax_store_le32(init_sym(f, L) + 4, L->vaddr[0] + L->memsz[0]);
}
static void init_last_2_bytes(struct file *f, const struct layout *L)
{
	assert_true((L->vaddr[0] + L->memsz[0]) & 1);
	ax_store_le32(ph(f, L, PH_TEXT, 20), L->memsz[0] + 1);
	ax_store_le32(init_sym(f, L) + 4, L->vaddr[0] + L->memsz[0]);
}
static void init_object(struct file *f, const struct layout *L)
{ init_sym(f, L)[12] = 1 << 4 | 1; } /* STB_GLOBAL, STT_OBJECT */
static void init_undefined(struct file *f, const struct layout *L)
{ ax_store_le16(init_sym(f, L) + 14, 0); }
static void text_not_exec(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_TEXT, 24), 4); } /* PF_R */
static void data_exec(struct file *f, const struct layout *L)
{ ax_store_le32(ph(f, L, PH_DATA, 24), 7); }
static void abi_weak(struct file *f, const struct layout *L)
{ sym(f, L, "authex_module_abi")[12] = 2 << 4 | STT_FUNC; }

static void test_exports(void **state)
{
	static const struct attack a[] = {
		{ "no authex_module_abi", no_abi, AXL_E_EXPORT },
		{ "no authex_module_init", no_init, AXL_E_EXPORT },
		{ "no authex_module_handle", no_handle, AXL_E_EXPORT },
		{ "init without the Thumb bit", arm_not_thumb, AXL_E_EXPORT },
		{ "init in the data segment", init_in_data, AXL_E_EXPORT },
		{ "init past the span", init_past_span, AXL_E_EXPORT },
		{ "init at 0xffffffff", init_top, AXL_E_EXPORT },
		{ "init at the last text byte", init_last_byte, AXL_E_EXPORT },
		{ "init an STT_OBJECT", init_object, AXL_E_EXPORT },
		{ "init undefined", init_undefined, AXL_E_EXPORT },
		{ "text not executable", text_not_exec, AXL_E_EXPORT },
		{ "init at the last 2 text bytes", init_last_2_bytes, AXL_OK },
		{ "data executable too", data_exec, AXL_OK },
		{ "weak abi", abi_weak, AXL_OK },
	};

	(void)state;
	run_attacks(a, sizeof a / sizeof *a);
}

/* -------------------------------------------------------- bit flips */

/* What a change of ELF header byte b must do. */
static enum axl_error header_rule(size_t b)
{
	if (b < 7 || (b >= 16 && b < 24))
		return AXL_E_HEADER; /* ident, e_type, e_machine, e_version */
	if (b >= 28 && b < 32)
		return AXL_E_COUNT;  /* e_phoff: must fail, the code varies */
	if (b >= 42 && b < 44)
		return AXL_E_PHDR;   /* e_phentsize */
	if (b >= 44 && b < 46)
		return AXL_E_COUNT;  /* e_phnum */
	return AXL_OK;               /* padding, entry, flags, sections */
}

/* Each of bits 0, 3 and 7 of every byte, then every byte set to 0x00
 * and to 0xff: no crash, no access out of the image or slot (ASan), an
 * error with everything zeroed or an accepted load (try_load_at()). The
 * ELF header follows header_rule(); flips in the section headers and
 * non-alloc sections past the last segment change nothing. */
static void sweep(const char *name)
{
	struct file f = read_image(name), c = dup_file(&f);
	struct layout L = inspect(&f);
	uint8_t *slot = malloc(L.span);
	size_t ok = 0, refused = 0;

	assert_non_null(slot);
	for (size_t i = 0; i < f.len; i++) {
		const uint8_t v[5] = { (uint8_t)(f.b[i] ^ 1),
			(uint8_t)(f.b[i] ^ 8), (uint8_t)(f.b[i] ^ 0x80),
			(uint8_t)(f.b[i] == 0 ? 0x5a : 0),
			(uint8_t)(f.b[i] == 0xff ? 0x5a : 0xff) };

		for (size_t k = 0; k < 5; k++) {
			struct axl_module m;
			enum axl_error e;
			enum axl_error rule = i < 52 ? header_rule(i) : AXL_OK;

			c.b[i] = v[k];
			e = try_load_at(c.b, c.len, slot, L.span, SLOT_ADDR,
				imports, N_IMPORTS, &m);
			if (i < 52 && rule == AXL_E_COUNT)
				assert_int_not_equal(e, AXL_OK);
			else if (i < 52 || i >= L.file_end)
				assert_int_equal(e, rule);
			if (e == AXL_OK)
				ok++;
			else
				refused++;
		}
		c.b[i] = f.b[i];
	}
	/* Both outcomes happen, inside the loaded part too. */
	assert_true(ok > 5 * (f.len - L.file_end) && refused > 0);
	free(slot);
	free(c.b);
	free(f.b);
}

static void test_bit_flips(void **state)
{
	(void)state;
	sweep(images[0]);
	sweep(images[1]);
}

static void test_strerror(void **state)
{
	const char *seen[AXL_E_COUNT];

	(void)state;
	for (int e = 0; e < AXL_E_COUNT; e++) {
		seen[e] = axl_strerror((enum axl_error)e);
		assert_non_null(seen[e]);
		assert_string_not_equal(seen[e], "unknown loader error");
		for (int k = 0; k < e; k++)
			assert_string_not_equal(seen[e], seen[k]);
	}
	assert_string_equal(axl_strerror(AXL_E_COUNT), "unknown loader error");
	assert_string_equal(axl_strerror((enum axl_error)-1),
		"unknown loader error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_images),
		cmocka_unit_test(test_sensor_exports),
		cmocka_unit_test(test_slot_bounds),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_program_headers),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_load_count),
		cmocka_unit_test(test_refused_tags),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_relocations),
		cmocka_unit_test(test_relocation_types),
		cmocka_unit_test(test_imports),
		cmocka_unit_test(test_exports),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
