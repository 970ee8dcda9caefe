#!/bin/sh
#
# accuracy.sh: replay simulated nights with known truth through legwatchd
# and score its events against the truth.
#
# usage: accuracy.sh [--set check|bench] BIN_DIR WORK_DIR
#
# BIN_DIR holds legwatchd, legsim and score.  WORK_DIR receives, per
# night, the recording (.csv), the truth (.truth.jsonl), the daemon's
# events (.events) and log (.log), and for mattress nights the config
# (.conf) naming the mount, and the daemon's options for the night
# (.args, one a line).  Prints one table row per night, then
# "N passed, M failed"; exits 1 when any night failed, 64 on usage errors.
#
# The nights are fixed (seeds below), so a change in the figures is a
# change in the daemon (or in legsim), never chance.

set -u
# Night windows are local time: the same everywhere for the tests.
export TZ=UTC

prog=accuracy.sh

usage() {
	echo "usage: $prog [--set check|bench] BIN_DIR WORK_DIR" >&2
	exit 64
}

# The check set: 22 short nights that together run in well under a
# minute: 25, 50 and 100 Hz and two rates between and beyond (40, 200),
# both mounts, noise from 0.001 to 0.02 g and every profile, each sensor
# axis along the shin, offset drift of 0.03 g an hour, a loose strap, an
# immobilization test and two legs ("ankles": a sensor on each,
# movements of both legs and of one).  Ankle noise reaches 0.02 g
# (several times a real MPU-6050's).  Mattress nights are sampled at
# 50-100 Hz with a quiet sensor: what reaches a mattress from a leg
# (0.004-0.03 g) drowns in a noisier part or at 25 Hz, and the bench set
# shows how far.  Nights 13-15 and 17 hold cramps at the noise up to
# which cramps are found (cramp_noise_max) on an ankle.
# name seed hours rate mount noise profile [more legsim options]
# (noise "-": drawn from the seed)
check_nights() {
	cat <<'EOF'
night01 101 2   50  ankle    0.004  rls
night02 102 3   25  ankle    0.001  cramps
night03 103 2.5 100 ankle    0.02   noisy
night04 104 2   50  ankle    -      mixed
night05 105 1.5 100 ankle    0.008  quiet
night06 106 3   50  ankle    0.012  restless-cramps
night07 107 2   25  ankle    0.006  mixed
night08 108 2   50  mattress 0.001  rls
night09 115 2.5 100 mattress 0.001  mixed
night10 111 2   100 mattress 0.001  restless-cramps
night11 121 2   50  mattress 0.0012 restless-cramps
night12 112 2   100 ankle    0.006  mixed --dropouts 3
night13 113 2   50  ankle    0.010  cramps --cramps 3 --leg-axis -y --drift 0.03 --loose
night14 114 2   25  ankle    0.004  cramps --cramps 3 --leg-axis z
night15 115 2   100 ankle    0.010  restless-cramps --cramps 3 --leg-axis -z --drift 0.03
night16 116 3   50  ankle    0.004  rls --sit --loose --leg-axis y
night17 117 2   100 mattress 0.0015 restless-cramps --cramps 3
night18 118 2.5 25  ankle    0.003  mixed --sit --turns 12 --drift 0.03
night19 119 2   50  ankles   0.004  rls
night20 120 2   100 ankles   0.008  restless-cramps --loose --drift 0.03
night21 121 2   40  ankle    0.006  restless-cramps --leg-axis y
night22 122 2.5 200 ankle    0.008  mixed --drift 0.03
EOF
}

# The noise (g) up to which every cramp is found, by mount and rate, as
# measured on simulated nights (README, "Cramps"); above it some are
# missed, and the check does not ask for them.  A mattress misses some
# at any noise, a cramp that comes with turning over most of all.
cramp_noise_max() {
	case $1/$2 in
	ankle/25)	echo 0.004 ;;
	ankle/50|ankle/100)	echo 0.010 ;;
	*)		echo 0 ;;
	esac
}

# The bench set: 46 whole nights (8 h), more varied, at rates from 10
# to 200 Hz.
bench_nights() {
	cat <<'EOF'
bench01 2001 8 50  ankle    -      default
bench02 2002 8 100 ankle    -      rls
bench03 2003 8 25  ankle    -      cramps
bench04 2004 8 50  ankle    -      mixed
bench05 2005 8 100 ankle    -      quiet
bench06 2006 8 25  ankle    -      restless-cramps
bench07 2007 8 50  ankle    -      noisy
bench08 2008 8 100 ankle    0.001  rls
bench09 2009 8 25  ankle    0.02   rls
bench10 2010 8 50  ankle    0.003  cramps --cramps 4
bench11 2011 8 100 ankle    0.015  restless-cramps
bench12 2012 8 25  ankle    0.005  mixed --dropouts 6
bench13 2013 8 50  ankle    -      default --long-turns 8
bench14 2014 8 100 ankle    0.01   mixed --toilet 4
bench15 2015 8 25  ankle    -      noisy --cramps 3
bench16 2016 8 50  ankle    0.002  quiet --twitches 120
bench17 2017 8 100 ankle    -      restless-cramps
bench18 2018 8 25  ankle    -      rls --plm-series 12
bench19 2019 8 50  ankle    0.008  default
bench20 2020 8 100 ankle    -      cramps
bench21 2021 8 50  mattress 0.001  rls
bench22 2022 8 100 mattress 0.002  cramps
bench23 2023 8 25  mattress 0.0015 mixed
bench24 2024 8 50  mattress 0.003  quiet
bench25 2025 8 100 mattress 0.001  restless-cramps
bench26 2026 8 25  mattress 0.002  noisy
bench27 2027 8 50  mattress 0.0025 default
bench28 2028 8 100 mattress 0.001  mixed --dropouts 5
bench29 2029 8 25  mattress 0.002  rls --plm-series 10
bench30 2030 8 50  mattress 0.004  cramps --cramps 4
bench31 2031 8 50  ankle    0.006  mixed --leg-axis -y --drift 0.03 --loose
bench32 2032 8 100 ankle    0.01   restless-cramps --leg-axis z --loose --sit
bench33 2033 8 25  ankle    0.004  rls --leg-axis -x --drift 0.03 --sit
bench34 2034 8 50  ankle    0.015  default --turns 40 --leg-axis y
bench35 2035 8 100 mattress 0.0015 rls --sit --drift 0.03
bench36 2036 8 50  ankle    0.02   cramps --cramps 4 --loose --leg-axis -z
bench37 2037 8 50  ankles   0.004  rls --sit
bench38 2038 8 100 ankles   0.01   restless-cramps --loose
bench39 2039 8 25  ankles   0.006  mixed --drift 0.03
bench40 2040 8 50  ankles   -      default --turns 30
bench41 2041 8 10  ankle    0.003  rls
bench42 2042 8 20  ankle    0.006  mixed --loose
bench43 2043 8 40  ankle    -      restless-cramps --turns 20
bench44 2044 8 200 ankle    0.015  rls --drift 0.03
bench45 2045 8 40  mattress 0.0015 rls
bench46 2046 8 200 mattress 0.002  mixed
EOF
}

# A hung daemon must not hang the test.
run_limited() {
	limit=$1
	shift
	if command -v timeout >/dev/null 2>&1; then
		timeout "$limit" "$@"
	else
		"$@"
	fi
}

# The daemon finds a mattress sensor, or an ankle sensor with another
# axis along the shin, through its config: the --replay file is matched
# to the sensor named after the file's stem.  MQTT stays off and the
# state directory stays in WORK_DIR: a test touches neither a broker nor
# /var/lib.
write_config() {
	conf=$1 name=$2 csv=$3 mount=$4 axis=$5
	mkdir -p "$work/state" || return 1
	cat >"$conf" <<EOF
sensors = ( { name = "$name"; type = "replay"; file = "$csv"; mount = "$mount"; leg_axis = "$axis"; } );
mqtt = { enabled = false; };
storage = { state_dir = "$work/state"; };
EOF
}

# The value of a legsim option among the night's options, or $2.
option_value() {
	opt=$1 value=$2
	shift 2
	while [ $# -gt 0 ]; do
		[ "$1" = "$opt" ] && [ $# -ge 2 ] && value=$2
		shift
	done
	echo "$value"
}

# run_night NAME SEED HOURS RATE MOUNT NOISE PROFILE [LEGSIM OPTIONS...]
# Prints the night's row; returns 0 when it passed.
run_night() {
	name=$1 seed=$2 hours=$3 rate=$4 mount=$5 noise=$6 profile=$7
	shift 7
	csv=$work/$name.csv
	truth=$work/$name.truth.jsonl
	events=$work/$name.events
	conf=$work/$name.conf
	log=$work/$name.log

	if [ "$noise" != - ]; then
		set -- --noise "$noise" "$@"
	fi
	replays="--replay $csv"
	if [ "$mount" = ankles ]; then
		# Two legs, named as the daemon names them: NAME-l, NAME-r.
		csv=$work/$name-l.csv
		set -- --out2 "$work/$name-r.csv" "$@"
		replays="--replay $csv --replay $work/$name-r.csv"
		mount=ankle
	fi
	if ! "$bin/legsim" --seed "$seed" --hours "$hours" --rate "$rate" \
	    --mount "$mount" --profile "$profile" --out "$csv" \
	    --truth "$truth" "$@" 2>"$log"; then
		echo "$name: legsim failed:" >&2
		cat "$log" >&2
		return 1
	fi

	axis=$(option_value --leg-axis x "$@")
	rm -f "$events"
	if [ "$mount" = mattress ] || [ "$axis" != x ]; then
		write_config "$conf" "$name" "$csv" "$mount" "$axis" ||
		    return 1
		set -- -c "$conf"
	else
		set --
	fi
	# The immobilization test starts where the night's truth says.
	sit=$(sed -n 's/^{"type":"sit","start":\([0-9]*\).*/\1/p' "$truth")
	if [ -n "$sit" ]; then
		set -- "$@" --sit "$(date -u -d "@$sit" +%H:%M)"
	fi
	# The night's options, one a line, for tests that replay it again
	# (replay/run.sh).  $replays is split into options on purpose (no
	# blanks in $work).
	# shellcheck disable=SC2086
	printf '%s\n' "$@" $replays > "$work/$name.args"
	# shellcheck disable=SC2086
	run_limited "$limit" "$bin/legwatchd" "$@" $replays \
	    --events "$events" 2>>"$log"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$name: legwatchd exited $rc; the end of $log:" >&2
		tail -n 5 "$log" >&2
		return 1
	fi

	"$bin/score" --truth "$truth" --events "$events" --name "$name" \
	    --check --cramp-noise-max "$(cramp_noise_max "$mount" "$rate")"
}

set_name=check
while [ $# -gt 0 ]; do
	case $1 in
	--set)
		[ $# -ge 2 ] || usage
		set_name=$2
		shift 2
		;;
	--set=*)
		set_name=${1#--set=}
		shift
		;;
	--)
		shift
		break
		;;
	-*)
		usage
		;;
	*)
		break
		;;
	esac
done
[ $# -eq 2 ] || usage
case $set_name in
check)	limit=300 ;;
bench)	limit=1800 ;;
*)	usage ;;
esac

bin=$1
work=$2
for p in legwatchd legsim score; do
	if [ ! -x "$bin/$p" ]; then
		echo "$prog: $bin/$p: not found or not executable" >&2
		exit 66
	fi
done
mkdir -p "$work" || exit 73
# Absolute, since the paths go into config files.
work=$(cd "$work" && pwd) || exit 73

"$bin/score" --header
passed=0
failed=0
nights=$("${set_name}_nights")
# The loop reads the list from a here-document, not a pipe, so that the
# counts survive it; stdin is redirected for the programs it runs.
while read -r name seed hours rate mount noise profile more; do
	# $more is split into options on purpose.
	# shellcheck disable=SC2086
	if run_night "$name" "$seed" "$hours" "$rate" "$mount" "$noise" \
	    "$profile" $more </dev/null; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done <<EOF
$nights
EOF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
