#!/bin/sh
# scripts/mbedtls-src.sh CACHE_DIR - unpack Debian's `mbedtls` source package
# into CACHE_DIR (a directory of the build tree, never the repository), once.
#
# The tzm firmware (src/platform/tzm/, docs/tzm.md) compiles a few mbedTLS
# files for the Cortex-M33. They come from Debian's own archive, by package
# name, through apt: nothing else is downloaded.
#  - If CACHE_DIR already holds an unpacked tree, print its path and stop.
#  - As root: add a deb-src stanza mirroring the machine's Debian sources in a
#    file of its own (/etc/apt/sources.list.d/authex-deb-src.sources) if no
#    deb-src entry exists yet, `apt-get update`, then `apt-get source mbedtls`
#    inside CACHE_DIR (needs dpkg-dev, listed in scripts/deps.sh).
#  - Not root: print the exact commands to run and exit 1.
# Last line of stdout on success: the absolute path of the source tree.
set -eu

CACHE=${1:?usage: mbedtls-src.sh CACHE_DIR}
SRCLIST=/etc/apt/sources.list.d/authex-deb-src.sources
DEBSRC=/etc/apt/sources.list.d/debian.sources

find_tree() {
	for d in "$CACHE"/mbedtls-*/; do
		[ -f "$d/library/aes.c" ] && [ -f "$d/include/mbedtls/gcm.h" ] &&
			{ (cd "$d" && pwd); return 0; }
	done
	return 1
}

if tree=$(find_tree); then
	echo "$tree"
	exit 0
fi

has_deb_src() {
	grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

if [ "$(id -u)" != 0 ]; then
	echo "mbedtls-src: not root; run these as root, then build again:" >&2
	if ! has_deb_src; then
		echo "  sed 's/^Types: deb\$/Types: deb-src/' $DEBSRC > $SRCLIST" >&2
	fi
	echo "  apt-get update" >&2
	echo "  mkdir -p $CACHE && cd $CACHE && apt-get source mbedtls" >&2
	echo "  (or simply: sudo sh $0 $CACHE)" >&2
	exit 1
fi

if ! command -v dpkg-source >/dev/null 2>&1; then
	echo "mbedtls-src: dpkg-source missing: run scripts/deps.sh (dpkg-dev)" >&2
	exit 1
fi

if ! has_deb_src; then
	if [ ! -f "$DEBSRC" ]; then
		echo "mbedtls-src: no $DEBSRC to mirror; add a deb-src entry by hand" >&2
		exit 1
	fi
	# Same URIs, suites, components and keyring, only the type changes.
	sed 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$DEBSRC" >"$SRCLIST"
	echo "mbedtls-src: wrote $SRCLIST" >&2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
mkdir -p "$CACHE"
(cd "$CACHE" && apt-get source mbedtls >&2)

if tree=$(find_tree); then
	echo "$tree"
	exit 0
fi
echo "mbedtls-src: apt-get source mbedtls left no source tree in $CACHE" >&2
exit 1
