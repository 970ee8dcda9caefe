#!/bin/sh
# The state folder as a hostile service account could leave it (the
# daemon may run as root, e.g. for --record): symbolic links where its
# files go, files of another user.  Each must be refused with an error
# naming it, and nothing outside the folder created or truncated.  The
# daemon runs against a real broker with a replay sensor; the state files
# only a live night reads and writes (the water, the trend) are tried in
# tests/unit/test_statefile.c.
# usage: tests/faults/statedir.sh BUILD_DIR WORK_DIR
set -u
export TZ=UTC
build=$1
work=$2
bin=$build/legwatchd
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)
passed=0 failed=0 skipped=0
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
. tests/lib.sh
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

"$build/legsim" --seed 7 --hours 1 --rate 25 --profile rls \
    --out "$work/night.csv" --truth "$work/night.truth" 2>/dev/null
start_broker b

# fresh NAME: a state folder with nothing in it, and its configuration.
fresh() {
	st=$work/$1.state
	rm -rf "$st" && mkdir -p "$st"
	conf "$work/$1.conf" "$1" "$st" "$work/night.csv" 60
	printf 'mine, untouched\n' > "$work/$1.victim"
}

# refused NAME WHAT: the daemon stops at once (exit 73), naming it.
refused() {
	"$bin" -c "$work/$1.conf" > /dev/null 2> "$work/$1.log"
	rc=$?
	check "$1: exit 73 ($rc)" "[ $rc -eq 73 ]"
	check "$1: the error names it" "grep -q '$2' '$work/$1.log'"
}

# runs NAME: the daemon started; waits for it to be up.
runs() {
	"$bin" -v -c "$work/$1.conf" > /dev/null 2> "$work/$1.log" &
	d=$!; pids="$pids $d"
	wait_for 5 "grep -q 'connected' '$work/$1.log' 2>/dev/null"
}

stops() {
	kill -TERM "$d" 2>/dev/null
	wait "$d"
	rc=$?
	check "$1: exit 0 ($rc)" "[ $rc -eq 0 ]"
}

untouched() {
	check "$1: the file outside is untouched" \
	    "[ \"\$(cat '$work/$1.victim')\" = 'mine, untouched' ]"
}

# The lock: a link to where root may not want a file.
fresh lock
ln -s "$work/lock.made" "$st/lock"
refused lock "$st/lock: a symbolic link: refused"
check "lock: nothing created at the link's target" "[ ! -e '$work/lock.made' ]"

# The journal itself.
fresh journal
ln -s "$work/journal.victim" "$st/outbox.jsonl"
refused journal "$st/outbox.jsonl: a symbolic link: refused"
untouched journal

# The name the journal used to be rewritten under.
fresh jnew
ln -s "$work/jnew.victim" "$st/outbox.jsonl.new"
runs jnew
untouched jnew
stops jnew
untouched jnew
check "jnew: the journal is a file of its own" \
    "[ -f '$st/outbox.jsonl' ] && [ ! -L '$st/outbox.jsonl' ]"

# The folder itself a link.
fresh dirlink
rmdir "$st" && mkdir -p "$work/elsewhere" && ln -s "$work/elsewhere" "$st"
refused dirlink "$st: a symbolic link: refused"
check "dirlink: nothing written in the link's target" \
    "[ -z \"\$(ls -A '$work/elsewhere')\" ]"

# Files of another user: as root only.
if [ "$(id -u)" -eq 0 ]; then
	fresh owner
	: > "$st/outbox.jsonl"
	chown 65534:65534 "$st/outbox.jsonl"
	refused owner "$st/outbox.jsonl: owned by uid 65534, not by uid 0"
else
	skip "files of another user: not root"
fi

echo "statedir: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
