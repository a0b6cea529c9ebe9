/*
 * ax_platform.c - the registry of the platform backends built into this
 * binary (see include/authex/platform.h): native, process and tzm.
 */
#include <string.h>

#include <authex/platform.h>

#include "ax_native.h"
#include "process/ax_process.h"
#include "tzm/ax_tzm.h"

static const struct ax_platform_ops *const backends[] = {
	&ax_native_platform,
	&ax_process_platform,
	&ax_tzm_platform,
};

const struct ax_platform_ops *ax_platform_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const char *ax_platform_names(void)
{
	return "native, process, tzm";
}
