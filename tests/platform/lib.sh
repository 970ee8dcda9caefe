# Shared by the platform scripts (sourced): what they need of the host.

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
