#!/bin/bash
# test_deploy_tzm.sh SRC_DIR BUILD_DIR - the deployer's side of a tzm node,
# without a board or QEMU:
# 1. `authex deploy` builds the module placed on the tzm node as a
#    Cortex-M33 image (progress line "tzm image"; an ELF32 ARM shared object
#    in the image cache) and the one on the native node as a host image,
#    all before it contacts a node (none runs: it then fails to connect).
# 2. `authex run` starts the tzm node's authexd with `--platform tzm` and
#    `--platform-opt serial=LINK` from the descriptor's `serial:`, the
#    native node's with `--platform native` and no option (AUTHEXD is a
#    stand-in that records its arguments and exits).
# Skipped (77) when arm-none-eabi-gcc was not found at configure time,
# after checking that the tzm build then names the package; under CI=true
# that is a failure.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
mkdir -p "$T/app"
APP=$T/app/app.yaml
cat >"$APP" <<EOF
name: tzmbuild
nodes:
  - name: board
    host: 127.0.0.1
    port: $P2
    platform: tzm
    serial: tcp:127.0.0.1:$P3
  - name: edge
    host: 127.0.0.1
    port: $P1
modules:
  - name: sensor
    node: board
    source: $AX_SRC/examples/thermo/modules/sensor.c
  - name: controller
    node: edge
    source: $AX_SRC/examples/thermo/modules/controller.c
connections:
  - from: sensor.reading
    to: controller.add
EOF
ax_provision "$T/app/app" board edge

# ------------------------------------------------------------------ build
rc=0
"$AUTHEX" deploy "$APP" >"$T/deploy.out" 2>"$T/deploy.err" || rc=$?
if grep -q '^#define DEPLOY_CFG_TZM_CC ""' "$AX_BUILD/generated/deploy_config.h"; then
	grep -q "gcc-arm-none-eabi" "$T/deploy.err" ||
		ax_fail "tzm build without arm-none-eabi-gcc: $(cat "$T/deploy.err")"
	[ "${CI:-}" != true ] ||
		ax_fail "CI=true but arm-none-eabi-gcc was not found at configure time"
	ax_skip "arm-none-eabi-gcc not found at configure time (the build says so)"
fi
[ "$rc" = 1 ] || ax_fail "deploy with no node running: exit $rc, not 1: $(cat "$T/deploy.err")"
grep -q "cannot connect" "$T/deploy.err" ||
	ax_fail "deploy did not stop at the connection: $(cat "$T/deploy.err")"
grep -q '^build sensor \.\.\. ok (tzm image, ' "$T/deploy.out" ||
	ax_fail "no tzm build line for sensor: $(cat "$T/deploy.out")"
grep -q '^build controller \.\.\. ok ([0-9]' "$T/deploy.out" ||
	ax_fail "no host build line for controller: $(cat "$T/deploy.out")"
arm=0 host=0
for f in "$T/app/app.authex.db.d/images/"*.so; do
	case "$(od -An -tx1 -j4 -N1 "$f" | tr -d ' ')$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')" in
	0140) arm=$((arm + 1)) ;;  # ELFCLASS32, EM_ARM
	02*) host=$((host + 1)) ;; # ELFCLASS64, this machine
	esac
done
[ "$arm" = 1 ] && [ "$host" = 1 ] || # ax_fail exits
	ax_fail "image cache: $arm ELF32 ARM and $host ELF64 images, want 1 and 1"
ax_ok "deploy built sensor as a tzm image (ELF32 ARM) and controller as a host image, then stopped at the connection"

# -------------------------------------------------------------------- run
cat >"$T/fake-authexd" <<EOF
#!/bin/sh
echo "\$*" >>"$T/authexd.args"
exit 3
EOF
chmod +x "$T/fake-authexd"
rc=0
AUTHEXD=$T/fake-authexd "$AUTHEX" --state "$T/run.db" --keystore "$T/run.keys" \
	run "$APP" --seconds 1 >"$T/run.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || ax_fail "authex run with a daemon that exits: exit $rc, not 1"
grep -q "authexd for node '[a-z]*' exited" "$T/run.out" ||
	ax_fail "the exited daemon was not reported: $(cat "$T/run.out")"
grep -q -- "--port $P2 .*--platform tzm --platform-opt serial=tcp:127.0.0.1:$P3\$" \
	"$T/authexd.args" || ax_fail "tzm node's arguments: $(cat "$T/authexd.args")"
grep -q -- "--port $P1 .*--platform native\$" "$T/authexd.args" ||
	ax_fail "native node's arguments: $(cat "$T/authexd.args")"
ax_ok "authex run: authexd --platform tzm --platform-opt serial=tcp:127.0.0.1:$P3 for the tzm node, no option for the native one"
echo "PASS $AX_TEST"
