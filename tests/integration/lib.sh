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
AX_FAILED=0

ax_log() { printf '%s: %s\n' "${AX_TEST:-test}" "$*" >&2; }
ax_ok() { printf 'ok   %s\n' "$*"; }

ax_skip() {
	printf '%s: SKIP: %s\n' "${AX_TEST:-test}" "$*"
	exit 77
}

# Print the logs of every background process, then fail.
ax_fail() {
	AX_FAILED=1
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
		if [ "$AX_FAILED" = 0 ] || [ -z "${AX_KEEP_TMP:-}" ]; then
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

ax_free_port() {
	local p n=0
	while [ $n -lt 200 ]; do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
		n=$((n + 1))
		case "$AX_PORTS" in *" $p "*) continue ;; esac
		ax_listening "$p" && continue
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
		AX_PORTS="$AX_PORTS$p "
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

ax_pid_of() {
	local i
	for i in "${!AX_NAMES[@]}"; do
		[ "${AX_NAMES[$i]}" = "$1" ] && { echo "${AX_PIDS[$i]}"; return 0; }
	done
	return 1
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
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 ||
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
