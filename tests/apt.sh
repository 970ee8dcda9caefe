#!/bin/sh
# Debian packages for the build and the tests, through apt-get, so that a
# mirror caught in the middle of a sync does not fail a run: a Packages
# file that does not match its Release file makes apt-get update fail for
# a few minutes, most often for a list the run does not even need.
#
#   tests/apt.sh [--chroot DIR] update
#	apt-get update, tried 3 times, 30 s and then 90 s apart (once,
#	when that has failed within the hour).  When all fail it says so
#	and exits 0: apt keeps the lists it had, and the install that
#	follows says whether they serve.
#   tests/apt.sh [--chroot DIR] install PKG...
#	installs those of PKG that are not installed (none: nothing is
#	done), with --no-install-recommends; quiet unless it fails.
#   tests/apt.sh [--chroot DIR] get ARG...
#	apt-get ARG... as it is.
#
# An install or a get that fails is tried again after an update, 3 times
# in all.  --chroot DIR runs apt-get (and dpkg-query) inside DIR, with a
# clean environment.  sudo is used when not root.  Each apt-get has
# APT_TIMEOUT seconds (default 900).  The exit status is apt-get's last.
set -u

timeout_s=${APT_TIMEOUT:-900}
root=
if [ "${1:-}" = --chroot ]; then
	[ $# -ge 2 ] || { echo "usage: $0 [--chroot DIR] update|install|get" \
	    "..." >&2; exit 2; }
	root=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [--chroot DIR] update|install|get ..." \
    >&2; exit 2; }
action=$1
shift

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi

# A signal stops the apt-get in hand at once, not after it ends.
child=
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; exit 143' \
    TERM INT HUP

in_place() {
	if [ -n "$root" ]; then
		$sudo chroot "$root" env -i \
		    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		    DEBIAN_FRONTEND=noninteractive "$@"
	else
		$sudo env DEBIAN_FRONTEND=noninteractive "$@"
	fi
}

apt() {
	in_place timeout "$timeout_s" apt-get "$@" &
	child=$!
	wait "$child" && st=0 || st=$?
	child=
	return "$st"
}

pause() {
	sleep "$1" &
	child=$!
	wait "$child" || :
	child=
}

where=
[ -z "$root" ] || where=" in $root"

# A mirror that stays broken is not waited for again within the hour:
# one run calls this script many times.
stamp=${TMPDIR:-/tmp}/legwatch-apt-update-failed$(echo "${root:-/}" |
    tr -c 'A-Za-z0-9\n' _)
update() {
	waits="30 90 -"
	[ -n "$(find "$stamp" -mmin -60 2>/dev/null)" ] && waits=-
	for wait_s in $waits; do
		if apt update -qq; then
			rm -f "$stamp"
			return 0
		fi
		[ "$wait_s" = - ] && break
		echo "apt: apt-get update$where failed; again in $wait_s s" >&2
		pause "$wait_s"
	done
	touch "$stamp" 2>/dev/null || :
	echo "apt: apt-get update$where failed; going on with the" \
	    "package lists there are" >&2
	return 0
}

# get ARG...: apt-get ARG..., after an update when it failed before.
get() {
	for wait_s in 30 90 -; do
		apt "$@" && return 0
		[ "$wait_s" = - ] && return "$st"
		echo "apt: apt-get $1$where failed; again in $wait_s s," \
		    "after an update" >&2
		pause "$wait_s"
		update
	done
}

installed() {
	in_place dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
	    grep -q 'ok installed'
}

case $action in
update)
	update
	;;
install)
	missing=
	for p in "$@"; do
		installed "$p" || missing="$missing $p"
	done
	[ -n "$missing" ] || exit 0
	echo "Installing Debian packages$where:$missing"
	update
	log=$(mktemp) || exit 1
	# shellcheck disable=SC2086
	if get install -y -qq --no-install-recommends $missing > "$log" 2>&1
	then
		rm -f "$log"
	else
		st=$?
		tail -n 30 "$log" >&2
		rm -f "$log"
		echo "apt: cannot install$missing$where" >&2
		exit "$st"
	fi
	;;
get)
	get "$@"
	;;
*)
	echo "usage: $0 [--chroot DIR] update|install|get ..." >&2
	exit 2
	;;
esac
