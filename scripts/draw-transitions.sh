#!/bin/sh
# SPDX-License-Identifier: MIT
# Draws the RFC 9293 state machine for the edges of one
# `shakedown run --transitions FILE` (any target): taken edges green, the
# others red and dashed, those that do not apply grey; a run on an
# external target says in the title that its edges were inferred from the
# segments on the wire. Needs graphviz (dot).
#
# Usage: sh scripts/draw-transitions.sh TRANSITIONS [OUT.svg]
#   OUT.svg defaults to TRANSITIONS with .svg instead of its extension.
set -u
here=$(cd "$(dirname "$0")" && pwd)
in=${1:?usage: draw-transitions.sh TRANSITIONS [OUT.svg]}
out=${2:-${in%.*}.svg}
command -v dot >/dev/null 2>&1 || {
	echo "draw-transitions.sh: dot not found: apt-get install -y graphviz" >&2
	exit 2
}
[ -r "$in" ] || {
	echo "draw-transitions.sh: cannot read '$in'" >&2
	exit 2
}
title=$(sed -n '1s/^# //p' "$in")
notes=$here/../conformance/edges-notes.tsv
# --transitions lines: ID FROM EVENT TO KIND COUNT; the drawing takes the
# columns of make coverage's transitions.txt (the count as "vectors").
awk -F'\t' -v N="$notes" '
BEGIN {
	while ((getline line < N) > 0)
		if (line !~ /^#/ && line != "") { split(line, f, "\t"); note[f[1]] = f[2] }
}
/^E[0-9]/ {
	st = $5 == "sec" ? "n/a" : $6 > 0 ? "vector" : note[$1] ~ /^unreachable/ ? "unreachable" : "never"
	printf "%s\t%s\t%s\t%s\t%s\t0\t%d\t0\t%s\t\n", $1, $2, $3, $4, $5, $6, st
}' "$in" | awk -F'\t' -v TITLE="$title" -f "$here/coverage-dot.awk" |
	dot -Tsvg -o "$out" || exit 1
echo "draw-transitions.sh: $out"
