#!/bin/sh
# The command line as a user meets it (design.md 3.1-3.4): recordings good
# and bad, configurations good and bad, exit codes and messages.
# usage: tests/cli.sh BUILD_DIR WORK_DIR
set -u
# Night windows are local time: the same everywhere for the tests.
export TZ=UTC
bin=$1/legwatchd
sim=$1/legsim
work=$2
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE STDERR_PATTERN -- command...: exit code, a message, and
# nothing at all on stdout when it fails.
expect() {
	code=$1 pattern=$2; shift 3
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$*: exit $rc, want $code: $(head -c 300 "$work/err")"
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/err"; then
		fail "$*: stderr lacks '$pattern': $(head -c 300 "$work/err")"
	elif [ "$code" -ne 0 ] && [ -s "$work/out" ]; then
		fail "$*: failed but wrote to stdout: $(head -c 200 "$work/out")"
	else
		pass
	fi
}

write() { printf "$2" > "$work/$1"; }

# --- bad recordings: file and line named, exit 65, stdout empty
good_rows='1795000000.00,0,0,1\n1795000000.02,0,0,1\n'
write unknown.csv 't,x,y,z\n1,0,0,1\n'
expect 65 "unknown.csv:1: unknown header 't,x,y,z'" -- \
    "$bin" --replay "$work/unknown.csv" --events -
write nonnumber.csv "t,ax,ay,az\n${good_rows}1795000000.04,0,zero,1\n"
expect 65 "nonnumber.csv:4: ay: not a number: 'zero'" -- \
    "$bin" --replay "$work/nonnumber.csv" --events -
write nan.csv "t,ax,ay,az\n${good_rows}1795000000.04,NaN,0,1\n"
expect 65 "nan.csv:4: ax: not a number: 'NaN'" -- \
    "$bin" --replay "$work/nan.csv" --events -
write inf.csv "t,ax,ay,az\n${good_rows}1795000000.04,0,0,inf\n"
expect 65 "inf.csv:4: az: not a number: 'inf'" -- \
    "$bin" --replay "$work/inf.csv" --events -
write absurd.csv "t,ax,ay,az\n${good_rows}1795000000.04,0,0,1e6\n"
expect 65 "absurd.csv:4: az: 1e+06 g is outside" -- \
    "$bin" --replay "$work/absurd.csv" --events -
write absurdtemp.csv "t,temp_c\n1795000000,20\n1795000060,999\n"
expect 65 "absurdtemp.csv:3: temp_c: 999 is outside" -- \
    "$bin" --replay "$work/absurdtemp.csv" --events -
write badtime.csv "t,ax,ay,az\n-1795000000,0,0,1\n"
expect 65 "badtime.csv:2: t: -1795000000 is not a Unix time" -- \
    "$bin" --replay "$work/badtime.csv" --events -
write backwards.csv "t,ax,ay,az\n${good_rows}1795000000.01,0,0,1\n"
expect 65 "backwards.csv:4: time goes backwards" -- \
    "$bin" --replay "$work/backwards.csv" --events -
write truncated.csv "t,ax,ay,az\n${good_rows}1795000000.04,0,0"
expect 65 "truncated.csv:4: truncated line" -- \
    "$bin" --replay "$work/truncated.csv" --events -
write columns.csv "t,ax,ay,az\n${good_rows}1795000000.04,0,0\n"
expect 65 "columns.csv:4: 3 columns where the header has 4" -- \
    "$bin" --replay "$work/columns.csv" --events -
write empty.csv ''
expect 65 "empty.csv: empty file" -- \
    "$bin" --replay "$work/empty.csv" --events -
write header.csv 't,ax,ay,az\n'
expect 65 "header.csv:1: no samples after the header" -- \
    "$bin" --replay "$work/header.csv" --events -
write badmotion.csv 't,motion\n1795000000,1\n1795000001,7\n'
expect 65 "badmotion.csv:3: motion: 7 is not 0 or 1" -- \
    "$bin" --replay "$work/badmotion.csv" --events -
expect 66 "nosuch.csv: No such file" -- \
    "$bin" --replay "$work/nosuch.csv" --events -
# A directory is no recording: missing input, as a file that is not there.
expect 66 "Is a directory" -- "$bin" --replay "$work" --events -
# Old Mac line endings (CR alone) are named, not called a truncated line.
write cronly.csv 't,ax,ay,az\r1795000000.00,0,0,1\r1795000000.02,0,0,1\r'
expect 65 "cronly.csv:1: lines end with a carriage return alone" -- \
    "$bin" --replay "$work/cronly.csv" --events -
# A header's control bytes are shown escaped, never sent to the terminal.
write escape.csv 't,\033]0;owned\007temp\n1795000000,20\n'
expect 65 "unknown header 't,\\\\x1b]0;owned\\\\x07temp'" -- \
    "$bin" --replay "$work/escape.csv" --events -
if LC_ALL=C grep -q "$(printf '[\033\007]')" "$work/err"; then
	fail "raw control bytes in the message: $(od -c "$work/err" | head -n 3)"
else pass; fi
head -c 3000 /dev/urandom > "$work/random.csv"
expect 65 "random.csv:" -- "$bin" --replay "$work/random.csv" --events -

# A bad row deep in a long night: still nothing on stdout, no events file.
"$sim" --seed 3 --hours 0.2 --rate 50 --profile rls --out "$work/long.csv" \
    --truth "$work/long.truth" || fail "legsim"
cp "$work/long.csv" "$work/longbad.csv"
echo "1795999999.000,0,oops,1" >> "$work/longbad.csv"
rows=$(wc -l < "$work/longbad.csv")
expect 65 "longbad.csv:$rows: ay: not a number" -- \
    "$bin" --replay "$work/longbad.csv" --events -
expect 65 "longbad.csv:$rows" -- \
    "$bin" --replay "$work/longbad.csv" --events "$work/longbad.events"
if [ -e "$work/longbad.events" ]; then fail "bad input left an events file"
else pass; fi

# --- good recordings: CRLF, comments, blank lines, a byte order mark
printf '\357\273\277t,motion\n  # an indented comment\n1795000000,1\n1795000002,0\n' \
    > "$work/bom.csv"
expect 0 "" -- "$bin" --replay "$work/bom.csv" --events "$work/bom.events"
grep -q '"duration":2.0' "$work/bom.events" && pass || fail "BOM file"
printf '# recorded by hand\r\nt,ax,ay,az\r\n' > "$work/crlf.csv"
awk 'NR > 1 { printf "%s\r\n", $0 } NR == 500 { print "# a comment" }' \
    "$work/long.csv" >> "$work/crlf.csv"
expect 0 "" -- "$bin" --replay "$work/crlf.csv" --events "$work/crlf.events"
"$bin" --replay "$work/long.csv" --events "$work/long.events" 2>/dev/null
if [ "$(sed 's/"sensor":"long"/"sensor":"crlf"/' "$work/long.events")" = \
    "$(cat "$work/crlf.events")" ]; then pass
else fail "CRLF and comments changed the events"; fi
if [ "$(grep -c leg_movement "$work/long.events")" -gt 10 ]; then pass
else fail "the rls night gave no leg movements"; fi
if tail -n 1 "$work/long.events" | grep -q '"event_type":"night_summary"'
then pass; else fail "the last event is not the night summary"; fi
# Every line is a JSON object with the contract's time format.
if grep -vq '^{"event_type":"[a-z_]*","time":"20[0-9-]*T[0-9:]*\.[0-9][0-9][0-9]Z"' \
    "$work/long.events"; then fail "an event line is off the contract"
else pass; fi

# --- a recording past the end of the night window: a summary for each
"$sim" --seed 5 --hours 1 --rate 25 --profile rls --start 1795071000 \
    --out "$work/morning.csv" --truth "$work/morning.truth" 2>/dev/null
expect 0 "2 of 2" -- "$bin" --replay "$work/morning.csv" \
    --events "$work/morning.events"
if [ "$(grep -c night_summary "$work/morning.events")" -eq 2 ] &&
    grep night_summary "$work/morning.events" | head -n 1 |
    grep -q '"time":"2026-11-19T07:00:00'; then pass
else fail "no summary at the end of the night window"; fi

# --- several recordings at once: two legs, a motion sensor, a thermometer
"$sim" --seed 4 --hours 0.2 --rate 25 --profile rls --out "$work/left.csv" \
    --truth "$work/left.truth" --temp-out "$work/bedroom.csv" || fail legsim
write pir.csv 't,motion\n1795034800.0,1\n1795034801.5,0\n1795034830.0,1\n1795034832.0,0\n1795034860.0,1\n1795034860.2,0\n'
expect 0 "" -- "$bin" --replay "$work/long.csv" --replay "$work/left.csv" \
    --replay "$work/pir.csv" --replay "$work/bedroom.csv" \
    --events "$work/multi.events"
for s in long left pir; do
	if grep -q "\"sensor\":\"$s\"" "$work/multi.events"; then pass
	else fail "no events from sensor $s"; fi
done
if grep '"sensor":"pir"' "$work/multi.events" | grep -q '"duration":1.5,'
then pass; else fail "the motion sensor's 1.5 s movement is missing"; fi
if tail -n 1 "$work/multi.events" | grep -q '"temp_min_c":[0-9]'; then pass
else fail "the summary has no temperature"; fi

# Recordings whose names would be the same get names of their own.
mkdir -p "$work/x"
cp "$work/pir.csv" "$work/a-3.csv"
cp "$work/pir.csv" "$work/a.csv"
cp "$work/pir.csv" "$work/x/a.csv"
expect 0 "" -- "$bin" --replay "$work/a-3.csv" --replay "$work/a.csv" \
    --replay "$work/x/a.csv" --events "$work/names.events"
names=$(grep '"event_type":"leg_movement"' "$work/names.events" |
    sed 's/.*"sensor":"\([^"]*\)".*/\1/' | sort | uniq -c | tr -s ' \n' ' ')
if [ "$names" = " 2 a 2 a-2 2 a-3 " ]; then pass
else fail "movements by sensor of a-3.csv, a.csv, x/a.csv: '$names'"; fi

# --- where events cannot go: said at once, exit 73
expect 73 "nosuchdir" -- "$bin" --replay "$work/long.csv" \
    --events "$work/nosuchdir/x.jsonl"
# --- a recording too slow for the detector is not silently "normal"
awk -F, 'NR == 1 || NR % 50 == 2' "$work/long.csv" > "$work/slow.csv"
expect 0 "too far apart" -- "$bin" --replay "$work/slow.csv" --events /dev/null
# Events to a device or a pipe are written to it, never renamed over it
# (as root that would have replaced /dev/null with a file).
if [ -c /dev/null ]; then pass; else fail "/dev/null is still a device"; fi
mkfifo "$work/events.fifo"
# Bounded: a daemon that never opens the FIFO must not hang the tests.
timeout 60 cat "$work/events.fifo" > "$work/from-fifo.jsonl" &
"$bin" --replay "$work/long.csv" --events "$work/events.fifo" 2>/dev/null
wait
"$bin" --replay "$work/long.csv" --events "$work/direct.jsonl" 2>/dev/null
if [ -p "$work/events.fifo" ] && [ -s "$work/from-fifo.jsonl" ] &&
    cmp -s "$work/from-fifo.jsonl" "$work/direct.jsonl"; then pass
else fail "events through a FIFO"; fi

# --- --speed: paced like a live run, same events
head -n 1501 "$work/long.csv" > "$work/short.csv"
expect 0 "" -- "$bin" --replay "$work/short.csv" --speed 100 \
    --events "$work/paced.events"
"$bin" --replay "$work/short.csv" --events "$work/fast.events" 2>/dev/null
if cmp -s "$work/paced.events" "$work/fast.events"; then pass
else fail "--speed changed the events"; fi
expect 64 "speed" -- "$bin" --replay "$work/short.csv" --speed fast
expect 64 "speed" -- "$bin" --replay "$work/short.csv" --speed -1
expect 64 "speed" -- "$bin" --replay "$work/short.csv" --speed 1e-300

# --- command line
expect 0 "" -- "$bin" --help
grep -q -- "--replay FILE" "$work/out" && pass || fail "--help lacks --replay"
expect 0 "" -- "$bin" --version
grep -q "^legwatchd [0-9]" "$work/out" && pass || fail "--version"
# --sit: a local time of the replayed data; a whole hour is valid, a
# recording that ends before the hour is up gives it as too short.
expect 64 "--sit: '7:30' is not a local time HH:MM" -- "$bin" \
    --replay "$work/short.csv" --sit 7:30
expect 64 "--sit: '24:00'" -- "$bin" --replay "$work/short.csv" --sit 24:00
expect 64 "--sit goes with --replay" -- "$bin" --sit 21:00
"$sim" --seed 5 --hours 1.7 --rate 25 --profile quiet --sit \
    --out "$work/sit.csv" --truth "$work/sit.truth" 2>/dev/null || fail legsim
sit=$(sed -n 's/^{"type":"sit","start":\([0-9]*\).*/\1/p' "$work/sit.truth")
expect 0 "" -- "$bin" --replay "$work/sit.csv" --events "$work/sit.events" \
    --sit "$(date -u -d "@$sit" +%H:%M)"
if grep '"sit_result"' "$work/sit.events" | grep -q "\"start\":$sit\.0,.*\"duration\":3600\.0,.*\"valid\":true}"; then pass
else fail "--sit: no valid hour: $(grep sit_result "$work/sit.events")"; fi
# Ten minutes of the hour lost from the recording: no test.
awk -F, -v a=$((sit + 600)) -v b=$((sit + 1200)) \
    'NR == 1 || !($1 >= a && $1 < b)' "$work/sit.csv" > "$work/sitgap.csv"
expect 0 "" -- "$bin" --replay "$work/sitgap.csv" \
    --events "$work/sitgap.events" --sit "$(date -u -d "@$sit" +%H:%M)"
if grep '"sit_result"' "$work/sitgap.events" | grep -q "\"start\":$sit\.0,.*\"valid\":false,\"reason\":\"sensor fault\""; then pass
else fail "--sit: a gap in the hour: $(grep sit_result "$work/sitgap.events")"; fi
expect 0 "" -- "$bin" --replay "$work/short.csv" --events "$work/sit2.events" \
    --sit "$(date -u -d "@$(head -n 2 "$work/short.csv" | tail -n 1 | cut -d. -f1)" +%H:%M)"
if grep '"sit_result"' "$work/sit2.events" | grep -q '"valid":false,"reason":"too short"'; then pass
else fail "--sit: a short recording: $(grep sit_result "$work/sit2.events")"; fi
expect 64 "unknown option '--frobnicate'" -- "$bin" --frobnicate
expect 64 "needs an argument" -- "$bin" --replay
expect 64 "unexpected argument" -- "$bin" --replay "$work/short.csv" extra

# --- configuration: file, line and option named, exit 78
expect 0 "" -- "$bin" --check-config -c conf/legwatchd.conf
conf_err() {
	name=$1 text=$2 pattern=$3
	printf "$text" > "$work/$name.conf"
	expect 78 "$name.conf:$pattern" -- "$bin" --check-config \
	    -c "$work/$name.conf"
}
conf_err syntax 'device = {\n  id = ;\n};\n' "2: syntax error"
conf_err unknown 'device = { id = "x"; }\nmovement = {\n  onset_kk = 3.0;\n};\n' \
    "3: movement.onset_kk: unknown option"
conf_err range 'plm = {\n  imi_max_s = 5000.0;\n};\n' \
    "2: plm.imi_max_s: 5000 is outside"
conf_err type 'mqtt = { port = "1883"; };\n' "1: mqtt.port: expected a number"
conf_err whole 'hydration = { goal_ml = 1500.5; };\n' \
    "1: hydration.goal_ml: expected a whole number"
conf_err clock 'night = { start = "25:00"; };\n' \
    "1: night.start: \"25:00\" is not a time"
conf_err sensortype 'sensors = ( { name = "a"; type = "mpu9999"; } );\n' \
    "1: sensors.a.type: unknown type"
conf_err sensordup 'sensors = (\n { name = "a"; type = "replay"; file = "x"; },\n { name = "a"; type = "replay"; file = "y"; } );\n' \
    "3: sensors.a: a second sensor"
conf_err nofile 'sensors = ( { name = "a"; type = "replay"; } );\n' \
    "1: sensors.a.file"
conf_err mount 'sensors = ( { name = "a"; type = "replay"; file = "x"; mount = "pillow"; } );\n' \
    "1: sensors.a.mount"
conf_err hysteresis 'movement = { onset_k = 2.0; offset_k = 3.0; };\n' \
    "1: movement.offset_k: must be below onset_k"
conf_err deviceid 'device = { id = "Bed Room"; };\n' "1: device.id"
expect 78 "nosuch.conf: cannot read" -- "$bin" --check-config \
    -c "$work/nosuch.conf"

# --check-config runs every check the daemon runs before it opens a
# device or a socket: each of these the same exit status and the same
# message both ways.
same() {
	name=$1 pattern=$2
	"$bin" --check-config -c "$work/$name.conf" > /dev/null 2> "$work/$name.check"
	rc1=$?
	timeout 10 "$bin" -c "$work/$name.conf" > /dev/null 2> "$work/$name.run"
	rc2=$?
	if [ "$rc1" -ne 78 ] || [ "$rc2" -ne 78 ]; then
		fail "$name: --check-config exits $rc1, the daemon $rc2, want 78"
	elif ! cmp -s "$work/$name.check" "$work/$name.run"; then
		fail "$name: --check-config says '$(cat "$work/$name.check")', the daemon '$(cat "$work/$name.run")'"
	elif ! grep -q -- "$pattern" "$work/$name.check"; then
		fail "$name: '$(cat "$work/$name.check")' lacks '$pattern'"
	else
		pass
	fi
}
mq="mqtt = { host = \"127.0.0.1\"; port = 1; "
rs="sensors = ( { name = \"a\"; type = \"replay\"; file = \"$work/short.csv\"; speed = 100.0; } );"
printf 'sensors = ( { name = "a"; type = "replay"; file = "%s"; },\n  { name = "b"; type = "mpu6050"; } );\n' \
    "$work/short.csv" > "$work/mixed.conf"
same mixed "mixed.conf: replay sensors and hardware sensors cannot be mixed"
printf 'sensors = ();\n' > "$work/nosensors.conf"
same nosensors "nosensors.conf: no sensors configured"
printf '%s\n%s base_topic = "leg\033watch"; };\n' "$rs" "$mq" > "$work/topicesc.conf"
same topicesc "topicesc.conf:2: mqtt.base_topic: a control character"
printf '%s\n%s client_id = "bed\377"; };\n' "$rs" "$mq" > "$work/clientutf.conf"
same clientutf "clientutf.conf:2: mqtt.client_id: invalid UTF-8"
printf '%s\n%s client_id = "bed\300\200"; };\n' "$rs" "$mq" > "$work/overlong.conf"
same overlong "overlong.conf:2: mqtt.client_id: invalid UTF-8"
# The files are named from the configuration's folder ($work may be a
# relative path: it goes before them).
printf '%s\n%s username = "u"; password_file = "nopw"; };\n' "$rs" "$mq" \
    > "$work/nopw.conf"
same nopw "nopw.conf:2: mqtt.password_file: $work/nopw: No such file"
head -c 300 /dev/urandom | tr -d '\n\r' > "$work/garbage"
printf '\001\002\n' >> "$work/garbage"
printf '%s\n%s username = "u"; password_file = "garbage"; };\n' "$rs" "$mq" \
    > "$work/badpw.conf"
same badpw "badpw.conf:2: mqtt.password_file: $work/garbage: not a password file"
printf 'secret\n' > "$work/pw"
printf '%s\n%s password_file = "pw"; };\n' "$rs" "$mq" > "$work/nouser.conf"
same nouser "nouser.conf:2: mqtt.password_file: set without mqtt.username"
printf '%s\n%s ca_file = "noca"; };\n' "$rs" "$mq" > "$work/noca.conf"
same noca "noca.conf:2: mqtt.ca_file: $work/noca: No such file"
printf '%s\n%s ca_file = "garbage"; };\n' "$rs" "$mq" > "$work/badca.conf"
same badca "badca.conf:2: mqtt.ca_file: $work/garbage: not a PEM certificate"
printf '%s\n%s ca_file = "."; };\n' "$rs" "$mq" > "$work/dirca.conf"
same dirca "dirca.conf:2: mqtt.ca_file: $work/.: not a regular file"
# Valid UTF-8 is fine.
printf '%s\nmqtt = { enabled = false; base_topic = "schlafzimmer/b\303\244r"; };\n' \
    "$rs" > "$work/utf8.conf"
expect 0 "" -- "$bin" --check-config -c "$work/utf8.conf"

# @include is beside the including file, wherever it is run from (the
# service runs in /).
abin=$(cd "$(dirname "$bin")" && pwd)/legwatchd
awork=$(cd "$work" && pwd)
mkdir -p "$work/etc"
printf '@include "sensors.conf"\nmqtt = { enabled = false; };\n' > "$work/etc/main.conf"
printf '%s\n' "$rs" > "$work/etc/sensors.conf"
expect 0 "" -- sh -c "cd / && '$abin' --check-config -c '$awork/etc/main.conf'"
grep -q "1 sensor" "$work/out" && pass || fail "@include: the sensor not read"
expect 0 "" -- sh -c "cd '$awork/etc' && '$abin' --check-config -c main.conf"
printf '@include "%s/etc/sensors.conf"\nmqtt = { enabled = false; };\n' \
    "$awork" > "$work/abs.conf"
expect 0 "" -- sh -c "cd / && '$abin' --check-config -c '$awork/abs.conf'"
# So are the files MQTT reads: a relative password_file is found from /,
# and a missing one is named with the folder it was looked for in.
printf 'secret\n' > "$work/etc/pw"
chmod 600 "$work/etc/pw"
printf '%s\n%s username = "u"; password_file = "pw"; };\n' "$rs" "$mq" \
    > "$work/etc/relpw.conf"
expect 0 "" -- sh -c "cd / && '$abin' --check-config -c '$awork/etc/relpw.conf'"
expect 0 "" -- sh -c "cd '$awork/etc' && '$abin' --check-config -c relpw.conf"
printf '%s\n%s ca_file = "certs/ca.pem"; };\n' "$rs" "$mq" \
    > "$work/etc/relca.conf"
expect 78 "relca.conf:2: mqtt.ca_file: $awork/etc/certs/ca.pem: No such file" \
    -- sh -c "cd / && '$abin' --check-config -c '$awork/etc/relca.conf'"

# A configured replay sensor runs without --replay; its options apply to a
# --replay file of the same name.
printf 'sensors = ( { name = "long"; type = "replay"; file = "%s"; } );\nmqtt = { enabled = false; };\n' \
    "$work/long.csv" > "$work/replay.conf"
expect 0 "" -- "$bin" -c "$work/replay.conf" --events "$work/conf.events"
if cmp -s "$work/conf.events" "$work/long.events"; then pass
else fail "a configured replay differs from --replay"; fi
printf 'sensors = ( { name = "long"; type = "replay"; file = "x"; mount = "mattress"; } );\n' \
    > "$work/mattress.conf"
expect 0 "(mattress)" -- "$bin" -v -c "$work/mattress.conf" \
    --replay "$work/long.csv" --events /dev/null
# A configured replay sensor keeps its own name and mount.
printf 'sensors = ( { name = "bed"; type = "replay"; file = "%s"; mount = "mattress"; } );\nmqtt = { enabled = false; };\n' \
    "$work/long.csv" > "$work/bed.conf"
expect 0 "as sensor 'bed' (mattress)" -- "$bin" -v -c "$work/bed.conf" \
    --events "$work/bed.events"
grep -q '"sensor":"bed"' "$work/bed.events" && pass || fail "sensor name"
# An odd file name makes a plain sensor name.
cp "$work/long.csv" "$work/l\"e g.csv"
expect 0 "" -- "$bin" --replay "$work/l\"e g.csv" --events "$work/odd.events"
grep -q '"sensor":"l_e_g"' "$work/odd.events" && pass || fail "odd name"

# --- a replayed day gives the reminders that day would have given
# (design.md 3.3): a thermometer's day, 06:00 to 23:30, nothing drunk.
day() {	# day FILE TEMP: one reading a minute, 2026-07-15 06:00-23:30 UTC
	awk -v t0=1784095200 -v c="$2" 'BEGIN { print "t,temp_c";
	    for (i = 0; i <= 1050; i++) printf "%d,%.1f\n", t0 + 60 * i, c }' \
	    > "$1"
}
reminders() {	# reminders EVENTS: "HH:MM reason" each
	grep '"hydration_reminder"' "$1" | sed -n \
	    's/.*"time":"[^T]*T\([0-9:]\{5\}\).*"reason":"\([a-z_]*\)".*/\1 \2/p'
}
day "$work/cool.csv" 20
expect 0 "" -- "$bin" --replay "$work/cool.csv" --events "$work/cool.events"
got=$(reminders "$work/cool.events" | tr '\n' ' ')
want="07:30 morning 08:45 pace 10:15 pace 13:15 pace 16:15 pace 19:15 pace 21:00 evening "
[ "$got" = "$want" ] && pass || fail "cool day: reminders '$got', want '$want'"
grep -q '"water_today_ml":0,"goal_ml":2000,"quiet":false,"message":"Time for a glass of water: 0 of 2000 ml today."' \
    "$work/cool.events" && pass || fail "a reminder's fields and words"
day "$work/hot.csv" 30
expect 0 "" -- "$bin" --replay "$work/hot.csv" --events "$work/hot.events"
n_cool=$(reminders "$work/cool.events" | wc -l)
n_hot=$(reminders "$work/hot.events" | wc -l)
[ "$n_hot" -gt "$n_cool" ] && pass || fail "hot day: $n_hot reminders, cool $n_cool"
reminders "$work/hot.events" | grep -q heat && pass || fail "hot day: no heat reason"
grep '"reason":"evening"' "$work/hot.events" | grep -q '"goal_ml":2[1-9][0-9][0-9]' \
    && pass || fail "hot day: the goal did not rise"
# Configured: no evening, no morning, a later day; reminders off altogether.
printf 'hydration = { wake = "08:00"; morning = false; evening = false; };\nmqtt = { enabled = false; };\n' \
    > "$work/late.conf"
expect 0 "" -- "$bin" -c "$work/late.conf" --replay "$work/cool.csv" \
    --events "$work/late.events"
got=$(reminders "$work/late.events" | tr '\n' ' ')
want="09:37 pace 10:22 pace 11:52 pace 14:52 pace 17:52 pace 20:52 pace "
[ "$got" = "$want" ] && pass || fail "configured day: reminders '$got', want '$want'"
printf 'hydration = { enabled = false; };\nmqtt = { enabled = false; };\n' > "$work/off.conf"
expect 0 "" -- "$bin" -c "$work/off.conf" --replay "$work/cool.csv" \
    --events "$work/off.events"
[ "$(reminders "$work/off.events" | wc -l)" -eq 0 ] && pass || fail "reminders when off"
conf_err lead 'hydration = { wake = "07:00"; bed = "09:00"; };\n' \
    "1: hydration: from wake to bed must be at least"
conf_err button 'outputs = { led_line = 4;\n button_line = 4; };\n' \
    "2: outputs.button_line: line 4 is the LED's"
conf_err bias 'outputs = { button_bias = "up"; };\n' \
    "1: outputs.button_bias: \"up\" is not"

# --- the two images (design.md 2.4): legwatchd loads no MQTT, and a run
# that may talk to a broker goes on in legwatchd-live, as the same
# process.  Under valgrind $bin is a wrapper script; the MQTT suite's
# paced runs take it through the exec there.
if head -c 4 "$bin" | grep -q ELF; then
	ldd "$bin" > "$work/ldd" 2>&1
	if grep -q 'libmosquitto\|libssl\|libcrypto' "$work/ldd"; then
		fail "legwatchd loads $(awk '/mosq|ssl|crypto/ { print $1 }' "$work/ldd" | tr '\n' ' ')"
	else
		pass
	fi
	ldd "$bin-live" | grep -q libmosquitto && pass ||
	    fail "legwatchd-live does not link libmosquitto"

	printf 'mqtt = { enabled = false; };\n' > "$work/paced.conf"
	"$bin" -c "$work/paced.conf" --replay "$work/cool.csv" --speed 0.001 \
	    --events "$work/paced.events" 2>"$work/paced.err" &
	paced=$!
	# Until legwatchd-live runs and holds SIGTERM back for its loop.
	i=0
	while [ $i -lt 300 ]; do
		case $(readlink "/proc/$paced/exe") in
		*/legwatchd-live)
			blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$paced/status")
			[ $((0x${blk:-0} & 0x4000)) -ne 0 ] && break ;;
		esac
		sleep 0.1; i=$((i + 1))
	done
	exe=$(readlink "/proc/$paced/exe")
	kill -TERM "$paced"
	wait "$paced"
	rc=$?
	case $exe in
	*/legwatchd-live) [ $rc -eq 0 ] && pass ||
	    fail "paced replay in legwatchd-live: exit $rc: $(head -c 300 "$work/paced.err")" ;;
	*) fail "a paced replay with a configuration runs as '$exe', not legwatchd-live" ;;
	esac

	# A stop or a reload while the daemon is still setting up: strace
	# sends it as the configuration is opened, the first thing read.
	# The daemon on its sensors (none here: it goes on retrying) stops
	# cleanly, or reloads and goes on.
	# Absolute: a state folder must be, and strace names the file so.
	edir=$(cd "$work" && pwd)/early
	mkdir -p "$edir"
	printf 'sensors = ( { name = "ankle"; type = "mpu6050"; bus = 1; address = 0x68; rate_hz = 50; } );\nmqtt = { enabled = false; };\nstorage = { state_dir = "%s"; };\n' \
	    "$edir" > "$edir.conf"
	# early SIGNAL CONFIG ARGS...: the daemon, SIGNAL sent at CONFIG's
	# open, under timeout (a signal that never came would leave it
	# running), whose child is strace, whose child is the daemon.
	# LeakSanitizer cannot run under a tracer (the other runs here look
	# for leaks).
	early() {
		sig=$1 conf=$2
		shift 2
		export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		exec timeout 30 strace -f -qq -o /dev/null -P "$conf" -e trace=openat \
		    -e "inject=openat:signal=$sig:when=1" \
		    "$bin" -c "$conf" "$@" 2>"$work/early.err"
	}
	(early TERM "$edir.conf" --events "$work/early.events")
	rc=$?
	[ $rc -eq 0 ] && grep -q 'stopping (signal 15)' "$work/early.err" &&
	    pass || fail "SIGTERM while setting up: exit $rc: $(head -c 300 "$work/early.err")"
	early HUP "$edir.conf" --events "$work/early.events" &
	tracer=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'reloaded' "$work/early.err"; do
		sleep 0.1; i=$((i + 1))
	done
	if grep -q 'configuration reloaded' "$work/early.err" &&
	    kill -0 $tracer 2>/dev/null; then
		pkill -TERM -P "$(pgrep -P $tracer)"
		wait $tracer
		rc=$?
		[ $rc -eq 0 ] && pass ||
		    fail "SIGHUP while setting up, then SIGTERM: exit $rc"
	else
		kill $tracer 2>/dev/null; wait $tracer
		fail "SIGHUP while setting up: $(head -c 300 "$work/early.err")"
	fi
	# Offline they act at once, also while the daemon waits to open a
	# recording on a pipe that no one writes yet: held back, it would
	# wait on and on.
	mkfifo "$work/pipe.csv"
	"$bin" --replay "$work/pipe.csv" --events "$work/pipe.events" \
	    2>"$work/pipe.err" &
	piped=$!
	i=0
	while [ $i -lt 50 ] &&
	    [ "$(cat "/proc/$piped/wchan" 2>/dev/null)" != wait_for_partner ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -TERM $piped
	i=0
	while [ $i -lt 50 ] && [ "$(awk '{ print $3 }' \
	    "/proc/$piped/stat" 2>/dev/null)" != Z ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 50 ] || : > "$work/pipe.csv"	# let it go on
	wait $piped
	rc=$?
	[ $i -lt 50 ] && [ $rc -eq 143 ] && [ ! -e "$work/pipe.events" ] &&
	    pass || fail "SIGTERM while an offline run waits on a pipe: exit $rc (want 143 within 5 s), events $(ls "$work/pipe.events" 2>&1)"

	mkdir -p "$work/lone"
	cp "$bin" "$work/lone/legwatchd"
	expect 72 "lone/legwatchd-live: No such file or directory" -- \
	    "$work/lone/legwatchd" -c "$work/paced.conf" \
	    --replay "$work/cool.csv" --speed 1000 --events -
	expect 0 "" -- "$work/lone/legwatchd" --replay "$work/cool.csv" \
	    --events "$work/lone.events"
	cmp -s "$work/lone.events" "$work/cool.events" && pass ||
	    fail "offline events of the lone legwatchd differ"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
