#!/bin/sh
# make fuzz: libFuzzer (clang, ASan, UBSan) on every parser that reads
# what others write: recordings, the outbox journal, MQTT commands, the
# configuration, the hydration state file.  Each runs SECONDS from the
# committed seeds; a crash leaves its input in build/fuzz/ and fails the
# run.
# usage: tests/fuzz/run.sh SECONDS
set -eu
seconds=$1
out=build/fuzz
mkdir -p "$out"
flags="-std=c11 -D_DEFAULT_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all"
core="daemon/config.c daemon/leg.c daemon/movement.c daemon/plm.c daemon/log.c"
libs="-lconfig -ljansson -ldl -lm"
status=0
for t in recording outbox command config hydstore; do
	case $t in
	recording) src="sensors/recording.c" ;;
	outbox) src="daemon/outbox.c daemon/log.c" ;;
	command) src="daemon/mqtt.c daemon/mosq.c daemon/discovery.c daemon/resolve.c \
	    daemon/outbox.c $core" ;;
	config) src="$core" ;;
	hydstore) src="daemon/hydstore.c daemon/hydration.c daemon/event.c" ;;
	esac
	# shellcheck disable=SC2086
	clang $flags -o "$out/fuzz_$t" "tests/fuzz/fuzz_$t.c" $src $libs
	rm -rf "$out/corpus_$t"
	cp -r "tests/fuzz/corpus/$t" "$out/corpus_$t"
	if LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
	    "$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
	    -artifact_prefix="$out/$t-" "$out/corpus_$t" \
	    > "$out/$t.log" 2>&1; then
		echo "fuzz $t: $(grep number_of_executed_units "$out/$t.log" |
		    awk '{ print $2 }') inputs in ${seconds} s, clean"
	else
		echo "fuzz $t: FAILED, see $out/$t.log"
		grep -E 'ERROR|SUMMARY' "$out/$t.log" | head -n 3
		status=1
	fi
done
exit $status
