# legwatch-probe against the simulated chips (sourced by /init after
# daemon.sh, whose presets and conf() it uses): a good wiring (the chips
# found by their IDs, read live, a leg movement seen, the snippet), a chip
# with the wrong ID, a missing one, and a user who may not open the bus.
pdir=/tmp/probe
mkdir -p "$pdir"

# probe_run NAME ARGS...: runs the probe on $pdir/NAME.conf; its output in
# $pdir/NAME.out, its exit status in $pst
probe_run() {
	n=$1
	shift
	legwatch-probe -c "$pdir/$n.conf" "$@" > "$pdir/$n.out" 2>&1
	pst=$?
}
has_line() { grep -qF -- "$2" "$pdir/$1.out"; }
show_probe() { echo "---- legwatch-probe: $1 ----"; cat "$pdir/$1.out"; }

mpu_preset 0x68 0x68
mpu_preset 0x69 0x70		# an MPU-6500 where an MPU-6050 should be
bme_preset
jiggle 0x68

# --- a good wiring: found, read, moved ---
conf "$S_ANKLE" "$S_ROOM" > "$pdir/good.conf"
legwatch-probe -c "$pdir/good.conf" -t 10 > "$pdir/good.out" 2>&1 &
ppid=$!
i=0
while ! has_line good "now move the foot" && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
# A movement: the stub's FIFO holds what its registers hold at each
# drain (once a second), so x swings between 1.5 and 0.5 g, all five
# samples at once (one I2C block write), every 0.5 s for 3.5 s.
xset() {
	set -- "$1" 0x68 0 0 0 0 "$1" 0x68 0 0 0 0 "$1" 0x68 0 0 0 0 \
	    "$1" 0x68 0 0 0 0 "$1" 0x68 0 0 0 0
	i2cset -y "$I2C_BUS" 0x68 0x74 "$@" i
}
i=0
while [ $i -lt 7 ]; do
	if [ $((i % 2)) = 0 ]; then xset 0x60; else xset 0x20; fi
	sleep 0.5
	i=$((i + 1))
done
xset 0x40
wait $ppid
pst=$?
if [ $pst -eq 0 ] &&
    has_line good "0x68  MPU-6050 (WHO_AM_I 0x68)" &&
    has_line good "0x76  BME280 (chip id 0x60)"; then
	pass probe-found "exit 0; $(grep -c '^    0x' "$pdir/good.out") addresses answer"
else
	fail probe-found "exit $pst"
fi
secs=$(sed -n 's/.*leg movement seen: \([0-9.]*\) s$/\1/p' "$pdir/good.out")
if [ -n "$secs" ] && awk -v s="$secs" 'BEGIN { exit !(s >= 0.1 && s <= 6) }'
then
	pass probe-movement "leg movement seen: $secs s (3.5 s of swings)"
else
	fail probe-movement "no 'leg movement seen' of 0.1..6 s"
fi
if has_line good "+1.01 +0.00 +0.00 g" && has_line good "25.08 °C"; then
	pass probe-readings "$(grep -E ' g,|°C' "$pdir/good.out" | tr -s ' ' | tr '\n' ';')"
else
	fail probe-readings "not the stub's 1.01 g and 25.08 degC"
fi
if has_line good "{ name = \"ankle\"; type = \"mpu6050\"; bus = $I2C_BUS; address = 0x68; }" &&
    has_line good "{ name = \"room\"; type = \"bme280\"; bus = $I2C_BUS; address = 0x76; }" &&
    ! grep -q 'address = 0x69' "$pdir/good.out"; then
	pass probe-snippet "the MPU-6050 and the BME280, not the MPU-6500"
else
	fail probe-snippet "the configuration snippet is not the two chips found"
fi
[ "$nfail" -gt 0 ] && show_probe good

# --- the same sensor kept still: no movement, exit 1 ---
conf "$S_ANKLE" > "$pdir/still.conf"
probe_run still -t 3
if [ $pst -eq 1 ] && has_line still "no leg movement seen in 3 s"; then
	pass probe-no-movement "exit 1; $(grep 'no leg movement' "$pdir/still.out" | tr -s ' ')"
else
	fail probe-no-movement "exit $pst"; show_probe still
fi
unjiggle

# --- a wrong chip: told by its ID, not its address ---
conf "$S_BAD" > "$pdir/wrong.conf"
probe_run wrong -n
if [ $pst -eq 1 ] &&
    has_line wrong "0x69  something answers, but its WHO_AM_I is 0x70, not the MPU-6050's 0x68 (0x70 is an MPU-6500)" &&
    has_line wrong "bad      mpu6050: FAILED: mpu6050 on /dev/i2c-$I2C_BUS 0x69: WHO_AM_I is 0x70"; then
	pass probe-wrong-id "exit 1; $(grep FAILED "$pdir/wrong.out")"
else
	fail probe-wrong-id "exit $pst"; show_probe wrong
fi

# --- a chip that is not there ---
conf '{ name = "gone"; type = "adxl345"; bus = '$I2C_BUS'; address = 0x53; }' \
    > "$pdir/missing.conf"
probe_run missing -n
if [ $pst -eq 1 ] && ! grep -q '^    0x53' "$pdir/missing.out" &&
    has_line missing "gone     adxl345: FAILED: adxl345 on /dev/i2c-$I2C_BUS 0x53: read DEVID: "; then
	pass probe-missing "exit 1; $(grep FAILED "$pdir/missing.out")"
else
	fail probe-missing "exit $pst"; show_probe missing
fi

# --- no permission: the bus is the group i2c's, the user not in it ---
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> /etc/passwd
echo "i2c:x:998:" >> /etc/group
echo "nogroup:x:65534:" >> /etc/group
chgrp 998 "/dev/i2c-$I2C_BUS"
chmod 660 "/dev/i2c-$I2C_BUS"
chmod 755 "$pdir"
chmod 644 "$pdir/good.conf"
su -s /bin/sh nobody -c "/usr/bin/legwatch-probe -n -c $pdir/good.conf" \
    > "$pdir/perm.out" 2>&1
pst=$?
if [ $pst -eq 1 ] &&
    has_line perm "/dev/i2c-$I2C_BUS: you (nobody) may not open it (mode 660, group i2c)" &&
    has_line perm "fix: sudo usermod -aG i2c nobody, then log in again"; then
	pass probe-no-permission "exit 1; $(grep 'fix:' "$pdir/perm.out" | head -n 1 | tr -s ' ')"
else
	fail probe-no-permission "exit $pst"; show_probe perm
fi
chmod 600 "/dev/i2c-$I2C_BUS"
chgrp 0 "/dev/i2c-$I2C_BUS"
# What the README's "Is it wired right?" shows.
show_probe good
show_probe wrong
show_probe perm
