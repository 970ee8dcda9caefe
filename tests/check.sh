#!/bin/sh
# make check: every suite in turn, then one closing tally.
# usage: tests/check.sh BUILD_DIR UNIT_TEST_BINARIES...
set -u
build=$1
shift
passed=0 failed=0 log=$build/check.log
: > "$log"

# tally "NAME" command...: runs a suite, keeps its own closing count.
tally() {
	name=$1
	shift
	"$@" 2>&1 | tee -a "$log"
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
	echo
}

for t in "$@"; do
	tally unit sh -c "'$t' && echo '$(basename "$t"): 1 passed, 0 failed' || echo '$(basename "$t"): 0 passed, 1 failed'"
done
tally cli sh tests/cli.sh "$build" "$build/cli-tests"
tally accuracy sh tests/sim/accuracy.sh --set check "$build" "$build/accuracy"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
