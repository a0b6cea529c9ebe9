#!/bin/bash
# test_mitm.sh SRC_DIR BUILD_DIR - a man in the middle on the peer link.
#
# Two nodes: `field` runs the two soil sensors and the valve, `gateway`
# runs the controller. The descriptor gives the gateway's address as the
# port of tests/tools/ax_mitm, which relays to the real gateway; so every
# event from the sensors to the controller crosses the relay (deployer
# sessions cross it too, but the relay leaves authenticated frames alone).
# For each mode the test deploys afresh, lets the sensors run, disables
# them (authenticated DISABLE, straight to the field node), waits until the
# controller has seen everything, and compares, per sensor connection, the
# sender's counter C with the controller's accepted A, rejected R, lost L:
#
#   pass     A = C, R = 0, L = 0                      (control experiment)
#   tamper   A = 0, R = C           every event fails its tag
#   replay   A = C, R = C, L = 0    every copy is a replay
#   reorder  A = R = L > 0          per swapped pair: one accepted after a
#                                   gap (lost), one refused as a replay
#   drop     R = 0, L > 0, A + L = C or C - 1 (a last dropped event has
#                                   no successor to reveal the gap)
#   inject   A = C, R = C, L = 0    each forgery (next counter, random
#                                   ciphertext and tag) refused
#
# and checks that the controller's own readings count (its state, fetched
# with an authenticated request) equals the accepted events: nothing that
# was refused reached the handler. The relay's own counts confirm it acted.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries "$AX_MITM"

FIELD=$(ax_free_port) GATEWAY=$(ax_free_port)
mkdir -p "$T/app"
ln -sfn "$AX_SRC/examples/irrigation/modules" "$T/app/modules"

# mitm_app MODE RELAY_PORT: a two-node descriptor whose gateway address is
# the relay.
mitm_app() {
	cat >"$T/app/$1.yaml" <<EOF
name: mitm_$1
nodes:
  - name: field
    host: 127.0.0.1
    port: $FIELD
    platform: native
  - name: gateway
    host: 127.0.0.1
    port: $2
    platform: native
modules:
  - name: soil_north
    node: field
    source: modules/soil.c
  - name: soil_south
    node: field
    source: modules/soil.c
  - name: valve
    node: field
    source: modules/valve.c
  - name: controller
    node: gateway
    source: modules/controller.c
connections:
  - from: soil_north.moisture
    to: controller.north
  - from: soil_south.moisture
    to: controller.south
  - from: controller.valve
    to: valve.command
  - name: state_query
    from: deployer
    to: controller.get_state
periodic:
  - call: soil_north.sample
    every: 100ms
  - call: soil_south.sample
    every: 150ms
EOF
}

KEYS=$T/app/nodes.keys
ax_provision "$T/app/nodes" field gateway
ax_start_node field "$FIELD"
ax_start_node gateway "$GATEWAY"

NORTH='soil_north.moisture->controller.north'
SOUTH='soil_south.moisture->controller.south'

# status_of MODE: current `authex status` into $T/MODE.status
status_of() {
	"$AUTHEX" --keystore "$KEYS" --state "$T/$1.db" status "$T/app/$1.yaml" \
		>"$T/$1.status" 2>&1
}

# Enough traffic: the controller has dealt with (accepted, rejected or
# seen as lost) at least 6 events on each sensor connection.
busy() {
	status_of "$1" || return 1
	local c n
	for c in "$NORTH" "$SOUTH"; do
		n=$(( $(ax_stat "$T/$1.status" controller "$c" accepted) +
		      $(ax_stat "$T/$1.status" controller "$c" rejected) +
		      $(ax_stat "$T/$1.status" controller "$c" lost) ))
		[ "$n" -ge 6 ] || return 1
	done
}

# Settled: two status reads in a row give the same numbers.
settled() {
	status_of "$1" || return 1
	ax_status_rows "$T/$1.status" >"$T/$1.rows.new"
	if cmp -s "$T/$1.rows.new" "$T/$1.rows"; then
		return 0
	fi
	mv "$T/$1.rows.new" "$T/$1.rows"
	sleep 0.5
	return 1
}

# check MODE CONN: the expectations of the header for one connection.
check() {
	local mode=$1 conn=$2 f=$T/$1.status c a r l
	c=$(ax_stat "$f" "${conn%%.*}" "$conn" counter)
	a=$(ax_stat "$f" controller "$conn" accepted)
	r=$(ax_stat "$f" controller "$conn" rejected)
	l=$(ax_stat "$f" controller "$conn" lost)
	[ -n "$c" ] && [ -n "$a" ] || ax_fail "$mode: no status for $conn"
	local what="$mode $conn: sent $c accepted $a rejected $r lost $l"
	case $mode in
	pass)    [ "$a" = "$c" ] && [ "$r" = 0 ] && [ "$l" = 0 ] ;;
	tamper)  [ "$a" = 0 ] && [ "$r" = "$c" ] && [ "$l" = 0 ] ;;
	replay)  [ "$a" = "$c" ] && [ "$r" = "$c" ] && [ "$l" = 0 ] ;;
	reorder) [ "$a" -gt 0 ] && [ "$r" = "$a" ] && [ "$l" = "$a" ] ;;
	drop)    [ "$r" = 0 ] && [ "$l" -gt 0 ] &&
		 { [ $((a + l)) = "$c" ] || [ $((a + l + 1)) = "$c" ]; } ;;
	inject)  [ "$a" = "$c" ] && [ "$r" = "$c" ] && [ "$l" = 0 ] ;;
	esac || ax_fail "$what"
	[ "$c" -gt 0 ] || ax_fail "$what: nothing was sent"
	ax_ok "$what"
	ACCEPTED=$((ACCEPTED + a))
	REJECTED=$((REJECTED + r))
}

# The controller's readings (two u32 in its 22-byte state, controller.c)
# must equal the events it accepted: refused events never reach it.
check_state() {
	local mode=$1 out=$T/$1.request state readings
	"$AUTHEX" --keystore "$KEYS" --state "$T/$mode.db" request \
		"$T/app/$mode.yaml" state_query >"$out" 2>&1 ||
		ax_fail "$mode: request state_query: $(cat "$out")"
	state=$(grep -oE '\b[0-9a-f]{44}\b' "$out" | head -1)
	[ -n "$state" ] || ax_fail "$mode: no state in: $(cat "$out")"
	readings=$(( 16#${state:6:8} + 16#${state:20:8} ))
	[ "$readings" = "$ACCEPTED" ] ||
		ax_fail "$mode: controller counted $readings readings, runtime accepted $ACCEPTED"
	ax_ok "$mode: the controller's handler ran exactly $readings times"
}

relay_count() { awk -v k="$2" '$1 == k { print $2 }' "$T/$1.stats"; }

for mode in pass tamper replay reorder drop inject; do
	relay=$(ax_free_port)
	ax_bg "mitm-$mode" "$AX_MITM" --listen "$relay" \
		--target "127.0.0.1:$GATEWAY" --mode "$mode" --stats "$T/$mode.stats"
	ax_wait_port "$relay" || ax_fail "ax_mitm ($mode) did not listen"
	mitm_app "$mode" "$relay"
	AX=("$AUTHEX" --keystore "$KEYS" --state "$T/$mode.db")
	ax_run "$T/$mode.deploy" "${AX[@]}" deploy "$T/app/$mode.yaml" ||
		ax_fail "$mode: deploy through the relay: $(tail -3 "$T/$mode.deploy")"
	ax_ok "$mode: deploy through the relay (authenticated deployer frames pass untouched)"
	ax_wait_for 30 busy "$mode" || ax_fail "$mode: too few events reached the controller"
	for m in soil_north soil_south; do
		ax_run "$T/$mode.disable" "${AX[@]}" disable "$T/app/$mode.yaml" "$m" ||
			ax_fail "$mode: disable $m: $(cat "$T/$mode.disable")"
	done
	rm -f "$T/$mode.rows"
	ax_wait_for 30 settled "$mode" || ax_fail "$mode: counters did not settle"
	ACCEPTED=0 REJECTED=0
	check "$mode" "$NORTH"
	check "$mode" "$SOUTH"
	check_state "$mode"
	# The relay's count of its actions against the receiver's refusals.
	case $mode in
	pass) key=passed ;; tamper) key=tampered ;; replay) key=replayed ;;
	reorder) key=reordered ;; drop) key=dropped ;; inject) key=injected ;;
	esac
	acted=$(relay_count "$mode" "$key")
	[ "${acted:-0}" -gt 0 ] || ax_fail "$mode: the relay reports no action"
	case $mode in
	tamper | replay | reorder | inject)
		[ "$acted" = "$REJECTED" ] ||
			ax_fail "$mode: relay $key $acted events, controller rejected $REJECTED" ;;
	esac
	ax_ok "$mode: relay $key $acted events"
	ax_run "$T/$mode.down" "${AX[@]}" down "$T/app/$mode.yaml" ||
		ax_fail "$mode: down: $(cat "$T/$mode.down")"
	ax_stop "mitm-$mode"
	grep -q "totals (mode $mode)" "$T/mitm-$mode.log" ||
		ax_fail "$mode: the relay printed no totals"
done

# Independent evidence from the untrusted side: the gateway's log names
# what the controller's runtime refused.
grep -q 'refused (bad tag)' "$T/node-gateway.log" || ax_fail "no 'bad tag' refusal logged"
grep -q 'refused (replay)' "$T/node-gateway.log" || ax_fail "no 'replay' refusal logged"
for n in field gateway; do
	ax_alive "node-$n" || ax_fail "authexd $n died"
done
ax_sanitizer_clean || ax_fail "sanitizer report in a log"
echo "PASS test_mitm"
