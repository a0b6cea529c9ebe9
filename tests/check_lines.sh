#!/bin/sh
# tests/check_lines.sh SRC_DIR BUILD_DIR
#
# Keeps the trusted runtime small and its exported names disciplined
# (style habits 2 and 14):
#  - counts the code lines (non-blank, non-comment) of src/runtime/*.c and
#    *.h and fails when the total exceeds the budget (800);
#  - compiles each src/runtime/*.c and fails when it defines a global symbol
#    whose name does not start with ax_ or authex_module_ (the module ABI
#    exported by the image glue);
#  - reports functions longer than 60 code lines (habit 14: allowed only for
#    a linear spec step list with a comment saying so; not an error here).
# CC selects the compiler (CMake passes its own).
set -eu
LC_ALL=C
export LC_ALL

SRC=${1:?usage: check_lines.sh SRC_DIR BUILD_DIR}
BUILD=${2:?usage: check_lines.sh SRC_DIR BUILD_DIR}
CC=${CC:-cc}
BUDGET=800
FUNC_BUDGET=60
RT=$SRC/src/runtime
STRIP="$SRC/tests/strip_comments.awk"
WORK=$BUILD/check_lines
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

set -- "$RT"/*.c
if [ ! -e "$1" ]; then
	echo "FAIL: no .c files in src/runtime/: nothing to check"
	exit 1
fi

# --- code-line budget -----------------------------------------------------------
echo "code lines (non-blank, non-comment) in src/runtime/, budget $BUDGET:"
total=0
for f in "$RT"/*.c "$RT"/*.h; do
	[ -e "$f" ] || continue
	n=$(awk -f "$STRIP" "$f" | grep -c '[^[:space:]]' || true)
	raw=$(wc -l <"$f")
	printf '  %5d  (%5d raw)  %s\n' "$n" "$raw" "${f#"$SRC"/}"
	total=$((total + n))
done
printf '  %5d  total\n' "$total"
[ "$total" -le "$BUDGET" ] ||
	fail "src/runtime/ has $total code lines, over the budget of $BUDGET"

# --- function lengths (report only) ---------------------------------------------
# A function body starts with "{" at column 0 and ends with "}" at column 0
# (the project's brace style); the name is the identifier before the first
# "(" of the preceding header line(s).
echo "function lengths (code lines, body included):"
for f in "$RT"/*.c; do
	awk -f "$STRIP" "$f" | awk -v file="${f#"$SRC"/}" -v max="$FUNC_BUDGET" '
		/^[[:space:]]*$/ { next }
		/^\{/ && !inbody { inbody = 1; start = NR; lines = 0; name = last }
		inbody { lines++ }
		/^\}/ && inbody {
			inbody = 0
			n++
			if (lines > max)
				printf "  WARN %s: %s is %d lines (> %d)\n", file, name, lines, max
			next
		}
		!inbody && /\(/ {
			s = $0
			sub(/\(.*/, "", s)
			k = split(s, w, /[^A-Za-z0-9_]+/)
			while (k > 0 && w[k] == "") k--
			if (k > 0) last = w[k]
		}
		END { printf "  %-28s %d functions\n", file, n }'
done

# --- exported names ---------------------------------------------------------------
mkdir -p "$WORK"
echo "global symbols defined by src/runtime/*.c (must start with ax_ or authex_module_):"
for f in "$RT"/*.c; do
	o="$WORK/$(basename "$f" .c).o"
	if ! "$CC" -std=c11 -ffreestanding -fno-stack-protector -I "$SRC/include" \
		-I "$RT" -I "$SRC/src/crypto" -c "$f" -o "$o"; then
		fail "$CC could not compile ${f#"$SRC"/}"
		continue
	fi
	syms=$(nm -g --defined-only "$o" | awk 'NF == 3 { print $3 }')
	bad=''
	for s in $syms; do
		case "$s" in
		ax_* | authex_module_*) ;;
		*) bad="$bad $s" ;;
		esac
	done
	echo "  ${f#"$SRC"/}:" $syms
	[ -z "$bad" ] || fail "${f#"$SRC"/} exports unprefixed names:$bad (make them static or prefix them)"
done

if [ "$failures" -ne 0 ]; then
	echo "check_lines: $failures check(s) failed"
	exit 1
fi
echo "check_lines: all checks passed"
