#!/bin/bash
# test_node_peer.sh SRC_DIR BUILD_DIR - two authexd on 127.0.0.1 and a
# long-lived peer link between them: tests/tools/ax_node_client (scenario
# peer) loads the thermo sensor on node A and the controller on node B,
# routes sensor.reading over the A -> B link and controller.heater to the
# deployer's session on B, calls sensor.sample and checks that the
# controller's heater event arrives. Then node B stops: A's link goes down
# and A keeps answering calls while it retries with backoff; B restarts on
# the same port (without modules): A reconnects and flushes the queued
# events, which B counts as having no route. Both nodes stop cleanly.
set -u
SRC=$1
BUILD=$2
NODED=$BUILD/authexd
CLIENT=$BUILD/ax_node_client
[ -x "$NODED" ] && [ -x "$CLIENT" ] || { echo "skip: authexd or ax_node_client not built"; exit 77; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for n in a b; do echo "--- authexd $n"; cat "$TMP/$n.log"; done
	exit 1
}

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
umask 077
keyfile() {
	{
		echo "name $1"
		echo "node_id 0x2$(hex 3)$2"
		echo "node_key $(hex 32)"
		echo "control_key $(hex 32)"
	} > "$TMP/$1.key"
}
keyfile a 1
keyfile b 2

# start NAME [PORT]: sets PORT (random, retried when taken, unless given).
start() {
	local name=$1 fixed=${2:-} try i pid
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=${fixed:-$((20000 + RANDOM % 40000))}
		"$NODED" --port "$PORT" --key "$TMP/$name.key" --log-events \
			--log-level debug 2>>"$TMP/$name.log" &
		pid=$!
		for i in $(seq 1 100); do
			grep -q "start node_id" "$TMP/$name.log" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if grep -q "start node_id" "$TMP/$name.log"; then
			PIDS+=("$pid")
			PID_LAST=$pid
			return 0
		fi
		wait "$pid" 2>/dev/null
	done
	fail "authexd $name did not start"
}
start a; PORT_A=$PORT; PID_A=$PID_LAST
start b; PORT_B=$PORT; PID_B=$PID_LAST

"$CLIENT" "$PORT_A" "$TMP/a.key" "$BUILD/modules" peer "$PORT_B" "$TMP/b.key" ||
	fail "scenario peer"
grep -q "link addr=127.0.0.1:$PORT_B node_id=.* up" "$TMP/a.log" ||
	fail "node A did not report the peer link up"
grep -q "event dep=1 conn=6 sensor->module4 forwarded" "$TMP/a.log" ||
	fail "node A did not forward the reading"
grep -q "event dep=1 conn=6 module3->controller delivered" "$TMP/b.log" ||
	fail "node B did not deliver the reading"
grep -q "event dep=1 conn=7 controller->deployer forwarded" "$TMP/b.log" ||
	fail "node B did not forward the heater event"

# B goes away: A's link goes down, A keeps serving and queues.
kill -TERM "$PID_B"; wait "$PID_B" || fail "authexd b exited $?"
PIDS=("$PID_A")
"$CLIENT" "$PORT_A" "$TMP/a.key" "$BUILD/modules" call || fail "calls on A"
for i in $(seq 1 100); do
	[ "$(grep -c "link addr=127.0.0.1:$PORT_B down, retry in" "$TMP/a.log")" -ge 3 ] && break
	sleep 0.05
done
grep -q "link addr=127.0.0.1:$PORT_B down, retry in 200 ms" "$TMP/a.log" &&
grep -q "link addr=127.0.0.1:$PORT_B down, retry in 400 ms" "$TMP/a.log" ||
	fail "no exponential backoff on A"
kill -0 "$PID_A" || fail "authexd a died"

# B is back (same port, empty): A reconnects and flushes its queue.
mv "$TMP/b.log" "$TMP/b1.log"
start b "$PORT_B"; PID_B=$PID_LAST
for i in $(seq 1 200); do
	[ "$(grep -c "event dep=1 conn=6 no route" "$TMP/b.log")" -ge 3 ] && break
	sleep 0.05
done
[ "$(grep -c "event dep=1 conn=6 no route" "$TMP/b.log")" -eq 3 ] ||
	fail "the 3 queued events did not reach the restarted node B"

kill -INT "$PID_A"; wait "$PID_A" || fail "authexd a exited $? after SIGINT"
kill -TERM "$PID_B"; wait "$PID_B" || fail "authexd b exited $? after SIGTERM"
grep -q "signal SIGINT: shutting down" "$TMP/a.log" || fail "SIGINT not logged"
PIDS=()
! grep -qE "runtime error|Sanitizer" "$TMP/a.log" "$TMP/b.log" "$TMP/b1.log" ||
	fail "sanitizer report"
echo "PASS test_node_peer"
