#!/bin/bash
# test_deploy_nonce.sh SRC_DIR BUILD_DIR - control nonces survive a deployer
# killed between their reservation and their use.
#
# The deployer reserves control nonces 64 at a time per module (one durable
# commit for every module it is about to key) and hands them out from
# memory (docs/deployer.md, "Resume and nonces"). The irrigation example (3
# nodes, 5 modules, 12 SET_KEYs) is deployed by a series of runs, each
# killed (AUTHEX_TEST_DIE_AFTER, exit 99) at another point: right after the
# blocks are reserved and the first nonce is taken, before it is sent;
# after some nonces of the blocks were accepted; between two nonces of one
# run. Each run reserves new blocks above what the killed ones reserved,
# so no module ever sees a nonce twice: the runtime accepts
# a control nonce only above the last one it accepted and counts a replay
# as a refused message, so a reuse would fail the SET_KEY and show in
# `authex status`.
#
# The control at the end shows that this check sees a reuse: the state
# database is put back to the copy left by the first killed run (what a
# deployer that did not reserve durably could find after a power loss),
# and the next deploy's first SET_KEY, under a nonce the module already
# accepted, is refused as a replay.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

# ax_free_port in this shell, not in $(...): it remembers the ports it
# handed out only in the shell that calls it, so three of them differ.
for n in 1 2 3; do ax_free_port >"$T/port$n"; done
P1=$(cat "$T/port1") P2=$(cat "$T/port2") P3=$(cat "$T/port3")
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
DB=$T/state.db
ax_provision "$APP" field gateway cloud
AX=("$AUTHEX" --keystore "$APP.keys" --state "$DB")
ax_start_node field "$P1"
ax_start_node gateway "$P2"
ax_start_node cloud "$P3"

# killed_at POINT: a deploy that must end at AUTHEX_TEST_DIE_AFTER=POINT.
killed_at() {
	local rc=0
	AUTHEX_TEST_DIE_AFTER=$1 "${AX[@]}" deploy "$APP" >"$T/die-$1.out" 2>&1 || rc=$?
	[ "$rc" = 99 ] || ax_fail "deploy killed at $1 exited $rc, not 99: $(tail -3 "$T/die-$1.out")"
	ax_ok "deploy killed at $1"
}

# 1. right after the reservation and the first nonce, nothing sent
killed_at nonce
grep -q '^key ' "$T/die-nonce.out" && ax_fail "a connection was keyed before the kill"
cp "$DB" "$T/first.db"
[ -f "$DB-wal" ] || ax_fail "the killed deployer left no $DB-wal"
cp "$DB-wal" "$T/first.db-wal"
[ "$(stat -c %a "$DB-wal")" = 600 ] || ax_fail "$DB-wal has mode $(stat -c %a "$DB-wal")"
# 2. after three SET_KEYs: blocks of this run partly used
killed_at setkey:3
# 3. at the second nonce of this run: the first was sent, the second not
killed_at nonce:2
# 4. half-way through the rest
killed_at setkey:6

ax_run "$T/deploy.out" "${AX[@]}" deploy "$APP" ||
	ax_fail "deploy after the kills: $(tail -3 "$T/deploy.out")"
grep -q "deploy irrigation: up" "$T/deploy.out" || ax_fail "not up: $(cat "$T/deploy.out")"
"${AX[@]}" status "$APP" >"$T/status.out" 2>&1 || ax_fail "status: $(cat "$T/status.out")"
[ "$(ax_count "$T/status.out" '^  conn .*: .*, keyed, routed$')" = 8 ] ||
	ax_fail "not all eight connections keyed and routed: $(cat "$T/status.out")"
[ "$(ax_count "$T/status.out" 'runtime active, [0-9]+ connections, 0 messages refused$')" = 5 ] ||
	ax_fail "a module refused a message (a reused nonce?): $(grep 'runtime' "$T/status.out")"
ax_ok "after four kills: 8 connections keyed, no module refused a message"
ax_run "$T/request.out" "${AX[@]}" request "$APP" state_query ||
	ax_fail "request after the kills: $(cat "$T/request.out")"
grep -q '^response: ' "$T/request.out" || ax_fail "no response: $(cat "$T/request.out")"
ax_ok "the controller answers under the key it got after the kills"

# Control: the database as the first killed run left it. Its nonce marks
# are below nonces the modules have accepted since, so the next deploy
# reuses one, and the module refuses it.
rm -f "$DB-wal" "$DB-shm"
cp "$T/first.db" "$DB"
cp "$T/first.db-wal" "$DB-wal"
rc=0
"${AX[@]}" deploy "$APP" >"$T/control.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || ax_fail "deploy from the old database exited $rc, not 1: $(cat "$T/control.out")"
grep -q 'SET_KEY\|MODULE_MSG' "$T/control.out" && grep -q 'replay' "$T/control.out" ||
	ax_fail "the reused nonce was not refused as a replay: $(cat "$T/control.out")"
"${AX[@]}" status "$APP" >"$T/status2.out" 2>&1
# one refusal per node the first keying reached (both ends of a connection
# are keyed at once when they are on two nodes)
[ "$(ax_count "$T/status2.out" 'runtime active, [0-9]+ connections, [1-9][0-9]* messages refused$')" -ge 1 ] ||
	ax_fail "status does not show the refused message: $(grep 'runtime' "$T/status2.out")"
ax_ok "control: a reused nonce is refused as a replay and counted ($(tail -1 "$T/control.out"))"

ax_sanitizer_clean || ax_fail "sanitizer report in a log"
echo "PASS test_deploy_nonce"
