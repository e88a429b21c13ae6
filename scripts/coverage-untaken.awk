# SPDX-License-Identifier: MIT
# scripts/coverage.sh: the edges of transitions.txt nothing took (or that
# do not apply), as HTML table rows with the reason of edges-notes.tsv.
function esc(s) {
	gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
	return s
}
/^#/ { next }
$9 == "never" || $9 == "n/a" || $9 == "unreachable" {
	printf "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", $1, esc($2), esc($3), esc($4), $10 == "" ? "a vector still to write" : esc($10)
}
