#!/bin/bash
# test_bad_input.sh SRC_DIR BUILD_DIR - bad input gets a clear refusal and
# breaks nothing.
#
# 1. Descriptors: every file in tests/data/bad_irrigation/ is the small
#    irrigation descriptor with one mistake; its first line says where the
#    error must point: "# expect: LINE[,LINE...] FIELD". `authex deploy`
#    must exit 2 with exactly one line on stderr,
#    "authex deploy: FILE:LINE: FIELD...: message", before touching any node
#    (the nodes named in those files do not exist). Some mistakes are only
#    visible once the module images are built (an endpoint that does not
#    exist or has the wrong kind): those too are reported with file:line.
# 2. Frames: with the irrigation demo deployed on three nodes, a stranger
#    connects to the gateway's port and sends garbage, an oversized length,
#    a HELLO claiming a 4 MiB body, a truncated frame, a HELLO with version
#    0, a control frame over a peer session, and a forged event for a real
#    connection. The node closes the connection for each broken stream,
#    counts the frames it rejected, the controller refuses the forged event
#    (counted per connection), and the application keeps running: events
#    still arrive and are accepted, `authex status` still answers.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

# -------------------------------------------------------------- descriptors
DATA=$AX_SRC/tests/data/bad_irrigation
BADKEYS=$T/bad.keys
# Stage-two errors need the images built, which needs the nodes' keys.
"$AUTHEX" node init field --keystore "$BADKEYS" --out "$T/bad-field.key" >/dev/null &&
	"$AUTHEX" node init gateway --keystore "$BADKEYS" --out "$T/bad-gateway.key" >/dev/null ||
	ax_fail "node init for the descriptor checks"
n=0
for f in "$DATA"/*.yaml; do
	read -r _ _ lines field < <(head -1 "$f")
	[ -n "$lines" ] || ax_fail "${f##*/}: no '# expect:' line"
	rc=0
	"$AUTHEX" --keystore "$BADKEYS" --state "$T/bad.db" deploy "$f" \
		>"$T/bad.out" 2>"$T/bad.err" || rc=$?
	[ "$rc" = 2 ] || ax_fail "${f##*/}: exit $rc, not 2: $(cat "$T/bad.err")"
	[ "$(wc -l <"$T/bad.err")" = 1 ] ||
		ax_fail "${f##*/}: not one line on stderr: $(cat "$T/bad.err")"
	msg=$(cat "$T/bad.err")
	ok=0
	for l in ${lines//,/ }; do
		case "$msg" in "authex deploy: $f:$l: $field"*) ok=1 ;; esac
	done
	[ $ok = 1 ] || ax_fail "${f##*/}: expected $f:{$lines}: $field..., got: $msg"
	! grep -qE '^(load|attest|key|route|periodic) ' "$T/bad.out" ||
		ax_fail "${f##*/}: a node was contacted"
	n=$((n + 1))
done
[ $n -ge 10 ] || ax_fail "only $n bad descriptors found in $DATA"
ax_ok "$n bad descriptors: exit 2, one line each, at the right file:line and field"

# ------------------------------------------------------------------- frames
P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
ax_provision "$APP" field gateway cloud
ax_start_node field "$P1"
ax_start_node gateway "$P2"
ax_start_node cloud "$P3"
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")
ax_run "$T/deploy.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy: $(tail -3 "$T/deploy.out")"

NORTH='soil_north.moisture->controller.north'
ST=$T/status.out
status() { "${AX[@]}" status "$APP" >"$ST" 2>&1; }
north_accepted() { ax_stat "$ST" controller "$NORTH" accepted; }
accepted_above() { status && [ "$(north_accepted)" -gt "$1" ]; }
ax_wait_for 20 accepted_above 2 || ax_fail "the demo did not start"

DEP=$(sed -nE 's/^deployment irrigation: id 0x([0-9a-f]{8}).*/\1/p' "$ST")
CONN=$(sed -nE "s/^  conn 0x([0-9a-f]{8}) $NORTH:.*/\1/p" "$ST")
GW_ID=$(sed -nE 's/^node_id 0x([0-9a-f]{8})$/\1/p' "$T/gateway.key")
[ ${#DEP} = 8 ] && [ ${#CONN} = 8 ] && [ ${#GW_ID} = 8 ] ||
	ax_fail "could not read deployment/connection/node ids ($DEP $CONN $GW_ID)"
rejected_before=$(sed -nE 's/^node gateway .*frames rejected ([0-9]+),.*/\1/p' "$ST")
refused_before=$(ax_stat "$ST" controller "$NORTH" rejected)

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
# A peer HELLO to the gateway: length 33, HELLO, no flags, seq 1; version 1,
# min 1, role peer, the gateway's id, a nonce.
HELLO=0000002100010000000000010001000103${GW_ID}$(hex 16)

# send_hex NAME HEX [nowait]: connect to the gateway as a stranger, send
# the bytes; then wait (bounded) for the node to close the connection.
# Returns 0 if it closed, 1 if it kept the connection open for 10 s. With
# nowait the stranger hangs up at once.
send_hex() {
	local fd rc=0
	exec {fd}<>"/dev/tcp/127.0.0.1/$P2" || ax_fail "$1: cannot connect"
	# The node may hang up mid-write: ignore SIGPIPE in this subshell only.
	(trap '' PIPE; printf '%b' "$(printf '%s' "$2" | sed 's/../\\x&/g')" >&"$fd") \
		2>/dev/null || true
	if [ "${3:-}" != nowait ]; then
		timeout 10 cat <&"$fd" >"$T/reply-$1.bin" 2>/dev/null || rc=1
	fi
	exec {fd}>&-
	return $rc
}

# Each of these breaks the stream: the node must hang up.
send_hex garbage "$(hex 512)" || ax_fail "garbage: the node kept the connection"
send_hex oversized ffffffff00010000 || ax_fail "oversized length: connection kept"
send_hex big_hello 0040000c0001000000000001 || ax_fail "4 MiB HELLO: connection kept"
send_hex version0 0000002100010000000000010000000103${GW_ID}$(hex 16) ||
	ax_fail "HELLO version 0: connection kept"
# A control frame (RESET of every deployment, no AUTH tag) on a peer session.
send_hex peer_reset "${HELLO}0000000c0014000000000002ffffffff" ||
	ax_fail "RESET on a peer session: connection kept"
# Half a frame, then the stranger goes away.
send_hex truncated "${HELLO}00000030002100000000" nowait
ax_ok "garbage, oversized, 4 MiB HELLO, version 0, peer RESET: the node hung up each time"

# A forged event for the real north connection: a fresh counter, random
# ciphertext and tag. Routed to the controller, refused there. The peer
# session stays open (an EVENT gets no answer): close it ourselves.
FORGED=${HELLO}000000300021000000000002${DEP}0000002004${CONN}0000000100000000$(hex 19)
exec {fd}<>"/dev/tcp/127.0.0.1/$P2" || ax_fail "forged: cannot connect"
printf '%b' "$(printf '%s' "$FORGED" | sed 's/../\\x&/g')" >&"$fd"
refused_more() { status && [ "$(ax_stat "$ST" controller "$NORTH" rejected)" -gt "$refused_before" ]; }
ax_wait_for 20 refused_more || ax_fail "the forged event was not refused by the controller"
exec {fd}>&-
grep -q "conn=$((16#$CONN)) .*->controller refused (bad tag)" "$T/node-gateway.log" ||
	ax_fail "the gateway did not log the refusal"
ax_ok "forged event: refused by the controller (bad tag), counted on its connection"

# Still serving: the node counted the broken streams, the RESET did not
# reset anything, and the sensors' events are still accepted.
ax_alive node-gateway || ax_fail "authexd gateway died"
status || ax_fail "status after the attacks: $(cat "$ST")"
rejected_after=$(sed -nE 's/^node gateway .*frames rejected ([0-9]+),.*/\1/p' "$ST")
[ "$rejected_after" -gt "$rejected_before" ] ||
	ax_fail "the gateway counted no rejected frames ($rejected_before -> $rejected_after)"
[ "$(ax_count "$ST" '^    module controller .*: loaded')" = 1 ] ||
	ax_fail "the controller is gone after the attacks"
before=$(north_accepted)
ax_wait_for 20 accepted_above "$before" || ax_fail "the controller stopped accepting readings"
[ "$(ax_sum_field "$ST" lost)" = 0 ] || ax_fail "events were lost"
ax_ok "gateway still serving: frames rejected $rejected_before -> $rejected_after, readings still accepted"

ax_run "$T/down.out" "${AX[@]}" down "$APP" || ax_fail "down"
ax_sanitizer_clean || ax_fail "sanitizer report in a log"
echo "PASS test_bad_input"
