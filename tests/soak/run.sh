#!/bin/sh
# make soak (not in CI): an 8 h, 50 Hz night replayed through the daemon
# at SOAK_SPEED times real time (default 90: 8 h in 5 1/3 min) with MQTT on,
# while the broker is restarted every SOAK_BROKER_PERIOD s of real time
# (default 20: the run is short) and the daemon is killed (SIGKILL) and
# started again four times with the same configuration and state_dir.
#
# A replay starts its recording from the beginning, so each daemon run
# plays the REST of the night: before each start the configuration's
# recording (chunk.csv) is rewritten to hold the samples from where the
# killed run had got to (its run time x speed, and past its last event)
# to the end.  The last run plays to the end and exits by itself.
#
# Checked: every event any run wrote to its --events file (and an event
# a run had put in its outbox when it was killed, before it could write
# it to --events) reaches a persistent QoS 1 subscriber (clean_session
# false, surviving the broker restarts; mosquitto persistence on) exactly
# once and in order (a repeat the broker sends the subscriber with DUP
# set after a restart, QoS 1's own at-least-once, is counted apart and
# left out; a repeat without DUP fails); each run's memory (VmRSS,
# VmHWM) and open file descriptors, sampled every second, do not grow
# (first against last quarter of the run).
# usage: tests/soak/run.sh BUILD_DIR WORK_DIR
set -u
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
sim=$build/legsim
speed=${SOAK_SPEED:-90}
broker_period=${SOAK_BROKER_PERIOD:-20}
broker_down=${SOAK_BROKER_DOWN:-2}
hours=${SOAK_HOURS:-8}
# Real seconds each killed run lives; the third is killed only once the
# broker is down (an outage with events waiting in the outbox).
kill_after=${SOAK_KILLS:-"45 50 55 50"}
# RSS may grow this much (KiB) from the first to the last quarter of a run.
rss_slack=${SOAK_RSS_SLACK_KB:-256}

rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0
pids=""
began=$(date +%s)

cleanup() {
	touch "$work/stop"
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	[ -s "$work/broker.pid" ] && kill -9 "$(cat "$work/broker.pid")" 2>/dev/null
	[ -s "$work/sub.pid" ] && kill -9 "$(cat "$work/sub.pid")" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. tests/lib.sh
now() { date +%s.%N; }

# --- the night
night=$work/night.csv
start=1795041900	# 2026-11-18 22:45 UTC, in the night window
"$sim" --seed 8800 --hours "$hours" --rate 50 --profile restless-cramps \
    --start "$start" --out "$night" --truth "$work/night.truth" 2>/dev/null ||
    { echo "legsim failed"; exit 1; }
night_end=$(tail -n 1 "$night" | cut -d, -f1)
echo "soak: $hours h night at 50 Hz ($(($(wc -l < "$night") - 1)) samples," \
    "$(grep -c '"type":"lm"' "$work/night.truth") leg movements," \
    "$(grep -c '"type":"cramp"' "$work/night.truth") cramps in its truth)," \
    "replayed at ${speed}x; broker restarted every ${broker_period} s" \
    "(down ${broker_down} s), daemon killed after: $kill_after s"

# --- the broker, on one port for the whole soak, restarted by a loop
port=
broker_conf() {
	{
		echo "listener $port 127.0.0.1"
		[ "$(id -u)" -eq 0 ] && echo "user root"
		echo "persistence true"
		echo "persistence_location $work/broker/"
		echo "allow_anonymous true"
		# The subscriber's session may hold a daemon's whole backlog.
		echo "max_queued_messages 0"
	} > "$work/broker/mosquitto.conf"
}
# start_broker: on $port; 0 when it listens.
start_broker() {
	mosquitto -c "$work/broker/mosquitto.conf" \
	    >> "$work/broker/broker.log" 2>&1 &
	echo $! > "$work/broker.pid"
	b=$!
	wait_for 5 "mosquitto_sub -h 127.0.0.1 -p $port -t soak/ping -C 1 -W 1 \
	    -E >/dev/null 2>&1 || ! kill -0 $b 2>/dev/null"
	kill -0 "$b" 2>/dev/null && mosquitto_sub -h 127.0.0.1 -p "$port" \
	    -t soak/ping -E >/dev/null 2>&1
}
mkdir -p "$work/broker"
tries=0
while :; do
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	broker_conf
	start_broker && break
	kill -9 "$(cat "$work/broker.pid")" 2>/dev/null
	tries=$((tries + 1))
	[ $tries -lt 20 ] || { echo "cannot start mosquitto:" \
	    "$(tail -n 3 "$work/broker/broker.log")"; exit 1; }
done

# The subscriber: one persistent session (clean_session false, QoS 1),
# started again whenever it exits (mosquitto_sub may give up while the
# broker is away); its output is one file, in arrival order.
(
	while [ ! -e "$work/stop" ]; do
		mosquitto_sub -h 127.0.0.1 -p "$port" -c -i lw-soak-sub -q 1 -v -d \
		    -t legwatch/soak/event -t legwatch/soak/movement \
		    >> "$work/sub.log" 2>> "$work/sub.err" &
		echo $! > "$work/sub.pid"
		wait $!
		echo "$(now) subscriber exited" >> "$work/sub.restarts"
		sleep 0.2
	done
) &
pids="$pids $!"
wait_for 5 "grep -q . '$work/sub.pid' 2>/dev/null"
sleep 0.5

# The restarter: SIGTERM (the broker saves its store), down a while,
# up again on the same port with the same store.
(
	while :; do
		t=0
		while [ $t -lt $((broker_period * 10)) ]; do
			[ -e "$work/stop" ] || [ -e "$work/stop-restarts" ] &&
			    exit 0
			sleep 0.1; t=$((t + 1))
		done
		b=$(cat "$work/broker.pid")
		touch "$work/broker.down"
		echo "$(now) down" >> "$work/restarts"
		kill -TERM "$b"
		wait_for 10 "! kill -0 $b 2>/dev/null" || kill -9 "$b"
		sleep "$broker_down"
		if start_broker; then
			echo "$(now) up" >> "$work/restarts"
		else
			echo "$(now) FAILED" >> "$work/restarts"
		fi
		rm -f "$work/broker.down"
	done
) &
restarter=$!
pids="$pids $restarter"

# --- the daemon: one configuration, one state_dir, for every run
state=$work/state
chunk=$work/chunk.csv
cat > "$work/soak.conf" <<EOC
device = { id = "soak"; name = "Soak"; };
mqtt = { host = "127.0.0.1"; port = $port; keepalive = 5; };
storage = { state_dir = "$state"; };
sensors = ( { name = "ankle"; type = "replay"; file = "$chunk"; speed = $speed; } );
EOC

# sample PID RUN: VmRSS, VmHWM (KiB) and open fds every second.
sample() {
	while kill -0 "$1" 2>/dev/null; do
		s=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
		    END { if (r != "") print r, h }' "/proc/$1/status" 2>/dev/null)
		f=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
		[ -n "$s" ] && [ "$f" -gt 0 ] && echo "$(now) $s $f" >> "$work/samples.$2"
		sleep 1
	done
}

# The last event's end (recording time) in an events file, or 0.
last_end() {
	sed -n 's/.*"end":\([0-9.]*\).*/\1/p' "$1" | tail -n 1 | grep . || echo 0
}

cut_at=0	# recording time the next run starts at (0: the beginning)
nkills=$(echo $kill_after | wc -w)
run=0
: > "$work/expected.jsonl"
for life in $kill_after last; do
	run=$((run + 1))
	if [ "$cut_at" = 0 ]; then
		cp "$night" "$chunk"
	else
		awk -F, -v c="$cut_at" 'NR == 1 || $1 + 0 >= c' "$night" > "$chunk"
	fi
	from=$(sed -n 2p "$chunk" | cut -d, -f1)
	[ -n "$from" ] || { fail "run $run: nothing left of the night to play"; break; }
	t0=$(now)
	"$bin" -c "$work/soak.conf" --events "$work/ev.$run.jsonl" \
	    2> "$work/d.$run.log" &
	d=$!
	pids="$pids $d"
	sample "$d" "$run" &
	sampler=$!
	if [ "$life" = last ]; then
		left=$(echo "$night_end $from $speed" | awk '{ print int(($1 - $2) / $3) + 60 }')
		wait_for "$left" "! kill -0 $d 2>/dev/null" ||
		    { fail "run $run did not end in $left s"; kill -9 "$d"; }
		wait "$d"
		rc=$?
		t1=$(now)
		check "run $run (the last) exit status ($rc)" "[ $rc -eq 0 ]"
		how=ran_to_the_end
	else
		sleep "$life"
		how=killed
		# Run 3 dies in a broker outage with events in its outbox.
		if [ "$run" -eq 3 ]; then
			wait_for 90 "[ -e '$work/broker.down' ] &&
			    [ \$(pending '$state/outbox.jsonl') -gt 0 ]" &&
			    how=killed_in_a_broker_outage
		fi
		check "run $run still running when killed" "kill -0 $d"
		kill -9 "$d"
		t1=$(now)
		wait "$d" 2>/dev/null
	fi
	wait "$sampler" 2>/dev/null
	touch "$work/ev.$run.jsonl"
	cat "$work/ev.$run.jsonl" >> "$work/expected.jsonl"
	# Killed between putting an event in the outbox and writing it to
	# --events: it is owed to the broker all the same.
	if [ "$life" != last ]; then
		awk '$1 == "E" { e[$2] = $0 } $1 == "A" { delete e[$2] }
		    END { for (k in e) print k + 0, e[k] }' "$state/outbox.jsonl" |
		    sort -n | cut -d' ' -f2- | sed 's/^E [0-9]* [a-z]* [0-2] //' \
		    > "$work/pending.$run"
		extra=$(awk 'NR == FNR { seen[$0] = 1; next } !seen[$0]' \
		    "$work/expected.jsonl" "$work/pending.$run" | tee "$work/extra.$run" |
		    wc -l)
		cat "$work/extra.$run" >> "$work/expected.jsonl"
		npend=$(wc -l < "$work/pending.$run")
	else
		extra=0
		npend=$(pending "$state/outbox.jsonl")
	fi
	played=$(echo "$t0 $t1 $speed" | awk '{ print ($2 - $1) * $3 }')
	echo "$run $how $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')" \
	    "$from $(wc -l < "$work/ev.$run.jsonl") $extra $npend" >> "$work/runs"
	# The next run: from where this one had got to, past its last event.
	cut_at=$(echo "$from $played $(last_end "$work/ev.$run.jsonl") $speed" |
	    awk '{ c = $1 + $2 + $4; if ($3 + 1 > c) c = $3 + 1; printf "%.3f", c }')
done

# --- wait for the subscriber to have all, then stop the restarts
want=$(wc -l < "$work/expected.jsonl")
got() { grep -c '^legwatch/soak/\(event\|movement\) ' "$work/sub.log"; }
wait_for 60 "[ \$(got) -ge $want ]"
sleep 2		# anything more (a repeat) arrives too
touch "$work/stop-restarts"
wait "$restarter" 2>/dev/null
touch "$work/stop"
kill "$(cat "$work/sub.pid")" 2>/dev/null
sleep 0.3
# What arrived, in order; -d says which the broker sent again (DUP set:
# it had sent it before a restart and not seen the PUBACK).  Such a
# repeat of what arrived already is MQTT QoS 1 between the broker and the
# subscriber, not the daemon's doing: counted, and left out of the
# comparison.  A repeat without DUP is the daemon publishing twice.
awk '/received PUBLISH \(d[01],/ { d = substr($0, index($0, "(d") + 2, 1); next }
    /^legwatch\/soak\/(event|movement) / {
	p = substr($0, index($0, " ") + 1)
	if (d == 1 && (p in seen)) { print p > redelivered; d = 0; next }
	seen[p] = 1; print p; d = 0 }' redelivered="$work/redelivered.jsonl" \
    "$work/sub.log" > "$work/received.jsonl"
touch "$work/redelivered.jsonl"
n_redel=$(wc -l < "$work/redelivered.jsonl")
ended=$(date +%s)

# --- the comparison
awk 'NR == FNR { want[$0]++; order[++n] = $0; next }
    { got[$0]++; if (got[$0] == 1) seq[++m] = $0 }
    END {
	for (k in got)
		if (!(k in want)) unknown += got[k]
		else if (got[k] > want[k]) dup += got[k] - want[k]
	for (k in want)
		if (!(k in got)) lost += want[k]
		else if (got[k] < want[k]) lost += want[k] - got[k]
	# In order: the first arrivals, with the lost left out, follow the
	# expected order.
	j = 1; ooo = 0
	for (i = 1; i <= n; i++) {
		if (!(order[i] in got)) continue
		while (j <= m && !(seq[j] in want)) j++
		if (seq[j] != order[i]) ooo++
		j++
	}
	printf "%d %d %d %d %d\n", n, lost + 0, dup + 0, unknown + 0, ooo
    }' "$work/expected.jsonl" "$work/received.jsonl" > "$work/compare"
read -r n_want n_lost n_dup n_unknown n_ooo < "$work/compare"
n_got=$(wc -l < "$work/received.jsonl")

echo
echo "== runs (recording time from the start of the night)"
printf '%-4s %-30s %8s %10s %7s %6s %8s\n' run how "real s" "from" events \
    extra "outbox"
while read -r r how secs from evs extra npend; do
	printf '%-4s %-30s %8s %9.0fs %7s %6s %8s\n' "$r" "$(echo "$how" |
	    tr _ ' ')" "$secs" "$(echo "$from $start" | awk '{ print $1 - $2 }')" \
	    "$evs" "$extra" "$npend"
done < "$work/runs"
echo "(extra: put in the outbox but killed before --events had it; outbox:" \
    "events not yet acknowledged when the run ended)"
touch "$work/restarts" "$work/sub.restarts"
echo "broker restarts: $(grep -c ' up$' "$work/restarts")" \
    "($(grep -c FAILED "$work/restarts") failed);" \
    "subscriber reconnects by a new mosquitto_sub:" \
    "$(awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$work/sub.restarts")"

echo
echo "== events"
echo "written by the runs (--events, with extras) $n_want"
echo "received by the subscriber                  $n_got" \
    "(and $n_redel sent again by the broker after a restart, DUP set)"
echo "lost $n_lost, duplicated $n_dup, unknown $n_unknown, out of order $n_ooo"
check "some events (at least 100)" "[ $n_want -ge 100 ]"
check "no event lost ($n_lost)" "[ $n_lost -eq 0 ]"
check "no event twice ($n_dup)" "[ $n_dup -eq 0 ]"
check "no event the runs did not write ($n_unknown)" "[ $n_unknown -eq 0 ]"
check "in order ($n_ooo out of place)" "[ $n_ooo -eq 0 ]"
check "exactly the runs' events, in order (cmp)" \
    "cmp -s '$work/expected.jsonl' '$work/received.jsonl'"
check "the outbox is empty at the end ($(pending "$state/outbox.jsonl"))" \
    "[ \$(pending '$state/outbox.jsonl') -eq 0 ]"
check "a night summary at the end" \
    "tail -n 1 '$work/received.jsonl' | grep -q night_summary"
check "every broker restart came up" \
    "! grep -q FAILED '$work/restarts' && [ \$(grep -c ' up\$' '$work/restarts') -ge 5 ]"

echo
echo "== memory and file descriptors, sampled every second"
echo "(quarters of each run; the first 2 s, the start, left out; KiB)"
printf '%-4s %7s %9s %9s %9s %9s %9s %6s %6s\n' run samples "RSS q1" \
    "RSS q4" "RSS max" "HWM q1" "HWM end" "fd q1" "fd q4"
r=1
while [ $r -le $run ]; do
	if [ ! -s "$work/samples.$r" ] ||
	    [ "$(wc -l < "$work/samples.$r")" -lt 10 ]; then
		fail "run $r: too few samples"
		r=$((r + 1)); continue
	fi
	awk 'NR > 2 { n++; rss[n] = $2; hwm[n] = $3; fd[n] = $4 }
	    END {
		q = int(n / 4)
		for (i = 1; i <= q; i++) {
			r1 = rss[i] > r1 ? rss[i] : r1
			h1 = hwm[i] > h1 ? hwm[i] : h1
			f1 = fd[i] > f1 ? fd[i] : f1
		}
		for (i = n - q + 1; i <= n; i++) {
			r4 = rss[i] > r4 ? rss[i] : r4
			f4 = fd[i] > f4 ? fd[i] : f4
		}
		for (i = 1; i <= n; i++) rm = rss[i] > rm ? rss[i] : rm
		print n, r1, r4, rm, h1, hwm[n], f1, f4
	    }' "$work/samples.$r" > "$work/mem.$r"
	read -r ns r1 r4 rm h1 hn f1 f4 < "$work/mem.$r"
	printf '%-4s %7s %9s %9s %9s %9s %9s %6s %6s\n' "$r" "$ns" "$r1" "$r4" \
	    "$rm" "$h1" "$hn" "$f1" "$f4"
	check "run $r: RSS flat (last quarter $r4 <= first $r1 + $rss_slack KiB)" \
	    "[ $r4 -le $((r1 + rss_slack)) ]"
	check "run $r: peak RSS flat (VmHWM at the end $hn <= first quarter's $h1 + $rss_slack KiB)" \
	    "[ $hn -le $((h1 + rss_slack)) ]"
	check "run $r: no fd growth (last quarter $f4 <= first $f1)" \
	    "[ $f4 -le $f1 ]"
	r=$((r + 1))
done

echo
echo "soak took $((ended - began)) s of real time; files in $work"
echo "soak: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
