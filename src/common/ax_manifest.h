/*
 * ax_manifest.h - read a module's endpoint table from its image file.
 *
 * The deployer must learn a module's endpoint names, kinds and ids without
 * running any of its code. Every endpoint macro of <authex/module.h> places
 * one fixed-layout record (struct ax_endpoint) in the ELF section
 * "authex_ep"; the endpoint id is the record's index in that section of the
 * linked image. This parser finds the section through the ELF section
 * header table and decodes the records byte by byte. It never loads,
 * relocates or executes the image.
 *
 * Image format accepted
 *  - ELF, little-endian (ELFDATA2LSB), EI_VERSION and e_version 1,
 *    e_type ET_REL, ET_EXEC or ET_DYN, e_machine EM_X86_64, EM_AARCH64 or
 *    EM_ARM, ELFCLASS32 or ELFCLASS64 with any of these machines (the class
 *    alone fixes the pointer size, hence the record size).
 *  - A section header table of e_shnum entries of the class's exact size
 *    (40 or 64 bytes); e_shnum 0 and the extended numbering escapes
 *    (SHN_XINDEX) are rejected: module images have a few dozen sections.
 *  - Exactly one section named "authex_ep", of type SHT_PROGBITS, whose
 *    size is a multiple of the record size: AX_MANIFEST_REC64 (48) bytes for
 *    ELFCLASS64, AX_MANIFEST_REC32 (44) for ELFCLASS32, and holds at most
 *    AX_MAX_ENDPOINTS records. (clang puts records with and without a
 *    relocation into two input sections of that name; the linker merges
 *    them, so linked images have one. Such a relocatable object is
 *    rejected with AX_MANIFEST_E_SECTION, and ids are only meaningful in
 *    the linked image anyway.)
 *  - Each record, little-endian: magic u32 = AX_EP_MAGIC, kind u8 in
 *    1..5 (enum ax_ep_kind), 3 reserved bytes that are zero, name[32]:
 *    1..31 characters from [A-Za-z0-9_], a NUL, then only NUL bytes; then
 *    one pointer (8 or 4 bytes) whose value is ignored: in a shared object
 *    it is only filled in by a relocation at load time.
 *  - Names are unique within the image, whatever their kind.
 *
 * Conventions
 *  - img/len are untrusted bytes. Every field is read through explicit
 *    bounds checks against len (offsets + sizes cannot wrap); nothing is
 *    cast onto the buffer. img may be NULL only when len is 0.
 *  - Nothing here allocates, keeps state or prints. struct ax_manifest is
 *    a fixed-size value owned by the caller; it holds copies, no pointers
 *    into img.
 *  - Functions that can fail return an ax_manifest_status, 0 on success;
 *    callers MUST check it (warn_unused_result).
 */
#ifndef AX_MANIFEST_H
#define AX_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <authex/module.h>

#include "ax_crypto.h"
#include "ax_runtime.h" /* AX_MAX_ENDPOINTS */

#if defined(__GNUC__) || defined(__clang__)
#define AX_MANIFEST_MUST_CHECK __attribute__((warn_unused_result))
#else
#define AX_MANIFEST_MUST_CHECK
#endif

#define AX_MANIFEST_SECTION "authex_ep"
#define AX_MANIFEST_REC64 48 /* record size with 8-byte pointers */
#define AX_MANIFEST_REC32 44 /* record size with 4-byte pointers */

typedef enum {
	AX_MANIFEST_OK = 0,
	AX_MANIFEST_E_NOT_ELF = 1,      /* empty, or no ELF magic */
	AX_MANIFEST_E_CLASS = 2,        /* EI_CLASS not ELFCLASS32/64 */
	AX_MANIFEST_E_ENDIAN = 3,       /* not little-endian */
	AX_MANIFEST_E_MACHINE = 4,      /* not x86-64, aarch64 or ARM */
	AX_MANIFEST_E_HEADER = 5,       /* bad version, type, header sizes,
					 * no section table, bad e_shstrndx */
	AX_MANIFEST_E_TRUNCATED = 6,    /* a header or section lies (partly)
					 * beyond len */
	AX_MANIFEST_E_SECTION = 7,      /* bad section name offset, names not
					 * a string table, authex_ep not
					 * PROGBITS, or two authex_ep */
	AX_MANIFEST_E_NO_SECTION = 8,   /* no authex_ep section */
	AX_MANIFEST_E_SECTION_SIZE = 9, /* size not a multiple of a record */
	AX_MANIFEST_E_TOO_MANY = 10,    /* more than AX_MAX_ENDPOINTS */
	AX_MANIFEST_E_MAGIC = 11,       /* record magic != AX_EP_MAGIC */
	AX_MANIFEST_E_KIND = 12,        /* record kind not 1..5 */
	AX_MANIFEST_E_RESERVED = 13,    /* reserved bytes not zero */
	AX_MANIFEST_E_NAME = 14,        /* empty, unterminated, bad char, or
					 * non-zero padding */
	AX_MANIFEST_E_DUPLICATE = 15,   /* two records with one name */
	AX_MANIFEST_E_ARG = 16,         /* NULL pointer with a length */
	AX_MANIFEST_E_CRYPTO = 17,      /* ax_sha256 failed (measure only) */
	AX_MANIFEST_E_COUNT
} ax_manifest_status;

/* One endpoint as the deployer sees it. */
struct ax_manifest_ep {
	uint16_t id;              /* index of the record in authex_ep */
	uint8_t kind;             /* enum ax_ep_kind */
	char name[AX_NAME_MAX];   /* NUL-terminated, NUL-padded */
};

struct ax_manifest {
	uint8_t elf_class;        /* 32 or 64 */
	uint16_t machine;         /* e_machine: 62 x86-64, 183 aarch64, 40 ARM */
	uint16_t type;            /* e_type: 1 REL, 2 EXEC, 3 DYN */
	size_t n;                 /* endpoints; ep[i].id == i */
	struct ax_manifest_ep ep[AX_MAX_ENDPOINTS];
};

/*
 * ax_manifest_read - decode the endpoint table of a module image.
 *  img/len: the whole image file (untrusted). out: filled on success; on
 *  any error it is zeroed (out->n == 0), never partly filled.
 * Returns AX_MANIFEST_OK or the first problem found, checked in this
 * order: ELF identification and header, section header table, section
 * names, the authex_ep section, its size, each record in index order,
 * duplicate names. AX_MANIFEST_E_ARG if out is NULL or img is NULL with
 * len > 0.
 */
AX_MANIFEST_MUST_CHECK ax_manifest_status ax_manifest_read(const uint8_t *img,
	size_t len, struct ax_manifest *out);

/*
 * ax_manifest_find - look an endpoint up by name.
 *  m: a manifest filled by a successful ax_manifest_read. name: a
 *  NUL-terminated string (names of AX_NAME_MAX or more characters never
 *  match). kind_or_0: an enum ax_ep_kind the endpoint must have, or 0 for
 *  any kind.
 * Returns the entry (pointing into m), or NULL when there is none.
 */
const struct ax_manifest_ep *ax_manifest_find(const struct ax_manifest *m,
	const char *name, unsigned kind_or_0);

/*
 * ax_manifest_measure - the module measurement: SHA-256 of the whole image
 * file, byte for byte (the platform hashes the same bytes when it loads
 * the module, see design §3). Does not parse the image. Lives in
 * ax_manifest_measure.c so the parser alone needs no crypto provider.
 * Returns AX_MANIFEST_OK, AX_MANIFEST_E_ARG (img NULL with len > 0),
 * AX_MANIFEST_E_CRYPTO (out is then zeroed).
 */
AX_MANIFEST_MUST_CHECK ax_manifest_status ax_manifest_measure(
	const uint8_t *img, size_t len, uint8_t out[static AX_SHA256_LEN]);

/* ax_manifest_status_str - a short English description of a status, for
 * messages printed by tools ("unknown status" for values out of range). */
const char *ax_manifest_status_str(ax_manifest_status st);

#endif /* AX_MANIFEST_H */
