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
