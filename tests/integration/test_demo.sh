#!/bin/bash
# test_demo.sh SRC_DIR BUILD_DIR - the irrigation example (examples/irrigation)
# on three authexd processes on 127.0.0.1, driven by the authex CLI:
#   deploy        five modules loaded and attested, eight connections keyed
#   events        dashboard summaries arrive (request/handler across two
#                 nodes, then an output to the deployer), their readings
#                 count grows (periodic sampling), the controller opens a
#                 valve on its own
#   output        the operator's override closes both valves
#   request       the controller's state, straight from the deployer
#   call          an injected reading; an out-of-range one is refused
#   status        after the sensors are disabled: every event a sender
#                 counted was accepted by the receiver, none rejected or lost
#   deploy again  changes nothing on any node
#   down          every node unloads the deployment
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
ax_provision "$APP" field gateway cloud
ax_start_node field "$P1"
ax_start_node gateway "$P2"
ax_start_node cloud "$P3"
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")

# ------------------------------------------------------------------ deploy
ax_run "$T/deploy.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy: $(tail -3 "$T/deploy.out")"
[ "$(ax_count "$T/deploy.out" '^attest .* ok')" = 5 ] || ax_fail "deploy did not attest 5 modules"
[ "$(ax_count "$T/deploy.out" '^key .* ok')" = 8 ] || ax_fail "deploy did not key 8 connections"
[ "$(ax_count "$T/deploy.out" '^periodic .* ok')" = 3 ] || ax_fail "deploy did not arm 3 timers"
ax_ok "deploy: 5 modules attested, 8 connections keyed, 3 timers armed"

# ------------------------------------------------------------------ events
EV=$T/events.log
ax_bg events "${AX[@]}" events "$APP" --timeout 120
summaries() { ax_count "$EV" '^event dashboard_summary #[0-9]+: .*"dashboard [0-9]+: north '; }
have_summaries() { [ "$(summaries)" -ge "$1" ]; }
ax_wait_for 30 have_summaries 3 ||
	ax_fail "fewer than 3 dashboard summaries reached the deployer"
ax_ok "request/handler: dashboard summaries arrive ($(summaries) so far)"

# The readings count in the summaries grows: the timers sample the sensors
# and the controller accepts their events.
readings() { grep -oE 'readings [0-9]+' "$EV" | awk '{ print $2 }' | sed -n "$1"; }
first=$(readings 1p) last=$(readings '$p')
[ -n "$first" ] && [ "$last" -gt "$first" ] ||
	ax_fail "readings did not grow between summaries ($first -> $last)"
ax_ok "periodic: readings grew from $first to $last"

# The soil dries below 25 % within 10 samples: the controller opens a valve
# by itself and the valve reports it.
ax_wait_for 30 grep -qE '"valve (north|south) OPEN \(moisture [0-9]+%\)"' "$EV" ||
	ax_fail "no automatic valve opening was reported"
ax_ok "controller -> valve -> deployer: $(grep -oE 'valve [a-z]+ OPEN \(moisture [0-9]+%\)' "$EV" | head -1)"

# ----------------------------------------------------------------- output
# Force both valves open, then closed: whatever they were, both close.
for cmd in "all open" "all close"; do
	ax_run "$T/output.out" "${AX[@]}" output "$APP" manual_override "$cmd" ||
		ax_fail "output manual_override '$cmd': $(cat "$T/output.out")"
done
ax_wait_for 20 grep -q '"valve north CLOSED (manual)"' "$EV" ||
	ax_fail "the override did not close the north valve"
ax_wait_for 20 grep -q '"valve south CLOSED (manual)"' "$EV" ||
	ax_fail "the override did not close the south valve"
ax_wait_for 20 grep -qE 'north [0-9]+% closed forced closed \| south [0-9]+% closed forced closed .* overrides 2"' "$EV" ||
	ax_fail "the dashboard does not show both zones forced closed"
# A command the controller does not understand changes nothing.
ax_run "$T/output.out" "${AX[@]}" output "$APP" manual_override "north flood" ||
	ax_fail "output of a bad command failed to send"
ax_ok "output: the override closed both valves; the dashboard shows it"

# ---------------------------------------------------------------- request
# The controller's state (22 bytes, controller.c): overrides is the last
# u32 and counts only the two valid commands.
ax_run "$T/request.out" "${AX[@]}" request "$APP" state_query ||
	ax_fail "request state_query: $(cat "$T/request.out")"
state=$(grep -oE '\b[0-9a-f]{44}\b' "$T/request.out" | head -1)
[ -n "$state" ] || ax_fail "request printed no 22-byte state: $(cat "$T/request.out")"
[ "${state:36:8}" = 00000002 ] || ax_fail "state says overrides=0x${state:36:8}, not 2"
[ "${state:4:2}" = 02 ] && [ "${state:18:2}" = 02 ] ||
	ax_fail "state does not show both zones forced closed: $state"
ax_ok "request: controller state $state"

# ------------------------------------------------------------------- call
ax_run "$T/call.out" "${AX[@]}" call "$APP" soil_north.sample 0x05 ||
	ax_fail "call soil_north.sample 0x05: $(cat "$T/call.out")"
grep -q '05' "$T/call.out" || ax_fail "call did not return the injected reading"
if ax_run "$T/call.out" "${AX[@]}" call "$APP" soil_north.sample 0x65; then
	ax_fail "an injected reading of 101% was accepted"
fi
ax_ok "call: injected reading 5% accepted, 101% refused by the entry point"

# ----------------------------------------------------------------- status
# Stop the sensors (authenticated DISABLE), then wait until the controller
# has every event they sent: each sender's counter equals its receiver's
# accepted count, and nothing anywhere was rejected or lost.
for m in soil_north soil_south; do
	ax_run "$T/disable.out" "${AX[@]}" disable "$APP" "$m" ||
		ax_fail "disable $m: $(cat "$T/disable.out")"
done
ST=$T/status.out
settled() {
	"${AX[@]}" status "$APP" >"$ST" 2>&1 || return 1
	local c
	for c in soil_north.moisture-\>controller.north:soil_north \
		soil_south.moisture-\>controller.south:soil_south; do
		local conn=${c%%:*} src=${c##*:}
		local sent acc
		sent=$(ax_stat "$ST" "$src" "$conn" counter)
		acc=$(ax_stat "$ST" controller "$conn" accepted)
		[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$acc" ] || return 1
	done
}
ax_wait_for 20 settled || ax_fail "sensor events sent and accepted do not match: $(cat "$ST")"
[ "$(ax_sum_field "$ST" rejected)" = 0 ] || ax_fail "events were rejected: $(cat "$ST")"
[ "$(ax_sum_field "$ST" lost)" = 0 ] || ax_fail "events were lost: $(cat "$ST")"
[ "$(ax_count "$ST" 'frames rejected 0,')" = 3 ] || ax_fail "a node rejected frames"
north=$(ax_stat "$ST" controller 'soil_north.moisture->controller.north' accepted)
south=$(ax_stat "$ST" controller 'soil_south.moisture->controller.south' accepted)
cmds=$(ax_stat "$ST" valve 'controller.valve->valve.command' accepted)
[ "$cmds" = "$(ax_stat "$ST" controller 'controller.valve->valve.command' counter)" ] ||
	ax_fail "valve commands sent and accepted differ"
[ "$(ax_stat "$ST" controller manual_override accepted)" = 3 ] ||
	ax_fail "the controller did not accept exactly the 3 override events"
ax_ok "status: north $north, south $south readings and $cmds valve commands, all accepted; 0 rejected, 0 lost"

# ---------------------------------------------------------- deploy again
ax_run "$T/deploy2.out" "${AX[@]}" deploy "$APP" || ax_fail "second deploy failed"
if grep -E '^(load|attest|key|route|periodic) ' "$T/deploy2.out"; then
	ax_fail "the second deploy changed something on a node"
fi
"${AX[@]}" status "$APP" >"$T/status2.out" 2>&1 || ax_fail "status after redeploy"
[ "$(ax_stat "$T/status2.out" controller 'soil_north.moisture->controller.north' accepted)" = "$north" ] ||
	ax_fail "the second deploy reset the controller"
ax_ok "deploy again: no step repeated, the controller kept its state"

# ------------------------------------------------------------------- down
ax_stop events
ax_run "$T/down.out" "${AX[@]}" down "$APP" || ax_fail "down: $(cat "$T/down.out")"
"${AX[@]}" status "$APP" >"$T/status3.out" 2>&1 || ax_fail "status after down"
grep -qE '^deployment irrigation: .*down' "$T/status3.out" || ax_fail "state does not say down"
[ "$(ax_count "$T/status3.out" '^node .* 0 modules$')" = 3 ] ||
	ax_fail "a node still has modules after down: $(cat "$T/status3.out")"
for n in field gateway cloud; do
	ax_alive "node-$n" || ax_fail "authexd $n died"
done
ax_sanitizer_clean || ax_fail "sanitizer report in a log"
ax_ok "down: all three nodes have no modules left"
echo "PASS test_demo"
