#!/bin/bash
# test_process_run.sh SRC_DIR BUILD_DIR - `authex run` starts every node's
# daemon with the node's platform: the irrigation example with the field and
# gateway nodes on `process` (cloud stays `native`). Checks: the daemons
# report the platform each node asked for (as root: dropped to uid 65534,
# since the process platform's monitor holds the node key), the application
# runs (summaries and a valve report reach the deployer), and everything is
# taken down and stopped.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

ax_irrigation_app "$T/app" "$(ax_free_port)" "$(ax_free_port)" "$(ax_free_port)"
awk '/^  - name: (field|gateway)/ { p = 1 } /^  - name: cloud/ { p = 0 }
	p && /^    platform: / { sub(/native/, "process") } { print }' \
	"$T/app/app.yaml" >"$T/app/mixed.yaml"
[ "$(grep -c 'platform: process' "$T/app/mixed.yaml")" = 2 ] ||
	ax_fail "could not set the platforms in the descriptor"
OUT=$T/run.out
"$AUTHEX" --keystore "$T/run.keys" --state "$T/run.db" run "$T/app/mixed.yaml" \
	--seconds 12 >"$OUT" 2>"$T/run.log" ||
	ax_fail "authex run exited $?: $(tail -5 "$T/run.log")"
cat "$OUT" "$T/run.log" >"$T/all.out"

for n in field gateway; do
	grep -qE "^\[$n\] .* start .* platform=process" "$T/all.out" ||
		ax_fail "node $n did not start on the process platform"
	if [ "$(id -u)" = 0 ]; then
		grep -qE "^\[$n\] .* start .* platform=process uid=65534" "$T/all.out" ||
			ax_fail "node $n did not drop to uid 65534"
	fi
done
grep -qE "^\[cloud\] .* start .* platform=native NO ISOLATION" "$T/all.out" ||
	ax_fail "node cloud did not start on native"
[ "$(ax_count "$OUT" '^attest .* ok')" = 5 ] || ax_fail "run did not attest 5 modules"
[ "$(ax_count "$OUT" '^event dashboard_summary #[0-9]+: ')" -ge 3 ] ||
	ax_fail "fewer than 3 dashboard summaries printed"
grep -qE '^event valve_log #[0-9]+: "valve (north|south) OPEN' "$OUT" ||
	ax_fail "no valve report printed"
pids=$(grep -oE 'authexd pid [0-9]+' "$OUT" | awk '{ print $3 }')
[ "$(echo "$pids" | wc -w)" = 3 ] || ax_fail "run did not report three daemons"
for p in $pids; do
	! kill -0 "$p" 2>/dev/null || ax_fail "authexd pid $p still runs after run"
done
ax_sanitizer_clean || ax_fail "sanitizer report"
ax_ok "authex run on process+native nodes: $(ax_count "$OUT" '^event ') events, daemons gone"
echo "PASS test_process_run"
