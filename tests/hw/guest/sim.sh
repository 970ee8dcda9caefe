# The simulated chips themselves work, with busybox alone: what every later
# check builds on.

sim_gpio_pull() {
	pull 1 pull-up && [ "$(level 1)" = 1 ] &&
	pull 1 pull-down && [ "$(level 1)" = 0 ]
}
check sim-gpio-pull "sim_gpio1/pull does not move sim_gpio1/value" sim_gpio_pull

sim_gpio_names() {
	grep -qx "$GPIO_LABEL" /sys/class/gpio/gpiochip*/label
}
check sim-gpio-label "no gpio chip labelled $GPIO_LABEL" sim_gpio_names

sim_i2c_rw() {
	for a in 0x68 0x69 0x76; do
		rset $a 0x10 0x5a && [ "$(rget $a 0x10)" = 0x5a ] &&
		    rset $a 0x10 0x00 || return 1
	done
}
check sim-i2c-rw "i2cset/i2cget round trip on the stub failed" sim_i2c_rw

sim_i2c_absent() {
	! rget 0x50 0x00 >/dev/null 2>&1
}
check sim-i2c-absent "an address without a stub chip answered" sim_i2c_absent
