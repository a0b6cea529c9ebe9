#!/bin/bash
# test_demo_run.sh SRC_DIR BUILD_DIR - what `make demo` does, on free ports:
# `authex run` provisions the three nodes, starts their daemons, deploys the
# irrigation example, prints the events reaching the deployer, then takes
# the deployment down and stops the daemons. Checks: exit 0, dashboard
# summaries and a valve report were printed, every node was reset, and no
# daemon it started is left running.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

ax_irrigation_app "$T/app" "$(ax_free_port)" "$(ax_free_port)" "$(ax_free_port)"
OUT=$T/run.out
# 12 s: the north valve opens after 10 samples at 300 ms, once deployed.
"$AUTHEX" --keystore "$T/run.keys" --state "$T/run.db" run "$T/app/app.yaml" \
	--seconds 12 >"$OUT" 2>"$T/run.log" ||
	ax_fail "authex run exited $?: $(tail -5 "$T/run.log")"

pids=$(grep -oE 'authexd pid [0-9]+' "$OUT" | awk '{ print $3 }')
[ "$(echo "$pids" | wc -w)" = 3 ] || ax_fail "run did not report three daemons"
for p in $pids; do
	! kill -0 "$p" 2>/dev/null || ax_fail "authexd pid $p still runs after run"
done
[ "$(ax_count "$OUT" '^attest .* ok')" = 5 ] || ax_fail "run did not attest 5 modules"
[ "$(ax_count "$OUT" '^event dashboard_summary #[0-9]+: .*"dashboard [0-9]+: ')" -ge 3 ] ||
	ax_fail "fewer than 3 dashboard summaries printed"
grep -qE '^event valve_log #[0-9]+: .*"valve (north|south) OPEN \(moisture [0-9]+%\)"' "$OUT" ||
	ax_fail "no valve report printed"
[ "$(ax_count "$OUT" '^reset on [a-z]+ \.\.\. ok')" = 3 ] || ax_fail "not every node was reset"
ax_sanitizer_clean || ax_fail "sanitizer report"
ax_ok "authex run: $(ax_count "$OUT" '^event ') events printed, three nodes reset, daemons gone"
echo "PASS test_demo_run"
