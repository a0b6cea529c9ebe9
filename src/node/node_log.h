/*
 * node_log.h - authexd's log: one line per significant event on stderr,
 *   authexd[node=field] load dep=1 module=3 name=sensor measurement=ab12cd34... ok
 * Levels error < warn < info < debug; lines above the chosen level are
 * not written. Routed events are logged at debug, or at info with
 * node_log_events(true) (--log-events). Untrusted text (names, BYE texts)
 * must go through node_log_clean before it is printed.
 */
#ifndef NODE_LOG_H
#define NODE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum node_log_level {
	NODE_LOG_ERROR = 0,
	NODE_LOG_WARN = 1,
	NODE_LOG_INFO = 2,
	NODE_LOG_DEBUG = 3,
};

/* node_log_setup - node name for the prefix, the level. */
void node_log_setup(const char *node_name, enum node_log_level level);
/* node_log_set_events - log every routed event at info level. */
void node_log_set_events(bool on);
bool node_log_events(void);
/* node_log_level_parse - "error", "warn", "info", "debug": 0, else -1. */
int node_log_level_parse(const char *s, enum node_log_level *out);
bool node_log_on(enum node_log_level level);

void node_log(enum node_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* node_log_clean - copy untrusted bytes for printing: visible ASCII kept,
 * anything else as '?', at most cap-1 bytes, NUL-terminated. */
const char *node_log_clean(char *dst, size_t cap, const void *src,
	size_t len);
/* node_log_hex8 - the first 8 bytes of src as 16 hex digits + "...". */
const char *node_log_hex8(char dst[20], const unsigned char *src);

#endif /* NODE_LOG_H */
