#!/bin/bash
# bench/run.sh BUILD_DIR [OUT_MD] - the benchmarks of `make bench` (issue 6).
#
# Every figure is measured next to its floor in the same run:
#   1. per-event crypto in the runtime vs a keyed OpenSSL EVP call (bench_crypto)
#   2. event round trip driver -> module -> module -> module -> driver over two
#      authexd, interleaved with a raw TCP ping-pong and a raw TCP chain of the
#      same shape (bench_node rtt, bench_tcp echo/relay)
#   3. one-way throughput of 256-byte events between two authexd vs raw TCP
#      streaming of frames of the same size (bench_node tput, bench_tcp sink)
#   4. authexd idle RSS, memory per loaded module and per connection
#   5. deployment time with `authex deploy`, compilation excluded and included,
#      for growing numbers of modules and nodes
#   6. lines of code of the trusted runtime
# Prints a table and writes OUT_MD (default docs/performance.md), which also
# gets bench/analysis.md (the hand-written profile notes) appended.
#
# Loopback only. Ports BENCH_PORT..BENCH_PORT+99 (default 27400). BENCH_QUICK=1
# shrinks every count (a smoke run, not for the record). Every process started
# here is stopped by pid on exit.
set -euo pipefail
export LC_ALL=C

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR [OUT_MD]}" && pwd)
OUT=${2:-$SRC/docs/performance.md}
PORT=${BENCH_PORT:-27400}
QUICK=${BENCH_QUICK:-0}
WORK=$BUILD/bench-run
RES=$WORK/results.txt
MODS=$BUILD/modules

for b in authex authexd bench_crypto bench_node bench_tcp; do
	[ -x "$BUILD/$b" ] || { echo "bench: $BUILD/$b is missing (build first)" >&2; exit 1; }
done
for m in relay gen sink; do
	[ -f "$MODS/bench_$m.so" ] || { echo "bench: $MODS/bench_$m.so is missing" >&2; exit 1; }
done

rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RES"
PIDS=()

stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# wait_port PORT: until something accepts on 127.0.0.1:PORT (at most 10 s).
wait_port() {
	local i
	for i in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "bench: nothing listens on port $1" >&2
	exit 1
}

# node NAME PORT: provision (keystore $WORK/nodes.keys) and start authexd.
node() {
	[ -f "$WORK/$1.key" ] || "$BUILD/authex" node init "$1" \
		--keystore "$WORK/nodes.keys" --out "$WORK/$1.key" >/dev/null
	"$BUILD/authexd" --port "$2" --key "$WORK/$1.key" --log-level warn \
		2>>"$WORK/$1.log" &
	PIDS+=($!)
	wait_port "$2"
}

serve() { # bench_tcp MODE PORT [NEXT]
	"$BUILD/bench_tcp" "$@" &
	PIDS+=($!)
	wait_port "$2"
}

say() { printf '%s\n' "$*" >&2; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "$QUICK" = 1 ]; then
	N_CRYPTO=31 N_RTT=200 N_TPUT=20000 REPS=1 DEPLOY_SETS="10:1 10:10"
else
	N_CRYPTO=301 N_RTT=3000 N_TPUT=200000 REPS=3
	DEPLOY_SETS="10:1 10:10 50:1 50:10 100:1 100:10 1000:50"
fi

START=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD0=$(loadavg)
T0=$(date +%s)

# ------------------------------------------------------------ 1. crypto
say "== 1/6 per-event crypto ($N_CRYPTO samples per variant and size)"
"$BUILD/bench_crypto" "$N_CRYPTO" >>"$RES"

# -------------------------------------------------------- 2. round trip
say "== 2/6 round trip over two nodes ($N_RTT per size, interleaved with TCP)"
node na $((PORT)); node nb $((PORT + 1))
serve echo $((PORT + 2)); serve relay $((PORT + 3)) $((PORT + 2))
# CPU time (user + system, clock ticks) of each process during the round
# trips, to tell work from waiting: PIDS = na nb echo relay.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=(); for p in "${PIDS[@]}"; do c0+=("$(ticks "$p")"); done
"$BUILD/bench_node" rtt $PORT "$WORK/na.key" $((PORT + 1)) "$WORK/nb.key" \
	"$MODS" "$N_RTT" $((PORT + 2)) $((PORT + 3)) 16 256 4096 16384 >>"$RES"
HZ=$(getconf CLK_TCK)
# round trips per series: 4 sizes x (N + N/10 warm-up)
TRIPS=$((4 * (N_RTT + N_RTT / 10)))
i=0
for name in node-a node-b; do
	echo "RESULT cpu $name rtt $(awk -v t=$(($(ticks "${PIDS[$i]}") - c0[i])) \
		-v hz="$HZ" -v n="$TRIPS" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }') - us" >>"$RES"
	i=$((i + 1))
done
echo "RESULT cpu tcp-relay rtt $(awk -v t=$(($(ticks "${PIDS[3]}") - c0[3])) \
	-v hz="$HZ" -v n="$TRIPS" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }') - us" >>"$RES"

# -------------------------------------------------------- 3. throughput
# The same nodes; alternate authex and raw TCP, REPS times each. Raw frames
# have the size of the peer link's EVENT frame for a 256-byte payload:
# prefix 12 + deployment 4 + length 4 + sealed event (29 + 256) = 305.
say "== 3/6 one-way throughput, 256-byte events ($N_TPUT events x $REPS)"
serve sink $((PORT + 4))
for r in $(seq 1 "$REPS"); do
	"$BUILD/bench_node" tput $PORT "$WORK/na.key" $((PORT + 1)) \
		"$WORK/nb.key" "$MODS" "$N_TPUT" 256 >>"$RES"
	"$BUILD/bench_tcp" stream $((PORT + 4)) 256 "$N_TPUT" 305 >>"$RES"
	BENCH_LABEL=tcp-batched "$BUILD/bench_tcp" stream $((PORT + 4)) 256 \
		"$N_TPUT" 305 64 >>"$RES"
done
stop_all

# ------------------------------------------------------------ 4. memory
say "== 4/6 memory (fresh authexd: idle, 100 modules, 200 connections)"
node nm $((PORT + 5))
sleep 0.5 # let it settle after start-up
"$BUILD/bench_node" mem "${PIDS[0]}" $((PORT + 5)) "$WORK/nm.key" "$MODS" \
	100 200 >>"$RES"
stop_all

# ---------------------------------------------------------- 5. deployment
# deploy_set MODULES NODES: MODULES relay modules in a chain (m_i.out ->
# m_i+1.in), round-robin over NODES nodes. A descriptor holds at most 64
# modules (docs/descriptor.md), so more modules are deployed as several
# deployments of 50, one after the other; the times add up.
# excluded: every image already in the cache (a first deploy, down, fresh
#   state database, deploy again: the timed one, median of 3 up to 100
#   modules); one source per deployment.
# included: a cold cache and one source file per module, so every module
#   is compiled (only for up to 100 modules: 1000 would take minutes).
say "== 5/6 deployment"
mkdir -p "$WORK/deploy/src"
for i in $(seq 0 99); do
	{ cat "$SRC/bench/modules/relay.c"; echo "/* module $i */"; } \
		>"$WORK/deploy/src/m$i.c"
done
cp "$SRC/bench/modules/relay.c" "$WORK/deploy/src/relay.c"
MAXNODES=1
for s in $DEPLOY_SETS; do
	n=${s#*:}
	[ "$n" -gt "$MAXNODES" ] && MAXNODES=$n
done
for j in $(seq 0 $((MAXNODES - 1))); do node d$j $((PORT + 10 + j)); done

# descriptor NAME FIRST COUNT NODES SOURCES(shared|distinct)
descriptor() {
	local i
	echo "name: $1"
	echo "nodes:"
	for i in $(seq 0 $(($4 - 1))); do
		printf '  - name: d%d\n    host: 127.0.0.1\n    port: %d\n' \
			"$i" $((PORT + 10 + i))
	done
	echo "modules:"
	for i in $(seq "$2" $(($2 + $3 - 1))); do
		if [ "$5" = distinct ]; then f=src/m$i.c; else f=src/relay.c; fi
		printf '  - name: m%d\n    node: d%d\n    source: %s\n' \
			"$i" $((i % $4)) "$f"
	done
	echo "connections:"
	for i in $(seq $(($2 + 1)) $(($2 + $3 - 1))); do
		printf '  - from: m%d.out\n    to: m%d.in\n' $((i - 1)) "$i"
	done
}

AX() { "$BUILD/authex" --keystore "$WORK/nodes.keys" "$@"; }

now_ms() { date +%s%3N; }

# timed_deploy YAML: prints milliseconds; fails loudly.
timed_deploy() {
	local t0 t1
	t0=$(now_ms)
	AX deploy "$1" >"$1.log" 2>&1 || { cat "$1.log" >&2; exit 1; }
	t1=$(now_ms)
	echo $((t1 - t0))
}

# redeploy YAML: down, a fresh state database, deploy again (timed, ms).
# The database is in WAL mode: its -wal and -shm files go with it (a clean
# exit removes them, a killed deployer leaves them).
redeploy() {
	local db=${1%.yaml}.authex.db
	AX down "$1" >/dev/null
	rm -f "$db" "$db-wal" "$db-shm"
	timed_deploy "$1"
}

# median of three numbers
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

deploy_set() {
	local m=$1 n=$2 per=50 d excl=0 incl=0 y ms
	[ "$m" -le 64 ] && per=$m
	for d in $(seq 0 $((m / per - 1))); do
		y=$WORK/deploy/x${m}n${n}d$d.yaml
		descriptor "x${m}n${n}d$d" $((d * per)) "$per" "$n" shared >"$y"
		timed_deploy "$y" >/dev/null          # builds the image
		if [ "$m" -le 100 ] && [ "$QUICK" != 1 ]; then
			# median of 3 against this machine's noise
			ms=$(median3 "$(redeploy "$y")" "$(redeploy "$y")" "$(redeploy "$y")")
		else
			ms=$(redeploy "$y")
		fi
		excl=$((excl + ms))
	done
	echo "RESULT deploy excl $m:$n $excl $((m / per)) ms"
	for d in $(seq 0 $((m / per - 1))); do
		AX down "$WORK/deploy/x${m}n${n}d$d.yaml" >/dev/null
	done
	[ "$m" -gt 100 ] && return 0
	for d in $(seq 0 $((m / per - 1))); do
		y=$WORK/deploy/i${m}n${n}d$d.yaml
		descriptor "i${m}n${n}d$d" $((d * per)) "$per" "$n" distinct >"$y"
		ms=$(timed_deploy "$y")
		incl=$((incl + ms))
		AX down "$y" >/dev/null
	done
	echo "RESULT deploy incl $m:$n $incl $((m / per)) ms"
}

for s in $DEPLOY_SETS; do
	say "   $s (modules:nodes)"
	deploy_set "${s%:*}" "${s#*:}" >>"$RES"
done
# The floor: the same wire messages for 10 and 100 modules on one node,
# without state database or build cache (bench_node deploy-floor).
for m in 10 100; do
	"$BUILD/bench_node" deploy-floor $((PORT + 10)) "$WORK/d0.key" "$MODS" \
		"$m" >>"$RES"
done
stop_all

# ---------------------------------------------------------- 6. runtime LoC
say "== 6/6 lines of code of the trusted runtime"
if command -v cloc >/dev/null; then
	cloc --quiet --csv "$SRC/src/runtime" | awk -F, '$2 == "SUM" {
		print "RESULT loc cloc src/runtime " $5 " " $1 " lines" }' >>"$RES"
fi
code=0
for f in "$SRC"/src/runtime/*.[ch]; do
	c=$(awk -f "$SRC/tests/strip_comments.awk" "$f" | grep -c '[^[:space:]]' || true)
	code=$((code + c))
done
echo "RESULT loc budget src/runtime $code 800 lines" >>"$RES"

# ------------------------------------------- tzm: host <-> tzm module (QEMU)
# bench_tzm: the round trip host module -> tzm module -> host module in one
# process (the tzm backend starts QEMU mps2-an505 with the node firmware),
# alternating with the same trip between host modules; then the sizes of
# the firmware it ran. Emulation, not hardware. TZM_REPS runs of
# TZM_ROUNDS rounds; the report takes the median over the runs. Builds the
# firmware when it is missing; without it (or without QEMU) a NOTE line
# tells the report why the section is empty.
say "== tzm: host module <-> tzm module round trip (QEMU emulation)"
TZM=$BUILD/tzm
if [ "$QUICK" = 1 ]; then TZM_REPS=1 TZM_ROUNDS=20; else TZM_REPS=3 TZM_ROUNDS=150; fi
tzm_note() { echo "NOTE tzm $*" >>"$RES"; say "   not measured: $*"; }
tzm_run() {
	local rc
	for _ in $(seq 1 "$TZM_REPS"); do
		rc=0
		"$BUILD/bench_tzm" "$TZM_ROUNDS" 16 256 1000 >>"$RES" \
			2>>"$WORK/bench_tzm.log" || rc=$?
		[ "$rc" = 0 ] || return "$rc"
	done
}
if [ ! -x "$BUILD/bench_tzm" ]; then
	tzm_note "bench_tzm is not built"
else
	if [ ! -f "$TZM/s_node.elf" ] || [ ! -f "$TZM/ns_node.elf" ] ||
		[ ! -f "$TZM/modules/bench_relay.so" ]; then
		say "   building the firmware: cmake --build $BUILD --target tzm-firmware"
		cmake --build "$BUILD" --target tzm-firmware \
			>"$WORK/tzm-firmware.log" 2>&1 || true
	fi
	echo "RESULT load tzm 0 $(cut -d' ' -f1 /proc/loadavg) - -" >>"$RES"
	: >"$WORK/bench_tzm.log"
	rc=0
	tzm_run || rc=$?
	echo "RESULT load tzm 1 $(cut -d' ' -f1 /proc/loadavg) - -" >>"$RES"
	if [ "$rc" = 77 ]; then
		tzm_note "$(tail -n 1 "$WORK/bench_tzm.log")"
	elif [ "$rc" != 0 ]; then
		tzm_note "bench_tzm failed (exit $rc): $(tail -n 1 "$WORK/bench_tzm.log")"
	fi
	for f in s_node.elf ns_node.elf modules/bench_relay.so; do
		[ "$rc" = 0 ] && command -v arm-none-eabi-size >/dev/null || break
		arm-none-eabi-size "$TZM/$f" | awk -v f="$f" 'NR == 2 {
			print "RESULT size tzm " f " " $1 " " $2 " " $3 " B" }' >>"$RES"
	done
fi

END=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD1=$(loadavg)
SECS=$(($(date +%s) - T0))

# ------------------------------------------------------------------ report
export START END LOAD0 LOAD1 SECS QUICK N_CRYPTO N_RTT N_TPUT REPS
bash "$SRC/bench/report.sh" "$RES" "$SRC" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say ""
sed -n '/^## Summary/,/^## Machine/p' "$OUT" | sed '$d'
say "bench: ${SECS} s; full report in $OUT (raw results: $RES)"
