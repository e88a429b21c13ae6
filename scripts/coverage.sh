#!/bin/sh
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2015 # "a && b || die": die exits, so it is if-then-else
# make coverage: builds the reference and the harness with gcov
# instrumentation in a build tree of their own, runs the unit tests, the
# conformance suite on the reference (every profile) and a replay of every
# fuzz corpus, and writes one report: OUT/index.html linking the lcov pages
# of stack/ and harness/ (lines, functions, branches), the RFC 9293 state
# machine drawn with Graphviz with every edge coloured by what took it
# (OUT/states.svg, the same as a table in OUT/transitions.txt) and the
# requirement matrix. Ends with a summary on stdout.
#
# Usage: sh scripts/coverage.sh [BUILD [OUT]]
#   BUILD  build tree (default build-coverage/)
#   OUT    report folder (default build/coverage/)
#
# Needs gcc, lcov (genhtml) and graphviz (dot): `make deps` installs them.
# Exit status: 0 when the report was written, 1 when a step failed (its
# log is named), 2 when a tool is missing.
set -u

me=coverage.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$repo/build-coverage}
out=${2:-$repo/build/coverage}
jobs=${JOBS:-2}

for tool in lcov genhtml dot; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$me: $tool not found: run 'make deps' (Debian: apt-get install -y lcov graphviz)" >&2
		exit 2
	fi
done
mkdir -p "$bld" "$out" || exit 1
bld=$(cd "$bld" && pwd)
out=$(cd "$out" && pwd)
rm -rf "${out:?}"/* 2>/dev/null
log=$out/logs
mkdir -p "$log"
lrc="--rc lcov_branch_coverage=1"

step() { printf '%s: %s\n' "$me" "$*"; }
die() {
	echo "$me: $1 (log: $2)" >&2
	tail -n 20 "$2" >&2
	exit 1
}

# 1. The instrumented build (no sanitizers: gcov and ASan disagree).
step "building $bld (gcov)"
cmake -S "$repo" -B "$bld" -DCMAKE_BUILD_TYPE=Debug -DSHAKEDOWN_HARNESS=ON \
	-DSHAKEDOWN_SANITIZE=OFF -DSHAKEDOWN_COVERAGE=ON >"$log/build.log" 2>&1 &&
	cmake --build "$bld" -j"$jobs" >>"$log/build.log" 2>&1 ||
	die "the build failed" "$log/build.log"
lcov -q --zerocounters -d "$bld" >/dev/null 2>&1

# 2. What runs, each writing the edges it took (SHAKEDOWN_EDGES_OUT).
step "unit tests (ctest)"
SHAKEDOWN_EDGES_OUT=$out/edges-tests.txt ctest --test-dir "$bld" \
	-E '^format$|purity|linux|^fuzz/' -j"$jobs" --output-on-failure \
	>"$log/ctest.log" 2>&1 || die "a unit test failed" "$log/ctest.log"
for p in default rfc5961 legacy; do
	step "conformance suite on the reference, profile $p"
	SHAKEDOWN_EDGES_OUT=$out/edges-vectors.txt "$bld/shakedown" run -p "$p" \
		"$repo/conformance/vectors" >"$log/suite-$p.log" 2>&1
	[ $? -le 1 ] || die "the suite did not run" "$log/suite-$p.log"
done
for dir in "$repo"/corpus/*/; do
	t=$(basename "$dir")
	n=$(find "$dir" -type f ! -name '*.md' | wc -l)
	[ -x "$bld/fuzz/replay_$t" ] && [ "$n" -gt 0 ] || continue
	step "fuzz corpus $t ($n inputs)"
	SHAKEDOWN_EDGES_OUT=$out/edges-fuzz.txt "$bld/fuzz/replay_$t" "$dir" \
		>"$log/replay-$t.log" 2>&1 ||
		die "replaying corpus/$t failed" "$log/replay-$t.log"
done

# 3. Lines, functions and branches of stack/ and harness/.
step "lcov"
# shellcheck disable=SC2086 # $lrc is two words
lcov -q $lrc --capture -d "$bld" -o "$out/all.info" >"$log/lcov.log" 2>&1 &&
	lcov -q $lrc --extract "$out/all.info" "$repo/stack/src/*" \
		"$repo/stack/include/*" "$repo/harness/src/*" \
		-o "$out/code.info" >>"$log/lcov.log" 2>&1 &&
	lcov -q $lrc --extract "$out/all.info" "$repo/stack/src/*" \
		"$repo/stack/include/*" -o "$out/stack.info" \
		>>"$log/lcov.log" 2>&1 &&
	genhtml -q --branch-coverage --legend --title "shakedown: stack/ and harness/" \
		--prefix "$repo" -o "$out/lcov" "$out/code.info" \
		>>"$log/lcov.log" 2>&1 || die "lcov failed" "$log/lcov.log"
# shellcheck disable=SC2086
lcov $lrc --summary "$out/stack.info" >"$out/stack-summary.txt" 2>&1
# shellcheck disable=SC2086
lcov $lrc --summary "$out/code.info" >"$out/code-summary.txt" 2>&1
pct() { sed -n "s/^ *$1\.*: *\([0-9.]*%\) (\(.*\))/\1 (\2)/p" "$2"; }

# 4. The edges: table, diagram.
step "state machine"
for f in tests vectors fuzz; do
	touch "$out/edges-$f.txt"
done
awk -v T="$out/edges-tests.txt" -v V="$out/edges-vectors.txt" \
	-v F="$out/edges-fuzz.txt" -v N="$repo/conformance/edges-notes.tsv" \
	-f "$repo/scripts/coverage-edges.awk" \
	"$repo/conformance/edges.tsv" >"$out/transitions.txt" ||
	die "the edge table failed" "$out/transitions.txt"
awk -F'\t' -f "$repo/scripts/coverage-dot.awk" "$out/transitions.txt" \
	>"$out/states.dot" &&
	dot -Tsvg "$out/states.dot" -o "$out/states.svg" 2>"$log/dot.log" ||
	die "dot failed" "$log/dot.log"

# The lines of stack/ nothing ran, each function with its reason.
awk -v N="$repo/conformance/coverage-notes.tsv" -v R="$repo" \
	-f "$repo/scripts/coverage-uncovered.awk" "$out/stack.info" \
	>"$out/uncovered.txt"

# 5. The requirement matrix (the same as conformance/REQUIREMENTS.md).
step "requirement matrix"
(cd "$repo" && "$bld/shakedown" matrix --markdown conformance/vectors) \
	>"$out/requirements.md" 2>"$log/matrix.log"
[ $? -le 1 ] || die "the matrix failed" "$log/matrix.log"
awk -f "$repo/scripts/coverage-md.awk" "$out/requirements.md" \
	>"$out/requirements.html"

# 6. The index page (no external resources).
lines=$(pct lines "$out/stack-summary.txt")
funcs=$(pct functions "$out/stack-summary.txt")
branches=$(pct branches "$out/stack-summary.txt")
hlines=$(pct lines "$out/code-summary.txt")
edges=$(sed -n 's/^# summary: //p' "$out/transitions.txt")
reqs=$(grep -E '^\* (MUST|SHOULD):' "$out/requirements.md" | sed 's/^\* //')
{
	cat <<EOF
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>shakedown coverage</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 80em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 6px; }
.key span { display: inline-block; padding: 0 .5em; margin-right: .5em; color: #fff; }
img { max-width: 100%; border: 1px solid #ddd; }
</style></head><body>
<h1>shakedown coverage</h1>
<p>Generated by <code>make coverage</code> from the unit tests, the conformance
suite on the reference (profiles default, rfc5961, legacy) and a replay of
every fuzz corpus.</p>
<h2>1. Lines, functions, branches</h2>
<ul>
<li><b>stack/</b>: lines $lines, functions $funcs, branches $branches</li>
<li><b>stack/ and harness/</b>: lines $hlines</li>
</ul>
<p><a href="lcov/index.html">The lcov report</a> (per file, per line).
The lines of stack/ nothing ran, with the reason for each function
(<a href="uncovered.txt">uncovered.txt</a>, from conformance/coverage-notes.tsv):
$(sed -n '1s/^# //p' "$out/uncovered.txt") $(grep -c 'no reason written' "$out/uncovered.txt") without a reason.</p>
<h2>2. The RFC 9293 state machine</h2>
<p>$edges. Every edge of the checklist (E001..E115) with what took it:</p>
<p class="key"><span style="background:#1a7f37">a vector</span>
<span style="background:#0969da">fuzz input only</span>
<span style="background:#8250df">a unit test only</span>
<span style="background:#cf222e">never</span>
<span style="background:#8c959f">not applicable or unreachable</span></p>
<p><img src="states.svg" alt="RFC 9293 state machine, edges coloured by coverage"></p>
<p>The same as a table: <a href="transitions.txt">transitions.txt</a>.
Edges not taken, and why:</p>
<table><tr><th>edge</th><th>from</th><th>event</th><th>to</th><th>why</th></tr>
EOF
	awk -F'\t' -f "$repo/scripts/coverage-untaken.awk" "$out/transitions.txt"
	cat <<EOF
</table>
<h2>3. Requirements</h2>
<ul>
EOF
	echo "$reqs" | sed 's/.*/<li>&<\/li>/'
	echo '</ul>'
	cat "$out/requirements.html"
	echo '</body></html>'
} >"$out/index.html"

echo "coverage report: $out/index.html"
echo "  stack/ lines:     $lines"
echo "  stack/ branches:  $branches"
echo "  stack/ functions: $funcs"
echo "  stack/ lines never run: $(sed -n '1s/^# Lines of stack\/ that nothing ran: //p' "$out/uncovered.txt") ($out/uncovered.txt, each function with its reason)"
echo "  stack/ + harness/ lines: $hlines"
echo "  edges: $edges"
echo "$reqs" | sed 's/^/  requirements: /'
