#!/bin/sh
# SPDX-License-Identifier: MIT
# The pieces of make coverage that turn edge counts into the report
# (ctest harness/coverage_report): transitions.txt from counts of the three
# sources, the state machine as Graphviz (drawn when dot is installed) and
# the matrix's Markdown as HTML.
# Usage: test_coverage_report.sh SOURCE_DIR WORK_DIR
set -u
src=$1
work=$2
rc=0
mkdir -p "$work"
printf 'E001 3\nE036 2\nE000 1\n' >"$work/v.txt"
printf 'E002 1\nE036 5\n' >"$work/f.txt"
printf 'E003 1\n' >"$work/t.txt"
awk -v T="$work/t.txt" -v V="$work/v.txt" -v F="$work/f.txt" \
	-v N="$src/conformance/edges-notes.tsv" \
	-f "$src/scripts/coverage-edges.awk" "$src/conformance/edges.tsv" \
	>"$work/transitions.txt" || rc=1
check() { # PATTERN what
	grep -q "$1" "$work/transitions.txt" || {
		echo "FAIL: transitions.txt lacks $2"
		rc=1
	}
}
check '^# summary: 4 of 108 reachable edges taken (2 by a vector, 1 by fuzz inputs only, 1 by unit tests only; 3 unreachable, 4 not applicable)' "the summary"
check '^E036	SYN-RECEIVED	.*	ESTABLISHED	base	0	2	5	vector	$' "E036 taken by a vector"
check '^E002	.*	0	0	1	fuzz-only	$' "E002 fuzz only"
check '^E060	.*	never	\|^E060	.*	unreachable	unreachable' "E060"
check '^E012	.*	n/a	not applicable' "E012 not applicable"
check '^E108	.*	never	$' "E108 never"
[ "$(grep -c '^E[0-9]' "$work/transitions.txt")" -eq 115 ] || {
	echo "FAIL: transitions.txt does not list 115 edges"
	rc=1
}
awk -F'\t' -f "$src/scripts/coverage-dot.awk" "$work/transitions.txt" \
	>"$work/states.dot" || rc=1
grep -q '"CLOSED" -> "LISTEN"' "$work/states.dot" || {
	echo "FAIL: no CLOSED -> LISTEN arrow in states.dot"
	rc=1
}
if command -v dot >/dev/null 2>&1; then
	dot -Tsvg "$work/states.dot" -o "$work/states.svg" || {
		echo "FAIL: dot rejects states.dot"
		rc=1
	}
fi
printf '# Title\n\n| A | B |\n|---|---|\n| x<br>y | `z` |\n\n* item\n' |
	awk -f "$src/scripts/coverage-md.awk" >"$work/m.html"
grep -q '<tr><td>x<br>y</td><td>z</td></tr>' "$work/m.html" &&
	grep -q '<h2>Title</h2>' "$work/m.html" || {
	echo "FAIL: the Markdown to HTML conversion"
	cat "$work/m.html"
	rc=1
}
[ $rc -eq 0 ] && echo "coverage report pieces: ok"
exit $rc
