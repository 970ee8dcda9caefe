#!/bin/sh
# The manual pages are clean for both formatters a system may use:
#   mandoc -Tlint           every message, style ones too, but whether the
#                           pages another package would install (mosquitto,
#                           systemd) are there: that is this machine's state
#   groff -mandoc -ww -z    every groff warning
# and each renders within 80 columns.  The references between our own pages
# point at pages that exist.  Installs mandoc and groff-base when they are
# missing (apt-get, with sudo when not root).
# usage: tests/man/lint.sh [PAGE...]    (default: man/*.[1-9])
# Ends with "man: N passed, M failed"; exits non-zero when M is not 0.
set -u
cd "$(dirname "$0")/../.." || exit 1

missing=""
command -v mandoc >/dev/null 2>&1 || missing="$missing mandoc"
command -v groff >/dev/null 2>&1 || missing="$missing groff-base"
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	if ! sh tests/apt.sh install $missing; then
		echo "man: 0 passed, 1 failed (cannot install$missing)"
		exit 1
	fi
fi

if [ $# -gt 0 ]; then
	pages="$*"
else
	pages=$(ls man/*.[1-9] 2>/dev/null)
fi
passed=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# check NAME command...: passes when the command succeeds and says nothing
# (what the filter in $drop leaves of its output).
drop='referenced manual not found|mandoc\.db'
check() {
	name=$1
	shift
	"$@" > "$out" 2>&1
	status=$?
	if [ "$status" -lt "${ok_status:-1}" ] &&
	    ! grep -Ev "$drop" "$out" | grep -q .; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name (exit status $status)"
		grep -Ev "$drop" "$out" | sed 's/^/    /'
	fi
}

# Lines wider than 80 columns, as mandoc and groff render for a terminal.
wide() {
	{ mandoc -Tascii "$1" 2>/dev/null || echo "mandoc -Tascii failed"; } |
	    sed 's/.\x08//g' | awk -v w=80 -v f="$1 (mandoc)" \
	    'length($0) > w { print f ": " length($0) " columns: " $0 }'
	{ groff -mandoc -Tascii -P-c -P-u -P-b "$1" 2>/dev/null ||
	    echo "groff -Tascii failed"; } | awk -v w=80 -v f="$1 (groff)" \
	    'length($0) > w { print f ": " length($0) " columns: " $0 }'
}

# Xr legwatchd... N: our own pages that are referred to exist in man/.
own_refs() {
	grep -oE 'Xr legwatch[^ ]* [1-9]' "$1" | sort -u |
	    while read -r _ page sec; do
		[ -f "man/$page.$sec" ] || echo "$1: Xr $page $sec: no man/$page.$sec"
	done
}

for page in $pages; do
	[ -f "$page" ] || { echo "FAIL $page: no such file"; failed=$((failed + 1)); continue; }
	# mandoc: 0 clean, 1 style messages (the filtered ones), 2 warnings.
	ok_status=2 check "mandoc -Tlint $page" mandoc -Tlint "$page"
	ok_status=1 check "groff -mandoc -ww -z $page" \
	    groff -mandoc -ww -z "$page"
	ok_status=1 check "$page renders within 80 columns" wide "$page"
	ok_status=1 check "$page refers to pages that exist" own_refs "$page"
done
if [ -z "$pages" ]; then
	echo "no manual pages in man/"
	failed=$((failed + 1))
fi
echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
