/*
 * deploy_descriptor.c - see deploy_descriptor.h. The YAML is loaded into
 * libyaml's document tree (which keeps each node's line), then walked
 * with one small function per section; JSON is YAML's flow style, so the
 * same code reads it.
 */
#include "deploy_descriptor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "ax_crypto.h"
#include "deploy_data.h"

struct ctx {
	yaml_document_t *doc;
	const char *file;
	const char *dir;
	struct deploy_desc *d;
	char *err;
	size_t errlen;
};

static int line_of(const yaml_node_t *n)
{
	return n == NULL ? 1 : (int)n->start_mark.line + 1;
}

static int fail(struct ctx *c, int line, const char *field, const char *fmt,
		...) DEPLOY_PRINTF(4, 5);

static int fail(struct ctx *c, int line, const char *field, const char *fmt,
		...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	deploy_errf(c->err, c->errlen, "%s:%d: %s: %s", c->file, line, field,
		    msg);
	return -1;
}

/* ------------------------------------------------------------ helpers */

/* Edit distance, for "did you mean"; short strings only. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[DEPLOY_NAME_MAX + 1];

	if (la > DEPLOY_NAME_MAX || lb > DEPLOY_NAME_MAX)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* " (did you mean 'x'?)" for the closest of n names (stride apart). */
static void suggest(const char *word, const char *names, size_t n,
		    size_t stride, char *out, size_t cap)
{
	size_t best = 3;
	const char *pick = NULL;

	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *cand = names + i * stride;
		size_t dist = distance(word, cand);

		if (dist < best) {
			best = dist;
			pick = cand;
		}
	}
	if (pick != NULL)
		snprintf(out, cap, " (did you mean '%.31s'?)", pick);
}

static int valid_name(const char *s, int dash_ok)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DEPLOY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '_' ||
			 (dash_ok && ch == '-');
		if (!ok)
			return 0;
	}
	return 1;
}

static yaml_node_t *node_at(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static const char *scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE
		       ? (const char *)n->data.scalar.value
		       : NULL;
}

/* Unknown and duplicate keys of a mapping are errors. */
static int check_keys(struct ctx *c, yaml_node_t *map, const char *path,
		      const char *const *allowed, size_t n_allowed)
{
	yaml_node_pair_t *p, *q;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_at(c, p->key);
		const char *key = scalar(k);
		char field[160], hint[64];
		size_t i;

		if (key == NULL)
			return fail(c, line_of(k), path,
				    "keys must be plain names");
		snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "",
			 key);
		for (i = 0; i < n_allowed; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i == n_allowed) {
			char names[8][DEPLOY_NAME_MAX] = {{0}};

			for (i = 0; i < n_allowed && i < 8; i++)
				snprintf(names[i], DEPLOY_NAME_MAX, "%s",
					 allowed[i]);
			suggest(key, names[0], i, DEPLOY_NAME_MAX, hint,
				sizeof hint);
			return fail(c, line_of(k), field, "unknown field%s",
				    hint);
		}
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			const char *prev = scalar(node_at(c, q->key));

			if (prev != NULL && strcmp(key, prev) == 0)
				return fail(c, line_of(k), field,
					    "given twice");
		}
	}
	return 0;
}

static yaml_node_t *get(struct ctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(node_at(c, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return node_at(c, p->value);
	}
	return NULL;
}

/* A string field: *out is the value or NULL (when absent and optional). */
static int get_str(struct ctx *c, yaml_node_t *map, const char *path,
		   const char *key, int required, const char **out, int *line)
{
	yaml_node_t *v = get(c, map, key);
	char field[160];

	snprintf(field, sizeof field, "%s%s%s", path, *path ? "." : "", key);
	*out = NULL;
	*line = line_of(v != NULL ? v : map);
	if (v == NULL) {
		if (required)
			return fail(c, line_of(map), field, "missing field");
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE)
		return fail(c, line_of(v), field, "expected a string, not a %s",
			    v->type == YAML_MAPPING_NODE ? "mapping"
							 : "list");
	*out = scalar(v);
	return 0;
}

/* A section that must be a list (absent: *out = NULL). */
static int get_list(struct ctx *c, yaml_node_t *root, const char *key,
		    int required, yaml_node_t **out)
{
	yaml_node_t *v = get(c, root, key);

	*out = NULL;
	if (v == NULL)
		return required ? fail(c, line_of(root), key, "missing field")
				: 0;
	if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0 &&
	    !required)
		return 0; /* "periodic:" with nothing after it */
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, line_of(v), key, "expected a list");
	*out = v;
	return 0;
}

static int item_count(yaml_node_t *seq)
{
	return seq == NULL ? 0
			   : (int)(seq->data.sequence.items.top -
				   seq->data.sequence.items.start);
}

static yaml_node_t *item(struct ctx *c, yaml_node_t *seq, int i,
			 const char *sec, char *path, size_t cap)
{
	yaml_node_t *n = node_at(c, seq->data.sequence.items.start[i]);

	snprintf(path, cap, "%s[%d]", sec, i);
	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		fail(c, line_of(n != NULL ? n : seq), path,
		     "expected a mapping");
		return NULL;
	}
	return n;
}

/* ------------------------------------------------------------ sections */

static int parse_port(struct ctx *c, yaml_node_t *map, const char *path,
		      uint16_t *port)
{
	yaml_node_t *v = get(c, map, "port");
	char field[160];
	unsigned long val = 0;
	const char *s;

	snprintf(field, sizeof field, "%s.port", path);
	if (v == NULL)
		return fail(c, line_of(map), field, "missing field");
	s = scalar(v);
	if (s == NULL || v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    *s == 0 || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return fail(c, line_of(v), field,
			    "expected a port number 1..65535");
	val = strtoul(s, NULL, 10);
	if (val < 1 || val > 65535)
		return fail(c, line_of(v), field,
			    "port %lu out of range 1..65535", val);
	*port = (uint16_t)val;
	return 0;
}

static int valid_host(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > DEPLOY_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (h[i] <= 0x20 || h[i] > 0x7e || h[i] == '[' || h[i] == ']')
			return 0;
	return 1;
}

/* "1".."65535": decimal, no sign, no leading zero. */
static int valid_port(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 5 && s[0] != '0' &&
	       strspn(s, "0123456789") == n && strtoul(s, NULL, 10) <= 65535;
}

/* A tzm node's serial link: an absolute device path or tcp:HOST:PORT
 * (HOST may be an IPv6 literal: the port follows the last colon). It ends
 * up in authexd's --platform-opt, so no commas. */
static int valid_serial(const char *s)
{
	const char *colon;
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] > 0x7e || s[i] == ',')
			return 0;
	if (s[0] == '/')
		return n > 1;
	if (strncmp(s, "tcp:", 4) != 0)
		return 0;
	colon = strrchr(s + 4, ':');
	return colon != NULL && colon > s + 4 && valid_port(colon + 1);
}

static int parse_serial(struct ctx *c, yaml_node_t *m, const char *path,
			struct deploy_node *nd)
{
	const char *serial;
	char field[96];
	int line;

	if (get_str(c, m, path, "serial", 0, &serial, &line) != 0)
		return -1;
	nd->serial[0] = 0;
	if (serial == NULL)
		return 0;
	snprintf(field, sizeof field, "%s.serial", path);
	if (strcmp(nd->platform, "tzm") != 0)
		return fail(c, line, field, "only a tzm node has a serial link "
			    "(this node's platform is '%s')", nd->platform);
	if (*serial == 0)
		return fail(c, line, field, "empty: expected a device path "
			    "(/dev/ttyUSB0) or tcp:HOST:PORT");
	if (strlen(serial) > DEPLOY_SERIAL_MAX)
		return fail(c, line, field, "longer than %d characters",
			    DEPLOY_SERIAL_MAX);
	if (!valid_serial(serial))
		return fail(c, line, field, "'%s' is not a device path "
			    "(/dev/ttyUSB0, /dev/pts/3) or tcp:HOST:PORT "
			    "(port 1..65535; no spaces or commas)", serial);
	snprintf(nd->serial, sizeof nd->serial, "%s", serial);
	return 0;
}

static int parse_node(struct ctx *c, yaml_node_t *m, const char *path,
		      struct deploy_node *nd)
{
	static const char *const keys[] = {"name", "host", "port", "platform",
					   "serial"};
	const char *name, *host, *plat;
	char field[96];
	int line;

	if (check_keys(c, m, path, keys, 5) != 0)
		return -1;
	nd->line = line_of(m);
	if (get_str(c, m, path, "name", 1, &name, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.name", path);
	if (!valid_name(name, 1) || strcmp(name, "deployer") == 0)
		return fail(c, line, field,
			    "'%s' is not a node name (1-31 of A-Z a-z 0-9 _ -)",
			    name);
	snprintf(nd->name, sizeof nd->name, "%s", name);
	if (get_str(c, m, path, "host", 1, &host, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.host", path);
	if (!valid_host(host))
		return fail(c, line, field,
			    "'%s' is not a host name or address", host);
	snprintf(nd->host, sizeof nd->host, "%s", host);
	if (parse_port(c, m, path, &nd->port) != 0)
		return -1;
	if (get_str(c, m, path, "platform", 0, &plat, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.platform", path);
	if (plat == NULL)
		plat = "native";
	if (strcmp(plat, "native") != 0 && strcmp(plat, "process") != 0 &&
	    strcmp(plat, "tzm") != 0)
		return fail(c, line, field,
			    "'%s' is not a platform (native, process, tzm)",
			    plat);
	snprintf(nd->platform, sizeof nd->platform, "%s", plat);
	return parse_serial(c, m, path, nd);
}

static int parse_nodes(struct ctx *c, yaml_node_t *root)
{
	struct deploy_desc *d = c->d;
	yaml_node_t *seq;
	char path[64];

	if (get_list(c, root, "nodes", 1, &seq) != 0)
		return -1;
	if (item_count(seq) == 0)
		return fail(c, line_of(seq), "nodes", "no node declared");
	if (item_count(seq) > DEPLOY_MAX_NODES)
		return fail(c, line_of(seq), "nodes", "more than %d nodes",
			    DEPLOY_MAX_NODES);
	for (int i = 0; i < item_count(seq); i++) {
		yaml_node_t *m = item(c, seq, i, "nodes", path, sizeof path);
		struct deploy_node *nd = &d->nodes[d->n_nodes];

		if (m == NULL || parse_node(c, m, path, nd) != 0)
			return -1;
		if (deploy_desc_node(d, nd->name) >= 0)
			return fail(c, nd->line, path,
				    "node '%s' declared twice", nd->name);
		for (size_t j = 0; j < d->n_nodes; j++)
			if (strcmp(d->nodes[j].host, nd->host) == 0 &&
			    d->nodes[j].port == nd->port)
				return fail(c, nd->line, path,
					    "nodes '%s' and '%s' have the same "
					    "address", d->nodes[j].name,
					    nd->name);
		d->n_nodes++;
	}
	return 0;
}

static int find_node(struct ctx *c, const char *name, int line,
		     const char *field)
{
	char hint[64];
	int i = deploy_desc_node(c->d, name);

	if (i >= 0)
		return i;
	suggest(name, c->d->nodes[0].name, c->d->n_nodes,
		sizeof(struct deploy_node), hint, sizeof hint);
	return fail(c, line, field, "node '%s' is not declared%s", name, hint);
}

static int parse_module(struct ctx *c, yaml_node_t *m, const char *path,
			struct deploy_module *md)
{
	static const char *const keys[] = {"name", "node", "source"};
	const char *name, *node, *src;
	char field[96];
	int line;

	if (check_keys(c, m, path, keys, 3) != 0)
		return -1;
	md->line = line_of(m);
	if (get_str(c, m, path, "name", 1, &name, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.name", path);
	if (!valid_name(name, 0) || strcmp(name, "deployer") == 0)
		return fail(c, line, field,
			    "'%s' is not a module name (1-31 of A-Z a-z 0-9 _;"
			    " not 'deployer')", name);
	snprintf(md->name, sizeof md->name, "%s", name);
	if (get_str(c, m, path, "node", 1, &node, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.node", path);
	md->node = find_node(c, node, line, field);
	if (md->node < 0)
		return -1;
	if (get_str(c, m, path, "source", 1, &src, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.source", path);
	if (*src == 0 || deploy_path_join(c->dir ? c->dir : ".", src,
					  md->source, sizeof md->source) != 0)
		return fail(c, line, field, "bad path '%s'", src);
	if (c->dir != NULL && access(md->source, R_OK) != 0)
		return fail(c, line, field, "cannot read '%s'", md->source);
	return 0;
}

static int parse_modules(struct ctx *c, yaml_node_t *root)
{
	struct deploy_desc *d = c->d;
	yaml_node_t *seq;
	char path[64];

	if (get_list(c, root, "modules", 1, &seq) != 0)
		return -1;
	if (item_count(seq) == 0)
		return fail(c, line_of(seq), "modules", "no module declared");
	if (item_count(seq) > DEPLOY_MAX_MODULES)
		return fail(c, line_of(seq), "modules", "more than %d modules",
			    DEPLOY_MAX_MODULES);
	for (int i = 0; i < item_count(seq); i++) {
		yaml_node_t *m = item(c, seq, i, "modules", path, sizeof path);
		struct deploy_module *md = &d->modules[d->n_modules];

		if (m == NULL || parse_module(c, m, path, md) != 0)
			return -1;
		if (deploy_desc_module(d, md->name) >= 0)
			return fail(c, md->line, path,
				    "module '%s' declared twice", md->name);
		d->n_modules++;
	}
	return 0;
}

/* "module.endpoint" or "deployer". */
static int parse_end(struct ctx *c, const char *s, int line, const char *field,
		     struct deploy_end *e)
{
	const char *dot = strchr(s, '.');
	char mod[DEPLOY_NAME_MAX], hint[64];

	e->line = line;
	e->ep[0] = 0;
	if (strcmp(s, "deployer") == 0) {
		e->module = DEPLOY_DEPLOYER;
		return 0;
	}
	if (dot == NULL || strchr(dot + 1, '.') != NULL ||
	    (size_t)(dot - s) >= sizeof mod || !valid_name(dot + 1, 0))
		return fail(c, line, field,
			    "'%s' is not 'module.endpoint' or 'deployer'", s);
	snprintf(mod, sizeof mod, "%.*s", (int)(dot - s), s);
	snprintf(e->ep, sizeof e->ep, "%s", dot + 1);
	e->module = deploy_desc_module(c->d, mod);
	if (e->module < 0) {
		suggest(mod, c->d->modules[0].name, c->d->n_modules,
			sizeof(struct deploy_module), hint, sizeof hint);
		return fail(c, line, field, "module '%s' is not declared%s",
			    mod, hint);
	}
	return 0;
}

static int parse_alg(struct ctx *c, yaml_node_t *m, const char *path,
		     unsigned *alg)
{
	const char *s;
	char field[96];
	int line;

	if (get_str(c, m, path, "encryption", 0, &s, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.encryption", path);
	if (s == NULL || strcmp(s, "aes-128-gcm") == 0)
		*alg = AX_AEAD_AES128GCM;
	else if (strcmp(s, "chacha20-poly1305") == 0)
		*alg = AX_AEAD_CHACHA20POLY1305;
	else
		return fail(c, line, field,
			    "'%s' is not aes-128-gcm or chacha20-poly1305", s);
	return 0;
}

static void conn_ident(struct deploy_desc *d, struct deploy_conn *cn)
{
	char from[2 * DEPLOY_NAME_MAX + 2], to[2 * DEPLOY_NAME_MAX + 2];
	const struct deploy_end *e[2] = {&cn->from, &cn->to};
	char *out[2] = {from, to};

	if (cn->name[0]) {
		memcpy(cn->ident, cn->name, sizeof cn->name);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (e[i]->module == DEPLOY_DEPLOYER)
			snprintf(out[i], sizeof from, "deployer");
		else
			snprintf(out[i], sizeof from, "%s.%s",
				 d->modules[e[i]->module].name, e[i]->ep);
	}
	snprintf(cn->ident, sizeof cn->ident, "%s->%s", from, to);
}

static int parse_conn(struct ctx *c, yaml_node_t *m, const char *path,
		      struct deploy_conn *cn)
{
	static const char *const keys[] = {"name", "from", "to", "encryption"};
	const char *name, *from, *to;
	char field[96];
	int line;

	if (check_keys(c, m, path, keys, 4) != 0)
		return -1;
	cn->line = line_of(m);
	if (get_str(c, m, path, "name", 0, &name, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.name", path);
	if (name != NULL && (!valid_name(name, 0)))
		return fail(c, line, field,
			    "'%s' is not a connection name (1-31 of A-Z a-z "
			    "0-9 _)", name);
	snprintf(cn->name, sizeof cn->name, "%s", name ? name : "");
	if (get_str(c, m, path, "from", 1, &from, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.from", path);
	if (parse_end(c, from, line, field, &cn->from) != 0)
		return -1;
	if (get_str(c, m, path, "to", 1, &to, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.to", path);
	if (parse_end(c, to, line, field, &cn->to) != 0)
		return -1;
	if (cn->from.module == DEPLOY_DEPLOYER &&
	    cn->to.module == DEPLOY_DEPLOYER)
		return fail(c, line, field, "both sides are the deployer");
	if (cn->from.module == DEPLOY_DEPLOYER && !cn->name[0])
		return fail(c, cn->line, path,
			    "a connection from the deployer needs a name");
	if (parse_alg(c, m, path, &cn->alg) != 0)
		return -1;
	conn_ident(c->d, cn);
	return 0;
}

static int parse_conns(struct ctx *c, yaml_node_t *root)
{
	struct deploy_desc *d = c->d;
	yaml_node_t *seq;
	char path[64];

	if (get_list(c, root, "connections", 0, &seq) != 0)
		return -1;
	if (item_count(seq) > DEPLOY_MAX_CONNS)
		return fail(c, line_of(seq), "connections",
			    "more than %d connections", DEPLOY_MAX_CONNS);
	for (int i = 0; i < item_count(seq); i++) {
		yaml_node_t *m = item(c, seq, i, "connections", path,
				      sizeof path);
		struct deploy_conn *cn = &d->conns[d->n_conns];

		if (m == NULL || parse_conn(c, m, path, cn) != 0)
			return -1;
		if (deploy_desc_conn(d, cn->ident) >= 0)
			return fail(c, cn->line, path,
				    "connection '%s' declared twice",
				    cn->ident);
		d->n_conns++;
	}
	return 0;
}

/* "500ms", "2s": 10 ms .. 24 h. */
static int parse_period(struct ctx *c, const char *s, int line,
			const char *field, uint32_t *ms)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return fail(c, line, field,
			    "'%s' is not a period like 500ms or 2s", s);
	v = strtoull(s, &end, 10);
	if (strcmp(end, "s") == 0 && v <= AX_WIRE_PERIOD_MAX_MS / 1000)
		v *= 1000;
	else if (strcmp(end, "ms") != 0 && strcmp(end, "s") != 0)
		return fail(c, line, field,
			    "'%s' is not a period like 500ms or 2s", s);
	if (v < AX_WIRE_PERIOD_MIN_MS || v > AX_WIRE_PERIOD_MAX_MS)
		return fail(c, line, field,
			    "period '%s' out of range 10ms..86400s", s);
	*ms = (uint32_t)v;
	return 0;
}

static int parse_periodic_item(struct ctx *c, yaml_node_t *m,
			       const char *path, struct deploy_periodic *p)
{
	static const char *const keys[] = {"call", "every", "arg"};
	struct deploy_end e;
	const char *call, *every, *arg;
	char field[96], msg[160];
	int line;

	if (check_keys(c, m, path, keys, 3) != 0)
		return -1;
	p->line = line_of(m);
	if (get_str(c, m, path, "call", 1, &call, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.call", path);
	if (parse_end(c, call, line, field, &e) != 0)
		return -1;
	if (e.module == DEPLOY_DEPLOYER)
		return fail(c, line, field, "the deployer has no entry points");
	p->module = e.module;
	memcpy(p->entry, e.ep, sizeof p->entry);
	if (get_str(c, m, path, "every", 1, &every, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.every", path);
	if (parse_period(c, every, line, field, &p->period_ms) != 0)
		return -1;
	if (get_str(c, m, path, "arg", 0, &arg, &line) != 0)
		return -1;
	snprintf(field, sizeof field, "%s.arg", path);
	if (arg != NULL && deploy_data_parse(arg, p->arg, sizeof p->arg,
					     &p->arg_len, msg, sizeof msg) != 0)
		return fail(c, line, field, "%s", msg);
	return 0;
}

static int parse_periodic(struct ctx *c, yaml_node_t *root)
{
	struct deploy_desc *d = c->d;
	yaml_node_t *seq;
	char path[64];

	if (get_list(c, root, "periodic", 0, &seq) != 0)
		return -1;
	if (item_count(seq) > DEPLOY_MAX_PERIODIC)
		return fail(c, line_of(seq), "periodic",
			    "more than %d periodic events",
			    DEPLOY_MAX_PERIODIC);
	for (int i = 0; i < item_count(seq); i++) {
		yaml_node_t *m = item(c, seq, i, "periodic", path, sizeof path);
		struct deploy_periodic *p = &d->periodic[d->n_periodic];

		if (m == NULL || parse_periodic_item(c, m, path, p) != 0)
			return -1;
		for (size_t j = 0; j < d->n_periodic; j++)
			if (d->periodic[j].module == p->module &&
			    strcmp(d->periodic[j].entry, p->entry) == 0)
				return fail(c, p->line, path,
					    "%s.%s already has a periodic "
					    "event", d->modules[p->module].name,
					    p->entry);
		d->n_periodic++;
	}
	return 0;
}

static int parse_root(struct ctx *c, yaml_node_t *root)
{
	static const char *const keys[] = {"name", "nodes", "modules",
					   "connections", "periodic"};
	const char *name;
	int line;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return fail(c, line_of(root), "(document)",
			    "expected a mapping with name, nodes, modules");
	if (check_keys(c, root, "", keys, 5) != 0)
		return -1;
	if (get_str(c, root, "", "name", 1, &name, &line) != 0)
		return -1;
	if (!valid_name(name, 1))
		return fail(c, line, "name",
			    "'%s' is not a deployment name (1-31 of A-Z a-z "
			    "0-9 _ -)", name);
	snprintf(c->d->name, sizeof c->d->name, "%s", name);
	if (parse_nodes(c, root) != 0 || parse_modules(c, root) != 0 ||
	    parse_conns(c, root) != 0 || parse_periodic(c, root) != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------- public */

deploy_status deploy_desc_parse(const char *text, size_t len,
				const char *fname, const char *dir,
				struct deploy_desc *d, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = {&doc, fname, dir, d, err, errlen};
	int rc;

	memset(d, 0, sizeof *d);
	snprintf(d->path, sizeof d->path, "%s", fname);
	snprintf(d->dir, sizeof d->dir, "%s", dir ? dir : ".");
	if (!yaml_parser_initialize(&parser)) {
		deploy_errf(err, errlen, "%s: out of memory", fname);
		return DEPLOY_E_FAIL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.context != NULL)
			deploy_errf(err, errlen, "%s:%zu: (syntax): %s (%s "
				    "at line %zu)", fname,
				    parser.problem_mark.line + 1,
				    parser.problem ? parser.problem : "bad YAML",
				    parser.context, parser.context_mark.line + 1);
		else
			deploy_errf(err, errlen, "%s:%zu: (syntax): %s", fname,
				    parser.problem_mark.line + 1,
				    parser.problem ? parser.problem
						   : "bad YAML");
		yaml_parser_delete(&parser);
		return DEPLOY_E_INPUT;
	}
	rc = parse_root(&c, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc == 0 ? DEPLOY_OK : DEPLOY_E_INPUT;
}

deploy_status deploy_desc_load(const char *path, struct deploy_desc *d,
			       char *err, size_t errlen)
{
	char dir[DEPLOY_PATH_MAX];
	uint8_t *buf;
	size_t len;
	deploy_status st;

	st = deploy_read_file(path, &buf, &len, DEPLOY_DESC_MAX_SIZE, err,
			      errlen);
	if (st != DEPLOY_OK)
		return DEPLOY_E_INPUT;
	deploy_dir_of(path, dir, sizeof dir);
	st = deploy_desc_parse((const char *)buf, len, path, dir, d, err,
			       errlen);
	free(buf);
	return st;
}

/* -------------------------------------------------- endpoints (stage 2) */

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case AX_EP_OUTPUT: return "an output";
	case AX_EP_INPUT: return "an input";
	case AX_EP_ENTRY: return "an entry point";
	case AX_EP_REQUEST: return "a request";
	case AX_EP_HANDLER: return "a handler";
	default: return "an endpoint";
	}
}

/* The endpoint of one end, or an error if missing. */
static const struct ax_manifest_ep *end_ep(struct ctx *c,
	const struct deploy_end *e, const struct ax_manifest *man,
	const char *field)
{
	const struct deploy_module *md = &c->d->modules[e->module];
	const struct ax_manifest *m = &man[e->module];
	const struct ax_manifest_ep *ep = ax_manifest_find(m, e->ep, 0);
	char names[AX_MAX_ENDPOINTS][DEPLOY_NAME_MAX], hint[64];

	if (ep != NULL)
		return ep;
	for (size_t i = 0; i < m->n; i++)
		memcpy(names[i], m->ep[i].name, DEPLOY_NAME_MAX);
	suggest(e->ep, names[0], m->n, DEPLOY_NAME_MAX, hint, sizeof hint);
	fail(c, e->line, field, "module '%s' has no endpoint '%s'%s", md->name,
	     e->ep, hint);
	return NULL;
}

static int check_conn(struct ctx *c, const struct deploy_conn *cn,
		      const struct ax_manifest *man, const char *path)
{
	const struct ax_manifest_ep *f = NULL, *t = NULL;
	char ff[96], tf[96];

	snprintf(ff, sizeof ff, "%s.from", path);
	snprintf(tf, sizeof tf, "%s.to", path);
	if (cn->from.module != DEPLOY_DEPLOYER &&
	    (f = end_ep(c, &cn->from, man, ff)) == NULL)
		return -1;
	if (cn->to.module != DEPLOY_DEPLOYER &&
	    (t = end_ep(c, &cn->to, man, tf)) == NULL)
		return -1;
	if (f != NULL && f->kind != AX_EP_OUTPUT && f->kind != AX_EP_REQUEST)
		return fail(c, cn->from.line, ff,
			    "'%s' is %s; a connection starts at an output or "
			    "a request", f->name, kind_name(f->kind));
	if (t != NULL && t->kind != AX_EP_INPUT && t->kind != AX_EP_HANDLER)
		return fail(c, cn->to.line, tf,
			    "'%s' is %s; a connection ends at an input or a "
			    "handler", t->name, kind_name(t->kind));
	if (f == NULL || t == NULL) {
		if (f != NULL && f->kind == AX_EP_REQUEST)
			return fail(c, cn->to.line, tf,
				    "the deployer cannot answer requests of "
				    "'%s'", f->name);
		return 0;
	}
	if ((f->kind == AX_EP_OUTPUT) != (t->kind == AX_EP_INPUT))
		return fail(c, cn->to.line, tf,
			    "'%s' is %s but '%s' is %s (output -> input, "
			    "request -> handler)", f->name, kind_name(f->kind),
			    t->name, kind_name(t->kind));
	return 0;
}

deploy_status deploy_desc_check_endpoints(const struct deploy_desc *d,
					  const struct ax_manifest *man,
					  char *err, size_t errlen)
{
	struct ctx c = {NULL, d->path, d->dir, (struct deploy_desc *)d, err,
			errlen};
	char path[64], field[96];

	for (size_t i = 0; i < d->n_conns; i++) {
		snprintf(path, sizeof path, "connections[%zu]", i);
		if (check_conn(&c, &d->conns[i], man, path) != 0)
			return DEPLOY_E_INPUT;
	}
	for (size_t i = 0; i < d->n_periodic; i++) {
		const struct deploy_periodic *p = &d->periodic[i];
		struct deploy_end e = {p->module, {0}, p->line};
		const struct ax_manifest_ep *ep;

		memcpy(e.ep, p->entry, sizeof e.ep);
		snprintf(field, sizeof field, "periodic[%zu].call", i);
		ep = end_ep(&c, &e, man, field);
		if (ep == NULL)
			return DEPLOY_E_INPUT;
		if (ep->kind != AX_EP_ENTRY) {
			fail(&c, p->line, field,
			     "'%s' is %s, not an entry point", ep->name,
			     kind_name(ep->kind));
			return DEPLOY_E_INPUT;
		}
	}
	return DEPLOY_OK;
}

int deploy_desc_node(const struct deploy_desc *d, const char *name)
{
	for (size_t i = 0; i < d->n_nodes; i++)
		if (strcmp(d->nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

int deploy_desc_module(const struct deploy_desc *d, const char *name)
{
	for (size_t i = 0; i < d->n_modules; i++)
		if (strcmp(d->modules[i].name, name) == 0)
			return (int)i;
	return -1;
}

int deploy_desc_conn(const struct deploy_desc *d, const char *name)
{
	for (size_t i = 0; i < d->n_conns; i++)
		if (strcmp(d->conns[i].ident, name) == 0 ||
		    (d->conns[i].name[0] &&
		     strcmp(d->conns[i].name, name) == 0))
			return (int)i;
	return -1;
}

const char *deploy_desc_alg_name(unsigned alg)
{
	return alg == AX_AEAD_CHACHA20POLY1305 ? "chacha20-poly1305"
					       : "aes-128-gcm";
}
