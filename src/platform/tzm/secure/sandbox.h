/*
 * sandbox.h - module code runs unprivileged, confined by the Secure MPU
 * (docs/tzm.md "Modules are isolated from each other").
 *
 * The node (privileged, on MSP_S) calls a module's ABI function through
 * ax_tzm_sandbox_call. For the duration of the call, and only then:
 *  - the core runs the function in Thread mode, unprivileged, on a stack
 *    inside the module's own slot (PSP_S, PSPLIM_S at its bottom);
 *  - the Secure MPU lets unprivileged code reach exactly three regions:
 *    the Secure image's code and constants (read, execute), the module's
 *    slot (read, write, execute) and the shared region (read, write; the
 *    buffers the node passes, .ax_shared in secure.ld, and the crypto
 *    provider's state the module's imports use). Everything else - the
 *    node key, the node's own data, the other slots, peripherals,
 *    Non-secure memory - is out of reach: an access is a MemManage fault;
 *  - the module's emit and ax_device_write calls reach the node through
 *    SVC (ax_tzm_sandbox_emit_stub, ax_tzm_sandbox_device_stub), which
 *    checks that the buffer lies in the slot or the shared region before
 *    the privileged side reads it.
 * A fault inside the call ends it: ax_tzm_sandbox_call returns
 * AX_TZM_SANDBOX_FAULT, the node's registers and stack are intact, and the
 * caller treats the module as lost.
 *
 * Single-threaded, not re-entrant (nsc.c's busy flag covers it).
 */
#ifndef AX_TZM_SANDBOX_H
#define AX_TZM_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#define AX_TZM_SANDBOX_FAULT INT32_MIN

/* What a module may emit into while it runs (node.c's queue). */
typedef int (*ax_tzm_sink_fn)(const uint8_t *msg, size_t len);

/* ax_tzm_sandbox_init - where emitted messages go; once at boot. */
void ax_tzm_sandbox_init(ax_tzm_sink_fn sink);

/*
 * ax_tzm_sandbox_call - fn(args[0..4]) unprivileged (args[4] goes where
 * the AAPCS puts a fifth argument: on the stack).
 *  fn: target address of a Thumb function inside the slot (bit 0 set);
 *  slot/slot_len: the module's slot (32-byte aligned, multiple of 32);
 *  stack_lo/stack_hi: its stack inside the slot (8-byte aligned).
 * Returns fn's return value, or AX_TZM_SANDBOX_FAULT.
 */
int32_t ax_tzm_sandbox_call(uint32_t fn, const uint32_t args[5],
	uintptr_t slot, uint32_t slot_len, uintptr_t stack_lo,
	uintptr_t stack_hi);

/* The stubs module images get instead of the node's functions: the emit
 * callback passed to authex_module_init and the ax_platform_device_write
 * import. Each is an SVC into the node. */
int ax_tzm_sandbox_emit_stub(void *ctx, const uint8_t *msg, size_t len);
int ax_tzm_sandbox_device_stub(const void *data, size_t len);

/* Shared region buffers: put a variable there with this attribute. */
#define AX_TZM_SHARED __attribute__((section(".ax_shared")))

#endif /* AX_TZM_SANDBOX_H */
