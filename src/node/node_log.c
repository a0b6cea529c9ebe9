/*
 * node_log.c - see node_log.h. The only place in authexd that writes to
 * stderr besides main().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "node_log.h"

static char prefix[64] = "authexd";
static enum node_log_level cur = NODE_LOG_INFO;
static bool events;

void node_log_setup(const char *node_name, enum node_log_level level)
{
	snprintf(prefix, sizeof(prefix), "authexd[node=%s]", node_name);
	cur = level;
}

void node_log_set_events(bool on)
{
	events = on;
}

bool node_log_events(void)
{
	return events;
}

int node_log_level_parse(const char *s, enum node_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum node_log_level)i;
			return 0;
		}
	return -1;
}

bool node_log_on(enum node_log_level level)
{
	return level <= cur;
}

void node_log(enum node_log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {"ERROR ", "warn ", "", ""};
	char line[1024];
	va_list ap;

	if (!node_log_on(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s%s\n", prefix, tags[level], line);
}

const char *node_log_clean(char *dst, size_t cap, const void *src,
			   size_t len)
{
	const unsigned char *s = src;
	size_t i;

	if (cap == 0)
		return "";
	for (i = 0; i < len && i + 1 < cap; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	dst[i] = '\0';
	return dst;
}

const char *node_log_hex8(char dst[20], const unsigned char *src)
{
	for (int i = 0; i < 8; i++)
		snprintf(dst + 2 * i, 3, "%02x", src[i]);
	memcpy(dst + 16, "...", 4);
	return dst;
}
