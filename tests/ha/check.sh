#!/bin/sh
# The Home Assistant examples (conf/homeassistant/) against the code: a
# small program linked with the daemon's own library lists what its MQTT
# discovery announces for the default device ("bedroom") with a
# thermometer named "room" (the name conf/legwatchd.conf uses), and the
# JSON of each event; tests/ha/check.py parses every YAML file (with Home
# Assistant's !input) and checks the entity ids, cards, blueprint inputs,
# event types and event attributes the examples use against that list.
# Needs python3-yaml: installed with apt-get when missing (sudo when not
# root).  Ends with "ha: N passed, M failed"; exit status 1 on a failure.
# usage: tests/ha/check.sh BUILD_DIR [WORK_DIR]
set -u
build=${1:-build}
work=${2:-$build/ha}
lib=$build/liblegwatch.a
cc=${CC:-cc}

# Not counted as checks: without these, nothing can be checked.
broken() {
	echo "ha: $*"
	echo "ha: 0 passed, 1 failed"
	exit 1
}

[ -f "$lib" ] || broken "$lib is missing: run make first"
# A library older than the code would check the examples against old code.
newer=$(find daemon/discovery.c daemon/event.c daemon/config.c daemon/*.h \
    -newer "$lib" | head -n 3 | tr '\n' ' ')
[ -z "$newer" ] || broken "$lib is older than ${newer% }: run make first"

# Debian's python3 with Debian's python3-yaml; another python3 on the PATH
# (pyenv, a virtualenv) may lack yaml.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import yaml' 2>/dev/null; then
	sh tests/apt.sh install python3-yaml ||
	    broken "cannot install python3-yaml"
	py=/usr/bin/python3
	"$py" -c 'import yaml' || broken "python3-yaml does not load"
fi

mkdir -p "$work" || broken "cannot make $work"
# A library built with the sanitizers (make SAN=1) needs them to link.
san=
if nm "$lib" 2>/dev/null | grep -q '__asan_report'; then
	san="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wformat=2 -Wvla -D_DEFAULT_SOURCE $san -I. \
    $(pkg-config --cflags jansson libconfig) -o "$work/ha-entities" \
    tests/ha/entities.c "$lib" \
    $(pkg-config --libs libconfig jansson libgpiod) -lm \
    || broken "cannot build tests/ha/entities.c"
"$work/ha-entities" room > "$work/announced.txt" ||
    broken "ha-entities failed"
exec "$py" tests/ha/check.py "$work/announced.txt" conf/homeassistant
