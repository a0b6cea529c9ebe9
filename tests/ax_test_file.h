/*
 * ax_test_file.h - read a whole file into a heap block of exactly its
 * length, for cmocka unit tests that parse images in place: an overread
 * of the block is caught by AddressSanitizer. Include after <cmocka.h>.
 */
#ifndef AX_TEST_FILE_H
#define AX_TEST_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct file {
	uint8_t *b;
	size_t len;
};

/* ax_test_file_read - the file at dir/name; fails the test if it cannot
 * be read or is empty. The caller frees f.b. */
static inline struct file ax_test_file_read(const char *dir, const char *name)
{
	char path[1024];
	struct file f = { NULL, 0 };
	FILE *fp;
	long n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	f.len = (size_t)n;
	f.b = malloc(f.len);
	assert_non_null(f.b);
	assert_int_equal(fread(f.b, 1, f.len, fp), f.len);
	fclose(fp);
	return f;
}

#endif /* AX_TEST_FILE_H */
