#!/bin/sh
# make cross-arm64: the daemon and the unit tests built for arm64 (the
# Raspberry Pi's 64-bit OS) with Debian's cross compiler, checked to be
# aarch64 ELF files, and the unit tests run under qemu-user.
#
# It changes the machine it runs on, as a cross build on Debian must:
# arm64 becomes a dpkg foreign architecture, and the arm64 -dev packages
# are installed next to the native ones (sudo when not root).  Multi-Arch
# "same" packages must have one version for all architectures, so
# installing libssl3:arm64, libsystemd0:arm64 and the like upgrades their
# amd64 twins to the mirror's version when the machine's are older: apt
# does that by itself (on a Debian 12 machine a little behind its mirror it
# upgraded 18 packages: libssl3, libgcrypt20, krb5, e2fsprogs...).  What
# it cannot solve is a native package newer than the mirror's arm64 one
# (from another suite, or a mirror behind the machine); install the arm64
# packages from the suite the native ones came from, or bring the machine
# to its mirror's versions first.  The apt sources must not be limited to
# amd64 (no "Architectures: amd64" line, no [arch=amd64]).
#
# binfmt_misc is not needed (CI may not have it): the tests run as
# `qemu-aarch64-static -L /usr/aarch64-linux-gnu PROGRAM`, the loader from
# the cross libc there, the libraries from /usr/lib/aarch64-linux-gnu.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build/arm64
TRIPLET=aarch64-linux-gnu
HOST_PKGS="gcc-$TRIPLET libc6-dev-arm64-cross binutils-$TRIPLET make \
pkg-config tzdata"
ARM_PKGS="libc6-dev:arm64 libconfig-dev:arm64 libjansson-dev:arm64 \
libmosquitto-dev:arm64 libsystemd-dev:arm64 libgpiod-dev:arm64 \
libcmocka-dev:arm64"
# Never hang.  apt runs in a process group of its own under timeout, so an
# interrupt does not break an install halfway; make and the tests get it.
T_APT=1200
T_MAKE=1200
T_TEST=300

say() {
	echo "cross-arm64: $*"
}

die() {
	echo "cross-arm64: FAILED: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

start=$(date +%s)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "dpkg --add-architecture arm64"
	$sudo dpkg --add-architecture arm64
fi
missing=
for p in $HOST_PKGS $ARM_PKGS; do
	installed "$p" || missing="$missing $p"
done
# Either qemu package will do: qemu-user-static has the fewest needs.
if ! command -v qemu-aarch64-static >/dev/null 2>&1 &&
    ! command -v qemu-aarch64 >/dev/null 2>&1; then
	missing="$missing qemu-user-static"
fi
if [ -n "$missing" ]; then
	say "installing:$missing"
	# The arm64 lists are new after --add-architecture.
	timeout "$T_APT" $sudo apt-get update -qq ||
	    die "apt-get update"
	log=$(mktemp)
	if ! timeout "$T_APT" $sudo env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y --no-install-recommends $missing \
	    > "$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		die "apt-get install (see the comment at the top of $0)"
	fi
	# What the arm64 packages pulled up to the mirror's version.
	awk '/will be upgraded:/ { p = 1; print; next }
	    p && /^ / { print; next } { p = 0 }' "$log"
	rm -f "$log"
fi
say "packages ready after $(($(date +%s) - start)) s"

if command -v qemu-aarch64-static >/dev/null 2>&1; then
	qemu="qemu-aarch64-static"
else
	qemu="qemu-aarch64"
fi
command -v "$TRIPLET-pkg-config" >/dev/null 2>&1 ||
    die "$TRIPLET-pkg-config is missing (package pkg-config)"

cd "$TOP"
mkdir -p "$BUILD"
printf 'print-%%:\n\t@echo $($*)\n' > "$BUILD/vars.mk"
MAKEVARS="CC=$TRIPLET-gcc AR=$TRIPLET-ar PKG_CONFIG=$TRIPLET-pkg-config BUILD=$BUILD"
# shellcheck disable=SC2086
makevar() {
	make -s -f Makefile -f "$BUILD/vars.mk" $MAKEVARS "print-$1"
}
units=$(makevar UNIT_BIN)
api=$(makevar GPIOD_API)
[ -n "$units" ] || die "the Makefile names no unit tests"
say "libgpiod $($TRIPLET-pkg-config --modversion libgpiod) (arm64)," \
    "GPIOD_API=$api"

say "make $MAKEVARS"
# shellcheck disable=SC2086
timeout --foreground "$T_MAKE" make --no-print-directory -j"$(nproc)" \
    $MAKEVARS "$BUILD/legwatchd" $units || die "make"

for f in "$BUILD/legwatchd" $units; do
	m=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p')
	c=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Class: *//p')
	[ "$m" = AArch64 ] && [ "$c" = ELF64 ] ||
	    die "$f is not an aarch64 ELF64 file (Machine: $m, Class: $c)"
done
say "legwatchd and $(echo $units | wc -w) unit tests are aarch64 ELF64" \
    "($(readelf -d "$BUILD/legwatchd" |
    sed -n 's/.*(NEEDED).*\[\(libgpiod[^]]*\)\]/\1/p'))"

passed=0
failed=0
for u in $units; do
	name=${u##*/}
	if timeout --foreground "$T_TEST" "$qemu" -L /usr/$TRIPLET \
	    -E LD_LIBRARY_PATH=/usr/lib/$TRIPLET:/lib/$TRIPLET "$u"; then
		echo "$name: 1 passed, 0 failed"
		passed=$((passed + 1))
	else
		echo "$name: 0 passed, 1 failed"
		failed=$((failed + 1))
	fi
done
say "done in $(($(date +%s) - start)) s (unit tests under $qemu)"
echo "cross-arm64: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
