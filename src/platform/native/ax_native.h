/*
 * ax_native.h - the `native` platform: module images run inside the
 * daemon's own process. It isolates NOTHING (the daemon can read every
 * module's keys and memory); it exists so that authex runs on any Linux
 * machine for development and tests. See include/authex/platform.h for
 * the contract and docs/security.md for what it does not protect.
 */
#ifndef AX_NATIVE_H
#define AX_NATIVE_H

#include <authex/platform.h>

/* The backend's ops table (name "native", isolated = 0). */
extern const struct ax_platform_ops ax_native_platform;

#endif /* AX_NATIVE_H */
