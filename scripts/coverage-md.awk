# SPDX-License-Identifier: MIT
# scripts/coverage.sh: the Markdown of `shakedown matrix --markdown` to
# plain HTML for the report (headings, tables, lists, paragraphs; code
# spans and emphasis are kept as text).
function esc(s) {
	gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
	gsub(/`/, "", s); gsub(/\*\*/, "", s)
	return s
}
function close_all() {
	if (intable) { print "</table>"; intable = 0 }
	if (inlist) { print "</ul>"; inlist = 0 }
}
/^\|/ {
	if (inlist) { print "</ul>"; inlist = 0 }
	if ($0 ~ /^\|[-| :]+\|$/) next
	n = split($0, c, "|")
	row = ""
	for (i = 2; i < n; i++) {
		cell = c[i]; gsub(/^ +| +$/, "", cell)
		cell = esc(cell)
		gsub(/&lt;br&gt;/, "<br>", cell)
		row = row (intable ? "<td>" cell "</td>" : "<th>" cell "</th>")
	}
	if (!intable) { print "<table>"; intable = 1 }
	print "<tr>" row "</tr>"
	next
}
/^<!--/ { next }
/^#+ / {
	close_all()
	h = match($0, /^#+/); lvl = RLENGTH + 1; if (lvl > 6) lvl = 6
	print "<h" lvl ">" esc(substr($0, RLENGTH + 2)) "</h" lvl ">"
	next
}
/^[*-] / {
	if (intable) { print "</table>"; intable = 0 }
	if (!inlist) { print "<ul>"; inlist = 1 }
	print "<li>" esc(substr($0, 3)) "</li>"
	next
}
/^$/ { close_all(); next }
{ close_all(); print "<p>" esc($0) "</p>" }
END { close_all() }
