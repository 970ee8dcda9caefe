#!/bin/sh
# The picture in the README: the bundled sample night written as EDF+
# and opened in EDFbrowser under Xvfb, five minutes of it from the start
# of the PLM series, the amplitudes fitted, the annotation list beside.
# Needs edfbrowser, xvfb, xdotool, x11-apps (xwd) and netpbm; not run by
# make check (a picture is for the eye), but it fails when EDFbrowser
# does not open the file.  The clicks are where EDFbrowser 2.00 puts its
# menus and list in a 1400x900 screen.
# usage: tests/edf/screenshot.sh BUILD_DIR OUT.png
set -eu
build=$1
out=$2
work=$(mktemp -d /tmp/legwatch-shot.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
gzip -dc tests/data/sample-night/ankle.csv.gz > "$work/ankle.csv"
"$build/legwatchd" -q --replay "$work/ankle.csv" \
    --replay tests/data/sample-night/bedroom.csv --edf "$work/night.edf"

cat > "$work/x.sh" <<'EOS'
set -eu
HOME=$1/home; export HOME
mkdir -p "$HOME"
edfbrowser "$1/night.edf" > "$1/edfbrowser.log" 2>&1 &
pid=$!
# It asks which signals to show: all of them.
d=$(xdotool search --sync --onlyvisible --name '^Add signals$' | head -n 1)
sleep 1
xdotool key --window "$d" alt+a
sleep 1
d=$(xdotool search --onlyvisible --name '^Add signals$' | head -n 1 || true)
[ -z "$d" ] || xdotool key --window "$d" alt+c
m=$(xdotool search --sync --onlyvisible --name 'night.edf - EDFbrowser' |
    head -n 1)
xdotool windowsize "$m" 1400 900
sleep 2
xdotool mousemove 200 10 click 1	# Timescale
sleep 1
xdotool mousemove 305 631 click 1	# 5 min/page
sleep 1
xdotool mousemove 1051 243 click 1	# the PLM series in the list
sleep 1
xdotool mousemove 280 10 click 1	# Amplitude
sleep 1
xdotool mousemove 308 34 click 1	# Fit to pane
sleep 2
xdotool mousemove 1399 899
sleep 1
xwd -root -silent > "$1/screen.xwd"
kill "$pid"
EOS
xvfb-run -a -s "-screen 0 1400x900x24" sh "$work/x.sh" "$work"
xwdtopnm < "$work/screen.xwd" 2> /dev/null | pnmtopng > "$out"
echo "screenshot: $out"
