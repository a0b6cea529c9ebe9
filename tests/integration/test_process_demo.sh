#!/bin/bash
# test_process_demo.sh SRC_DIR BUILD_DIR - the irrigation example on a mix
# of platforms: field and gateway run `--platform process` (descriptor
# `platform: process`), cloud runs `native`. Every step of the demo
# scenario (lib.sh ax_demo_scenario: deploy, events, output, request, call,
# status, deploy again, down) must pass unchanged. As root, both process
# nodes drop to uid 65534 (--user) after starting their monitor, and their
# modules run under uids of their own (--platform-opt uid_base=...).
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries "$AX_BUILD/authex-modhost"

# ax_process_app FILE NODE...: set `platform: process` on those nodes.
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

# start_process_node NAME PORT UID_BASE
start_process_node() {
	local user=()
	[ "$(id -u)" = 0 ] && user=(--user 65534)
	ax_bg "node-$1" "$AUTHEXD" --port "$2" --key "$T/$1.key" \
		--platform process --platform-opt "uid_base=$3" "${user[@]}" \
		--log-events
	ax_wait_port "$2" || ax_fail "authexd for $1 did not listen on $2"
}

P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
ax_process_app "$APP" field gateway
[ "$(ax_count "$APP" '^    platform: process')" = 2 ] || ax_fail "descriptor not rewritten"
ax_provision "$APP" field gateway cloud
start_process_node field "$P1" 62000
start_process_node gateway "$P2" 62300
ax_start_node cloud "$P3"
for n in field gateway; do
	grep -q "platform=process" "$T/node-$n.log" || ax_fail "$n: not on process"
	if [ "$(id -u)" = 0 ]; then
		grep -q "uid=65534" "$T/node-$n.log" || ax_fail "$n: authexd kept root"
	fi
done
ax_ok "field and gateway on process, cloud on native"
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")

ax_demo_scenario
echo "PASS test_process_demo"
