#!/bin/bash
# test_process_isolation.sh SRC_DIR BUILD_DIR - the `process` platform
# under attack, on a running irrigation deployment (field and gateway on
# process, cloud on native):
#   key holder   (root) the field node's K_node (raw and hex) is in its
#                monitor's memory and nowhere in authexd's or any module
#                process's memory (the scanner is shown to work on the
#                monitor)
#   memory       (root) as authexd's uid (65534), reading a module's or the
#                monitor's memory (/proc/PID/mem) is refused
#   crash        a module process killed with SIGKILL (a crash as the node
#                sees it) is reported FAILED by `authex status`, authexd
#                logs it, and events between the other modules keep
#                flowing: the controller keeps accepting soil_north's
#                readings and the dashboard keeps getting summaries
#   restart      `authex update` replaces the failed module with a new
#                instance (new process, new key, connections re-keyed);
#                the controller accepts its readings again
# Without root the first two parts are skipped with a printed reason.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries "$AX_BUILD/authex-modhost"
command -v python3 >/dev/null || ax_skip "python3 is needed to scan memory"

ax_process_app() {
	local f=$1 n
	shift
	for n in "$@"; do
		awk -v n="$n" '
			/^  - name: / { cur = $3 }
			/^modules:/   { cur = "" }
			cur == n && /^    platform: / { sub(/native/, "process") }
			{ print }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
	done
}

start_process_node() {
	local user=()
	[ "$(id -u)" = 0 ] && user=(--user 65534)
	ax_bg "node-$1" "$AUTHEXD" --port "$2" --key "$T/$1.key" \
		--platform process --platform-opt "uid_base=$3" "${user[@]}" \
		--log-events
	ax_wait_port "$2" || ax_fail "authexd for $1 did not listen on $2"
}

# has_key PID: does PID's memory hold the node key, raw or as hex text?
has_key() {
	python3 - "$1" "$NK" <<'PY'
import sys
pid, hexkey = int(sys.argv[1]), sys.argv[2]
needles = [bytes.fromhex(hexkey), hexkey.encode(), hexkey.upper().encode()]
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        span, perm = line.split()[:2]
        lo, hi = (int(x, 16) for x in span.split("-"))
        if "r" not in perm or hi - lo > (1 << 30):  # skip sanitizer shadow
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        if any(n in data for n in needles):
            sys.exit(0)
sys.exit(1)
PY
}

P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
ax_process_app "$APP" field gateway
ax_provision "$APP" field gateway cloud
start_process_node field "$P1" 62600
start_process_node gateway "$P2" 62900
ax_start_node cloud "$P3"
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")
ax_run "$T/deploy.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy: $(tail -3 "$T/deploy.out")"
EV=$T/events.log
ax_bg events "${AX[@]}" events "$APP" --timeout 120
ax_wait_for 30 ax_demo_have_summaries 2 || ax_fail "no dashboard summaries"
ax_ok "deployed on field/gateway (process) and cloud (native); summaries arrive"

NODED=$(ax_pid_of node-field)
MON=$(pgrep -P "$NODED" | head -1)
[ -n "$MON" ] || ax_fail "field authexd has no monitor child"
HOSTS=$(pgrep -P "$MON" | sort -n)
[ "$(echo "$HOSTS" | wc -w)" = 3 ] || ax_fail "field monitor does not run 3 module hosts: $HOSTS"

if [ "$(id -u)" = 0 ]; then
	NK=$(awk '$1 == "node_key" { print $2 }' "$T/field.key")
	[ ${#NK} = 64 ] || ax_fail "cannot read the field node key"
	has_key "$MON" || ax_fail "scanner blind: the key is not found even in the monitor"
	has_key "$NODED" && ax_fail "authexd's memory holds the node key"
	for h in $HOSTS; do
		has_key "$h" && ax_fail "module process $h holds the node key"
	done
	ax_ok "K_node: in the monitor only, not in authexd nor in the 3 module processes"

	for p in $HOSTS $MON; do
		if setpriv --reuid=65534 --regid=65534 --clear-groups \
			sh -c "exec 3</proc/$p/mem" 2>/dev/null; then
			ax_fail "uid 65534 opened /proc/$p/mem"
		fi
	done
	[ "$(awk '/^Uid:/ { print $2 }' /proc/"$NODED"/status)" = 65534 ] || ax_fail "authexd is not uid 65534"
	ax_ok "memory: authexd's uid cannot open the modules' or the monitor's memory"
else
	echo "SKIP key holder and memory parts: need root (drop to another uid)"
fi

# ---- crash: soil_south is the second module loaded on field.
VICTIM=$(echo "$HOSTS" | sed -n 2p)
if [ "$(id -u)" = 0 ]; then
	VICTIM=$(pgrep -u 62601 authex-modhost) || ax_fail "no module process under uid 62601"
fi
kill -KILL "$VICTIM" || ax_fail "cannot kill module process $VICTIM"
ST=$T/status.out
failed_south() {
	"${AX[@]}" status "$APP" >"$ST" 2>&1
	grep -qE '^    module soil_south .*: FAILED' "$ST"
}
ax_wait_for 20 failed_south || ax_fail "status does not report soil_south FAILED: $(cat "$ST")"
[ "$(ax_count "$ST" '^    module .*: loaded')" = 4 ] || ax_fail "other modules not loaded: $(cat "$ST")"
grep -q "name=soil_south failed: the platform lost it: .*killed" "$T/node-field.log" ||
	ax_fail "authexd did not log the lost module"
ax_ok "crash: soil_south reported FAILED, the 4 other modules loaded"

north0=$(ax_stat "$ST" controller 'soil_north.moisture->controller.north' accepted)
sums0=$(ax_demo_summaries)
north_grew() {
	"${AX[@]}" status "$APP" >"$T/status2.out" 2>&1 || return 1
	local n
	n=$(ax_stat "$T/status2.out" controller 'soil_north.moisture->controller.north' accepted)
	[ -n "$n" ] && [ "$n" -gt "$north0" ]
}
ax_wait_for 30 north_grew || ax_fail "soil_north -> controller stopped after the crash"
ax_wait_for 30 ax_demo_have_summaries $((sums0 + 2)) ||
	ax_fail "dashboard summaries stopped after the crash"
for n in field gateway cloud; do
	ax_alive "node-$n" || ax_fail "authexd $n died"
done
ax_ok "events keep flowing: controller accepted north $north0 -> $(ax_stat "$T/status2.out" controller 'soil_north.moisture->controller.north' accepted), summaries $sums0 -> $(ax_demo_summaries)"

# ---- restart: `authex update` loads a new instance of soil_south (new
# process, new module key), re-keys its connections and unloads the lost one.
ax_run "$T/update.out" "${AX[@]}" update "$APP" soil_south ||
	ax_fail "update soil_south: $(tail -5 "$T/update.out")"
SOUTH=
south_moves() {
	"${AX[@]}" status "$APP" >"$T/status3.out" 2>&1 || return 1
	grep -qE '^    module soil_south .*: loaded' "$T/status3.out" || return 1
	local n
	n=$(ax_stat "$T/status3.out" controller 'soil_south.moisture->controller.south' accepted)
	[ -n "$n" ] || return 1
	[ -z "$SOUTH" ] && SOUTH=$n
	[ "$n" != "$SOUTH" ]
}
ax_wait_for 30 south_moves || ax_fail "soil_south's readings did not flow again: $(cat "$T/status3.out")"
[ "$(ax_count "$T/status3.out" 'FAILED')" = 0 ] || ax_fail "a module is still FAILED after update"
[ "$(pgrep -P "$MON" | wc -l)" = 3 ] || ax_fail "field does not run 3 module processes after update"
ax_ok "restart: update gave soil_south a new process and keys; the controller accepts its readings again"

# ---- restart by deploy: soil_north crashes; a plain `authex deploy`
# notices the FAILED module, loads it again under the same instance id (the
# node replaces the dead instance), attests it and re-keys its connections.
VICTIM=$(echo "$HOSTS" | sed -n 1p)
if [ "$(id -u)" = 0 ]; then
	VICTIM=$(pgrep -u 62600 authex-modhost) || ax_fail "no module process under uid 62600"
fi
kill -KILL "$VICTIM" || ax_fail "cannot kill module process $VICTIM"
failed_north() {
	"${AX[@]}" status "$APP" >"$ST" 2>&1
	grep -qE '^    module soil_north .*: FAILED' "$ST"
}
ax_wait_for 20 failed_north || ax_fail "status does not report soil_north FAILED: $(cat "$ST")"
ax_run "$T/redeploy.out" "${AX[@]}" deploy "$APP" ||
	ax_fail "deploy after the crash: $(tail -5 "$T/redeploy.out")"
grep -q "lost modules of this deployment" "$T/redeploy.out" ||
	ax_fail "deploy did not notice the failed module: $(cat "$T/redeploy.out")"
grep -qE '^attest soil_north \.\.\. ok' "$T/redeploy.out" || ax_fail "soil_north not attested again"
grep -q "name=soil_north replaces the failed instance" "$T/node-field.log" ||
	ax_fail "the node did not replace the failed instance"
NORTH=
north_moves() {
	"${AX[@]}" status "$APP" >"$T/status4.out" 2>&1 || return 1
	local n
	n=$(ax_stat "$T/status4.out" controller 'soil_north.moisture->controller.north' accepted)
	[ -n "$n" ] || return 1
	[ -z "$NORTH" ] && NORTH=$n
	[ "$n" != "$NORTH" ]
}
ax_wait_for 30 north_moves || ax_fail "soil_north's readings did not flow again: $(cat "$T/status4.out")"
[ "$(ax_count "$T/status4.out" 'FAILED')" = 0 ] || ax_fail "a module is still FAILED after deploy"
ax_ok "restart by deploy: soil_north replaced, attested, re-keyed; its readings flow again"

ax_stop events
ax_run "$T/down.out" "${AX[@]}" down "$APP" || ax_fail "down: $(cat "$T/down.out")"
ax_wait_for 10 sh -c "! pgrep -P $MON >/dev/null" || ax_fail "module processes left after down"
ax_sanitizer_clean || ax_fail "sanitizer report in a log"
echo "PASS test_process_isolation"
