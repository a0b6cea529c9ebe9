#!/bin/sh
# scripts/deps.sh - make sure the Debian 12 packages authex needs are installed.
#
# As root: installs whatever is missing (one apt-get update, then one
# apt-get install). Otherwise: prints the exact command to run and exits 1.
# When everything is present it prints one line and changes nothing, so it is
# cheap to run before every build (`make` does). No stamp file: one
# dpkg-query per package takes a fraction of a second and cannot go stale.
#
# Usage: scripts/deps.sh [-q]     -q: print nothing when all are present
set -eu

# One package per line; why each is here.
PACKAGES='
build-essential         gcc, make, libc headers: the default (gcc) build
cmake                   the build system (CMake >= 3.20)
clang                   second compiler; the ASan/UBSan and libFuzzer builds
libclang-rt-14-dev      clang 14 sanitizer and libFuzzer runtimes
libssl-dev              OpenSSL 3 libcrypto: the hosted crypto provider
libcmocka-dev           unit and security tests
gcc-arm-none-eabi       Cortex-M33 compile of the runtime and the tzm firmware
binutils-arm-none-eabi  arm-none-eabi-size for the object size report
libnewlib-arm-none-eabi C headers (string.h, ...) mbedTLS includes in the tzm firmware
dpkg-dev                apt-get source mbedtls (scripts/mbedtls-src.sh, tzm firmware)
valgrind                memcheck and ctgrind-style constant-time runs
libuv1-dev              node daemon event loop (next issue)
libyaml-dev             deployer: application descriptors (next issue)
libsqlite3-dev          deployer: deployment state (next issue)
libseccomp-dev          process backend sandbox (next issue)
iproute2                multi-node tests in network namespaces (next issue)
qemu-system-arm         tzm firmware tests on mps2-an505 (tests/check_tzm_qemu.sh)
'
# Not needed: newlib's library itself (the tzm firmware links -nostdlib and
# uses only newlib's headers), lld (GNU ld links everything), pkg-config
# (CMake finds OpenSSL and cmocka by itself).

quiet=0
[ "${1:-}" = "-q" ] && quiet=1

names=$(printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }')
missing=''
for p in $names; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	[ "$quiet" = 1 ] || echo "deps: all $(echo $names | wc -w) packages present"
	exit 0
fi

echo "deps: missing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing

# Verify: a package that apt could not install must not pass silently.
still=''
for p in $missing; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) still="$still $p" ;;
	esac
done
if [ -n "$still" ]; then
	echo "deps: still missing after apt-get install:$still" >&2
	exit 1
fi
echo "deps: installed:$missing"
