/* test_keyfile.c - node key files and the keystore (src/common/ax_keyfile.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_hex.h"
#include "ax_keyfile.h"

#define K64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define C64 "ffeeddccbbaa99887766554433221100FFEEDDCCBBAA99887766554433221100"

static struct ax_keyfile_node nodes[4];
static char err[256];

static int parse(const char *text, size_t *n)
{
	return ax_keyfile_parse(text, strlen(text), "k.keys", nodes, 4, n, err,
				sizeof(err));
}

static void test_parse_two_nodes(void **state)
{
	const char *t = "# comment\n"
			"name field\nnode_id 0x1a2b3c4d\nnode_key " K64 "\n"
			"control_key " C64 "\n"
			"\n  \t\n"
			"  name   cloud-1  \r\n"
			"control_key\t" K64 "\nnode_key " C64 "\nnode_id 0X00000002\n";
	size_t n;
	(void)state;
	assert_int_equal(parse(t, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(nodes[0].name, "field");
	assert_int_equal(nodes[0].node_id, 0x1a2b3c4d);
	assert_int_equal(nodes[0].node_key[1], 0x01);
	assert_int_equal(nodes[0].node_key[31], 0x1f);
	assert_int_equal(nodes[0].control_key[0], 0xff);
	assert_int_equal(nodes[0].control_key[16], 0xff);
	assert_string_equal(nodes[1].name, "cloud-1");
	assert_int_equal(nodes[1].node_id, 2);
	assert_ptr_equal(ax_keyfile_find(nodes, n, "cloud-1"), &nodes[1]);
	assert_null(ax_keyfile_find(nodes, n, "cloud"));
}

/* Each bad file gives its own message with the right line. */
static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"", "k.keys:0: no node in key file"},
		{"# only a comment\n", "k.keys:1: no node in key file"},
		{"name a\ncolour blue\n", "k.keys:2: unknown key 'colour'"},
		{"name a\nname b\n", "k.keys:2: 'name' given twice in one node"},
		{"name a b\n", "k.keys:1: bad value for 'name'"},
		{"name a\nnode_id 0x00000000\n", "k.keys:2: bad value for 'node_id'"},
		{"name a\nnode_id 0xffffffff\n", "k.keys:2: bad value for 'node_id'"},
		{"name a\nnode_id 12\n", "k.keys:2: bad value for 'node_id'"},
		{"name a\nnode_key " K64 "0\n", "k.keys:2: bad value for 'node_key'"},
		{"name a\nnode_key " K64 "\ncontrol_key zz" C64 "\n",
		 "k.keys:3: bad value for 'control_key'"},
		{"name a\nnode_id\n", "k.keys:2: 'node_id' has no value"},
		{"\n\nname a\nnode_id 0x00000001\n\n",
		 "k.keys:3: node block is missing 'node_key'"},
		{"name a\nnode_id 0x00000001\nnode_key " K64 "\ncontrol_key " C64
		 "\n\nname a\nnode_id 0x00000002\nnode_key " K64
		 "\ncontrol_key " C64 "\n",
		 "k.keys:6: node 'a' appears twice"},
		{"name a\nnode_id 0x00000001\nnode_key " K64 "\ncontrol_key " C64
		 "\n\nname b\nnode_id 0x00000001\nnode_key " K64
		 "\ncontrol_key " C64 "\n",
		 "k.keys:6: node_id 0x00000001 appears twice"},
	};
	size_t n = 99;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse(cases[i].text, &n), -1);
		assert_int_equal(n, 0);
		assert_true(strncmp(err, cases[i].want, strlen(cases[i].want)) ==
			    0);
	}
	/* A NUL inside the text, and more nodes than room. */
	{
		const char t[] = "name a\0b\n";
		assert_int_equal(ax_keyfile_parse(t, sizeof(t) - 1, "k.keys",
						  nodes, 4, &n, err,
						  sizeof(err)), -1);
		assert_string_equal(err, "k.keys:1: NUL byte in key file");
	}
	{
		char t[2048] = "";
		for (int i = 1; i <= 5; i++)
			snprintf(t + strlen(t), sizeof(t) - strlen(t),
				 "name n%d\nnode_id 0x0000000%d\nnode_key " K64
				 "\ncontrol_key " C64 "\n\n", i, i);
		assert_int_equal(parse(t, &n), -1);
		assert_string_equal(err, "k.keys:21: more than 4 nodes");
	}
}

static void test_write_load_round_trip(void **state)
{
	char dir[] = "/tmp/ax_keyfile_XXXXXX", path[256];
	struct ax_keyfile_node a[2], got[4];
	struct stat st;
	size_t n;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/app.keys", dir);
	assert_int_equal(ax_keyfile_new("edge", &a[0], err, sizeof(err)), 0);
	assert_int_equal(ax_keyfile_new("cloud", &a[1], err, sizeof(err)), 0);
	assert_memory_not_equal(a[0].node_key, a[1].node_key, 32);
	assert_int_equal(ax_keyfile_write(path, a, 2, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ax_keyfile_load(path, got, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(got, a, sizeof(a));
	/* A key file others can read is refused. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ax_keyfile_load(path, got, 4, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0600"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ax_keyfile_load(path, got, 4, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(rmdir(dir), 0);
}

static void test_new_rejects_bad_names(void **state)
{
	struct ax_keyfile_node a;
	(void)state;
	assert_int_equal(ax_keyfile_new("", &a, err, sizeof(err)), -1);
	assert_int_equal(ax_keyfile_new("a b", &a, err, sizeof(err)), -1);
	assert_int_equal(ax_keyfile_new("0123456789012345678901234567890123",
					&a, err, sizeof(err)), -1);
	assert_int_equal(ax_keyfile_new("ok_name-1", &a, err, sizeof(err)), 0);
	assert_true(a.node_id != 0 && a.node_id != 0xffffffffu);
}

/* Every byte value: the branch-free decoder agrees with a plain one. */
static void test_hex_digit_every_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		int want = -1;
		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		assert_int_equal(ax_hex_digit((char)c), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_digit_every_byte),
		cmocka_unit_test(test_parse_two_nodes),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_write_load_round_trip),
		cmocka_unit_test(test_new_rejects_bad_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
