#!/bin/sh
# tests/check_tzm_qemu.sh SRC_DIR BUILD_DIR
#
# The tzm Secure test image (docs/tzm.md) on an emulated Cortex-M33:
#  1. get Debian's mbedtls source package once (scripts/mbedtls-src.sh; as
#     root it runs apt-get, otherwise it prints the commands and this fails);
#  2. build the image with arm-none-eabi-gcc (src/platform/tzm/firmware.mk):
#     warning-free, -nostdlib, and the linked image may leave no symbol
#     undefined and define no malloc/free/printf;
#  3. run it in QEMU mps2-an505 (Secure state, semihosting exit) under a
#     timeout: it must print "N passed, 0 failed" and exit 0.
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
echo "check_tzm_qemu: $summary on the Cortex-M33 (QEMU mps2-an505, Secure state)"
