/*
 * deploy_cmd_status.c - `authex status`: the state database, then every
 * node's live STATUS.
 */
#include "deploy_cmd.h"

#include <stdio.h>
#include <string.h>

#include "ax_bytes.h"
#include "ax_modmsg.h"

static const char *rt_state(uint8_t st)
{
	static const char *const names[] = {"uninit", "active", "disabled",
					    "failed"};
	return st < 4 ? names[st] : "?";
}

static void print_db(struct deploy_app *a)
{
	struct deploy_state_module m;
	struct deploy_state_conn c;
	char status[16] = "", err[512], h[16];
	int found;

	if (deploy_state_get_status(a->st, status, sizeof status, err,
				    sizeof err) != DEPLOY_OK)
		snprintf(status, sizeof status, "?");
	printf("deployment %s: id 0x%08x, %s (state %s)\n", a->d->name,
	       (unsigned)a->deployment, status[0] ? status : "never deployed",
	       a->state_path);
	for (size_t i = 0; i < a->d->n_modules; i++) {
		if (deploy_state_module_get(a->st, a->d->modules[i].name, &m,
					    &found, err, sizeof err) !=
			    DEPLOY_OK || !found) {
			printf("  module %-14s not deployed\n",
			       a->d->modules[i].name);
			continue;
		}
		deploy_hex_short(m.measurement, 32, h);
		printf("  module %-14s node %-10s instance 0x%08x "
		       "measurement %s %s%s%s\n", m.name, m.node,
		       (unsigned)m.instance, h, m.loaded ? "loaded" : "-",
		       m.attested ? " attested" : "",
		       m.disabled ? " DISABLED" : "");
	}
	for (size_t i = 0; i < a->d->n_conns; i++) {
		/* a row with an id but no key and no route yet (deploy
		 * records every id before it sends any) is not set up */
		if (deploy_state_conn_get(a->st, a->d->conns[i].ident, &c,
					  &found, err, sizeof err) != DEPLOY_OK ||
		    !found || (!c.has_key && !c.routed[0] && !c.routed[1])) {
			printf("  conn %s: not set up\n", a->d->conns[i].ident);
			deploy_state_conn_wipe(&c);
			continue;
		}
		printf("  conn 0x%08x %s: %s, %s%s\n", (unsigned)c.id, c.ident,
		       deploy_desc_alg_name(c.alg),
		       c.has_key && !c.keying ? "keyed" : "not keyed",
		       c.routed[0] || c.routed[1] ? ", routed" : "");
		deploy_state_conn_wipe(&c);
	}
}

/* Name of the connection with id, for the live records. */
static const char *conn_name(struct deploy_app *a, uint32_t id)
{
	static char name[DEPLOY_CONN_IDENT_MAX];
	struct deploy_state_conn c;
	char err[256];
	int found;

	snprintf(name, sizeof name, "0x%08x", (unsigned)id);
	for (size_t i = 0; i < a->d->n_conns; i++)
		if (deploy_state_conn_get(a->st, a->d->conns[i].ident, &c,
					  &found, err, sizeof err) == DEPLOY_OK &&
		    found && c.id == id) {
			snprintf(name, sizeof name, "%s", c.ident);
			deploy_state_conn_wipe(&c);
			break;
		}
	return name;
}

static void print_rt(struct deploy_app *a, const struct ax_wire_bytes *rt)
{
	uint64_t rejects = 0;
	uint16_t n;

	if (rt->len < AX_RT_STATUS_HDR_LEN) {
		printf("      runtime did not answer\n");
		return;
	}
	n = ax_load_be16(rt->ptr + 2);
	for (size_t k = 0; k < AX_E_COUNT - 1; k++)
		rejects += ax_load_be64(rt->ptr + 12 + 8 * k);
	printf("      runtime %s, %u connections, %llu messages refused\n",
	       rt_state(rt->ptr[1]), n, (unsigned long long)rejects);
	for (uint16_t k = 0; k < n; k++) {
		const uint8_t *r = rt->ptr + AX_RT_STATUS_HDR_LEN +
				   (size_t)k * AX_RT_STATUS_CONN_LEN;

		if (r + AX_RT_STATUS_CONN_LEN > rt->ptr + rt->len)
			break;
		printf("      conn %-32s counter %llu accepted %llu rejected "
		       "%llu lost %llu\n", conn_name(a, ax_load_be32(r)),
		       (unsigned long long)ax_load_be64(r + 8),
		       (unsigned long long)ax_load_be64(r + 16),
		       (unsigned long long)ax_load_be64(r + 24),
		       (unsigned long long)ax_load_be64(r + 32));
	}
}

static void print_node(struct deploy_app *a, int n,
		       const struct ax_wire_status *st)
{
	struct ax_wire_bytes it = st->records;
	struct ax_wire_modstat r;

	printf("node %s (%s): id 0x%08x, platform %.*s, up %lu s, events "
	       "routed %llu dropped %llu, frames rejected %llu, %lu modules\n",
	       a->d->nodes[n].name, a->sess[n].addr, (unsigned)st->node_id,
	       (int)st->platform.len, st->platform.ptr,
	       (unsigned long)st->uptime_s,
	       (unsigned long long)st->events_routed,
	       (unsigned long long)st->events_dropped,
	       (unsigned long long)st->frames_rejected,
	       (unsigned long)st->modules_total);
	if (st->platform.len == 6 && memcmp(st->platform.ptr, "native", 6) == 0)
		printf("  !!! WARNING: node %s runs the NATIVE platform: its "
		       "modules are NOT isolated (development only) !!!\n",
		       a->d->nodes[n].name);
	while (ax_wire_modstat_next(&it, &r) == AX_WIRE_OK) {
		if (r.deployment != a->deployment)
			continue; /* another deployment on the same node */
		printf("    module %.*s instance 0x%08x: %s\n",
		       (int)r.name.len, r.name.ptr, (unsigned)r.module,
		       r.state == AX_WIRE_MOD_LOADED ? "loaded" : "FAILED");
		print_rt(a, &r.rt_status);
	}
}

int deploy_cmd_status(int argc, char **argv, const struct deploy_cli *g)
{
	struct deploy_app *a;
	struct deploy_session *s;
	struct ax_wire_status stat;
	char err[1024];
	int failed = 0;
	deploy_status st;

	if (deploy_cmd_wants_help(argc, argv))
		return deploy_cmd_help(stdout, "status"), DEPLOY_EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return deploy_cmd_usage("status", "expected APP.yaml");
	st = deploy_cmd_open(argv[1], g, 1, &a, err, sizeof err);
	if (st != DEPLOY_OK)
		return deploy_cmd_fail("status", st, err);
	print_db(a);
	for (size_t n = 0; n < a->d->n_nodes; n++) {
		if (deploy_app_session(a, (int)n, &s, err, sizeof err) !=
			    DEPLOY_OK ||
		    deploy_session_status(s, a->deployment ? a->deployment
							   : AX_WIRE_ALL,
					  &stat, err, sizeof err) != DEPLOY_OK) {
			printf("node %s: UNREACHABLE: %s\n",
			       a->d->nodes[n].name, err);
			failed = 1;
			continue;
		}
		print_node(a, (int)n, &stat);
	}
	deploy_cmd_close(a);
	return failed ? DEPLOY_EXIT_FAIL : DEPLOY_EXIT_OK;
}
