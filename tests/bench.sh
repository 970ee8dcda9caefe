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
