# Shared by the platform scripts (sourced after they set PLATFORM, the
# name their messages start with, and TOP, the source tree): mounts, long
# steps, the host's mirror, a copy of the source.

# The first Debian archive in the machine's apt sources (deb822 .sources
# files or the one-line format), not the security one.
host_mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush() {
			if (uris != "" && types ~ /(^| )deb( |$)/ &&
			    suites !~ /security/ && uris !~ /security/)
				print uris
			uris = ""; suites = ""; types = ""
		}
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		tolower($1) == "types:" { $1 = ""; types = $0 }
		tolower($1) == "uris:" { uris = $2 }
		tolower($1) == "suites:" { $1 = ""; suites = $0 }
		END { flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			i = 2
			if ($2 ~ /^\[/)
				while (i <= NF && $i !~ /\]$/)
					i++
			if ($2 ~ /^\[/)
				i++
			if ($i !~ /security/ && $(i + 1) !~ /security/)
				print $i
		}' "$f"
	done
}

# The mount points under a directory, deepest first.
mounts_under() {
	awk -v r="$1/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts |
	    sort -r
}

unmount_all() {
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
		    echo "$PLATFORM: cannot unmount $m" >&2
	done
}

# Long steps run in the background, so that a signal reaches the trap at
# once rather than when the step ends; the trap stops the step first.
child=
run() {
	"$@" &
	child=$!
	wait "$child" && st=0 || st=$?
	child=
	return "$st"
}

stop_child() {
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || :
		wait "$child" 2>/dev/null || :
		child=
	fi
}

# The source tree as it is in the working tree now, copied afresh to DIR:
# the files git knows of, plus new ones not ignored; never build/.
copy_source() {
	rm -rf --one-file-system "$1"
	mkdir -p "$1"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z --cached --others \
		    --exclude-standard | tr '\0' '\n' | grep -v '^build/' |
		    while IFS= read -r f; do
			[ -e "$f" ] && printf '%s\n' "$f"
		    done | tar -cf - --no-recursion -T -) | tar -xf - -C "$1"
	else
		(cd "$TOP" && tar -cf - --exclude=./build .) | tar -xf - -C "$1"
	fi
	[ -f "$1/debian/control" ]
}
