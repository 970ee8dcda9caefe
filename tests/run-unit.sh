#!/bin/sh
# Runs each cmocka suite; each prints its own summary.  The closing line
# counts the suites.
passed=0 failed=0
for t in "$@"; do
	echo "== $t"
	if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "unit suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
