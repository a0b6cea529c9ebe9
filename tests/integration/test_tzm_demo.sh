#!/bin/bash
# test_tzm_demo.sh SRC_DIR BUILD_DIR - a tzm node in real deployments.
#
# The firmware and the tzm module images come from check_tzm_qemu (ctest
# fixture tzm_firmware: BUILD/tzm). Skipped (77) without qemu-system-arm or
# the firmware, except under CI=true, where that is a failure.
#
# 1. The heterogeneous demo, one descriptor and one command:
#    `authex run examples/irrigation/app-hetero.yaml` with the valve on a
#    tzm node (QEMU), sensors and controller on process, the dashboard on
#    native. Checks: the deployer attested the valve on the tzm node; the
#    valve moved (its activity events reached the deployer); every line on
#    the board's secure output device (UART1) is one of those authenticated
#    events, in order.
# 2. Only authenticated events reach the device. A controller (native) and
#    the valve (tzm) with ax_mitm on the link in front of the tzm node's
#    daemon; the operator sends three overrides (north open, south open,
#    north close), which the controller turns into three sealed valve
#    commands:
#      pass     UART1 shows exactly the three moves; valve accepted 3
#      tamper   every command's bytes changed: UART1 stays empty; the
#               valve's runtime (in the Secure world) rejected 3
#      replay   every command sent twice: UART1 shows each move once;
#               accepted 3, rejected 3
# (A module image changed on its way to the board is refused by the Secure
# side before any of it runs: tests/tzm/host_link_smoke.c, at the backend
# authexd uses.)
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries "$AX_MITM"

FW=$AX_BUILD/tzm
if ! command -v qemu-system-arm >/dev/null 2>&1 || [ ! -f "$FW/s_node.elf" ] ||
	[ ! -f "$FW/ns_node.elf" ]; then
	[ "${CI:-}" = true ] &&
		ax_fail "qemu-system-arm or the tzm firmware ($FW) is missing under CI"
	ax_skip "qemu-system-arm or the tzm firmware ($FW: make tzm-firmware) is missing"
fi

# ---------------------------------------------------------------- part 1
mkdir -p "$T/hetero"
ln -sfn "$AX_SRC/examples/irrigation/modules" "$T/hetero/modules"
P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port) P4=$(ax_free_port)
sed -e "s/port: 7331/port: $P1/" -e "s/port: 7332/port: $P2/" \
	-e "s/port: 7333/port: $P3/" -e "s/port: 7334/port: $P4/" \
	"$AX_SRC/examples/irrigation/app-hetero.yaml" >"$T/hetero/app.yaml"
grep -q "port: $P1" "$T/hetero/app.yaml" || ax_fail "could not move the demo's ports"
ax_run "$T/run.out" "$AUTHEX" run "$T/hetero/app.yaml" --seconds 12 ||
	ax_fail "authex run app-hetero.yaml: $(tail -20 "$T/run.out")"
ax_ok "authex run: the heterogeneous demo came up and went down"
grep -q '^attest valve \.\.\. ok' "$T/run.out" ||
	ax_fail "no attestation of the valve on the tzm node in: $(grep -i attest "$T/run.out")"
ax_ok "the deployer attested the valve on the tzm node"
grep -q '^\[valves\] authexd\[node=valves\] load .*name=valve' "$T/run.out" ||
	ax_fail "the valves node did not load the valve"
uart1=$T/hetero/app.authex.db.d/nodes/valves.uart1
[ -s "$uart1" ] || ax_fail "nothing reached the board's UART1 ($uart1)"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	grep -F 'event valve_log #' "$T/run.out" | grep -qF -- ": \"$line\"" ||
		ax_fail "UART1 line '$line' is no valve_log event the deployer opened"
done <"$uart1"
ax_ok "UART1 of the tzm board: $n valve moves, each also an authenticated event"

# ---------------------------------------------------------------- part 2
CTRL=$(ax_free_port) VALVES=$(ax_free_port)
mkdir -p "$T/app"
ln -sfn "$AX_SRC/examples/irrigation/modules" "$T/app/modules"
ax_provision "$T/app/nodes" gateway valves
ax_start_node gateway "$CTRL"
ax_bg node-valves "$AUTHEXD" --port "$VALVES" --key "$T/valves.key" \
	--bind 127.0.0.1 --platform tzm --log-events \
	--platform-opt "firmware=$FW,uart1=$T/valves.uart1"
ax_wait_port "$VALVES" || ax_fail "authexd --platform tzm did not listen"
KEYS=$T/app/nodes.keys
VALVE='controller.valve->valve.command'

app() { # app MODE RELAY_PORT
	cat >"$T/app/$1.yaml" <<EOF
name: tzm_$1
nodes:
  - name: gateway
    host: 127.0.0.1
    port: $CTRL
    platform: native
  - name: valves
    host: 127.0.0.1
    port: $2
    platform: tzm
modules:
  - name: controller
    node: gateway
    source: modules/controller.c
  - name: valve
    node: valves
    source: modules/valve.c
connections:
  - from: controller.valve
    to: valve.command
  - name: manual_override
    from: deployer
    to: controller.override
EOF
}

settled() { # settled MODE: the valve has dealt with 3 commands
	"$AUTHEX" --keystore "$KEYS" --state "$T/$1.db" status "$T/app/$1.yaml" \
		>"$T/$1.status" 2>&1 || return 1
	local a r
	a=$(ax_stat "$T/$1.status" valve "$VALVE" accepted)
	r=$(ax_stat "$T/$1.status" valve "$VALVE" rejected)
	[ -n "$a" ] && [ $((a + r)) -ge "$2" ]
}

for mode in pass tamper replay; do
	relay=$(ax_free_port)
	ax_bg "mitm-$mode" "$AX_MITM" --listen "$relay" \
		--target "127.0.0.1:$VALVES" --mode "$mode" --stats "$T/$mode.stats"
	ax_wait_port "$relay" || ax_fail "ax_mitm ($mode) did not listen"
	app "$mode" "$relay"
	before=$(wc -l <"$T/valves.uart1" 2>/dev/null || echo 0)
	AX=("$AUTHEX" --keystore "$KEYS" --state "$T/$mode.db")
	ax_run "$T/$mode.deploy" "${AX[@]}" deploy "$T/app/$mode.yaml" ||
		ax_fail "$mode: deploy: $(tail -5 "$T/$mode.deploy")"
	grep -q '^attest valve \.\.\. ok' "$T/$mode.deploy" ||
		ax_fail "$mode: the valve was not attested"
	for cmd in "north open" "south open" "north close"; do
		ax_run "$T/$mode.out" "${AX[@]}" output "$T/app/$mode.yaml" \
			manual_override "$cmd" ||
			ax_fail "$mode: output '$cmd': $(cat "$T/$mode.out")"
	done
	case $mode in
	pass) want_a=3 want_r=0 moves=3 ;;
	tamper) want_a=0 want_r=3 moves=0 ;;
	replay) want_a=3 want_r=3 moves=3 ;;
	esac
	ax_wait_for 30 settled "$mode" $((want_a + want_r)) ||
		ax_fail "$mode: the valve did not see the commands: $(cat "$T/$mode.status")"
	sleep 0.5 # a late duplicate would show in the counters below
	settled "$mode" 0 || ax_fail "$mode: status"
	a=$(ax_stat "$T/$mode.status" valve "$VALVE" accepted)
	r=$(ax_stat "$T/$mode.status" valve "$VALVE" rejected)
	[ "$a" = "$want_a" ] && [ "$r" = "$want_r" ] ||
		ax_fail "$mode: valve accepted $a rejected $r, expected $want_a and $want_r"
	tail -n +$((before + 1)) "$T/valves.uart1" >"$T/$mode.uart1"
	got=$(wc -l <"$T/$mode.uart1")
	[ "$got" = "$moves" ] ||
		ax_fail "$mode: UART1 got $got lines, expected $moves: $(cat "$T/$mode.uart1")"
	if [ "$moves" = 3 ]; then
		printf 'valve north OPEN (manual)\nvalve south OPEN (manual)\nvalve north CLOSED (manual)\n' |
			cmp -s - "$T/$mode.uart1" ||
			ax_fail "$mode: UART1 shows: $(cat "$T/$mode.uart1")"
	fi
	ax_ok "$mode: valve in the Secure world accepted $a, rejected $r; UART1 got $got lines"
	ax_run "$T/$mode.down" "${AX[@]}" down "$T/app/$mode.yaml" ||
		ax_fail "$mode: down: $(cat "$T/$mode.down")"
	ax_stop "mitm-$mode"
done
ax_alive node-valves || ax_fail "the tzm node's daemon died"
ax_ok "the tzm node served three deployments in a row"
