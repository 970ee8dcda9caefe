#!/bin/sh
# make cross-arm64, make cross-armhf: the daemon and the unit tests built
# for the Raspberry Pi's 64-bit OS (arm64) or its 32-bit one (armhf, still
# the default image for a Pi Zero 2 W or a Pi 3) with Debian's cross
# compiler, checked to be ELF files of that machine, and the unit tests
# run under qemu-user; then the Debian package built for it with
# `dpkg-buildpackage -a ARCH` and looked into.  On Debian 12 armhf time_t
# is 32 bits: the build says so, and the unit tests check that times past
# 2038 are refused there (they cannot be held), never wrapped.
# usage: tests/platform/cross.sh arm64|armhf
#
# It changes the machine it runs on, as a cross build on Debian must:
# ARCH becomes a dpkg foreign architecture, and the ARCH -dev packages
# are installed next to the native ones (sudo when not root).  Multi-Arch
# "same" packages must have one version for all architectures, so
# installing libssl3:arm64, libsystemd0:arm64 and the like upgrades their
# amd64 twins to the mirror's version when the machine's are older: apt
# does that by itself (on a Debian 12 machine a little behind its mirror it
# upgraded 18 packages: libssl3, libgcrypt20, krb5, e2fsprogs...).  What
# it cannot solve is a native package newer than the mirror's ARCH one
# (from another suite, or a mirror behind the machine); install the ARCH
# packages from the suite the native ones came from, or bring the machine
# to its mirror's versions first.  The apt sources must not be limited to
# amd64 (no "Architectures: amd64" line, no [arch=amd64]).
#
# binfmt_misc is not needed (CI may not have it): the tests run as
# `qemu-aarch64-static -L / PROGRAM` (qemu-arm-static for armhf), with
# the loader and libc of libc6:ARCH (multiarch, /lib/TRIPLET).  Never the
# loader of the cross libc in /usr/TRIPLET: that package lags the point
# releases (2.36-8 against 2.36-9+deb12uN), and its loader with the newer
# libc6:ARCH crashes the first thread a program starts.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=${1:-}
case $ARCH in
arm64)	TRIPLET=aarch64-linux-gnu QEMU=qemu-aarch64 MACHINE=AArch64
	CLASS=ELF64 ;;
armhf)	TRIPLET=arm-linux-gnueabihf QEMU=qemu-arm MACHINE=ARM CLASS=ELF32 ;;
*)	echo "usage: $0 arm64|armhf" >&2
	exit 64 ;;
esac
PLATFORM=cross-$ARCH
BUILD=build/$ARCH
HOST_PKGS="gcc-$TRIPLET libc6-dev-$ARCH-cross binutils-$TRIPLET make \
pkg-config tzdata dpkg-dev debhelper crossbuild-essential-$ARCH"
ARM_PKGS="libc6-dev:$ARCH libconfig-dev:$ARCH libjansson-dev:$ARCH \
libmosquitto-dev:$ARCH libgpiod-dev:$ARCH \
libedf-dev:$ARCH libcmocka-dev:$ARCH"
# Never hang.  apt runs in a process group of its own under timeout, so an
# interrupt does not break an install halfway; make and the tests get it.
T_APT=1200
export APT_TIMEOUT=$T_APT
T_MAKE=1200
T_TEST=300

. "$TOP/tests/platform/lib.sh"

say() {
	echo "$PLATFORM: $*"
}

die() {
	echo "$PLATFORM: FAILED: $*" >&2
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
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
	say "dpkg --add-architecture $ARCH"
	$sudo dpkg --add-architecture "$ARCH"
fi
missing=
for p in $HOST_PKGS $ARM_PKGS; do
	installed "$p" || missing="$missing $p"
done
# Either qemu package will do: qemu-user-static has the fewest needs.
if ! command -v "$QEMU-static" >/dev/null 2>&1 &&
    ! command -v "$QEMU" >/dev/null 2>&1; then
	missing="$missing qemu-user-static"
fi
if [ -n "$missing" ]; then
	say "installing:$missing"
	# The ARCH lists are new after --add-architecture.
	sh "$TOP/tests/apt.sh" update
	log=$(mktemp)
	if ! sh "$TOP/tests/apt.sh" get install -y \
	    --no-install-recommends $missing > "$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		die "apt-get install (see the comment at the top of $0)"
	fi
	# What the ARCH packages pulled up to the mirror's version.
	awk '/will be upgraded:/ { p = 1; print; next }
	    p && /^ / { print; next } { p = 0 }' "$log"
	rm -f "$log"
fi
say "packages ready after $(($(date +%s) - start)) s"

if command -v "$QEMU-static" >/dev/null 2>&1; then
	qemu="$QEMU-static"
else
	qemu=$QEMU
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
say "libgpiod $($TRIPLET-pkg-config --modversion libgpiod) ($ARCH)," \
    "GPIOD_API=$api"

say "make $MAKEVARS"
# shellcheck disable=SC2086
timeout --foreground "$T_MAKE" make --no-print-directory -j"$(nproc)" \
    $MAKEVARS "$BUILD/legwatchd" $units || die "make"

for f in "$BUILD/legwatchd" "$BUILD/legwatchd-live" $units; do
	m=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p')
	c=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Class: *//p')
	[ "$m" = "$MACHINE" ] && [ "$c" = "$CLASS" ] ||
	    die "$f is not an $MACHINE $CLASS file (Machine: $m, Class: $c)"
done
say "legwatchd, legwatchd-live and $(echo $units | wc -w) unit tests" \
    "are $MACHINE $CLASS" \
    "($(readelf -d "$BUILD/legwatchd" |
    sed -n 's/.*(NEEDED).*\[\(libgpiod[^]]*\)\]/\1/p'))"

passed=0
failed=0
for u in $units; do
	name=${u##*/}
	if timeout --foreground "$T_TEST" "$qemu" -L / \
	    -E LD_LIBRARY_PATH=/usr/lib/$TRIPLET:/lib/$TRIPLET "$u"; then
		echo "$name: 1 passed, 0 failed"
		passed=$((passed + 1))
	else
		echo "$name: 0 passed, 1 failed"
		failed=$((failed + 1))
	fi
done

# What the unit tests' checks of times past 2038 depend on.
printf '#include <stdio.h>\n#include <time.h>\nint main(void) { printf("%%d", (int)sizeof(time_t) * 8); return 0; }\n' \
    > "$BUILD/time_t.c"
$TRIPLET-gcc -o "$BUILD/time_t" "$BUILD/time_t.c" || die "$TRIPLET-gcc"
bits=$("$qemu" -L / "$BUILD/time_t") || die "$qemu"
say "time_t is $bits bits on $ARCH: times past 2038 are" \
    "$([ "$bits" -eq 32 ] && echo refused || echo taken)"

# ---- the Debian package, cross-built ----
PKG=$TOP/$BUILD/deb
copy_source "$PKG/legwatch" || die "no debian/control in the source tree"
if ! env -C "$PKG/legwatch" dpkg-checkbuilddeps -a "$ARCH" \
    >/dev/null 2>&1; then
	say "installing the package's build dependencies for $ARCH"
	sh "$TOP/tests/apt.sh" get build-dep -a "$ARCH" \
	    -y -qq --no-install-recommends "$PKG/legwatch" \
	    > "$PKG/build-dep.log" 2>&1 || {
		tail -n 20 "$PKG/build-dep.log" >&2
		die "apt-get build-dep -a $ARCH (log: $BUILD/deb/build-dep.log)"
	}
fi
say "dpkg-buildpackage -a $ARCH -us -uc -b"
if timeout --foreground "$T_MAKE" env -C "$PKG/legwatch" \
    dpkg-buildpackage -a "$ARCH" -us -uc -b > "$PKG/build.log" 2>&1; then
	ver=$(dpkg-parsechangelog -l "$PKG/legwatch/debian/changelog" \
	    -S Version)
	deb=$PKG/legwatch_${ver}_$ARCH.deb
	rm -rf "$PKG/root"
	if [ ! -f "$deb" ]; then
		echo "dpkg-buildpackage: 0 passed, 1 failed (no ${deb#"$TOP"/})"
		failed=$((failed + 1))
	elif dpkg-deb -x "$deb" "$PKG/root" &&
	    [ "$(dpkg-deb -f "$deb" Architecture)" = "$ARCH" ] &&
	    readelf -h "$PKG/root/usr/sbin/legwatchd" |
	    grep -q "Machine: *$MACHINE" &&
	    dpkg-deb -f "$deb" Depends | grep -q libgpiod; then
		echo "dpkg-buildpackage: 1 passed, 0 failed (${deb#"$TOP"/}:" \
		    "$(dpkg-deb -f "$deb" Architecture), $MACHINE binaries," \
		    "Depends: $(dpkg-deb -f "$deb" Depends))"
		passed=$((passed + 1))
	else
		echo "dpkg-buildpackage: 0 passed, 1 failed (${deb#"$TOP"/}:" \
		    "Architecture $(dpkg-deb -f "$deb" Architecture), not" \
		    "$MACHINE binaries, or no Depends on libgpiod)"
		failed=$((failed + 1))
	fi
else
	tail -n 20 "$PKG/build.log"
	echo "dpkg-buildpackage: 0 passed, 1 failed (log: $BUILD/deb/build.log)"
	failed=$((failed + 1))
fi
say "done in $(($(date +%s) - start)) s (unit tests under $qemu)"
echo "$PLATFORM: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
