#!/bin/sh
# The Debian package: build it with dpkg-buildpackage (debian/, which runs
# the unit tests), check it with lintian, install it with apt into a clean
# Debian chroot, and check what it did there: the legwatch user and its
# groups, the binary, the conffile, the enabled unit, the state directory,
# then remove (the conffile stays) and purge (it goes).
#
# The chroot base is made once with debootstrap --variant=minbase and kept
# in build/deb-root; a marker file there, written only when it is complete,
# names its suite and mirror.  Each run installs into an overlay over that
# base (build/deb-run, a copy where overlayfs is refused) and throws the
# overlay away after, so every run starts from the same clean system; the
# packages apt downloaded are kept in the base's apt cache for the next
# run.  The suite is this machine's own (the .deb is built against its
# libraries: bookworm on Debian 12), DEB_SUITE overrides it; the mirror is
# the one this machine's apt uses (DEB_MIRROR overrides it).
#
# The source tree is copied afresh to build/deb/legwatch (the files git
# knows of, plus new ones not ignored; never build/) and built there, so
# the working tree and its build/ are not touched.  DEB_BUILD_OPTIONS is
# passed on (nocheck skips the unit tests in the build).
#
# Needs root: it re-runs itself with sudo when not root.  Installs what it
# lacks with apt-get: dpkg-dev, debhelper, lintian, debootstrap and the
# package's Build-Depends (apt-get build-dep).
#
# Mounted while it runs: the overlay, proc (and /dev where debootstrap
# could not make device nodes); all are unmounted on exit, on failure too.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BASE=$TOP/build/deb-root
MARKER=$BASE/.legwatch-chroot-complete
RUN=$TOP/build/deb-run
ROOT=$RUN/root
WORK=$TOP/build/deb
HOST_PKGS="dpkg-dev debhelper lintian debootstrap"
T_DEBOOTSTRAP=1200
T_APT=900
export APT_TIMEOUT=$T_APT
T_BUILD=900
T_CMD=120

say() {
	echo "deb: $*"
}

die() {
	echo "deb: FAILED: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "needs root (or sudo)"
	exec sudo env DEB_MIRROR="${DEB_MIRROR:-}" DEB_SUITE="${DEB_SUITE:-}" \
	    DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-}" sh "$0" "$@"
fi

case $TOP in
*[[:space:]]*)	die "the path $TOP has a blank in it" ;;
esac

PLATFORM=deb
. "$TOP/tests/platform/lib.sh"

# Never remove a tree while anything is mounted in it (a bound /dev).
remove_tree() {
	unmount_all "$1"
	[ -z "$(mounts_under "$1")" ] || die "still mounted under $1"
	rm -rf --one-file-system "$1"
}

cleanup() {
	status=$?
	stop_child
	unmount_all "$RUN"
	unmount_all "$BASE"
	if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
		echo "deb: FAILED (exit status $status)" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'stop_child; exit 130' INT
trap 'stop_child; exit 143' TERM HUP


# tests/apt.sh rides out a mirror in the middle of a sync.
apt_sh() {
	run sh "$TOP/tests/apt.sh" "$@"
}

mkdir -p "$TOP/build"
# One run at a time: a second one waits for the first.
exec 9>"$TOP/build/deb.lock"
flock -w 3600 9 || die "another run holds $TOP/build/deb.lock"

start=$(date +%s)
phase=$start
lap() {
	now=$(date +%s)
	say "$* ($((now - phase)) s)"
	phase=$now
}

# ---- the tools and the build dependencies, on this machine ----
apt_sh install $HOST_PKGS || die "apt-get install"

# ---- the source tree, as it is in the working tree now ----
rm -rf --one-file-system "$WORK"
SRC=$WORK/legwatch
copy_source "$SRC" || die "no debian/control in the source tree"

if ! env -C "$SRC" dpkg-checkbuilddeps >/dev/null 2>&1; then
	say "installing the package's build dependencies"
	apt_sh update
	apt_sh get build-dep -y -qq \
	    --no-install-recommends "$SRC" > "$WORK/build-dep.log" 2>&1 || {
		tail -n 20 "$WORK/build-dep.log" >&2
		die "apt-get build-dep (log: build/deb/build-dep.log)"
	}
fi
lap "tools ready"

passed=0
failed=0
pass() {
	echo "ok: $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
finish() {
	say "done in $(($(date +%s) - start)) s"
	echo "deb: $passed passed, $failed failed"
	if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then
		exit 0
	fi
	exit 1
}

# ---- build ----
say "dpkg-buildpackage -us -uc -b${DEB_BUILD_OPTIONS:+ (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)}"
if run timeout "$T_BUILD" env -C "$SRC" dpkg-buildpackage -us -uc -b \
    > "$WORK/build.log" 2>&1; then
	pkgver=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
	arch=$(dpkg --print-architecture)
	DEB=$WORK/legwatch_${pkgver}_$arch.deb
	if [ -f "$DEB" ]; then
		pass "dpkg-buildpackage built ${DEB#"$TOP"/}" \
		    "($(grep -hE '^unit tests: ' "$WORK/build.log" ||
		    echo 'unit tests not run'))"
	else
		fail "dpkg-buildpackage made no ${DEB#"$TOP"/}"
		finish
	fi
else
	grep -E 'FAILED|error' "$WORK/build.log" | tail -n 20
	fail "dpkg-buildpackage (log: build/deb/build.log)"
	finish
fi
lap "built"

# ---- lintian ----
# As nobody where it can (lintian warns when it runs as root).
as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp"
chmod 644 "$DEB"
$as_nobody test -r "$DEB" 2>/dev/null || as_nobody=
run timeout "$T_CMD" $as_nobody lintian -I --pedantic \
    --tag-display-limit 0 "$DEB" > "$WORK/lintian.out" 2>&1 && st=0 || st=$?
sed 's/^/  lintian: /' "$WORK/lintian.out"
if grep -q '^E: ' "$WORK/lintian.out"; then
	fail "lintian: $(grep -c '^E: ' "$WORK/lintian.out") errors"
elif [ "$st" -ne 0 ]; then
	fail "lintian exit status $st"
else
	pass "lintian: no errors ($(grep -c '^W: ' "$WORK/lintian.out") warnings)"
fi
lap "lintian"

# ---- the clean chroot's base ----
suite=${DEB_SUITE:-}
if [ -z "$suite" ]; then
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$suite" ] || suite=bookworm
fi
mirror=${DEB_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(host_mirror | grep -E '^(https?|file):' | head -n 1)
	[ -n "$mirror" ] ||
	    die "no Debian mirror in /etc/apt/sources*; set DEB_MIRROR"
fi
remove_tree "$RUN"
if [ -d "$BASE" ] && [ "$(cat "$MARKER" 2>/dev/null)" != "$suite $mirror" ]
then
	say "removing an incomplete or different chroot base"
	remove_tree "$BASE"
fi
if [ ! -d "$BASE" ]; then
	say "debootstrap $suite from $mirror into build/deb-root"
	run timeout "$T_DEBOOTSTRAP" debootstrap --variant=minbase \
	    "$suite" "$BASE" "$mirror" > "$TOP/build/deb-debootstrap.log" 2>&1 || {
		tail -n 30 "$TOP/build/deb-debootstrap.log" >&2
		die "debootstrap (log: build/deb-debootstrap.log)"
	}
	unmount_all "$BASE"
	# apt's lists, so that installing needs no update; not debootstrap's
	# own packages.
	mountpoint -q "$BASE/proc" || mount -t proc proc "$BASE/proc"
	apt_sh --chroot "$BASE" get update -qq ||
	    die "apt-get update in the chroot base"
	chroot "$BASE" apt-get clean
	unmount_all "$BASE"
	echo "$suite $mirror" > "$MARKER"
fi

# ---- this run's system: an overlay over the base ----
mkdir -p "$RUN/upper" "$RUN/work" "$ROOT"
if mount -t overlay overlay \
    -o "lowerdir=$BASE,upperdir=$RUN/upper,workdir=$RUN/work" "$ROOT" \
    2>/dev/null; then
	how=overlay
else
	how=copy
	cp -a "$BASE/." "$ROOT/"
fi
rm -f "$ROOT/.legwatch-chroot-complete"
mount -t proc proc "$ROOT/proc"
if [ ! -c "$ROOT/dev/null" ]; then
	mount --bind /dev "$ROOT/dev"
fi
# No service starts in a chroot.
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
lap "chroot ready: $suite, $how of build/deb-root" \
    "($(. "$ROOT/etc/os-release" && echo "$PRETTY_NAME"))"

in_root() {
	run timeout "$T_CMD" chroot "$ROOT" env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
	    DEBIAN_FRONTEND=noninteractive "$@"
}

# ---- install ----
cp "$DEB" "$ROOT/tmp/"
chmod 644 "$ROOT/tmp/${DEB##*/}"
# Lists a day old or so may name packages the mirror has replaced: a
# failed install is tried again after an update.
if apt_sh --chroot "$ROOT" get install -y -q --no-install-recommends \
    "/tmp/${DEB##*/}" > "$WORK/install.log" 2>&1; then
	pass "apt-get install ${DEB##*/} (with its dependencies:" \
	    "$(grep -cE '^(Setting up|Unpacking) ' "$WORK/install.log" |
	    awk '{ print int($1 / 2) }') packages)"
else
	tail -n 20 "$WORK/install.log"
	fail "apt-get install ${DEB##*/} (log: build/deb/install.log)"
	finish
fi
# The downloaded packages: kept in the base for the next run.
for f in "$ROOT"/var/cache/apt/archives/*.deb; do
	[ -e "$f" ] || continue
	[ -e "$BASE/var/cache/apt/archives/${f##*/}" ] ||
	    cp "$f" "$BASE/var/cache/apt/archives/"
done
lap "installed"

# ---- what the package did ----
if pw=$(in_root getent passwd legwatch); then
	uid=$(echo "$pw" | cut -d: -f3)
	home=$(echo "$pw" | cut -d: -f6)
	shell=$(echo "$pw" | cut -d: -f7)
	if [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/legwatch ] &&
	    case $shell in */nologin|*/false) true ;; *) false ;; esac; then
		pass "user legwatch (uid $uid, home $home, shell $shell)"
	else
		fail "user legwatch is not a system user: $pw"
	fi
else
	fail "no user legwatch (getent passwd legwatch)"
fi

# The groups the sysusers snippet puts legwatch in ("m legwatch GROUP").
SYSUSERS=$ROOT/usr/lib/sysusers.d/legwatch.conf
want=$(awk '$1 == "m" && $2 == "legwatch" { print $3 }' "$SYSUSERS" \
    2>/dev/null | sort | tr '\n' ' ')
have=$(in_root id -nG legwatch 2>/dev/null | tr ' ' '\n' | sort | tr '\n' ' ')
if [ ! -f "$SYSUSERS" ]; then
	fail "no /usr/lib/sysusers.d/legwatch.conf"
else
	missing_g=
	for g in $want; do
		case " $have " in *" $g "*) ;; *) missing_g="$missing_g $g" ;; esac
	done
	if [ -n "$missing_g" ]; then
		fail "legwatch is not in the group(s)$missing_g (in: $have)"
	else
		pass "legwatch is in the groups: $have(the snippet asks for: ${want:-none})"
	fi
fi

upver=${pkgver%-*}
if out=$(in_root /usr/sbin/legwatchd --version 2>&1) &&
    [ "$out" = "legwatchd $upver" ]; then
	pass "/usr/sbin/legwatchd --version: $out"
else
	fail "/usr/sbin/legwatchd --version: '$out', not 'legwatchd $upver'"
fi

# The bring-up check, and its page.
if out=$(in_root /usr/sbin/legwatch-probe -x 2>&1 || echo "exit $?") &&
    echo "$out" | grep -q '^usage: legwatch-probe' &&
    echo "$out" | grep -q '^exit 64$' &&
    [ -f "$ROOT/usr/share/man/man8/legwatch-probe.8.gz" ]; then
	pass "/usr/sbin/legwatch-probe runs (usage, exit 64), its page is there"
else
	fail "/usr/sbin/legwatch-probe: '$out', or no legwatch-probe.8.gz"
fi

conffiles=$(in_root dpkg-query -W -f='${Conffiles}' legwatch)
if echo "$conffiles" | grep -q '^ */etc/legwatch/legwatchd\.conf [0-9a-f]\{32\}$'
then
	pass "conffile /etc/legwatch/legwatchd.conf (dpkg-query Conffiles)"
else
	fail "/etc/legwatch/legwatchd.conf is not a conffile: '$conffiles'"
fi

if in_root legwatchd --check-config -c /etc/legwatch/legwatchd.conf \
    > "$WORK/check-config.out" 2>&1; then
	pass "the shipped configuration passes --check-config"
else
	sed 's/^/  /' "$WORK/check-config.out"
	fail "legwatchd --check-config -c /etc/legwatch/legwatchd.conf"
fi

# Every library the two images link is there (Depends from
# shlibs:Depends): libmosquitto for legwatchd-live, which the live
# service goes on in, and none of it for legwatchd (docs/design.md 2.4).
if in_root ldd /usr/sbin/legwatchd-live > "$WORK/ldd.out" 2>&1 &&
    in_root ldd /usr/sbin/legwatchd > "$WORK/ldd-lean.out" 2>&1 &&
    ! grep -q 'not found' "$WORK/ldd.out" "$WORK/ldd-lean.out" &&
    grep -q 'libmosquitto\.so\.1 ' "$WORK/ldd.out" &&
    ! grep -q 'libmosquitto\|libssl\|libcrypto' "$WORK/ldd-lean.out"; then
	pass "every library legwatchd-live links is installed, libmosquitto" \
	    "too, and legwatchd links no MQTT"
else
	sed 's/^/  /' "$WORK/ldd.out" "$WORK/ldd-lean.out"
	fail "a library is not installed, or legwatchd links MQTT"
fi

unit=$(in_root dpkg -L legwatch | grep '/systemd/system/legwatchd\.service$' |
    head -n 1)
enabled=$(in_root systemctl is-enabled legwatchd.service 2>&1) || :
link=/etc/systemd/system/multi-user.target.wants/legwatchd.service
if [ -z "$unit" ]; then
	fail "the package holds no legwatchd.service"
elif [ "$enabled" = enabled ] && [ -L "$ROOT$link" ]; then
	pass "$unit installed and enabled (systemctl is-enabled, $link)"
else
	fail "$unit: systemctl is-enabled says '$enabled';" \
	    "$link $([ -L "$ROOT$link" ] && echo exists || echo is missing)"
fi

# systemd-tmpfiles made the state directory (from the postinst); the
# service's StateDirectory= would make it the same at its first start.
st=$(in_root stat -c '%U:%G %a' /var/lib/legwatch 2>&1) || :
if [ "$st" = "legwatch:legwatch 750" ]; then
	pass "/var/lib/legwatch is legwatch:legwatch 750"
else
	fail "/var/lib/legwatch: '$st', not 'legwatch:legwatch 750'"
fi

# The daemon works here, as its user, with this system's libraries.
mkdir -p "$ROOT/tmp/night"
gzip -dc "$SRC/tests/data/sample-night/ankle.csv.gz" > "$ROOT/tmp/night/ankle.csv"
cp "$SRC/tests/data/sample-night/bedroom.csv" "$ROOT/tmp/night/"
chmod -R a+rX "$ROOT/tmp/night"
if in_root setpriv --reuid=legwatch --regid=legwatch --init-groups \
    /usr/sbin/legwatchd --replay /tmp/night/ankle.csv \
    --replay /tmp/night/bedroom.csv --events - \
    > "$WORK/replay.out" 2> "$WORK/replay.err" &&
    grep -q '"event_type":"night_summary"' "$WORK/replay.out"; then
	pass "legwatchd --replay as user legwatch:" \
	    "$(grep -c '"event_type":"leg_movement"' "$WORK/replay.out")" \
	    "leg movements, a night_summary"
else
	tail -n 5 "$WORK/replay.err"
	fail "legwatchd --replay of the sample night as user legwatch"
fi
lap "installed package checked"

# ---- remove: the conffile stays, as the user left it ----
CONF=$ROOT/etc/legwatch/legwatchd.conf
echo "# edited by tests/platform/deb.sh" >> "$CONF"
if in_root dpkg --remove legwatch > "$WORK/remove.log" 2>&1; then
	status=$(in_root dpkg-query -W -f='${db:Status-Status}' legwatch) || :
	if [ "$status" = config-files ] &&
	    [ ! -e "$ROOT/usr/sbin/legwatchd" ] &&
	    tail -n 1 "$CONF" 2>/dev/null |
	    grep -q '^# edited by tests/platform/deb.sh$'; then
		pass "dpkg --remove: binary gone, the edited conffile kept" \
		    "(status $status)"
	else
		fail "dpkg --remove: status '$status'," \
		    "binary $([ -e "$ROOT/usr/sbin/legwatchd" ] && echo kept || echo gone)," \
		    "conffile $([ -e "$CONF" ] && echo kept || echo gone)"
	fi
else
	sed 's/^/  /' "$WORK/remove.log"
	fail "dpkg --remove legwatch"
fi

# ---- purge: the conffile, the state and the enabling go ----
if in_root dpkg --purge legwatch > "$WORK/purge.log" 2>&1; then
	left=
	for f in /etc/legwatch/legwatchd.conf /etc/legwatch /var/lib/legwatch \
	    "$link"; do
		if [ -e "$ROOT$f" ] || [ -L "$ROOT$f" ]; then
			left="$left $f"
		fi
	done
	status=$(in_root dpkg-query -W -f='${db:Status-Status}' legwatch \
	    2>/dev/null) || :
	if [ -z "$left" ] && [ "$status" != config-files ]; then
		pass "dpkg --purge: conffile, /etc/legwatch, /var/lib/legwatch" \
		    "and the multi-user.target.wants link gone"
	else
		fail "dpkg --purge left:${left:- nothing} (status '$status')"
	fi
else
	sed 's/^/  /' "$WORK/purge.log"
	fail "dpkg --purge legwatch"
fi
lap "remove and purge"

unmount_all "$RUN"
remove_tree "$RUN"
finish
