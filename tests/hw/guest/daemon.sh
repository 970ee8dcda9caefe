# legwatchd itself against the simulated chips (sourced by /init after
# sim.sh).  Separate daemon runs, so that one missing piece does not hide
# the rest; every check prints its own HW-PASS / HW-FAIL line.
#   legs   gpio_motion on gpio-sim line 0 and the LED on line 3, --record
#          into a directory: the lamp test, timed pulses to movements,
#          SIGTERM; then --replay of the recorded legs.csv gives the same
#          movements.
#   i2c    mpu6050 "ankle" at 0x68 and bme280 "room" at 0x76 on i2c-stub,
#          the LED: the chips as configured, their samples, a FIFO
#          overflow, a fault while running and its return, the LED, a
#          power glitch set right, a chip frozen on one reading and its
#          return, the chip asleep after SIGTERM.
#   bad    an mpu6050 at 0x69 whose WHO_AM_I is wrong: a fault naming it,
#          the LED, its return once the ID is right.
#   all    the three sensors of the first two runs in one configuration:
#          all open, no fault, a pulse still makes its movement.
# Then nightstand.sh: the drink reminder's LED, buzzer and button; last
#   nightend  the guest's clock set to just before the night window ends:
#             the night's summary and its picture in the state directory.

D=/usr/bin/legwatchd
W=/tmp/hw
mkdir -p "$W"

# --- helpers -------------------------------------------------------------

# wait_until TENTHS command...: polls every 0.1 s; 0 once it holds
wait_until() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}
has() { grep -q "$2" "$1" 2>/dev/null; }	# has FILE REGEX
running() { kill -0 "$1" 2>/dev/null; }
irq_ready() { grep -q legwatchd /proc/interrupts; }
led_is() { [ "$(level 3)" = "$1" ]; }

# jfield KEY: the value of KEY in each JSON line on stdin (strings unquoted)
jfield() {
	sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'
}
# events FILE TYPE SENSOR: "start end duration" of each such event
events() {
	grep "\"event_type\":\"$2\"" "$1" 2>/dev/null |
	    grep "\"sensor\":\"$3\"" |
	    while read -r line; do
		s=$(echo "$line" | jfield start)
		e=$(echo "$line" | jfield end)
		d=$(echo "$line" | jfield duration)
		echo "$s $e $d"
	done
}
count_events() { events "$1" "$2" "$3" | wc -l; }
# written_lag FILE TYPE SENSOR QUIET: for the last such event, its "time"
# (when legwatchd wrote it, to the ms) less its end and QUIET seconds
written_lag() {
	line=$(grep "\"event_type\":\"$2\"" "$1" | grep "\"sensor\":\"$3\"" |
	    tail -n 1)
	when=$(echo "$line" | jfield time)	# 2026-12-05T07:15:47.100Z
	secs=$(date -u -d "$(echo "$when" | sed 's/T/ /; s/\..*//')" +%s)
	echo "$secs ${when#*.} $(echo "$line" | jfield end) $4" |
	    awk '{ printf "%.3f", $1 + ("0." $2) - $3 - $4 }'
}
# has_event FILE TYPE SENSOR
has_event() {
	grep "\"event_type\":\"$2\"" "$1" 2>/dev/null |
	    grep -q "\"sensor\":\"$3\""
}

# start_daemon DIR [ARGS...]: legwatchd -c DIR/legwatchd.conf --events
# DIR/events.jsonl ARGS in the background (pid in $dpid); 0 when it is
# still running 1.5 s later
start_daemon() {
	dir=$1
	shift
	echo "---- $dir/legwatchd.conf ----"
	cat "$dir/legwatchd.conf"
	$D -c "$dir/legwatchd.conf" --events "$dir/events.jsonl" "$@" \
	    2> "$dir/stderr" &
	dpid=$!
	sleep 1.5
	running $dpid
}
# why_down PID WHAT DIR: why a daemon that should run does not, in $down
why_down() {
	if running "$1"; then
		down="legwatchd runs but $2"
	else
		wait "$1"
		down="legwatchd exited with status $?: $(head -n 2 "$3/stderr" | tr '\n' ' ')"
	fi
}

# stop_daemon PID NAME: SIGTERM; PASS NAME when it exits 0 within 10 s
stop_daemon() {
	spid=$1
	if ! running "$spid"; then
		wait "$spid"
		fail "$2" "legwatchd had already exited with status $?"
		return
	fi
	kill -TERM "$spid"
	if wait_until 100 eval '! running $spid'; then
		wait "$spid"
		st=$?
		if [ "$st" -eq 0 ]; then pass "$2"
		else fail "$2" "exit status $st after SIGTERM"; fi
	else
		fail "$2" "still running 10 s after SIGTERM"
		kill -KILL "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	fi
}

# fail_all WHY NAME...: the checks that could not run
fail_all() {
	why=$1
	shift
	for c in "$@"; do fail "$c" "$why"; done
}

show_daemon_log() {	# show_daemon_log DIR
	echo "---- legwatchd stderr ($1/stderr) ----"
	cat "$1/stderr" 2>/dev/null
	echo "---- events ($1/events.jsonl) ----"
	cat "$1/events.jsonl" 2>/dev/null
	echo "----"
}

# The lamp test: the LED lights at start for a second, then goes out.
# Sets lamp_on and lamp_off (seen on, then seen off), within 5 s.
watch_lamp() {
	lamp_on=0 lamp_off=0 i=0
	while [ $i -lt 50 ]; do
		v=$(level 3)
		[ "$v" = 1 ] && lamp_on=1
		[ "$v" = 0 ] && [ $lamp_on = 1 ] && { lamp_off=1; return; }
		sleep 0.1
		i=$((i + 1))
	done
}

hexreg() { printf '0x%02x' "$1"; }

# The mpu6050 (mpu_preset ADDR WHO_AM_I): power-on defaults the daemon must
# change (asleep, 16 g, no FIFO) and a FIFO that always holds one second of
# samples at 50 Hz.  The stub is plain memory: FIFO_R_W reads as the
# registers from 0x74 on, so the daemon's 30-byte block reads see
# 0x74..0x91; every 6-byte sample there is made (0x4068, 0, 0), which is
# (1.006348 g, 0, 0) at 2 g.
mpu_preset() {
	a=$1
	for r in $(seq 116 145); do rset $a "$(hexreg $r)" 0x00; done
	for r in 0x74 0x7a 0x80 0x86 0x8c; do rset $a $r 0x40; done
	for r in 0x7b 0x81 0x87 0x8d; do rset $a $r 0x68; done
	rset $a 0x75 "$2"			# WHO_AM_I (0x68 for the chip)
	rset $a 0x6b 0x40			# PWR_MGMT_1: asleep
	rset $a 0x6c 0x00			# PWR_MGMT_2
	rset $a 0x1c 0x18			# ACCEL_CONFIG: 16 g
	rset $a 0x19 0xff			# SMPLRT_DIV
	rset $a 0x1a 0x00			# CONFIG: DLPF off
	rset $a 0x23 0x00			# FIFO_EN
	rset $a 0x6a 0x00			# USER_CTRL
	rset $a 0x3a 0x00			# INT_STATUS
	mpu_count $a 300
}
# A real accelerometer is never still to the last bit; one that is for
# 30 s is taken for a stuck chip.  jiggle ADDR: the low byte of the first
# sample's z (0x79) goes 0, 1, 0 ... every 0.1-0.4 s, a noise of one LSB
# (0.000061 g), until unjiggle leaves it 0: every sample the same.  The
# times are random: a fixed period can lock onto the daemon's drains
# (once a second) and show it the same value at each.  /tmp/jiggled0
# holds when it last set out to write the 0: on an emulated CPU under
# load the loop can stall for seconds, or be killed with a write under
# way, and the readings may be still from then on.  It is written whole
# (a rename), so a reader never finds it half there.
jiggle() {
	rm -f /tmp/jiggled0
	( v=1; while :; do [ $v = 0 ] && hwtool now > /tmp/jiggled0.new &&
	    mv /tmp/jiggled0.new /tmp/jiggled0
	    rset "$1" 0x79 $v; v=$((1 - v))
	    sleep "0.$((RANDOM % 4 + 1))"; done ) > /dev/null 2>&1 &
	jiggle_pid=$!
	jiggle_addr=$1
}
unjiggle() {
	[ -n "${jiggle_pid:-}" ] || return 0
	kill "$jiggle_pid" 2>/dev/null
	wait "$jiggle_pid" 2>/dev/null
	jiggle_pid=
	sleep 0.1	# an i2cset it started may still be writing
	rset "$jiggle_addr" 0x79 0x00
}
mpu_count() {		# FIFO_COUNT (0x72 high, 0x73 low)
	rset "$1" 0x72 "$(hexreg $(($2 >> 8)))"
	rset "$1" 0x73 "$(hexreg $(($2 & 255)))"
}

# The bme280 at 0x76: the datasheet's worked example (BMP280 datasheet
# 3.12, the same compensation): dig_T1 = 27504, dig_T2 = 26435,
# dig_T3 = -1000 and adc_T = 519888 give 2508 = 25.08 degC with the
# integer formula; dig_P1..P9 and adc_P = 415148 from the same example.
bme_preset() {
	a=0x76
	rset $a 0xd0 0x60				# chip id
	set -- 0x70 0x6b 0x43 0x67 0x18 0xfc \
	    0x7d 0x8e 0x41 0xd6 0xd0 0x0b 0x27 0x0b 0x8c 0x00 \
	    0xf9 0xff 0x8c 0x3c 0xf8 0xc6 0x70 0x17 0x00 0x4b
	r=136						# 0x88..0xa1
	for v in "$@"; do rset $a "$(hexreg $r)" "$v"; r=$((r + 1)); done
	set -- 0x6a 0x01 0x00 0x14 0x05 0x00 0x1e	# dig_H2..H6 (unused)
	r=225						# 0xe1..0xe7
	for v in "$@"; do rset $a "$(hexreg $r)" "$v"; r=$((r + 1)); done
	rset $a 0xf3 0x00				# status: idle
	rset $a 0xf4 0x00				# ctrl_meas: sleep
	rset $a 0xf7 0x65; rset $a 0xf8 0x5a; rset $a 0xf9 0xc0	# adc_P
	rset $a 0xfa 0x7e; rset $a 0xfb 0xed; rset $a 0xfc 0x00	# adc_T
}

S_LEGS='{ name = "legs"; type = "gpio_motion"; chip = "'$GPIO_CHIP'"; line = 0;
    bias = "pull-down"; active_low = false; debounce_ms = 10; }'
S_ANKLE='{ name = "ankle"; type = "mpu6050"; bus = '$I2C_BUS'; address = 0x68;
    rate_hz = 50; range_g = 2; }'
S_ROOM='{ name = "room"; type = "bme280"; bus = '$I2C_BUS'; address = 0x76;
    interval_s = 1.0; }'
S_BAD='{ name = "bad"; type = "mpu6050"; bus = '$I2C_BUS'; address = 0x69;
    rate_hz = 50; range_g = 2; }'

# conf SENSOR...: a configuration with these sensors, the LED on line 3
# (the chip by its label), MQTT off, state in $dir/state
conf() {
	echo "sensors = ("
	n=$#
	for s in "$@"; do
		n=$((n - 1))
		if [ $n -gt 0 ]; then echo "  $s,"; else echo "  $s"; fi
	done
	cat <<EOF
);
outputs = { chip = "$GPIO_LABEL"; led_line = 3; };
mqtt = { enabled = false; };
storage = { state_dir = "$dir/state"; };
EOF
}

# pulse_check NAME SECS TYPE EVENTS: a pulse on line 0; PASS when one more
# TYPE event of sensor "legs" follows in EVENTS whose start and duration
# are the pulse's within 0.1 s (TYPE "none": no movement event at all).
# pulse_lag: how long after it could first be decided (the pulse's end and
# the switch's 0.5 s of quiet) legwatchd wrote the event (its "time"), or
# empty.
pulse_lag=
pulse_check() {
	pulse_lag=
	name=$1 secs=$2 type=$3 ev=$4
	lm0=$(count_events "$ev" leg_movement legs)
	bm0=$(count_events "$ev" body_movement legs)
	set -- $(hwtool pulse "$GPIO_SYS/sim_gpio0/pull" "$secs")
	p_start=$1 p_end=$2 p_dur=$3 p_slack=$4
	echo "pulse $name: ${secs} s asked, start $p_start end $p_end duration $p_dur (writes took up to $p_slack s)"
	if [ "$type" = none ]; then
		sleep 3
		lm=$(count_events "$ev" leg_movement legs)
		bm=$(count_events "$ev" body_movement legs)
		if [ "$lm" -eq "$lm0" ] && [ "$bm" -eq "$bm0" ]; then
			pass "$name"
		else
			fail "$name" "a ${secs} s pulse made a movement event: $(tail -n 1 "$ev")"
		fi
		return
	fi
	if [ "$type" = leg_movement ]; then before=$lm0; else before=$bm0; fi
	if ! wait_until 80 eval \
	    '[ "$(count_events "$ev" "$type" legs)" -gt "$before" ]'; then
		fail "$name" "no $type event of sensor legs within 8 s of the ${p_dur} s pulse ending at $p_end"
		return
	fi
	pulse_lag=$(written_lag "$ev" "$type" legs 0.5)
	echo "pulse $name: the event written ${pulse_lag} s after it could be decided"
	set -- $(events "$ev" "$type" legs | tail -n 1)
	# 0.1 s, and what the test's own writes leave unsure
	if awk -v s="$1" -v d="$3" -v ps="$p_start" -v pd="$p_dur" \
	    -v k="$p_slack" 'BEGIN { ds = s - ps; dd = d - pd; t = 0.1 + k
	    exit !(ds <= t && ds >= -t && dd <= t && dd >= -t) }'
	then
		pass "$name" "start $1 duration $3 (pulse $p_start, $p_dur s)"
	else
		fail "$name" "$type start $1 duration $3; the pulse began $p_start and lasted $p_dur s"
	fi
}

# --- legs: gpio_motion, the LED, --record, --replay ------------------------
run_legs() {
	dir=$W/legs
	mkdir -p "$dir/rec"
	nf0=$nfail
	pull 0 pull-down
	conf "$S_LEGS" > "$dir/legwatchd.conf"
	$D -c "$dir/legwatchd.conf" --events "$dir/events.jsonl" \
	    --record "$dir/rec" 2> "$dir/stderr" &
	dpid=$!
	watch_lamp
	if wait_until 100 irq_ready && running $dpid; then
		pass legs-start "legwatchd holds the edge IRQ of $GPIO_CHIP line 0"
	else
		why_down $dpid 'never requested the edge IRQ' "$dir"
		fail legs-start "$down"
		fail_all "legwatchd is not running" led-lamp-test \
		    motion-leg-1.0s motion-leg-2.5s motion-short-0.2s \
		    motion-body-12s motion-prompt legs-sigterm replay-same-movements
		show_daemon_log "$dir"
		return
	fi
	if [ $lamp_on = 1 ] && [ $lamp_off = 1 ]; then
		pass led-lamp-test
	else
		fail led-lamp-test "LED (line 3) in the first 5 s: seen on $lamp_on, then off $lamp_off"
	fi

	# Movements from timed pulses on the motion line.
	ev=$dir/events.jsonl
	lags=
	pulse_check motion-leg-1.0s 1.0 leg_movement "$ev"
	lags="$lags $pulse_lag"
	sleep 2
	pulse_check motion-leg-2.5s 2.5 leg_movement "$ev"
	lags="$lags $pulse_lag"
	sleep 2
	pulse_check motion-short-0.2s 0.2 none "$ev"
	pulse_check motion-body-12s 12.0 body_movement "$ev"
	lags="$lags $pulse_lag"
	# Decided when the quiet is over, not at the next once-a-second
	# tick (up to 1 s later); the guest's emulated CPU may be slow.
	if echo "$lags" | awk '{ if (NF < 3) exit 1
	    for (i = 1; i <= NF; i++) if ($i > 0.3 || $i < 0) exit 1 }'
	then
		pass motion-prompt "written after$lags s"
	else
		fail motion-prompt "written after$lags s (0-0.3 s each)"
	fi
	stop_daemon $dpid legs-sigterm

	# The recording, replayed: the same movements.
	if [ -s "$dir/rec/legs.csv" ]; then
		$D --replay "$dir/rec/legs.csv" --events "$dir/replay.jsonl" \
		    2> "$dir/replay.stderr"
		st=$?
		live=$( (events "$ev" leg_movement legs
		    events "$ev" body_movement legs) )
		again=$( (events "$dir/replay.jsonl" leg_movement legs
		    events "$dir/replay.jsonl" body_movement legs) )
		if [ $st -ne 0 ]; then
			fail replay-same-movements "legwatchd --replay exited $st: $(tail -n 3 "$dir/replay.stderr")"
		elif [ -z "$live" ]; then
			fail replay-same-movements "the live run had no movements to compare"
		elif [ "$live" = "$again" ]; then
			pass replay-same-movements "$(echo "$live" | wc -l) movements, the same start, end and duration"
		else
			fail replay-same-movements "live and replay differ"
			echo "live:"; echo "$live"; echo "replay:"; echo "$again"
			echo "legs.csv:"; cat "$dir/rec/legs.csv"
		fi
	else
		fail replay-same-movements "no recording $dir/rec/legs.csv"
		ls -l "$dir/rec"
	fi
	[ "$nfail" -gt "$nf0" ] && show_daemon_log "$dir"
}

# --- i2c: mpu6050 and bme280 on i2c-stub -----------------------------------
run_i2c() {
	dir=$W/i2c
	mkdir -p "$dir/rec"
	nf0=$nfail
	mpu_preset 0x68 0x68
	bme_preset
	jiggle 0x68
	conf "$S_ANKLE" "$S_ROOM" > "$dir/legwatchd.conf"
	if ! start_daemon "$dir" --record "$dir/rec"; then
		unjiggle
		why_down $dpid '' "$dir"
		fail i2c-start "$down"
		fail_all "legwatchd is not running" mpu6050-config \
		    bme280-forced-mode mpu6050-samples bme280-temperature \
		    mpu6050-fifo-overflow ankle-fault led-on-fault ankle-ok \
		    led-off-when-well mpu6050-glitch mpu6050-frozen \
		    mpu6050-frozen-ok faults-stay-apart i2c-sigterm \
		    mpu6050-sleep-on-exit
		show_daemon_log "$dir"
		return
	fi
	pass i2c-start
	sleep 1

	# The chips as the daemon configured them.
	bad=
	expect() {	# expect ADDR REG VALUE MASK WHAT
		got=$(rget "$1" "$2")
		[ $((got & $4)) -eq $(($3 & $4)) ] ||
		    bad="$bad $5=$got(want $3 mask $4)"
	}
	expect 0x68 0x6b 0x00 0xff PWR_MGMT_1
	expect 0x68 0x6c 0x07 0x07 PWR_MGMT_2
	expect 0x68 0x1c 0x00 0x18 ACCEL_CONFIG
	expect 0x68 0x19 0x13 0xff SMPLRT_DIV
	got=$(rget 0x68 0x1a)
	[ $((got & 7)) -ne 0 ] || bad="$bad CONFIG=$got(DLPF off: no 1 kHz base)"
	expect 0x68 0x23 0x08 0xff FIFO_EN
	expect 0x68 0x6a 0x40 0x40 USER_CTRL
	if [ -z "$bad" ]; then pass mpu6050-config "awake, gyro standby, 2 g, 50 Hz, accelerometer FIFO on"
	else fail mpu6050-config "$bad"; fi

	bad=
	expect 0x76 0xf4 0x01 0x03 ctrl_meas.mode_forced
	got=$(rget 0x76 0xf4)
	[ $((got & 0xe0)) -ne 0 ] || bad="$bad ctrl_meas=$got(temperature skipped)"
	if [ -z "$bad" ]; then pass bme280-forced-mode "ctrl_meas $(rget 0x76 0xf4)"
	else fail bme280-forced-mode "$bad"; fi

	# The accelerometer's samples: (1.006348, 0, 0) g at about 50 Hz, the
	# jiggled ones with z 0.000061 g.  The daemon drains the FIFO once a
	# second, each drain in a few milliseconds, and the jiggle is at
	# random: a drain sees a 0 or a 1 as a coin falls, and six drains all
	# on 0 come one run in 64.  So it looks for up to 20 s, not just 5.
	# A copy: the daemon goes on writing, and every count below must be
	# of the same rows.
	sleep 4
	f=$dir/ankle-now.csv
	tries=16
	while :; do
		cp "$dir/rec/ankle.csv" "$f" 2>/dev/null
		rows=$(grep -c '^[0-9]' "$f" 2>/dev/null)
		moved=$(grep -c ',0\.000061$' "$f" 2>/dev/null)
		[ "${rows:-0}" -ge 150 ] && [ "${moved:-0}" -gt 0 ] && break
		tries=$((tries - 1))
		[ $tries -gt 0 ] || break
		sleep 1
	done
	good=$(grep -c '^[0-9.]*,1\.006348,0\.000000,0\.0000\(00\|61\)$' \
	    "$f" 2>/dev/null)
	span=$(grep '^[0-9]' "$f" 2>/dev/null | sed -n '1p;$p' | cut -d, -f1 |
	    awk 'NR == 1 { a = $1 } END { printf "%.3f", $1 - a }')
	rate=$(awk -v n="${rows:-0}" -v s="${span:-0}" 'BEGIN {
	    if (s > 0) printf "%.1f", (n - 1) / s; else print 0 }')
	if [ "${rows:-0}" -ge 150 ] && [ "$good" -eq "$rows" ] &&
	    [ "${moved:-0}" -gt 0 ] &&
	    awk -v r="$rate" 'BEGIN { exit !(r >= 45 && r <= 55) }'; then
		pass mpu6050-samples "$rows samples at $rate Hz, all (1.006348, 0, 0) g, $moved of them with z 0.000061 g"
	else
		fail mpu6050-samples "ankle.csv: ${rows:-0} samples, ${good:-0} of them (1.006348,0,0 or 0.000061), ${moved:-0} with z 0.000061, $rate Hz over ${span:-0} s"
		head -n 5 "$f" 2>/dev/null
	fi

	# The temperature of the datasheet's example.
	f=$dir/rec/room.csv
	rows=$(grep -c '^[0-9]' "$f" 2>/dev/null)
	good=$(grep -c '^[0-9.]*,25\.080*$' "$f" 2>/dev/null)
	if [ "${rows:-0}" -ge 3 ] && [ "$good" -eq "$rows" ]; then
		pass bme280-temperature "$rows readings of 25.08 degC"
	else
		fail bme280-temperature "room.csv: ${rows:-0} readings, ${good:-0} of them 25.08"
		head -n 5 "$f" 2>/dev/null
	fi

	# A full FIFO: dropped and restarted, a warning, not a fault.
	mpu_count 0x68 1024
	if wait_until 40 has "$dir/stderr" 'overflow'; then
		pass mpu6050-fifo-overflow "$(grep overflow "$dir/stderr" | head -n 1)"
	else
		fail mpu6050-fifo-overflow "no overflow warning within 4 s of FIFO_COUNT 1024"
	fi
	mpu_count 0x68 300
	sleep 1.5

	# A fault while running (FIFO_COUNT past the FIFO's size), its
	# return, and the LED that shows it.
	ev=$dir/events.jsonl
	mpu_count 0x68 2048
	if wait_until 100 has_event "$ev" sensor_fault ankle; then
		pass ankle-fault "$(grep '"sensor_fault"' "$ev" | tail -n 1)"
		if wait_until 20 led_is 1; then pass led-on-fault
		else fail led-on-fault "LED (line 3) is $(level 3) with ankle faulty"; fi
	else
		fail ankle-fault "no sensor_fault for ankle within 10 s of FIFO_COUNT 2048"
		fail led-on-fault "no fault to show"
	fi
	mpu_count 0x68 300
	if wait_until 150 has_event "$ev" sensor_ok ankle; then
		pass ankle-ok "$(grep '"sensor_ok"' "$ev" | tail -n 1)"
		if wait_until 20 led_is 0; then pass led-off-when-well
		else fail led-off-when-well "LED (line 3) is $(level 3) with every sensor working"; fi
	else
		fail ankle-ok "no sensor_ok for ankle within 15 s of FIFO_COUNT back to 300"
		fail led-off-when-well "no return to show"
	fi
	# A power glitch: the chip back in its power-on state (asleep, FIFO
	# off and empty).  The daemon sees no samples, sets it up again, and
	# a single setup that helps is not a fault.
	faults0=$(grep -c '"sensor_fault"' "$ev")
	rows0=$(grep -c '^[0-9]' "$dir/rec/ankle.csv")
	rset 0x68 0x6b 0x40
	rset 0x68 0x23 0x00
	rset 0x68 0x6a 0x00
	mpu_count 0x68 0
	t_glitch=$(hwtool now)
	if wait_until 200 eval '[ "$(rget 0x68 0x6b)" = 0x00 ] && [ "$(rget 0x68 0x23)" = 0x08 ]'; then
		t_setup=$(hwtool now)
		mpu_count 0x68 300
		sleep 3
		rows1=$(grep -c '^[0-9]' "$dir/rec/ankle.csv")
		faults1=$(grep -c '"sensor_fault"' "$ev")
		if [ "$faults1" -ne "$faults0" ]; then
			fail mpu6050-glitch "a fault after one setup that helped: $(tail -n 1 "$ev")"
		elif [ "$rows1" -le "$rows0" ]; then
			fail mpu6050-glitch "no samples after the new setup"
		else
			pass mpu6050-glitch "set up again $(awk -v a="$t_glitch" -v b="$t_setup" 'BEGIN { printf "%.1f", b - a }') s after the chip went to sleep; samples again, no fault"
		fi
	else
		mpu_count 0x68 300
		fail mpu6050-glitch "the chip was not set up again within 20 s of going to sleep with an empty FIFO: PWR_MGMT_1 $(rget 0x68 0x6b) FIFO_EN $(rget 0x68 0x23)"
	fi

	# A chip frozen on one reading, bit for bit (the jiggling stops): a
	# fault after 30 s of it (set up again first, to no avail) naming
	# it; readings that move again bring sensor_ok.
	# The earliest the readings can have been still since: unjiggle's
	# own 0 comes after t_still, and a 0 of the jiggling's after it set
	# out to write it.  Later would time the daemon's 30 s short.
	t_still=$(hwtool now)
	t_zero=$(cat /tmp/jiggled0 2>/dev/null)
	[ -n "$t_zero" ] || t_zero=$t_still
	unjiggle
	oks0=$(grep -c '"sensor_ok"' "$ev")
	t_still=$(awk -v a="$t_still" -v b="$t_zero" \
	    'BEGIN { printf "%.6f", (b < a ? b : a) }')
	if wait_until 900 has "$ev" 'the same reading'; then
		t_fault=$(hwtool now)
		took=$(awk -v a="$t_still" -v b="$t_fault" 'BEGIN { printf "%.1f", b - a }')
		if awk -v d="$took" 'BEGIN { exit !(d >= 29 && d <= 75) }'; then
			pass mpu6050-frozen "after ${took} s: $(grep 'the same reading' "$ev" | head -n 1)"
		else
			fail mpu6050-frozen "the fault came ${took} s after the readings froze, not 29-75 s: $(grep 'the same reading' "$ev" | head -n 1)"
		fi
		jiggle 0x68
		if wait_until 900 eval '[ "$(grep -c "\"sensor_ok\"" "$ev")" -gt "$oks0" ]'; then
			pass mpu6050-frozen-ok "$(grep '"sensor_ok"' "$ev" | tail -n 1)"
		else
			fail mpu6050-frozen-ok "no sensor_ok within 90 s of the readings moving again"
		fi
	else
		jiggle 0x68
		fail_all "no sensor_fault naming the same reading within 90 s of the readings freezing" \
		    mpu6050-frozen mpu6050-frozen-ok
	fi
	unjiggle

	others=$(grep '"sensor_fault"' "$ev" | grep -v '"sensor":"ankle"')
	if [ -z "$others" ]; then pass faults-stay-apart "room worked on while ankle failed"
	else fail faults-stay-apart "other sensors faulted: $others"; fi

	# Awake in the stub's memory, so that only the daemon's stopping
	# can put it back to sleep.
	rset 0x68 0x6b 0x00
	stop_daemon $dpid i2c-sigterm
	if [ "$(rget 0x68 0x6b)" = 0x40 ]; then pass mpu6050-sleep-on-exit
	else fail mpu6050-sleep-on-exit "PWR_MGMT_1 is $(rget 0x68 0x6b) after exit, not 0x40 (asleep)"; fi
	[ "$nfail" -gt "$nf0" ] && show_daemon_log "$dir"
}

# --- bad: a chip that is not what the config says --------------------------
run_bad() {
	dir=$W/bad
	mkdir -p "$dir"
	nf0=$nfail
	mpu_preset 0x69 0x00		# samples waiting, once it is opened
	jiggle 0x69
	conf "$S_BAD" > "$dir/legwatchd.conf"
	if ! start_daemon "$dir"; then
		unjiggle
		why_down $dpid '' "$dir"
		fail wrong-chip-start "$down"
		fail_all "legwatchd is not running" wrong-chip-fault \
		    wrong-chip-led wrong-chip-ok wrong-chip-led-off \
		    wrong-chip-sigterm
		show_daemon_log "$dir"
		return
	fi
	pass wrong-chip-start
	ev=$dir/events.jsonl
	if wait_until 100 has_event "$ev" sensor_fault bad; then
		line=$(grep '"sensor_fault"' "$ev" | head -n 1)
		if echo "$line" | grep -qi 'who_am_i'; then pass wrong-chip-fault "$line"
		else fail wrong-chip-fault "the error does not name WHO_AM_I: $line"; fi
		sleep 1.2	# past the lamp test
		if led_is 1; then pass wrong-chip-led
		else fail wrong-chip-led "LED (line 3) is $(level 3) with sensor bad faulty"; fi
		rset 0x69 0x75 0x68
		if wait_until 150 has_event "$ev" sensor_ok bad; then
			pass wrong-chip-ok "$(grep '"sensor_ok"' "$ev" | head -n 1)"
			if wait_until 20 led_is 0; then pass wrong-chip-led-off
			else fail wrong-chip-led-off "LED (line 3) is $(level 3) after sensor_ok"; fi
		else
			fail wrong-chip-ok "no sensor_ok for bad within 15 s of WHO_AM_I = 0x68"
			fail wrong-chip-led-off "no return to show"
		fi
	else
		fail_all "no sensor_fault for bad within 10 s" wrong-chip-fault \
		    wrong-chip-led wrong-chip-ok wrong-chip-led-off
	fi
	stop_daemon $dpid wrong-chip-sigterm
	unjiggle
	[ "$nfail" -gt "$nf0" ] && show_daemon_log "$dir"
}

# --- all: the three sensors together ----------------------------------------
run_all() {
	dir=$W/all
	mkdir -p "$dir"
	nf0=$nfail
	mpu_preset 0x68 0x68
	bme_preset
	jiggle 0x68
	pull 0 pull-down
	conf "$S_LEGS" "$S_ANKLE" "$S_ROOM" > "$dir/legwatchd.conf"
	if ! start_daemon "$dir" || ! wait_until 100 irq_ready; then
		unjiggle
		why_down $dpid 'never requested the edge IRQ' "$dir"
		fail all-start "$down"
		fail_all "legwatchd is not running" all-no-fault all-movement \
		    all-sigterm
		show_daemon_log "$dir"
		return
	fi
	pass all-start
	sleep 3
	if grep -q '"sensor_fault"' "$dir/events.jsonl"; then
		fail all-no-fault "$(grep '"sensor_fault"' "$dir/events.jsonl")"
	elif ! running $dpid; then
		fail all-no-fault "legwatchd exited"
	else
		pass all-no-fault "legs, ankle and room open, no sensor_fault"
	fi
	pulse_check all-movement 1.5 leg_movement "$dir/events.jsonl"
	stop_daemon $dpid all-sigterm
	unjiggle
	[ "$nfail" -gt "$nf0" ] && show_daemon_log "$dir"
}

# HW_MODE=bench (bench.sh) sources this file for its helpers alone.
[ "${HW_MODE:-check}" = bench ] && return 0

run_legs
run_i2c
run_bad
run_all
. /hw/nightstand.sh

# nightend: the night window ends while legwatchd runs (the guest's clock
# set to 07:59:45, the window 22:30-08:00): the night's summary, and its
# picture in the state directory with the movement of a pulse on it.
run_nightend() {
	dir=$W/nightend
	mkdir -p "$dir"
	nf0=$nfail
	{ conf "$S_LEGS"; echo 'night = { start = "22:30"; end = "08:00"; };'; } \
	    > "$dir/legwatchd.conf"
	date -s "$(date +%Y-%m-%d) 07:59:45" > /dev/null
	if ! start_daemon "$dir"; then
		why_down $dpid "did not start" "$dir"
		fail nightend-summary "$down"
		fail nightend-report "legwatchd is not running"
		fail nightend-edf "legwatchd is not running"
		return
	fi
	pulse_check nightend-movement 1.0 leg_movement "$dir/events.jsonl"
	if wait_until 250 has "$dir/events.jsonl" night_summary; then
		pass nightend-summary "$(grep night_summary "$dir/events.jsonl")"
	else
		fail nightend-summary "no night_summary by $(date +%H:%M:%S)"
	fi
	svg=$(ls "$dir"/state/report-*.svg 2>/dev/null | head -n 1)
	if [ -z "$svg" ]; then
		fail nightend-report "no report-*.svg in $dir/state: $(ls "$dir/state")"
	elif ! grep -q '</svg>' "$svg" || [ "$(grep -c 'class="lm"' "$svg")" -ne 1 ]; then
		fail nightend-report "$svg: not a whole picture with one leg movement"
	else
		pass nightend-report "$(basename "$svg"), $(wc -c < "$svg") bytes, one leg movement drawn"
	fi
	# Its EDF+ beside it: EDF's header, continuous EDF+, the movement.
	edf=${svg%.svg}.edf
	if [ -z "$svg" ] || [ ! -s "$edf" ]; then
		fail nightend-edf "no report-*.edf in $dir/state: $(ls "$dir/state")"
	elif [ "$(head -c 8 "$edf")" != "0       " ] ||
	    [ "$(dd if="$edf" bs=1 skip=192 count=5 2>/dev/null)" != "EDF+C" ] ||
	    ! grep -aq 'Leg movement' "$edf"; then
		fail nightend-edf "$edf: not a continuous EDF+ file with the leg movement"
	else
		pass nightend-edf "$(basename "$edf"), $(wc -c < "$edf") bytes, EDF+C, the leg movement annotated"
	fi
	stop_daemon $dpid nightend-sigterm
	[ "$nfail" -gt "$nf0" ] && show_daemon_log "$dir"
}

run_nightend
