#!/bin/sh
# make fuzz: libFuzzer (clang, ASan, UBSan) on every parser that reads
# what others write: recordings, the outbox journal (a line, and a whole
# file through outbox_open), MQTT commands, the configuration, the
# hydration state file; and on every chip driver's decoding of what its
# chip sends (tests/fuzz/driver_rig.h: the unit tests' register model
# with the registers the fuzz input says).  Each runs SECONDS from the
# committed seeds, which hold every crash found so far, so each one
# replays on every run; a crash leaves its input in build/fuzz/ and fails
# the run.  FUZZ_JOBS targets run at once (default: one per core).
# usage: tests/fuzz/run.sh SECONDS
set -eu
seconds=$1
out=build/fuzz
mkdir -p "$out"
flags="-std=c11 -I. -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all"
# The drivers with what they link against (i2c.c's interrupt lines are
# libgpiod's, 1.x or 2.x as the Makefile picks); the model from the unit
# tests stands in for the chips.
gpiod_api=$(pkg-config --atleast-version=2 libgpiod 2>/dev/null &&
    echo v2 || echo v1)
drivers="sensors/i2c.c sensors/registry.c sensors/mpu6050.c
    sensors/adxl345.c sensors/bme280.c sensors/sht3x.c sensors/ds18b20.c
    sensors/gpio_motion.c sensors/gpio_chip.c sensors/gpio_$gpiod_api.c
    tests/unit/model_i2c.c"
# The configuration parser takes the sensor types from the registry, so
# it links every driver.
core="daemon/config.c daemon/leg.c daemon/movement.c daemon/plm.c daemon/log.c
    $drivers"
libs="-lconfig -ljansson -lgpiod -lm"
# Targets that write files (a fake sysfs, a state directory) do it here,
# in memory when it can be.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmp=/dev/shm; else tmp=/tmp; fi
TMPDIR=$(mktemp -d "$tmp/legwatch-fuzz.XXXXXX")
export TMPDIR
# Killed (a CI timeout, ^C): the fuzzers running go too.
fuzzers=""
trap 'for p in $fuzzers; do kill "$p" 2>/dev/null; done; rm -rf "$TMPDIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Build every target first, so a build failure shows before any time is
# spent; then run them FUZZ_JOBS at a time (default: one per core).
# FUZZ_TARGETS: some of them only ("recording config").
targets=${FUZZ_TARGETS:-"recording outbox outboxfile command config hydstore
    mpu6050 adxl345 bme280 sht3x ds18b20"}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in
'' | *[!0-9]* | 0) echo "FUZZ_JOBS=$jobs: a number of targets at once, 1 or more" >&2
	exit 64 ;;
esac
failed=0
built=""
for t in $targets; do
	lib=$libs
	case $t in
	recording) src="sensors/recording.c sensors/decimal.c" ;;
	outbox | outboxfile) src="daemon/outbox.c daemon/statefile.c \
	    daemon/atomicfile.c daemon/log.c" ;;
	command) src="daemon/mqtt.c daemon/worker.c daemon/discovery.c \
	    daemon/outbox.c daemon/statefile.c daemon/atomicfile.c $core"
		lib="$libs -lmosquitto -pthread" ;;
	config) src="$core" ;;
	hydstore) src="daemon/hydstore.c daemon/statefile.c daemon/atomicfile.c \
	    daemon/hydration.c daemon/event.c" ;;
	*) src=$drivers; lib="-lgpiod -lm" ;;
	esac
	# shellcheck disable=SC2086
	if ! clang $flags -o "$out/fuzz_$t" "tests/fuzz/fuzz_$t.c" $src $lib \
	    > "$out/$t.build.log" 2>&1; then
		echo "fuzz $t: FAILED to build, see $out/$t.build.log"
		grep -E 'error' "$out/$t.build.log" | head -n 3
		failed=$((failed + 1))
		continue
	fi
	built="$built $t"
done

# One target from its committed seeds; its verdict goes to $out/$t.result.
fuzz_one() {
	t=$1
	rm -rf "$out/corpus_$t"
	cp -r "tests/fuzz/corpus/$t" "$out/corpus_$t"
	LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
	    "$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
	    -artifact_prefix="$out/$t-" "$out/corpus_$t" \
	    > "$out/$t.log" 2>&1 &
	fuzzer=$!
	trap 'kill $fuzzer 2>/dev/null; exit 143' TERM
	if wait $fuzzer; then
		echo "fuzz $t: $(grep number_of_executed_units "$out/$t.log" |
		    awk '{ print $2 }') inputs in ${seconds} s, clean" \
		    > "$out/$t.result"
	else
		{
			echo "fuzz $t: FAILED, see $out/$t.log"
			grep -E 'INVARIANT|ERROR|SUMMARY|runtime error' \
			    "$out/$t.log" | head -n 3
		} > "$out/$t.result"
	fi
}

running=0
for t in $built; do
	rm -f "$out/$t.result"
	fuzz_one "$t" &
	fuzzers="$fuzzers $!"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
		fuzzers=""
	fi
done
wait
fuzzers=""
passed=0
for t in $built; do
	if [ -f "$out/$t.result" ]; then
		cat "$out/$t.result"
	else
		echo "fuzz $t: FAILED, no verdict"
	fi
	if grep -q ', clean$' "$out/$t.result" 2>/dev/null; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
