#!/bin/sh
# The command-line tests with legwatchd under valgrind memcheck: any
# memory error or definite leak makes it exit 99, which fails the check
# it was run for.  The tools beside it run as they are.
# usage: tests/valgrind.sh BUILD_DIR WORK_DIR
set -u
build=$(cd "$1" && pwd)
work=$2
command -v valgrind >/dev/null 2>&1 || {
	if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
	$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $sudo apt-get install -y -qq --no-install-recommends valgrind \
	    > /dev/null || { echo "valgrind: 0 passed, 1 failed"; exit 1; }
}
# Under ASan (make SAN=1 check) the sanitizer checks memory itself, and
# valgrind cannot run such a binary.
if grep -q __asan_init "$build/legwatchd"; then
	echo "valgrind: an ASan build; make check runs this without SAN=1"
	echo "valgrind cli: 0 passed, 0 failed"
	exit 0
fi
rm -rf "$work" && mkdir -p "$work/bin"
for f in "$build"/*; do
	[ -f "$f" ] && [ -x "$f" ] && ln -s "$f" "$work/bin/"
done
rm -f "$work/bin/legwatchd"
cat > "$work/bin/legwatchd" <<EOS
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --track-fds=no "$build/legwatchd" "\$@"
EOS
chmod +x "$work/bin/legwatchd"
sh tests/cli.sh "$work/bin" "$work/cli" > "$work/cli.out" 2>&1
status=$?
sed 's/^cli:/valgrind cli:/' "$work/cli.out"
exit "$status"
