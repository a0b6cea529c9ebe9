#!/bin/sh
# tests/check_freestanding.sh SRC_DIR BUILD_DIR
#
# The trusted runtime (src/runtime/) and the constant-time helpers
# (src/crypto/ct.c) must be freestanding C (style habits 1, 10, 11):
#  (a) they compile for the host with -ffreestanding -nostdinc (only the
#      compiler's own headers are reachable) and, taken together, leave no
#      undefined symbol outside an allow list: no malloc, printf, read, ...;
#  (b) they compile for a Cortex-M33 with arm-none-eabi-gcc (sizes reported);
#  (c) runtime files include only <stdint.h>, <stddef.h>, <stdbool.h>,
#      <authex/...>, "ax_crypto.h" and the runtime's own "ax_*.h";
#  (d) memcmp appears nowhere in src/runtime/ or src/crypto/ (comments
#      excluded): tags are compared with ax_verify16/32, ax_ct_equal.
# CC selects the host compiler (CMake passes its own). Exit 0 = pass,
# 1 = fail, 77 = skip (only when arm-none-eabi-gcc is missing outside CI).
set -eu
LC_ALL=C
export LC_ALL

SRC=${1:?usage: check_freestanding.sh SRC_DIR BUILD_DIR}
BUILD=${2:?usage: check_freestanding.sh SRC_DIR BUILD_DIR}
CC=${CC:-cc}
WORK=$BUILD/check_freestanding
RT=$SRC/src/runtime
STRIP="$SRC/tests/strip_comments.awk"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Undefined symbols the objects may leave to the platform or the linker:
#  - the crypto interface of src/crypto/ax_crypto.h (a provider links it);
#  - memcpy, memset, memmove: compilers emit calls to them for struct
#    copies even in freestanding code (GCC documents that freestanding code
#    must supply them); memcmp is deliberately NOT allowed;
#  - __start_/__stop_authex_ep: linker-made bounds of the endpoint section;
#  - authex_module_*: the module ABI the image glue exports;
#  - ax_platform_device_write: the platform's secure output device, a weak
#    reference in the glue (module.h ax_device_write; tzm provides it);
#  - _GLOBAL_OFFSET_TABLE_: linker-made, referenced by position-independent
#    code (Debian's gcc defaults to PIE).
# Stack-protector symbols are not allowed: the objects are compiled with
# -fno-stack-protector so the answer does not depend on distro defaults; a
# platform that wants the protector supplies its own guard and handler.
allowed_sym() {
	case "$1" in
	memcpy | memset | memmove) return 0 ;;
	__start_authex_ep | __stop_authex_ep) return 0 ;;
	_GLOBAL_OFFSET_TABLE_) return 0 ;;
	authex_module_*) return 0 ;;
	ax_platform_device_write) return 0 ;;
	esac
	for a in $crypto_api; do
		[ "$1" = "$a" ] && return 0
	done
	return 1
}

# --- the files under test ---------------------------------------------------
SRCS=''
for f in "$RT"/*.c; do
	[ -e "$f" ] && SRCS="$SRCS $f"
done
if [ -z "$SRCS" ]; then
	echo "FAIL: no .c files in src/runtime/: nothing to check"
	exit 1
fi
if [ ! -f "$SRC/src/crypto/ct.c" ]; then
	echo "FAIL: src/crypto/ct.c is missing"
	exit 1
fi
SRCS="$SRCS $SRC/src/crypto/ct.c"
crypto_api=$(awk -f "$STRIP" "$SRC/src/crypto/ax_crypto.h" |
	grep -o 'ax_[a-z0-9_]*[[:space:]]*(' | tr -d '( \t' | sort -u)
rm -rf "$WORK"
mkdir -p "$WORK/host" "$WORK/arm"

# compile_set DIR CC FLAGS...: compile every file of SRCS into DIR.
compile_set() {
	dir=$1
	cc=$2
	shift 2
	ok=0
	for f in $SRCS; do
		o="$dir/$(basename "$f" .c).o"
		if ! "$cc" "$@" -I "$SRC/include" -I "$RT" -I "$SRC/src/crypto" \
			-c "$f" -o "$o"; then
			fail "$cc could not compile ${f#"$SRC"/} freestanding"
			ok=1
		fi
	done
	return $ok
}

# check_symbols DIR EXTRA_CASE: undefined symbols of all objects together,
# minus those the objects define themselves, must be on the allow list.
check_symbols() {
	dir=$1
	nmtool=$2
	extra=$3
	"$nmtool" -u "$dir"/*.o | awk 'NF == 2 { print $2 }' | sort -u >"$dir/undef"
	"$nmtool" -g --defined-only "$dir"/*.o | awk 'NF == 3 { print $3 }' |
		sort -u >"$dir/defined"
	bad=''
	used=''
	for s in $(comm -23 "$dir/undef" "$dir/defined"); do
		case "$s" in $extra) used="$used $s"; continue ;; esac
		if allowed_sym "$s"; then
			used="$used $s"
		else
			bad="$bad $s"
		fi
	done
	echo "  external symbols used:${used:- none}"
	[ -z "$bad" ] || fail "forbidden undefined symbols in $dir:$bad"
}

# --- (a) host, freestanding, no libc headers ----------------------------------
hostinc=$("$CC" -print-file-name=include)
echo "(a) host compile with $CC -ffreestanding -nostdinc (only $hostinc):"
for f in $SRCS; do echo "  ${f#"$SRC"/}"; done
if compile_set "$WORK/host" "$CC" -std=c11 -O2 -ffreestanding -fno-builtin \
	-fno-stack-protector -nostdinc -isystem "$hostinc" \
	-Wall -Wextra -Werror -Wvla; then
	check_symbols "$WORK/host" nm "__no_extra__"
fi

# --- (c) include boundary -----------------------------------------------------
echo "(c) includes in src/runtime/:"
for f in "$RT"/*.c "$RT"/*.h; do
	[ -e "$f" ] || continue
	awk -f "$STRIP" "$f" | grep -n '^[[:space:]]*#[[:space:]]*include' |
		while IFS= read -r line; do
			no=${line%%:*}
			inc=$(printf '%s\n' "${line#*:}" |
				sed 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*//; s/[[:space:]]*$//')
			case "$inc" in
			'<stdint.h>' | '<stddef.h>' | '<stdbool.h>' | '"ax_crypto.h"') ok=1 ;;
			'<authex/'*'>')
				h=${inc#<}
				h=${h%>}
				[ -f "$SRC/include/$h" ] && ok=1 || ok=0
				;;
			'"ax_'*'.h"')
				h=${inc#\"}
				h=${h%\"}
				[ -f "$RT/$h" ] && ok=1 || ok=0
				;;
			*) ok=0 ;;
			esac
			if [ "$ok" = 1 ]; then
				echo "  ok   ${f#"$SRC"/}:$no $inc"
			else
				echo "  BAD  ${f#"$SRC"/}:$no $inc"
			fi
		done
done >"$WORK/includes"
cat "$WORK/includes"
if grep -q '^  BAD' "$WORK/includes"; then
	fail "src/runtime/ includes something outside the trust boundary (see BAD above)"
fi

# --- (d) no memcmp ------------------------------------------------------------
echo "(d) memcmp in src/runtime/ and src/crypto/ (comments excluded):"
for f in "$RT"/*.[ch] "$SRC"/src/crypto/*.[ch]; do
	[ -e "$f" ] || continue
	awk -f "$STRIP" "$f" | grep -n '\bmemcmp\b' | sed "s|^|  ${f#"$SRC"/}:|" || true
done >"$WORK/memcmp"
if [ -s "$WORK/memcmp" ]; then
	cat "$WORK/memcmp"
	fail "memcmp used (compare with ax_verify16/ax_verify32/ax_ct_equal)"
else
	echo "  none"
fi

# --- (b) Cortex-M33 -----------------------------------------------------------
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
	if [ "$failures" -ne 0 ]; then
		echo "check_freestanding: $failures check(s) failed"
		exit 1
	fi
	if [ "${CI:-}" = true ]; then
		echo "FAIL: arm-none-eabi-gcc missing in CI (scripts/deps.sh installs gcc-arm-none-eabi)"
		exit 1
	fi
	echo "SKIP (b): arm-none-eabi-gcc not installed (run scripts/deps.sh); (a), (c), (d) passed"
	exit 77
fi
arminc=$(arm-none-eabi-gcc -print-file-name=include)
echo "(b) Cortex-M33 compile with arm-none-eabi-gcc -Os -ffreestanding -nostdinc:"
if compile_set "$WORK/arm" arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb \
	-mfloat-abi=soft -Os -ffreestanding -fno-builtin -fno-stack-protector \
	-nostdinc -isystem "$arminc" -std=c11 -Wall -Wextra -Werror -Wvla; then
	# libgcc's run-time ABI helpers (64-bit division, ...) are part of any
	# Cortex-M link, with or without a C library.
	check_symbols "$WORK/arm" arm-none-eabi-nm "__aeabi_*"
	arm-none-eabi-size -t "$WORK"/arm/*.o | sed "s|$WORK/arm/||; s/^/  /"
fi

if [ "$failures" -ne 0 ]; then
	echo "check_freestanding: $failures check(s) failed"
	exit 1
fi
echo "check_freestanding: all checks passed"
