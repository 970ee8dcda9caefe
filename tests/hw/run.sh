#!/bin/sh
# make check-hw: legwatchd against the kernel's gpio-sim and i2c-stub, in a
# small VM booting Debian's own kernel (tests/hw/README.md).
#
# usage: tests/hw/run.sh BUILD_DIR
# env:   HW_ACCEL=tcg      force software emulation (what CI without /dev/kvm
#                          gets anyway); default: kvm when it works, else tcg
#        HW_TIMEOUT=420    seconds before the VM is killed
#        HW_WATCHDOG=360   seconds before the guest gives up and powers off
#        HW_KEEP=1         keep the downloaded .debs and unpacked kernel
#        HW_MODE=bench     instead of the checks, the daemon's wakeups and
#                          CPU time with the MPU-6050 on i2c-stub for
#                          HW_BENCH_SECONDS (60; guest/bench.sh), printed
#                          on a line "HW-BENCH ..." (make bench)
#
# Everything downloaded or built is cached under BUILD_DIR/hw/cache/<ABI>,
# so only the first run for a kernel ABI downloads and compiles.
set -eu

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
hw=$build/hw
cache=$hw/cache
mode=${HW_MODE:-check}
case $mode in
check|bench) ;;
*) echo "check-hw: HW_MODE is check or bench, not $mode" >&2; exit 64 ;;
esac
bench_s=${HW_BENCH_SECONDS:-60}
timeout_s=${HW_TIMEOUT:-420}
watchdog_s=${HW_WATCHDOG:-360}
t_start=$(date +%s)

say() { echo "check-hw: $*"; }
die() {
	echo "check-hw: FAIL: $*" >&2
	echo "check-hw: 0 passed, 1 failed"
	exit 1
}

for b in legwatchd legwatchd-live; do
	[ -x "$build/$b" ] || die "$build/$b is missing (make $build/legwatchd)"
done
[ -x "$build/legwatch-probe" ] ||
    die "$build/legwatch-probe is missing (make $build/legwatch-probe)"

# --- Debian packages --------------------------------------------------------
apt=$here/../apt.sh
updated=
apt_update() {
	[ -n "$updated" ] && return 0
	say "apt-get update"
	sh "$apt" update
	updated=1
}
install_missing() {
	sh "$apt" install "$@" || die "apt-get install $* failed"
}

install_missing qemu-system-x86 busybox-static cpio gzip kmod xz-utils \
    gcc make libc6-dev
# busybox-static has carried i2cset/i2cget for long; use i2c-tools if not.
if ! busybox --list | grep -qx i2cset || ! busybox --list | grep -qx i2cget
then
	install_missing i2c-tools
	i2c_tools=1
else
	i2c_tools=
fi

# --- the kernel: resolved now, never hard-coded ----------------------------
resolve_abi() {
	apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' |
	    head -n 1
}
abi=$(resolve_abi)
if [ -z "$abi" ]; then
	apt_update
	abi=$(resolve_abi)
fi
[ -n "$abi" ] || die "cannot resolve the kernel ABI (apt-cache depends linux-image-amd64)"
# linux-source-6.1 for ABI 6.1.0-NN-amd64
series=$(echo "$abi" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
say "kernel ABI $abi (linux-source-$series)"

kc=$cache/$abi
if [ ! -e "$kc/.done" ]; then
	t0=$(date +%s)
	install_missing "linux-headers-$abi"
	kver=$(dpkg-query -W -f='${Version}' "linux-headers-$abi")
	rm -rf "$kc"
	mkdir -p "$kc/debs" "$kc/mod" "$kc/ko"
	fetch() {
		(cd "$kc/debs" && apt-get download "$@" > fetch.log 2>&1)
	}
	if ! fetch "linux-image-$abi=$kver" "linux-source-$series=$kver"; then
		# The lists may be older than the mirror: refresh once.
		apt_update
		if ! fetch "linux-image-$abi=$kver" "linux-source-$series=$kver"
		then
			# A point release within the same ABI: the installed
			# headers are older than what the mirror still has.
			say "linux-headers-$abi $kver is gone from the mirror: upgrading it"
			sh "$apt" get install -y -qq --no-install-recommends \
			    "linux-headers-$abi" >/dev/null ||
			    die "apt-get install linux-headers-$abi failed"
			kver=$(dpkg-query -W -f='${Version}' "linux-headers-$abi")
			fetch "linux-image-$abi=$kver" "linux-source-$series=$kver" ||
			    { cat "$kc/debs/fetch.log"; die "apt-get download linux-image-$abi=$kver linux-source-$series=$kver failed"; }
		fi
	fi

	# gpio-sim is not enabled in Debian's kernel: build it out of tree
	# from the three files it needs (one module, irq_sim included).
	src=linux-source-$series
	dpkg-deb --fsys-tarfile "$kc"/debs/linux-source-"$series"_*.deb |
	    tar -xO "./usr/src/$src.tar.xz" | xz -dc |
	    tar -x -C "$kc" "$src/drivers/gpio/gpio-sim.c" \
		"$src/drivers/gpio/gpiolib.h" "$src/kernel/irq/irq_sim.c" ||
	    die "cannot unpack gpio-sim from $src"
	cp "$kc/$src/drivers/gpio/gpio-sim.c" "$kc/mod/gpio-sim-core.c"
	cp "$kc/$src/drivers/gpio/gpiolib.h" "$kc/mod/"
	# irq_to_desc is not exported to modules.
	sed 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)))/generic_handle_irq(\1)/' \
	    "$kc/$src/kernel/irq/irq_sim.c" > "$kc/mod/irq_sim.c"
	grep -q 'irq_to_desc' "$kc/mod/irq_sim.c" &&
	    die "irq_sim.c still calls irq_to_desc: the patch no longer applies"
	printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' \
	    > "$kc/mod/Kbuild"
	make -C "/usr/src/linux-headers-$abi" M="$(cd "$kc/mod" && pwd)" \
	    modules > "$kc/mod/build.log" 2>&1 ||
	    { cat "$kc/mod/build.log"; die "building gpio-sim.ko failed"; }

	# The kernel and the modules the test loads, with what they need.
	kroot=$kc/kroot
	dpkg-deb -x "$kc"/debs/linux-image-"$abi"_*.deb "$kroot"
	depmod -b "$kroot" "$abi"
	cp "$kroot/boot/vmlinuz-$abi" "$kc/vmlinuz"
	: > "$kc/ko/order"
	for m in configfs i2c-stub i2c-dev; do
		modprobe -d "$kroot" -S "$abi" --show-depends "$m" |
		    awk '$1 == "insmod" { print $2 }'
	done | while read -r f; do
		base=$(basename "$f")
		case $base in
		*.ko.xz) base=${base%.xz}; xz -dc "$f" > "$kc/ko/$base" ;;
		*.ko.zst) base=${base%.zst}; zstd -qdc "$f" > "$kc/ko/$base" ;;
		*.ko.gz) base=${base%.gz}; gzip -dc "$f" > "$kc/ko/$base" ;;
		*) cp "$f" "$kc/ko/$base" ;;
		esac
		grep -qx "$base" "$kc/ko/order" || echo "$base" >> "$kc/ko/order"
	done
	# gpio-sim after configfs (it needs it); the rest keep their order.
	cp "$kc/mod/gpio-sim.ko" "$kc/ko/"
	for m in configfs.ko i2c-stub.ko i2c-dev.ko; do
		grep -qx "$m" "$kc/ko/order" ||
		    die "$m was not found in linux-image-$abi"
	done
	awk '{ print } $0 == "configfs.ko" { print "gpio-sim.ko" }' \
	    "$kc/ko/order" > "$kc/ko/order.new"
	mv "$kc/ko/order.new" "$kc/ko/order"
	if [ -z "${HW_KEEP:-}" ]; then
		rm -rf "${kroot:?}" "${kc:?}/debs" "${kc:?}/$src"
	fi
	echo "$kver" > "$kc/.done"
	# Kernels the mirror has moved on from.
	for old in "$cache"/*; do
		[ "$old" = "$kc" ] || rm -rf "$old"
	done
	say "kernel $abi ($kver) and gpio-sim.ko ready in $(( $(date +%s) - t0 )) s"
fi

# --- the initramfs -----------------------------------------------------------
root=$hw/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
    "$root/lib/modules" "$root/hw" "$root/proc" "$root/sys" "$root/dev" \
    "$root/tmp" "$root/etc"
cp "$(command -v busybox)" "$root/bin/busybox"
for t in $(busybox --list); do
	[ -e "$root/bin/$t" ] || ln -s busybox "$root/bin/$t"
done
if [ -n "$i2c_tools" ]; then
	for t in i2cset i2cget i2cdetect; do
		rm -f "$root/bin/$t"
		cp "$(command -v "$t")" "$root/usr/sbin/$t"
	done
fi
cp "$kc"/ko/*.ko "$kc/ko/order" "$root/lib/modules/"

# The program under test and every library it links (legwatchd-live's
# libmosquitto too, though the guest runs with MQTT off).
cp "$build/legwatchd" "$build/legwatchd-live" "$build/legwatch-probe" \
    "$root/usr/bin/"
copy_libs() {
	ldd "$1" | awk '/=>/ { print $3 } /^\t\// { print $1 }' |
	while read -r lib; do
		[ -e "$lib" ] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_libs "$build/legwatchd-live"
copy_libs "$build/legwatch-probe"
[ -n "$i2c_tools" ] && copy_libs "$(command -v i2cset)"

gcc -static -O2 -Wall -Wextra -Werror -o "$hw/hwtool" "$here/hwtool.c" ||
    die "building tests/hw/hwtool.c failed"
cp "$hw/hwtool" "$root/usr/bin/hwtool"
cp "$here"/guest/* "$root/hw/"
mv "$root/hw/init" "$root/init"
chmod 755 "$root/init" "$root"/hw/*.sh
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
    gzip -1 > "$hw/initrd.gz"

# --- boot --------------------------------------------------------------------
log=$hw/console.log
boot_wait=${HW_BOOT_WAIT:-20}
# boot ACCEL-OPTIONS: runs the VM to its end; 0, or 2 when the guest did not
# reach its /init within boot_wait s (a nested KVM that hangs or aborts)
boot() {
	rm -f "$log"
	: > "$log"
	say "booting ($1, timeout ${timeout_s} s); console: $log"
	# shellcheck disable=SC2086
	timeout -k 10 "$timeout_s" qemu-system-x86_64 $1 -m 512 \
	    -nographic -no-reboot -monitor none -serial "file:$log" \
	    -kernel "$kc/vmlinuz" -initrd "$hw/initrd.gz" \
	    -append "console=ttyS0 panic=-1 quiet loglevel=4 HW_WATCHDOG=$watchdog_s HW_MODE=$mode HW_BENCH_SECONDS=$bench_s" \
	    < /dev/null > "$hw/qemu.out" 2>&1 &
	qpid=$!
	waited=0
	while kill -0 "$qpid" 2>/dev/null && ! grep -aq 'HW-BOOT kernel' "$log"; do
		if [ "$waited" -ge "$boot_wait" ]; then
			kill "$qpid" 2>/dev/null
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	set +e
	wait "$qpid"
	qemu_status=$?
	set -e
	grep -aq 'HW-BOOT kernel' "$log" || return 2
	return 0
}
t0=$(date +%s)
case ${HW_ACCEL:-} in
'')
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		# kvm when it works, else tcg; a nested KVM that hangs in the
		# firmware or aborts gets a second boot with tcg.
		boot "-accel kvm -accel tcg" || {
			say "no boot with kvm within ${boot_wait} s (qemu: $(tail -n 1 "$hw/qemu.out")); again with tcg"
			boot "-accel tcg" || true
		}
	else
		boot "-accel tcg" || true
	fi ;;
*)
	boot "-accel $HW_ACCEL" || true ;;
esac
t_vm=$(( $(date +%s) - t0 ))

# --- verdict -----------------------------------------------------------------
[ -e "$log" ] || : > "$log"
tr -d '\r' < "$log" > "$log.txt"
grep -E '^HW-(PASS|FAIL|SKIP)' "$log.txt" || true
passed=$(grep -c '^HW-PASS' "$log.txt" || true)
failed=$(grep -c '^HW-FAIL' "$log.txt" || true)
done_line=$(grep '^HW-DONE' "$log.txt" | tail -n 1 || true)
# Every expected check must have reported: one that silently vanished
# (a guest script cut short) fails the run too.
missing=
if [ "$mode" = bench ]; then
	checks="setup bench-start bench-run bench-sigterm"
	grep '^HW-BENCH ' "$log.txt" || missing=" HW-BENCH"
else
	checks=$(grep -v '^#' "$here/checks.txt" | awk 'NF { print $1 }')
fi
for c in $checks; do
	grep -q "^HW-\(PASS\|FAIL\) $c\(:\|\$\)" "$log.txt" ||
	    missing="$missing $c"
done
problem=
if [ "$qemu_status" -eq 124 ] || [ "$qemu_status" -eq 137 ]; then
	problem="the VM did not stop within $timeout_s s"
elif [ -z "$done_line" ]; then
	problem="the guest never printed its HW-DONE marker (qemu exit status $qemu_status)"
elif [ "$failed" -gt 0 ]; then
	problem="$failed guest check(s) failed"
elif [ -n "$missing" ]; then
	problem="checks never reported:$missing"
fi
if [ -n "$problem" ]; then
	echo "================ guest console ($log) ================"
	cat "$log.txt"
	echo "================ qemu ================"
	cat "$hw/qemu.out"
	echo "======================================================"
	echo "check-hw: FAIL: $problem" >&2
	# Last, where a log cut to its tail still shows them: what failed.
	grep '^HW-FAIL' "$log.txt" | sed 's/^/check-hw: /' >&2 || true
	failed=$((failed + $(echo $missing | wc -w)))
	[ "$failed" -gt 0 ] || failed=1
	say "$passed passed, $failed failed (VM ${t_vm} s, total $(( $(date +%s) - t_start )) s)"
	exit 1
fi
say "$done_line (VM ${t_vm} s, total $(( $(date +%s) - t_start )) s)"
echo "check-hw: $passed passed, 0 failed"
