#!/bin/sh
# make check: every suite in turn, then one closing tally.  A suite counts
# by its own exit status and its own closing line; one that crashes or
# prints no tally counts as failed.
# usage: tests/check.sh BUILD_DIR UNIT_TEST_BINARIES...
set -u
build=$1
shift
passed=0 failed=0
out=$build/suite.out

# suite NAME command...
suite() {
	name=$1
	shift
	t0=$(date +%s)
	"$@" > "$out" 2>&1
	status=$?
	cat "$out"
	# Not a check: where CI's minutes go (the unit tests take none).
	took=$(( $(date +%s) - t0 ))
	[ "$took" -eq 0 ] || echo "($name took $took s)"
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
	if [ -z "$line" ]; then
		echo "$name: no tally (exit status $status)"
		p=0 f=1
	elif [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "$name: exit status $status"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo
}

unit() {
	if "$1"; then echo "$(basename "$1"): 1 passed, 0 failed"
	else echo "$(basename "$1"): 0 passed, 1 failed"; return 1; fi
}

for t in "$@"; do
	suite "$(basename "$t")" unit "$t"
done
suite cli sh tests/cli.sh "$build" "$build/cli-tests"
suite valgrind sh tests/valgrind.sh "$build" "$build/valgrind-tests"
suite accuracy sh tests/sim/accuracy.sh --set check "$build" "$build/accuracy"
suite replay sh tests/replay/run.sh "$build" "$build/replay-tests"
suite mqtt sh tests/mqtt/run.sh "$build" "$build/mqtt-tests"
suite faults sh tests/faults/run.sh "$build" "$build/faults-tests"
suite statedir sh tests/faults/statedir.sh "$build" "$build/statedir-tests"
suite fulldisk sh tests/faults/fulldisk.sh "$build" "$build/fulldisk-tests"
suite flood sh tests/mqtt/flood.sh "$build" "$build/flood-tests"
suite report sh tests/report/run.sh "$build" "$build/report-tests"
suite edf sh tests/edf/run.sh "$build" "$build/edf-tests"
suite systemd sh tests/systemd/run.sh "$build" "$build/systemd-tests"
suite ha sh tests/ha/check.sh "$build" "$build/ha"
suite man sh tests/man/lint.sh
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
