/* node.c - modules, keys and the output queue of the Secure node; see
 * node.h. */
#include "node.h"

#include "ax_crypto.h"
#include "ax_modmsg.h"

static struct {
	const struct ax_tzm_module *mods;
	size_t n;
	struct {
		uint8_t b[AX_TZM_MSG_MAX];
		size_t len;
	} q[AX_TZM_QUEUE_LEN];
	size_t head, count;
	uint64_t dropped;
} node;

/* The runtime's emit: queue, or drop when full (availability is not
 * protected; the drop is counted). */
static int emit(void *ctx, const uint8_t *msg, size_t len)
{
	size_t slot, i;

	(void)ctx;
	if (node.count == AX_TZM_QUEUE_LEN || len > AX_TZM_MSG_MAX) {
		node.dropped++;
		return -1;
	}
	slot = (node.head + node.count) % AX_TZM_QUEUE_LEN;
	for (i = 0; i < len; i++)
		node.q[slot].b[i] = msg[i];
	node.q[slot].len = len;
	node.count++;
	return 0;
}

/* K_M through the one implementation every platform and the deployer
 * use (src/common/ax_modmsg.c, docs/architecture.md §4). */
static ax_rt_status module_key(const uint8_t k_node[32],
	const struct ax_tzm_module *m, uint8_t km[32])
{
	uint8_t meas[AX_MEASUREMENT_LEN];
	struct ax_iov img = { m->eps, m->n_eps * sizeof(*m->eps) };

	if (ax_sha256(&img, 1, meas) != AX_CRYPTO_OK)
		return AX_E_INTERNAL;
	return ax_modmsg_module_key(k_node, m->instance, meas, km);
}

ax_rt_status ax_tzm_node_boot(const uint8_t k_node[32],
	const struct ax_tzm_module *mods, size_t n)
{
	uint8_t km[32];
	ax_rt_status st = AX_OK;
	size_t i;

	node.mods = mods;
	node.n = 0;
	for (i = 0; i < n && st == AX_OK; i++) {
		st = module_key(k_node, &mods[i], km);
		if (st == AX_OK)
			st = ax_rt_init(mods[i].rt, mods[i].eps, mods[i].n_eps,
				mods[i].instance, km, emit, NULL);
	}
	ax_wipe(km, sizeof(km));
	if (st == AX_OK)
		node.n = n;
	return st;
}

ax_rt_status ax_tzm_node_handle(uint32_t m, const uint8_t *msg, size_t len,
	uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	if (m >= node.n)
		return AX_E_UNKNOWN_ENDPOINT;
	return ax_rt_handle(node.mods[m].rt, msg, len, out, cap, out_len);
}

size_t ax_tzm_node_count(void)
{
	return node.n;
}

size_t ax_tzm_node_collect(uint8_t *out, size_t cap)
{
	size_t len, i;

	if (node.count == 0)
		return 0;
	len = node.q[node.head].len;
	if (len > cap)
		return (size_t)-1;
	for (i = 0; i < len; i++)
		out[i] = node.q[node.head].b[i];
	ax_wipe(node.q[node.head].b, len);
	node.head = (node.head + 1) % AX_TZM_QUEUE_LEN;
	node.count--;
	return len;
}
