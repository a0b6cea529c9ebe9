/*
 * test_deploy_descriptor.c - the descriptor reader (deploy_descriptor.c):
 * the good fixtures parse into what they say (YAML and JSON), and every
 * bad fixture in tests/data/descriptors/bad/ fails with exactly the
 * "file:line: field: message" its first line announces:
 *
 *     # expect: LINE: FIELD: MESSAGE
 *
 * MESSAGE must be contained in the error, file, line and field must be
 * exact. Fixtures named kind_* pass stage one and must fail stage two,
 * the endpoint check against the manifests of the built example images.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_crypto.h"
#include "deploy_build.h"
#include "deploy_descriptor.h"
#include "deploy_util.h"

#define DATA AX_SOURCE_DIR "/tests/data/descriptors"

static struct deploy_desc *desc_new(void)
{
	struct deploy_desc *d = malloc(sizeof *d);

	assert_non_null(d);
	return d;
}

/* Manifests of the example images for a descriptor's modules, by the
 * source file name (sensor.c -> thermo_sensor.so). */
static void manifests(const struct deploy_desc *d, struct ax_manifest *man)
{
	for (size_t i = 0; i < d->n_modules; i++) {
		const char *base = strrchr(d->modules[i].source, '/') + 1;
		char path[512];
		struct deploy_image img;
		char err[512];

		snprintf(path, sizeof path, "%s/thermo_%.*s.so", AX_MODULE_DIR,
			 (int)(strlen(base) - 2), base);
		if (deploy_build_load_image(path, &img, NULL, err,
					    sizeof err) != DEPLOY_OK)
			fail_msg("%s", err);
		man[i] = img.man;
	}
}

static void test_good_yaml(void **state)
{
	struct deploy_desc *d = desc_new();
	static struct ax_manifest man[DEPLOY_MAX_MODULES];
	char err[512] = "";

	(void)state;
	if (deploy_desc_load(DATA "/good/thermo.yaml", d, err, sizeof err) !=
	    DEPLOY_OK)
		fail_msg("%s", err);
	assert_string_equal(d->name, "thermo-test");
	assert_int_equal(d->n_nodes, 3);
	assert_string_equal(d->nodes[1].host, "localhost");
	assert_int_equal(d->nodes[1].port, 7102);
	assert_string_equal(d->nodes[1].platform, "native"); /* default */
	assert_string_equal(d->nodes[1].serial, "");
	assert_string_equal(d->nodes[2].platform, "tzm");
	assert_string_equal(d->nodes[2].serial, "tcp:127.0.0.1:5555");
	assert_int_equal(d->n_modules, 3);
	assert_int_equal(d->modules[2].node, 1);
	assert_int_equal(d->n_conns, 4);
	assert_string_equal(d->conns[0].ident,
			    "sensor.reading->controller.add");
	assert_int_equal(d->conns[0].alg, AX_AEAD_AES128GCM);
	assert_int_equal(d->conns[1].alg, AX_AEAD_CHACHA20POLY1305);
	assert_int_equal(d->conns[2].from.module, DEPLOY_DEPLOYER);
	assert_string_equal(d->conns[2].ident, "calib");
	assert_int_equal(d->conns[3].to.module, DEPLOY_DEPLOYER);
	assert_int_equal(deploy_desc_conn(d, "heater_log"), 3);
	assert_int_equal(deploy_desc_conn(d, "sensor.reading->controller.add"),
			 0);
	assert_int_equal(deploy_desc_conn(d, "nope"), -1);
	assert_int_equal(d->n_periodic, 2);
	assert_int_equal(d->periodic[0].period_ms, 500);
	assert_int_equal(d->periodic[0].arg_len, 2);
	assert_int_equal(d->periodic[0].arg[0], 0x00);
	assert_int_equal(d->periodic[0].arg[1], 0xc8);
	assert_int_equal(d->periodic[1].period_ms, 2000);
	assert_memory_equal(d->periodic[1].arg, "ab", 2);
	manifests(d, man);
	if (deploy_desc_check_endpoints(d, man, err, sizeof err) != DEPLOY_OK)
		fail_msg("%s", err);
	free(d);
}

static void test_good_json(void **state)
{
	struct deploy_desc *d = desc_new();
	char err[512] = "";

	(void)state;
	if (deploy_desc_load(DATA "/good/thermo.json", d, err, sizeof err) !=
	    DEPLOY_OK)
		fail_msg("%s", err);
	assert_string_equal(d->name, "thermo-json");
	assert_int_equal(d->n_nodes, 2);
	assert_int_equal(d->n_modules, 2);
	assert_int_equal(d->n_conns, 2);
	assert_string_equal(d->conns[1].ident, "readings");
	assert_int_equal(d->periodic[0].period_ms, 10);
	free(d);
}

/* The announced error of one bad fixture, checked exactly. */
static int check_bad(const char *name)
{
	struct deploy_desc *d = desc_new();
	static struct ax_manifest man[DEPLOY_MAX_MODULES];
	char path[512], want[512], err[1024] = "", prefix[700];
	FILE *f;
	int line;
	char field[128], *msg;
	deploy_status st;

	snprintf(path, sizeof path, "%s/bad/%s", DATA, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(want, sizeof want, f));
	fclose(f);
	want[strcspn(want, "\n")] = 0;
	if (sscanf(want, "# expect: %d: %127[^:]:", &line, field) != 2)
		fail_msg("%s: first line is not '# expect: LINE: FIELD: MSG'",
			 name);
	msg = strchr(strchr(want + 10, ':') + 1, ':') + 2;
	st = deploy_desc_load(path, d, err, sizeof err);
	if (strncmp(name, "kind_", 5) == 0) {
		if (st != DEPLOY_OK)
			fail_msg("%s: stage one failed: %s", name, err);
		manifests(d, man);
		st = deploy_desc_check_endpoints(d, man, err, sizeof err);
	}
	free(d);
	snprintf(prefix, sizeof prefix, "%s:%d: %s: ", path, line, field);
	if (st != DEPLOY_E_INPUT || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err + strlen(prefix), msg) == NULL) {
		print_error("%s:\n  got  %s\n  want %s%s\n", name, err, prefix,
			    msg);
		return 0;
	}
	return 1;
}

static void test_bad_fixtures(void **state)
{
	DIR *dir = opendir(DATA "/bad");
	struct dirent *e;
	int n = 0, bad = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (strstr(e->d_name, ".yaml") != NULL) {
			int ok = check_bad(e->d_name);

			n += ok;
			bad += !ok;
		}
	closedir(dir);
	assert_int_equal(bad, 0);
	assert_true(n >= 30);
}

/* One node with the given extra lines (platform, serial), parsed in
 * memory; err gets the error, *d the result. */
static deploy_status one_node(struct deploy_desc *d, const char *extra,
			      char *err, size_t errlen)
{
	char text[1024];

	snprintf(text, sizeof text,
		 "name: x\n"
		 "nodes:\n"
		 "  - name: board\n"
		 "    host: 127.0.0.1\n"
		 "    port: 7101\n"
		 "%s"
		 "modules:\n"
		 "  - {name: m, node: board, source: m.c}\n", extra);
	err[0] = 0;
	return deploy_desc_parse(text, strlen(text), "s.yaml", NULL, d, err,
				 errlen);
}

/* nodes[].serial: accepted on a tzm node as a device path or
 * tcp:HOST:PORT; refused elsewhere, empty, or malformed, with
 * file:line: field. */
static void test_serial(void **state)
{
	static const char *const good[] = {
		"/dev/ttyUSB0", "/dev/pts/3", "tcp:localhost:5555",
		"tcp:127.0.0.1:1", "tcp:::1:65535",
	};
	static const struct {
		const char *extra, *msg;
	} bad[] = {
		{ "    serial: /dev/ttyUSB0\n",
		  "only a tzm node has a serial link (this node's platform "
		  "is 'native')" },
		{ "    platform: process\n    serial: /dev/ttyUSB0\n",
		  "is 'process'" },
		{ "    platform: tzm\n    serial: \"\"\n", "empty" },
		{ "    platform: tzm\n    serial: ttyUSB0\n",
		  "'ttyUSB0' is not a device path" },
		{ "    platform: tzm\n    serial: /\n", "is not a device path" },
		{ "    platform: tzm\n    serial: tcp:host\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: tcp::5555\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: tcp:host:0\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: tcp:host:65536\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: tcp:host:05555\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: \"/dev/tty S0\"\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: \"/dev/a,timeout=1\"\n",
		  "is not a device path" },
		{ "    platform: tzm\n    serial: [/dev/ttyUSB0]\n",
		  "expected a string" },
	};
	struct deploy_desc *d = desc_new();
	char extra[320], long_path[DEPLOY_SERIAL_MAX + 2], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(extra, sizeof extra,
			 "    platform: tzm\n    serial: \"%s\"\n", good[i]);
		if (one_node(d, extra, err, sizeof err) != DEPLOY_OK)
			fail_msg("%s: %s", good[i], err);
		assert_string_equal(d->nodes[0].platform, "tzm");
		assert_string_equal(d->nodes[0].serial, good[i]);
	}
	assert_int_equal(one_node(d, "    platform: tzm\n", err, sizeof err),
			 DEPLOY_OK);
	assert_string_equal(d->nodes[0].serial, ""); /* QEMU by the backend */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(one_node(d, bad[i].extra, err, sizeof err),
				 DEPLOY_E_INPUT);
		if (strncmp(err, "s.yaml:", 7) != 0 ||
		    strstr(err, "nodes[0].serial: ") == NULL ||
		    strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
				 bad[i].msg);
	}
	/* The line is the value's, wherever the field is. */
	assert_int_equal(one_node(d, "    serial: /dev/ttyUSB0\n    platform: "
				  "native\n", err, sizeof err), DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "s.yaml:6: nodes[0].serial: "));
	memset(long_path, 'a', sizeof long_path - 1);
	long_path[0] = '/';
	long_path[sizeof long_path - 1] = 0;
	snprintf(extra, sizeof extra, "    platform: tzm\n    serial: %s\n",
		 long_path);
	assert_int_equal(one_node(d, extra, err, sizeof err), DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "longer than 255 characters"));
	long_path[sizeof long_path - 2] = 0; /* exactly the maximum */
	snprintf(extra, sizeof extra, "    platform: tzm\n    serial: %s\n",
		 long_path);
	if (one_node(d, extra, err, sizeof err) != DEPLOY_OK)
		fail_msg("%s", err);
	assert_string_equal(d->nodes[0].serial, long_path);
	free(d);
}

/* In-memory parsing: no crash and a clear error on hostile shapes. */
static void test_hostile_inputs(void **state)
{
	static const char *const inputs[] = {
		"", "---", "[]", "42", "name: x\nnodes: {a: 1}",
		"name: x\nnodes:\n  - 5\n", "name: &a x\nnodes: *a",
		("name: x\nnodes:\n  - {name: e, host: h, port: 1}\nmodules:\n"
		 "  - {name: m, node: e, source: s.c, source: t.c}"),
		"\xff\xfe\x00", "name: x\nname: y",
	};
	struct deploy_desc *d = desc_new();
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		err[0] = 0;
		assert_int_equal(deploy_desc_parse(inputs[i], strlen(inputs[i]),
						   "mem.yaml", NULL, d, err,
						   sizeof err),
				 DEPLOY_E_INPUT);
		assert_true(strncmp(err, "mem.yaml:", 9) == 0);
	}
	free(d);
}

/* Every prefix and every single-byte change of the good descriptor parses
 * or fails with a file:line error, never crashes (ASan build). */
static void test_mutations(void **state)
{
	struct deploy_desc *d = desc_new();
	static const char subst[] = {0, '\n', ':', '-', '[', '{', '"', 'x'};
	char err[512], *copy;
	uint8_t *text;
	size_t len;

	(void)state;
	assert_int_equal(deploy_read_file(DATA "/good/thermo.yaml", &text, &len,
					  1 << 20, err, sizeof err), DEPLOY_OK);
	copy = malloc(len + 1);
	assert_non_null(copy);
	for (size_t n = 0; n <= len; n++) {
		memcpy(copy, text, n);
		if (deploy_desc_parse(copy, n, "m.yaml", NULL, d, err,
				      sizeof err) != DEPLOY_OK)
			assert_true(strncmp(err, "m.yaml:", 7) == 0);
	}
	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < sizeof subst; k++) {
			memcpy(copy, text, len);
			copy[i] = subst[k];
			if (deploy_desc_parse(copy, len, "m.yaml", NULL, d, err,
					      sizeof err) != DEPLOY_OK)
				assert_true(strncmp(err, "m.yaml:", 7) == 0);
		}
	free(copy);
	free(text);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_yaml),
		cmocka_unit_test(test_good_json),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_hostile_inputs),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
