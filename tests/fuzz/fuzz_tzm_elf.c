/*
 * fuzz_tzm_elf.c - libFuzzer harness for the tzm module loader
 * (src/platform/tzm/secure/axl_elf.c, firmware code the host build does
 * not compile: its source is included below).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/fuzz_tzm_elf.c -o /tmp/fe
 *   mkdir -p /tmp/fe_corpus
 *   /tmp/fe -max_total_time=60 /tmp/fe_corpus tests/fuzz/corpus/tzm_elf
 *
 * Each input is loaded into one fixed slot (a global array, so ASan
 * catches a write past it) with node.c's import names. Besides "no crash,
 * no access out of the input or the slot", it checks what axl_elf.h
 * promises, and aborts when a promise is broken: a refusal zeroes the
 * slot and *out; an accepted image has its exports, Thumb functions,
 * inside its span, nothing written past the span, and loads the same way
 * into a slot of exactly its span at another address.
 *
 * Seeds: thermo_sensor.so and thermo_controller.so are
 * tests/data/tzm/'s images (see tests/unit/test_tzm_elf.c for how they
 * were built); the others are thermo_sensor.so patched: trunc_phdrs
 * (cut after 120 bytes), interp (PT_GNU_STACK turned into PT_INTERP),
 * needed (DT_FLAGS_1 turned into DT_NEEDED), reloc_out (first .rel.dyn
 * r_offset 0x4000, past the span), weak_import (ax_wipe made weak and
 * renamed ax_wipf, so it resolves to 0).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/platform/tzm/secure/axl_elf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT_CAP 0x4000u
#define SLOT_ADDR 0x38020000u
#define SLOT_ADDR2 0x10001000u

static uint8_t slot[SLOT_CAP], slot2[SLOT_CAP];

static const struct axl_import imports[] = {
	{ "ax_aead_key_len", 0x10000101 }, { "ax_aead_open", 0x10000201 },
	{ "ax_aead_seal", 0x10000301 }, { "ax_ct_equal", 0x10000401 },
	{ "ax_hkdf_sha256", 0x10000501 }, { "ax_hmac_sha256", 0x10000601 },
	{ "ax_sha256", 0x10000701 }, { "ax_verify16", 0x10000801 },
	{ "ax_verify32", 0x10000901 }, { "ax_wipe", 0x10000a01 },
	{ "memcmp", 0x10000b01 }, { "memcpy", 0x10000c01 },
	{ "memmove", 0x10000d01 }, { "memset", 0x10000e01 },
	{ "ax_platform_device_write", 0x10000f01 },
};
#define N_IMPORTS (sizeof imports / sizeof *imports)

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void check_exports(const struct axl_module *m, uint32_t addr)
{
	const uint32_t fn[3] = { m->abi, m->init, m->handle };

	for (int i = 0; i < 3; i++)
		if ((fn[i] & 1) == 0 || fn[i] <= addr ||
		    fn[i] >= (uint64_t)addr + m->span)
			abort();
}

/* The same image into a slot of exactly its span, elsewhere. */
static void check_reload(const uint8_t *data, size_t size,
	const struct axl_module *m)
{
	struct axl_module m2;
	const uint32_t delta = SLOT_ADDR2 - SLOT_ADDR;

	if (axl_load(data, size, slot2, m->span, SLOT_ADDR2, imports,
		    N_IMPORTS, &m2) != AXL_OK ||
	    m2.span != m->span || m2.abi != m->abi + delta ||
	    m2.init != m->init + delta || m2.handle != m->handle + delta)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct axl_module m;
	enum axl_error e;

	memset(slot, 0xa5, sizeof slot);
	memset(&m, 0xa5, sizeof m);
	e = axl_load(data, size, slot, SLOT_CAP, SLOT_ADDR, imports,
		N_IMPORTS, &m);
	if ((unsigned)e >= AXL_E_COUNT || axl_strerror(e) == NULL)
		abort();
	if (e != AXL_OK) {
		if (!all_zero(slot, sizeof slot) || !all_zero(&m, sizeof m))
			abort();
		return 0;
	}
	if (m.span == 0 || m.span > SLOT_CAP ||
	    !all_zero(slot + m.span, SLOT_CAP - m.span))
		abort();
	check_exports(&m, SLOT_ADDR);
	check_reload(data, size, &m);
	return 0;
}
