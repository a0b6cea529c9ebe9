# tests/integration/lib.sh - shared helpers of the integration tests.
#
# Sourced (bash) by tests/integration/test_*.sh, which ctest runs as
#   bash SCRIPT SRC_DIR BUILD_DIR
# Exit codes: 0 pass, 1 fail, 77 skip (with the reason printed).
#
# What it gives a test:
#   ax_setup SRC BUILD       paths ($AX_SRC $AX_BUILD $AUTHEX $AUTHEXD $AX_MITM),
#                            a scratch dir $T, and the cleanup trap
#   ax_need_binaries         skip unless authex and authexd are built
#   ax_need_root             skip unless root and `ip netns` works
#   ax_free_port             a TCP port nothing listens on (not handed out before)
#   ax_bg NAME CMD...        start CMD in the background, log in $T/NAME.log;
#                            the cleanup trap kills it by its pid
#   ax_stop NAME             stop one background process (TERM, then KILL)
#   ax_wait_port PORT [NS]   wait (bounded) until something listens on PORT
#   ax_wait_for SECS CMD...  run CMD every 0.2 s until it succeeds (bounded)
#   ax_netns_add NAME        create a network namespace, deleted on exit
#   ax_irrigation_app DIR P1 P2 P3 [H1 H2 H3]
#                            write DIR/app.yaml: the irrigation example with
#                            the field/gateway/cloud nodes at H:P (default
#                            127.0.0.1), its modules linked in
#   ax_provision APP NODE... `authex node init` each node into APP's keystore,
#                            key files $T/NODE.key
#   ax_start_node NAME PORT [BIND] [NS]
#                            authexd for node NAME with $T/NAME.key
#   ax_ok MSG / ax_fail MSG / ax_skip MSG
#
# Waits are bounded by counts of short sleeps, never by a measured duration;
# every process a test starts is killed by pid in the EXIT trap, and every
# namespace it created is deleted there.

set -u

AX_PIDS=()      # pids of background processes
AX_NAMES=()     # their names (same index)
AX_NETNS=()     # namespaces to delete on exit
AX_PORTS=" "    # ports handed out by ax_free_port

ax_log() { printf '%s: %s\n' "${AX_TEST:-test}" "$*" >&2; }
ax_ok() { printf 'ok   %s\n' "$*"; }

ax_skip() {
	printf '%s: SKIP: %s\n' "${AX_TEST:-test}" "$*"
	exit 77
}

# Print the logs of every background process, then fail.
ax_fail() {
	printf 'FAIL %s\n' "$*"
	local f
	for f in "${T:-/nonexistent}"/*.log; do
		[ -f "$f" ] || continue
		printf -- '---- %s (last 15 lines)\n' "${f##*/}"
		tail -n 15 "$f"
	done
	printf 'FAIL %s\n' "$*"
	exit 1
}

ax_cleanup() {
	local i ns
	for i in "${!AX_PIDS[@]}"; do
		kill -TERM "${AX_PIDS[$i]}" 2>/dev/null || true
	done
	for i in "${!AX_PIDS[@]}"; do
		ax_reap "${AX_PIDS[$i]}"
	done
	for ns in "${AX_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -z "${AX_KEEP_TMP:-}" ]; then
			rm -rf "$T"
		else
			echo "scratch dir kept: $T"
		fi
	fi
}

# Wait for pid to exit (bounded: 5 s), then KILL it.
ax_reap() {
	local pid=$1 n=0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

ax_setup() {
	AX_SRC=$(cd "$1" && pwd)
	AX_BUILD=$(cd "$2" && pwd)
	AX_TEST=${AX_TEST:-$(basename "$0" .sh)}
	AUTHEX=$AX_BUILD/authex
	AUTHEXD=$AX_BUILD/authexd
	AX_MITM=$AX_BUILD/ax_mitm
	T=$(mktemp -d "${TMPDIR:-/tmp}/authex-$AX_TEST.XXXXXX")
	trap ax_cleanup EXIT
	trap 'exit 1' INT TERM
}

ax_need_binaries() {
	local b
	for b in "$AUTHEX" "$AUTHEXD" "$@"; do
		[ -x "$b" ] || ax_skip "${b##*/} not built yet ($b missing)"
	done
}

ax_need_root() {
	[ "$(id -u)" = 0 ] || ax_skip "needs root for network namespaces (CI runs as root)"
	command -v ip >/dev/null 2>&1 || ax_skip "iproute2 (ip) is not installed"
	local probe="axprobe$$"
	ip netns add "$probe" 2>/dev/null ||
		ax_skip "cannot create network namespaces here (ip netns add failed)"
	ip netns del "$probe" 2>/dev/null || true
}

# Is something listening on TCP PORT (in namespace NS, if given)?
ax_listening() {
	local port=$1 ns=${2:-}
	if [ -n "$ns" ]; then
		ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q .
	else
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q .
	fi
}

# Ports handed out are also kept in $T/ports: tests call this as
# $(ax_free_port), a subshell, whose variables do not come back.
ax_free_port() {
	local p n=0 used
	used="$AX_PORTS$(tr '\n' ' ' <"$T/ports" 2>/dev/null)"
	while [ $n -lt 200 ]; do
		p=$((20000 + (RANDOM * 32768 + RANDOM + $$ + n) % 30000))
		n=$((n + 1))
		case " $used " in *" $p "*) continue ;; esac
		ax_listening "$p" && continue
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
		AX_PORTS="$AX_PORTS$p "
		echo "$p" >>"$T/ports"
		echo "$p"
		return 0
	done
	ax_fail "no free TCP port found"
}

ax_wait_for() {
	local secs=$1 n=0
	shift
	while [ $n -lt $((secs * 5)) ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

ax_wait_port() {
	ax_wait_for 10 ax_listening "$@"
}

ax_bg() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	AX_PIDS+=("$!")
	AX_NAMES+=("$name")
}

# ax_pid_of NAME: the pid of the latest process started as NAME.
ax_pid_of() {
	local i pid=
	for i in "${!AX_NAMES[@]}"; do
		[ "${AX_NAMES[$i]}" = "$1" ] && pid=${AX_PIDS[$i]}
	done
	[ -n "$pid" ] && echo "$pid"
}

ax_stop() {
	local pid
	pid=$(ax_pid_of "$1") || return 0
	kill -TERM "$pid" 2>/dev/null || true
	ax_reap "$pid"
}

ax_alive() {
	local pid
	pid=$(ax_pid_of "$1") || return 1
	kill -0 "$pid" 2>/dev/null
}

ax_netns_add() {
	ip netns add "$1" || ax_fail "ip netns add $1"
	AX_NETNS+=("$1")
}

# ax_irrigation_app DIR P1 P2 P3 [H1 H2 H3]: the example's descriptor with
# its three nodes moved to other addresses. Everything else is unchanged.
ax_irrigation_app() {
	local dir=$1 p1=$2 p2=$3 p3=$4
	local h1=${5:-127.0.0.1} h2=${6:-127.0.0.1} h3=${7:-127.0.0.1}
	mkdir -p "$dir"
	ln -sfn "$AX_SRC/examples/irrigation/modules" "$dir/modules"
	awk -v p1="$p1" -v p2="$p2" -v p3="$p3" \
		-v h1="$h1" -v h2="$h2" -v h3="$h3" '
		/^  - name: field/   { n = 1 }
		/^  - name: gateway/ { n = 2 }
		/^  - name: cloud/   { n = 3 }
		/^modules:/          { n = 0 }
		n && /^    port: /   { sub(/[0-9]+/, n == 1 ? p1 : n == 2 ? p2 : p3) }
		n && /^    host: /   { sub(/127\.0\.0\.1/, n == 1 ? h1 : n == 2 ? h2 : h3) }
		{ print }' "$AX_SRC/examples/irrigation/app.yaml" >"$dir/app.yaml"
	grep -q "port: $p3" "$dir/app.yaml" || ax_fail "could not rewrite the descriptor's ports"
}

# ax_provision APP NODE...: keys for each node, in APP's default keystore.
ax_provision() {
	local app=$1 n
	shift
	for n in "$@"; do
		"$AUTHEX" node init "$n" --keystore "$app.keys" --out "$T/$n.key" \
			>"$T/init-$n.out" 2>&1 ||
			ax_fail "authex node init $n: $(cat "$T/init-$n.out")"
	done
}

# ax_start_node NAME PORT [BIND] [NS]
ax_start_node() {
	local name=$1 port=$2 bind=${3:-127.0.0.1} ns=${4:-}
	if [ -n "$ns" ]; then
		ax_bg "node-$name" ip netns exec "$ns" "$AUTHEXD" --port "$port" \
			--key "$T/$name.key" --bind "$bind" --platform native --log-events
	else
		ax_bg "node-$name" "$AUTHEXD" --port "$port" --key "$T/$name.key" \
			--bind "$bind" --platform native --log-events
	fi
	ax_wait_port "$port" "$ns" || ax_fail "authexd for $name did not listen on $bind:$port"
}

# ax_run OUTFILE CMD...: run a command, keep stdout+stderr, return its status.
ax_run() {
	local out=$1
	shift
	"$@" >"$out" 2>&1
}

# ax_netns_star PREFIX N: a router namespace PREFIX-r and N node namespaces
# PREFIX-1 .. PREFIX-N. Node i has 10.200.i.2/24 on its veth, the router
# 10.200.i.1/24 on the other end and forwards between them; each node's
# default route points at the router. The deployer runs in the router
# namespace (`ip netns exec PREFIX-r ...`) and reaches every node directly.
# All namespaces are deleted by the EXIT trap.
ax_netns_star() {
	local pfx=$1 n=$2 i r="$1-r"
	ax_netns_add "$r"
	ip -n "$r" link set lo up || ax_fail "router lo"
	ip netns exec "$r" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward' ||
		ax_fail "cannot enable forwarding in $r"
	for i in $(seq 1 "$n"); do
		ax_netns_add "$pfx-$i"
		ip -n "$pfx-$i" link add eth0 type veth peer name "v$i" netns "$r" ||
			ax_skip "cannot create veth pairs here"
		ip -n "$pfx-$i" link set lo up &&
			ip -n "$pfx-$i" addr add "10.200.$i.2/24" dev eth0 &&
			ip -n "$pfx-$i" link set eth0 up &&
			ip -n "$r" addr add "10.200.$i.1/24" dev "v$i" &&
			ip -n "$r" link set "v$i" up &&
			ip -n "$pfx-$i" route add default via "10.200.$i.1" ||
			ax_fail "could not configure namespace $pfx-$i"
	done
}

# ---------------------------------------------------------- authex output
#
# `authex status` prints, per node, "node NAME (...)", per module
# "    module NAME ...", "      runtime STATE, ..." and per connection
# "      conn IDENT counter C accepted A rejected R lost L".

# ax_status_rows FILE: one line per connection end:
#   node module conn counter accepted rejected lost
ax_status_rows() {
	awk '
	/^node /         { node = $2 }
	/^    module /   { mod = $2 }
	/^      conn /   {
		c = a = r = l = "?"
		for (i = 3; i < NF; i++) {
			if ($i == "counter")  c = $(i + 1)
			if ($i == "accepted") a = $(i + 1)
			if ($i == "rejected") r = $(i + 1)
			if ($i == "lost")     l = $(i + 1)
		}
		print node, mod, $2, c, a, r, l
	}' "$1"
}

# Column of FIELD in ax_status_rows' output.
ax_stat_col() {
	case "$1" in
	counter) echo 4 ;; accepted) echo 5 ;; rejected) echo 6 ;; lost) echo 7 ;;
	*) ax_fail "ax_stat: unknown field $1" ;;
	esac
}

# ax_stat FILE MODULE CONN FIELD: FIELD (counter accepted rejected lost) of
# MODULE's end of CONN; empty if there is no such row.
ax_stat() {
	local col
	col=$(ax_stat_col "$4")
	ax_status_rows "$1" | awk -v m="$2" -v c="$3" -v k="$col" \
		'$2 == m && $3 == c { print $k; exit }'
}

# ax_sum_field FILE FIELD: sum of FIELD over every connection end.
ax_sum_field() {
	local col
	col=$(ax_stat_col "$2")
	ax_status_rows "$1" | awk -v k="$col" '{ s += $k } END { print s + 0 }'
}

# ax_count FILE REGEX: number of lines matching (0 if none or no file).
ax_count() {
	local n
	n=$(grep -cE -- "$2" "$1" 2>/dev/null) || true
	echo "${n:-0}"
}

# ax_sanitizer_clean: no ASan/UBSan report in any log of this test.
ax_sanitizer_clean() {
	! grep -lE "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" \
		"$T"/*.log "$T"/*.out 2>/dev/null | grep -q .
}

# ------------------------------------------------------------ demo scenario
#
# Helpers of ax_demo_scenario. EV: the events log; ST: the status output.
ax_demo_summaries() {
	ax_count "$EV" '^event dashboard_summary #[0-9]+: .*"dashboard [0-9]+: north '
}
ax_demo_have_summaries() { [ "$(ax_demo_summaries)" -ge "$1" ]; }
# ax_demo_readings 1p|$p: the readings count of the first/last summary.
ax_demo_readings() {
	grep -oE 'readings [0-9]+' "$EV" | awk '{ print $2 }' | sed -n "$1"
}
# The sensors' events are all in: each sender's counter equals the
# controller's accepted count.
ax_demo_settled() {
	"${AX[@]}" status "$APP" >"$ST" 2>&1 || return 1
	local c
	for c in soil_north.moisture-\>controller.north:soil_north \
		soil_south.moisture-\>controller.south:soil_south; do
		local conn=${c%%:*} src=${c##*:}
		local sent acc
		sent=$(ax_stat "$ST" "$src" "$conn" counter)
		acc=$(ax_stat "$ST" controller "$conn" accepted)
		[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$acc" ] || return 1
	done
}

# ax_demo_scenario: the checks of test_demo.sh and test_netns.sh on a
# running irrigation deployment target. Needs APP (descriptor, keystore
# $APP.keys), AX (the authex command line as an array, e.g. run inside a
# namespace) and the three nodes started as node-field, node-gateway,
# node-cloud. See test_demo.sh for what each step shows.
ax_demo_scenario() {
	# ---- deploy
	ax_run "$T/deploy.out" "${AX[@]}" deploy "$APP" || ax_fail "deploy: $(tail -3 "$T/deploy.out")"
	[ "$(ax_count "$T/deploy.out" '^attest .* ok')" = 5 ] || ax_fail "deploy did not attest 5 modules"
	[ "$(ax_count "$T/deploy.out" '^key .* ok')" = 8 ] || ax_fail "deploy did not key 8 connections"
	[ "$(ax_count "$T/deploy.out" '^periodic .* ok')" = 3 ] || ax_fail "deploy did not arm 3 timers"
	ax_ok "deploy: 5 modules attested, 8 connections keyed, 3 timers armed"

	# ---- events
	EV=$T/events.log
	ax_bg events "${AX[@]}" events "$APP" --timeout 120
	ax_wait_for 30 ax_demo_have_summaries 3 ||
		ax_fail "fewer than 3 dashboard summaries reached the deployer"
	ax_ok "request/handler: dashboard summaries arrive ($(ax_demo_summaries) so far)"

	# The readings count in the summaries grows: the timers sample the sensors
	# and the controller accepts their events.
	first=$(ax_demo_readings 1p) last=$(ax_demo_readings '$p')
	[ -n "$first" ] && [ "$last" -gt "$first" ] ||
		ax_fail "readings did not grow between summaries ($first -> $last)"
	ax_ok "periodic: readings grew from $first to $last"

	# The soil dries below 25 % within 10 samples: the controller opens a valve
	# by itself and the valve reports it.
	ax_wait_for 30 grep -qE '"valve (north|south) OPEN \(moisture [0-9]+%\)"' "$EV" ||
		ax_fail "no automatic valve opening was reported"
	ax_ok "controller -> valve -> deployer: $(grep -oE 'valve [a-z]+ OPEN \(moisture [0-9]+%\)' "$EV" | head -1)"

	# ---- output
	# Force both valves open, then closed: whatever they were, both close.
	for cmd in "all open" "all close"; do
		ax_run "$T/output.out" "${AX[@]}" output "$APP" manual_override "$cmd" ||
			ax_fail "output manual_override '$cmd': $(cat "$T/output.out")"
	done
	ax_wait_for 20 grep -q '"valve north CLOSED (manual)"' "$EV" ||
		ax_fail "the override did not close the north valve"
	ax_wait_for 20 grep -q '"valve south CLOSED (manual)"' "$EV" ||
		ax_fail "the override did not close the south valve"
	ax_wait_for 20 grep -qE 'north [0-9]+% closed forced closed \| south [0-9]+% closed forced closed .* overrides 2"' "$EV" ||
		ax_fail "the dashboard does not show both zones forced closed"
	# A command the controller does not understand changes nothing.
	ax_run "$T/output.out" "${AX[@]}" output "$APP" manual_override "north flood" ||
		ax_fail "output of a bad command failed to send"
	ax_ok "output: the override closed both valves; the dashboard shows it"

	# ---- request
	# The controller's state (22 bytes, controller.c): overrides is the last
	# u32 and counts only the two valid commands.
	ax_run "$T/request.out" "${AX[@]}" request "$APP" state_query ||
		ax_fail "request state_query: $(cat "$T/request.out")"
	state=$(grep -oE '\b[0-9a-f]{44}\b' "$T/request.out" | head -1)
	[ -n "$state" ] || ax_fail "request printed no 22-byte state: $(cat "$T/request.out")"
	[ "${state:36:8}" = 00000002 ] || ax_fail "state says overrides=0x${state:36:8}, not 2"
	[ "${state:4:2}" = 02 ] && [ "${state:18:2}" = 02 ] ||
		ax_fail "state does not show both zones forced closed: $state"
	ax_ok "request: controller state $state"

	# ---- call
	ax_run "$T/call.out" "${AX[@]}" call "$APP" soil_north.sample 0x05 ||
		ax_fail "call soil_north.sample 0x05: $(cat "$T/call.out")"
	grep -q '05' "$T/call.out" || ax_fail "call did not return the injected reading"
	if ax_run "$T/call.out" "${AX[@]}" call "$APP" soil_north.sample 0x65; then
		ax_fail "an injected reading of 101% was accepted"
	fi
	ax_ok "call: injected reading 5% accepted, 101% refused by the entry point"

	# ---- status
	# Stop the sensors (authenticated DISABLE), then wait until the controller
	# has every event they sent: each sender's counter equals its receiver's
	# accepted count, and nothing anywhere was rejected or lost.
	for m in soil_north soil_south; do
		ax_run "$T/disable.out" "${AX[@]}" disable "$APP" "$m" ||
			ax_fail "disable $m: $(cat "$T/disable.out")"
	done
	ST=$T/status.out
	ax_wait_for 20 ax_demo_settled || ax_fail "sensor events sent and accepted do not match: $(cat "$ST")"
	[ "$(ax_sum_field "$ST" rejected)" = 0 ] || ax_fail "events were rejected: $(cat "$ST")"
	[ "$(ax_sum_field "$ST" lost)" = 0 ] || ax_fail "events were lost: $(cat "$ST")"
	[ "$(ax_count "$ST" 'frames rejected 0,')" = 3 ] || ax_fail "a node rejected frames"
	north=$(ax_stat "$ST" controller 'soil_north.moisture->controller.north' accepted)
	south=$(ax_stat "$ST" controller 'soil_south.moisture->controller.south' accepted)
	cmds=$(ax_stat "$ST" valve 'controller.valve->valve.command' accepted)
	[ "$cmds" = "$(ax_stat "$ST" controller 'controller.valve->valve.command' counter)" ] ||
		ax_fail "valve commands sent and accepted differ"
	[ "$(ax_stat "$ST" controller manual_override accepted)" = 3 ] ||
		ax_fail "the controller did not accept exactly the 3 override events"
	ax_ok "status: north $north, south $south readings and $cmds valve commands, all accepted; 0 rejected, 0 lost"

	# ---- deploy again
	ax_run "$T/deploy2.out" "${AX[@]}" deploy "$APP" || ax_fail "second deploy failed"
	if grep -E '^(load|attest|key|route|periodic) ' "$T/deploy2.out"; then
		ax_fail "the second deploy changed something on a node"
	fi
	"${AX[@]}" status "$APP" >"$T/status2.out" 2>&1 || ax_fail "status after redeploy"
	[ "$(ax_stat "$T/status2.out" controller 'soil_north.moisture->controller.north' accepted)" = "$north" ] ||
		ax_fail "the second deploy reset the controller"
	ax_ok "deploy again: no step repeated, the controller kept its state"

	# ---- down
	ax_stop events
	ax_run "$T/down.out" "${AX[@]}" down "$APP" || ax_fail "down: $(cat "$T/down.out")"
	"${AX[@]}" status "$APP" >"$T/status3.out" 2>&1 || ax_fail "status after down"
	grep -qE '^deployment irrigation: .*down' "$T/status3.out" || ax_fail "state does not say down"
	[ "$(ax_count "$T/status3.out" '^node .* 0 modules$')" = 3 ] ||
		ax_fail "a node still has modules after down: $(cat "$T/status3.out")"
	for n in field gateway cloud; do
		ax_alive "node-$n" || ax_fail "authexd $n died"
	done
	ax_sanitizer_clean || ax_fail "sanitizer report in a log"
	ax_ok "down: all three nodes have no modules left"
}
