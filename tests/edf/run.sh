#!/bin/sh
# --edf: replayed nights written as EDF+ and read back by an independent
# reader, biosig-tools' save2gdf (installed by make check): the signals'
# labels and rates, the start and the duration, every event an annotation
# within one sample; a two-leg night with a thermometer, a recording with
# a gap; a paced replay.  Then what --edf refuses.
# usage: tests/edf/run.sh BUILD_DIR WORK_DIR
set -u
# The EDF's start is local time: the same everywhere for the tests.
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
sim=$build/legsim
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then pass; else fail "$1"; fi; }

if ! command -v save2gdf > /dev/null 2>&1; then
	echo "edf: save2gdf (biosig-tools) is missing: make check installs it"
	echo "edf: 0 passed, 1 failed"
	exit 1
fi
first() { sed -n 2p "$1" | cut -d, -f1; }
last() { for f in "$@"; do tail -n 1 "$f" | cut -d, -f1; done | sort -n | tail -n 1; }
# read EDF: what save2gdf makes of it, as JSON.
read_edf() { save2gdf -JSON "$1" 2> /dev/null > "$1.json"; }

# --- a two-leg night with a thermometer and a motion switch on the bed:
# 50 Hz and 100 Hz legs
"$sim" --seed 31 --hours 0.5 --rate 50 --profile rls --out "$work/left.csv" \
    --truth "$work/left.truth" --temp-out "$work/bedroom.csv" 2> /dev/null
"$sim" --seed 32 --hours 0.5 --rate 100 --profile rls \
    --out "$work/right.csv" --truth "$work/right.truth" 2> /dev/null
# The switch closes for 2 s every 10 minutes.
awk -F, 'NR == 2 { t0 = $1 } END { print "t,motion"
    for (t = 300; t < 1800; t += 600) printf "%.3f,1\n%.3f,0\n", t0 + t,
    t0 + t + 2 }' "$work/left.csv" > "$work/bed.csv"
"$bin" --replay "$work/left.csv" --replay "$work/right.csv" \
    --replay "$work/bedroom.csv" --replay "$work/bed.csv" \
    --events "$work/two.jsonl" --edf "$work/two.edf" -q
check "two legs: exit status" "[ $? -eq 0 ]"
check "two legs: movements of both legs and of the switch" \
    "grep -q '\"sensor\":\"left\"' '$work/two.jsonl' && \
    grep -q '\"sensor\":\"right\"' '$work/two.jsonl' && \
    grep -q '\"sensor\":\"bed\"' '$work/two.jsonl'"
read_edf "$work/two.edf"
python3 tests/edf/check.py "$work/two.edf.json" "$work/two.jsonl" \
    "$(first "$work/left.csv")" \
    "$(last "$work/left.csv" "$work/right.csv" "$work/bedroom.csv" \
    "$work/bed.csv")" \
    "left ax:50" "left ay:50" "left az:50" "right ax:100" "right ay:100" \
    "right az:100" "bedroom temp:1" "bed motion:25" > "$work/two.out"
# Its status now: the $(tail) in check's first word would reset $? (bash).
rc=$?
check "two legs, a thermometer and a switch as biosig reads them: $(tail -n 1 \
    "$work/two.out")" "[ $rc -eq 0 ]"
grep FAIL "$work/two.out"
check "the axes in g; 8 signals and the annotations" \
    "grep -q '\"PhysicalUnit\"	: \"g\"' \
    '$work/two.edf.json' && [ \$(grep -c '\"Label\"' '$work/two.edf.json') \
    -eq 9 ]"
check "no spool left beside it" \
    "[ -z \"\$(ls -A '$work' | grep '^\\.')\" ]"

# --- a recording with a gap: two minutes of an ankle's night missing
"$sim" --seed 33 --hours 0.5 --rate 25 --profile mixed --out "$work/full.csv" \
    --truth "$work/full.truth" 2> /dev/null
t0=$(first "$work/full.csv")
awk -F, -v t0="$t0" 'NR == 1 || $1 < t0 + 600 || $1 >= t0 + 720' \
    "$work/full.csv" > "$work/ankle.csv"
# Every stretch over a second without samples (the sensor's own dropouts
# too), as SENSOR:ONSET:DURATION from the file's whole first second.
gaps=$(awk -F, -v t0="$(echo "$t0" | cut -d. -f1)" 'NR > 2 && $1 - p > 1 {
    printf "ankle:%.3f:%.3f\n", p - t0, $1 - p } NR > 1 { p = $1 }' \
    "$work/ankle.csv")
check "the gap made (and $(($(echo "$gaps" | wc -l) - 1)) of the sensor's own)" \
    "echo '$gaps' | grep -q ':120.040$'"
"$bin" --replay "$work/ankle.csv" --events "$work/gap.jsonl" \
    --edf "$work/gap.edf" -q
check "gap: exit status" "[ $? -eq 0 ]"
read_edf "$work/gap.edf"
# shellcheck disable=SC2086
python3 tests/edf/check.py "$work/gap.edf.json" "$work/gap.jsonl" "$t0" \
    "$(last "$work/ankle.csv")" "ankle ax:25" "ankle ay:25" "ankle az:25" \
    -- $gaps > "$work/gap.out"
rc=$?
check "a recording with a gap, filled and annotated: $(tail -n 1 \
    "$work/gap.out")" "[ $rc -eq 0 ]"
grep FAIL "$work/gap.out"
check "the gap is in the file's length, not cut out" \
    "grep -q '\"NumberOfRecords\"	: 1800,' '$work/gap.edf.json'"

# --- what --edf refuses
"$bin" --replay "$work/ankle.csv" --edf - 2> "$work/r1.err"
check "--edf - is a usage error" "[ $? -eq 64 ] && grep -q 'name a file' \
    '$work/r1.err'"
# A paced replay is the same run: the same file, to the byte.
"$bin" --replay "$work/ankle.csv" --speed 3000 --edf "$work/paced.edf" -q
check "a paced replay: the same EDF as a fast one" \
    "[ $? -eq 0 ] && cmp -s '$work/gap.edf' '$work/paced.edf'"
"$bin" --replay "$work/ankle.csv" --edf "$work/no/such/x.edf" 2> "$work/r3.err"
check "--edf into no directory: exit 73, named" "[ $? -eq 73 ] && \
    grep -q '$work/no/such' '$work/r3.err'"
{ head -n 3000 "$work/ankle.csv"; echo "1,2"; } > "$work/bad.csv"
cp "$work/gap.edf" "$work/kept.edf"
"$bin" --replay "$work/bad.csv" --edf "$work/kept.edf" 2> "$work/r4.err"
check "bad input: exit 65, the old EDF untouched, no spool left" \
    "[ $? -eq 65 ] && cmp -s '$work/gap.edf' '$work/kept.edf' && \
    [ -z \"\$(ls -A '$work' | grep '^\\.')\" ]"

echo "edf: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
