/*
 * deploy_state.c - see deploy_state.h. Each query is prepared once per
 * open database and reset after use; integers are stored as SQLite
 * INTEGER (signed 64-bit: nonces and counters never come near 2^63).
 *
 * Durability (docs/deployer.md, "State database"): the database is in
 * WAL mode with synchronous=NORMAL, so a commit is a write() into the
 * -wal file: it survives the process being killed, and a power loss can
 * only lose the last commits, never corrupt the file. Transactions that
 * must survive a power loss (nonce and counter reservations, ids,
 * anything that clears progress) are begun with begin_durable, which
 * switches that commit to synchronous=FULL: the -wal file is synced
 * before COMMIT returns, and with it every commit before.
 */
#include "deploy_state.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ax_crypto.h"

/* The queries, prepared on first use (query()). */
enum query {
	Q_BEGIN,
	Q_COMMIT,
	Q_META_GET,
	Q_META_SET,
	Q_ID_USED,
	Q_MODULE_GET,
	Q_MODULE_PUT,
	Q_CONN_GET,
	Q_CONN_PUT,
	Q_PERIODIC_GET,
	Q_PERIODIC_PUT,
	Q_NONCE_ADD,
	Q_NONCE_GET,
	Q_COUNTER_ADD,
	Q_COUNTER_GET,
	Q_COUNTER_ACCEPT,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_META_GET] = "SELECT value FROM meta WHERE key=?1",
	[Q_META_SET] = "INSERT OR REPLACE INTO meta(key,value) VALUES(?1,?2)",
	[Q_ID_USED] = "SELECT 1 FROM modules WHERE instance=?1 OR "
		      "old_instance=?1 UNION SELECT 1 FROM conns WHERE id=?1",
	[Q_MODULE_GET] = "SELECT instance, old_instance, node, image, "
			 "measurement, loaded, attested, disabled, ctl_nonce "
			 "FROM modules WHERE name=?1",
	/* The nonce mark of an instance never goes down, whatever the
	 * caller's row says (a row read before a reservation would
	 * otherwise hand the reserved nonces out again); a new instance
	 * (update) starts from the row's value. */
	[Q_MODULE_PUT] = "INSERT INTO modules(name, instance, old_instance, "
			 "node, image, measurement, loaded, attested, disabled,"
			 " ctl_nonce) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) "
			 "ON CONFLICT(name) DO UPDATE SET "
			 "instance=excluded.instance, "
			 "old_instance=excluded.old_instance, "
			 "node=excluded.node, image=excluded.image, "
			 "measurement=excluded.measurement, "
			 "loaded=excluded.loaded, attested=excluded.attested, "
			 "disabled=excluded.disabled, ctl_nonce=CASE WHEN "
			 "instance=excluded.instance THEN max(ctl_nonce, "
			 "excluded.ctl_nonce) ELSE excluded.ctl_nonce END",
	[Q_CONN_GET] = "SELECT id, alg, kind, key, keying, keyed_from, "
		       "keyed_to, routed_from, routed_to, tx_counter, "
		       "rx_counter FROM conns WHERE ident=?1",
	/* an update in place, where INSERT OR REPLACE would delete the row
	 * and insert it again (more pages written per commit) */
	[Q_CONN_PUT] = "INSERT INTO conns(ident, id, alg, kind, key, keying, "
		       "keyed_from, keyed_to, routed_from, routed_to, "
		       "tx_counter, rx_counter) VALUES(?1,?2,?3,?4,?5,?6,?7,"
		       "?8,?9,?10,?11,?12) ON CONFLICT(ident) DO UPDATE SET "
		       "id=excluded.id, alg=excluded.alg, kind=excluded.kind, "
		       "key=excluded.key, keying=excluded.keying, "
		       "keyed_from=excluded.keyed_from, "
		       "keyed_to=excluded.keyed_to, "
		       "routed_from=excluded.routed_from, "
		       "routed_to=excluded.routed_to, "
		       "tx_counter=excluded.tx_counter, "
		       "rx_counter=excluded.rx_counter",
	[Q_PERIODIC_GET] = "SELECT period, armed FROM periodic WHERE ident=?1",
	[Q_PERIODIC_PUT] = "INSERT OR REPLACE INTO periodic(ident, period, "
			   "armed) VALUES(?1,?2,?3)",
	[Q_NONCE_ADD] = "UPDATE modules SET ctl_nonce=ctl_nonce+?2 WHERE "
			"name=?1 AND instance=?3",
	[Q_NONCE_GET] = "SELECT ctl_nonce FROM modules WHERE name=?1",
	[Q_COUNTER_ADD] = "UPDATE conns SET tx_counter=tx_counter+?2 WHERE "
			  "ident=?1",
	[Q_COUNTER_GET] = "SELECT tx_counter FROM conns WHERE ident=?1",
	[Q_COUNTER_ACCEPT] = "UPDATE conns SET rx_counter=?2 WHERE ident=?1 "
			     "AND rx_counter<?2",
};

/* Nonces of one module instance reserved by this process and not yet
 * handed out: next .. last (last = the row's ctl_nonce when reserved). */
struct nonce_block {
	char name[DEPLOY_NAME_MAX];
	uint32_t instance;
	uint64_t next, last;
};

struct deploy_state {
	sqlite3 *db;
	char path[DEPLOY_PATH_MAX];
	int wal;                /* journal_mode=WAL, synchronous=NORMAL */
	int durable;            /* the open transaction commits with FULL */
	sqlite3_stmt *q[Q_COUNT];
	struct nonce_block blocks[DEPLOY_MAX_MODULES];
	size_t n_blocks, evict;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS modules(name TEXT PRIMARY KEY,"
	" instance INTEGER NOT NULL UNIQUE, old_instance INTEGER NOT NULL,"
	" node TEXT NOT NULL, image TEXT NOT NULL, measurement BLOB,"
	" loaded INTEGER NOT NULL, attested INTEGER NOT NULL,"
	" disabled INTEGER NOT NULL, ctl_nonce INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS conns(ident TEXT PRIMARY KEY,"
	" id INTEGER NOT NULL UNIQUE, alg INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, key BLOB, keying INTEGER NOT NULL,"
	" keyed_from INTEGER NOT NULL, keyed_to INTEGER NOT NULL,"
	" routed_from INTEGER NOT NULL, routed_to INTEGER NOT NULL,"
	" tx_counter INTEGER NOT NULL, rx_counter INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS periodic(ident TEXT PRIMARY KEY,"
	" period INTEGER NOT NULL, armed INTEGER NOT NULL);";

static deploy_status db_fail(struct deploy_state *st, const char *what,
			     char *err, size_t errlen)
{
	deploy_errf(err, errlen, "state database %s: %s: %s", st->path, what,
		    sqlite3_errmsg(st->db));
	return DEPLOY_E_FAIL;
}

static deploy_status exec(struct deploy_state *st, const char *sql,
			  char *err, size_t errlen)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, sql, err, errlen);
	return DEPLOY_OK;
}

/* Refuse a file others can read: the database, and its -wal and -shm
 * files (the -wal file holds pages of the database, keys among them,
 * until they are checkpointed). */
static deploy_status private_mode(const char *path, const struct stat *sb,
				  char *err, size_t errlen)
{
	if (!S_ISREG(sb->st_mode)) {
		deploy_errf(err, errlen, "state database %s: not a file", path);
		return DEPLOY_E_FAIL;
	}
	if (sb->st_mode & 077) {
		deploy_errf(err, errlen,
			    "state database %s: mode %03o lets others read "
			    "connection keys; run chmod 600 %s", path,
			    (unsigned)(sb->st_mode & 0777), path);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* Create the file with mode 0600 ourselves, so SQLite never creates it
 * with the umask's mode (SQLite gives the -wal and -shm files the mode of
 * the database file); refuse an existing file others can read. */
static deploy_status secure_file(const char *path, char *err, size_t errlen)
{
	static const char *const sides[] = {"-wal", "-shm"};
	char side[DEPLOY_PATH_MAX + 8];
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		deploy_errf(err, errlen, "state database %s: %s", path,
			    strerror(errno));
		return DEPLOY_E_FAIL;
	}
	if (fstat(fd, &sb) != 0) {
		deploy_errf(err, errlen, "state database %s: %s", path,
			    strerror(errno));
		close(fd);
		return DEPLOY_E_FAIL;
	}
	close(fd);
	if (private_mode(path, &sb, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	for (size_t i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", path, sides[i]);
		if (stat(side, &sb) != 0) {
			if (errno == ENOENT)
				continue;
			deploy_errf(err, errlen, "state database %s: %s", side,
				    strerror(errno));
			return DEPLOY_E_FAIL;
		}
		if (private_mode(side, &sb, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

/* WAL with synchronous=NORMAL; where WAL is not available (a file system
 * without shared memory for the -shm file), the rollback journal with
 * synchronous=FULL, which makes every commit durable. */
static deploy_status journal(struct deploy_state *st, char *err,
			     size_t errlen)
{
	sqlite3_stmt *s;
	const unsigned char *mode;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s,
			       NULL) != SQLITE_OK)
		return db_fail(st, "journal_mode", err, errlen);
	rc = sqlite3_step(s);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
	st->wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, "journal_mode", err, errlen);
	return exec(st, st->wal ? "PRAGMA synchronous=NORMAL"
				: "PRAGMA synchronous=FULL", err, errlen);
}

deploy_status deploy_state_open(const char *path, struct deploy_state **out,
				char *err, size_t errlen)
{
	struct deploy_state *st;
	deploy_status rc;

	*out = NULL;
	rc = secure_file(path, err, errlen);
	if (rc != DEPLOY_OK)
		return rc;
	st = calloc(1, sizeof *st);
	if (st == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	snprintf(st->path, sizeof st->path, "%s", path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(st, "open", err, errlen);
		deploy_state_close(st);
		return rc;
	}
	sqlite3_busy_timeout(st->db, 5000);
	rc = journal(st, err, errlen);
	if (rc == DEPLOY_OK)
		rc = exec(st, schema, err, errlen);
	if (rc != DEPLOY_OK) {
		deploy_state_close(st);
		return rc;
	}
	*out = st;
	return DEPLOY_OK;
}

void deploy_state_close(struct deploy_state *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		deploy_state_rollback(st);
	for (size_t i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->q[i]);
	/* every statement finalized: the last connection to close
	 * checkpoints the -wal file into the database and removes it */
	sqlite3_close(st->db);
	free(st);
}

/* The prepared statement of q, ready to be bound. */
static deploy_status query(struct deploy_state *st, enum query q,
			   sqlite3_stmt **s, char *err, size_t errlen)
{
	if (st->q[q] == NULL &&
	    sqlite3_prepare_v3(st->db, queries[q], -1,
			       SQLITE_PREPARE_PERSISTENT, &st->q[q],
			       NULL) != SQLITE_OK) {
		st->q[q] = NULL;
		return db_fail(st, "prepare", err, errlen);
	}
	*s = st->q[q];
	return DEPLOY_OK;
}

/* After a statement's last step: ready for the next use, and no binding
 * keeps pointing into the caller's memory. */
static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step a statement that returns no row. */
static deploy_status run(struct deploy_state *st, sqlite3_stmt *s,
			 char *err, size_t errlen)
{
	int rc = sqlite3_step(s);
	deploy_status ds = DEPLOY_OK;

	if (rc != SQLITE_DONE)
		ds = db_fail(st, "write", err, errlen);
	done(s);
	return ds;
}

static deploy_status run_query(struct deploy_state *st, enum query q,
			       char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, q, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	return run(st, s, err, errlen);
}

/* A durable transaction ended: back to synchronous=NORMAL. */
static void end_durable(struct deploy_state *st)
{
	if (st->durable && st->wal)
		(void)sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL,
				   NULL, NULL);
	st->durable = 0;
}

/* synchronous may only change outside a transaction: set it first. */
static deploy_status begin(struct deploy_state *st, int durable, char *err,
			   size_t errlen)
{
	if (durable && st->wal &&
	    exec(st, "PRAGMA synchronous=FULL", err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	st->durable = durable;
	if (run_query(st, Q_BEGIN, err, errlen) != DEPLOY_OK) {
		end_durable(st);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

deploy_status deploy_state_begin(struct deploy_state *st, char *err,
				 size_t errlen)
{
	return begin(st, 0, err, errlen);
}

deploy_status deploy_state_begin_durable(struct deploy_state *st, char *err,
					 size_t errlen)
{
	return begin(st, 1, err, errlen);
}

deploy_status deploy_state_commit(struct deploy_state *st, char *err,
				  size_t errlen)
{
	if (run_query(st, Q_COMMIT, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL; /* still open: the caller rolls back */
	end_durable(st);
	return DEPLOY_OK;
}

void deploy_state_rollback(struct deploy_state *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	end_durable(st);
}

/* ----------------------------------------------------------------- meta */

static deploy_status meta_get(struct deploy_state *st, const char *key,
			      char *out, size_t cap, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	out[0] = 0;
	if (query(st, Q_META_GET, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, cap, "%s",
			 (const char *)sqlite3_column_text(s, 0));
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "read", err, errlen);
	return DEPLOY_OK;
}

static deploy_status meta_set(struct deploy_state *st, const char *key,
			      const char *val, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, Q_META_SET, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, val, -1, SQLITE_STATIC);
	return run(st, s, err, errlen);
}

static int id_used(struct deploy_state *st, uint32_t id)
{
	sqlite3_stmt *s;
	int used;

	if (query(st, Q_ID_USED, &s, NULL, 0) != DEPLOY_OK)
		return 1;
	sqlite3_bind_int64(s, 1, id);
	used = sqlite3_step(s) != SQLITE_DONE;
	done(s);
	return used;
}

static deploy_status random_id(uint32_t *id, char *err, size_t errlen)
{
	uint8_t b[4];

	do {
		if (ax_random(b, sizeof b) != AX_CRYPTO_OK) {
			deploy_errf(err, errlen, "random number generator "
				    "failed");
			return DEPLOY_E_FAIL;
		}
		*id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		      (uint32_t)b[2] << 8 | b[3];
	} while (*id == 0 || *id == 0xffffffffu);
	return DEPLOY_OK;
}

deploy_status deploy_state_new_id(struct deploy_state *st, uint32_t *id,
				  char *err, size_t errlen)
{
	for (int tries = 0; tries < 64; tries++) {
		if (random_id(id, err, errlen) != DEPLOY_OK)
			return DEPLOY_E_FAIL;
		if (!id_used(st, *id))
			return DEPLOY_OK;
	}
	deploy_errf(err, errlen, "no free id found");
	return DEPLOY_E_FAIL;
}

deploy_status deploy_state_deployment(struct deploy_state *st,
				      const char *name, int create,
				      uint32_t *id, char *err, size_t errlen)
{
	char have[64], idtext[16];
	uint32_t fresh;

	*id = 0;
	if (meta_get(st, "name", have, sizeof have, err, errlen) != DEPLOY_OK ||
	    meta_get(st, "deployment", idtext, sizeof idtext, err, errlen) !=
		    DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (have[0] && strcmp(have, name) != 0) {
		deploy_errf(err, errlen,
			    "state database %s belongs to deployment '%s', "
			    "not '%s'", st->path, have, name);
		return DEPLOY_E_INPUT;
	}
	if (idtext[0]) {
		*id = (uint32_t)strtoul(idtext, NULL, 10);
		return DEPLOY_OK;
	}
	if (!create)
		return DEPLOY_OK;
	if (random_id(&fresh, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	snprintf(idtext, sizeof idtext, "%lu", (unsigned long)fresh);
	/* durable: nodes will hold modules under this id, and only this id
	 * lets `down` remove them */
	if (deploy_state_begin_durable(st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (meta_set(st, "name", name, err, errlen) != DEPLOY_OK ||
	    meta_set(st, "deployment", idtext, err, errlen) != DEPLOY_OK ||
	    deploy_state_commit(st, err, errlen) != DEPLOY_OK) {
		deploy_state_rollback(st);
		return DEPLOY_E_FAIL;
	}
	*id = fresh;
	return DEPLOY_OK;
}

deploy_status deploy_state_set_status(struct deploy_state *st,
				      const char *status, char *err,
				      size_t errlen)
{
	return meta_set(st, "status", status, err, errlen);
}

deploy_status deploy_state_get_status(struct deploy_state *st, char *out,
				      size_t cap, char *err, size_t errlen)
{
	return meta_get(st, "status", out, cap, err, errlen);
}

/* -------------------------------------------------------------- modules */

static void blob_copy(sqlite3_stmt *s, int col, uint8_t *out, size_t cap,
		      int *has)
{
	const void *b = sqlite3_column_blob(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	memset(out, 0, cap);
	*has = b != NULL && n == cap;
	if (*has)
		memcpy(out, b, cap);
}

deploy_status deploy_state_module_get(struct deploy_state *st,
				      const char *name,
				      struct deploy_state_module *m,
				      int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, has;

	memset(m, 0, sizeof *m);
	*found = 0;
	if (query(st, Q_MODULE_GET, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		snprintf(m->name, sizeof m->name, "%s", name);
		m->instance = (uint32_t)sqlite3_column_int64(s, 0);
		m->old_instance = (uint32_t)sqlite3_column_int64(s, 1);
		snprintf(m->node, sizeof m->node, "%s",
			 (const char *)sqlite3_column_text(s, 2));
		snprintf(m->image, sizeof m->image, "%s",
			 (const char *)sqlite3_column_text(s, 3));
		blob_copy(s, 4, m->measurement, sizeof m->measurement, &has);
		m->loaded = sqlite3_column_int(s, 5);
		m->attested = sqlite3_column_int(s, 6);
		m->disabled = sqlite3_column_int(s, 7);
		m->ctl_nonce = (uint64_t)sqlite3_column_int64(s, 8);
	}
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "read", err, errlen);
	return DEPLOY_OK;
}

deploy_status deploy_state_module_put(struct deploy_state *st,
				      const struct deploy_state_module *m,
				      char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, Q_MODULE_PUT, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, m->instance);
	sqlite3_bind_int64(s, 3, m->old_instance);
	sqlite3_bind_text(s, 4, m->node, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, m->image, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, m->measurement, sizeof m->measurement,
			  SQLITE_STATIC);
	sqlite3_bind_int(s, 7, m->loaded);
	sqlite3_bind_int(s, 8, m->attested);
	sqlite3_bind_int(s, 9, m->disabled);
	sqlite3_bind_int64(s, 10, (sqlite3_int64)m->ctl_nonce);
	return run(st, s, err, errlen);
}

/* ---------------------------------------------------------------- conns */

deploy_status deploy_state_conn_get(struct deploy_state *st,
				    const char *ident,
				    struct deploy_state_conn *c, int *found,
				    char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(c, 0, sizeof *c);
	*found = 0;
	if (query(st, Q_CONN_GET, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, ident, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		snprintf(c->ident, sizeof c->ident, "%s", ident);
		c->id = (uint32_t)sqlite3_column_int64(s, 0);
		c->alg = (unsigned)sqlite3_column_int(s, 1);
		c->kind = (unsigned)sqlite3_column_int(s, 2);
		blob_copy(s, 3, c->key, sizeof c->key, &c->has_key);
		c->keying = sqlite3_column_int(s, 4);
		c->keyed[0] = sqlite3_column_int(s, 5);
		c->keyed[1] = sqlite3_column_int(s, 6);
		c->routed[0] = sqlite3_column_int(s, 7);
		c->routed[1] = sqlite3_column_int(s, 8);
		c->tx_counter = (uint64_t)sqlite3_column_int64(s, 9);
		c->rx_counter = (uint64_t)sqlite3_column_int64(s, 10);
	}
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "read", err, errlen);
	return DEPLOY_OK;
}

deploy_status deploy_state_conn_put(struct deploy_state *st,
				    const struct deploy_state_conn *c,
				    char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, Q_CONN_PUT, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, c->ident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->id);
	sqlite3_bind_int(s, 3, (int)c->alg);
	sqlite3_bind_int(s, 4, (int)c->kind);
	if (c->has_key)
		sqlite3_bind_blob(s, 5, c->key, sizeof c->key, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 5);
	sqlite3_bind_int(s, 6, c->keying);
	sqlite3_bind_int(s, 7, c->keyed[0]);
	sqlite3_bind_int(s, 8, c->keyed[1]);
	sqlite3_bind_int(s, 9, c->routed[0]);
	sqlite3_bind_int(s, 10, c->routed[1]);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)c->tx_counter);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)c->rx_counter);
	return run(st, s, err, errlen);
}

void deploy_state_conn_wipe(struct deploy_state_conn *c)
{
	ax_wipe(c, sizeof *c);
}

/* ------------------------------------------------------------- periodic */

deploy_status deploy_state_periodic_get(struct deploy_state *st,
					const char *ident,
					struct deploy_state_periodic *p,
					int *found, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	memset(p, 0, sizeof *p);
	*found = 0;
	if (query(st, Q_PERIODIC_GET, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, ident, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = 1;
		snprintf(p->ident, sizeof p->ident, "%s", ident);
		p->period_ms = (uint32_t)sqlite3_column_int64(s, 0);
		p->armed = sqlite3_column_int(s, 1);
	}
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, "read", err, errlen);
	return DEPLOY_OK;
}

deploy_status deploy_state_periodic_put(struct deploy_state *st,
					const struct deploy_state_periodic *p,
					char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, Q_PERIODIC_PUT, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, p->ident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, p->period_ms);
	sqlite3_bind_int(s, 3, p->armed);
	return run(st, s, err, errlen);
}

/* ------------------------------------------------- nonces and counters */

/* Read one integer column of the row named key (?1). */
static deploy_status read_value(struct deploy_state *st, enum query q,
				const char *key, uint64_t *value, char *err,
				size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if (query(st, q, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	*value = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
	done(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, "read", err, errlen);
	return DEPLOY_OK;
}

/* Add n to a nonce or counter column of one row (query add: ?1 the row's
 * key, ?2 n, ?3 the instance for nonces) and read the new value back;
 * inside the caller's transaction. */
static deploy_status add(struct deploy_state *st, enum query addq,
			 enum query get, const char *key, uint32_t instance,
			 uint64_t n, uint64_t *value, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (query(st, addq, &s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)n);
	if (addq == Q_NONCE_ADD)
		sqlite3_bind_int64(s, 3, instance);
	if (run(st, s, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (sqlite3_changes(st->db) != 1) {
		deploy_errf(err, errlen, "state database %s: no row '%s'%s",
			    st->path, key, addq == Q_NONCE_ADD
			    ? " for this instance" : "");
		return DEPLOY_E_FAIL;
	}
	return read_value(st, get, key, value, err, errlen);
}

/* This process's block for (module, instance), or a slot for a new one
 * (*fresh set): the oldest block is given up when all are taken, which
 * only wastes its nonces. */
static struct nonce_block *block_of(struct deploy_state *st,
				    const char *module, uint32_t instance,
				    int *fresh)
{
	const size_t cap = sizeof st->blocks / sizeof st->blocks[0];
	struct nonce_block *b;

	*fresh = 0;
	for (size_t i = 0; i < st->n_blocks; i++) {
		b = &st->blocks[i];
		if (b->instance == instance && strcmp(b->name, module) == 0)
			return b;
	}
	*fresh = 1;
	if (st->n_blocks < cap)
		b = &st->blocks[st->n_blocks++];
	else
		b = &st->blocks[st->evict++ % cap];
	memset(b, 0, sizeof *b); /* instance 0: matches nothing */
	return b;
}

static int block_left(struct deploy_state *st, const char *module,
		      uint32_t instance)
{
	for (size_t i = 0; i < st->n_blocks; i++)
		if (st->blocks[i].instance == instance &&
		    strcmp(st->blocks[i].name, module) == 0)
			return st->blocks[i].next <= st->blocks[i].last;
	return 0;
}

deploy_status deploy_state_nonce_reserve(struct deploy_state *st,
					 const char *const modules[],
					 const uint32_t instances[], size_t n,
					 char *err, size_t errlen)
{
	uint64_t *last = calloc(n ? n : 1, sizeof *last);
	struct nonce_block *b;
	size_t i;
	int fresh;

	if (last == NULL) {
		deploy_errf(err, errlen, "out of memory");
		return DEPLOY_E_FAIL;
	}
	if (deploy_state_begin_durable(st, err, errlen) != DEPLOY_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (!block_left(st, modules[i], instances[i]) &&
		    add(st, Q_NONCE_ADD, Q_NONCE_GET, modules[i], instances[i],
			DEPLOY_STATE_NONCE_BLOCK, &last[i], err,
			errlen) != DEPLOY_OK)
			goto fail;
	if (deploy_state_commit(st, err, errlen) != DEPLOY_OK)
		goto fail;
	/* on disk: now the blocks may be handed out */
	for (i = 0; i < n; i++) {
		if (last[i] == 0)
			continue;
		b = block_of(st, modules[i], instances[i], &fresh);
		snprintf(b->name, sizeof b->name, "%s", modules[i]);
		b->instance = instances[i];
		b->last = last[i];
		b->next = last[i] - DEPLOY_STATE_NONCE_BLOCK + 1;
	}
	free(last);
	return DEPLOY_OK;
fail:
	deploy_state_rollback(st);
	free(last);
	return DEPLOY_E_FAIL;
}

deploy_status deploy_state_nonce_next(struct deploy_state *st,
				      const char *module, uint32_t instance,
				      uint64_t *nonce, char *err,
				      size_t errlen)
{
	struct nonce_block *b;
	int fresh;

	if (!block_left(st, module, instance) &&
	    deploy_state_nonce_reserve(st, &module, &instance, 1, err,
				       errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	b = block_of(st, module, instance, &fresh);
	*nonce = b->next++;
	return DEPLOY_OK;
}

/* add() in a durable transaction of its own. */
static deploy_status reserve(struct deploy_state *st, enum query addq,
			     enum query get, const char *key, uint64_t n,
			     uint64_t *value, char *err, size_t errlen)
{
	if (deploy_state_begin_durable(st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (add(st, addq, get, key, 0, n, value, err, errlen) != DEPLOY_OK ||
	    deploy_state_commit(st, err, errlen) != DEPLOY_OK) {
		deploy_state_rollback(st);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}

deploy_status deploy_state_counter_next(struct deploy_state *st,
					const char *ident, uint64_t *counter,
					char *err, size_t errlen)
{
	return reserve(st, Q_COUNTER_ADD, Q_COUNTER_GET, ident, 1, counter, err,
		       errlen);
}

deploy_status deploy_state_counter_accept(struct deploy_state *st,
					  const char *ident, uint64_t counter,
					  char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (deploy_state_begin_durable(st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (query(st, Q_COUNTER_ACCEPT, &s, err, errlen) != DEPLOY_OK)
		goto fail;
	sqlite3_bind_text(s, 1, ident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)counter);
	if (run(st, s, err, errlen) != DEPLOY_OK)
		goto fail;
	if (sqlite3_changes(st->db) != 1) {
		deploy_errf(err, errlen, "%s: counter %llu refused (not above "
			    "the last one accepted)", ident,
			    (unsigned long long)counter);
		deploy_state_rollback(st);
		return DEPLOY_E_INPUT;
	}
	if (deploy_state_commit(st, err, errlen) != DEPLOY_OK)
		goto fail;
	return DEPLOY_OK;
fail:
	deploy_state_rollback(st);
	return DEPLOY_E_FAIL;
}

deploy_status deploy_state_mark_down(struct deploy_state *st, char *err,
				     size_t errlen)
{
	/* durable: once `down` said so, a power loss must not turn the
	 * deployment back into "up" with its keys in the database */
	if (deploy_state_begin_durable(st, err, errlen) != DEPLOY_OK)
		return DEPLOY_E_FAIL;
	if (exec(st, "UPDATE modules SET loaded=0, attested=0, disabled=0, "
		 "old_instance=0", err, errlen) != DEPLOY_OK ||
	    exec(st, "UPDATE conns SET key=NULL, keying=0, keyed_from=0, "
		 "keyed_to=0, routed_from=0, routed_to=0, kind=0", err,
		 errlen) != DEPLOY_OK ||
	    exec(st, "UPDATE periodic SET armed=0", err, errlen) != DEPLOY_OK ||
	    meta_set(st, "status", "down", err, errlen) != DEPLOY_OK ||
	    deploy_state_commit(st, err, errlen) != DEPLOY_OK) {
		deploy_state_rollback(st);
		return DEPLOY_E_FAIL;
	}
	return DEPLOY_OK;
}
