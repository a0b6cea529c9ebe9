/*
 * axl_elf.h - the tzm module loader: places one module image (an ELF32
 * ARM position-independent shared object, docs/tzm.md "Module images")
 * into a Secure module slot and relocates it there.
 *
 * The image bytes are untrusted: this is a parser of attacker-controlled
 * input and is fuzzed (tests/fuzz/fuzz_tzm_elf.c). It is freestanding (no
 * libc, no heap) and builds for the Cortex-M33 and for the host alike: it
 * never dereferences a target address, it only writes 32-bit little-endian
 * words into the slot buffer, so the host tests and the fuzzer run it with
 * an ordinary buffer and any slot_addr.
 *
 * What is accepted (everything else is refused; the error code of each
 * refusal is in brackets):
 *  - the slot: slot_addr 4-aligned, slot_addr + slot_cap not past 2^32
 *    [AXL_E_TOO_BIG];
 *  - ELF header: ELFCLASS32, little-endian, EV_CURRENT (in e_ident and
 *    e_version), ET_DYN, EM_ARM [AXL_E_HEADER]; e_phentsize 32 and the
 *    program header table inside the file [AXL_E_PHDR];
 *  - program headers: 1..AXL_MAX_LOAD PT_LOAD segments, exactly one
 *    PT_DYNAMIC, no PT_INTERP or PT_TLS; other types (PT_ARM_EXIDX,
 *    PT_GNU_STACK, ...) ignored [AXL_E_PHDR]. Each PT_LOAD has
 *    p_filesz <= p_memsz, [p_offset, p_offset + p_filesz) inside the file,
 *    p_vaddr + p_memsz not past 2^32, and overlaps no other PT_LOAD in
 *    memory [AXL_E_SEGMENT]; the span, the highest p_vaddr + p_memsz,
 *    is at most slot_cap [AXL_E_TOO_BIG];
 *  - dynamic section (the p_filesz bytes at PT_DYNAMIC's p_vaddr, ending
 *    with a DT_NULL): DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_HASH, DT_SYMENT
 *    16 if present, optionally DT_REL/DT_RELSZ/DT_RELENT(8) and
 *    DT_JMPREL/DT_PLTRELSZ/DT_PLTREL(=DT_REL), each group complete;
 *    DT_NEEDED, DT_RELA(SZ/ENT), DT_INIT, DT_FINI, DT_INIT_ARRAY,
 *    DT_FINI_ARRAY, DT_PREINIT_ARRAY and DT_TEXTREL are refused (no
 *    constructors run, no other images); tags from 34 up (DT_FLAGS_1,
 *    DT_RELCOUNT, DT_GNU_HASH, ...) are ignored [AXL_E_DYNAMIC];
 *  - every table is read from the file bytes (through the PT_LOAD file
 *    mapping: a table must lie whole in the file part of one PT_LOAD),
 *    never from the slot, so relocations cannot rewrite them;
 *  - symbols: DT_HASH's nchain is the symbol count; the hash header, the
 *    nchain symbols and the string table lie in the file, the string
 *    table ends with a NUL and every st_name used is below DT_STRSZ
 *    [AXL_E_SYMBOL];
 *  - relocations (REL, 8 bytes; a table out of the file or of a size not
 *    a multiple of 8 is refused; r_offset 4-aligned and its word inside
 *    [p_vaddr, p_vaddr + p_memsz) of one PT_LOAD) [AXL_E_RELOC]:
 *    R_ARM_RELATIVE with symbol index 0 (word += slot_addr), R_ARM_ABS32
 *    (word += S), R_ARM_GLOB_DAT and R_ARM_JUMP_SLOT (word = S); S is
 *    slot_addr + st_value for a symbol the image defines (st_value below
 *    the span, symbol index below nchain [AXL_E_SYMBOL]), the address
 *    from the imports table for an undefined one (looked up by exact
 *    name), 0 for an undefined weak one; an undefined symbol not in the
 *    table is refused [AXL_E_UNDEFINED];
 *  - exports: the first symbol named authex_module_abi,
 *    authex_module_init or authex_module_handle must be a defined
 *    STT_FUNC with the Thumb bit set whose 2 bytes at st_value - 1 lie in
 *    the memory of an executable (PF_X) PT_LOAD segment [AXL_E_EXPORT].
 *
 * Order (the first refusal is the one reported): the slot is zeroed
 * (bss); slot, header, program headers, segments, dynamic section,
 * symbol tables and exports are checked, writing nothing; segments are
 * copied; relocations are checked and applied, .rel.dyn then .rel.plt.
 * On any error the slot is zeroed again.
 */
#ifndef AX_TZM_AXL_ELF_H
#define AX_TZM_AXL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define AXL_MAX_LOAD 4

enum axl_error {
	AXL_OK = 0,
	AXL_E_HEADER,    /* not an ELF32 little-endian ARM shared object */
	AXL_E_PHDR,      /* program headers out of the file or malformed */
	AXL_E_SEGMENT,   /* a segment outside the file, the slot, or overlapping */
	AXL_E_TOO_BIG,   /* the image's memory span does not fit the slot */
	AXL_E_DYNAMIC,   /* dynamic section missing, malformed or refused tag */
	AXL_E_SYMBOL,    /* symbol table or string out of bounds */
	AXL_E_UNDEFINED, /* undefined symbol that is not an import */
	AXL_E_RELOC,     /* relocation of a refused type or out of bounds */
	AXL_E_EXPORT,    /* a module ABI function is missing or misplaced */
	AXL_E_COUNT
};

/* A function or object the Secure image offers to module images. */
struct axl_import {
	const char *name;
	uint32_t addr; /* target address; functions with the Thumb bit */
};

/* Where the loaded module's ABI functions are (target addresses, Thumb
 * bit set) and how much of the slot it uses. */
struct axl_module {
	uint32_t span;   /* bytes of the slot the image occupies */
	uint32_t abi;    /* authex_module_abi */
	uint32_t init;   /* authex_module_init */
	uint32_t handle; /* authex_module_handle */
};

/*
 * axl_load - load img/len into slot/slot_cap, which the module will see at
 * target address slot_addr (4-aligned; slot_addr + slot_cap must not wrap
 * 32 bits). imports/n_imports: the names an image may import (entries
 * with a NULL name are skipped). img NULL counts as len 0, slot NULL as
 * slot_cap 0; out must not be NULL. Returns AXL_OK and fills *out, or an
 * error (slot zeroed, *out zeroed).
 */
enum axl_error axl_load(const uint8_t *img, size_t len, uint8_t *slot,
	size_t slot_cap, uint32_t slot_addr, const struct axl_import *imports,
	size_t n_imports, struct axl_module *out);

/* axl_strerror - one line of English for an error code (never NULL). */
const char *axl_strerror(enum axl_error e);

#endif /* AX_TZM_AXL_ELF_H */
