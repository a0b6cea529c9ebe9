#!/usr/bin/env bash
# test_deploy_basic.sh SRC_DIR BUILD_DIR - the authex deployer against two
# real authexd processes on 127.0.0.1: node init, deploy, status, call,
# output, request, events, a second deploy that changes nothing, wrong
# node id / control key / node key, a deployer killed between steps that
# resumes without reusing a nonce, disable, update, down, and `authex run`.
# Exit 77 (skip) when authexd is not built.
set -u
SRC=${1:?SRC_DIR}
BUILD=${2:?BUILD_DIR}
AUTHEX=$BUILD/authex
AUTHEXD=$BUILD/authexd
if [ ! -x "$AUTHEXD" ] || [ ! -x "$AUTHEX" ]; then
	echo "skip: authex or authexd not built in $BUILD"
	exit 77
fi
T=$(mktemp -d /tmp/ax_deploy_XXXXXX)
PIDS=()
cleanup() {
	# daemons `authex run` started (in their own process group) if it
	# did not stop them itself
	for p in $(sed -n 's/^node .*: authexd pid \([0-9]*\) .*/\1/p' "$T/run1.out" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

# Ports: a block derived from the pid, so two checkouts rarely collide.
BASE=$((20000 + ($$ % 400) * 10))
P_EDGE=$((BASE + 1)) P_CLOUD=$((BASE + 2)) P_RUN1=$((BASE + 3)) P_RUN2=$((BASE + 4))

wait_port() { # bounded: 10 s
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# run NAME EXPECTED_RC CMD...: output in $T/NAME.out
run() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/$name.out" 2>&1
	local rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, expected $want"; sed 's/^/    /' "$T/$name.out"
		return 1
	fi
	return 0
}
has() { # has NAME PATTERN
	if grep -q -- "$2" "$T/$1.out"; then ok "$1: '$2'"; else
		fail "$1: no '$2' in output"; sed 's/^/    /' "$T/$1.out"; fi
}
hasnt() {
	if grep -q -- "$2" "$T/$1.out"; then fail "$1: unexpected '$2'"
		sed 's/^/    /' "$T/$1.out"; else ok "$1: no '$2'"; fi
}

cd "$T" || exit 1
cat >app.yaml <<YAML
name: thermo-it
nodes:
  - name: edge
    host: 127.0.0.1
    port: $P_EDGE
    platform: native
  - name: cloud
    host: 127.0.0.1
    port: $P_CLOUD
modules:
  - name: sensor
    node: edge
    source: $SRC/examples/thermo/modules/sensor.c
  - name: controller
    node: cloud
    source: $SRC/examples/thermo/modules/controller.c
  - name: peer
    node: cloud
    source: $SRC/examples/thermo/modules/controller.c
connections:
  - from: sensor.reading
    to: controller.add
  - from: controller.ask_peer
    to: peer.get_state
    encryption: chacha20-poly1305
  - name: manual
    from: deployer
    to: sensor.calibrate
  - name: query
    from: deployer
    to: controller.get_state
  - name: readings
    from: sensor.reading
    to: deployer
periodic:
  - call: sensor.sample
    every: 100ms
YAML

# ---------------------------------------------------------- provisioning
run init_edge 0 "$AUTHEX" node init edge --keystore app.keys --out edge.key && has init_edge "node edge: id 0x"
run init_cloud 0 "$AUTHEX" node init cloud --keystore app.keys --out cloud.key
run init_again 2 "$AUTHEX" node init edge --keystore app.keys --out x.key && has init_again "already in app.keys"
[ "$(stat -c %a app.keys)" = 600 ] && ok "keystore mode 600" || fail "keystore mode $(stat -c %a app.keys)"
"$AUTHEXD" --port "$P_EDGE" --key edge.key --log-events 2>edge.log & PIDS+=($!)
"$AUTHEXD" --port "$P_CLOUD" --key cloud.key --log-events 2>cloud.log & PIDS+=($!)
wait_port "$P_EDGE" && wait_port "$P_CLOUD" || { fail "authexd did not start"; cat edge.log cloud.log; exit 1; }

# ---------------------------------------------------------- bad input
cp app.yaml bad.yaml && sed -i 's/to: controller.add/to: controler.add/' bad.yaml
run bad_desc 2 "$AUTHEX" deploy bad.yaml && has bad_desc "bad.yaml:22: connections\[0\].to: module 'controler' is not declared (did you mean 'controller'?)"
run usage 2 "$AUTHEX" deploy
run help 0 "$AUTHEX" deploy --help && has help "usage: authex deploy APP.yaml"

# ---------------------------------------------------------- deploy
run deploy1 0 "$AUTHEX" deploy app.yaml
has deploy1 "build sensor ... ok"
has deploy1 "attest sensor ... ok"
has deploy1 "key manual ... ok"
has deploy1 "deploy thermo-it: up"
[ "$(stat -c %a app.authex.db)" = 600 ] && ok "state mode 600" || fail "state mode"
run status1 0 "$AUTHEX" status app.yaml
has status1 "WARNING: node edge runs the NATIVE platform"
has status1 "module sensor instance 0x"
has status1 "runtime active"
run call1 0 "$AUTHEX" call app.yaml sensor.sample 0x00c8 && has call1 "result: 00c8"
run call_bad 2 "$AUTHEX" call app.yaml sensor.nope
run output1 0 "$AUTHEX" output app.yaml manual 0x0005 && has output1 "counter 1"
run request1 0 "$AUTHEX" request app.yaml query && has request1 "response: "
# events: the periodic sampling (100 ms) feeds `readings`
run events1 0 "$AUTHEX" events app.yaml --count 2 --timeout 20 && has events1 "event readings #[0-9]*: 00"
[ "$(grep -c '^event readings' "$T/events1.out")" = 2 ] && ok "events --count 2" || fail "events --count 2"

# ---------------------------------------------------------- idempotence
LOADS_BEFORE=$(grep -c " load " cloud.log edge.log | awk -F: '{s+=$2} END {print s}')
run deploy2 0 "$AUTHEX" deploy app.yaml
hasnt deploy2 "^load \|^attest \|^key \|^route \|^periodic "
has deploy2 "deploy thermo-it: up"
LOADS_AFTER=$(grep -c " load " cloud.log edge.log | awk -F: '{s+=$2} END {print s}')
[ "$LOADS_BEFORE" = "$LOADS_AFTER" ] && ok "second deploy loaded nothing" || fail "second deploy sent LOAD_MODULE"

# ---------------------------------------------------------- node restart
kill "${PIDS[1]}"; wait "${PIDS[1]}" 2>/dev/null
"$AUTHEXD" --port "$P_CLOUD" --key cloud.key --log-events 2>>cloud.log & PIDS[1]=$!
wait_port "$P_CLOUD" || fail "cloud did not restart"
run restart 0 "$AUTHEX" deploy app.yaml
has restart "node cloud lost modules of this deployment"
has restart "load controller on cloud ... ok"
has restart "key sensor.reading->controller.add ... ok"
hasnt restart "^load sensor"
run request_r 0 "$AUTHEX" request app.yaml query && has request_r "response: "

# ---------------------------------------------------------- wrong keys
install -m 600 app.keys wrongid.keys
sed -i "/^name edge/,/^$/s/^node_id .*/node_id 0x01020304/" wrongid.keys
run wrong_id 1 "$AUTHEX" status app.yaml --keystore wrongid.keys && has wrong_id "node 'edge' at 127.0.0.1:$P_EDGE: refused the session"
install -m 600 app.keys wrongctl.keys
sed -i "/^name edge/,/^$/s/^control_key .*/control_key $(printf '%064d' 7)/" wrongctl.keys
run wrong_ctl 1 "$AUTHEX" status app.yaml --keystore wrongctl.keys && has wrong_ctl "node 'edge' at 127.0.0.1:$P_EDGE: refused the session"
install -m 600 app.keys wrongnode.keys
sed -i "/^name edge/,/^$/s/^node_key .*/node_key $(printf '%064d' 7)/" wrongnode.keys
run wrong_node 1 "$AUTHEX" deploy app.yaml --keystore wrongnode.keys --state other.db && has wrong_node "module 'sensor' on node 'edge': attestation failed"
run wrong_node_down 0 "$AUTHEX" down app.yaml --keystore wrongnode.keys --state other.db

# ---------------------------------------------------------- resume after kill -9
run down1 0 "$AUTHEX" down app.yaml && has down1 "down thermo-it: every node reset"
for step in load attest nonce setkey keyed route periodic; do
	run "die_$step" 99 env AUTHEX_TEST_DIE_AFTER=$step "$AUTHEX" deploy app.yaml
done
run resume 0 "$AUTHEX" deploy app.yaml && has resume "deploy thermo-it: up"
run resume2 0 "$AUTHEX" deploy app.yaml && hasnt resume2 "^key \|^load "
run call2 0 "$AUTHEX" call app.yaml sensor.sample 0x00c9 && has call2 "result: 00c9"
run request2 0 "$AUTHEX" request app.yaml query && has request2 "response: "
run output2 0 "$AUTHEX" output app.yaml manual 0x0003
run status2 0 "$AUTHEX" status app.yaml
if grep -q "messages refused" "$T/status2.out" && ! grep -q "[1-9][0-9]* messages refused" "$T/status2.out"; then
	ok "no module refused a message (no nonce or counter reused)"
else fail "a module refused messages"; sed 's/^/    /' "$T/status2.out"; fi

# ---------------------------------------------------------- disable, update
run update1 0 "$AUTHEX" update app.yaml controller && has update1 "unload old instance"
# an update killed half-way: the next update finishes it (old instance unloaded once)
run update_die 99 env AUTHEX_TEST_DIE_AFTER=keyed "$AUTHEX" update app.yaml peer
run update2 0 "$AUTHEX" update app.yaml peer && has update2 "unload old instance"
hasnt update2 "^load peer"
run update_die2 99 env AUTHEX_TEST_DIE_AFTER=attest "$AUTHEX" update app.yaml peer
run update3 0 "$AUTHEX" deploy app.yaml && has update3 "unload old instance"
run request3 0 "$AUTHEX" request app.yaml query && has request3 "response: "
run disable1 0 "$AUTHEX" disable app.yaml sensor
run call3 1 "$AUTHEX" call app.yaml sensor.sample && has call3 "not permitted in state"
run down2 0 "$AUTHEX" down app.yaml
run status3 0 "$AUTHEX" status app.yaml && has status3 "id 0x[0-9a-f]*, down"

# ---------------------------------------------------------- authex run
sed -e "s/port: $P_EDGE/port: $P_RUN1/" -e "s/port: $P_CLOUD/port: $P_RUN2/" -e "s/thermo-it/thermo-run/" app.yaml >run.yaml
run run1 0 env AUTHEXD="$AUTHEXD" "$AUTHEX" run run.yaml --seconds 2
has run1 "run thermo-run: up"
has run1 "event readings #"
has run1 "\[edge\] "
has run1 "down thermo-run\|reset on cloud ... ok"
for p in $(sed -n 's/^node .*: authexd pid \([0-9]*\) .*/\1/p' "$T/run1.out"); do
	kill -0 "$p" 2>/dev/null && { fail "authexd $p still running after run"; kill "$p"; }
done

echo "$FAILS failure(s)"
[ "$FAILS" = 0 ]
