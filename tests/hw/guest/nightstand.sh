# The nightstand: the drink reminder's LED, buzzer and button (sourced by
# daemon.sh after its runs; its helpers are used here).  The LED on
# gpio-sim line 3, the buzzer on line 4, the button on line 5 (active low
# with a pull-up: pressed is gpio-sim's pull-down); the gpio_motion sensor
# "legs" on line 0, as the outputs only open with hardware sensors.  The
# day is set from the guest's own clock (UTC) so that now is 40 min after
# wake: the morning reminder's time.
#   run 1  no reminder while the kernel clock is unsynchronised; hwtool
#          sync; the morning reminder: its event, the LED, two beeps; a
#          short press with a bounce logs one glass and puts the LED out;
#          the state file; SIGTERM.
#   run 2  the same configuration and state directory: the count kept, no
#          second morning reminder; a glass on top; a long press snoozes
#          at 1.5 s, while still held; SIGTERM.  (The snooze comes last:
#          snoozed, no reminder would come after a restart anyway.)

NS_LED=3 NS_BUZZER=4 NS_BUTTON=5
NS_PULL=$GPIO_SYS/sim_gpio$NS_BUTTON/pull

# hm EPOCH: its UTC clock time, HH:MM
hm() { date -u -d "@$1" +%H:%M; }
# iso_epoch TIME: "2026-11-27T12:34:56.789Z" as Unix s (ms kept)
iso_epoch() {
	s=$(date -u -d "$(echo "$1" | sed 's/T/ /; s/\..*//')" +%s)
	echo "$s.$(echo "$1" | sed 's/.*\.\([0-9]*\)Z$/\1/')"
}
# flat FILE: a JSON file on one line without blanks (for jfield)
flat() { tr -d ' \n' < "$1" 2>/dev/null; echo; }
ns_irqs_ready() { [ "$(grep -c legwatchd /proc/interrupts)" -ge 2 ]; }
reminders() { grep -c '"event_type":"hydration_reminder"' "$1" 2>/dev/null; }
# since A B: B - A, 3 decimals
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# The configuration: wake 40 min ago, bed 16 h after wake, the night
# window from 17 h to 20 h after wake (now is outside it).
ns_conf() {
	w=$(($(date -u +%s) - 40 * 60))
	NS_DAY=$(date -u -d "@$w" +%Y-%m-%d)
	cat <<EOF
sensors = (
  $S_LEGS
);
outputs = { chip = "$GPIO_LABEL"; led_line = $NS_LED; buzzer_line = $NS_BUZZER;
    button_line = $NS_BUTTON; button_active_low = true; button_bias = "pull-up";
    button_debounce_ms = 30; };
mqtt = { enabled = false; };
storage = { state_dir = "$dir/state"; };
night = { start = "$(hm $((w + 17 * 3600)))"; end = "$(hm $((w + 20 * 3600)))"; };
hydration = { wake = "$(hm $w)"; bed = "$(hm $((w + 16 * 3600)))";
    goal_ml = 2000; glass_ml = 250; snooze_min = 60; };
EOF
}

# ns_start EVENTS: legwatchd -v with the configuration in the background
# ($dpid); 0 once it holds the edge IRQs of the motion line and the button
ns_start() {
	$D -v -c "$dir/legwatchd.conf" --events "$1" 2>> "$dir/stderr" &
	dpid=$!
	wait_until 100 ns_irqs_ready && running $dpid
}

# ns_stop NAME: SIGTERM; PASS NAME when legwatchd exits 0 within 10 s and
# the LED and the buzzer are at 0 (released, gpio-sim's pull-down shows:
# a line left requested and driven high would show 1)
ns_stop() {
	spid=$dpid
	if ! running "$spid"; then
		wait "$spid"
		fail "$1" "legwatchd had already exited with status $?"
		return
	fi
	kill -TERM "$spid"
	if ! wait_until 100 eval '! running $spid'; then
		fail "$1" "still running 10 s after SIGTERM"
		kill -KILL "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		return
	fi
	wait "$spid"
	st=$?
	if [ "$st" -ne 0 ]; then
		fail "$1" "exit status $st after SIGTERM"
	elif [ "$(level $NS_LED)" != 0 ] || [ "$(level $NS_BUZZER)" != 0 ]; then
		fail "$1" "LED $(level $NS_LED), buzzer $(level $NS_BUZZER) after exit"
	else
		pass "$1" "exit status 0, LED and buzzer 0"
	fi
}

# glass_lines: the "a glass logged (the button)" lines so far
glass_lines() { grep -c 'a glass logged (the button)' "$dir/stderr"; }

# beeps WATCHFILE EVENT_T: the buzzer's pulse train as hwtool watch saw it;
# sets beep_ok (1: two beeps of 0.15 s, 0.15 s apart, then off, the first
# within 1 s of the event) and beep_what.  Each edge may be 0.1 s off (and
# the watcher's longest sampling gap): the daemon's timers, in a VM under
# load on an emulated CPU; the unit tests pin the pattern to the
# millisecond.
beeps() {
	beep_what=$(awk -v ev="$2" '
	    function near(x, want, tol) { return x - want <= tol && want - x <= tol }
	    $1 == "end" { maxgap = $4; next }
	    NR == 1 { first = $2; next }
	    { n++; t[n] = $1; v[n] = $2 }
	    END {
		tol = 0.1 + maxgap
		ok = first == 0 && n == 4 && v[1] == 1 && v[2] == 0 &&
		    v[3] == 1 && v[4] == 0
		s = sprintf("%d edges:", n)
		for (i = 1; i <= n; i++)
			s = s sprintf(" %s %.3f", v[i] ? "on" : "off", t[i] - ev)
		if (ok) {
			a = t[2] - t[1]; b = t[3] - t[2]; c = t[4] - t[3]
			s = sprintf("on %.3f s, off %.3f s, on %.3f s, then off; the first %.3f s after the event (sampled every <= %.4f s)", a, b, c, t[1] - ev, maxgap)
			ok = near(a, 0.15, tol) && near(b, 0.15, tol) &&
			    near(c, 0.15, tol) && t[1] - ev > -0.05 &&
			    t[1] - ev < 1
		} else
			s = s " (from " first ", seconds after the event)"
		print (ok ? "ok " : "bad ") s
	    }' "$1")
	case $beep_what in
	ok\ *) beep_ok=1 ;;
	*) beep_ok=0 ;;
	esac
	beep_what=${beep_what#* }
}

NS_CHECKS="nightstand-start nightstand-no-reminder-unsynced
    nightstand-reminder-after-sync nightstand-led-on nightstand-buzzer-beeps
    nightstand-button-glass nightstand-button-bounce
    nightstand-led-off-after-glass nightstand-sigterm nightstand-restart
    nightstand-no-repeat-after-restart nightstand-state-persists
    nightstand-long-press-snooze nightstand-restart-sigterm"

run_nightstand() {
	dir=$W/nightstand
	mkdir -p "$dir"
	nf0=$nfail
	ev=$dir/events.jsonl
	pull 0 pull-down
	pull $NS_BUTTON pull-up			# released
	ns_conf > "$dir/legwatchd.conf"
	echo "---- $dir/legwatchd.conf (now $(date -u +%H:%M:%S) UTC) ----"
	cat "$dir/legwatchd.conf"
	clock0=$(hwtool clock)
	t_start=$(hwtool now)
	if ! ns_start "$ev"; then
		why_down $dpid 'never requested the edge IRQs of lines 0 and 5' "$dir"
		fail nightstand-start "$down"
		set -- $NS_CHECKS
		shift
		fail_all "legwatchd is not running" "$@"
		show_daemon_log "$dir"
		return
	fi
	if has "$dir/stderr" 'outputs\.'; then
		fail nightstand-start "$(grep 'outputs\.' "$dir/stderr" | head -n 3 | tr '\n' ' ')"
	else
		pass nightstand-start "legs, LED, buzzer and button open; edge IRQs of lines 0 and 5"
	fi

	# The clock unsynchronised: nothing by the time of day, though it is
	# the morning reminder's time.
	wait_until 30 led_is 0		# the lamp test over
	sleep 3
	t_quiet=$(since "$t_start" "$(hwtool now)")
	case $clock0 in
	synced*)
		fail nightstand-no-reminder-unsynced "the guest's clock was synchronised already: $clock0" ;;
	*)
		if [ "$(reminders "$ev")" -ne 0 ]; then
			fail nightstand-no-reminder-unsynced "a reminder with the clock unsynchronised: $(grep hydration_reminder "$ev")"
		elif has "$dir/stderr" 'clock is synchronised'; then
			fail nightstand-no-reminder-unsynced "legwatchd says the clock is synchronised: $clock0"
		elif led_is 1; then
			fail nightstand-no-reminder-unsynced "the LED is on"
		else
			pass nightstand-no-reminder-unsynced "none in $t_quiet s (clock $clock0)"
		fi ;;
	esac

	# Synchronised: the morning reminder, the LED, two beeps.
	hwtool watch "$GPIO_SYS/sim_gpio$NS_BUZZER/value" 4 > "$dir/buzzer.watch" &
	wpid=$!
	sleep 0.2
	t_sync=$(hwtool now)
	sync_out=$(hwtool sync)
	echo "hwtool sync: $sync_out"
	lit=0
	if wait_until 80 eval '[ "$(reminders "$ev")" -gt 0 ]'; then
		wait_until 10 led_is 1 && lit=1
		line=$(grep '"hydration_reminder"' "$ev" | head -n 1)
		t_ev=$(iso_epoch "$(echo "$line" | jfield time)")
		after=$(since "$t_sync" "$t_ev")
		want='"reason":"morning","water_today_ml":0,"goal_ml":2000,"quiet":false,"message":"'
		if [ "$(reminders "$ev")" -ne 1 ]; then
			fail nightstand-reminder-after-sync "$(reminders "$ev") reminders: $(grep hydration_reminder "$ev" | tr '\n' ' ')"
		elif ! echo "$line" | grep -qF "$want"; then
			fail nightstand-reminder-after-sync "not a morning reminder of 0 of 2000 ml with the buzzer: $line"
		elif awk -v a="$after" 'BEGIN { exit !(a >= 0 && a <= 6) }'; then
			pass nightstand-reminder-after-sync "$after s after hwtool sync: $line"
		else
			fail nightstand-reminder-after-sync "$after s after hwtool sync (not within 6 s): $line"
		fi
	else
		t_ev=$t_sync
		fail nightstand-reminder-after-sync "no hydration_reminder within 8 s of hwtool sync ($sync_out)"
	fi
	wait $wpid
	beeps "$dir/buzzer.watch" "$t_ev"
	if [ "$(reminders "$ev")" -eq 0 ]; then
		fail nightstand-buzzer-beeps "no reminder"
	elif [ $beep_ok = 1 ]; then
		pass nightstand-buzzer-beeps "$beep_what"
	else
		fail nightstand-buzzer-beeps "$beep_what"
		cat "$dir/buzzer.watch"
	fi
	# Still on, seconds later: it waits for an answer.
	if [ $lit = 1 ] && led_is 1; then
		pass nightstand-led-on "on with the reminder, still on $(since "$t_ev" "$(hwtool now)") s later"
	else
		fail nightstand-led-on "LED (line $NS_LED) $(level $NS_LED); on within 1 s of the reminder: $lit"
	fi

	# A short press, and the contact bouncing 0.1 s after its release:
	# one glass, the LED out after its 0.3 s confirmation.
	hwtool watch "$GPIO_SYS/sim_gpio$NS_LED/value" 2.5 > "$dir/led.watch" &
	wpid=$!
	sleep 0.2
	hwtool press "$NS_PULL" 0.3 0.1 0.3 > "$dir/press1"
	set -- $(head -n 1 "$dir/press1")
	p_start=$1 p_end=$2
	echo "presses: $(tr '\n' ';' < "$dir/press1")"
	if wait_until 20 has "$dir/stderr" 'a glass logged (the button)'; then
		l=$(grep 'a glass logged (the button)' "$dir/stderr" | head -n 1)
		case $l in
		*': 250 ml today') pass nightstand-button-glass "$l" ;;
		*) fail nightstand-button-glass "$l" ;;
		esac
	else
		fail nightstand-button-glass "nothing logged within 2 s of a 0.3 s press"
	fi
	wait $wpid
	n=$(glass_lines)
	if [ "$n" -eq 1 ]; then
		pass nightstand-button-bounce "a second press 0.1 s after the release: no second glass"
	else
		gap=$(sed -n 2p "$dir/press1" | awk -v e="$p_end" '{ printf "%.3f", $1 - e }')
		fail nightstand-button-bounce "$n glasses from one press and its bounce ${gap} s after the release: $(grep 'glass' "$dir/stderr" | tr '\n' ' ')"
	fi
	off=$(awk -v pe="$p_end" '$1 != "end" { t = $1; v = $2; n++ }
	    END { if (n >= 2 && v == 0) printf "%.3f", t - pe; else print "none" }' \
	    "$dir/led.watch")
	if [ "$off" != none ] && led_is 0 && head -n 1 "$dir/led.watch" | grep -q ' 1$' &&
	    awk -v o="$off" 'BEGIN { exit !(o >= 0.2 && o <= 2.5) }'; then
		pass nightstand-led-off-after-glass "off $off s after the release (its 0.3 s confirmation)"
	else
		fail nightstand-led-off-after-glass "LED now $(level $NS_LED); off $off s after the release; seen: $(tr '\n' ' ' < "$dir/led.watch")"
	fi
	st1=$(flat "$dir/state/hydration.json")
	ns_stop nightstand-sigterm
	tmp=$(ls "$dir/state" | grep '^hydration\.json\.')

	# --- run 2: a restart with the same configuration ----------------
	ev2=$dir/events2.jsonl
	echo "---- restart ----" >> "$dir/stderr"
	if ! ns_start "$ev2"; then
		why_down $dpid 'never requested the edge IRQs of lines 0 and 5' "$dir"
		fail nightstand-restart "$down"
		fail_all "legwatchd is not running after the restart" \
		    nightstand-no-repeat-after-restart nightstand-state-persists \
		    nightstand-long-press-snooze nightstand-restart-sigterm
		show_daemon_log "$dir"
		return
	fi
	pass nightstand-restart "the same configuration and state directory"
	wait_until 30 led_is 0		# the lamp test over
	sleep 2.5
	syncs=$(grep -c 'clock is synchronised' "$dir/stderr")
	if [ "$(reminders "$ev2")" -ne 0 ]; then
		fail nightstand-no-repeat-after-restart "$(grep hydration_reminder "$ev2")"
	elif [ "$syncs" -lt 2 ]; then
		fail nightstand-no-repeat-after-restart "legwatchd did not say the clock is synchronised after the restart: reminders were never due"
	elif led_is 1; then
		fail nightstand-no-repeat-after-restart "the LED is on"
	else
		pass nightstand-no-repeat-after-restart "no reminder in 3.5 s with the clock synchronised"
	fi
	st2=$(flat "$dir/state/hydration.json")
	hwtool press "$NS_PULL" 0.3 > "$dir/press2"
	wait_until 20 eval '[ "$(glass_lines)" -ge 2 ]'
	g2=$(grep 'a glass logged (the button)' "$dir/stderr" | sed -n 2p)
	st3=$(flat "$dir/state/hydration.json")
	bad=
	for s in "$st1" "$st2"; do
		[ "$(echo "$s" | jfield day)" = "$NS_DAY" ] &&
		[ "$(echo "$s" | jfield water_ml)" = 250 ] &&
		[ "$(echo "$s" | jfield morning_done)" = true ] ||
		    bad="$bad; want day $NS_DAY, water_ml 250, morning_done true: $s"
	done
	case $g2 in
	*': 500 ml today') ;;
	*) bad="$bad; a glass after the restart: '$g2' (want 500 ml today)" ;;
	esac
	[ "$(echo "$st3" | jfield water_ml)" = 500 ] ||
	    bad="$bad; after that glass: $st3"
	[ -z "$tmp" ] || bad="$bad; temporary files left: $tmp"
	if [ -z "$bad" ]; then
		pass nightstand-state-persists "hydration.json day $NS_DAY water_ml 250 morning_done true over the restart; a glass after it: 500 ml"
	else
		fail nightstand-state-persists "${bad#; }"
	fi

	# A long press: snoozed at 1.5 s, while still held; no glass.  Not
	# within 0.25 s of the last release: that would be its bounce.
	sleep 0.5
	hwtool press "$NS_PULL" 3.0 > "$dir/press3" &
	ppid=$!
	wait_until 40 has "$dir/stderr" 'reminders snoozed'
	t_seen=$(hwtool now)
	wait $ppid
	set -- $(cat "$dir/press3")
	after=$(awk -v s="$1" '{ printf "%.3f", s - $2 }' "$dir/press2")
	sleep 0.5
	n=$(grep -c 'reminders snoozed' "$dir/stderr")
	l=$(grep 'reminders snoozed' "$dir/stderr" | head -n 1)
	at=$(since "$1" "$t_seen")
	snooze=$(flat "$dir/state/hydration.json" | jfield snooze_until)
	if [ "$n" -eq 0 ]; then
		fail nightstand-long-press-snooze "nothing logged for a ${3} s hold, ${after} s after the last release"
	elif [ "$n" -gt 1 ]; then
		fail nightstand-long-press-snooze "$n snoozes from one hold"
	elif ! echo "$l" | grep -q 'reminders snoozed for 60 min (the button held)$'; then
		fail nightstand-long-press-snooze "logged: $l"
	elif ! awk -v a="$at" -v e="$(since "$1" "$2")" \
	    'BEGIN { exit !(a >= 1.45 && a < e) }'; then
		fail nightstand-long-press-snooze "seen $at s after the press began; released after $(since "$1" "$2") s"
	elif [ "$(glass_lines)" -ne 2 ]; then
		fail nightstand-long-press-snooze "the hold logged a glass too"
	elif ! awk -v s="$snooze" -v t="$t_seen" \
	    'BEGIN { exit !(s - t > 3500 && s - t < 3700) }'; then
		fail nightstand-long-press-snooze "hydration.json snooze_until $snooze, not an hour from $t_seen"
	else
		pass nightstand-long-press-snooze "seen $at s into a ${3} s hold (begun ${after} s after the last release): $l; snooze_until in hydration.json"
	fi
	ns_stop nightstand-restart-sigterm
	if [ "$nfail" -gt "$nf0" ]; then
		show_daemon_log "$dir"
		echo "---- events after the restart ($ev2) ----"
		cat "$ev2"
		echo "---- $dir/state/hydration.json ----"
		cat "$dir/state/hydration.json"
	fi
}

run_nightstand
