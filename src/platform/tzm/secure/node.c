/* node.c - module slots, load steps, keys and the output queue of the
 * Secure node; see node.h. */
#include "node.h"

#include <string.h>

#include "ax_crypto.h"
#include "ax_glue.h"
#include "ax_modmsg.h"
#include "axl_elf.h"
#include "board.h"
#include "sandbox.h"

/* Module code runs from Secure RAM (ssram-1; executable, the MPC keeps
 * both of its aliases Secure). */
static uint8_t slots[AX_TZM_SLOTS][AX_TZM_SLOT_SIZE]
	__attribute__((aligned(32)));
static uint8_t staging[AXS_IMAGE_MAX];
/* What a module reads or writes of the node's during a call: K_M for its
 * init (wiped right after), the answer length of a handle. */
static AX_TZM_SHARED uint8_t km_buf[AX_MODULE_KEY_LEN];
static AX_TZM_SHARED size_t out_len_buf;

static struct {
	const uint8_t *k_node;
	struct {
		int used;
		struct axl_module m;
	} mod[AX_TZM_SLOTS];
	struct {
		int active;
		uint32_t instance, total, have;
	} load;
	struct {
		uint8_t b[AX_TZM_MSG_MAX];
		size_t len;
	} q[AX_TZM_QUEUE_LEN];
	size_t head, count;
	uint64_t dropped;
} node;

#define IMPORT(f) { #f, (uint32_t)(uintptr_t)&f }
/* What a module image may call in the Secure image: the crypto the
 * runtime uses and the compiler's memory functions. */
static const struct axl_import imports[] = {
	IMPORT(ax_aead_key_len), IMPORT(ax_aead_open), IMPORT(ax_aead_seal),
	IMPORT(ax_ct_equal), IMPORT(ax_hkdf_sha256), IMPORT(ax_hmac_sha256),
	IMPORT(ax_sha256), IMPORT(ax_verify16), IMPORT(ax_verify32),
	IMPORT(ax_wipe), IMPORT(memcmp), IMPORT(memcpy), IMPORT(memmove),
	IMPORT(memset),
	{ "ax_platform_device_write",
	  (uint32_t)(uintptr_t)&ax_tzm_sandbox_device_stub },
};

static int sink(const uint8_t *msg, size_t len);

void ax_tzm_node_init(const uint8_t *k_node)
{
	node.k_node = k_node;
	ax_tzm_sandbox_init(sink);
}

/* fn(a...) of the module in slot s, unprivileged and confined to its slot
 * (sandbox.h); its stack is the top AX_TZM_STACK bytes of the slot. */
static int32_t call(int s, uint32_t fn, uint32_t a0, uint32_t a1,
	uint32_t a2, uint32_t a3, uint32_t a4)
{
	const uint32_t args[5] = { a0, a1, a2, a3, a4 };
	uintptr_t base = (uintptr_t)slots[s];

	return ax_tzm_sandbox_call(fn, args, base, AX_TZM_SLOT_SIZE,
		base + AX_TZM_SLOT_SIZE - AX_TZM_STACK,
		base + AX_TZM_SLOT_SIZE);
}

/* What a module emits (its runtime's emit callback, through the
 * sandbox's SVC, which checked the buffer): queue, or drop when full
 * (availability is not protected; the drop is counted). */
static int sink(const uint8_t *msg, size_t len)
{
	size_t slot;

	if (node.count == AX_TZM_QUEUE_LEN || len > AX_TZM_MSG_MAX) {
		node.dropped++;
		return -1;
	}
	slot = (node.head + node.count) % AX_TZM_QUEUE_LEN;
	memcpy(node.q[slot].b, msg, len);
	node.q[slot].len = len;
	node.count++;
	return 0;
}

static int32_t load_fail(int32_t err)
{
	ax_wipe(staging, sizeof(staging));
	node.load.active = 0;
	return err;
}

void ax_tzm_node_load_abort(void)
{
	if (node.load.active)
		(void)load_fail(0);
}

int32_t ax_tzm_node_load_begin(uint32_t instance, uint32_t total)
{
	ax_tzm_node_load_abort();
	if (total == 0 || total > sizeof(staging) || instance == 0 ||
	    instance == 0xffffffffu)
		return -AXS_E_LENGTH;
	node.load.active = 1;
	node.load.instance = instance;
	node.load.total = total;
	node.load.have = 0;
	return 0;
}

int32_t ax_tzm_node_load_data(const uint8_t *p, size_t n)
{
	if (!node.load.active)
		return -AXS_E_SEQUENCE;
	if (n == 0 || n > node.load.total - node.load.have)
		return load_fail(-AXS_E_SEQUENCE);
	memcpy(staging + node.load.have, p, n);
	node.load.have += (uint32_t)n;
	return 0;
}

static int free_slot(void)
{
	for (int i = 0; i < AX_TZM_SLOTS; i++)
		if (!node.mod[i].used)
			return i;
	return -1;
}

/* Measure the staged image and check the deployer's authorization for
 * (instance, measurement) in constant time. */
static int32_t authorize(const uint8_t auth[AXS_AUTH_LEN],
	uint8_t meas[32])
{
	struct ax_iov img = { staging, node.load.total };
	uint8_t want[AXS_AUTH_LEN];
	int32_t r = -AXS_E_AUTH;

	if (ax_sha256(&img, 1, meas) != AX_CRYPTO_OK)
		goto out;
	if (ax_modmsg_load_auth(node.k_node, node.load.instance, meas,
				want) != AX_OK)
		goto out;
	if (ax_verify32(want, auth) == 0)
		r = 0;
out:
	ax_wipe(want, sizeof(want));
	return r;
}

/* Place, relocate and start the image in slot s. */
static int32_t start(int s, const uint8_t meas[32])
{
	struct axl_module *m = &node.mod[s].m;
	enum axl_error e;
	int32_t r = -AXS_E_INIT, rc;

	e = axl_load(staging, node.load.total, slots[s],
		AX_TZM_SLOT_SIZE - AX_TZM_STACK, (uint32_t)(uintptr_t)slots[s],
		imports, sizeof(imports) / sizeof(imports[0]), m);
	if (e != AXL_OK)
		return -(AXS_E_IMAGE + (int32_t)e);
	__asm volatile("dsb\n\tisb" ::: "memory"); /* code written as data */
	rc = call(s, m->abi, 0, 0, 0, 0, 0);
	if (rc != AX_MODULE_ABI_VERSION) {
		r = rc == AX_TZM_SANDBOX_FAULT ? -AXS_E_FAULT : -AXS_E_ABI;
		goto out;
	}
	if (ax_modmsg_module_key(node.k_node, node.load.instance, meas,
				 km_buf) != AX_OK)
		goto out;
	rc = call(s, m->init, node.load.instance,
		(uint32_t)(uintptr_t)km_buf,
		(uint32_t)(uintptr_t)ax_tzm_sandbox_emit_stub, 0, 0);
	if (rc == AX_OK)
		r = 0;
	else if (rc == AX_TZM_SANDBOX_FAULT)
		r = -AXS_E_FAULT;
out:
	ax_wipe(km_buf, sizeof(km_buf));
	if (r != 0)
		ax_wipe(slots[s], AX_TZM_SLOT_SIZE);
	return r;
}

int32_t ax_tzm_node_load_end(const uint8_t auth[AXS_AUTH_LEN],
	uint8_t measurement[32])
{
	int32_t r;
	int s;

	if (!node.load.active || node.load.have != node.load.total)
		return load_fail(-AXS_E_SEQUENCE);
	r = authorize(auth, measurement);
	if (r == 0 && (s = free_slot()) < 0)
		r = -AXS_E_FULL;
	if (r == 0 && (r = start(s, measurement)) == 0) {
		node.mod[s].used = 1;
		r = s;
	}
	(void)load_fail(0);
	return r;
}

int ax_tzm_node_has(uint32_t m)
{
	return m < AX_TZM_SLOTS && node.mod[m].used;
}

int32_t ax_tzm_node_unload(uint32_t m)
{
	if (!ax_tzm_node_has(m))
		return -AXS_E_MODULE;
	ax_wipe(slots[m], AX_TZM_SLOT_SIZE);
	node.mod[m].used = 0;
	while (node.count > 0) /* outputs are drained after each call */
		(void)ax_tzm_node_collect(NULL, 0);
	return 0;
}

int32_t ax_tzm_node_handle(uint32_t m, const uint8_t *msg, size_t len,
	uint8_t *out, size_t cap, size_t *out_len)
{
	int32_t st;

	*out_len = 0;
	if (!ax_tzm_node_has(m))
		return AX_E_UNKNOWN_ENDPOINT;
	out_len_buf = 0;
	st = call((int)m, node.mod[m].m.handle, (uint32_t)(uintptr_t)msg,
		(uint32_t)len, (uint32_t)(uintptr_t)out, (uint32_t)cap,
		(uint32_t)(uintptr_t)&out_len_buf);
	if (st == AX_TZM_SANDBOX_FAULT) {
		(void)ax_tzm_node_unload(m); /* its state is not to be trusted */
		return -AXS_E_FAULT;
	}
	if (st < 0 || st >= AX_E_COUNT || out_len_buf > cap)
		return AX_E_INTERNAL;
	*out_len = out_len_buf;
	return st;
}

size_t ax_tzm_node_collect(uint8_t *out, size_t cap)
{
	size_t len;

	if (node.count == 0)
		return 0;
	len = node.q[node.head].len;
	if (out != NULL) {
		if (len > cap)
			return (size_t)-1;
		memcpy(out, node.q[node.head].b, len);
	}
	ax_wipe(node.q[node.head].b, len);
	node.head = (node.head + 1) % AX_TZM_QUEUE_LEN;
	node.count--;
	return len;
}
