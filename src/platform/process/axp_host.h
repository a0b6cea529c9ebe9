/*
 * axp_host.h - what the monitor and the module host program
 * (authex-modhost, axp_host_main.c) agree on besides the frames.
 */
#ifndef AXP_HOST_H
#define AXP_HOST_H

#define AXP_HOST_NAME "authex-modhost"
#define AXP_HOST_FD 3                   /* the host's channel descriptor */
#define AXP_HOST_INIT_TIMEOUT_MS 10000  /* monitor -> INIT */
#define AXP_HOST_READY_TIMEOUT_MS 10000 /* host -> READY (dlopen, init) */

#endif /* AXP_HOST_H */
