#!/bin/sh
# tests/check_ctgrind.sh SRC_DIR BUILD_DIR
#
# Constant-time check of src/crypto/ct.c (style habit 10/17): the probe
# marks its inputs secret for valgrind memcheck, which then reports every
# branch or index that depends on them. The compare helpers must produce
# no report; a deliberately leaky compare must produce one (so the check
# itself is known to work). CC selects the compiler.
set -eu
SRC=${1:?usage: check_ctgrind.sh SRC_DIR BUILD_DIR}
BUILD=${2:?usage: check_ctgrind.sh SRC_DIR BUILD_DIR}
CC=${CC:-cc}
WORK=$BUILD/check_ctgrind
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed (scripts/deps.sh installs it)"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
mkdir -p "$WORK"
# No sanitizers here: valgrind and ASan do not mix. -O2 as in a release;
# DWARF 4 because valgrind 3.19 cannot read clang 14's default DWARF 5.
$CC -std=c11 -O2 -gdwarf-4 -Wall -Wextra -Werror -I"$SRC/src/crypto" \
	"$SRC/tests/ctgrind/ct_probe.c" "$SRC/src/crypto/ct.c" -o "$WORK/ct_probe"
echo "== constant-time helpers under valgrind =="
if ! valgrind -q --error-exitcode=9 "$WORK/ct_probe"; then
	echo "FAIL: ax_verify16/ax_verify32/ax_ct_equal/ax_wipe branch on secret data (or the probe failed)"
	exit 1
fi
echo "== control: a leaky compare must be reported =="
if valgrind -q --error-exitcode=9 "$WORK/ct_probe" leaky >/dev/null 2>&1; then
	echo "FAIL: valgrind did not flag the leaky compare: the check is blind"
	exit 1
fi
echo "ok: no secret-dependent branch in the compare helpers; the leaky control was flagged"
