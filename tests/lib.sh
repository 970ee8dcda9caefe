# Shared by the shell tests that run the daemon against a real broker
# (sourced): tallies, polling, a broker on a free loopback port.  The
# caller sets work (a directory), passed, failed and pids.

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then pass; else fail "$1"; fi; }

# wait_for SECONDS COMMAND: polls until COMMAND succeeds.
wait_for() {
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		if eval "$@"; then return 0; fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start_broker NAME [CONF LINES]: a broker on a free port; sets $port.
start_broker() {
	name=$1; shift
	mkdir -p "$work/$name"
	tries=0
	while [ $tries -lt 20 ]; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		{
			echo "listener $port 127.0.0.1"
			# Started as root it would drop to "mosquitto", which
			# cannot read the test's files.
			[ "$(id -u)" -eq 0 ] && echo "user root"
			echo "persistence true"
			echo "persistence_location $work/$name/"
			for line in "$@"; do echo "$line"; done
			case "$*" in *password_file*) ;; *)
				echo "allow_anonymous true";; esac
		} > "$work/$name/mosquitto.conf"
		# The log exists before the broker does: the wait reads it.
		: > "$work/$name/broker.log"
		mosquitto -c "$work/$name/mosquitto.conf" \
		    > "$work/$name/broker.log" 2>&1 &
		broker=$!
		pids="$pids $broker"
		if wait_for 5 "grep -q 'running\|Opening ipv4 listen socket' \
		    '$work/$name/broker.log' || ! kill -0 $broker 2>/dev/null"
		then
			if kill -0 "$broker" 2>/dev/null; then
				sleep 0.2
				kill -0 "$broker" 2>/dev/null && return 0
			fi
		fi
		tries=$((tries + 1))
	done
	echo "cannot start mosquitto: $(tail -n 3 "$work/$name/broker.log")"
	exit 1
}

# conf FILE ID STATE_DIR RECORDING SPEED [MQTT EXTRA]: a replay of
# RECORDING to the broker on $port.
conf() {
	cat > "$1" <<EOC
device = { id = "$2"; name = "Test $2"; };
mqtt = { host = "127.0.0.1"; port = $port; keepalive = 5; ${6:-} };
storage = { state_dir = "$3"; };
sensors = ( { name = "ankle"; type = "replay"; file = "$4"; speed = $5; } );
EOC
}

# pending JOURNAL: the events in an outbox journal (a state directory's
# outbox.jsonl, or a copy of one) not acknowledged; 0 when there is none.
pending() {
	[ -f "$1" ] || { echo 0; return; }
	awk '$1 == "E" { e[$2] = 1 } $1 == "A" { delete e[$2] }
	    END { n = 0; for (k in e) n++; print n }' "$1"
}

payloads() {	# the event and movement payloads, in arrival order
	grep -E "^legwatch/$1/(event|movement) " "$2" | cut -d' ' -f2-
}

# tmpfs_runner: how a private tmpfs (a disk that fills) can be had here;
# sets ns to the command that runs a shell where it may be mounted
# ("unshare -m", "unshare -r -m", or "env" as root in a chroot, whose
# root is no mount point and so has no private mount namespace), or to
# "" when none can.
tmpfs_runner() {
	probe=$work/probe
	mkdir -p "$probe"
	ns=""
	for try in "unshare -m" "unshare -r -m"; do
		if $try sh -c "mount -t tmpfs -o size=64k tmpfs '$probe' &&
		    [ \"\$(stat -f -c %T '$probe')\" = tmpfs ]" 2>/dev/null
		then
			ns=$try
			return
		fi
	done
	if [ "$(id -u)" -eq 0 ] &&
	    mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
		[ "$(stat -f -c %T "$probe")" = tmpfs ] && ns=env
		umount "$probe"
	fi
}

# daemon_on_tmpfs NAME SIZE STATE CONF STAY: legwatchd -c CONF in $ns
# (tmpfs_runner) with STATE on a tmpfs of SIZE, its events to
# $work/NAME.events.  $work/NAME.pid, .rc and .log are its pid, exit status
# and stderr; NAME.journal the outbox it left.  The shell around it keeps
# the namespace STAY seconds more for a look; sets nsh (that shell's pid,
# added to pids), d (the daemon's) and root (STATE as the daemon sees it).
daemon_on_tmpfs() {
	$ns sh -c "mount -t tmpfs -o size=$2,mode=0750 tmpfs '$3' || exit 99
	    '$bin' -c '$4' --events '$work/$1.events' 2> '$work/$1.log' &
	    echo \$! > '$work/$1.pid'
	    wait \$!
	    echo \$? > '$work/$1.rc'
	    cp '$3/outbox.jsonl' '$work/$1.journal'
	    exec sleep $5" &
	nsh=$!; pids="$pids $nsh"
	wait_for 5 "[ -s '$work/$1.pid' ]"
	d=$(cat "$work/$1.pid")
	root=/proc/$nsh/root$3
}
