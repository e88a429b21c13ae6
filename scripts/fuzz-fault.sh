#!/bin/sh
# SPDX-License-Identifier: MIT
# Plants a fault in a scratch copy of the reference stack and fuzzes it
# (issue 6): the fault's fuzz target runs under libFuzzer from its corpus
# until it crashes or SECONDS pass; a fuzz_conn crash is then turned into a
# .pkt by the scratch tree's own `shakedown repro`, which must reproduce it.
#
# Usage: sh scripts/fuzz-fault.sh [-g] [-s SECONDS] [-l FAULTS] [-o DIR] [ID...]
#
#   -g          copy the last commit (git archive HEAD), not the working tree
#   -s SECONDS  fuzzing time per fault, at most (default 300)
#   -l FAULTS   the fault list (default scripts/fuzz-faults.tsv: ID, target,
#               file, search text, replacement, description)
#   -o DIR      where crash inputs, logs and .pkt files go (default
#               build-fuzzfault/ at the top of the repository)
#   ID...       only these faults
#
# Prints per fault: the time to the first crash, the oracle's message and,
# for fuzz_conn, the script and repro's verdict. Needs clang-14 (libFuzzer)
# and gcc; builds two trees per fault in a temporary folder (removed at the
# end). Exit status: 0 when every fault was found (and every fuzz_conn find
# reproduced as a script), 1 otherwise, 2 for a bad list or a failed build.
set -u
set -f

me=fuzz-fault.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
faults=$repo/scripts/fuzz-faults.tsv
out=$repo/build-fuzzfault
secs=300
from_head=0
while getopts gs:l:o:h opt; do
	case $opt in
	g) from_head=1 ;;
	s) secs=$OPTARG ;;
	l) faults=$OPTARG ;;
	o) out=$OPTARG ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed '$d; /SPDX/d; s/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
only=" $* "
[ -r "$faults" ] || {
	echo "$me: cannot read the fault list '$faults'" >&2
	exit 2
}
command -v clang-14 >/dev/null 2>&1 || {
	echo "$me: clang-14 is missing (make deps)" >&2
	exit 2
}
# shellcheck source=scripts/faults.sh
. "$here/faults.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-fault.XXXXXX") || exit 2
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' INT TERM HUP
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

tab=$(printf '\t')
rc=0
while IFS=$tab read -r id target file search repl desc; do
	case $id in '' | '#'*) continue ;; esac
	case $only in "  ") ;; *" $id "*) ;; *) continue ;; esac
	src=$tmp/$id/src
	mkdir -p "$src"
	if [ "$from_head" -ne 0 ]; then
		git -C "$repo" archive HEAD | (cd "$src" && tar -xf -)
	else
		(cd "$repo" && tar -cf - --exclude=./.git --exclude='./build*' .) |
			(cd "$src" && tar -xf -)
	fi
	if ! FI_SEARCH=$search FI_REPLACE=$repl substitute "$src/$file" \
		>"$tmp/$id/patched" 2>"$tmp/$id/count"; then
		echo "$me: $id: the search text occurs $(cat "$tmp/$id/count") times in $file, not once" >&2
		exit 2
	fi
	cp "$tmp/$id/patched" "$src/$file"
	echo "$id ($target): $desc"
	# The fuzzer (clang, libFuzzer + ASan/UBSan) and, for repro, the CLI.
	if ! cmake -S "$src" -B "$tmp/$id/fz" -DCMAKE_C_COMPILER=clang-14 \
		-DSHAKEDOWN_TESTS=OFF -DSHAKEDOWN_HARNESS=ON \
		>"$out/$id-build.log" 2>&1 ||
		! cmake --build "$tmp/$id/fz" -j2 --target "$target" \
			>>"$out/$id-build.log" 2>&1; then
		echo "$me: $id: the fuzz build failed (log: $out/$id-build.log)" >&2
		exit 2
	fi
	if [ "$target" = fuzz_conn ] &&
		{ ! cmake -S "$src" -B "$tmp/$id/cli" -DSHAKEDOWN_TESTS=OFF \
			-DSHAKEDOWN_HARNESS=ON -DSHAKEDOWN_SANITIZE=OFF \
			>>"$out/$id-build.log" 2>&1 ||
			! cmake --build "$tmp/$id/cli" -j2 --target shakedown \
				>>"$out/$id-build.log" 2>&1; }; then
		echo "$me: $id: the CLI build failed (log: $out/$id-build.log)" >&2
		exit 2
	fi
	work=$tmp/$id/run
	mkdir -p "$work/corpus" "$work/crash"
	cp "$src/corpus/$target/"* "$work/corpus/" 2>/dev/null
	ml=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/-max_len=\1/p' \
		"$src/fuzz/$target.options" 2>/dev/null)
	dict=
	[ -f "$src/fuzz/$target.dict" ] && dict=-dict=$src/fuzz/$target.dict
	t0=$(date +%s)
	# shellcheck disable=SC2086 # $ml and $dict are one word or none
	"$tmp/$id/fz/fuzz/$target" -max_total_time="$secs" $ml $dict \
		-artifact_prefix="$work/crash/" "$work/corpus" \
		>"$out/$id-fuzz.log" 2>&1
	t1=$(date +%s)
	crash=$(find "$work/crash" -type f | head -n 1)
	if [ -z "$crash" ]; then
		echo "  NOT FOUND in $secs s (log: $out/$id-fuzz.log)"
		rc=1
		continue
	fi
	cp "$crash" "$out/$id-crash"
	execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$out/$id-fuzz.log" | tail -n 1)
	echo "  found after $((t1 - t0)) s (${execs:-?} executions, the corpus load included)"
	grep -m 1 -E 'invariant|ERROR: ' "$out/$id-fuzz.log" | sed 's/^/  /'
	echo "  input: $out/$id-crash"
	if [ "$target" = fuzz_conn ]; then
		if "$tmp/$id/cli/shakedown" repro -o "$out/$id.pkt" \
			"$out/$id-crash" >"$out/$id-repro.log" 2>&1; then
			echo "  script: $out/$id.pkt"
		else
			echo "  repro did not reproduce it (log: $out/$id-repro.log)"
			rc=1
		fi
		tail -n 1 "$out/$id-repro.log" | sed 's/^/  /'
	fi
done <"$faults"
exit $rc
