#!/bin/bash
# test_node_basic.sh SRC_DIR BUILD_DIR - one authexd on 127.0.0.1 with a
# fresh key file, driven by tests/tools/ax_node_client (a scripted deployer
# session, independent of the authex CLI):
#   deploy      LOAD_MODULE (idempotent), ATTEST, SET_KEY, ADD_ROUTE, CALL,
#               the emitted EVENT, STATUS, PERIODIC, refusals
#   garbage, oversized, wrong-key, wrong-id, denied, hangup (requests
#               sent, then the socket reset without reading the answers)
#               each refused with BYE/close, counted
#   check       a good session afterwards: state kept, attacks counted
# then SIGTERM: exit 0, modules unloaded. Every wait is bounded.
set -u
SRC=$1
BUILD=$2
NODED=$BUILD/authexd
CLIENT=$BUILD/ax_node_client
[ -x "$NODED" ] && [ -x "$CLIENT" ] || { echo "skip: authexd or ax_node_client not built"; exit 77; }

TMP=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- authexd log"; cat "$TMP/node.log"; exit 1; }

# A fresh key file in the format of docs/node.md §1, mode 0600.
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
umask 077
{
	echo "# authex node key file: secret, keep mode 0600"
	echo "name field"
	echo "node_id 0x1$(hex 3)1"
	echo "node_key $(hex 32)"
	echo "control_key $(hex 32)"
} > "$TMP/field.key"
chmod 600 "$TMP/field.key"

# The node refuses a key file others can read.
chmod 644 "$TMP/field.key"
"$NODED" --port 1 --key "$TMP/field.key" 2>"$TMP/perm.err"
[ $? -eq 2 ] || fail "a group/other-readable key file was accepted"
chmod 600 "$TMP/field.key"
"$NODED" --help | grep -q "EXIT STATUS" || fail "--help"
"$NODED" --port 0 --key "$TMP/field.key" 2>/dev/null
[ $? -eq 2 ] || fail "--port 0 accepted"

# Start on a free port: retry while the port is taken (exit 1).
for try in 1 2 3 4 5 6 7 8 9 10; do
	PORT=$((20000 + RANDOM % 40000))
	"$NODED" --port "$PORT" --key "$TMP/field.key" --log-events \
		--log-level debug 2>"$TMP/node.log" &
	PID=$!
	for i in $(seq 1 100); do
		grep -q "start node_id" "$TMP/node.log" && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "start node_id" "$TMP/node.log" && break
	wait "$PID" 2>/dev/null; PID=
done
[ -n "$PID" ] || fail "authexd did not start"
grep -q "platform=native NO ISOLATION: development only" "$TMP/node.log" ||
	fail "startup line does not warn about native"
# SIGPIPE (13) is ignored: a session that vanishes under a write must not
# kill the node (bit 12 of the SigIgn mask).
ign=$(awk '/^SigIgn:/ { print $2 }' "/proc/$PID/status")
[ $(( (0x$ign >> 12) & 1 )) = 1 ] || fail "authexd does not ignore SIGPIPE (SigIgn $ign)"

for sc in deploy garbage oversized wrong-key wrong-id denied hangup check; do
	"$CLIENT" "$PORT" "$TMP/field.key" "$BUILD/modules" "$sc" ||
		fail "scenario $sc"
	kill -0 "$PID" 2>/dev/null || fail "authexd died during $sc"
done

grep -q "load dep=1 module=3 name=sensor measurement=" "$TMP/node.log" ||
	fail "no load log line"
grep -q "event dep=1 conn=5 sensor->deployer forwarded" "$TMP/node.log" ||
	fail "no event log line"

kill -TERM "$PID"
for i in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
wait "$PID"; rc=$?
PID=
[ $rc -eq 0 ] || fail "authexd exited $rc after SIGTERM"
grep -q "unload dep=1 module=3 name=sensor ok" "$TMP/node.log" ||
	fail "module not unloaded at shutdown"
! grep -qE "runtime error|Sanitizer" "$TMP/node.log" || fail "sanitizer report"
echo "PASS test_node_basic"
