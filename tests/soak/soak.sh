#!/bin/bash
# tests/soak/soak.sh SRC_DIR BUILD_DIR - `make soak`: a sustained event
# stream across three local authexd (the irrigation example, its two sensors
# sampled every SOAK_PERIOD_MS / 1.5x that), for SOAK_SECONDS (default 120),
# loopback only, with faults injected while the stream runs:
#
#   link    the field->gateway peer link runs through a relay (tests/tools/
#           ax_mitm --mode pass); it is stopped for 1 s (the link stalls:
#           what the field writes piles up in the relay's socket), SIGKILLed
#           with what it holds and restarted (the field reconnects by itself)
#   node    the gateway authexd (the receiver of the stream) is SIGKILLed and
#           restarted empty; `authex deploy` reloads, re-attests and re-keys
#           what it hosted
#   deployer  that deploy is first killed twice (AUTHEX_TEST_DIE_AFTER=load,
#           then =setkey: one end of a connection keyed, the other not) and
#           then run again to the end
#
# After each fault the stream must recover (the controller accepts new
# readings). At the end the sensors are disabled, the stream drains, and
# every event of the two sensor connections is accounted for from the node
# logs (--log-events: one line per routed event on each node):
#   sent (field: forwarded + dropped) =
#     delivered (gateway) + refused by the module (gateway, with reason) +
#     dropped by a node (field or gateway, with reason) +
#     lost in transit (forwarded by the field, never seen by a gateway:
#     in the relay or the killed gateway when they died)
# with these cross-checks (any failure fails the soak):
#   - nothing is invented: no side has more than the field sent, lost >= 0;
#   - the nodes' own counters agree with their logs (events_dropped of the
#     field, which ran throughout, equals its logged drops);
#   - last epoch, no fault: each sensor's counter equals the controller's
#     accepted + rejected + lost (the runtime's own accounting);
#   - lost in transit happens only across a fault: it is at most the events
#     the field forwarded between the start of a fault and recovery plus
#     what its peer queue can hold (1024 per link) per fault, and at least
#     the counter gaps the controller's runtime counted before the gateway
#     was killed (what the link cut lost, counted independently);
#   - after the node restart the dashboard's requests get answers again and
#     `authex request state_query` works.
# Memory: VmRSS of each authexd at the start of the stream, at mid-run and at
# the end. A leak pattern fails the soak: growth in both halves of the run,
# each above SOAK_LEAK_KIB (default 1024 KiB). Both values are printed.
#
# Exit: 0 pass, 1 fail, 77 skip. Every process is started by pid and killed
# by the EXIT trap (lib.sh), also on failure.
set -u
export AX_TEST=soak # lib.sh's name for this run (logs, scratch dir)
. "$(dirname "$0")/../integration/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries "$AX_MITM"

SECS=${SOAK_SECONDS:-120}
PERIOD=${SOAK_PERIOD_MS:-20}
LEAK_KIB=${SOAK_LEAK_KIB:-1024}
case "$SECS" in '' | *[!0-9]*) ax_fail "SOAK_SECONDS must be a number of seconds" ;; esac
[ "$SECS" -ge 30 ] || ax_fail "SOAK_SECONDS must be at least 30 (faults need room)"
case "$PERIOD" in '' | *[!0-9]*) ax_fail "SOAK_PERIOD_MS must be a number" ;; esac
[ "$PERIOD" -ge 10 ] || ax_fail "SOAK_PERIOD_MS must be at least 10"
PERIOD2=$((PERIOD * 3 / 2))

PF=$(ax_free_port) PG=$(ax_free_port) PC=$(ax_free_port) PR=$(ax_free_port)
# The descriptor names the relay as the gateway's address: the field's peer
# link (and the deployer's and cloud's sessions) to the gateway go through it.
ax_irrigation_app "$T/app" "$PF" "$PR" "$PC"
APP=$T/app/app.yaml
sed -i -e "s/every: 300ms/every: ${PERIOD}ms/" -e "s/every: 450ms/every: ${PERIOD2}ms/" "$APP"
grep -q "every: ${PERIOD2}ms" "$APP" || ax_fail "could not rewrite the periods"
ax_provision "$APP" field gateway cloud
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")

# Epoch-numbered daemon logs, so a restarted node keeps its old log.
declare -A EPOCH=([field]=0 [gateway]=0 [cloud]=0 [relay]=0)
start_node() { # NAME PORT
	EPOCH[$1]=$((EPOCH[$1] + 1))
	ax_bg "node-$1.${EPOCH[$1]}" "$AUTHEXD" --port "$2" --key "$T/$1.key" \
		--bind 127.0.0.1 --platform native --log-events
	ax_wait_port "$2" || ax_fail "authexd $1 did not listen on $2"
}
start_relay() {
	EPOCH[relay]=$((EPOCH[relay] + 1))
	ax_bg "relay.${EPOCH[relay]}" "$AX_MITM" --listen "$PR" --target "127.0.0.1:$PG" \
		--bind 127.0.0.1 --mode pass --stats "$T/relay.${EPOCH[relay]}.stats"
	ax_wait_port "$PR" || ax_fail "relay did not listen on $PR"
}
kill9() { # NAME: SIGKILL the latest process started as NAME, reap it
	local pid
	pid=$(ax_pid_of "$1") || ax_fail "no process $1"
	kill -KILL "$pid" 2>/dev/null || ax_fail "$1 was already gone"
	wait "$pid" 2>/dev/null || true
}
rss_kib() { # NAME: VmRSS in KiB of the latest process started as NAME
	local pid
	pid=$(ax_pid_of "$1") || { echo 0; return; }
	awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0
}
ts() { date -u +%H:%M:%S; }
note() { printf '[%s] %s\n' "$(ts)" "$*"; }
# Readings the controller accepted so far, from the live node's log.
gw_delivered() {
	ax_count "$T/node-gateway.${EPOCH[gateway]}.log" "^authexd.* event dep=[0-9]+ conn=($CN|$CS) .*->controller delivered$"
}
field_forwarded() {
	ax_count "$T/node-field.1.log" "^authexd.* event dep=[0-9]+ conn=($CN|$CS) soil_(north|south)->.* forwarded$"
}
recovered() { [ "$(gw_delivered)" -ge $(($1 + 20)) ]; }
# Wait until the controller accepts 20 more readings than BASE (bounded).
await_recovery() { # WHAT BASE
	ax_wait_for 60 recovered "$2" || ax_fail "the stream did not recover after: $1"
	note "recovered after $1: the controller accepts readings again"
}
sleep_until() { # second N after the stream started
	local now
	now=$(($(date +%s) - T0))
	[ "$now" -lt "$1" ] && sleep $(($1 - now))
	return 0
}

start_node field "$PF"
start_node gateway "$PG"
start_node cloud "$PC"
start_relay

ax_run "$T/deploy.1.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy: $(tail -3 "$T/deploy.1.out")"
"${AX[@]}" status "$APP" >"$T/status.0.out" 2>&1 || ax_fail "status: $(cat "$T/status.0.out")"
conn_id() { # IDENT -> decimal conn id
	local hex
	hex=$(awk -v c="$1" '$1 == "conn" && $3 == c":" { print $2 }' "$T/status.0.out")
	[ -n "$hex" ] || ax_fail "no conn $1 in status"
	echo $((hex))
}
CN=$(conn_id soil_north.moisture-\>controller.north)
CS=$(conn_id soil_south.moisture-\>controller.south)
T0=$(date +%s)
note "deployed; stream of ~$((1000 / PERIOD + 1000 / PERIOD2)) events/s for $SECS s (conns $CN $CS)"
ax_wait_for 30 recovered 0 || ax_fail "the stream did not start"
sleep 2
declare -A RSS0 RSS1 RSS2
for n in field gateway cloud; do RSS0[$n]=$(rss_kib "node-$n.${EPOCH[$n]}"); done

MARKS=() # field forwarded-count at the start of each fault and at recovery
# ---- fault 1: link cut and restored
sleep_until $((SECS * 2 / 10))
MARKS+=("$(field_forwarded)")
# The link stalls first (the relay stopped: what the field writes piles up
# in the relay's socket), then dies with whatever it holds.
kill -STOP "$(ax_pid_of "relay.${EPOCH[relay]}")" || ax_fail "cannot stop the relay"
sleep 1
note "fault: relay (field->gateway link) stalled 1 s, then SIGKILLed"
kill9 "relay.${EPOCH[relay]}"
sleep 3
base=$(gw_delivered)
start_relay
note "relay restarted"
await_recovery "link cut" "$base"
MARKS+=("$(field_forwarded)")

# mid-run memory, between the faults (the gateway still runs its first epoch)
sleep_until $((SECS * 4 / 10))
for n in field gateway cloud; do RSS1[$n]=$(rss_kib "node-$n.${EPOCH[$n]}"); done

# ---- fault 2: node killed and restarted; deployer killed twice mid-deploy
sleep_until $((SECS * 5 / 10))
MARKS+=("$(field_forwarded)")
"${AX[@]}" status "$APP" >"$T/status.prekill.out" 2>&1 || true
note "fault: gateway authexd SIGKILLed"
kill9 "node-gateway.${EPOCH[gateway]}"
sleep 2
start_node gateway "$PG"
note "gateway restarted (empty)"
for step in load setkey; do
	rc=0
	AUTHEX_TEST_DIE_AFTER=$step "${AX[@]}" deploy "$APP" >"$T/deploy.die-$step.out" 2>&1 || rc=$?
	[ $rc = 99 ] || ax_fail "deploy with AUTHEX_TEST_DIE_AFTER=$step exited $rc, not 99: $(tail -5 "$T/deploy.die-$step.out")"
	note "fault: deployer killed after '$step' (exit 99)"
	sleep 1
done
ax_run "$T/deploy.2.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy after the faults: $(tail -5 "$T/deploy.2.out")"
grep -q 'lost modules of this deployment\|^load controller' "$T/deploy.2.out" "$T/deploy.die-load.out" ||
	ax_fail "no deploy noticed the restarted gateway"
note "deploy rerun: ok"
await_recovery "gateway restart + deployer kills" 0
MARKS+=("$(field_forwarded)")
# The rest of the application recovered too: the dashboard's requests to
# the new controller get answers, and the deployer's direct request works.
cloud_mark=$(wc -l <"$T/node-cloud.1.log")
dash_answered() {
	tail -n +"$((cloud_mark + 1))" "$T/node-cloud.1.log" | grep -q -- '->dashboard delivered$'
}
ax_wait_for 30 dash_answered || ax_fail "the dashboard got no answer from the restarted controller"
ax_run "$T/request.out" "${AX[@]}" request "$APP" state_query ||
	ax_fail "request state_query after the restart: $(cat "$T/request.out")"
note "dashboard answered by the new controller; authex request state_query: ok"

sleep_until "$SECS"
for n in field gateway cloud; do RSS2[$n]=$(rss_kib "node-$n.${EPOCH[$n]}"); done

# ---- drain: stop the sensors, wait until the last epoch adds up
for m in soil_north soil_south; do
	ax_run "$T/disable.out" "${AX[@]}" disable "$APP" "$m" || ax_fail "disable $m: $(cat "$T/disable.out")"
done
ST=$T/status.end.out
settled() {
	"${AX[@]}" status "$APP" >"$ST" 2>&1 || return 1
	local c src sent a r l
	for c in soil_north.moisture-\>controller.north:soil_north soil_south.moisture-\>controller.south:soil_south; do
		src=${c##*:}
		sent=$(ax_stat "$ST" "$src" "${c%%:*}" counter)
		a=$(ax_stat "$ST" controller "${c%%:*}" accepted)
		r=$(ax_stat "$ST" controller "${c%%:*}" rejected)
		l=$(ax_stat "$ST" controller "${c%%:*}" lost)
		[ -n "$sent" ] && [ -n "$a" ] && [ "$sent" = $((a + r + l)) ] || return 1
	done
}
ax_wait_for 30 settled || ax_fail "last epoch: a sensor's counter and the controller's accepted+rejected+lost differ: $(cat "$ST")"
note "drained: last epoch adds up in the runtime counters"
field_dropped_status=$(awk '/^node field / { for (i = 1; i < NF; i++) if ($i == "dropped") print $(i + 1) }' "$ST" | tr -d ,)
gw_dropped_status=$(awk '/^node gateway / { for (i = 1; i < NF; i++) if ($i == "dropped") print $(i + 1) }' "$ST" | tr -d ,)
ax_run "$T/down.out" "${AX[@]}" down "$APP" || ax_fail "down: $(cat "$T/down.out")"
for n in field gateway cloud; do
	ax_alive "node-$n.${EPOCH[$n]}" || ax_fail "authexd $n died"
	ax_stop "node-$n.${EPOCH[$n]}"
done
ax_stop "relay.${EPOCH[relay]}"

# ---- the ledger, from the node logs
L=$T/ledger
cat "$T"/node-field.*.log | grep -E "^authexd.* event dep=[0-9]+ conn=($CN|$CS) " >"$L.field" || true
cat "$T"/node-gateway.*.log | grep -E "^authexd.* event dep=[0-9]+ conn=($CN|$CS) " >"$L.gw" || true
sent_fwd=$(ax_count "$L.field" ' forwarded$')
sent_drop=$(ax_count "$L.field" ' dropped|no route|not here|bad type')
sent=$((sent_fwd + sent_drop))
delivered=$(ax_count "$L.gw" ' delivered$')
refused=$(ax_count "$L.gw" ' refused \(')
gw_drop=$(ax_count "$L.gw" ' (dropped|no route|not here|bad type)')
lost=$((sent_fwd - delivered - refused - gw_drop))
reasons() { # FILE: "N reason" per reason of the non-delivered events
	awk '{
		sub(/^.* conn=[0-9]+ /, "")
		if ($0 ~ /^[^ ]+->[^ ]+ /) sub(/^[^ ]+ /, "")
		if ($0 != "forwarded" && $0 != "delivered") c[$0]++
	}
	END {
		for (k in c) {
			why = k
			if (k == "no route") why = k " (a restarted node, before deploy re-sent the routes)"
			if (k == "not here") why = k " (the receiving module not loaded yet)"
			printf "      %6d %s\n", c[k], why
		}
	}' "$1"
}
# field drops from all conns, logged, vs the node's own counter
field_drop_all=$(cat "$T"/node-field.*.log | grep -cE '^authexd.* event .* (dropped|no route|not here|bad type)' || true)
gw_drop_last=$(grep -cE '^authexd.* event .* (dropped|no route|not here|bad type)' "$T/node-gateway.${EPOCH[gateway]}.log" || true)

# Bound on loss: events forwarded during the fault windows + a queue per fault.
window=0
for ((i = 0; i + 1 < ${#MARKS[@]}; i += 2)); do
	window=$((window + MARKS[i + 1] - MARKS[i]))
done
bound=$((window + 1024 * ${#MARKS[@]} / 2))
# The controller's runtime counts counter gaps (lost) in the first gateway
# epoch, i.e. what the link cut lost; the gateway kill may lose more.
rt_lost1=0
for c in soil_north.moisture-\>controller.north soil_south.moisture-\>controller.south; do
	v=$(ax_stat "$T/status.prekill.out" controller "$c" lost)
	rt_lost1=$((rt_lost1 + ${v:-0}))
done

fails=()
[ "$sent" -gt 0 ] || fails+=("nothing was sent")
[ "$lost" -ge 0 ] || fails+=("the gateways saw $((-lost)) events more than the field forwarded")
[ "$lost" -ge "$rt_lost1" ] || fails+=("lost in transit $lost < the $rt_lost1 gaps the controller's runtime counted before the gateway kill")
[ "$lost" -le "$bound" ] || fails+=("lost in transit $lost > the fault windows' $window events + queues")
[ "${field_dropped_status:-x}" = "$field_drop_all" ] ||
	fails+=("field: events_dropped $field_dropped_status in STATUS, $field_drop_all dropped lines in its log")
[ "${gw_dropped_status:-x}" = "$gw_drop_last" ] ||
	fails+=("gateway (last epoch): events_dropped $gw_dropped_status in STATUS, $gw_drop_last dropped lines in its log")

# Memory judgement: a leak shows as growth in both halves.
leak=()
for n in field cloud gateway; do
	a=${RSS0[$n]} b=${RSS1[$n]} c=${RSS2[$n]}
	[ "$n" = gateway ] && continue # restarted between mid and end
	if [ $((b - a)) -gt "$LEAK_KIB" ] && [ $((c - b)) -gt "$LEAK_KIB" ]; then
		leak+=("$n: RSS $a -> $b -> $c KiB grows in both halves")
	fi
done
for l in "${leak[@]}"; do fails+=("memory: $l"); done

echo
echo "== soak: $SECS s, sensors every ${PERIOD} ms and ${PERIOD2} ms, 3 authexd on 127.0.0.1 ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "   faults: relay (link) stalled 1 s, SIGKILL, restart; gateway SIGKILL+restart; deployer killed after load and after setkey, rerun"
printf '   %-58s %8s\n' "sensor events sent (field: forwarded + dropped)" "$sent"
printf '   %-58s %8s\n' "  delivered to the controller" "$delivered"
printf '   %-58s %8s\n' "  refused by the controller's runtime (reason below)" "$refused"
printf '   %-58s %8s\n' "  dropped by the field node (reason below)" "$sent_drop"
printf '   %-58s %8s\n' "  dropped by a gateway node (reason below)" "$gw_drop"
printf '   %-58s %8s\n' "  lost in transit (in the relay/gateway when killed)" "$lost"
printf '   %-58s %8s\n' "    of which counted as gaps by the controller's runtime" "$rt_lost1"
printf '   %-58s %8s\n' "    (bound: forwarded during fault windows + queues)" "$bound"
echo "   reasons, field:"
reasons "$L.field"
echo "   reasons, gateway:"
reasons "$L.gw"
echo "   every other event the nodes did not deliver (all connections, all node logs):"
cat "$T"/node-*.log | grep -E '^authexd.* event dep=' | grep -vE " conn=($CN|$CS) " >"$L.other" || true
reasons "$L.other"
echo "   node counters: field events_dropped $field_dropped_status (log: $field_drop_all, all conns);" \
	"gateway last epoch $gw_dropped_status (log: $gw_drop_last)"
echo "   memory (VmRSS KiB)       start      mid      end"
for n in field gateway cloud; do
	extra=
	[ "$n" = gateway ] && extra="  (restarted after mid: end is its 2nd run)"
	printf '   %-20s %9s %8s %8s%s\n' "authexd $n" "${RSS0[$n]}" "${RSS1[$n]}" "${RSS2[$n]}" "$extra"
done
per_k=$(( (RSS2[field] - RSS0[field]) * 1024 * 1000 / (sent > 0 ? sent : 1) ))
echo "   field RSS change per 1000 sensor events: $per_k bytes"
echo "   leak rule: growth > $LEAK_KIB KiB in both halves (start->mid and mid->end) fails"
if [ ${#fails[@]} -gt 0 ]; then
	for f in "${fails[@]}"; do echo "FAIL $f"; done
	ax_fail "soak: ${#fails[@]} check(s) failed"
fi
echo "PASS soak"
