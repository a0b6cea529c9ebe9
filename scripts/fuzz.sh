#!/bin/sh
# scripts/fuzz.sh BUILD_DIR SECONDS - run every libFuzzer harness once.
#
# Called by `make fuzz` after it built BUILD_DIR with -DAX_FUZZ=ON. Each
# harness fuzz_<name> runs for SECONDS on a scratch copy of its committed
# corpus tests/fuzz/corpus/<name>/ (new inputs go to the copy, so the
# committed corpus is not polluted). Crash inputs are kept in
# BUILD_DIR/fuzz-artifacts/. Fails when a harness crashes, when a harness
# has no committed corpus, or when there is no harness at all.
set -eu
LC_ALL=C
export LC_ALL

BUILD=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
SECONDS_EACH=${2:?usage: fuzz.sh BUILD_DIR SECONDS}
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUN=$BUILD/fuzz-run
ART=$BUILD/fuzz-artifacts

harnesses=$(find "$BUILD" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -z "$harnesses" ]; then
	echo "fuzz: no fuzz_* harness was built (tests/fuzz/fuzz_*.c)" >&2
	exit 1
fi

rm -rf "$RUN"
mkdir -p "$RUN" "$ART"
passed=0
failed=0
for bin in $harnesses; do
	name=$(basename "$bin")
	short=${name#fuzz_}
	corpus=$SRC/tests/fuzz/corpus/$short
	log=$RUN/$short.log
	if [ ! -d "$corpus" ]; then
		echo "FAIL $name: no committed corpus in tests/fuzz/corpus/$short/"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$RUN/$short"
	cp -R "$corpus"/. "$RUN/$short"/
	seeds=$(find "$corpus" -type f | wc -l)
	echo "== $name: ${SECONDS_EACH}s on $seeds seed(s) =="
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$ART/$short-" "$RUN/$short" >"$log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
			"$log" | sed 's/^/  /' || true
		echo "  corpus now $(find "$RUN/$short" -type f | wc -l) inputs; ok"
		passed=$((passed + 1))
	else
		echo "FAIL $name (log: $log); last lines:"
		tail -n 40 "$log" | sed 's/^/  | /'
		failed=$((failed + 1))
	fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
