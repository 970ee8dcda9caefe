#!/bin/sh
# Faults around a live run with MQTT (issue 7): the state directory's disk
# fills up and empties again, the state directory cannot be written, and a
# burst of SIGHUPs.  Each runs against a real mosquitto broker on a free
# loopback port, with a replay sensor paced like a live night; what a user
# would check is checked: the daemon stays up, says what is wrong once,
# the outbox stays readable, and every event reaches a subscriber once and
# in order (the same as --events).
#
# The full disk is a small tmpfs mounted in a private mount namespace
# (unshare -m, or unshare -rm as a user), so nothing outlives the test and
# the real disk is never filled.  Without either, that part is skipped.
# Clock steps are tested in process (tests/unit/test_faults.c, with the
# fleet) and in the drink scheduler (tests/unit/test_hydration.c):
# CLOCK_REALTIME cannot be stepped for one process (time namespaces move
# only the monotonic clocks).
# usage: tests/faults/run.sh BUILD_DIR WORK_DIR
set -u
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
sim=$build/legsim
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0 skipped=0
pids=""

skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }
# A tmpfs mounted in this namespace (a chroot refuses private ones) goes.
mounted=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
trap cleanup EXIT INT TERM
. tests/lib.sh

# subscribe ID LOG: the device's events and movements, as they come.
subscribe() {
	mosquitto_sub -h 127.0.0.1 -p "$port" -v -q 1 -t "legwatch/$1/event" \
	    -t "legwatch/$1/movement" > "$2" 2>&1 &
	sub=$!; pids="$pids $sub"
	sleep 0.3
}


# journal_ok FILE [TAIL]: every complete line is an outbox record ("E seq
# topic priority {json}" or "A seq") and every event is one of --events
# (EVENTS); with TAIL, an unfinished last line (a write caught halfway by
# the copy) is let be.  Prints what is wrong.
journal_ok() {
	awk -v events="$2" -v tail="${3:-}" '
	BEGIN { while ((getline l < events) > 0) want[l] = 1 }
	{ line[NR] = $0 }
	END {
		bad = 0
		for (i = 1; i <= NR; i++) {
			l = line[i]
			if (l ~ /^A [0-9]+$/) continue
			if (l ~ /^E [0-9]+ (event|movement) [0-2] \{.*\}$/) {
				p = l; sub(/^E [0-9]+ [a-z]+ [0-2] /, "", p)
				if (p in want) continue
			}
			if (i == NR && tail != "" && !complete) continue
			print "line " i ": " substr(l, 1, 80); bad++
		}
		exit bad != 0
	}' complete="$(tail -c 1 "$1" | od -An -c | grep -c '\\n')" "$1"
}

"$sim" --seed 31 --hours 1 --rate 25 --profile rls --out "$work/night.csv" \
    --truth "$work/night.truth" 2>/dev/null
start_broker b1

# --- 1. the state directory's disk fills up during the night, then has
# room again.  How a private tmpfs can be had here, if at all:
tmpfs_runner
if [ -n "$ns" ]; then
	state=$work/state1
	mkdir -p "$state"
	[ "$ns" = env ] && mounted="$mounted $state"
	conf "$work/full.conf" full "$state" "$work/night.csv" 300
	subscribe full "$work/sub1.log"
	# The daemon in its own mount namespace on a 256 KiB tmpfs; the
	# shell around it keeps the namespace for a look at the outbox
	# after the daemon ended.
	daemon_on_tmpfs d1 256k "$state" "$work/full.conf" 30
	d1=$d
	wait_for 10 "[ \$(cat '$work/d1.events' 2>/dev/null | wc -l) -ge 10 ]"
	# Never fill anything but the tmpfs, and at most its size.
	if [ "$(stat -f -c %T "$root")" = tmpfs ]; then
		dd if=/dev/zero of="$root/ballast" bs=4096 count=80 \
		    2>/dev/null
		check "a full disk is logged" "wait_for 5 \"grep -q \
		    'outbox.jsonl: No space left on device; events are kept in memory until it can be written' \
		    '$work/d1.log'\""
		full_at=$(wc -l < "$work/d1.events")
		wait_for 5 "[ \$(wc -l < '$work/d1.events') -ge $((full_at + 15)) ]"
		check "detection goes on with the disk full" \
		    "[ \$(wc -l < '$work/d1.events') -ge $((full_at + 15)) ]"
		check "the daemon runs on with the disk full" "kill -0 $d1"
		check "events still reach the subscriber with the disk full" \
		    "[ \$(payloads full '$work/sub1.log' | wc -l) -gt $full_at ]"
		cp "$root/outbox.jsonl" "$work/outbox1.full"
		check "the outbox is readable with the disk full" \
		    "journal_ok '$work/outbox1.full' '$work/d1.events' tail"
		rm -f "$root/ballast"
		freed_at=$(wc -l < "$work/d1.events")
	else
		fail "the state directory is not on the test's tmpfs"
	fi
	wait_for 30 "[ -s '$work/d1.rc' ]"
	check "daemon 1 exit status" "[ \"\$(cat '$work/d1.rc')\" = 0 ]"
	kill "$nsh" 2>/dev/null
	sleep 0.3
	[ "$ns" = env ] && umount "$state"
	kill "$sub" 2>/dev/null
	payloads full "$work/sub1.log" > "$work/got1.jsonl"
	check "events after the full disk ($full_at before, $((freed_at - full_at)) during)" \
	    "[ \$(wc -l < '$work/d1.events') -gt $((freed_at + 5)) ]"
	# Once each time it fills, not for every event: the outbox, rewritten
	# smaller once most of it is acknowledged, can free room while the
	# ballast is there, and then fill it again.
	fulls=$(grep -c 'kept in memory' "$work/d1.log")
	agains=$(grep -c 'outbox.jsonl: writing again' "$work/d1.log")
	check "the full disk is said once each time ($fulls, $agains again)" \
	    "[ $fulls -ge 1 ] && [ $fulls -le 3 ] && [ $fulls -eq $agains ]"
	check "writing again is said" \
	    "grep -q 'outbox.jsonl: writing again' '$work/d1.log'"
	check "through a full disk: every event, once each, in order" \
	    "cmp -s '$work/d1.events' '$work/got1.jsonl'"
	check "the outbox is readable after the night" \
	    "journal_ok '$work/d1.journal' '$work/d1.events'"
	check "and nothing waits in it" \
	    "[ \$(pending '$work/d1.journal') -eq 0 ]"
	check "no crash or sanitizer report" \
	    "! grep -q 'Sanitizer\|runtime error\|core dumped' '$work/d1.log'"
else
	skip "no private tmpfs here (unshare -m or -rm with mount): the full disk"
fi

# --- 1b. a state directory the daemon may not write: a clear error that
# names the path, an exit status, no crash.
if [ "$(id -u)" -eq 0 ]; then
	# All of it where that user can reach it: the checkout may be in
	# root's home (CI's is).
	ro=$(mktemp -d /tmp/legwatch-ro.XXXXXX)
	cp "$bin" "$bin-live" "$work/night.csv" "$ro/"
	conf "$ro/ro.conf" ro "$ro/state" "$ro/night.csv" 300
	mkdir -p "$ro/state"
	chown 65534:65534 "$ro/state"
	chmod 0555 "$ro/state"
	chmod -R a+rX "$ro"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$ro/legwatchd" -c "$ro/ro.conf" 2> "$work/dro.log" > /dev/null
	rc=$?
	rodir=$ro/state
else
	conf "$work/ro.conf" ro "$work/ro" "$work/night.csv" 300
	mkdir -p "$work/ro"
	chmod 0555 "$work/ro"
	"$bin" -c "$work/ro.conf" 2> "$work/dro.log" > /dev/null
	rc=$?
	rodir=$work/ro
fi
check "an unwritable state directory: exit 73 ($rc)" "[ $rc -eq 73 ]"
check "the error names the path and why" \
    "grep -q '$rodir/lock: Permission denied' '$work/dro.log'"
[ "$(id -u)" -eq 0 ] && rm -rf "$ro"
if [ "$ns" = "unshare -m" ] || [ "$ns" = env ]; then
	mkdir -p "$work/rofs"
	conf "$work/rofs.conf" rofs "$work/rofs" "$work/night.csv" 300
	[ "$ns" = env ] && mounted="$mounted $work/rofs"
	$ns sh -c "mount --bind '$work/rofs' '$work/rofs' &&
	    mount -o remount,bind,ro '$work/rofs' &&
	    exec '$bin' -c '$work/rofs.conf'" 2> "$work/drofs.log" > /dev/null
	rc=$?
	[ "$ns" = env ] && umount "$work/rofs" && mounted=""
	check "a read-only file system: exit 73 ($rc)" "[ $rc -eq 73 ]"
	check "the error names the path and why" \
	    "grep -q '$work/rofs/lock: Read-only file system' '$work/drofs.log'"
else
	skip "no read-only bind mount here"
fi

# --- 2. a burst of 200 SIGHUPs while the night goes on: it stays up,
# reloads, and every event arrives once, in order.
conf "$work/hup.conf" hup "$work/state2" "$work/night.csv" 300
subscribe hup "$work/sub2.log"
"$bin" -c "$work/hup.conf" --events "$work/ev2.jsonl" 2> "$work/d2.log" &
d2=$!; pids="$pids $d2"
wait_for 10 "[ \$(cat '$work/ev2.jsonl' 2>/dev/null | wc -l) -ge 10 ]"
i=0
while [ $i -lt 200 ]; do kill -HUP "$d2" 2>/dev/null; i=$((i + 1)); done
check "alive after 200 SIGHUPs" "kill -0 $d2"
check "reloads logged" "wait_for 3 \"grep -q 'configuration reloaded' '$work/d2.log'\""
wait "$d2"
check "daemon 2 exit status" "[ $? -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
payloads hup "$work/sub2.log" > "$work/got2.jsonl"
check "through the SIGHUPs: every event, once each, in order" \
    "cmp -s '$work/ev2.jsonl' '$work/got2.jsonl'"
check "no reload refused" "! grep -q 'reload refused' '$work/d2.log'"

# --- 2b. the same with the MQTT settings changing at each reload: a new
# client each time.  QoS 1 may repeat an event whose acknowledgement the
# old client did not see; none is lost and the order holds.
conf "$work/hupb.conf" hupb "$work/state2b" "$work/night.csv" 300
sed 's/keepalive = 5;/keepalive = 6;/' "$work/hupb.conf" > "$work/hupb.conf.1"
cp "$work/hupb.conf" "$work/hupb.conf.0"
subscribe hupb "$work/sub2b.log"
"$bin" -c "$work/hupb.conf" --events "$work/ev2b.jsonl" 2> "$work/d2b.log" &
d2=$!; pids="$pids $d2"
wait_for 10 "[ \$(cat '$work/ev2b.jsonl' 2>/dev/null | wc -l) -ge 10 ]"
i=0
while [ $i -lt 200 ]; do
	cp "$work/hupb.conf.$((i % 2))" "$work/hupb.conf.tmp"
	mv "$work/hupb.conf.tmp" "$work/hupb.conf"
	kill -HUP "$d2" 2>/dev/null
	i=$((i + 1))
done
check "alive after 200 SIGHUPs with new clients" "kill -0 $d2"
wait "$d2"
check "daemon 2b exit status" "[ $? -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
payloads hupb "$work/sub2b.log" > "$work/got2b.jsonl"
awk '!seen[$0]++' "$work/got2b.jsonl" > "$work/got2b.first"
check "through new clients: every event, in order" \
    "cmp -s '$work/ev2b.jsonl' '$work/got2b.first'"
echo "  2b: $(grep -c 'configuration reloaded' "$work/d2b.log") reloads," \
    "$(($(wc -l < "$work/got2b.jsonl") - $(wc -l < "$work/got2b.first"))) events repeated"

echo "faults: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
