#!/bin/sh
# make lint: cppcheck and clang-tidy over the C sources, both clean.
#   cppcheck    warning, style, performance, portability (variableScope
#               left out: C89-style declarations at the top are the house
#               style)
#   clang-tidy  the clang static analyzer and the bugprone checks, less
#               those that only restate the house style: assignments in
#               conditions, swappable parameters, reserved identifiers,
#               narrowing and widening of small bounded integers; and
#               Annex K's "use memcpy_s" advice
# gpio_v2.c needs libgpiod 2.x headers: make check-trixie compiles it.
# usage: tests/lint.sh
set -u
passed=0 failed=0
need=
command -v cppcheck >/dev/null 2>&1 || need="$need cppcheck"
command -v clang-tidy >/dev/null 2>&1 || need="$need clang-tidy"
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	sh tests/apt.sh install $need ||
	    { echo "lint: 0 passed, 1 failed"; exit 1; }
fi
src=$(ls daemon/*.c sensors/*.c probe/*.c | grep -v 'sensors/gpio_v2\.c')
tests=$(ls tests/unit/*.c tests/sim/*.c tests/mqtt/*.c tests/hw/*.c \
    tests/report/*.c tests/ha/*.c tests/platform/*.c 2>/dev/null)
out=$(mktemp)

# shellcheck disable=SC2086
cppcheck --enable=warning,style,performance,portability --std=c11 \
    -I. -D_DEFAULT_SOURCE -q --suppress=variableScope \
    --suppress=missingIncludeSystem --inline-suppr $src $tests > "$out" 2>&1
if grep -qE ':[0-9]+:[0-9]+: (error|warning|style|performance|portability):' \
    "$out"; then
	failed=$((failed + 1))
	echo "FAIL: cppcheck"
	cat "$out"
else
	passed=$((passed + 1))
fi

checks='-*,clang-analyzer-*,bugprone-*'
checks="$checks,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling"
checks="$checks,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier"
checks="$checks,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition"
checks="$checks,-bugprone-implicit-widening-of-multiplication-result"
cflags="-std=c11 -I. -D_DEFAULT_SOURCE -DLEGWATCH_VERSION=\"lint\"
    $(pkg-config --cflags libconfig jansson libgpiod libmosquitto \
    2>/dev/null)"
for f in $src; do
	# shellcheck disable=SC2086
	if clang-tidy -quiet --checks="$checks" --warnings-as-errors='*' \
	    "$f" -- $cflags > "$out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: clang-tidy $f"
		grep -E 'warning:|error:' "$out" | head -n 20
	fi
done
rm -f "$out"
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
