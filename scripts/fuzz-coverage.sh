#!/bin/sh
# SPDX-License-Identifier: MIT
# Measures how much of the reference stack (stack/) a fuzz corpus covers:
# builds the replay binary of a fuzz target (fuzz/<target>.c +
# fuzz/replay_main.c) with gcc --coverage in its own build tree, zeroes the
# counters, replays the corpus through it and prints the line and function
# coverage of stack/ per file and in total (lcov), optionally with the
# uncovered lines and an HTML report (genhtml).
#
# Usage: sh scripts/fuzz-coverage.sh [-t TARGET] [-b BUILD] [-o HTMLDIR]
#                                    [-u] [-h] [CORPUS...]
#
#   -t TARGET   the fuzz target (default fuzz_conn): replay_TARGET of
#               fuzz/CMakeLists.txt
#   -b BUILD    the build tree (default build-fuzzcov/ at the top of the
#               repository); configured with gcc, -DCMAKE_C_FLAGS="--coverage
#               -O0 -g", no sanitizers, no unit tests; its build log is
#               BUILD/fuzzcov-build.log
#   -o HTMLDIR  also write an HTML report there (genhtml)
#   -u          also print the uncovered lines of each file, as ranges
#   CORPUS...   directories or files to replay (default: corpus/TARGET);
#               relative paths are taken from the current directory
#
# The lcov tracefile of stack/ is left in BUILD/fuzzcov/stack.info. The last
# lines of the output are the totals, the very last one
#   stack/ lines: NN.N% (covered/total)
# over every file of stack/ (src/*.c and the inline functions of the
# headers; stack/tests/ excluded); "stack/src/*.c lines" is the same for the
# .c files alone.
#
# Exit status: 0 when every input ran; 1 when some input crashed or could
# not be read (the others are then measured one process per input, and the
# failing ones are named); 2 on a usage error, a missing tool or a failed
# build. JOBS (default 2) is the build's parallelism.
set -eu

prog=fuzz-coverage
die() {
	echo "$prog: $*" >&2
	exit 2
}
usage() {
	# The opening comment, from its Usage line on.
	awk 'NR > 1 && !/^#/ { exit } /^# Usage:/ { on = 1 }
		on { sub(/^# ?/, ""); print }' "$0" >&2
	exit 2
}

root=$(cd "$(dirname "$0")/.." && pwd)
target=fuzz_conn
build=$root/build-fuzzcov
html=
uncovered=0
while getopts t:b:o:uh opt; do
	case $opt in
	t) target=$OPTARG ;;
	b) build=$OPTARG ;;
	o) html=$OPTARG ;;
	u) uncovered=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

case $target in
fuzz_*) ;;
*) die "-t $target: a fuzz target is named fuzz_<what> (fuzz/<target>.c)" ;;
esac
[ -f "$root/fuzz/$target.c" ] || die "-t $target: no $root/fuzz/$target.c"

# The tools, with what to install when one is missing.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install it (Debian/Ubuntu: apt-get install -y $2)"
}
need cmake cmake
need gcc build-essential
need gcov build-essential
need lcov lcov
[ -z "$html" ] || need genhtml lcov

# Absolute paths: the replay and lcov run from elsewhere.
abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}
build=$(abspath "$build")
[ -z "$html" ] || html=$(abspath "$html")
if [ $# -eq 0 ]; then
	set -- "$root/corpus/$target"
fi
for c in "$@"; do
	[ -e "$c" ] || die "$c: no such file or directory"
done

# Configure and build only the replay binary. The harness stays on (the
# project's default): a fuzz target may link it (shakedown_core), and only
# what replay_TARGET needs is built.
echo "$prog: building replay_$target with --coverage in $build" >&2
mkdir -p "$build"
log=$build/fuzzcov-build.log
if ! cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=gcc \
	-DCMAKE_BUILD_TYPE= -DCMAKE_C_FLAGS="--coverage -O0 -g" \
	-DSHAKEDOWN_SANITIZE=OFF -DSHAKEDOWN_TESTS=OFF -DSHAKEDOWN_WERROR=OFF \
	-DSHAKEDOWN_HARNESS=ON -DSHAKEDOWN_FUZZ=ON >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "cmake failed (log: $log; scripts/install-deps.sh lists what it needs)"
fi
if ! cmake --build "$build" --target help 2>/dev/null |
	grep -Eq "(^|[ .])replay_$target(:|\$)"; then
	die "no target replay_$target in this tree (fuzz/CMakeLists.txt)"
fi
if ! cmake --build "$build" -j"${JOBS:-2}" --target "replay_$target" \
	>>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	die "build of replay_$target failed (log: $log)"
fi
bin=$build/fuzz/replay_$target
[ -x "$bin" ] || die "$bin was not built (log: $log)"

# Zero the counters: every .gcda of the tree (all of them, so that nothing
# of an earlier run is counted).
out=$build/fuzzcov
rm -rf "$out"
mkdir -p "$out"
lcov --quiet --zerocounters --directory "$build" >/dev/null 2>&1 ||
	find "$build" -name '*.gcda' -exec rm -f {} +

# One process for the whole corpus (the counters are written at exit). If it
# crashes, nothing is written: then one process per input, the crashing ones
# named and skipped (their partial counters are lost, the rest add up).
status=0
echo "$prog: replaying $* through replay_$target" >&2
if ! "$bin" "$@" >"$out/replay.log" 2>&1; then
	tail -n 5 "$out/replay.log" >&2
	echo "$prog: the replay failed; again, one process per input" >&2
	find "$build" -name '*.gcda' -exec rm -f {} +
	: >"$out/crashed"
	for c in "$@"; do
		if [ -d "$c" ]; then
			find "$c" -maxdepth 1 -type f ! -name '.*'
		else
			printf '%s\n' "$c"
		fi
	done | sort >"$out/inputs"
	while IFS= read -r f; do
		"$bin" "$f" >>"$out/replay.log" 2>&1 ||
			printf '%s\n' "$f" >>"$out/crashed"
	done <"$out/inputs"
	n=$(wc -l <"$out/inputs")
	bad=$(wc -l <"$out/crashed")
	echo "$prog: $((n - bad)) of $n inputs measured" >&2
	if [ "$bad" -gt 0 ]; then
		status=1
		echo "$prog: these inputs crash or cannot be read" \
			"(not measured; $out/replay.log says why):" >&2
		sed 's/^/  /' "$out/crashed" >&2
	fi
else
	tail -n 1 "$out/replay.log" >&2
fi

# The counters of stack/ (the library and the inline functions of its
# headers as compiled into it or into the fuzz target), not its tests. The
# zero baseline (--initial) counts the files the target never ran as well
# (a file of the library with no object linked in has no counters at all).
if ! lcov --quiet --capture --initial --directory "$build" \
	--base-directory "$root" --output-file "$out/base.info" \
	>"$out/lcov.log" 2>&1 ||
	! lcov --quiet --capture --directory "$build" --base-directory "$root" \
		--output-file "$out/run.info" >>"$out/lcov.log" 2>&1 ||
	! lcov --quiet --add-tracefile "$out/base.info" \
		--add-tracefile "$out/run.info" --output-file "$out/all.info" \
		>>"$out/lcov.log" 2>&1; then
	cat "$out/lcov.log" >&2
	die "lcov --capture failed"
fi
if ! lcov --quiet --extract "$out/all.info" "$root/stack/*" \
	--output-file "$out/stack0.info" >>"$out/lcov.log" 2>&1 ||
	! lcov --quiet --remove "$out/stack0.info" "$root/stack/tests/*" \
		--output-file "$out/stack.info" >>"$out/lcov.log" 2>&1; then
	cat "$out/lcov.log" >&2
	die "lcov --extract found nothing of $root/stack/"
fi

# The table, from the tracefile itself: LF/LH (lines found/hit) and
# FNF/FNH (functions) of each SF (source file) record; -u adds the DA
# (line,count) entries with a zero count, as ranges.
awk -v root="$root/" -v unc="$uncovered" '
function pct(h, n) { return n ? sprintf("%5.1f%%", 100 * h / n) : "    -" }
function flush_ranges(   s) {
	if (lo == "") return
	s = (lo == hi) ? lo : lo "-" hi
	rl = rl (rl == "" ? "" : ",") s
	lo = ""
}
/^SF:/ {
	f = substr($0, 4); if (index(f, root) == 1) f = substr(f, length(root) + 1)
	lf = lh = fnf = fnh = 0; rl = ""; lo = ""; n_zero = 0
	delete z
}
/^LF:/ { lf = substr($0, 4) + 0 }
/^LH:/ { lh = substr($0, 4) + 0 }
/^FNF:/ { fnf = substr($0, 5) + 0 }
/^FNH:/ { fnh = substr($0, 5) + 0 }
/^DA:/ {
	split(substr($0, 4), d, ",")
	if (d[2] + 0 == 0) z[++n_zero] = d[1] + 0
}
/^end_of_record/ {
	if (lf == 0) next
	files[++nf] = f; LF[nf] = lf; LH[nf] = lh; FNF[nf] = fnf; FNH[nf] = fnh
	# DA entries are in line order; join consecutive lines into ranges.
	for (i = 1; i <= n_zero; i++) {
		if (lo != "" && z[i] == hi + 1) { hi = z[i]; continue }
		flush_ranges(); lo = hi = z[i]
	}
	flush_ranges(); RL[nf] = rl
}
END {
	if (nf == 0) { print "fuzz-coverage: no lines of stack/ in the tracefile" > "/dev/stderr"; exit 1 }
	# Sorted by path: src/*.c, src/*.h, then include/.
	for (i = 2; i <= nf; i++)
		for (j = i; j > 1 && files[j - 1] > files[j]; j--) {
			t = files[j]; files[j] = files[j - 1]; files[j - 1] = t
			t = LF[j]; LF[j] = LF[j - 1]; LF[j - 1] = t
			t = LH[j]; LH[j] = LH[j - 1]; LH[j - 1] = t
			t = FNF[j]; FNF[j] = FNF[j - 1]; FNF[j - 1] = t
			t = FNH[j]; FNH[j] = FNH[j - 1]; FNH[j - 1] = t
			t = RL[j]; RL[j] = RL[j - 1]; RL[j - 1] = t
		}
	printf "%-32s %-20s %s\n", "file", "lines", "functions"
	for (i = 1; i <= nf; i++) {
		printf "%-32s %s %-13s %s %s\n", files[i], pct(LH[i], LF[i]),
		    "(" LH[i] "/" LF[i] ")", pct(FNH[i], FNF[i]),
		    "(" FNH[i] "/" FNF[i] ")"
		tl += LF[i]; th += LH[i]; tfn += FNF[i]; tfh += FNH[i]
		if (files[i] ~ /^stack\/src\/[^\/]*\.c$/) {
			cl += LF[i]; ch += LH[i]; cfn += FNF[i]; cfh += FNH[i]
		}
	}
	if (unc) {
		print ""
		print "uncovered lines:"
		for (i = 1; i <= nf; i++)
			if (RL[i] != "") printf "  %s: %s\n", files[i], RL[i]
	}
	print ""
	printf "stack/src/*.c functions: %.1f%% (%d/%d)\n", cfn ? 100 * cfh / cfn : 0, cfh, cfn
	printf "stack/src/*.c lines: %.1f%% (%d/%d)\n", cl ? 100 * ch / cl : 0, ch, cl
	printf "stack/ functions: %.1f%% (%d/%d)\n", tfn ? 100 * tfh / tfn : 0, tfh, tfn
	printf "stack/ lines: %.1f%% (%d/%d)\n", tl ? 100 * th / tl : 0, th, tl
}' "$out/stack.info" || die "no coverage of stack/ was recorded"

if [ -n "$html" ]; then
	if ! genhtml --quiet --prefix "$root" --title "stack/ by $target" \
		--output-directory "$html" "$out/stack.info" \
		>"$out/genhtml.log" 2>&1; then
		cat "$out/genhtml.log" >&2
		die "genhtml failed"
	fi
	echo "$prog: HTML report: $html/index.html" >&2
fi
exit $status
