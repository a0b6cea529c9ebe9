/*
 * test_deploy_session.c - the deployer against a fake node (a child
 * process speaking the wire protocol with the codecs of src/common/):
 * the handshake, and every failure a real node cannot easily be made to
 * produce must give the clear error the deployer promises:
 *  - the node refuses the session (wrong node id): "refused the session";
 *  - the node answers LOAD_MODULE with another measurement:
 *    "module 'sensor' on node 'n1': measurement mismatch: node loaded
 *    00000000…, built …";
 *  - the attestation answer does not verify: "attestation failed";
 *  - the node never answers: a timeout naming the node;
 *  - nothing is marked loaded or attested in the state database then.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ax_crypto.h"
#include "ax_keyfile.h"
#include "ax_wire.h"
#include "deploy_app.h"
#include "deploy_apply.h"

enum mode { GOOD, WRONG_ID, BAD_MEASUREMENT, BAD_ATTEST, SILENT };

struct fake {
	int fd;
	uint8_t k_tx[32], k_rx[32];
	uint32_t seq_tx, seq_rx;
	uint8_t buf[AX_FRAME_MAX];
	uint8_t frame[AX_FRAME_MAX];
	size_t len;
	uint8_t out[AX_FRAME_AUTH_OVERHEAD + 4096];
};

static const uint8_t k_control[32] = {1, 2, 3};
static const uint8_t k_node[32] = {4, 5, 6};
#define NODE_ID 0x11223344u

/* ------------------------------------------------------------ fake node */

static int fake_read(struct fake *f, struct ax_frame *fr, const uint8_t *key)
{
	size_t flen;

	for (;;) {
		ax_wire_status st = ax_frame_peek(f->buf, f->len, &flen);
		ssize_t n;

		if (st == AX_WIRE_OK)
			break;
		if (st != AX_WIRE_NEED_MORE)
			return -1;
		n = read(f->fd, f->buf + f->len, sizeof f->buf - f->len);
		if (n <= 0)
			return -1;
		f->len += (size_t)n;
	}
	/* the view points into f->frame, valid until the next read */
	memcpy(f->frame, f->buf, flen);
	memmove(f->buf, f->buf + flen, f->len - flen);
	f->len -= flen;
	if (ax_frame_open(f->frame, flen, key, fr) != AX_WIRE_OK)
		return -1;
	if (key != NULL && ax_wire_seq_check(&f->seq_rx, fr->seq) != AX_WIRE_OK)
		return -1;
	return (int)flen;
}

static void fake_send(struct fake *f, uint16_t type, size_t body_len,
		      int auth)
{
	size_t flen;
	uint32_t seq;

	assert_int_equal(ax_wire_seq_next(&f->seq_tx, &seq), AX_WIRE_OK);
	assert_int_equal(ax_frame_seal(f->out, sizeof f->out, type,
				       auth ? AX_FRAME_F_AUTH : 0, seq,
				       body_len, auth ? f->k_tx : NULL, &flen),
			 AX_WIRE_OK);
	assert_int_equal(write(f->fd, f->out, flen), (ssize_t)flen);
}

static void fake_result(struct fake *f, const struct ax_frame *fr,
			const uint8_t *data, size_t n)
{
	struct ax_wire_result r = {fr->seq, fr->type, 0, {data, n}};
	size_t len;

	assert_int_equal(ax_wire_encode_result(&r, f->out + AX_FRAME_PREFIX_LEN,
					       4096, &len), AX_WIRE_OK);
	fake_send(f, AX_WIRE_RESULT, len, 1);
}

static void fake_status(struct fake *f)
{
	struct ax_wire_status s = {NODE_ID, {"native", 6}, 1, 0, 0, 0, 0, 0,
				   NULL, {NULL, 0}};
	size_t len;

	assert_int_equal(ax_wire_encode_status(&s, f->out + AX_FRAME_PREFIX_LEN,
					       4096, &len), AX_WIRE_OK);
	fake_send(f, AX_WIRE_STATUS, len, 1);
}

static int fake_hello(struct fake *f, enum mode mode)
{
	struct ax_wire_hello peer, mine = {1, 1, AX_WIRE_ROLE_NODE, NODE_ID,
					   {9}};
	struct ax_frame fr;
	size_t len;
	uint16_t v;

	if (fake_read(f, &fr, NULL) < 0 ||
	    ax_wire_decode_hello(fr.body, fr.body_len, &peer) != AX_WIRE_OK)
		return -1;
	if (mode == WRONG_ID) {
		struct ax_wire_bye bye = {AX_WIRE_RES_DENIED,
					  {(const uint8_t *)"wrong node id", 13}};

		assert_int_equal(ax_wire_encode_bye(&bye, f->out +
						    AX_FRAME_PREFIX_LEN, 4096,
						    &len), AX_WIRE_OK);
		fake_send(f, AX_WIRE_BYE, len, 0);
		return -1;
	}
	assert_int_equal(ax_wire_encode_hello(&mine, f->out +
					      AX_FRAME_PREFIX_LEN, 4096, &len),
			 AX_WIRE_OK);
	fake_send(f, AX_WIRE_HELLO, len, 0);
	assert_int_equal(ax_wire_version_select(&mine, &peer, &v), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(k_control, peer.nonce, mine.nonce,
					     NODE_ID, v, AX_WIRE_DIR_TO_NODE,
					     f->k_rx), AX_WIRE_OK);
	assert_int_equal(ax_wire_session_key(k_control, peer.nonce, mine.nonce,
					     NODE_ID, v, AX_WIRE_DIR_FROM_NODE,
					     f->k_tx), AX_WIRE_OK);
	return 0;
}

/* Answer one frame the way `mode` says. */
static void fake_answer(struct fake *f, const struct ax_frame *fr,
			enum mode mode)
{
	struct ax_wire_load load;
	uint8_t meas[32] = {0}, junk[32] = {0};

	switch (fr->type) {
	case AX_WIRE_STATUS_REQ:
		fake_status(f);
		return;
	case AX_WIRE_LOAD_MODULE:
		assert_int_equal(ax_wire_decode_load(fr->body, fr->body_len,
						     &load), AX_WIRE_OK);
		if (mode != BAD_MEASUREMENT)
			assert_int_equal(ax_manifest_measure(load.image.ptr,
							     load.image.len,
							     meas),
					 AX_MANIFEST_OK);
		fake_result(f, fr, meas, sizeof meas);
		return;
	case AX_WIRE_MODULE_MSG: /* ATTEST: a MAC under no key at all */
		fake_result(f, fr, junk, sizeof junk);
		return;
	default:
		fake_result(f, fr, NULL, 0);
		return;
	}
}

static void fake_node(int lfd, enum mode mode)
{
	static struct fake f;
	struct ax_frame fr;

	alarm(20); /* never outlive a broken test */
	for (;;) {
		memset(&f, 0, sizeof f);
		f.fd = accept(lfd, NULL, NULL);
		if (f.fd < 0)
			_exit(1);
		if (fake_hello(&f, mode) == 0)
			while (fake_read(&f, &fr, f.k_rx) > 0)
				if (mode != SILENT)
					fake_answer(&f, &fr, mode);
		close(f.fd);
	}
}

/* ------------------------------------------------------------ harness */

struct bench {
	char dir[64];
	char desc[128];
	pid_t node;
	struct deploy_app *app;
	char err[1024];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void bench_start(struct bench *b, enum mode mode)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof sa;
	struct ax_keyfile_node kn = {"n1", NODE_ID, {0}, {0}};
	struct deploy_app_opts o = {b->desc, NULL, NULL, 1, 0};
	char text[1024], path[192];
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	snprintf(b->dir, sizeof b->dir, "/tmp/ax_sess_XXXXXX");
	assert_non_null(mkdtemp(b->dir));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	b->node = fork();
	assert_true(b->node >= 0);
	if (b->node == 0)
		fake_node(lfd, mode);
	close(lfd);
	snprintf(b->desc, sizeof b->desc, "%s/app.yaml", b->dir);
	snprintf(text, sizeof text,
		 "name: t\nnodes:\n  - {name: n1, host: 127.0.0.1, port: %u}\n"
		 "modules:\n  - name: sensor\n    node: n1\n    source: %s"
		 "/examples/thermo/modules/sensor.c\n",
		 (unsigned)ntohs(sa.sin_port), AX_SOURCE_DIR);
	write_file(b->desc, text);
	memcpy(kn.node_key, k_node, 32);
	memcpy(kn.control_key, k_control, 32);
	snprintf(path, sizeof path, "%s/app.keys", b->dir);
	assert_int_equal(ax_keyfile_write(path, &kn, 1, b->err, sizeof b->err),
			 0);
	b->app = calloc(1, sizeof *b->app);
	assert_non_null(b->app);
	if (deploy_app_open(b->app, &o, b->err, sizeof b->err) != DEPLOY_OK)
		fail_msg("%s", b->err);
	b->app->timeout_ms = 500;
	if (deploy_app_build_all(b->app, b->err, sizeof b->err) != DEPLOY_OK)
		fail_msg("%s", b->err);
}

static void bench_stop(struct bench *b)
{
	char cmd[128];

	deploy_app_close(b->app);
	free(b->app);
	kill(b->node, SIGKILL);
	waitpid(b->node, NULL, 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
	assert_int_equal(system(cmd), 0);
}

static void expect_deploy_error(enum mode mode, const char *want)
{
	struct bench b;
	struct deploy_state_module m;
	int found;

	bench_start(&b, mode);
	assert_int_equal(deploy_apply_all(b.app, b.err, sizeof b.err),
			 DEPLOY_E_FAIL);
	if (strstr(b.err, want) == NULL)
		fail_msg("got '%s', want '%s'", b.err, want);
	assert_int_equal(deploy_state_module_get(b.app->st, "sensor", &m,
						 &found, b.err, sizeof b.err),
			 DEPLOY_OK);
	assert_false(m.attested);
	if (mode == BAD_MEASUREMENT)
		assert_false(m.loaded);
	bench_stop(&b);
}

static void test_wrong_node_id(void **state)
{
	(void)state;
	expect_deploy_error(WRONG_ID, "node 'n1' at 127.0.0.1:");
	expect_deploy_error(WRONG_ID, "refused the session: wrong node id");
}

static void test_measurement_mismatch(void **state)
{
	(void)state;
	expect_deploy_error(BAD_MEASUREMENT,
			    "module 'sensor' on node 'n1': measurement "
			    "mismatch: node loaded 00000000\xe2\x80\xa6, built ");
}

static void test_attestation_failed(void **state)
{
	(void)state;
	expect_deploy_error(BAD_ATTEST, "module 'sensor' on node 'n1': "
			    "attestation failed");
}

static void test_silent_node_times_out(void **state)
{
	(void)state;
	expect_deploy_error(SILENT, "node 'n1' at 127.0.0.1:");
	expect_deploy_error(SILENT, ": timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_node_id),
		cmocka_unit_test(test_measurement_mismatch),
		cmocka_unit_test(test_attestation_failed),
		cmocka_unit_test(test_silent_node_times_out),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
