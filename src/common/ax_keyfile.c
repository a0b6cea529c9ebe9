/* ax_keyfile.c - see ax_keyfile.h. */
#include "ax_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ax_crypto.h"
#include "ax_hex.h"

enum { F_NAME = 1, F_ID = 2, F_NODE_KEY = 4, F_CONTROL_KEY = 8, F_ALL = 15 };

struct parser {
	const char *fname;
	size_t line;
	char *err;
	size_t errlen;
	struct ax_keyfile_node *nodes;
	size_t max, n;
	unsigned have;     /* F_* bits of the block being read */
	size_t block_line; /* where it started */
};

static int fail(struct parser *p, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t line, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(p->err, p->errlen, "%s:%zu: ", p->fname, line);

	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < p->errlen)
		vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* Exactly 2*n hex digits into out; no early exit on the digits' values. */
static int parse_hex(const char *v, size_t len, uint8_t *out, size_t n)
{
	int bad = 0;

	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = ax_hex_digit(v[2 * i]);
		int lo = ax_hex_digit(v[2 * i + 1]);
		bad |= (hi | lo) < 0;
		out[i] = (uint8_t)(((hi & 15) << 4) | (lo & 15));
	}
	return bad ? -1 : 0;
}

static int name_ok(const char *v, size_t len)
{
	if (len == 0 || len >= AX_KEYFILE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int parse_id(const char *v, size_t len, uint32_t *id)
{
	uint8_t b[4];

	if (len != 10 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') ||
	    parse_hex(v + 2, 8, b, 4) != 0)
		return -1;
	*id = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	      ((uint32_t)b[2] << 8) | b[3];
	return (*id == 0 || *id == 0xffffffffu) ? -1 : 0;
}

static int set_field(struct parser *p, const char *k, size_t klen,
		     const char *v, size_t vlen)
{
	struct ax_keyfile_node *nd = &p->nodes[p->n];
	unsigned bit;
	int bad;

	if (klen == 4 && memcmp(k, "name", 4) == 0) {
		bit = F_NAME;
		bad = !name_ok(v, vlen);
		if (!bad) {
			memcpy(nd->name, v, vlen);
			nd->name[vlen] = '\0';
		}
	} else if (klen == 7 && memcmp(k, "node_id", 7) == 0) {
		bit = F_ID;
		bad = parse_id(v, vlen, &nd->node_id) != 0;
	} else if (klen == 8 && memcmp(k, "node_key", 8) == 0) {
		bit = F_NODE_KEY;
		bad = parse_hex(v, vlen, nd->node_key, 32) != 0;
	} else if (klen == 11 && memcmp(k, "control_key", 11) == 0) {
		bit = F_CONTROL_KEY;
		bad = parse_hex(v, vlen, nd->control_key, 32) != 0;
	} else {
		return fail(p, p->line, "unknown key '%.*s'", (int)klen, k);
	}
	if (p->have & bit)
		return fail(p, p->line, "'%.*s' given twice in one node",
			    (int)klen, k);
	if (bad)
		return fail(p, p->line, "bad value for '%.*s'%s", (int)klen, k,
			    bit == F_NAME ? " (1-31 of A-Z a-z 0-9 _ -)"
			    : bit == F_ID ? " (0x and 8 hex digits, not 0 or ffffffff)"
					  : " (64 hex digits)");
	p->have |= bit;
	return 0;
}

/* A block ended: check it is complete and unique, then keep it. */
static int end_block(struct parser *p)
{
	struct ax_keyfile_node *nd = &p->nodes[p->n];

	if (p->have == 0)
		return 0;
	if (p->have != F_ALL)
		return fail(p, p->block_line, "node block is missing %s",
			    !(p->have & F_NAME)       ? "'name'"
			    : !(p->have & F_ID)       ? "'node_id'"
			    : !(p->have & F_NODE_KEY) ? "'node_key'"
						      : "'control_key'");
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->nodes[i].name, nd->name) == 0)
			return fail(p, p->block_line, "node '%s' appears twice",
				    nd->name);
		if (p->nodes[i].node_id == nd->node_id)
			return fail(p, p->block_line,
				    "node_id 0x%08x appears twice", nd->node_id);
	}
	p->n++;
	p->have = 0;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	size_t k = 0, v;

	while (len > 0 && is_space(s[len - 1]))
		len--;
	while (k < len && is_space(s[k]))
		k++;
	if (k == len)
		return end_block(p);
	if (s[k] == '#')
		return 0;
	if (p->have == 0) {
		if (p->n == p->max)
			return fail(p, p->line, "more than %zu nodes", p->max);
		memset(&p->nodes[p->n], 0, sizeof(p->nodes[0]));
		p->block_line = p->line;
	}
	for (v = k; v < len && !is_space(s[v]); v++)
		;
	size_t klen = v - k;
	while (v < len && is_space(s[v]))
		v++;
	if (v == len)
		return fail(p, p->line, "'%.*s' has no value", (int)klen, s + k);
	return set_field(p, s + k, klen, s + v, len - v);
}

int ax_keyfile_parse(const char *text, size_t len, const char *fname,
		     struct ax_keyfile_node *nodes, size_t max, size_t *n,
		     char *err, size_t errlen)
{
	struct parser p = {fname, 0, err, errlen, nodes, max, 0, 0, 0};
	size_t i = 0;
	int rc = 0;

	*n = 0;
	while (rc == 0 && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		p.line++;
		if (memchr(text + i, '\0', end - i) != NULL)
			rc = fail(&p, p.line, "NUL byte in key file");
		else
			rc = parse_line(&p, text + i, end - i);
		i = end + 1;
	}
	if (rc == 0)
		rc = end_block(&p);
	if (rc == 0 && p.n == 0)
		rc = fail(&p, p.line, "no node in key file");
	if (rc != 0) {
		ax_wipe(nodes, max * sizeof(*nodes));
		return -1;
	}
	*n = p.n;
	return 0;
}

static int read_all(const char *path, char *buf, size_t cap, size_t *len,
		    char *err, size_t errlen)
{
	struct stat st;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_size > (off_t)cap) {
		snprintf(err, errlen,
			 "%s: not a regular file of at most %zu bytes with "
			 "mode 0600 (it holds secrets; chmod 600 it)",
			 path, cap);
		close(fd);
		return -1;
	}
	*len = 0;
	while ((r = read(fd, buf + *len, cap - *len)) > 0)
		*len += (size_t)r;
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int ax_keyfile_load(const char *path, struct ax_keyfile_node *nodes,
		    size_t max, size_t *n, char *err, size_t errlen)
{
	char *buf = malloc(AX_KEYFILE_MAX_SIZE);
	size_t len = 0;
	int rc = -1;

	*n = 0;
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (read_all(path, buf, AX_KEYFILE_MAX_SIZE, &len, err, errlen) == 0)
		rc = ax_keyfile_parse(buf, len, path, nodes, max, n, err,
				      errlen);
	ax_wipe(buf, AX_KEYFILE_MAX_SIZE);
	free(buf);
	return rc;
}

static void put_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('\n', f);
}

static int write_nodes(FILE *f, const struct ax_keyfile_node *nodes,
		       size_t n)
{
	fputs("# authex node keys: secret, keep mode 0600\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\nname %s\nnode_id 0x%08x\nnode_key ",
			nodes[i].name, nodes[i].node_id);
		put_hex(f, nodes[i].node_key, 32);
		fputs("control_key ", f);
		put_hex(f, nodes[i].control_key, 32);
	}
	return ferror(f) ? -1 : 0;
}

int ax_keyfile_write(const char *path, const struct ax_keyfile_node *nodes,
		     size_t n, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = write_nodes(f, nodes, n);
	rc |= fflush(f) != 0 || fsync(fd) != 0;
	rc |= fclose(f) != 0;
	if (rc == 0 && rename(tmp, path) == 0)
		return 0;
	snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
}

const struct ax_keyfile_node *ax_keyfile_find(
	const struct ax_keyfile_node *nodes, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return &nodes[i];
	return NULL;
}

int ax_keyfile_new(const char *name, struct ax_keyfile_node *out, char *err,
		   size_t errlen)
{
	size_t len = strlen(name);
	uint8_t id[4];

	memset(out, 0, sizeof(*out));
	if (!name_ok(name, len)) {
		snprintf(err, errlen,
			 "bad node name '%s' (1-31 of A-Z a-z 0-9 _ -)", name);
		return -1;
	}
	memcpy(out->name, name, len + 1);
	do {
		if (ax_random(id, 4) != AX_CRYPTO_OK)
			goto rng;
		out->node_id = ((uint32_t)id[0] << 24) | ((uint32_t)id[1] << 16) |
			       ((uint32_t)id[2] << 8) | id[3];
	} while (out->node_id == 0 || out->node_id == 0xffffffffu);
	if (ax_random(out->node_key, 32) != AX_CRYPTO_OK ||
	    ax_random(out->control_key, 32) != AX_CRYPTO_OK)
		goto rng;
	return 0;
rng:
	ax_wipe(out, sizeof(*out));
	snprintf(err, errlen, "random number generator failed");
	return -1;
}
