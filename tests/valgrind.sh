#!/bin/sh
# The command-line, MQTT (a real broker), fault and EDF tests with legwatchd
# under valgrind memcheck: any memory error or definite leak makes it
# exit 99, which fails the check it was run for.  The tools beside it
# run as they are.  Nothing is suppressed.
# usage: tests/valgrind.sh BUILD_DIR WORK_DIR
set -u
build=$(cd "$1" && pwd)
work=$2
command -v valgrind >/dev/null 2>&1 || {
	sh "$(dirname "$0")/apt.sh" install valgrind ||
	    { echo "valgrind: 0 passed, 1 failed"; exit 1; }
}
# Under ASan (make SAN=1 check) the sanitizer checks memory itself, and
# valgrind cannot run such a binary.
if grep -q __asan_init "$build/legwatchd"; then
	echo "valgrind: an ASan build; make check runs this without SAN=1"
	echo "valgrind: 0 passed, 0 failed"
	exit 0
fi
rm -rf "$work" && mkdir -p "$work/bin"
for f in "$build"/*; do
	[ -f "$f" ] && [ -x "$f" ] && ln -s "$f" "$work/bin/"
done
rm -f "$work/bin/legwatchd"
# The daemon where any user can reach it: the fault tests run it as
# nobody, and the checkout may be in root's home.
real=$(mktemp -d /tmp/legwatch-valgrind.XXXXXX)
trap 'rm -rf "$real"' EXIT
cp "$build/legwatchd" "$build/legwatchd-live" "$real/"
chmod -R a+rX "$real"
cat > "$work/bin/legwatchd" <<EOS
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --track-fds=no \\
    --trace-children=yes \\
    "$real/legwatchd" "\$@"
EOS
chmod +x "$work/bin/legwatchd"
status=0 passed=0 failed=0
for suite in cli mqtt/run faults/run edf/run; do
	name=${suite%/run}
	sh "tests/$suite.sh" "$work/bin" "$work/$name" > "$work/$name.out" \
	    2>&1 || status=1
	sed "s/^$name:/valgrind $name:/" "$work/$name.out"
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" \
	    "$work/$name.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "valgrind $name: no tally"
		failed=$((failed + 1))
		continue
	fi
	set -- $line
	passed=$((passed + $2))
	failed=$((failed + $4))
done
echo "valgrind: $passed passed, $failed failed"
exit "$status"
