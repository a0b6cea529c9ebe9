/*
 * ax_tzm.h - the `tzm` platform in authexd: modules run in the Secure
 * world of a Cortex-M33 (docs/tzm.md), reached over a serial link
 * (axt_link.h) served by the node's Non-secure event manager. The Secure
 * side keeps K_node, measures each image, checks the deployer's load
 * authorization and derives K_M; this side only moves bytes. The contract
 * is include/authex/platform.h.
 *
 * Options (start's `options`, comma-separated key=value):
 *   serial=PATH         attach to a running, provisioned board on a tty
 *                       or pty (raw, 115200 baud); k_node is not used
 *   serial=tcp:HOST:PORT  the same over TCP (QEMU: -serial
 *                       tcp:HOST:PORT,server=on,nodelay=on; without
 *                       nodelay each answer waits ~40 ms for an ACK)
 *   qemu=PATH           without serial=: the emulator to start
 *                       (default qemu-system-arm from PATH)
 *   firmware=DIR        s_node.elf and ns_node.elf (default: this build's
 *                       tzm firmware directory, `make tzm-firmware`)
 *   uart1=PATH          where QEMU writes the node's secure output device
 *                       (UART1); default: nowhere
 *   log=PATH            QEMU's own messages (default: authexd's stderr)
 *   timeout_ms=N        longest wait for one answer (5000); a silent
 *                       link is lost, and with it every module
 * Without serial=, start runs QEMU mps2-an505 with the two images and
 * provisions k_node into Secure RAM through a loader device reading a
 * private file that is wiped and removed once the node is up. Several
 * modules share the one link; calls are synchronous, from one thread.
 * Text the firmware prints outside frames goes to stderr as "tzm: ...".
 */
#ifndef AX_TZM_H
#define AX_TZM_H

#include <authex/platform.h>

#define AX_TZM_TIMEOUT_MS 5000
#define AX_TZM_READY_TIMEOUT_MS 10000
#define AX_TZM_EMITS_MAX 1024 /* EMIT frames per request */

/* The backend's ops table (name "tzm", isolated = 1). */
extern const struct ax_platform_ops ax_tzm_platform;

/* ax_tzm_module_number - the Secure side's number of a loaded module (for
 * tests and logs), or -1. */
int ax_tzm_module_number(const struct ax_platform_module *m);

/* ax_tzm_qemu_pid - the QEMU process start() runs, or -1. */
int ax_tzm_qemu_pid(void);

#endif /* AX_TZM_H */
