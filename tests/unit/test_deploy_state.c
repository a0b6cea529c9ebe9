/*
 * test_deploy_state.c - the deployer's state database (deploy_state.c):
 * round trips of every row type, file mode 0600, refusal of a readable
 * database and of another deployment's database, and the nonce and
 * counter rule: a reserved value is committed (visible to a second,
 * independent connection and after reopening) BEFORE it is returned, and
 * never handed out twice, including across `down`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "deploy_state.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/ax_state_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/app.authex.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct deploy_state *open_db(const char *path)
{
	struct deploy_state *st;
	char err[512] = "";

	if (deploy_state_open(path, &st, err, sizeof err) != DEPLOY_OK)
		fail_msg("%s", err);
	return st;
}

static void add_module(struct deploy_state *st, const char *name)
{
	struct deploy_state_module m = {0};
	char err[512];

	snprintf(m.name, sizeof m.name, "%s", name);
	assert_int_equal(deploy_state_new_id(st, &m.instance, err, sizeof err),
			 DEPLOY_OK);
	snprintf(m.node, sizeof m.node, "edge");
	snprintf(m.image, sizeof m.image, "/x/%s.so", name);
	memset(m.measurement, 0xab, sizeof m.measurement);
	assert_int_equal(deploy_state_module_put(st, &m, err, sizeof err),
			 DEPLOY_OK);
}

static void test_mode_and_deployment(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct stat sb;
	uint32_t id = 1, id2 = 0;
	char err[512];

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(deploy_state_deployment(st, "app", 0, &id, err,
						 sizeof err), DEPLOY_OK);
	assert_int_equal(id, 0); /* not created without asking */
	assert_int_equal(deploy_state_deployment(st, "app", 1, &id, err,
						 sizeof err), DEPLOY_OK);
	assert_true(id != 0 && id != 0xffffffffu);
	deploy_state_close(st);
	st = open_db(f->path);
	assert_int_equal(deploy_state_deployment(st, "app", 1, &id2, err,
						 sizeof err), DEPLOY_OK);
	assert_int_equal(id, id2); /* stable across runs */
	assert_int_equal(deploy_state_deployment(st, "other", 1, &id2, err,
						 sizeof err), DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "belongs to deployment 'app'"));
	deploy_state_close(st);
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(deploy_state_open(f->path, &st, err, sizeof err),
			 DEPLOY_E_FAIL);
	assert_non_null(strstr(err, "chmod 600"));
}

static void test_round_trips(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct deploy_state_module m;
	struct deploy_state_conn c = {0}, c2;
	struct deploy_state_periodic p = {0}, p2;
	char err[512];
	int found;

	add_module(st, "sensor");
	assert_int_equal(deploy_state_module_get(st, "sensor", &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_true(found);
	assert_string_equal(m.image, "/x/sensor.so");
	assert_int_equal(m.measurement[31], 0xab);
	m.loaded = m.attested = 1;
	m.old_instance = 77;
	assert_int_equal(deploy_state_module_put(st, &m, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(deploy_state_module_get(st, "nope", &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_false(found);

	snprintf(c.ident, sizeof c.ident, "a.out->b.in");
	c.id = 42;
	c.alg = 2;
	c.kind = 1;
	for (int i = 0; i < 32; i++)
		c.key[i] = (uint8_t)i;
	c.has_key = 1;
	c.keyed[1] = 1;
	c.routed[0] = 1;
	c.rx_counter = 9;
	assert_int_equal(deploy_state_conn_put(st, &c, err, sizeof err),
			 DEPLOY_OK);
	deploy_state_close(st);

	st = open_db(f->path);
	assert_int_equal(deploy_state_module_get(st, "sensor", &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_true(m.loaded && m.attested && !m.disabled);
	assert_int_equal(m.old_instance, 77);
	assert_int_equal(deploy_state_conn_get(st, "a.out->b.in", &c2, &found,
					       err, sizeof err), DEPLOY_OK);
	assert_true(found && c2.has_key);
	assert_memory_equal(c2.key, c.key, 32);
	assert_int_equal(c2.id, 42);
	assert_int_equal(c2.alg, 2);
	assert_int_equal(c2.keyed[0], 0);
	assert_int_equal(c2.keyed[1], 1);
	assert_int_equal(c2.routed[0], 1);
	assert_int_equal(c2.rx_counter, 9);
	deploy_state_conn_wipe(&c2);

	snprintf(p.ident, sizeof p.ident, "sensor.sample");
	p.period_ms = 500;
	p.armed = 1;
	assert_int_equal(deploy_state_periodic_put(st, &p, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(deploy_state_periodic_get(st, "sensor.sample", &p2,
						   &found, err, sizeof err),
			 DEPLOY_OK);
	assert_true(found && p2.armed);
	assert_int_equal(p2.period_ms, 500);

	/* down: flags and keys gone, ids kept */
	assert_int_equal(deploy_state_mark_down(st, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(deploy_state_conn_get(st, "a.out->b.in", &c2, &found,
					       err, sizeof err), DEPLOY_OK);
	assert_false(c2.has_key);
	assert_int_equal(c2.id, 42);
	assert_int_equal(deploy_state_module_get(st, "sensor", &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_false(m.loaded);
	deploy_state_close(st);
}

static uint32_t instance_of(struct deploy_state *st, const char *name)
{
	struct deploy_state_module m;
	char err[512];
	int found;

	assert_int_equal(deploy_state_module_get(st, name, &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_true(found);
	return m.instance;
}

static uint64_t nonce(struct deploy_state *st, const char *name,
		      uint32_t instance)
{
	uint64_t n = 0;
	char err[512];

	if (deploy_state_nonce_next(st, name, instance, &n, err, sizeof err) !=
	    DEPLOY_OK)
		fail_msg("%s", err);
	return n;
}

/* A reserved nonce is on disk before the caller gets it: a second,
 * independent connection (another process, or the next run after a
 * crash) already sees the whole block it came from, and reserves above
 * it. */
static void test_nonce_committed_before_use(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path), *other;
	struct deploy_state_module m;
	uint64_t seen[3 * DEPLOY_STATE_NONCE_BLOCK], n;
	uint32_t inst;
	size_t k = 0;
	char err[512];
	int found;

	add_module(st, "sensor");
	inst = instance_of(st, "sensor");
	seen[k++] = nonce(st, "sensor", inst);
	assert_int_equal(seen[0], 1);
	other = open_db(f->path);
	assert_int_equal(deploy_state_module_get(other, "sensor", &m, &found,
						 err, sizeof err), DEPLOY_OK);
	assert_int_equal(m.ctl_nonce, DEPLOY_STATE_NONCE_BLOCK);
	seen[k++] = nonce(other, "sensor", inst);
	assert_int_equal(seen[1], DEPLOY_STATE_NONCE_BLOCK + 1);
	/* both hand out from their blocks, interleaved, past their ends:
	 * never the same value twice, whoever asks */
	while (k < sizeof seen / sizeof seen[0]) {
		seen[k++] = nonce(st, "sensor", inst);
		seen[k++] = nonce(other, "sensor", inst);
	}
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < i; j++)
			assert_true(seen[i] != seen[j]);
	deploy_state_close(other);
	assert_int_equal(deploy_state_mark_down(st, err, sizeof err),
			 DEPLOY_OK);
	deploy_state_close(st);
	st = open_db(f->path); /* the next run, after `down` */
	n = nonce(st, "sensor", inst);
	for (size_t i = 0; i < k; i++)
		assert_true(n > seen[i]); /* down keeps nonces */
	assert_int_equal(deploy_state_nonce_next(st, "nope", inst, &n, err,
						 sizeof err), DEPLOY_E_FAIL);
	assert_int_equal(deploy_state_nonce_next(st, "sensor", inst + 1, &n,
						 err, sizeof err),
			 DEPLOY_E_FAIL);
	assert_non_null(strstr(err, "for this instance"));
	deploy_state_close(st);
}

static uint64_t mark(struct deploy_state *st, const char *name)
{
	struct deploy_state_module m;
	char err[512];
	int found;

	assert_int_equal(deploy_state_module_get(st, name, &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_true(found);
	return m.ctl_nonce;
}

/* Blocks for several modules in one commit: all or none. */
static void test_nonce_reserve_several(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path), *other;
	const char *names[3] = {"a", "b", "c"};
	uint32_t inst[3];
	char err[512];

	for (int i = 0; i < 3; i++) {
		add_module(st, names[i]);
		inst[i] = instance_of(st, names[i]);
	}
	other = open_db(f->path);
	inst[2]++; /* not c's instance: the whole reservation fails */
	assert_int_equal(deploy_state_nonce_reserve(st, names, inst, 3, err,
						    sizeof err),
			 DEPLOY_E_FAIL);
	assert_non_null(strstr(err, "for this instance"));
	assert_int_equal(mark(other, "a"), 0); /* rolled back */
	inst[2]--;
	assert_int_equal(deploy_state_nonce_reserve(st, names, inst, 2, err,
						    sizeof err), DEPLOY_OK);
	assert_int_equal(mark(other, "a"), DEPLOY_STATE_NONCE_BLOCK);
	assert_int_equal(mark(other, "b"), DEPLOY_STATE_NONCE_BLOCK);
	assert_int_equal(mark(other, "c"), 0);
	/* handed out from memory: no further reservation for a and b */
	for (uint64_t k = 1; k <= DEPLOY_STATE_NONCE_BLOCK; k++) {
		assert_int_equal(nonce(st, "a", inst[0]), k);
		assert_int_equal(nonce(st, "b", inst[1]), k);
	}
	assert_int_equal(mark(other, "a"), DEPLOY_STATE_NONCE_BLOCK);
	/* a block that still has nonces is not reserved again */
	assert_int_equal(nonce(st, "c", inst[2]), 1);
	assert_int_equal(deploy_state_nonce_reserve(st, names, inst, 3, err,
						    sizeof err), DEPLOY_OK);
	assert_int_equal(mark(other, "a"), 2 * DEPLOY_STATE_NONCE_BLOCK);
	assert_int_equal(mark(other, "c"), DEPLOY_STATE_NONCE_BLOCK);
	assert_int_equal(nonce(st, "c", inst[2]), 2);
	assert_int_equal(nonce(st, "a", inst[0]), DEPLOY_STATE_NONCE_BLOCK + 1);
	deploy_state_close(other);
	deploy_state_close(st);
}

/* A row read before a reservation and written back after it does not
 * lower the nonce mark of the instance; a new instance (update) starts
 * from the row's value. */
static void test_nonce_mark_never_lowered(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct deploy_state_module stale, m;
	uint32_t inst;
	char err[512];
	int found;

	add_module(st, "sensor");
	inst = instance_of(st, "sensor");
	assert_int_equal(deploy_state_module_get(st, "sensor", &stale, &found,
						 err, sizeof err), DEPLOY_OK);
	assert_int_equal(nonce(st, "sensor", inst), 1);
	stale.loaded = 1;
	assert_int_equal(deploy_state_module_put(st, &stale, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(deploy_state_module_get(st, "sensor", &m, &found, err,
						 sizeof err), DEPLOY_OK);
	assert_true(m.loaded);
	assert_int_equal(m.ctl_nonce, DEPLOY_STATE_NONCE_BLOCK);
	m.old_instance = m.instance;
	assert_int_equal(deploy_state_new_id(st, &m.instance, err, sizeof err),
			 DEPLOY_OK);
	m.ctl_nonce = 0;
	assert_int_equal(deploy_state_module_put(st, &m, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(nonce(st, "sensor", m.instance), 1);
	deploy_state_close(st);
}

/* The deployer killed between a reservation and the use of its nonces
 * (a child process that reserves, reports what it got and _exit()s
 * without closing the database: the -wal file is left as a crash leaves
 * it): the next run hands out only nonces above everything the killed
 * one could have used. */
static void test_nonce_kill_between_reservation_and_use(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct stat sb;
	char wal[160];
	uint64_t got[2], n;
	uint32_t inst;
	int fds[2], status;
	pid_t pid;

	add_module(st, "sensor");
	inst = instance_of(st, "sensor");
	deploy_state_close(st);
	for (int used = 0; used < 2; used++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct deploy_state *c = open_db(f->path);

			got[0] = nonce(c, "sensor", inst); /* reserves */
			got[1] = used ? nonce(c, "sensor", inst) : got[0];
			if (write(fds[1], got, sizeof got) != sizeof got)
				_exit(2);
			_exit(0); /* killed: no close, no checkpoint */
		}
		close(fds[1]);
		assert_int_equal(read(fds[0], got, sizeof got), sizeof got);
		close(fds[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		snprintf(wal, sizeof wal, "%s-wal", f->path);
		assert_int_equal(stat(wal, &sb), 0); /* what the crash left */
		assert_int_equal(sb.st_mode & 0777, 0600);
		st = open_db(f->path);
		n = nonce(st, "sensor", inst);
		/* above the whole block the killed run had reserved */
		assert_true(n >= got[0] + DEPLOY_STATE_NONCE_BLOCK);
		assert_true(n > got[1]);
		deploy_state_close(st);
	}
}

/* The -wal and -shm files hold the database's pages while it is open:
 * created with its mode, and refused when others could read them. */
static void test_wal_files_private(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	const char *sides[] = {"-wal", "-shm"};
	char side[160], err[512];
	struct stat sb;
	FILE *fp;

	add_module(st, "sensor"); /* a write: the -wal file exists now */
	for (size_t i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", f->path, sides[i]);
		assert_int_equal(stat(side, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	deploy_state_close(st);
	for (size_t i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", f->path, sides[i]);
		fp = fopen(side, "w");
		assert_non_null(fp);
		fclose(fp);
		assert_int_equal(chmod(side, 0644), 0);
		assert_int_equal(deploy_state_open(f->path, &st, err,
						   sizeof err), DEPLOY_E_FAIL);
		assert_non_null(strstr(err, side));
		assert_non_null(strstr(err, "chmod 600"));
		assert_int_equal(unlink(side), 0);
	}
}

static void test_counter_committed_before_use(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path), *other;
	struct deploy_state_conn c = {0}, seen;
	uint64_t ctr;
	char err[512];
	int found;

	snprintf(c.ident, sizeof c.ident, "manual");
	c.id = 7;
	c.alg = 1;
	assert_int_equal(deploy_state_conn_put(st, &c, err, sizeof err),
			 DEPLOY_OK);
	for (uint64_t i = 1; i <= 3; i++) {
		assert_int_equal(deploy_state_counter_next(st, "manual", &ctr,
							   err, sizeof err),
				 DEPLOY_OK);
		assert_int_equal(ctr, i);
		other = open_db(f->path);
		assert_int_equal(deploy_state_conn_get(other, "manual", &seen,
						       &found, err, sizeof err),
				 DEPLOY_OK);
		assert_int_equal(seen.tx_counter, i);
		deploy_state_close(other);
	}
	deploy_state_close(st);
}

/* A received counter is recorded only above the last accepted one. */
static void test_counter_accept(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct deploy_state_conn c = {0}, seen;
	char err[512];
	int found;

	snprintf(c.ident, sizeof c.ident, "readings");
	c.id = 8;
	c.alg = 1;
	c.tx_counter = 4;
	assert_int_equal(deploy_state_conn_put(st, &c, err, sizeof err),
			 DEPLOY_OK);
	assert_int_equal(deploy_state_counter_accept(st, "readings", 5, err,
						     sizeof err), DEPLOY_OK);
	assert_int_equal(deploy_state_counter_accept(st, "readings", 5, err,
						     sizeof err),
			 DEPLOY_E_INPUT);
	assert_non_null(strstr(err, "counter 5 refused"));
	assert_int_equal(deploy_state_counter_accept(st, "readings", 3, err,
						     sizeof err),
			 DEPLOY_E_INPUT);
	assert_int_equal(deploy_state_counter_accept(st, "readings", 9, err,
						     sizeof err), DEPLOY_OK);
	assert_int_equal(deploy_state_conn_get(st, "readings", &seen, &found,
					       err, sizeof err), DEPLOY_OK);
	assert_true(found);
	assert_int_equal(seen.rx_counter, 9);
	assert_int_equal(seen.tx_counter, 4); /* nothing else changed */
	deploy_state_close(st);
}

static void test_new_ids_unique(void **state)
{
	struct fixture *f = *state;
	struct deploy_state *st = open_db(f->path);
	struct deploy_state_module m;
	char err[512], name[16];
	int found;
	uint32_t ids[20];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "m%d", i);
		add_module(st, name);
		assert_int_equal(deploy_state_module_get(st, name, &m, &found,
							 err, sizeof err),
				 DEPLOY_OK);
		ids[i] = m.instance;
		for (int j = 0; j < i; j++)
			assert_true(ids[j] != ids[i]);
	}
	deploy_state_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mode_and_deployment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_round_trips, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nonce_committed_before_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_reserve_several,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_mark_never_lowered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nonce_kill_between_reservation_and_use, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_wal_files_private, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_counter_committed_before_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter_accept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_ids_unique, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
