#!/bin/sh
# The night report (--replay FILE... --report FILE) as a person meets it:
# the option's exit codes and where the picture goes; a simulated night
# and the bundled sample night drawn with a mark for every event; and
# both rendered by a real browser (headless Chromium, installed here
# when missing) into PNGs that are not blank and show each mark's colour
# beyond what a night without marks shows.
# usage: tests/report/run.sh BUILD_DIR WORK_DIR
set -u
# Night windows and hour labels are local time: the same everywhere.
export TZ=UTC
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
work=$2
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
bin=$build/legwatchd
sim=$build/legsim
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)	# for file:// addresses
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE STDERR_PATTERN -- command...
expect() {
	code=$1 pattern=$2; shift 3
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$*: exit $rc, want $code: $(head -c 300 "$work/err")"
	elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$work/err"; then
		fail "$*: stderr lacks '$pattern': $(head -c 300 "$work/err")"
	else
		pass
	fi
}

# marks SVG CLASS: how many elements of that class the picture has
marks() { grep -o "<rect class=\"$2\"" "$1" | wc -l; }
# events EVENTS TYPE: how many events of that type
events() { grep -c "\"event_type\":\"$2\"" "$1"; }
# no_temp DIR: nothing left of a temporary file beside the report
no_temp() { ! ls -A "$1" | grep -q '\.svg\.tmp-'; }

# The marks of the picture are the events of the same replay.
same_marks() {	# same_marks NAME SVG EVENTS
	for pair in lm:leg_movement bm:body_movement plm:plm_series \
	    cramp:cramp; do
		m=$(marks "$2" "${pair%%:*}")
		e=$(events "$3" "${pair#*:}")
		if [ "$m" -eq "$e" ]; then pass
		else fail "$1: $m ${pair%%:*} marks for $e ${pair#*:} events"; fi
	done
}

# --- the option: where the picture goes, and when it is refused
"$sim" --seed 1 --hours 2 --rate 25 --profile rls --cramps 1 --turns 3 \
    --long-turns 2 \
    --out "$work/night.csv" --truth "$work/night.truth" \
    --temp-out "$work/bedroom.csv" || fail "legsim"
expect 0 "" -- "$bin" --replay "$work/night.csv" \
    --replay "$work/bedroom.csv" --events "$work/night.jsonl" \
    --report "$work/night.svg"
if head -n 2 "$work/night.svg" | grep -q '^<svg xmlns="http://www.w3.org/2000/svg" version="1.1"' &&
    tail -n 1 "$work/night.svg" | grep -q '^</svg>$'; then pass
else fail "night.svg is not an SVG document"; fi
same_marks "simulated night" "$work/night.svg" "$work/night.jsonl"
for k in leg_movement body_movement plm_series; do
	if [ "$(events "$work/night.jsonl" $k)" -gt 0 ]; then pass
	else fail "the simulated night has no $k to draw"; fi
done
grep -q 'Not a medical device' "$work/night.svg" && pass ||
    fail "no 'Not a medical device'"
if grep -q 'href\|<script\|url(' "$work/night.svg"; then
	fail "the picture refers to something outside itself"
else pass; fi
# The report changes nothing else the replay writes.
"$bin" --replay "$work/night.csv" --replay "$work/bedroom.csv" \
    --events "$work/plain.jsonl" 2>/dev/null
cmp -s "$work/plain.jsonl" "$work/night.jsonl" && pass ||
    fail "--report changed the events"
# A file there already is replaced whole, readable by all, no leftovers.
echo "old" > "$work/old.svg"
chmod 600 "$work/old.svg"
expect 0 "" -- "$bin" --replay "$work/bedroom.csv" --report "$work/old.svg"
if head -n 1 "$work/old.svg" | grep -q '^<?xml' &&
    [ "$(stat -c %a "$work/old.svg")" = 644 ] && no_temp "$work"; then pass
else fail "an old report was not replaced cleanly"; fi
# To stdout; to a device or a FIFO, written to, never renamed over.
expect 0 "" -- "$bin" --replay "$work/bedroom.csv" --report -
head -n 1 "$work/out" | grep -q '^<?xml' && pass || fail "--report -"
expect 0 "" -- "$bin" --replay "$work/bedroom.csv" --report /dev/null
[ -c /dev/null ] && pass || fail "/dev/null is no longer a device"
mkfifo "$work/report.fifo"
cat "$work/report.fifo" > "$work/from-fifo.svg" &
"$bin" --replay "$work/bedroom.csv" --report "$work/report.fifo" 2>/dev/null
wait
"$bin" --replay "$work/bedroom.csv" --report "$work/direct.svg" 2>/dev/null
if [ -p "$work/report.fifo" ] && [ -s "$work/from-fifo.svg" ] &&
    cmp -s "$work/from-fifo.svg" "$work/direct.svg"; then pass
else fail "the report through a FIFO"; fi
# Where it cannot go: said at once, naming the place, exit 73.
expect 73 "$work/nosuchdir/x.svg" -- "$bin" --replay "$work/bedroom.csv" \
    --report "$work/nosuchdir/x.svg"
expect 73 "Is a directory" -- "$bin" --replay "$work/bedroom.csv" \
    --report "$work"
# Bad input: exit 65, and neither the picture nor a part of it.
cp "$work/bedroom.csv" "$work/badtemp.csv"
echo "1799999999,warm" >> "$work/badtemp.csv"
expect 65 "badtemp.csv" -- "$bin" --replay "$work/night.csv" \
    --replay "$work/badtemp.csv" --report "$work/bad.svg"
if [ ! -e "$work/bad.svg" ] && no_temp "$work"; then pass
else fail "bad input left a report behind"; fi
# Paced, from the command line or a configured replay sensor: the same
# engine, the same picture as the fast replay's.
"$bin" --replay "$work/bedroom.csv" --report "$work/fast.svg" 2>/dev/null
expect 0 "" -- "$bin" --replay "$work/bedroom.csv" --speed 100000 \
    --report "$work/paced.svg"
cmp -s "$work/fast.svg" "$work/paced.svg" && pass ||
    fail "a paced replay's report differs from the fast one's"
printf 'sensors = ( { name = "bedroom"; type = "replay"; file = "%s"; speed = 10000.0; } );\nmqtt = { enabled = false; };\n' \
    "$work/bedroom.csv" > "$work/paced.conf"
rm -f "$work/paced.svg"
expect 0 "" -- "$bin" -c "$work/paced.conf" --report "$work/paced.svg"
cmp -s "$work/fast.svg" "$work/paced.svg" && pass ||
    fail "a configured paced replay's report differs from the fast one's"
expect 64 "stdout" -- "$bin" --replay "$work/bedroom.csv" --events - \
    --report -
"$bin" --help | grep -q -- "--report FILE" && pass || fail "--help lacks --report"

# --- the sample night: every kind of mark, the figures the README shows
mkdir -p "$work/sample"
gzip -dc "$top/tests/data/sample-night/ankle.csv.gz" > "$work/sample/ankle.csv"
cp "$top/tests/data/sample-night/bedroom.csv" "$work/sample/bedroom.csv"
# From beside the files, as docs/sample-night.svg is made: the picture
# names the files as given.
(cd "$work/sample" && "$bin" --replay ankle.csv --replay bedroom.csv \
    --events sample.jsonl --report sample-night.svg 2>/dev/null) ||
    fail "the sample night"
svg=$work/sample/sample-night.svg
same_marks "sample night" "$svg" "$work/sample/sample.jsonl"
for k in leg_movement body_movement plm_series cramp; do
	if [ "$(events "$work/sample/sample.jsonl" $k)" -gt 0 ]; then pass
	else fail "the sample night has no $k to draw"; fi
done
sum=$(grep night_summary "$work/sample/sample.jsonl")
lm=$(echo "$sum" | sed -n 's/.*"lm_count":\([0-9]*\).*/\1/p')
plm=$(echo "$sum" | sed -n 's/.*"plm_count":\([0-9]*\).*/\1/p')
idx=$(echo "$sum" | sed -n 's/.*"plm_index":\([0-9.]*\).*/\1/p')
grep -q ">$lm</text>" "$svg" && pass || fail "sample: no LM count $lm"
grep -q ">$plm in 1 series</text>" "$svg" && pass ||
    fail "sample: no '$plm in 1 series'"
grep -q ">$idx per hour in bed</tspan>" "$svg" && pass ||
    fail "sample: no PLM index $idx"
if cmp -s "$svg" "$top/docs/sample-night.svg"; then pass
else fail "docs/sample-night.svg is not what this build draws: the" \
    "new one is $svg (cp it to docs/ when the change is meant)"; fi

# --- drawn by a browser
if ! command -v chromium >/dev/null 2>&1; then
	t0=$(date +%s)
	sh "$top/tests/apt.sh" install chromium fonts-dejavu-core \
	    > "$work/apt.log" 2>&1
	echo "report: installing chromium took $(($(date +%s) - t0)) s"
fi
cc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wformat=2 -Wvla -O2 -o "$work/pngstat" \
    "$top/tests/report/pngstat.c" || fail "pngstat does not build"

# render SVG PNG: as a person's browser shows it, 1200 x 700
render() {
	timeout 180 chromium --headless --no-sandbox --disable-gpu \
	    --disable-dev-shm-usage --hide-scrollbars \
	    --user-data-dir="$work/chromium-profile" --screenshot="$2" \
	    --window-size=1200,700 "file://$1" >>"$work/chromium.log" 2>&1 &&
	    [ -s "$2" ]
}
# The marks' colours as drawn: leg and body movements, a PLM band (22 %
# over the chart's #fafafa), a cramp, the temperature line.
seen="1f5fbf ef8f00 dfd6ee c62828 00897b"
# measure PNG NAME: the picture's numbers, in NAME.stat
measure() { "$work/pngstat" "$1" $seen > "$work/$2.stat" 2>&1; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$work/$2.stat"; }

if ! command -v chromium >/dev/null 2>&1; then
	fail "chromium is not installed and could not be: $(tail -n 3 "$work/apt.log")"
else
	# A night with nothing in it: the page's own share of each colour.
	printf 't,motion\n1795042800,0\n1795046400,0\n' > "$work/still.csv"
	"$bin" --replay "$work/still.csv" --report "$work/still.svg" 2>/dev/null
	t0=$(date +%s%N)
	if render "$work/still.svg" "$work/still.png" &&
	    measure "$work/still.png" still; then pass
	else fail "chromium did not render still.svg: $(tail -n 3 "$work/chromium.log")"; fi
	t1=$(date +%s%N)
	echo "report: chromium rendered an SVG in $(((t1 - t0) / 1000000)) ms"
	for name in night sample; do
		case $name in
		night) svg=$work/night.svg ;;
		sample) svg=$work/sample/sample-night.svg ;;
		esac
		if ! render "$svg" "$work/$name.png" ||
		    ! measure "$work/$name.png" "$name"; then
			fail "$name: no PNG: $(tail -n 3 "$work/chromium.log")"
			continue
		fi
		if [ "$(val size "$name")" = 1200 ]; then pass
		else fail "$name.png: $(head -n 1 "$work/$name.stat")"; fi
		# Not blank: a drawn page, not a white one or one line of text.
		nw=$(val nonwhite "$name") nc=$(val colours "$name")
		if [ "${nw:-0}" -gt 40000 ] && [ "${nc:-0}" -gt 50 ]; then pass
		else fail "$name.png looks blank: $nw pixels not white, $nc colours"; fi
		# Each kind of mark adds its colour to what the page has anyway.
		for c in $seen; do
			case $c in
			c62828) [ "$name" = night ] &&
			    [ "$(events "$work/night.jsonl" cramp)" -eq 0 ] &&
			    continue ;;
			esac
			got=$(val "$c" "$name") base=$(val "$c" still)
			if [ "$((${got:-0} - ${base:-0}))" -ge 100 ]; then pass
			else fail "$name.png: #$c on $got pixels, $base without marks"; fi
		done
	done
	# The checks tell a broken picture: the browser's error page instead.
	sed 's|</g>|</gg>|' "$work/sample/sample-night.svg" > "$work/broken.svg"
	if render "$work/broken.svg" "$work/broken.png" &&
	    measure "$work/broken.png" broken &&
	    [ "$(($(val 1f5fbf broken) - $(val 1f5fbf still)))" -lt 100 ]
	then pass; else fail "a broken SVG passed for a drawn one"; fi
	# The browser read it as SVG: an XML error would be its page instead.
	timeout 180 chromium --headless --no-sandbox --disable-gpu \
	    --disable-dev-shm-usage --user-data-dir="$work/chromium-profile" \
	    --dump-dom "file://$work/sample/sample-night.svg" \
	    > "$work/dom.txt" 2>>"$work/chromium.log"
	if grep -q '<svg' "$work/dom.txt" &&
	    ! grep -qi 'parsererror\|following errors' "$work/dom.txt"; then pass
	else fail "chromium did not take sample-night.svg as SVG"; fi
fi

echo "report: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
