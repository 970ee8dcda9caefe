#!/bin/sh
# MQTT against a real mosquitto broker on a free loopback port (design.md
# 3.5): events in order and the same as --events, discovery, status and
# the will, commands good and bad, a broker outage with the daemon killed
# during it, TLS with a password, a refused login, a bad reload.
# usage: tests/mqtt/run.sh BUILD_DIR WORK_DIR
set -u
# Night windows are local time: the same everywhere for the tests.
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
sim=$build/legsim
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0
pids=""

cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
. tests/lib.sh



"$sim" --seed 21 --hours 0.25 --rate 50 --profile rls --out "$work/rls.csv" \
    --truth "$work/rls.truth" 2>/dev/null
"$sim" --seed 22 --hours 0.5 --rate 25 --profile mixed --out "$work/long.csv" \
    --truth "$work/long.truth" 2>/dev/null
head -n 2000 "$work/rls.csv" > "$work/tiny.csv"

# --- 1. events in order, the same as --events; discovery; clean exit
start_broker b1
conf "$work/one.conf" one "$work/state1" "$work/rls.csv" 300
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'legwatch/one/#' -t 'homeassistant/#' \
    > "$work/sub1.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
"$bin" -c "$work/one.conf" --events "$work/ev1.jsonl" 2> "$work/d1.log"
check "daemon 1 exit status" "[ $? -eq 0 ]"
wait_for 5 "grep -q night_summary '$work/sub1.log'"
sleep 0.3
kill "$sub" 2>/dev/null
payloads one "$work/sub1.log" > "$work/got1.jsonl"
check "events arrived" "[ \$(wc -l < '$work/ev1.jsonl') -gt 10 ]"
check "events over MQTT are --events, in order" \
    "cmp -s '$work/ev1.jsonl' '$work/got1.jsonl'"
check "movements on B/movement" \
    "grep '^legwatch/one/movement ' '$work/sub1.log' | grep -q leg_movement"
check "no movement on B/event" \
    "! grep '^legwatch/one/event ' '$work/sub1.log' | grep -q _movement"
check "discovery" "'$build/discocheck' legwatch/one one < '$work/sub1.log' \
    > '$work/disco.out'"
check "online, then offline on a clean exit" \
    "grep '^legwatch/one/status ' '$work/sub1.log' | tr '\n' ' ' | \
    grep -q 'status online .*status offline'"
check "state after the night" \
    "grep '^legwatch/one/state ' '$work/sub1.log' | tail -n 1 | \
    grep -q '\"plm_index_last_night\":[0-9]'"
check "outbox empty after a drained run" "[ \$(pending '$work/state1/outbox.jsonl') -eq 0 ]"
# Retained and stable: the discovery and status are still there.
check "retained status" "[ \"\$(mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 3 \
    -t legwatch/one/status 2>/dev/null)\" = offline ]"

# --- 2. commands, reload, and the will after kill -9
conf "$work/two.conf" two "$work/state2" "$work/long.csv" 1
"$bin" -c "$work/two.conf" 2> "$work/d2.log" &
d2=$!; pids="$pids $d2"
check "daemon 2 online" "wait_for 5 \"[ \\\"\\\$(mosquitto_sub -h 127.0.0.1 -p $port \
    -C 1 -W 2 -t legwatch/two/status 2>/dev/null)\\\" = online ]\""
for bad in "foo x" "drank NOPE" "monitoring maybe" "drank $(printf '%0100d' 0)" \
    "monitoring" "drank PRESS!"; do
	set -- $bad
	mosquitto_pub -h 127.0.0.1 -p "$port" -t "legwatch/two/set/$1" -m "${2:-}" -q 1
done
mosquitto_pub -h 127.0.0.1 -p "$port" -t "legwatch/two/set/drank" -m PRESS -q 1
mosquitto_pub -h 127.0.0.1 -p "$port" -t "legwatch/two/set/monitoring" -m OFF -q 1
check "bad commands logged" "wait_for 3 \"[ \\\$(grep -c 'ignoring' \
    '$work/d2.log') -ge 5 ]\""
check "a glass counted, monitoring off" "wait_for 4 \"mosquitto_sub -h 127.0.0.1 -p $port \
    -C 1 -W 2 -t legwatch/two/state 2>/dev/null | grep -q \
    '\\\"water_today_ml\\\":250.*\\\"monitoring\\\":\\\"OFF\\\"'\""
# The immobilization test from Home Assistant: START runs it (the state
# says so), STOP cancels it: a result, not valid, too short.
mosquitto_sub -h 127.0.0.1 -p "$port" -t legwatch/two/event \
    > "$work/sit2.log" 2>/dev/null &
ssub=$!; pids="$pids $ssub"
sleep 1
mosquitto_pub -h 127.0.0.1 -p "$port" -t "legwatch/two/set/sit" -m START -q 1
check "sit START: running" "wait_for 4 \"mosquitto_sub -h 127.0.0.1 -p $port \
    -C 1 -W 2 -t legwatch/two/state 2>/dev/null | grep -q \
    '\\\"sit_running\\\":\\\"ON\\\"'\""
mosquitto_pub -h 127.0.0.1 -p "$port" -t "legwatch/two/set/sit" -m STOP -q 1
check "sit STOP: a result, too short" "wait_for 6 \"grep -q \
    '\\\"event_type\\\":\\\"sit_result\\\".*\\\"valid\\\":false,\\\"reason\\\":\\\"too short\\\"' \
    '$work/sit2.log'\""
check "sit STOP: no longer running" "wait_for 4 \"mosquitto_sub -h 127.0.0.1 \
    -p $port -C 1 -W 2 -t legwatch/two/state 2>/dev/null | grep -q \
    '\\\"sit_running\\\":\\\"OFF\\\"'\""
kill "$ssub" 2>/dev/null
# Home Assistant restarted: discovery again, after a short random delay.
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'homeassistant/+/two/+/config' \
    > "$work/disco2.log" 2>/dev/null &
dsub=$!; pids="$pids $dsub"
wait_for 3 "[ \$(cat '$work/disco2.log' 2>/dev/null | wc -l) -ge 11 ]"	# the retained ones
mosquitto_pub -h 127.0.0.1 -p "$port" -t homeassistant/status -m online -q 1
check "discovery again when Home Assistant comes online" "wait_for 8 \
    \"[ \\\$(wc -l < '$work/disco2.log') -ge 22 ]\""
kill "$dsub" 2>/dev/null
cp "$work/two.conf" "$work/two.conf.good"
echo "movement = { onset_k = -1; };" >> "$work/two.conf"
kill -HUP "$d2"
check "a bad reload is refused" "wait_for 3 \"grep -q 'reload refused' \
    '$work/d2.log'\""
check "still running after bad input" "kill -0 $d2"
cp "$work/two.conf.good" "$work/two.conf"
kill -HUP "$d2"
check "a good reload" "wait_for 3 \"grep -q 'configuration reloaded' \
    '$work/d2.log'\""
# A comment moves every line under it, and changes nothing.
{ echo "# the bedroom"; cat "$work/two.conf.good"; } > "$work/two.conf"
kill -HUP "$d2"
check "a comment-only reload" "wait_for 3 \"[ \\\$(grep -c \
    'configuration reloaded' '$work/d2.log') -ge 2 ]\""
check "a comment is no change to the sensors" "! grep -q \
    'take effect at the next start' '$work/d2.log'"
# A changed sensor is kept as it runs until a restart, and said so.
sed 's/type = "replay";/type = "replay"; mount = "mattress";/' \
    "$work/two.conf.good" > "$work/two.conf"
kill -HUP "$d2"
check "a reload keeps the running sensors and says so" "wait_for 3 \"grep -q \
    'changes to sensors.*take effect at the next start' '$work/d2.log'\""
check "still running after a sensor change" "kill -0 $d2"
kill -9 "$d2"
check "the will says offline after kill -9" "wait_for 12 \"[ \\\"\\\$(\
    mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 2 -t legwatch/two/status 2>/dev/null)\\\" = \
    offline ]\""

# --- 3. the broker goes away, the daemon is killed during the outage,
# both come back: every event still arrives.
mosquitto_sub -h 127.0.0.1 -p "$port" -c -i lw-test-3 -q 1 -v -t 'legwatch/three/event' \
    -t 'legwatch/three/movement' > "$work/sub3.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/three.conf" three "$work/state3" "$work/long.csv" 150
"$bin" -c "$work/three.conf" --events "$work/ev3a.jsonl" 2> "$work/d3a.log" &
d3=$!; pids="$pids $d3"
wait_for 10 "[ \$(cat '$work/ev3a.jsonl' 2>/dev/null | wc -l) -ge 8 ]"
kill "$broker"		# SIGTERM: it saves the subscriber's session
at_outage=$(wc -l < "$work/ev3a.jsonl")
sleep 2
check "detection goes on while the broker is away" \
    "[ \$(wc -l < '$work/ev3a.jsonl') -gt $at_outage ]"
kill -9 "$d3"
sent_before=$(wc -l < "$work/ev3a.jsonl")
check "events waited in the outbox" "[ \$(pending '$work/state3/outbox.jsonl') -gt 0 ]"
start_broker b1		# same store, a new port
kill "$sub" 2>/dev/null
mosquitto_sub -h 127.0.0.1 -p "$port" -c -i lw-test-3 -q 1 -v -t 'legwatch/three/event' \
    -t 'legwatch/three/movement' >> "$work/sub3.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/three.conf" three "$work/state3" "$work/tiny.csv" 100
"$bin" -c "$work/three.conf" --events "$work/ev3b.jsonl" 2> "$work/d3b.log"
check "daemon 3 after the outage" "[ $? -eq 0 ]"
sleep 1
kill "$sub" 2>/dev/null
payloads three "$work/sub3.log" | sort -u > "$work/got3.sorted"
cat "$work/ev3a.jsonl" "$work/ev3b.jsonl" | sort -u > "$work/want3.sorted"
check "every event arrived ($sent_before before the kill)" \
    "[ -z \"\$(comm -23 '$work/want3.sorted' '$work/got3.sorted')\" ]"

# --- 3b. the broker goes away and comes back while the daemon runs: no
# event lost, none twice, none out of order.
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'legwatch/threeb/event' \
    -t 'legwatch/threeb/movement' > "$work/sub3b.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/threeb.conf" threeb "$work/state3b" "$work/long.csv" 100
"$bin" -c "$work/threeb.conf" --events "$work/ev3b2.jsonl" \
    2> "$work/d3b2.log" &
d3=$!; pids="$pids $d3"
wait_for 10 "[ \$(cat '$work/ev3b2.jsonl' 2>/dev/null | wc -l) -ge 5 ]"
kill -STOP "$broker"	# a broker that hangs past the keepalive
sleep 10
kill -CONT "$broker"
wait "$d3"
check "daemon 3b exit status" "[ $? -eq 0 ]"
sleep 0.5
kill "$sub" 2>/dev/null
payloads threeb "$work/sub3b.log" > "$work/got3b.jsonl"
check "the hung broker was noticed" "grep -q 'lost the connection' \
    '$work/d3b2.log'"
check "through a hung broker: all, once each, in order" \
    "cmp -s '$work/ev3b2.jsonl' '$work/got3b.jsonl'"
check "the outbox is empty again" "[ \$(pending '$work/state3/outbox.jsonl') -eq 0 ]"

# --- 4. TLS and a password file; a wrong password is refused and retried
tls=$work/tls
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=legwatch-test-ca \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$tls/ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey \
    "$tls/ca.key" -CAcreateserial -days 2 -extfile "$tls/ext" \
    -out "$tls/server.crt" 2>/dev/null
touch "$tls/passwd" && chmod 600 "$tls/passwd"
mosquitto_passwd -b "$tls/passwd" legwatch 's3cret pass' 2>/dev/null
printf 's3cret pass\n' > "$tls/pw" && chmod 600 "$tls/pw"
printf 'wrong\n' > "$tls/badpw" && chmod 600 "$tls/badpw"
start_broker tls "cafile $tls/ca.crt" "certfile $tls/server.crt" \
    "keyfile $tls/server.key" "password_file $tls/passwd" \
    "allow_anonymous false"
mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$tls/ca.crt" -u legwatch -P 's3cret pass' \
    -v -t 'legwatch/four/#' > "$work/sub4.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/four.conf" four "$work/state4" "$work/tiny.csv" 100 \
    "ca_file = \"$tls/ca.crt\"; username = \"legwatch\"; password_file = \"$tls/pw\";"
"$bin" -c "$work/four.conf" --events "$work/ev4.jsonl" 2> "$work/d4.log"
check "daemon over TLS" "[ $? -eq 0 ]"
wait_for 3 "grep -q night_summary '$work/sub4.log'"
kill "$sub" 2>/dev/null
check "events over TLS" "grep -q '^legwatch/four/event .*night_summary' \
    '$work/sub4.log'"
check "the password is never logged" "! grep -q 's3cret' '$work/d4.log'"
chmod 644 "$tls/pw"
"$bin" -c "$work/four.conf" --events /dev/null 2> "$work/d4b.log"
check "a password file others can read is warned about" \
    "grep -q 'can be read by others' '$work/d4b.log'"
conf "$work/five.conf" five "$work/state5" "$work/long.csv" 1 \
    "ca_file = \"$tls/ca.crt\"; username = \"legwatch\"; password_file = \"$tls/badpw\";"
"$bin" -c "$work/five.conf" 2> "$work/d5.log" &
d5=$!; pids="$pids $d5"
check "a wrong password is refused" "wait_for 6 \"grep -q \
    'refused the connection' '$work/d5.log'\""
sleep 4
check "and said once, not on every retry" \
    "[ \$(grep -c 'refused the connection' '$work/d5.log') -eq 1 ]"
check "and retried, the daemon running" "kill -0 $d5"
kill "$d5"
wait "$d5"
check "SIGTERM exits 0" "[ $? -eq 0 ]"
conf "$work/six.conf" six "$work/state6" "$work/tiny.csv" 100 \
    "ca_file = \"$tls/other.crt\";"
"$bin" -c "$work/six.conf" 2> "$work/d6.log"
check "a missing CA file is a config error" "[ $? -eq 78 ] && \
    grep -q 'ca_file' '$work/d6.log'"

# --- 5. MQTT 5: a broker that refuses events (ACL) keeps them in the
# outbox; allowed again, every one arrives, in order.
watcher='user watcher\ntopic read legwatch/#\n'
printf "user legwatch\ntopic write legwatch/acl/status\ntopic write legwatch/acl/state\ntopic write homeassistant/#\ntopic read legwatch/acl/set/#\n$watcher" \
    > "$work/acl.deny"
printf "user legwatch\ntopic readwrite legwatch/#\ntopic readwrite homeassistant/#\n$watcher" \
    > "$work/acl.allow"
cp "$work/acl.deny" "$work/acl"
mosquitto_passwd -c -b "$work/acl.pw" legwatch s3cret > /dev/null 2>&1
mosquitto_passwd -b "$work/acl.pw" watcher w4tch > /dev/null 2>&1
printf 's3cret\n' > "$work/acl.secret"; chmod 600 "$work/acl.secret"
start_broker b5 "password_file $work/acl.pw" "acl_file $work/acl"
b5=$broker
mosquitto_sub -h 127.0.0.1 -p "$port" -u watcher -P w4tch -v \
    -t 'legwatch/acl/#' > "$work/sub5.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/acl.conf" acl "$work/state5" "$work/rls.csv" 30 \
    "username = \"legwatch\"; password_file = \"$work/acl.secret\";"
"$bin" -c "$work/acl.conf" --events "$work/ev5.jsonl" -v 2> "$work/d5.log" &
d5=$!; pids="$pids $d5"
check "a refused event is logged with the broker's reason" \
    "wait_for 15 \"grep -q 'refused an event on legwatch/acl/.*: Not authorized' '$work/d5.log'\""
check "refused events stay in the outbox" \
    "wait_for 10 \"[ -s '$work/state5/outbox.jsonl' ] && [ \\\$(pending '$work/state5/outbox.jsonl') -gt 5 ]\""
check "none of them reached a subscriber" \
    "! grep -q '^legwatch/acl/\\(event\\|movement\\) ' '$work/sub5.log'"
cp "$work/acl.allow" "$work/acl"
kill -HUP "$b5"
check "allowed again, every event arrives" \
    "wait_for 40 \"grep -q night_summary '$work/sub5.log'\""
wait "$d5"
check "daemon 5 exit status" "[ $? -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
payloads acl "$work/sub5.log" > "$work/got5.jsonl"
check "after the refusal, events are --events, in order" \
    "cmp -s '$work/ev5.jsonl' '$work/got5.jsonl'"
check "the outbox is empty at the end" "[ \$(pending '$work/state5/outbox.jsonl') -eq 0 ]"

# --- 6. the broker by host name: looked up without blocking the loop
# (a machine without /etc/hosts, a bare chroot, cannot name itself)
if getent hosts localhost > /dev/null 2>&1; then
	start_broker b6
	conf "$work/name.conf" name "$work/state6" "$work/tiny.csv" 300 ""
	sed -i 's/host = "127.0.0.1"/host = "localhost"/' "$work/name.conf"
	mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'legwatch/name/#' \
	    > "$work/sub6.log" 2>&1 &
	sub=$!; pids="$pids $sub"
	sleep 0.3
	"$bin" -c "$work/name.conf" --events "$work/ev6.jsonl" -v \
	    2> "$work/d6.log"
	check "daemon 6 exit status" "[ $? -eq 0 ]"
	check "connected by host name" \
	    "grep -q 'connected to localhost' '$work/d6.log'"
	check "events by host name" \
	    "wait_for 5 \"grep -q night_summary '$work/sub6.log'\""
	kill "$sub" 2>/dev/null
else
	echo "SKIP: localhost has no address here (no /etc/hosts)"
fi

# A name server that never answers: the loop keeps going (SIGTERM is
# taken at once) while the lookup waits.  Needs a mount namespace to give
# the daemon its own resolv.conf.
if unshare -m true 2>/dev/null; then
	# An address of its own: another run's name server may hold one.
	dns_ip=127.53.$(( $(od -An -N1 -tu1 /dev/urandom) )).$(( 1 + \
	    $(od -An -N1 -tu1 /dev/urandom) % 254 ))
	"$build/silentdns" "$dns_ip" > "$work/silentdns.out" 2>&1 &
	pids="$pids $!"
	check "the silent name server listens" \
	    "wait_for 20 \"grep -q listening '$work/silentdns.out'\""
	printf 'nameserver %s\noptions timeout:30 attempts:1\n' "$dns_ip" \
	    > "$work/resolv.blackhole"
	conf "$work/dns.conf" dns "$work/state7" "$work/long.csv" 300 ""
	sed -i 's/host = "127.0.0.1"/host = "broker.legwatch-test.invalid"/' \
	    "$work/dns.conf"
	unshare -m sh -c "mount --bind '$work/resolv.blackhole' /etc/resolv.conf &&
	    exec '$bin' -c '$work/dns.conf' --events '$work/ev7.jsonl' -v" \
	    2> "$work/d7dns.log" &
	d7dns=$!; pids="$pids $d7dns"
	# Events while the lookup waits (30 s); under valgrind the start
	# alone takes seconds.
	wait_for 20 "[ -s '$work/ev7.jsonl' ]"
	sleep 0.5
	kill "$d7dns"
	check "SIGTERM is taken during a name lookup that hangs" \
	    "wait_for 5 \"! kill -0 $d7dns 2>/dev/null\""
	check "the daemon stopped cleanly" "grep -q 'stopping (signal 15)' '$work/d7dns.log'"
	check "detection went on during the lookup" \
	    "[ \$(wc -l < '$work/ev7.jsonl') -gt 0 ]"
	check "the lookup was still waiting" \
	    "! grep -q 'connected to\\|name lookup\\|name resolution' '$work/d7dns.log'"
else
	echo "SKIP: no mount namespace here for the hanging name server test"
fi

# --- 8. the drink reminder and Home Assistant's buttons: a replayed
# morning at 60x.  Without an answer a pace reminder would follow at 07:40
# (goal 6000 ml, glass 50 ml, gap 10 min); a glass and a snooze stop it.
start_broker b8
awk 'BEGIN { print "t,temp_c"; for (i = 0; i <= 110; i++)
    printf "%d,21.0\n", 1784100595 + 10 * i }' > "$work/morning.csv"
conf "$work/eight.conf" eight "$work/state8" "$work/morning.csv" 60
cat >> "$work/eight.conf" <<EOC
sensors = ( { name = "room"; type = "replay"; file = "$work/morning.csv"; speed = 60.0; } );
hydration = { goal_ml = 6000; glass_ml = 50; min_gap_min = 10; };
EOC
sed -i '/name = "ankle"/d' "$work/eight.conf"
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'legwatch/eight/#' \
    > "$work/sub8.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
"$bin" -c "$work/eight.conf" -v --events "$work/ev8.jsonl" 2> "$work/d8.log" &
d8=$!; pids="$pids $d8"
check "the morning reminder on B/event" "wait_for 5 \"grep '^legwatch/eight/event ' \
    '$work/sub8.log' | grep -q '\\\"reason\\\":\\\"morning\\\"'\""
check "the state says a reminder waits" "wait_for 3 \"grep '^legwatch/eight/state ' \
    '$work/sub8.log' | grep -q '\\\"reminder\\\":\\\"ON\\\"'\""
mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/eight/set/drank -m PRESS -q 1
check "a glass from Home Assistant: 50 ml today, the reminder answered" \
    "wait_for 3 \"grep '^legwatch/eight/state ' '$work/sub8.log' | tail -n 1 | \
    grep -q '\\\"water_today_ml\\\":50,.*\\\"reminder\\\":\\\"OFF\\\"'\""
mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/eight/set/snooze -m PRESS -q 1
check "a snooze from Home Assistant" "wait_for 3 \"grep -q \
    'reminders snoozed for 60 min (Home Assistant)' '$work/d8.log'\""
wait "$d8"
check "daemon 8 exit status" "[ $? -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
check "no reminder while snoozed (one in all, the morning's)" \
    "[ \$(grep -c '^legwatch/eight/event .*hydration_reminder' '$work/sub8.log') -eq 1 ]"
# The control: the same morning unanswered has its pace reminder at 07:40.
"$bin" -c "$work/eight.conf" --replay "$work/morning.csv" --events - 2>/dev/null \
    > "$work/ev8control.jsonl"
check "unanswered, the same morning has a pace reminder at 07:40" \
    "grep -q '\"time\":\"2026-07-15T07:40:00.000Z\",\"reason\":\"pace\"' \
    '$work/ev8control.jsonl'"
check "reminders are not movements" \
    "! grep '^legwatch/eight/movement ' '$work/sub8.log' | grep -q hydration"
check "the reminder carries its progress and words" \
    "grep '^legwatch/eight/event ' '$work/sub8.log' | grep -q \
    '\"water_today_ml\":0,\"goal_ml\":6000,\"quiet\":false,\"message\":\"Good morning'"
# The drink reminder's entities for Home Assistant.
check "discovery: the water sensor and the reminder" \
    "grep -q '^homeassistant/binary_sensor/eight/reminder/config ' '$work/sub8.log' || \
    mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 3 \
    -t homeassistant/binary_sensor/eight/reminder/config 2>/dev/null | grep -q 'Drink reminder'"

# --- 9. the week's trend: a night long enough to count (2.2 h) gives
# the 7-night median in the state, and Home Assistant's sensor for it.
"$sim" --seed 23 --hours 2.2 --rate 25 --profile rls --out "$work/week.csv" \
    --truth "$work/week.truth" 2>/dev/null
conf "$work/nine.conf" nine "$work/state9" "$work/week.csv" 3000
"$bin" -c "$work/nine.conf" --events "$work/ev9.jsonl" 2> "$work/d9.log"
check "daemon 9 exit status" "[ $? -eq 0 ]"
state9=$(mosquitto_sub -h 127.0.0.1 -p "$port" -C 1 -W 3 -t legwatch/nine/state 2>/dev/null)
last9=$(echo "$state9" | sed -n 's/.*"plm_index_last_night":\([0-9.]*\).*/\1/p')
check "the week's median is the one night's index ($last9)" \
    "[ -n '$last9' ] && echo '$state9' | grep -q '\"plm_index_week\":$last9,\"plm_index_nights\":\[$last9\]'"
check "discovery: the week's sensor" "mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 3 \
    -t homeassistant/sensor/nine/plm_index_week/config 2>/dev/null | \
    grep -q '7-night median'"

# --- 10. Home Assistant: its birth message on homeassistant/status
# whatever the discovery prefix (or where mqtt.ha_status_topic says);
# the config of a thermometer taken out of the configuration removed,
# across a restart; a thermometer without a current reading is null in
# the state, and a reading is written as it was read.
start_broker b10
t0=$(sed -n 2p "$work/long.csv" | cut -d, -f1 | cut -d. -f1)
awk -v t0="$t0" 'BEGIN { print "t,temp_c"
    for (i = 0; i < 200; i++) printf "%d,20.33\n", t0 + 5 + 10 * i }' \
    > "$work/room.csv"
mosquitto_sub -h 127.0.0.1 -p "$port" -t legwatch/ten/state \
    > "$work/state10.log" 2>/dev/null &
ssub=$!; pids="$pids $ssub"
sleep 0.3
ten() {	# ten CONF [MQTT EXTRA] [THERMOMETER FILE]
	room=
	[ -n "${3:-}" ] && room=", { name = \"room\"; type = \"replay\";
    file = \"$3\"; speed = 1.0; }"
	cat > "$1" <<EOC
device = { id = "ten"; name = "Test ten"; };
mqtt = { host = "127.0.0.1"; port = $port; keepalive = 5;
    discovery_prefix = "ha"; ${2:-} };
storage = { state_dir = "$work/state10"; };
sensors = ( { name = "ankle"; type = "replay"; file = "$work/long.csv";
    speed = 1.0; }$room );
EOC
}
ten "$work/ten.conf" "" "$work/room.csv"
"$bin" -c "$work/ten.conf" -v 2> "$work/d10.log" &
d10=$!; pids="$pids $d10"
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'ha/+/ten/+/config' \
    > "$work/disco10.log" 2>/dev/null &
dsub=$!; pids="$pids $dsub"
check "the thermometer announced under the discovery prefix" "wait_for 5 \
    \"grep -q '^ha/sensor/ten/temperature_room/config {' '$work/disco10.log'\""
check "before its first reading, the thermometer is null in the state" \
    "head -n 1 '$work/state10.log' | grep -q '\"temperature\":{\"room\":null}'"
check "its reading in the state as read (20.33)" "wait_for 10 \
    \"grep -q '\\\"room\\\":20.33}' '$work/state10.log'\""
check "and never as 20.329999999999998" "! grep -q '20\.3299' '$work/state10.log'"
wait_for 3 "[ \$(wc -l < '$work/disco10.log') -ge 14 ]"
announced=$(wc -l < "$work/disco10.log")
"$build/discocheck" legwatch/ten ten < "$work/disco10.log" > "$work/disco10.out" 2>&1
check "categories and display precision ($(tr '\n' ' ' < "$work/disco10.out"))" \
    "[ $? -eq 0 ]"
mosquitto_pub -h 127.0.0.1 -p "$port" -t ha/status -m online -q 1
sleep 6		# past the announcement's random delay (1 to 5 s)
check "no new announcement for the discovery prefix's status" \
    "[ \$(wc -l < '$work/disco10.log') -eq $announced ]"
mosquitto_pub -h 127.0.0.1 -p "$port" -t homeassistant/status -m online -q 1
check "announced again when homeassistant/status says online" "wait_for 8 \
    \"[ \\\$(wc -l < '$work/disco10.log') -ge $((announced * 2)) ]\""
kill "$d10" "$dsub"; wait "$d10" 2>/dev/null
# Restarted without the thermometer, Home Assistant's birth elsewhere.
ten "$work/ten.conf" 'ha_status_topic = "hass/birth";'
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'ha/+/ten/+/config' \
    > "$work/disco10.log" 2>/dev/null &
dsub=$!; pids="$pids $dsub"
sleep 0.5
"$bin" -c "$work/ten.conf" -v 2> "$work/d10b.log" &
d10=$!; pids="$pids $d10"
# An empty payload: mosquitto_sub prints nothing or "(null)" after it.
removed() { grep '^ha/sensor/ten/temperature_room/config' "$work/disco10.log" | \
    grep -vc '{'; }
check "the thermometer's config removed after the restart" \
    "wait_for 5 '[ \$(removed) -ge 1 ]'"
check "and said" "grep -q 'ha/sensor/ten/temperature_room/config is no longer announced' \
    '$work/d10b.log'"
check "no retained config left for it" "[ -z \"\$(mosquitto_sub -h 127.0.0.1 \
    -p $port -C 1 -W 2 -t ha/sensor/ten/temperature_room/config 2>/dev/null)\" ]"
check "the others stay" "mosquitto_sub -h 127.0.0.1 -p $port -C 1 -W 2 \
    -t ha/sensor/ten/plm_tonight/config 2>/dev/null | grep -q unique_id"
# Its 13 entities again, without the thermometer.
announced=$(grep -c ' {' "$work/disco10.log")
mosquitto_pub -h 127.0.0.1 -p "$port" -t hass/birth -m online -q 1
check "announced again on mqtt.ha_status_topic" "wait_for 8 \
    \"[ \\\$(grep -c ' {' '$work/disco10.log') -ge $((announced + 13)) ]\""
check "a removed config is removed once" \
    "[ \$(removed) -eq 1 ]"
kill "$d10" "$dsub"; wait "$d10" 2>/dev/null
# A thermometer that stops reading: null once its last reading is old.
head -n 11 "$work/room.csv" > "$work/room-short.csv"
ten "$work/ten.conf" "" "$work/room-short.csv"
sed -i 's/speed = 1.0/speed = 600.0/' "$work/ten.conf"
"$bin" -c "$work/ten.conf" 2> "$work/d10c.log"
check "daemon 10c exit status" "[ $? -eq 0 ]"
check "a reading gone stale is null in the state" "mosquitto_sub -h 127.0.0.1 \
    -p $port -C 1 -W 3 -t legwatch/ten/state 2>/dev/null | \
    grep -q '\"temperature\":{\"room\":null}'"
kill "$ssub"

# --- 11. the daemon itself stalled (SIGSTOP) past 1.5 keepalives: the
# broker drops it; on SIGCONT the loop catches up while the socket is
# dead.  What mosquitto_publish queued it sends after the reconnect:
# every event arrives, none more than twice (QoS 1), in order.  Messages
# for the daemon sent during the stall wait in its socket before the
# close, so it reads them, and publishes into the dead socket, before
# it sees the close: mosquitto_publish queues the events and fails.
start_broker b11
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -v -t 'legwatch/eleven/event' \
    -t 'legwatch/eleven/movement' > "$work/sub11.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
conf "$work/eleven.conf" eleven "$work/state11" "$work/long.csv" 150
"$bin" -c "$work/eleven.conf" --events "$work/ev11.jsonl" -vv \
    2> "$work/d11.log" &
d11=$!; pids="$pids $d11"
wait_for 10 "[ \$(cat '$work/ev11.jsonl' 2>/dev/null | wc -l) -ge 3 ]"
kill -STOP "$d11"
for i in 1 2 3 4 5 6; do
	mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/eleven/set/stall \
	    -m "$i" -q 1
done
# Keepalive 5 s: the broker gives up after 7.5 s.
wait_for 20 "grep -q 'legwatch-eleven has exceeded timeout' \
    '$work/b11/broker.log'"
kill -CONT "$d11"
wait "$d11"
check "daemon 11 exit status" "[ $? -eq 0 ]"
sleep 0.5
kill "$sub" 2>/dev/null
payloads eleven "$work/sub11.log" > "$work/got11.jsonl"
check "the stall cost the connection" "grep -q 'lost the connection' \
    '$work/d11.log'"
# Under valgrind the loop, many times slower, may read one message and
# then the close, and so never publish into the dead socket: the checks
# after this one still hold, but this path is the native build's to show.
if [ "$(head -c 2 "$bin")" != '#!' ]; then
	check "events were published into the dead connection" "grep -q \
	    'queued, it goes out on the next connect' '$work/d11.log'"
fi
check "after a stall: every event, in order" \
    "awk '!seen[\$0]++' '$work/got11.jsonl' | cmp -s '$work/ev11.jsonl' -"
check "after a stall: none more than twice ($(sort "$work/got11.jsonl" |
    uniq -c | sort -rn | awk 'NR == 1 { print $1 }') at most)" \
    "[ -z \"\$(sort '$work/got11.jsonl' | uniq -c | awk '\$1 > 2')\" ]"

# --- 12. a command as large as the broker takes (50 MB) costs the
# daemon no more than a small one: told our maximum packet size (MQTT 5),
# the broker never sends it.  (Under valgrind the RSS is valgrind's.)
start_broker b12
conf "$work/twelve.conf" twelve "$work/state12" "$work/long.csv" 1
"$bin" -c "$work/twelve.conf" -v 2> "$work/d12.log" &
d12=$!; pids="$pids $d12"
check "daemon 12 online" "wait_for 5 \"[ \\\"\\\$(mosquitto_sub -h 127.0.0.1 \
    -p $port -C 1 -W 2 -t legwatch/twelve/status 2>/dev/null)\\\" = online ]\""
head -c 52428800 /dev/zero > "$work/huge"
mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/twelve/set/drank \
    -f "$work/huge" -q 1
rm -f "$work/huge"
mosquitto_pub -h 127.0.0.1 -p "$port" -t legwatch/twelve/set/drank -m PRESS -q 1
check "a command after the huge one is taken" "wait_for 5 \"grep -q \
    'command drank PRESS' '$work/d12.log'\""
if [ "$(head -c 2 "$bin")" != '#!' ]; then
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$d12/status")
	check "peak RSS after a 50 MB command: ${hwm} kB, under 16 MB" \
	    "[ '$hwm' -lt 16384 ]"
fi
check "the huge command never reached the daemon" \
    "! grep -q 'ignoring 52428800 bytes' '$work/d12.log'"
kill "$d12"; wait "$d12" 2>/dev/null

# --- 13. a reload of a 5 MB configuration while events flow: it is
# parsed on a worker (libconfig takes quadratic time over the members of
# a group), and no event waits for it.  An event's delay is its arrival
# less its end mapped to the wall clock (the replay runs at speed 60).
# The paced replay hands detection its data once a second, so delays
# differ by up to a second anyway: the reload may add no more than one.
start_broker b13
conf "$work/thirteen.conf" thirteen "$work/state13" "$work/long.csv" 60
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -F '%U %p' \
    -t 'legwatch/thirteen/movement' > "$work/sub13.log" 2>&1 &
sub=$!; pids="$pids $sub"
sleep 0.3
# One 4.5 MB comment line (mawk's sprintf stops at 8 KiB).
{ printf '# '; head -c 4500000 /dev/zero | tr '\0' ' '; echo; } \
    > "$work/huge.conf"
cat "$work/thirteen.conf" >> "$work/huge.conf"
awk 'BEGIN { printf "padding = {"
    for (i = 0; i < 20000; i++) printf " key%d = %d;", i, i
    print " };" }' >> "$work/huge.conf"
"$bin" -c "$work/thirteen.conf" --events "$work/ev13.jsonl" \
    2> "$work/d13.log" &
d13=$!; pids="$pids $d13"
wait_for 10 "[ \$(cat '$work/ev13.jsonl' 2>/dev/null | wc -l) -ge 3 ]"
cp "$work/huge.conf" "$work/thirteen.conf"
kill -HUP "$d13"
wait "$d13"
check "daemon 13 exit status" "[ $? -eq 0 ]"
sleep 0.3
kill "$sub" 2>/dev/null
spread=$(sed -n 's/^\([0-9.]*\) .*"end":\([0-9.]*\),.*/\1 \2/p' \
    "$work/sub13.log" | awk '{ d = $1 - $2 / 60
    if (NR == 1 || d < lo) lo = d; if (NR == 1 || d > hi) hi = d }
    END { printf "%.2f", (NR > 5 ? hi - lo : 99) }')
# Under valgrind the loop and the parse share one core's worth of time,
# and under the sanitizers the parse runs a few times slower: either way
# it may outlast the replay.
if [ "$(head -c 2 "$bin")" != '#!' ] && ! grep -q __asan_init "$bin"; then
	check "the 5 MB configuration was read and refused" \
	    "grep -q 'reload refused.*padding: unknown setting' '$work/d13.log'"
	check "no event delayed by the reload (spread ${spread} s, under 2 s)" \
	    "awk 'BEGIN { exit !($spread < 2) }'"
fi

# --- systemd: ready, watchdog from the loop, reloading, stopping
"$build/notifylisten" "$work/notify.sock" 20 > "$work/notify.log" &
nl=$!; pids="$pids $nl"
sleep 0.3
NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=1000000 \
    "$bin" --replay "$work/long.csv" --speed 1 -q > /dev/null &
d7=$!; pids="$pids $d7"
wait_for 5 "grep -q 'READY=1' '$work/notify.log'"
sleep 2.5
kill -HUP "$d7"
sleep 0.5
kill "$d7"
wait "$d7"
sleep 0.3
kill "$nl" 2>/dev/null
check "sd_notify READY=1" "grep -q 'READY=1' '$work/notify.log'"
check "sd_notify WATCHDOG=1 from the loop" \
    "[ \$(grep -c 'WATCHDOG=1' '$work/notify.log') -ge 2 ]"
check "sd_notify RELOADING=1" "grep -q 'RELOADING=1' '$work/notify.log'"
check "sd_notify STOPPING=1" "grep -q 'STOPPING=1' '$work/notify.log'"

echo "mqtt: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
