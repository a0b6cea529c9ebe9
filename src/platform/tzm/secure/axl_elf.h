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
 * What is accepted (everything else is refused with an error code):
 *  - ELF header: ELFCLASS32, little-endian, EV_CURRENT, ET_DYN, EM_ARM,
 *    e_phentsize 32, the program header table inside the file;
 *  - program headers: 1..AXL_MAX_LOAD PT_LOAD segments with
 *    p_filesz <= p_memsz, [p_offset, p_offset + p_filesz) inside the file,
 *    [p_vaddr, p_vaddr + p_memsz) inside [0, slot_cap), no overflow, not
 *    overlapping each other; exactly one PT_DYNAMIC; PT_INTERP and PT_TLS
 *    are refused; other types (PT_ARM_EXIDX, PT_GNU_STACK, ...) ignored;
 *  - dynamic section: DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_HASH (its nchain
 *    gives the symbol count), optionally DT_REL/DT_RELSZ/DT_RELENT(8) and
 *    DT_JMPREL/DT_PLTRELSZ/DT_PLTREL(=DT_REL); DT_NEEDED, DT_RELA,
 *    DT_INIT, DT_FINI, DT_INIT_ARRAY, DT_FINI_ARRAY, DT_PREINIT_ARRAY and
 *    DT_TEXTREL are refused (no constructors run, no other images);
 *    every table is read from the file bytes (through the PT_LOAD file
 *    mapping), never from the slot, so relocations cannot rewrite them;
 *  - relocations (REL, 8 bytes, r_offset 4-aligned and its word inside
 *    [0, memsz of its segment)): R_ARM_RELATIVE (word += slot_addr),
 *    R_ARM_ABS32 (word += S), R_ARM_GLOB_DAT and R_ARM_JUMP_SLOT
 *    (word = S); S is slot_addr + st_value for a symbol the image defines
 *    (st_value < slot span), the address from the imports table for an
 *    undefined one (looked up by exact name), 0 for an undefined weak one;
 *    an undefined symbol not in the table is refused (AXL_E_UNDEFINED);
 *  - exports: authex_module_abi, authex_module_init and
 *    authex_module_handle must be defined STT_FUNC symbols with the Thumb
 *    bit set whose address lies in an executable (PF_X) PT_LOAD segment.
 *
 * The slot is zeroed first (bss), then segments are copied, then
 * relocations applied. On any error the slot is zeroed again.
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
 * 32 bits). imports/n_imports: the names an image may import. Returns
 * AXL_OK and fills *out, or an error (slot zeroed, *out zeroed).
 */
enum axl_error axl_load(const uint8_t *img, size_t len, uint8_t *slot,
	size_t slot_cap, uint32_t slot_addr, const struct axl_import *imports,
	size_t n_imports, struct axl_module *out);

/* axl_strerror - one line of English for an error code (never NULL). */
const char *axl_strerror(enum axl_error e);

#endif /* AX_TZM_AXL_ELF_H */
