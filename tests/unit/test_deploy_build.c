/*
 * test_deploy_build.c - the deployer's module build (deploy_build.c) for
 * both kinds of node: examples/thermo/modules/sensor.c built for a native
 * node is a shared object of this machine; built for a tzm node it is an
 * ELF32 ARM shared object (arm-none-eabi-gcc, module.flags) whose manifest
 * lists the same endpoints. The image cache keeps the two apart and finds
 * each again; a tzm module that only warns does not build.
 *
 * Without arm-none-eabi-gcc (DEPLOY_CFG_TZM_CC empty) a tzm build must
 * fail with a message naming the Debian package; the test then exits 77
 * (skipped), except under CI=true, where the cross-compiler is required.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "deploy_build.h"
#include "deploy_config.h"
#include "deploy_util.h"

#define SENSOR AX_SOURCE_DIR "/examples/thermo/modules/sensor.c"

static char cache[64];

static int setup(void **state)
{
	(void)state;
	snprintf(cache, sizeof cache, "/tmp/ax_build_XXXXXX");
	return mkdtemp(cache) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
	return system(cmd) == 0 ? 0 : -1;
}

static void build(const char *source, const char *platform,
		  struct deploy_image *img)
{
	char err[1024] = "";

	if (deploy_build_module(source, platform, cache, img, err,
				sizeof err) != DEPLOY_OK)
		fail_msg("%s for %s: %s", source, platform, err);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The ELF identification and header of the image file, read here byte by
 * byte (not through the manifest reader): class, data, type, machine. */
static void check_elf(const char *path, int elf_class, int is_arm)
{
	uint8_t *b;
	size_t len;
	char err[256];

	assert_int_equal(deploy_read_file(path, &b, &len, 1 << 24, err,
					  sizeof err), DEPLOY_OK);
	assert_true(len > 52);
	assert_memory_equal(b, "\x7f" "ELF", 4);
	assert_int_equal(b[4], elf_class == 32 ? 1 : 2); /* ELFCLASS32/64 */
	assert_int_equal(b[5], 1);                        /* little-endian */
	assert_int_equal(le16(b + 16), 3);                /* ET_DYN */
	if (is_arm)
		assert_int_equal(le16(b + 18), 40);       /* EM_ARM */
	else
		assert_int_not_equal(le16(b + 18), 40);
	free(b);
}

/* sensor.c for a native and for a tzm node: two images, same endpoints. */
static void test_tzm_image_has_native_endpoints(void **state)
{
	static struct deploy_image host, tzm;

	(void)state;
	build(SENSOR, "native", &host);
	build(SENSOR, "tzm", &tzm);
	check_elf(host.path, 64, 0);
	check_elf(tzm.path, 32, 1);
	assert_int_equal(tzm.man.elf_class, 32);
	assert_int_equal(tzm.man.machine, 40);
	assert_int_equal(tzm.man.type, 3);
	assert_true(host.man.n >= 2);
	/* Same names and kinds; the ids (record order) are each linker's. */
	assert_int_equal(tzm.man.n, host.man.n);
	for (size_t i = 0; i < host.man.n; i++)
		assert_non_null(ax_manifest_find(&tzm.man, host.man.ep[i].name,
						 host.man.ep[i].kind));
	assert_non_null(ax_manifest_find(&tzm.man, "sample", AX_EP_ENTRY));
	assert_non_null(ax_manifest_find(&tzm.man, "reading", AX_EP_OUTPUT));
	assert_string_not_equal(tzm.path, host.path);
	assert_memory_not_equal(tzm.measurement, host.measurement, 32);
}

/* The cache is keyed on the target: each image is found again as it was,
 * and "process" shares the native image (same host build). */
static void test_cache_keyed_on_target(void **state)
{
	static struct deploy_image host, tzm, again, proc;

	(void)state;
	build(SENSOR, "native", &host);
	build(SENSOR, "tzm", &tzm);
	build(SENSOR, "tzm", &again);
	assert_int_equal(again.cached, 1);
	assert_string_equal(again.path, tzm.path);
	assert_memory_equal(again.measurement, tzm.measurement, 32);
	build(SENSOR, "process", &proc);
	assert_int_equal(proc.cached, 1);
	assert_string_equal(proc.path, host.path);
	assert_int_equal(proc.man.elf_class, host.man.elf_class);
}

/* tzm images are built with the project's warnings as errors, and the
 * compiler's message reaches the caller. */
static void test_tzm_warning_is_error(void **state)
{
	static struct deploy_image img;
	char path[128], err[1024] = "";
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/warns.c", cache);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#include <authex/module.h>\n"
	      "AX_ENTRY(poke, arg, len, reply)\n"
	      "{\n\tint unused;\n\t(void)arg; (void)len; (void)reply;\n"
	      "\treturn 0;\n}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(deploy_build_module(path, "tzm", cache, &img, err,
					     sizeof err), DEPLOY_E_FAIL);
	if (strstr(err, "compiling") == NULL || strstr(err, "unused") == NULL)
		fail_msg("unexpected error: %s", err);
}

/* No cross-compiler: the tzm build names the package to install. */
static int no_cross_compiler(void)
{
	static struct deploy_image img;
	char err[1024] = "";
	const char *ci = getenv("CI");

	if (setup(NULL) != 0)
		return 1;
	if (deploy_build_module(SENSOR, "tzm", cache, &img, err, sizeof err) !=
		    DEPLOY_E_FAIL ||
	    strstr(err, "gcc-arm-none-eabi") == NULL) {
		fprintf(stderr, "FAIL: tzm build without arm-none-eabi-gcc: "
			"'%s'\n", err);
		(void)teardown(NULL);
		return 1;
	}
	(void)teardown(NULL);
	if (ci != NULL && strcmp(ci, "true") == 0) {
		fprintf(stderr, "FAIL: CI=true but arm-none-eabi-gcc was not "
			"found at configure time (%s)\n", err);
		return 1;
	}
	printf("SKIP: arm-none-eabi-gcc not found at configure time; the "
	       "tzm build says: %s\n", err);
	return 77;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tzm_image_has_native_endpoints),
		cmocka_unit_test(test_cache_keyed_on_target),
		cmocka_unit_test(test_tzm_warning_is_error),
	};

	if (DEPLOY_CFG_TZM_CC[0] == 0)
		return no_cross_compiler();
	return cmocka_run_group_tests(tests, setup, teardown);
}
