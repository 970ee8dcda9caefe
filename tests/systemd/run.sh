#!/bin/sh
# The service as it is installed and as systemd sees it: `make install`
# into a staging root (DESTDIR, PREFIX=/usr, and unprivileged) puts every
# file where it belongs, a second install keeps a changed configuration,
# uninstall takes back all but the configuration; the unit passes
# `systemd-analyze verify` without a word and rates an exposure of 2.0 or
# better with `systemd-analyze security`, the GPIO, I2C and clock state
# still reachable; the sysusers.d and tmpfiles.d snippets, found where
# they are installed in a fresh and in a Raspberry Pi OS-like root, make
# the user, its groups and its state directory.  None of it needs a
# running systemd.
# usage: tests/systemd/run.sh BUILD_DIR WORK_DIR
# The conditions are strings that check() evaluates:
# shellcheck disable=SC2016,SC2034,SC2317
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
work=$2
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0
# The staging installs are this test's own, whatever make ran it.
unset MAKEFLAGS MFLAGS MAKELEVEL

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check NAME CONDITION [DETAIL]: DETAIL, a command, says more on failure.
check() {
	if eval "$2"; then pass
	elif [ $# -ge 3 ]; then fail "$1: $(eval "$3" 2>&1 | tail -n 5)"
	else fail "$1"; fi
}
finish() {
	echo "systemd: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# --- what it needs: systemd-analyze, -sysusers, -tmpfiles; /bin/kill for
# ExecReload= (verify wants every command to exist).
need=
command -v systemd-analyze >/dev/null 2>&1 || need="$need systemd"
[ -x /bin/kill ] || need="$need procps"
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	if ! sh "$root/tests/apt.sh" install $need; then
		fail "apt-get install$need"
		finish
	fi
fi

# inst DESTDIR TARGET [VAR=VALUE...]: the project's own install rules,
# with the binary under test as it is (-o: never rebuilt here).
inst() {
	inst_dest=$1 inst_target=$2
	shift 2
	# shellcheck disable=SC2086
	$as make -C "$root" --no-print-directory -o "$build/legwatchd" \
	    -o "$build/legwatchd-live" -o "$build/legwatch-probe" \
	    BUILD="$build" DESTDIR="$inst_dest" "$@" "$inst_target"
}

unit_rel=lib/systemd/system/legwatchd.service
sysusers_rel=usr/lib/sysusers.d/legwatch.conf
tmpfiles_rel=usr/lib/tmpfiles.d/legwatch.conf
conf_rel=etc/legwatch/legwatchd.conf
bin_rel=usr/sbin/legwatchd
live_rel=usr/sbin/legwatchd-live
probe_rel=usr/sbin/legwatch-probe
mans=$(cd "$root" && ls man/*.8 man/*.5 2>/dev/null)
# Every file install puts, relative to DESTDIR.
expected() {
	{
		printf '%s\n' "$bin_rel" "$live_rel" "$probe_rel" "$unit_rel" \
		    "$sysusers_rel" "$tmpfiles_rel" "$conf_rel" \
		    usr/share/man/man8/legwatchd-live.8
		for m in $mans; do
			echo "usr/share/man/man${m##*.}/${m#man/}"
		done
	} | sort
}
files() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort); }
mode() { stat -c %a "$1"; }

# --- install into a staging root, PREFIX=/usr
as=
dest=$work/dest
check "make install DESTDIR PREFIX=/usr" \
    'inst "$dest" install PREFIX=/usr > "$work/install.log" 2>&1' \
    'cat "$work/install.log"'
check "the files installed" '[ "$(files "$dest")" = "$(expected)" ]' \
    'echo got $(files "$dest"), want $(expected)'
check "the installed binary runs --version like the built one" \
    '"$dest/$bin_rel" --version > "$work/version" 2>&1 &&
     grep -q "^legwatchd [0-9]" "$work/version" &&
     [ "$(cat "$work/version")" = "$("$build/legwatchd" --version 2>&1)" ]'
check "the binaries are mode 755, the unit and snippets 644" \
    '[ "$(mode "$dest/$bin_rel")" = 755 ] &&
     [ "$(mode "$dest/$live_rel")" = 755 ] &&
     [ "$(mode "$dest/$probe_rel")" = 755 ] &&
     [ "$(mode "$dest/$unit_rel")" = 644 ] &&
     [ "$(mode "$dest/$sysusers_rel")" = 644 ] &&
     [ "$(mode "$dest/$tmpfiles_rel")" = 644 ]'
unit=$dest/$unit_rel
check "the unit starts /usr/sbin/legwatchd with /etc/legwatch/legwatchd.conf" \
    '[ "$(grep ^ExecStart= "$unit")" = \
       "ExecStart=/usr/sbin/legwatchd -c /etc/legwatch/legwatchd.conf" ]' \
    'grep ^ExecStart= "$unit"'
check "no @PLACEHOLDER@ is left in the unit" '! grep -q "@[A-Z_]*@" "$unit"' \
    'grep -n "@[A-Z_]*@" "$unit"'
check "the sysusers and tmpfiles snippets are the project's" \
    'cmp -s "$root/systemd/legwatch.sysusers" "$dest/$sysusers_rel" &&
     cmp -s "$root/systemd/legwatch.tmpfiles" "$dest/$tmpfiles_rel"'
check "the example configuration is installed, and the binary accepts it" \
    'cmp -s "$root/conf/legwatchd.conf" "$dest/$conf_rel" &&
     "$dest/$bin_rel" --check-config -c "$dest/$conf_rel" > /dev/null 2>&1'
# The pages the unit names (Documentation=man:...) come with it.
if [ -d "$root/man" ]; then
	for page in $(sed -n 's/^Documentation=//p' "$unit" | tr ' ' '\n' |
	    sed -n 's/^man:\(.*\)(\(.*\))$/\1.\2/p'); do
		check "the page $page (Documentation=) is installed" \
		    '[ -f "$dest/usr/share/man/man${page##*.}/$page" ]'
	done
else
	echo "note: no man/ yet: the unit's Documentation= pages not checked"
fi

# --- the default PREFIX: /usr/local, and the unit follows it
check "make install with the default PREFIX" \
    'inst "$work/local" install > "$work/install-local.log" 2>&1' \
    'cat "$work/install-local.log"'
check "PREFIX=/usr/local: the unit in /usr/local/lib/systemd/system starts /usr/local/sbin/legwatchd" \
    'grep -qx "ExecStart=/usr/local/sbin/legwatchd -c /etc/legwatch/legwatchd.conf" \
       "$work/local/usr/local/lib/systemd/system/legwatchd.service" &&
     [ -x "$work/local/usr/local/sbin/legwatchd" ] &&
     [ -f "$work/local/usr/local/lib/sysusers.d/legwatch.conf" ] &&
     [ -f "$work/local/usr/local/lib/tmpfiles.d/legwatch.conf" ] &&
     [ -f "$work/local/etc/legwatch/legwatchd.conf" ]'

# --- as a user who is not root (a package build): no chown, no useradd
if [ "$(id -u)" -eq 0 ]; then
	# What install reads, where that user can read it: the checkout
	# may be in root's home (CI's is).
	user=$(mktemp -d /tmp/legwatch-install.XXXXXX)
	mkdir -p "$user/tree/build" "$user/out"
	(cd "$root" && tar -cf - Makefile systemd conf/legwatchd.conf man) |
	    tar -xf - -C "$user/tree"
	cp "$build/legwatchd" "$build/legwatchd-live" "$build/legwatch-probe" \
	    "$user/tree/build/"
	chmod -R a+rX "$user"
	chown 65534:65534 "$user/out"
	saved_root=$root saved_build=$build
	root=$user/tree build=$user/tree/build
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	check "make install DESTDIR PREFIX=/usr as an unprivileged user" \
	    'inst "$user/out/dest" install PREFIX=/usr \
	       > "$work/install-user.log" 2>&1 &&
	     [ "$(files "$user/out/dest")" = "$(expected)" ]' \
	    'cat "$work/install-user.log"; echo got $(files "$user/out/dest")'
	as=
	root=$saved_root build=$saved_build
	rm -rf "$user"
fi

# --- the sandbox, as systemd reads it
# verify wants ExecStart= to exist: the installed unit, with its binary
# looked up in the staging root.  Nothing else is changed.
mkdir -p "$work/verify" "$work/verify-bad"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
sed "s|^ExecStart=$exec_path|ExecStart=$dest$exec_path|" "$unit" \
    > "$work/verify/legwatchd.service"
check "systemd-analyze verify, without a warning" \
    'systemd-analyze verify --man=no "$work/verify/legwatchd.service" \
       > "$work/verify.out" 2>&1 && [ ! -s "$work/verify.out" ]' \
    'cat "$work/verify.out"'
# ... and it would notice a binary that is not there.
sed "s|^ExecStart=$exec_path|ExecStart=$dest$exec_path.missing|" "$unit" \
    > "$work/verify-bad/legwatchd.service"
check "systemd-analyze verify rejects a unit whose binary is missing" \
    '! systemd-analyze verify --man=no "$work/verify-bad/legwatchd.service" \
       > "$work/verify-bad.out" 2>&1 &&
     grep -q "is not executable" "$work/verify-bad.out"'

systemd-analyze security --offline=true "$unit" > "$work/security.out" 2>&1
level=$(sed -n 's/.*Overall exposure level for legwatchd\.service: \([0-9.]*\).*/\1/p' \
    "$work/security.out")
echo "systemd: overall exposure level ${level:-unknown}"
check "exposure level ${level:-unknown}, want 2.0 or better" \
    '[ -n "$level" ] && awk -v l="$level" "BEGIN { exit !(l <= 2.0) }"' \
    'cat "$work/security.out"'
# What the daemon needs, as systemd's own analysis reads it.
systemd-analyze security --offline=true --json=short "$unit" 2>/dev/null |
    tr '{' '\n' > "$work/security.json"
sec() { grep -q "$1" "$work/security.json"; }
check "the GPIO chips and I2C buses are the only devices allowed" \
    'sec "\"name\":\"DeviceAllow=\".*special devices: char-i2c:rw char-gpiochip:rw\"" ||
     sec "\"name\":\"DeviceAllow=\".*special devices: char-gpiochip:rw char-i2c:rw\""'
check "the hardware is not hidden (no PrivateDevices=)" \
    'sec "\"set\":false,\"name\":\"PrivateDevices=\""'
# glibc's adjtimex() is the clock_adjtime system call: allowed by a
# SystemCallFilter= line that no later one takes back.
clock_adjtime_allowed() {
	sed -n 's/^SystemCallFilter=//p' "$unit" | awk '
	    { deny = sub(/^~/, ""); n = split($0, w, /[ \t]+/)
	      for (i = 1; i <= n; i++)
		if (w[i] == "clock_adjtime" || (deny &&
		    (w[i] == "@clock" || w[i] == "@privileged")))
			ok = !deny
	      if ($0 == "") ok = 0 }
	    END { exit !ok }'
}
check "adjtimex() stays allowed for the clock state (no ProtectClock=)" \
    'sec "\"set\":false,\"name\":\"ProtectClock=\"" && clock_adjtime_allowed' \
    'grep "^SystemCallFilter=\|^ProtectClock=" "$unit"'
check "no capabilities, no new privileges, runs as its own user" \
    'sec "\"set\":true,\"name\":\"CapabilityBoundingSet=~CAP_SYS_ADMIN\"" &&
     sec "\"set\":true,\"name\":\"NoNewPrivileges=\"" &&
     grep -qx "User=legwatch" "$unit"'
check "Type=notify with the watchdog and reload on SIGHUP" \
    'grep -qx "Type=notify" "$unit" && grep -qx "NotifyAccess=main" "$unit" &&
     grep -q "^WatchdogSec=[1-9]" "$unit" &&
     grep -qx "ExecReload=/bin/kill -HUP \$MAINPID" "$unit"'

# --- the snippets where they are installed, as systemd finds them: the
# staged files copied into a root, then systemd-sysusers and
# systemd-tmpfiles --create with no file named.  Roots: a fresh one, a
# Raspberry Pi OS one (gpio and i2c there already, with their own
# numbers), and a fresh one with the default PREFIX, /usr/local.
check "the unit directories are where systemd looks for units" \
    'systemd-analyze unit-paths > "$work/unit-paths" 2>&1 &&
     grep -qx /lib/systemd/system "$work/unit-paths" &&
     grep -qx /usr/local/lib/systemd/system "$work/unit-paths"' \
    'cat "$work/unit-paths"'
# tmpfiles chowns what it makes: only root can.
if [ "$(id -u)" -eq 0 ]; then as_root=1; else as_root=
	echo "note: not root: the tmpfiles.d snippet is not applied"; fi
# apply ROOT STAGED
apply() {
	cp -R "$2/." "$1/" && systemd-sysusers --root="$1" &&
	    { [ -z "$as_root" ] || systemd-tmpfiles --root="$1" --create; }
}
mkdir -p "$work/fresh/etc" "$work/pi/etc" "$work/fresh-local/etc"
printf 'root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n' \
    > "$work/pi/etc/passwd"
printf 'root:x:0:\ngpio:x:997:pi\ni2c:x:994:pi\npi:x:1000:\n' \
    > "$work/pi/etc/group"
user=$(sed -n 's/^User=//p' "$unit")
group=$(sed -n 's/^Group=//p' "$unit")
groups=$(sed -n 's/^SupplementaryGroups=//p' "$unit")
statedir=$(sed -n 's/^StateDirectory=//p' "$unit")
for r in fresh pi fresh-local; do
	case $r in fresh-local) staged=$work/local ;; *) staged=$dest ;; esac
	check "$r: systemd-sysusers and systemd-tmpfiles apply" \
	    'apply "$work/$r" "$staged" > "$work/$r.log" 2>&1' \
	    'cat "$work/$r.log"'
	pw=$work/$r/etc/passwd gr=$work/$r/etc/group
	check "$r: the user $user, at home in /var/lib/legwatch, no shell" \
	    'grep -q "^$user:x:[0-9]*:[0-9]*:[^:]*:/var/lib/legwatch:/usr/sbin/nologin$" "$pw"' \
	    'cat "$pw"'
	check "$r: the group $group" 'grep -q "^$group:x:" "$gr"' 'cat "$gr"'
	for g in $groups; do
		check "$r: $user is in the group $g (SupplementaryGroups=)" \
		    'grep -q "^$g:x:[0-9]*:\(.*,\)*$user\(,.*\)*$" "$gr"' \
		    'cat "$gr"'
	done
	uid=$(awk -F: -v u="$user" '$1 == u { print $3 }' "$pw")
	[ -n "$as_root" ] && check "$r: /var/lib/$statedir (StateDirectory=) is $user's, mode 750" \
	    '[ -d "$work/$r/var/lib/$statedir" ] &&
	     [ "$(stat -c "%u %a" "$work/$r/var/lib/$statedir")" = "$uid 750" ]' \
	    'ls -ln "$work/$r/var/lib"'
done
members() { awk -F: -v g="$1" '$1 == g { print $3 ":" $4 }' "$work/pi/etc/group"; }
check "pi: the existing gpio and i2c keep their numbers and members" \
    'case $(members gpio) in 997:*pi*) ;; *) false;; esac &&
     case $(members i2c) in 994:*pi*) ;; *) false;; esac' \
    'cat "$work/pi/etc/group"'

# --- a second install keeps a changed configuration
echo '# changed by its user' >> "$dest/$conf_rel"
cp "$dest/$conf_rel" "$work/conf.changed"
check "a second make install" \
    'inst "$dest" install PREFIX=/usr > "$work/install2.log" 2>&1' \
    'cat "$work/install2.log"'
check "a second install keeps the changed configuration, and says so" \
    'cmp -s "$work/conf.changed" "$dest/$conf_rel" &&
     grep -q "keeping .*legwatchd.conf" "$work/install2.log"'

# --- uninstall takes back all but the configuration
check "make uninstall" \
    'inst "$dest" uninstall PREFIX=/usr > "$work/uninstall.log" 2>&1' \
    'cat "$work/uninstall.log"'
check "uninstall leaves only the changed configuration" \
    '[ "$(files "$dest")" = "$conf_rel" ] &&
     cmp -s "$work/conf.changed" "$dest/$conf_rel"' \
    'echo left $(files "$dest")'

finish
