#!/bin/sh
# make bench: offline analysis speed and memory on an 8 h, 100 Hz night,
# instructions per sample, and detection accuracy on a large varied set.
# Wall-clock figures are ratios to `wc -l` on the same file, measured
# back to back (the best of several runs), so a busy machine shows less.
# usage: tests/bench.sh BUILD_DIR
set -eu
build=$1
work=$build/bench
mkdir -p "$work"
bin=$build/legwatchd

now() { date +%s.%N; }
# best_of N command...: the shortest wall time of N runs, in seconds.
best_of() {
	n=$1; shift
	best=
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		best=$(echo "$t0 $t1 ${best:-1e9}" |
		    awk '{ d = $2 - $1; print (d < $3 ? d : $3) }')
		i=$((i + 1))
	done
	echo "$best"
}
peak_rss_kb() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

echo "== machine"
echo "$(nproc) cores, $(awk -F: '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/^ *//')"
echo "kernel $(uname -r), $(cc --version | head -n 1)"

night=$work/night-8h-100hz.csv
if [ ! -s "$night" ]; then
	"$build/legsim" --seed 8100 --hours 8 --rate 100 --profile mixed \
	    --out "$night" --truth "$work/night-8h-100hz.truth"
fi
short=$work/night-1h-100hz.csv
if [ ! -s "$short" ]; then
	"$build/legsim" --seed 8101 --hours 1 --rate 100 --profile mixed \
	    --out "$short" --truth "$work/night-1h-100hz.truth"
fi
samples=$(($(wc -l < "$night") - 1))
size=$(wc -c < "$night")

echo
echo "== offline analysis: 8 h at 100 Hz, $samples samples, $((size / 1048576)) MiB"
cat "$night" > /dev/null		# in the page cache for both
t_wc=$(best_of 5 wc -l "$night")
t_lw=$(best_of 5 "$bin" --replay "$night" --events /dev/null -q)
awk -v s="$samples" -v wc="$t_wc" -v lw="$t_lw" 'BEGIN {
	printf "wc -l               %8.3f s\n", wc
	printf "legwatchd --replay  %8.3f s  %6.1f M samples/s\n", lw, s / lw / 1e6
	printf "ratio to wc -l      %8.2f    (goal <= 4)\n", lw / wc
}'

echo
echo "== peak memory (RSS; goal <= 4 MB and flat in the night's length)"
rss_short=$(peak_rss_kb "$bin" --replay "$short" --events /dev/null -q)
rss_long=$(peak_rss_kb "$bin" --replay "$night" --events /dev/null -q)
echo "1 h night  ${rss_short} KiB"
echo "8 h night  ${rss_long} KiB"

echo
echo "== instructions per sample (callgrind, 1 h at 100 Hz)"
ssamples=$(($(wc -l < "$short") - 1))
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$bin" --replay "$short" --events /dev/null -q 2>"$work/callgrind.log"
ir=$(awk '/^summary:/ { print $2 }' "$work/callgrind.out")
awk -v ir="$ir" -v s="$ssamples" 'BEGIN {
	printf "%d instructions in all, %.0f per sample\n", ir, ir / s }'

echo
echo "== detection accuracy, bench set"
sh tests/sim/accuracy.sh --set bench "$build" "$work/accuracy" || true

echo
echo "== live: a night replayed in real time (--speed 1) through a real broker"
live=$work/live
rm -rf "$live" && mkdir -p "$live" && live=$(cd "$live" && pwd)
minutes=${LIVE_MINUTES:-6}
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$live/m.conf"
[ "$(id -u)" -eq 0 ] && echo "user root" >> "$live/m.conf"
mosquitto -c "$live/m.conf" > "$live/broker.log" 2>&1 &
broker=$!
sleep 0.5
# The recording starts now, so its clock is the wall clock (shifted by the
# time from here to the daemon's start, taken off below).
t0=$(date +%s)
"$build/legsim" --seed 31 --hours "$(echo "$minutes" | awk '{ print $1 / 60 }')" \
    --rate 100 --profile rls --plm-series 2 --noise 0.004 --start "$t0" \
    --out "$live/live.csv" --truth "$live/live.truth" 2>/dev/null
cat > "$live/d.conf" <<EOC
mqtt = { host = "127.0.0.1"; port = $port; };
storage = { state_dir = "$live/state"; };
sensors = ( { name = "ankle"; type = "replay"; file = "$live/live.csv"; speed = 1.0; } );
EOC
mosquitto_sub -h 127.0.0.1 -p "$port" -F '%U %t %p' -t 'legwatch/+/movement' \
    -t 'legwatch/+/event' > "$live/arrivals" 2>/dev/null &
sub=$!
sleep 0.3
launch=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$live/time" "$bin" -c "$live/d.conf" -q
sleep 0.5
kill "$sub" "$broker" 2>/dev/null
gawk -v minutes="$minutes" -v shift="$(echo "$launch $t0" | awk '{ print $1 - $2 }')" '
function field(s, k,    r) {
	if (match(s, "\"" k "\":[0-9.]+")) {
		r = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		return r + 0
	}
	return -1
}
function isotime(s,    r, d) {
	match(s, "\"time\":\"[^\"]+\"")
	r = substr(s, RSTART + 8, RLENGTH - 9)
	gsub(/[-T:Z]/, " ", r)
	split(r, d, " ")
	return mktime(d[1] " " d[2] " " d[3] " " d[4] " " d[5] " 0") + d[6]
}
$0 ~ /leg_movement/ {
	arr = $1
	known[n] = (arr - shift - isotime($0)) * 1000
	ended[n] = (arr - shift - field($0, "end")) * 1000
	n++
}
function sort(a, m,    i, j, t) {
	for (i = 1; i < m; i++)
		for (j = i; j > 0 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
END {
	if (n == 0) { print "no movements arrived"; exit }
	sort(known, n); sort(ended, n)
	printf "%d leg movements over %d minutes\n", n, minutes
	printf "latency from the event being known to the subscriber: median %.0f ms, p99 %.0f ms\n",
	    known[int(n / 2)], known[int(n * 0.99)]
	printf "latency from the end of the movement (includes the 0.5 s offset rule): median %.0f ms, p99 %.0f ms\n",
	    ended[int(n / 2)], ended[int(n * 0.99)]
}' "$live/arrivals"
tail -n 1 "$live/time" | awk -v minutes="$minutes" '{ printf "CPU %.2f s user + %.2f s system in %d min: %.2f s per hour at 100 Hz (goal <= 1); peak RSS %d KiB\n",
    $1, $2, minutes, ($1 + $2) * 60 / minutes, $3 }'
