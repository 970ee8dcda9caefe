# Shared by the guest's check scripts (sourced by /init).
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "HW-PASS $1${2:+: $2}"; }
fail() { nfail=$((nfail + 1)); echo "HW-FAIL $1${2:+: $2}"; }
# check NAME WHY command...: PASS when the command succeeds
check() {
	name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

finish() {
	if [ "$nfail" -gt 0 ]; then
		echo "---- dmesg (tail) ----"
		dmesg | tail -n 40
	fi
	echo "HW-DONE $npass passed, $nfail failed"
	sync
	poweroff -f
}

# The simulated hardware:
#   gpio-sim chip "legwatch" with 8 lines (label "legwatch-sim"):
#     line 0 the motion sensor's input, line 3 the LED output
#   i2c-stub with chips at 0x68 (mpu6050 "ankle"), 0x69 (an mpu6050 that
#     answers with the wrong WHO_AM_I) and 0x76 (bme280 "room")
GPIO_LABEL=legwatch-sim
I2C_ADDRS=0x68,0x69,0x76
setup_error=

setup_chips() {
	while read -r ko; do
		case $ko in
		i2c-stub.ko) args="chip_addr=$I2C_ADDRS" ;;
		*) args= ;;
		esac
		# shellcheck disable=SC2086
		if ! insmod "/lib/modules/$ko" $args; then
			setup_error="insmod $ko failed"
			return
		fi
		if [ "$ko" = configfs.ko ]; then
			mount -t configfs configfs /sys/kernel/config ||
			    { setup_error="mount configfs failed"; return; }
		fi
	done < /lib/modules/order

	sim=/sys/kernel/config/gpio-sim/legwatch
	mkdir "$sim" "$sim/bank0" "$sim/bank0/line0" "$sim/bank0/line3" ||
	    { setup_error="cannot make the gpio-sim chip in configfs"; return; }
	echo 8 > "$sim/bank0/num_lines"
	echo "$GPIO_LABEL" > "$sim/bank0/label"
	echo motion > "$sim/bank0/line0/name"
	echo led > "$sim/bank0/line3/name"
	echo 1 > "$sim/live" || { setup_error="gpio-sim would not go live"; return; }
	GPIO_CHIP=$(cat "$sim/bank0/chip_name")
	GPIO_DEV=$(cat "$sim/dev_name")
	GPIO_SYS=/sys/devices/platform/$GPIO_DEV/$GPIO_CHIP
	[ -d "$GPIO_SYS/sim_gpio0" ] ||
	    { setup_error="no $GPIO_SYS/sim_gpio0"; return; }
	i=0
	while [ ! -c "/dev/$GPIO_CHIP" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -c "/dev/$GPIO_CHIP" ] || { setup_error="no /dev/$GPIO_CHIP"; return; }

	I2C_BUS=
	for d in /sys/bus/i2c/devices/i2c-*; do
		if [ "$(cat "$d/name" 2>/dev/null)" = "SMBus stub driver" ]; then
			I2C_BUS=${d##*/i2c-}
		fi
	done
	[ -n "$I2C_BUS" ] || { setup_error="no i2c-stub adapter"; return; }
	i=0
	while [ ! -c "/dev/i2c-$I2C_BUS" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ -c "/dev/i2c-$I2C_BUS" ] || setup_error="no /dev/i2c-$I2C_BUS"
}

# The simulated lines, from outside.
pull() { echo "$2" > "$GPIO_SYS/sim_gpio$1/pull"; }	# pull LINE pull-up|pull-down
level() { cat "$GPIO_SYS/sim_gpio$1/value"; }		# level LINE

# Registers of the stub's chips.
rset() { i2cset -y "$I2C_BUS" "$1" "$2" "$3"; }	# rset ADDR REG VALUE
rget() { i2cget -y "$I2C_BUS" "$1" "$2"; }		# rget ADDR REG -> 0xNN
