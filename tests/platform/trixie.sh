#!/bin/sh
# make check-trixie: the libgpiod 2.x build (sensors/gpio_v2.c) and the unit
# tests in a Debian 13 chroot.
#
# The chroot is made once with debootstrap --variant=minbase and kept in
# build/trixie-root; a marker file there, written only when the chroot is
# complete, lists the packages it holds.  A chroot without the marker is a
# broken earlier try and is made anew.  The mirror is the one this machine's
# apt uses (TRIXIE_MIRROR overrides it).  The source tree is copied in
# afresh on every run (the files git knows of, plus new ones not ignored;
# never build/).  Needs root: it re-runs itself with sudo when not root, so
# build/trixie-root belongs to root (`sudo make clean` removes it).
#
# Mounted while it runs: proc (and /dev where debootstrap could not make
# device nodes); all are unmounted on exit, on failure too.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=$TOP/build/trixie-root
MARKER=$ROOT/.legwatch-chroot-complete
SUITE=trixie
PKGS="gcc libc6-dev make pkg-config libconfig-dev libjansson-dev \
libmosquitto-dev libgpiod-dev libedf-dev libcmocka-dev tzdata"
# Generous limits: never hang, but let a slow mirror finish.
T_DEBOOTSTRAP=1200
T_APT=900
export APT_TIMEOUT=$T_APT
T_MAKE=900
T_TEST=120

say() {
	echo "check-trixie: $*"
}

die() {
	echo "check-trixie: FAILED: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "needs root (or sudo)"
	exec sudo env TRIXIE_MIRROR="${TRIXIE_MIRROR:-}" sh "$0" "$@"
fi

case $ROOT in
*[[:space:]]*)	die "the path $ROOT has a blank in it" ;;
esac

PLATFORM=check-trixie
. "$TOP/tests/platform/lib.sh"

# Never remove a tree while anything is mounted in it (a bound /dev).
remove_root() {
	unmount_all "$ROOT"
	[ -z "$(mounts_under "$ROOT")" ] || die "still mounted under $ROOT"
	rm -rf --one-file-system "$ROOT"
}

cleanup() {
	status=$?
	stop_child
	unmount_all "$ROOT"
	if [ "$status" -ne 0 ]; then
		echo "check-trixie: FAILED (exit status $status)" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'stop_child; exit 130' INT
trap 'stop_child; exit 143' TERM HUP


mirror=${TRIXIE_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(host_mirror | grep -E '^(https?|file):' | head -n 1)
	[ -n "$mirror" ] ||
	    die "no Debian mirror in /etc/apt/sources*; set TRIXIE_MIRROR"
fi

mkdir -p "$TOP/build"
# One run at a time: a second one waits for the first.
exec 9>"$TOP/build/trixie.lock"
flock -w 3600 9 || die "another check-trixie holds $TOP/build/trixie.lock"

in_root() {
	t=$1
	shift
	run timeout "$t" chroot "$ROOT" env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

mount_root() {
	mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
	# debootstrap makes the nodes itself unless it runs in a container
	# where mknod is refused; then it bind-mounts /dev, so do we.
	if [ ! -c "$ROOT/dev/null" ] && ! mountpoint -q "$ROOT/dev"; then
		mount --bind /dev "$ROOT/dev"
	fi
}

start=$(date +%s)
if [ -d "$ROOT" ] && [ ! -f "$MARKER" ]; then
	say "removing an incomplete chroot"
	remove_root
fi
if [ ! -d "$ROOT" ]; then
	if ! command -v debootstrap >/dev/null 2>&1; then
		say "installing debootstrap"
		run sh "$TOP/tests/apt.sh" install \
		    debootstrap || die "apt-get install debootstrap"
	fi
	say "debootstrap $SUITE from $mirror into build/trixie-root"
	include=$(echo $PKGS | tr ' ' ',')
	run timeout "$T_DEBOOTSTRAP" debootstrap --variant=minbase \
	    --include="$include" "$SUITE" "$ROOT" "$mirror" \
	    > "$TOP/build/trixie-debootstrap.log" 2>&1 || {
		tail -n 30 "$TOP/build/trixie-debootstrap.log" >&2
		die "debootstrap (log: build/trixie-debootstrap.log)"
	}
	unmount_all "$ROOT"
fi
mount_root
# --include leaves dependency resolution to debootstrap's simple resolver:
# apt makes sure, and installs what a later version of this list adds.
if [ ! -f "$MARKER" ] || [ "$(cat "$MARKER")" != "$(echo $PKGS)" ]; then
	say "installing the build packages in the chroot"
	run sh "$TOP/tests/apt.sh" --chroot "$ROOT" \
	    update
	run sh "$TOP/tests/apt.sh" --chroot "$ROOT" get \
	    install -y -qq --no-install-recommends $PKGS \
	    > "$TOP/build/trixie-apt.log" 2>&1 || {
		tail -n 30 "$TOP/build/trixie-apt.log" >&2
		die "apt-get install in the chroot"
	}
	in_root 60 apt-get clean
	echo $PKGS > "$MARKER"
fi
say "chroot ready after $(($(date +%s) - start)) s" \
    "($(in_root 10 sh -c '. /etc/os-release; echo "$PRETTY_NAME"'))"

# The source tree, as it is in the working tree now.
SRC=$ROOT/src/legwatch
rm -rf --one-file-system "$SRC"
mkdir -p "$SRC"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
	    tr '\0' '\n' | grep -v '^build/' |
	    while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
	    tar -cf - --no-recursion -T -) | tar -xf - -C "$SRC"
else
	(cd "$TOP" && tar -cf - --exclude=./build .) | tar -xf - -C "$SRC"
fi

# What the Makefile itself says, read inside the chroot.
cat > "$SRC/build-vars.mk" <<'EOF'
print-%:
	@echo $($*)
EOF
makevar() {
	in_root 60 make -s -C /src/legwatch -f Makefile -f build-vars.mk \
	    "print-$1"
}
api=$(makevar GPIOD_API)
units=$(makevar UNIT_BIN)
gpiod=$(in_root 10 pkg-config --modversion libgpiod)
say "libgpiod $gpiod, GPIOD_API=$api"
[ "$api" = v2 ] || die "the Makefile chose GPIOD_API=$api, not v2"

say "make"
in_root "$T_MAKE" make -C /src/legwatch -j"$(nproc)" all $units ||
    die "make in the chroot"

# The build really holds the v2 code: gpio_v2.o in the library, calling
# the 2.x API, and the daemon linked against libgpiod.so.3 (2.x's soname).
lib=$SRC/build/liblegwatch.a
in_root 30 nm -A /src/legwatch/build/liblegwatch.a > "$SRC/build/nm.out" ||
    die "nm $lib"
grep -q 'gpio_v2\.o:.* U gpiod_chip_request_lines$' "$SRC/build/nm.out" ||
    die "liblegwatch.a has no gpio_v2.o calling gpiod_chip_request_lines"
if grep -q 'gpio_v1\.o:' "$SRC/build/nm.out"; then
	die "liblegwatch.a holds gpio_v1.o"
fi
in_root 30 readelf -d /src/legwatch/build/legwatchd |
    grep -q 'NEEDED.*libgpiod\.so\.3' ||
    die "legwatchd is not linked against libgpiod.so.3"
say "build uses sensors/gpio_v2.c (gpiod_chip_request_lines, libgpiod.so.3)"

passed=0
failed=0
for u in $units; do
	name=${u##*/}
	if in_root "$T_TEST" sh -c "cd /src/legwatch && ./$u"; then
		echo "$name: 1 passed, 0 failed"
		passed=$((passed + 1))
	else
		echo "$name: 0 passed, 1 failed"
		failed=$((failed + 1))
	fi
done
say "done in $(($(date +%s) - start)) s"
echo "check-trixie: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
