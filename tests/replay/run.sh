#!/bin/sh
#
# replay/run.sh: a fast replay, a paced one (--speed 1000 and 100000)
# and, by way of them, a live run are one engine: the same recording
# gives the same events (every line, byte for byte: types, times, counts,
# summaries, reminders) however it is driven.  Also the nights of a
# recording are split by the night window: where it crosses night.end,
# over several days, and across a gap in the data however long.
#
# usage: replay/run.sh [--set check|bench] BIN_DIR WORK_DIR
#
# The check set (make check): every night of the accuracy check set
# (both legs of a two-legged night, the immobilization test of one that
# has it, as the accuracy check ran them) and the nights made here, each
# fast and paced at both speeds, but for two at --speed 1000, only in the
# bench set: three days without data (4 minutes) and the 30 hours (108 s,
# where the rest take 11 s at most; the 2 h night across night.end has
# its split paced at 1000 too).  The bench set (make check-replay, before
# a release): the accuracy bench set's nights as well, and two days
# instead of 30 hours.  Paced replays mostly sleep: REPLAY_JOBS (8) run
# at once.

set -u
export TZ=UTC
prog=replay/run.sh
top=$(cd "$(dirname "$0")/../.." && pwd)

usage() {
	echo "usage: $prog [--set check|bench] BIN_DIR WORK_DIR" >&2
	exit 64
}

set_name=check
case ${1:-} in
--set)	[ $# -ge 2 ] || usage; set_name=$2; shift 2 ;;
--set=*) set_name=${1#--set=}; shift ;;
esac
[ $# -eq 2 ] || usage
case $set_name in check|bench) ;; *) usage ;; esac
bin=$1
mkdir -p "$2" || exit 73
work=$(cd "$2" && pwd) || exit 73
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# Each night is replayed with the options its accuracy run had (.args:
# its configuration, --sit, one --replay per leg), at SPEED (0: as fast
# as it can), its events to OUT.  replay NAME SPEED OUT
replay() {
	name=$1 speed=$2 out=$3
	set --
	if [ "$speed" != 0 ]; then set -- --speed "$speed"; fi
	# One option a line, split on purpose (no blanks in $work).
	# shellcheck disable=SC2046
	timeout 1800 "$bin/legwatchd" $(cat "$work/nights/$name.args") "$@" \
	    --events "$out" 2>"$out.log"
}

# same NAME SPEED: the paced replay gave the fast replay's events.
same() {
	name=$1 speed=$2
	rc=$(cat "$work/$name.$speed.rc" 2>/dev/null)
	if [ "$rc" != 0 ]; then
		fail "$name --speed $speed: exit ${rc:-?}: $(tail -n 2 \
		    "$work/$name.$speed.log")"
	elif cmp -s "$work/$name.fast" "$work/$name.$speed"; then
		pass
	else
		fail "$name --speed $speed: other events than fast:" \
		    "$(diff "$work/$name.fast" "$work/$name.$speed" | head -n 4)"
	fi
}

summaries() { grep -c '"event_type":"night_summary"' "$1"; }
# longest FILE: the longest night_summary's duration, whole seconds.
longest() {
	grep -o '"event_type":"night_summary".*"duration":[0-9.]*' "$1" |
	    sed 's/.*"duration"://' | sort -n | tail -n 1 | cut -d. -f1
}

# The accuracy sets' nights (recordings, configurations, options): the
# check set, and for --set bench the bench set too.
rm -rf "$work/nights"
sets=check
[ "$set_name" = bench ] && sets="check bench"
for s in $sets; do
	sh "$top/tests/sim/accuracy.sh" --set "$s" "$bin" "$work/nights" \
	    > "$work/accuracy-$s.out" 2>&1
	# Every night of the set, by its tally: N passed, M failed.
	want=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' \
	    "$work/accuracy-$s.out" | awk '{ print $1 + $2 }')
	prefix=night
	[ "$s" = bench ] && prefix=bench
	got=0
	for f in "$work/nights/$prefix"[0-9]*.args; do
		[ -f "$f" ] && got=$((got + 1))
	done
	if [ "${want:-0}" -gt 0 ] && [ "$got" -eq "$want" ]; then pass
	else fail "the $s set: $got nights of ${want:-?}:" \
	    "$(tail -n 3 "$work/accuracy-$s.out")"
	fi
done

# Nights that cross night.end (07:00): from 05:30, and over two days.
start=1795034700	# legsim's: 2026-11-18 20:45 UTC
"$bin/legsim" --seed 301 --hours 2 --rate 50 --profile rls \
    --start $((start + 8 * 3600 + 45 * 60)) --out "$work/nights/dawn.csv" \
    --truth /dev/null 2>/dev/null || fail "legsim dawn"
hours=30
[ "$set_name" = bench ] && hours=48
"$bin/legsim" --seed 302 --hours "$hours" --rate 25 --profile mixed \
    --out "$work/nights/days.csv" --truth /dev/null 2>/dev/null ||
    fail "legsim days"
# A night, three days with no data, and another night.
"$bin/legsim" --seed 303 --hours 1 --rate 50 --profile rls \
    --out "$work/gap-a.csv" --truth /dev/null 2>/dev/null &&
"$bin/legsim" --seed 304 --hours 1 --rate 50 --profile rls \
    --start $((start + 3 * 86400 + 3600)) --out "$work/gap-b.csv" \
    --truth /dev/null 2>/dev/null || fail "legsim gap"
{ cat "$work/gap-a.csv"; tail -n +2 "$work/gap-b.csv"; } \
    > "$work/nights/gap.csv"
for name in dawn days gap; do
	printf -- '--replay\n%s\n' "$work/nights/$name.csv" \
	    > "$work/nights/$name.args"
done

# Every night fast, then paced at both speeds, several at a time: a
# paced replay mostly sleeps.  The longest recordings start first.
nights=$(for f in "$work/nights"/*.args; do basename "$f" .args; done)
rm -f "$work"/*.rc
for name in $nights; do
	if ! replay "$name" 0 "$work/$name.fast"; then
		fail "$name: the fast replay exited $?: $(tail -n 2 \
		    "$work/$name.fast.log")"
	fi
done
# span NAME: the seconds from a night's first sample to its last.
span() {
	for f in "$work/nights/$1"*.csv; do break; done
	echo "$(tail -n 1 "$f" | cut -d, -f1) $(sed -n 2p "$f" | cut -d, -f1)" |
	    awk '{ printf "%d\n", $1 - $2 }'
}
# The paced replays, the longest first.
for name in $nights; do
	s=$(span "$name")
	echo "$((s / 1000)) $name 1000"
	echo "$((s / 100000)) $name 100000"
done | sort -rn | while read -r _ name speed; do
	case $set_name/$name/$speed in
	check/gap/1000|check/days/1000) continue ;;
	esac
	echo "$name $speed"
done > "$work/paced"
while read -r name speed; do
	echo "$work/nights/$name.args $speed $work/$name.$speed"
done < "$work/paced" | xargs -P "${REPLAY_JOBS:-8}" -L 1 sh -c '
	# shellcheck disable=SC2046
	timeout 1800 "$0" $(cat "$1") --speed "$2" --events "$3" 2>"$3.log"
	echo $? > "$3.rc"' "$bin/legwatchd"
while read -r name speed; do same "$name" "$speed"; done < "$work/paced"
echo "replay: $(echo "$nights" | wc -l) nights fast, $(wc -l < "$work/paced")" \
    "paced replays"

# The split itself: each night its own summary, none spanning a gap.
[ "$(summaries "$work/dawn.fast")" -eq 2 ] && pass ||
    fail "dawn: $(summaries "$work/dawn.fast") summaries, want 2"
want=$(( hours == 30 ? 2 : 3 ))
[ "$(summaries "$work/days.fast")" -eq "$want" ] && pass ||
    fail "days: $(summaries "$work/days.fast") summaries, want $want"
[ "$(summaries "$work/gap.fast")" -eq 2 ] &&
    [ "$(longest "$work/gap.fast")" -le 3600 ] && pass ||
    fail "gap: $(grep night_summary "$work/gap.fast")"

# Three years without data: two nights of an hour, not one of 26,000 h.
"$bin/legsim" --seed 305 --hours 1 --rate 25 --profile rls \
    --start $((start + 3 * 365 * 86400)) --out "$work/years-b.csv" \
    --truth /dev/null 2>/dev/null || fail "legsim years"
{ cat "$work/gap-a.csv"; tail -n +2 "$work/years-b.csv"; } \
    > "$work/years.csv"
"$bin/legwatchd" --replay "$work/years.csv" --events "$work/years.events" \
    2>"$work/years.log" || fail "years: exit $?"
if [ "$(summaries "$work/years.events")" -eq 2 ] &&
    [ "$(longest "$work/years.events")" -le 3600 ]; then
	pass
else
	fail "years: $(grep '"night_summary"' "$work/years.events")"
fi

# A fast replay stopped by SIGTERM leaves nothing behind, not even its
# temporary files, and dies of the signal.  The input comes through a
# pipe that stalls, so the signal surely comes while it runs.
rm -rf "$work/term" && mkdir -p "$work/term"
{ head -n 50000 "$work/nights/days.csv"; sleep 2
    tail -n +50001 "$work/nights/days.csv" | head -n 100000; } |
    "$bin/legwatchd" --replay /dev/stdin --events "$work/term/out.jsonl" \
    --report "$work/term/out.svg" --edf "$work/term/out.edf" \
    2>"$work/term.log" &
pid=$!
sleep 1
kill -TERM "$pid"
# Quiet: the shell's own "Terminated" is what the test wants.
{ wait "$pid"; } 2>/dev/null
rc=$?
if [ "$rc" -eq 143 ] && [ -z "$(ls -A "$work/term")" ]; then pass
else fail "SIGTERM in a fast replay: exit $rc, left: $(ls -A "$work/term")"
fi

echo "replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
