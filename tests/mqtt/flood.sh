#!/bin/sh
# A flood of good commands against a real broker: 100,000 snoozes and
# glasses as fast as mosquitto_pub sends them.  Commands that write to
# disk are limited (a burst, then one a second; the rest ignored and
# counted in one line a minute), the state saves they ask for come at
# most once a second, and the night goes on: every event reaches a
# subscriber once, in order.
# usage: tests/mqtt/flood.sh BUILD_DIR WORK_DIR
set -u
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
. tests/lib.sh

"$build/legsim" --seed 23 --hours 1 --rate 25 --profile rls \
    --out "$work/night.csv" --truth "$work/night.truth" 2>/dev/null
start_broker b
conf "$work/flood.conf" flood "$work/state" "$work/night.csv" 200
mosquitto_sub -h 127.0.0.1 -p "$port" -v -q 1 -t 'legwatch/flood/event' \
    -t 'legwatch/flood/movement' > "$work/sub.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
"$bin" -c "$work/flood.conf" --events "$work/ev.jsonl" 2> "$work/d.log" &
d=$!; pids="$pids $d"
wait_for 5 "grep -q 'connected' '$work/d.log'"
start=$(date +%s)
awk 'BEGIN { for (i = 0; i < 50000; i++) print "PRESS" }' |
    mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/flood/set/snooze -l
awk 'BEGIN { for (i = 0; i < 50000; i++) print "PRESS" }' |
    mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/flood/set/drank -l
secs=$(($(date +%s) - start + 1))
check "alive after 100,000 commands" "kill -0 $d"
wait "$d"
rc=$?
end=$(date +%s)
check "exit 0 ($rc)" "[ $rc -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
payloads flood "$work/sub.log" > "$work/got.jsonl"
took=$((end - start + 1))
acted=$(grep -c 'reminders snoozed\|a glass logged\|a glass from' "$work/d.log")
check "at most a burst and one a second acted on ($acted in ${took} s)" \
    "[ $acted -le $((10 + took + 1)) ]"
check "some acted on ($acted)" "[ $acted -ge 1 ]"
check "the rest said ignored, counted" \
    "grep -q 'commands come faster than one a second: [0-9]* ignored' '$work/d.log'"
lines=$(wc -l < "$work/d.log")
check "the log stays short ($lines lines)" "[ $lines -lt $((took + 60)) ]"
check "through the flood: every event, once each, in order" \
    "cmp -s '$work/ev.jsonl' '$work/got.jsonl'"
echo "  flood: 100000 commands sent in ${secs} s; $acted acted on, $lines log lines"
echo "flood: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
