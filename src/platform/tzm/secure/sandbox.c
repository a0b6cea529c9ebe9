/* sandbox.c - unprivileged, MPU-confined calls into module code; see
 * sandbox.h. Register addresses and fields: ARMv8-M Architecture Reference
 * Manual (PMSAv8 MPU, CONTROL, EXC_RETURN). */
#include "sandbox.h"

#include "board.h"

extern uint32_t __shared_start[], __shared_end[];

#define MPU_CTRL (*(volatile uint32_t *)0xE000ED94u)
#define MPU_RNR (*(volatile uint32_t *)0xE000ED98u)
#define MPU_RBAR (*(volatile uint32_t *)0xE000ED9Cu)
#define MPU_RLAR (*(volatile uint32_t *)0xE000EDA0u)
#define MPU_MAIR0 (*(volatile uint32_t *)0xE000EDC0u)
#define MPU_ENABLE_PRIVDEF 0x5u  /* ENABLE, PRIVDEFENA */
#define AP_RW_ANY (1u << 1)
#define AP_RO_ANY (3u << 1)
#define XN 1u
#define RLAR_EN 1u               /* attribute index 0 */
#define MAIR_NORMAL_WB 0xFFu

#define S_CODE_BASE 0x10000000u
#define S_CODE_LIMIT 0x100FFFFFu

#define EXC_RETURN_S (1u << 6)
#define EXC_RETURN_SPSEL (1u << 2)
#define EXC_THREAD_PSP 0xFFFFFFFDu /* Secure, Thread mode, PSP */
#define EXC_THREAD_MSP 0xFFFFFFF9u /* Secure, Thread mode, MSP */
#define XPSR_THUMB 0x01000000u
#define FRAME_WORDS 8u

static volatile struct {
	int running;
	uint32_t fn, args[5];
	uintptr_t slot, stack_lo, stack_hi;
	uint32_t slot_len;
	int32_t result;
	ax_tzm_sink_fn sink;
} sb;

void ax_tzm_sandbox_init(ax_tzm_sink_fn sink)
{
	sb.sink = sink;
}

static void region(uint32_t n, uint32_t lo, uint32_t hi, uint32_t rbar)
{
	MPU_RNR = n;
	MPU_RBAR = (lo & ~0x1Fu) | rbar;
	MPU_RLAR = (hi & ~0x1Fu) | RLAR_EN;
}

/* Three regions for unprivileged code; privileged code keeps the
 * default memory map (PRIVDEFENA). */
static void mpu_on(void)
{
	MPU_CTRL = 0;
	MPU_MAIR0 = MAIR_NORMAL_WB;
	region(0, S_CODE_BASE, S_CODE_LIMIT, AP_RO_ANY);
	region(1, (uint32_t)sb.slot, (uint32_t)sb.slot + sb.slot_len - 1u,
		AP_RW_ANY);
	region(2, (uint32_t)(uintptr_t)__shared_start,
		(uint32_t)(uintptr_t)__shared_end - 1u, AP_RW_ANY | XN);
	MPU_CTRL = MPU_ENABLE_PRIVDEF;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
}

static void set_unprivileged(uint32_t on)
{
	uint32_t c;

	__asm__ __volatile__("mrs %0, control" : "=r"(c));
	c = on ? (c | 1u) : (c & ~1u);
	__asm__ __volatile__("msr control, %0\n\tisb" : : "r"(c) : "memory");
}

/* End the call (from a handler): privileged Thread mode again, MPU off. */
static uint32_t leave(int32_t result)
{
	sb.result = result;
	sb.running = 0;
	set_unprivileged(0);
	MPU_CTRL = 0;
	__asm__ __volatile__("dsb\n\tisb" ::: "memory");
	return EXC_THREAD_MSP;
}

/* Where the module's ABI function returns to: SVC 1 with its result. */
__attribute__((naked)) static void sandbox_return(void)
{
	__asm__ __volatile__("svc #1");
}

__attribute__((naked)) int ax_tzm_sandbox_emit_stub(void *ctx,
	const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)msg;
	(void)len;
	__asm__ __volatile__("svc #2\n\tbx lr");
}

__attribute__((naked)) int ax_tzm_sandbox_device_stub(const void *data,
	size_t len)
{
	(void)data;
	(void)len;
	__asm__ __volatile__("svc #3\n\tbx lr");
}

/* SVC 0 from the node: an exception frame on the module's stack that
 * "returns" into fn(args) unprivileged, with LR = sandbox_return and the
 * fifth argument where the callee looks for it (just above the frame). */
static uint32_t start(void)
{
	uint32_t *f = (uint32_t *)((sb.stack_hi - 4u * (FRAME_WORDS + 2u)) &
		~(uintptr_t)7u);

	for (uint32_t i = 0; i < 4; i++)
		f[i] = sb.args[i];
	f[4] = 0;                                    /* r12 */
	f[5] = (uint32_t)(uintptr_t)sandbox_return;  /* lr, Thumb bit set */
	f[6] = sb.fn & ~1u;                          /* pc */
	f[7] = XPSR_THUMB;
	f[8] = sb.args[4];
	__asm__ __volatile__("msr psplim, %0\n\tmsr psp, %1\n\tmsr psplim, %2"
		: : "r"(0u), "r"(f), "r"(sb.stack_lo) : "memory");
	mpu_on();
	set_unprivileged(1);
	sb.running = 1;
	return EXC_THREAD_PSP;
}

/* [p, p+n) inside the running module's slot or the shared region. */
static int module_memory(uint32_t p, uint32_t n)
{
	uint32_t s = (uint32_t)sb.slot, lo = (uint32_t)(uintptr_t)__shared_start,
		 hi = (uint32_t)(uintptr_t)__shared_end;

	if (n == 0)
		return 1;
	if (p >= s && p - s <= sb.slot_len && n <= sb.slot_len - (p - s))
		return 1;
	return p >= lo && p <= hi && n <= hi - p;
}

uint32_t ax_tzm_svc_c(uint32_t exc_return, uint32_t *msp, uint32_t *psp);
uint32_t ax_tzm_svc_c(uint32_t exc_return, uint32_t *msp, uint32_t *psp)
{
	int from_module = (exc_return & EXC_RETURN_SPSEL) != 0;
	uint32_t *f = from_module ? psp : msp;
	uint8_t num = ((const uint8_t *)(uintptr_t)f[6])[-2];

	/* SVC 0 only from the node between calls, 1-3 only from the
	 * running module: anything else is no SVC this image issues. */
	if ((exc_return & EXC_RETURN_S) == 0 || from_module != sb.running)
		ax_tzm_fatal(4);
	if (!from_module)
		return num == 0 ? start() : (ax_tzm_fatal(5), 0u);
	switch (num) {
	case 1:
		return leave((int32_t)f[0]);
	case 2:
		f[0] = module_memory(f[1], f[2]) && sb.sink != 0 ?
			(uint32_t)sb.sink((const uint8_t *)(uintptr_t)f[1],
				f[2]) : (uint32_t)-1;
		return exc_return;
	case 3:
		f[0] = module_memory(f[0], f[1]) ? (uint32_t)ax_tzm_device_write(
			(const void *)(uintptr_t)f[0], f[1]) : (uint32_t)-1;
		return exc_return;
	default:
		return leave(AX_TZM_SANDBOX_FAULT);
	}
}

void ax_tzm_svc(void);
__attribute__((naked)) void ax_tzm_svc(void)
{
	__asm__ __volatile__("mov r0, lr\n\tmrs r1, msp\n\tmrs r2, psp\n\t"
			     "bl ax_tzm_svc_c\n\tbx r0");
}

uint32_t ax_tzm_sandbox_fault(uint32_t exc_return, uint32_t exc);
uint32_t ax_tzm_sandbox_fault(uint32_t exc_return, uint32_t exc)
{
	(void)exc;
	if (!sb.running || (exc_return & EXC_RETURN_SPSEL) == 0)
		return 0;
	(void)leave(AX_TZM_SANDBOX_FAULT);
	return 1;
}

int32_t ax_tzm_sandbox_call(uint32_t fn, const uint32_t args[5],
	uintptr_t slot, uint32_t slot_len, uintptr_t stack_lo,
	uintptr_t stack_hi)
{
	sb.fn = fn;
	for (uint32_t i = 0; i < 5; i++)
		sb.args[i] = args[i];
	sb.slot = slot;
	sb.slot_len = slot_len;
	sb.stack_lo = stack_lo;
	sb.stack_hi = stack_hi;
	sb.result = AX_TZM_SANDBOX_FAULT;
	/* The node's callee-saved registers are kept on its own stack: a
	 * module that faults returns here with whatever it left in them. */
	__asm__ __volatile__("push {r4-r11}\n\tsvc #0\n\tpop {r4-r11}"
		: : : "r0", "r1", "r2", "r3", "r12", "lr", "memory", "cc");
	return sb.result;
}
