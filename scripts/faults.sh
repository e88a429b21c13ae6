# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Shared by scripts/fault-inject.sh and scripts/fuzz-fault.sh (sourced, not
# run): applies one single-point fault of a fault list to a file.

# Prints the file's text with the one occurrence of $FI_SEARCH replaced by
# $FI_REPLACE. Exits 3 (printing the count on stderr) unless there is
# exactly one. The texts come through the environment, so awk sees them
# verbatim; only \n, \t and \\ are decoded, here.
substitute() {
	awk '
	function dec(x,    out, i, n, ch, nx) {
		out = ""
		n = length(x)
		for (i = 1; i <= n; i++) {
			ch = substr(x, i, 1)
			if (ch == "\\" && i < n) {
				nx = substr(x, i + 1, 1)
				if (nx == "n") { out = out "\n"; i++; continue }
				if (nx == "t") { out = out "\t"; i++; continue }
				if (nx == "\\") { out = out "\\"; i++; continue }
			}
			out = out ch
		}
		return out
	}
	{ buf = buf $0 "\n" }
	END {
		s = dec(ENVIRON["FI_SEARCH"])
		r = dec(ENVIRON["FI_REPLACE"])
		n = 0
		pos = 0
		rest = buf
		while (length(s) > 0 && (i = index(rest, s)) > 0) {
			n++
			if (n == 1)
				at = pos + i
			pos += i + length(s) - 1
			rest = substr(buf, pos + 1)
		}
		if (n != 1) {
			print n > "/dev/stderr"
			exit 3
		}
		printf "%s%s%s", substr(buf, 1, at - 1), r,
		    substr(buf, at + length(s))
	}' "$1"
}
