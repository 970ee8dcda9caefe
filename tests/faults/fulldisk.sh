#!/bin/sh
# No event lost silently: the state directory's disk is full (a tiny
# tmpfs, in a private mount namespace) at the worst moments, with the
# broker away so that every event must wait in the outbox.  At the end of
# the night and at SIGTERM the daemon writes what it can; what it cannot
# is said (how many, which kinds) and the exit status is 74; every event
# is either in the journal or counted as lost.  A disk with room again
# before the stop: exit 0, every event in the journal.
# usage: tests/faults/fulldisk.sh BUILD_DIR WORK_DIR
set -u
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0 skipped=0
pids=""
mounted=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
trap cleanup EXIT INT TERM
. tests/lib.sh
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

"$build/legsim" --seed 31 --hours 1 --rate 25 --profile rls \
    --out "$work/night.csv" --truth "$work/night.truth" 2>/dev/null
# No broker: a port nobody listens on.
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))

tmpfs_runner
if [ -z "$ns" ]; then
	skip "no private tmpfs here (unshare -m or -rm with mount)"
	echo "fulldisk: $passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# night NAME HOW: a paced night on a 128 KiB tmpfs; HOW is "end" (the
# recording ends with the disk full), "term" (SIGTERM with it full) or
# "freed" (room again just before SIGTERM).  The shell around the daemon
# keeps the namespace for a look at the journal afterwards.
night() {
	name=$1 how=$2
	state=$work/$name.state
	mkdir -p "$state"
	[ "$ns" = env ] && mounted="$mounted $state"
	conf "$work/$name.conf" "$name" "$state" "$work/night.csv" 400
	daemon_on_tmpfs "$name" 128k "$state" "$work/$name.conf" 60
	wait_for 10 "[ \$(cat '$work/$name.events' 2>/dev/null | wc -l) -ge 5 ]"
	if [ "$(stat -f -c %T "$root")" != tmpfs ]; then
		fail "$name: the state directory is not on the test's tmpfs"
		return
	fi
	# Every block of it.
	dd if=/dev/zero of="$root/ballast" bs=1024 2>/dev/null
	check "$name: the full disk is said" "wait_for 10 \"grep -q \
	    'events are kept in memory until it can be written' \
	    '$work/$name.log'\""
	case $how in
	term)
		sleep 1
		kill -TERM "$d" ;;
	freed)
		rm -f "$root/ballast"
		kill -TERM "$d" ;;
	end) ;;
	esac
	wait_for 60 "[ -s '$work/$name.rc' ]"
	rc=$(cat "$work/$name.rc")
	kill "$nsh" 2>/dev/null
	sleep 0.3
	[ "$ns" = env ] && umount "$state"
	total=$(wc -l < "$work/$name.events")
	kept=$(pending "$work/$name.journal")
	lost=$(sed -n 's/.*: \([0-9][0-9]*\) events are lost, never written.*/\1/p' \
	    "$work/$name.log")
	if [ "$how" = freed ]; then
		check "$name: exit 0 ($rc)" "[ '$rc' = 0 ]"
		check "$name: every event in the journal ($kept of $total)" \
		    "[ $kept -eq $total ]"
		check "$name: none said lost" "[ -z '$lost' ]"
	else
		check "$name: exit 74 ($rc)" "[ '$rc' = 74 ]"
		check "$name: the loss is said, by kind" "grep -q \
		    'outbox.jsonl: No space left on device: [0-9]* events are lost, never written ([0-9]* movements, [0-9]* events, [0-9]* cramps or summaries)' \
		    '$work/$name.log'"
		check "$name: every event in the journal or said lost ($kept + ${lost:-?} of $total)" \
		    "[ $kept -gt 0 ] && [ -n '$lost' ] && [ \$(($kept + ${lost:-0})) -eq $total ]"
	fi
	check "$name: no crash or sanitizer report" \
	    "! grep -q 'Sanitizer\|runtime error\|core dumped' '$work/$name.log'"
}

night end end
night term term
night freed freed

echo "fulldisk: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
