#!/bin/sh
# make bench: offline analysis speed and memory on an 8 h, 100 Hz night,
# instructions per sample, detection accuracy on a large varied set, and
# a live run: CPU, wakeups at rest and in a PLM series, event latency.
# Wall-clock figures are ratios to `wc -l` on the same file, measured
# back to back (the best of several runs), so a busy machine shows less.
# The figures end on one table.
# usage: tests/bench.sh BUILD_DIR
# BENCH_SKIP="offline accuracy arm64 vm live" leaves those parts out.
set -eu
build=$1
work=$build/bench
mkdir -p "$work"
bin=$build/legwatchd
skip=${BENCH_SKIP:-}
summary=$work/summary
: > "$summary"
# figure NAME VALUE GOAL: a row of the closing table.
figure() { printf '%-40s %12s   %s\n' "$1" "$2" "$3" >> "$summary"; }
skipped() { case " $skip " in *" $1 "*) return 0 ;; esac; return 1; }

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

if ! skipped offline; then
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
	# In turns, so that both meet whatever else the machine is doing.
	t_wc= t_lw=
	for round in 1 2 3 4 5 6 7 8 9; do
		t_wc=$(best_of 1 wc -l "$night" |
		    awk -v b="${t_wc:-1e9}" '{ print ($1 < b ? $1 : b) }')
		t_lw=$(best_of 1 "$bin" --replay "$night" --events /dev/null \
		    -q | awk -v b="${t_lw:-1e9}" '{ print ($1 < b ? $1 : b) }')
	done
	awk -v s="$samples" -v wc="$t_wc" -v lw="$t_lw" 'BEGIN {
		printf "wc -l               %8.3f s\n", wc
		printf "legwatchd --replay  %8.3f s  %6.1f M samples/s\n", lw, s / lw / 1e6
		printf "ratio to wc -l      %8.2f    (goal <= 4)\n", lw / wc
	}'
	figure "offline, 8 h at 100 Hz (s)" "$(printf %.3f "$t_lw")" ""
	figure "  wc -l on the same file (s)" "$(printf %.3f "$t_wc")" ""
	figure "  ratio to wc -l" "$(echo "$t_lw $t_wc" | awk '{ printf "%.1f", $1 / $2 }')" "<= 4"

	echo
	echo "== peak memory (RSS; goal <= 4 MB and flat in the night's length)"
	rss_short=$(peak_rss_kb "$bin" --replay "$short" --events /dev/null -q)
	rss_long=$(peak_rss_kb "$bin" --replay "$night" --events /dev/null -q)
	echo "1 h night  ${rss_short} KiB"
	echo "8 h night  ${rss_long} KiB"
	figure "peak RSS, 1 h night (KiB)" "$rss_short" "< 4096"
	figure "peak RSS, 8 h night (KiB)" "$rss_long" "< 4096"

	echo
	echo "== instructions per sample (callgrind, 1 h at 100 Hz)"
	ssamples=$(($(wc -l < "$short") - 1))
	valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
	    "$bin" --replay "$short" --events /dev/null -q 2>"$work/callgrind.log"
	ir=$(awk '/^summary:/ { print $2 }' "$work/callgrind.out")
	awk -v ir="$ir" -v s="$ssamples" 'BEGIN {
		printf "%d instructions in all, %.0f per sample\n", ir, ir / s }'
	figure "instructions per sample (callgrind)" \
	    "$(awk -v ir="$ir" -v s="$ssamples" 'BEGIN { printf "%.0f", ir / s }')" ""
	echo "where they go (callgrind_annotate):"
	callgrind_annotate "$work/callgrind.out" 2>/dev/null |
	    sed -n '/file:function/,$p' | sed -n '3,12p' | sed 's/\[.*//'
fi

if ! skipped accuracy; then
	echo
	echo "== detection accuracy, bench set"
	sh tests/sim/accuracy.sh --set bench "$build" "$work/accuracy" || true
fi

# What it would cost on a Raspberry Pi Zero 2 W (Cortex-A53, 1 GHz,
# in-order, dual issue), from the instructions the arm64 build executes
# (`make cross-arm64` builds it), counted under qemu-user by a TCG plugin
# (tests/platform/insncount.c): valgrind has no foreign architecture.
# The same plugin on the x86-64 build gives callgrind's count to 0.01 %.
# Seconds = instructions / (1e9 Hz x IPC), with IPC 0.6 to 1.0 assumed
# for this scalar code on that core.  The kernel's share qemu-user does not
# see; live, its system calls are counted (qemu's -strace) and taken at
# 2-10 us each on that core (a context switch or a loopback send included).
arm_bin=${ARM64_BUILD:-build/arm64}/legwatchd
arm_qemu() {
	# $1: the plugin's output file; the rest: the program and arguments.
	out=$1; shift
	qemu-aarch64 -cpu cortex-a53 -L / \
	    -E LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu \
	    -plugin "$work/insncount.so,out=$out" "$@"
}
pi_seconds() {
	# instructions -> "fast-slow" seconds at IPC 1.0 and 0.6.
	awk -v n="$1" 'BEGIN { printf "%.1f-%.1f", n / 1e9, n / 0.6e9 }'
}
arm_live=
if ! skipped arm64; then
	echo
	echo "== arm64 build, instructions counted under qemu-user (Pi Zero 2 W estimate)"
	if [ ! -x "$arm_bin" ]; then
		echo "no $arm_bin: run make cross-arm64 first (arm64 left out)"
	elif ! command -v qemu-aarch64 >/dev/null 2>&1; then
		echo "no qemu-aarch64 (package qemu-user; qemu-user-static" \
		    "cannot load plugins): arm64 left out"
	else
		cc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
		    -o "$work/insncount.so" tests/platform/insncount.c
		arm_live=yes
		short=$work/night-1h-100hz.csv
		night=$work/night-8h-100hz.csv
		[ -s "$short" ] || "$build/legsim" --seed 8101 --hours 1 \
		    --rate 100 --profile mixed --out "$short" \
		    --truth "$work/night-1h-100hz.truth"
		[ -s "$night" ] || "$build/legsim" --seed 8100 --hours 8 \
		    --rate 100 --profile mixed --out "$night" \
		    --truth "$work/night-8h-100hz.truth"
		arm_qemu "$work/arm64-1h.count" "$arm_bin" --replay "$short" \
		    --events "$work/arm64-1h.events" -q
		"$bin" --replay "$short" --events "$work/x86-1h.events" -q
		if cmp -s "$work/arm64-1h.events" "$work/x86-1h.events"; then
			same="the same events as the x86-64 build"
		else
			same="EVENTS DIFFER from the x86-64 build's"
		fi
		arm_qemu "$work/arm64-8h.count" "$arm_bin" --replay "$night" \
		    --events /dev/null -q
		n1=$(cat "$work/arm64-1h.count")
		n8=$(cat "$work/arm64-8h.count")
		s1=$(($(wc -l < "$short") - 1))
		s8=$(($(wc -l < "$night") - 1))
		per=$(awk -v n="$n1" -v s="$s1" 'BEGIN { printf "%.0f", n / s }')
		echo "1 h night: $n1 instructions, $per per sample; $same"
		echo "8 h night: $n8 instructions: $(pi_seconds "$n8") s of one A53 core at 1 GHz, IPC 1.0-0.6 (file in the page cache)"
		figure "arm64 instructions per sample (qemu)" "$per" ""
		figure "Pi Zero 2 W offline 8 h night (s, est.)" \
		    "$(pi_seconds "$n8")" "IPC 1.0-0.6"
	fi
fi

# The MPU-6050 driver live: the check-hw VM (tests/hw) with the chip on
# the kernel's i2c-stub, the daemon's wakeups at rest and its CPU time.
# The VM runs under TCG when there is no KVM: that CPU time is emulated,
# many times what the same work takes on real hardware.
if ! skipped vm; then
	echo
	echo "== live in the check-hw VM: an MPU-6050 on i2c-stub at 50 Hz, at rest"
	vm_s=${VM_SECONDS:-120}
	if HW_MODE=bench HW_BENCH_SECONDS=$vm_s sh tests/hw/run.sh "$build" \
	    > "$work/vm.log" 2>&1; then
		line=$(sed -n 's/^HW-BENCH mpu6050 50 Hz at rest: //p' \
		    "$build/hw/console.log.txt")
		echo "$line"
		echo "$line" | awk -v summary="$summary" '{
			printf "%-40s %12s   %s\n", "VM MPU-6050 wakeups/s at rest",
			    $5, "<= 1" >> summary
			printf "%-40s %12s   %s\n", "VM MPU-6050 CPU s/h (emulated)",
			    $11, "" >> summary
		}'
	else
		tail -n 20 "$work/vm.log"
		echo "the VM run failed (log: $work/vm.log)"
	fi
fi

if skipped live; then
	echo
	echo "== summary"
	cat "$summary"
	exit 0
fi

echo
echo "== live: a 50 Hz night and a thermometer replayed in real time through a broker"
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
    --rate 50 --profile rls --plm-series 2 --noise 0.004 --start "$t0" \
    --out "$live/live.csv" --truth "$live/live.truth" \
    --temp-out "$live/bedroom.csv" 2>/dev/null
cat > "$live/d.conf" <<EOC
mqtt = { host = "127.0.0.1"; port = $port; };
storage = { state_dir = "$live/state"; };
sensors = ( { name = "ankle"; type = "replay"; file = "$live/live.csv"; speed = 1.0; },
            { name = "bedroom"; type = "replay"; file = "$live/bedroom.csv"; speed = 1.0; } );
EOC
mosquitto_sub -h 127.0.0.1 -p "$port" -F '%U %t %p' -t 'legwatch/+/movement' \
    -t 'legwatch/+/event' > "$live/arrivals" 2>/dev/null &
sub=$!
sleep 0.3
launch=$(date +%s.%N)
/usr/bin/time -f "%U %S %M %w %e" -o "$live/time" "$bin" -c "$live/d.conf" -q &
timer=$!
sleep 0.2
daemon=$(pgrep -P "$timer" | head -n 1)
# Its wakeups (voluntary context switches) and its threads' CPU time in
# ms (the scheduler's own count, where the kernel shows it: rusage comes
# in 10 ms steps, a tenth of the goal in 6 minutes), once a second.
while [ -n "$daemon" ] && [ -r "/proc/$daemon/status" ]; do
	echo "$(date +%s.%N) $(awk '/^voluntary_ctxt_switches/ { print $2 }' \
	    "/proc/$daemon/status" 2>/dev/null) $(cat /proc/"$daemon"/task/*/sched \
	    2>/dev/null | awk '/^se.sum_exec_runtime/ { ms += $3; n++ }
	    END { print n ? ms : "" }')"
	sleep 1
done > "$live/wakeups"
wait "$timer" || true
sleep 0.5
kill "$sub" "$broker" 2>/dev/null
# At rest: no movement in the truth within 10 s; in a series: between
# movements at most 90 s apart.
gawk -v shift="$(echo "$launch $t0" | awk '{ print $1 - $2 }')" \
    -v summary="$summary" '
# n counts from 0: an unset n would file the first movement under "".
BEGIN { n = 0 }
FNR == NR {
	if ($0 ~ /"type":"night"/ || !match($0, /"start":[0-9.]+/))
		next
	s = substr($0, RSTART + 8, RLENGTH - 8) + 0
	match($0, /"end":[0-9.]+/)
	e = substr($0, RSTART + 6, RLENGTH - 6) + 0
	start[n] = s; end[n] = e; lm[n] = $0 ~ /"type":"lm"/; n++
	next
}
NF >= 2 && $2 != "" {
	if (havelast) {
		mid = ($1 + last) / 2 - shift
		rate = ($2 - lastv) / ($1 - last)
		rest = 1; series = 0
		for (i = 0; i < n; i++) {
			if (mid > start[i] - 10 && mid < end[i] + 10)
				rest = 0
			if (lm[i] && i + 1 < n && lm[i + 1] &&
			    start[i + 1] - end[i] <= 90 &&
			    mid >= start[i] && mid <= end[i + 1])
				series = 1
		}
		if (rest) { rsum += rate; rn++ }
		if (series) { ssum += rate; sn++ }
	}
	last = $1; lastv = $2; havelast = 1
}
END {
	printf "wakeups per second: %.1f at rest (%d s), %.1f during PLM series (%d s)\n",
	    rn ? rsum / rn : -1, rn, sn ? ssum / sn : -1, sn
	printf "%-40s %12s   %s\n", "live wakeups/s at rest / in PLM series",
	    sprintf("%.1f / %.1f", rn ? rsum / rn : -1, sn ? ssum / sn : -1),
	    "<= 1 at rest" >> summary
}' "$live/live.truth" "$live/wakeups"
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
BEGIN { n = 0 }
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
	printf "%-40s %12s   %s\n", "live event latency, median / p99 (ms)",
	    sprintf("%.0f / %.0f", known[int(n / 2)], known[int(n * 0.99)]), "" >> summary
}' summary="$summary" "$live/arrivals"
tail -n 1 "$live/time" | awk -v minutes="$minutes" '{ printf "CPU %.2f s user + %.2f s system in %d min: %.2f s per hour (goal <= 1); peak RSS %d KiB; %d voluntary context switches in %.0f s\n",
    $1, $2, minutes, ($1 + $2) * 60 / minutes, $3, $4, $5 }'
# The last reading before the stop, over the time since the launch.
cpu_ms=$(awk -v launch="$launch" 'NF == 3 { t = $1; ms = $3 }
    END { if (ms != "") printf "%.3f", ms * 3600 / (t - launch) / 1000 }' \
    "$live/wakeups")
[ -n "$cpu_ms" ] && echo "CPU by the scheduler's count: $cpu_ms s per hour"
tail -n 1 "$live/time" | awk -v minutes="$minutes" -v summary="$summary" \
    -v precise="$cpu_ms" '{
	printf "%-40s %12s   %s\n", "live CPU s per hour (50 Hz, MQTT on)",
	    precise != "" ? precise : sprintf("%.2f", ($1 + $2) * 60 / minutes),
	    "<= 1" >> summary
	printf "%-40s %12.1f   %s\n", "live wakeups per second (whole run)",
	    $4 / $5, "" >> summary
}'

if [ -n "$arm_live" ]; then
	echo
	echo "== arm64 build live, the same night under qemu-user (Pi Zero 2 W estimate)"
	alive=$work/live-arm64
	rm -rf "$alive" && mkdir -p "$alive" && alive=$(cd "$alive" && pwd)
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" \
	    > "$alive/m.conf"
	[ "$(id -u)" -eq 0 ] && echo "user root" >> "$alive/m.conf"
	mosquitto -c "$alive/m.conf" > "$alive/broker.log" 2>&1 &
	broker=$!
	sleep 0.5
	"$build/legsim" --seed 31 --hours "$(echo "$minutes" | awk '{ print $1 / 60 }')" \
	    --rate 50 --profile rls --plm-series 2 --noise 0.004 \
	    --start "$(date +%s)" --out "$alive/live.csv" \
	    --truth "$alive/live.truth" --temp-out "$alive/bedroom.csv" \
	    2>/dev/null
	sed "s|$live|$alive|g; s|port = [0-9]*|port = $port|" "$live/d.conf" \
	    > "$alive/d.conf"
	# -strace: its system calls, one line each ("PID name(...").
	arm_qemu "$alive/count" -strace "$arm_bin" -c "$alive/d.conf" -q \
	    2> "$alive/strace" || true
	kill "$broker" 2>/dev/null
	n=$(cat "$alive/count")
	calls=$(grep -cE '^[0-9]+ [a-z_0-9]+\(' "$alive/strace" || true)
	awk -v n="$n" -v m="$minutes" -v calls="$calls" -v summary="$summary" '
	BEGIN {
		h = n * 60 / m
		c = calls * 60 / m
		printf "%d instructions in %d min: %.0f M an hour\n", n, m, h / 1e6
		printf "user space on one A53 core at 1 GHz: %.2f-%.2f s per hour (IPC 1.0-0.6)\n",
		    h / 1e9, h / 0.6e9
		printf "%d system calls: %.0f an hour, at 2-10 us each on the A53 %.2f-%.2f s per hour\n",
		    calls, c, c * 2e-6, c * 10e-6
		printf "%-40s %12s   %s\n", "Pi Zero 2 W live CPU s/h (est.)",
		    sprintf("%.2f-%.2f", h / 1e9 + c * 2e-6, h / 0.6e9 + c * 10e-6),
		    "<= 1" >> summary
	}'
fi
echo
echo "== summary"
cat "$summary"
