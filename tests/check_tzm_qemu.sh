#!/bin/sh
# tests/check_tzm_qemu.sh SRC_DIR BUILD_DIR
#
# The tzm firmware (docs/tzm.md) on an emulated Cortex-M33:
#  1. get Debian's mbedtls source package once (scripts/mbedtls-src.sh; as
#     root it runs apt-get, otherwise it prints the commands and this fails);
#  2. build the image with arm-none-eabi-gcc (src/platform/tzm/firmware.mk):
#     warning-free, -nostdlib, and the linked image may leave no symbol
#     undefined and define no malloc/free/printf;
#  3. run the Secure test image in QEMU mps2-an505 (Secure state,
#     semihosting exit) under a timeout: "N passed, 0 failed", exit 0;
#  4. check the Non-secure-callable surface: the __acle_se_* symbols of the
#     Secure node image are exactly the documented list (docs/tzm.md);
#  5. run the Secure node image with the Non-secure isolation test image:
#     the NS calls and refusals it checks itself ("ns: 0 failed"), and the
#     faults it provokes, each reported by the Secure fault handler right
#     after the probe that caused it (asserted here from the log);
#  6. build the Secure test image's code (the same tests/tzm/s_test_*.c,
#     provider, runtime and mbedTLS files and configuration) for the build
#     machine with $CC and AddressSanitizer + UBSan, and run it: the same
#     183 checks, now watched by the sanitizers (tests/tzm/host_board.c).
# Exit 0 = pass, 1 = fail, 77 = skip: only when arm-none-eabi-gcc or
# qemu-system-arm is missing, and never under CI=true (scripts/deps.sh
# installs both).
set -eu
LC_ALL=C
export LC_ALL

SRC=${1:?usage: check_tzm_qemu.sh SRC_DIR BUILD_DIR}
BUILD=${2:?usage: check_tzm_qemu.sh SRC_DIR BUILD_DIR}
OUT=$BUILD/tzm
QEMU_TIMEOUT=${AX_TZM_QEMU_TIMEOUT:-30}

missing=''
for tool in arm-none-eabi-gcc qemu-system-arm; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: missing in CI:$missing (scripts/deps.sh installs them)"
		exit 1
	fi
	echo "SKIP: not installed:$missing (run scripts/deps.sh)"
	exit 77
fi

# 1. mbedTLS sources (cached in the build tree; AX_MBEDTLS_CACHE may point
#    several build trees at one cache).
cache=${AX_MBEDTLS_CACHE:-$BUILD/mbedtls-src}
if ! mbedtls=$(sh "$SRC/scripts/mbedtls-src.sh" "$cache" | tail -n 1) ||
	[ ! -f "$mbedtls/library/aes.c" ]; then
	echo "FAIL: no mbedTLS source tree (see scripts/mbedtls-src.sh above)"
	exit 1
fi
echo "mbedTLS source: $mbedtls"

# 2. build.
mkdir -p "$OUT"
if ! ${MAKE:-make} -s -f "$SRC/src/platform/tzm/firmware.mk" SRC="$SRC" \
	OUT="$OUT" MBEDTLS="$mbedtls" >"$OUT/build.log" 2>&1; then
	cat "$OUT/build.log"
	echo "FAIL: the Secure image did not build"
	exit 1
fi
elf=$OUT/s_test.elf
undef=$(arm-none-eabi-nm -u "$elf")
if [ -n "$undef" ]; then
	echo "FAIL: undefined symbols in $elf:"
	echo "$undef"
	exit 1
fi
if arm-none-eabi-nm "$elf" | awk '{ print $NF }' |
	grep -Ex '(malloc|calloc|realloc|free|printf|puts|_sbrk|_write)'; then
	echo "FAIL: the Secure image contains C library heap or stdio symbols"
	exit 1
fi
echo "Secure test image (text = code + rodata, data, bss):"
arm-none-eabi-size "$elf" | sed 's/^/  /'

# 3. run.
rc=0
timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an505 -nographic \
	-semihosting-config enable=on,target=native -kernel "$elf" \
	</dev/null >"$OUT/qemu.log" 2>&1 || rc=$?
tr -d '\r' <"$OUT/qemu.log"
if [ "$rc" = 124 ]; then
	echo "FAIL: QEMU did not finish within ${QEMU_TIMEOUT}s"
	exit 1
fi
summary=$(tr -d '\r' <"$OUT/qemu.log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' |
	tail -n 1 || true)
case "$summary" in
*' passed, 0 failed') ;;
*)
	echo "FAIL: no clean summary line from the image (QEMU exit $rc)"
	exit 1
	;;
esac
if [ "$rc" != 0 ]; then
	echo "FAIL: QEMU exited with $rc"
	exit 1
fi
echo "Secure test image: $summary"

# 4. the entry surface.
NSC_EXPECTED='axs_collect axs_handle axs_load axs_unload axs_version'
node=$OUT/s_node.elf
got=$(arm-none-eabi-nm "$node" | awk '$3 ~ /^__acle_se_/ { sub(/^__acle_se_/, "", $3); print $3 }' |
	sort | tr '\n' ' ' | sed 's/ $//')
if [ "$got" != "$NSC_EXPECTED" ]; then
	echo "FAIL: Non-secure-callable entries are '$got', expected '$NSC_EXPECTED'"
	exit 1
fi
for f in $NSC_EXPECTED; do
	if ! grep -q "^| \`$f\` |" "$SRC/docs/tzm.md"; then
		echo "FAIL: entry $f is not in the table of docs/tzm.md"
		exit 1
	fi
done
doc_n=$(grep -c '^| `axs_[a-z_]*` |' "$SRC/docs/tzm.md" || true)
if [ "$doc_n" != 5 ]; then
	echo "FAIL: docs/tzm.md lists $doc_n entries, the image has 5"
	exit 1
fi
echo "Non-secure-callable entries: $got (as documented)"
for img in "$node" "$OUT/ns_test.elf"; do
	if [ -n "$(arm-none-eabi-nm -u "$img")" ]; then
		echo "FAIL: undefined symbols in $img"
		exit 1
	fi
done
echo "Secure node image and Non-secure test image:"
arm-none-eabi-size "$node" "$OUT/ns_test.elf" | sed 's/^/  /'

# 5. isolation. The node key is provisioned the way the tzm backend does
#    it: QEMU's loader writes it to 0x38000000 before the core starts. A
#    TEST key (its first bytes, "tzm ", are what the NS probes look for).
#    UART1, the secure output device, goes to a file of its own.
key=$OUT/test-node.key
printf 'tzm TEST node key - public!!!!!\000' >"$key"
uart1=$OUT/uart1-ns.log
rm -f "$uart1"
rc=0
timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an505 -display none \
	-monitor none -serial stdio -serial file:"$uart1" \
	-semihosting-config enable=on,target=native -kernel "$node" \
	-device loader,file="$OUT/ns_test.elf" \
	-device loader,file="$key",addr=0x38000000,force-raw=on \
	</dev/null >"$OUT/qemu-ns.log" 2>&1 || rc=$?
log=$OUT/qemu-ns.txt
tr -d '\r' <"$OUT/qemu-ns.log" >"$log"
cat "$log"
bad=0
# after PROBE WANT: the line right after "ns: probe PROBE" starts with WANT.
after() {
	next=$(grep -A1 -F -x "ns: probe $1" "$log" | sed -n 2p)
	case "$next" in
	"$2"*) echo "  observed: $1 -> $2" ;;
	*)
		echo "FAIL: after probe '$1' expected '$2', got '$next'"
		bad=1
		;;
	esac
}
after 'read node key 0x38000000' 'tzm: Non-secure fault SecureFault SFSR=0x00000008'
after 'read 0x28000000' 'tzm: Non-secure fault SecureFault SFSR=0x00000008'
after 'write Secure UART0 alias 0x50200000' 'tzm: Non-secure fault SecureFault SFSR=0x00000008'
after 'write UART1 through its NS alias 0x40201000' 'ns: ok   NS read of UART1 CTRL (PPC Secure) reads as zero'
if [ ! -f "$uart1" ] || grep -q 'NS WROTE' "$uart1"; then
	echo "FAIL: the NS writes reached UART1 (or QEMU made no UART1 file)"
	bad=1
else
	echo "  observed: nothing the NS image wrote reached UART1"
fi
after 'branch to Secure code 0x10000001' 'tzm: Non-secure fault SecureFault SFSR=0x00000001 CFSR=0x00000000 BFAR=0x00000000 PC=0x10000000'
faults=$(grep -c '^tzm: Non-secure fault' "$log" || true)
[ "$faults" = 4 ] || { echo "FAIL: $faults NS faults reported, expected 4"; bad=1; }
if grep -q '^ns: FAIL' "$log" || ! grep -q -x 'ns: 0 failed' "$log"; then
	echo "FAIL: the Non-secure image saw a failed check"
	bad=1
fi
if grep -q '^tzm: Secure fault' "$log"; then
	echo "FAIL: a fault in Secure code"
	bad=1
fi
if [ "$rc" != 0 ] || [ "$bad" != 0 ]; then
	echo "FAIL: isolation test (QEMU exit $rc)"
	exit 1
fi
echo "isolation: $(grep -c '^ns: ok' "$log") NS checks and 4 faults as expected"

# 5b. a node whose key was never provisioned refuses to start.
rc=0
timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an505 -nographic \
	-semihosting-config enable=on,target=native -kernel "$node" \
	-device loader,file="$OUT/ns_test.elf" \
	</dev/null >"$OUT/qemu-nokey.log" 2>&1 || rc=$?
if [ "$rc" = 0 ] || ! grep -q 'no node key at 0x38000000' "$OUT/qemu-nokey.log" ||
	grep -q '^ns: ' "$OUT/qemu-nokey.log"; then
	tr -d '\r' <"$OUT/qemu-nokey.log"
	echo "FAIL: a node without a provisioned key started (QEMU exit $rc)"
	exit 1
fi
echo "unprovisioned node: refused to start (exit $rc), Non-secure never ran"

# 6. the same test code on the host, under ASan/UBSan.
CC=${CC:-cc}
hostkat=$OUT/host-kat
set --
for f in aes gcm cipher cipher_wrap chacha20 poly1305 chachapoly sha256 md \
	hkdf hmac_drbg platform platform_util memory_buffer_alloc constant_time; do
	set -- "$@" "$mbedtls/library/$f.c"
done
for f in "$SRC"/src/runtime/*.c; do
	case "$f" in */ax_glue.c) ;; *) set -- "$@" "$f" ;; esac
done
if ! "$CC" -std=c11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -D_POSIX_C_SOURCE=200809L \
	-DMBEDTLS_CONFIG_FILE='"mbedtls_config.h"' -DAX_MBEDTLS_STATIC_POOL \
	-DAX_PAYLOAD_MAX=1024 -DAX_MAX_CONNECTIONS=8 -DAX_MAX_ENDPOINTS=16 \
	-I"$SRC/include" -I"$SRC/src/runtime" -I"$SRC/src/crypto" \
	-I"$SRC/src/common" -I"$SRC/src/platform/tzm" \
	-I"$SRC/src/platform/tzm/secure" -I"$mbedtls/include" \
	-Wall -Wextra -Werror -o "$hostkat" "$@" "$SRC/src/crypto/ct.c" \
	"$SRC/src/crypto/provider_mbedtls.c" "$SRC/src/common/ax_modmsg.c" \
	"$SRC"/tests/tzm/s_test_*.c "$SRC/tests/tzm/tzm_check.c" \
	"$SRC/tests/tzm/host_board.c" >"$OUT/host-kat.log" 2>&1; then
	cat "$OUT/host-kat.log"
	echo "FAIL: host build of the test image's code with $CC"
	exit 1
fi
rc=0
timeout 60 "$hostkat" >"$OUT/host-kat.out" 2>&1 || rc=$?
host_summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/host-kat.out" | tail -n 1 || true)
if [ "$rc" != 0 ] || [ "$host_summary" != "$summary" ]; then
	cat "$OUT/host-kat.out"
	echo "FAIL: host run under ASan/UBSan: '$host_summary' (exit $rc), Cortex-M33: '$summary'"
	exit 1
fi
echo "host ($CC, ASan/UBSan): $host_summary"
echo "check_tzm_qemu: Cortex-M33 $summary; isolation as expected; host ASan/UBSan $host_summary"
