#!/bin/bash
# test_node_peer.sh SRC_DIR BUILD_DIR - two authexd on 127.0.0.1 and a
# long-lived peer link between them: tests/tools/ax_node_client (scenario
# peer) loads the thermo sensor on node A and the controller on node B,
# routes sensor.reading over the A -> B link and controller.heater to the
# deployer's session on B, calls sensor.sample and checks that the
# controller's heater event arrives. Then both nodes stop cleanly.
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

# start NAME: sets PORT; retries on another port when one is taken.
start() {
	local name=$1 try i pid
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$((20000 + RANDOM % 40000))
		"$NODED" --port "$PORT" --key "$TMP/$name.key" --log-events \
			2>"$TMP/$name.log" &
		pid=$!
		for i in $(seq 1 100); do
			grep -q "start node_id" "$TMP/$name.log" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if grep -q "start node_id" "$TMP/$name.log"; then
			PIDS+=("$pid")
			return 0
		fi
		wait "$pid" 2>/dev/null
	done
	fail "authexd $name did not start"
}
start a; PORT_A=$PORT
start b; PORT_B=$PORT

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

for p in "${PIDS[@]}"; do
	kill -TERM "$p"
	wait "$p" || fail "authexd exited $? after SIGTERM"
done
PIDS=()
! grep -qE "runtime error|Sanitizer" "$TMP/a.log" "$TMP/b.log" ||
	fail "sanitizer report"
echo "PASS test_node_peer"
