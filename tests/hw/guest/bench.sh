# HW_MODE=bench (make bench, through tests/hw/run.sh): legwatchd reading
# the MPU-6050 on i2c-stub at 50 Hz, MQTT off, as daemon.sh's i2c run sets
# it up (a FIFO that always holds one second of samples, one LSB of
# jiggle: a leg at rest).  After 5 s to settle, for HW_BENCH_SECONDS: its
# wakeups (the kernel's voluntary context switches of the process) and its
# CPU time (utime + stime of /proc/PID/stat, in USER_HZ ticks of 10 ms),
# printed on one HW-BENCH line.  The guest runs under qemu, under TCG
# without KVM, so its CPU time is the emulated one, many times a Pi's.

. /hw/daemon.sh
bench_s=${HW_BENCH_SECONDS:-60}

# proc_figures PID: "voluntary_switches cpu_ticks uptime_seconds"
proc_figures() {
	v=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status")
	# Fields 14 and 15 after the command, which may hold spaces.
	c=$(sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }')
	u=$(awk '{ print $1 }' /proc/uptime)
	echo "$v $c $u"
}

dir=$W/bench
mkdir -p "$dir"
mpu_preset 0x68 0x68
jiggle 0x68
conf "$S_ANKLE" > "$dir/legwatchd.conf"
if ! start_daemon "$dir"; then
	why_down $dpid '' "$dir"
	fail bench-start "$down"
	show_daemon_log "$dir"
else
	pass bench-start
	sleep 5
	set -- $(proc_figures $dpid)
	v0=$1 c0=$2 u0=$3
	sleep "$bench_s"
	if running $dpid; then
		set -- $(proc_figures $dpid)
		echo "HW-BENCH mpu6050 50 Hz at rest: $(echo "$v0 $c0 $u0 $1 $2 $3" |
		    awk '{ s = $6 - $3
			printf "%.0f s, %d wakeups, %.2f per second, CPU %.2f s, %.2f s per hour",
			    s, $4 - $1, ($4 - $1) / s, ($5 - $2) / 100,
			    ($5 - $2) / 100 * 3600 / s }')"
		pass bench-run
	else
		fail bench-run "legwatchd exited during the measurement"
	fi
	stop_daemon $dpid bench-sigterm
	[ "$nfail" -gt 0 ] && show_daemon_log "$dir"
fi
unjiggle
