#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Speed of the libFuzzer targets (issue 6, "Figures"): fuzz_conn,
# fuzz_wire and the do-nothing fuzz_empty, each built twice with clang-14
# by the project's CMake, with the flags of fuzz/CMakeLists.txt that make
# fuzz uses (-O2, fuzz_conn LEAN: no trace-cmp, lean.ignorelist):
#   nosan  -DSHAKEDOWN_SANITIZE=OFF   -fsanitize=fuzzer (coverage only)
#   asan   -DSHAKEDOWN_SANITIZE=ON    -fsanitize=fuzzer,address,undefined
# and each run for SECONDS (default 20) on one core from a copy of
# corpus/<target>/, with the options of fuzz/<target>.options. It prints
# exec/s and the ratio to fuzz_empty of the same build measured in the
# same run (the machine is shared and noisy: compare ratios, not runs).
# fuzz_diff_lwip (issue 8; -t, built when liblwip-dev is there) aims at
# 10000 exec/s; an lwIP assertion may end its run early, and its figure
# is then the rate until the abort.
# Aims: fuzz_conn >= 100000 exec/s nosan and >= 30000 asan; fuzz_wire >=
# 500000 nosan. A benchmark, not a test: it prints figures and exits 0, or
# 2 when a build or a run failed; without clang-14 it says so and exits 0.
#
# Usage: bench_fuzz.sh [-s SECONDS] [-t "TARGETS"] [-w WORKDIR] [-B BINDIR]
#                      [ROOT]
#   ROOT     the repository (default: the parent of this script's dir)
#   -w DIR   where binaries are built and runs happen (default: a fresh
#            temporary directory, removed at the end)
#   -B DIR   take the binaries from DIR/nosan/NAME and DIR/asan/NAME
#            instead of building them (e.g. a -w directory of a past run)
# Environment: CC (default clang-14), CPU (the core to pin runs to with
# taskset, default 0), SEED (libFuzzer's -seed, default 1: fuzz_conn's
# exec/s depends on the inputs a run happens to pick, by up to 15% from
# one random seed to another), JOBS (parallel compiles, default 2), CMAKE
# (default cmake), BENCH_FUZZ_CFLAGS (CMAKE_C_FLAGS of both builds; the
# flags of fuzz/CMakeLists.txt come after them and win over them), RUNDIR
# (where the runs' corpus copies live, default WORKDIR: e.g. /dev/shm keeps
# libFuzzer's corpus writes off the disk; from the seeds, fuzz_conn adds
# or shrinks a few hundred files a second, and on a disk that other
# fuzzers churn, creating them took up to 30% of a run's time).
set -u

secs=20
targets="fuzz_empty fuzz_conn fuzz_wire"
work=
bindir=
while getopts s:t:w:B: o; do
	case $o in
	s) secs=$OPTARG ;;
	t) targets=$OPTARG ;;
	w) work=$OPTARG ;;
	B) bindir=$OPTARG ;;
	*) echo "usage: $0 [-s SECONDS] [-t TARGETS] [-w DIR] [-B DIR] [ROOT]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cc=${CC:-clang-14}
cpu=${CPU:-0}

if [ -z "$bindir" ] && ! command -v "$cc" >/dev/null 2>&1; then
	echo "bench_fuzz: skipped: $cc not found (set CC or install clang-14)"
	exit 0
fi
case " $targets " in
*" fuzz_empty "*) ;;
*) targets="fuzz_empty $targets" ;;
esac

cleanup=
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/bench_fuzz.XXXXXX") || exit 2
	cleanup=$work
fi
runs=$work
if [ -n "${RUNDIR:-}" ]; then
	runs=$(mktemp -d "$RUNDIR/bench_fuzz.XXXXXX") || exit 2
	cleanup="$cleanup $runs"
fi
# shellcheck disable=SC2086 # two directories or one
trap '[ -n "$cleanup" ] && rm -rf $cleanup' EXIT
trap 'exit 2' INT TERM
mkdir -p "$work" || exit 2
pin=
if command -v taskset >/dev/null 2>&1 && taskset -c "$cpu" true 2>/dev/null
then
	pin="taskset -c $cpu"
fi

rc=0

# build BUILD: the targets as make fuzz builds them (fuzz/CMakeLists.txt),
# in $work/BUILD/cmake/, then linked as $work/BUILD/NAME.
build() {
	b=$1
	d=$work/$b
	case $b in
	nosan) san=OFF ;;
	*) san=ON ;;
	esac
	mkdir -p "$d" || return 1
	${CMAKE:-cmake} -S "$root" -B "$d/cmake" -DCMAKE_BUILD_TYPE=Debug \
	    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${BENCH_FUZZ_CFLAGS:-}" \
	    -DSHAKEDOWN_SANITIZE=$san -DSHAKEDOWN_HARNESS=ON \
	    -DSHAKEDOWN_TESTS=OFF || return 1
	# shellcheck disable=SC2086
	${CMAKE:-cmake} --build "$d/cmake" -j"${JOBS:-2}" --target $targets ||
	    return 1
	for t in $targets; do
		ln -sf "$d/cmake/fuzz/$t" "$d/$t" || return 1
	done
}

if [ -z "$bindir" ]; then
	for b in nosan asan; do
		echo "bench_fuzz: building $b in $work/$b" >&2
		if ! build $b >"$work/build-$b.log" 2>&1; then
			cat "$work/build-$b.log" >&2
			echo "bench_fuzz: $b build failed" >&2
			exit 2
		fi
	done
	bindir=$work
fi

# run BIN NAME: sets eps to the exec/s of one run, or "?".
run() {
	bin=$1
	t=$2
	r=$runs/run-$b-$t
	rm -rf "$r"
	mkdir -p "$r/corpus" "$r/crash"
	if [ -d "$root/corpus/$t" ]; then
		cp "$root/corpus/$t"/* "$r/corpus/" 2>/dev/null
	fi
	# Every "key = value" of fuzz/<target>.options as -key=value.
	ml=$(sed -n 's/^\([a-z_][a-z_]*\) *= *\([^ #]*\).*/-\1=\2/p' \
	    "$root/fuzz/$t.options" 2>/dev/null)
	# shellcheck disable=SC2086
	$pin "$bin" -max_total_time="$secs" -seed="${SEED:-1}" \
	    -print_final_stats=1 -artifact_prefix="$r/crash/" $ml \
	    "$r/corpus" >"$r/log" 2>&1 ||
	    if [ "$t" = fuzz_diff_lwip ] && grep -q '^sd_lwip: lwIP called abort' "$r/log"; then
		# An lwIP assertion (a finding of lwIP's, see
		# conformance/findings/lwip/) ends the run early: the figure
		# is the rate until then.
		echo "bench_fuzz: $b $t: an lwIP assertion ended the run" \
		    "after $(sed -n 's/^stat::number_of_executed_units: *//p' "$r/log") executions" >&2
	    else
		echo "bench_fuzz: $b $t failed, kept: $r/log, $r/crash/" >&2
		grep -m 2 -E 'invariant|ERROR' "$r/log" >&2
		cleanup= # keep the work directory for the artifact
		rc=2
	    fi
	eps=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' \
	    "$r/log" | tail -n 1)
	eps=${eps:-?}
}

printf '%-11s %-6s %12s %9s %s\n' target build exec/s "/empty" aim
for b in nosan asan; do
	empty=
	for t in $targets; do
		bin=$bindir/$b/$t
		if [ ! -x "$bin" ]; then
			printf '%-11s %-6s %12s %9s %s\n' "$t" "$b" "(no binary)" - -
			rc=2
			continue
		fi
		run "$bin" "$t"
		[ "$t" = fuzz_empty ] && empty=$eps
		ratio=-
		case "$eps$empty" in
		*'?'*) ;;
		*) [ -n "$empty" ] && [ "$empty" -gt 0 ] &&
		       ratio=$(awk -v a="$eps" -v e="$empty" \
		           'BEGIN { printf "%.4f", a / e }') ;;
		esac
		aim=
		case $t.$b in
		fuzz_conn.nosan) aim=">= 100000" ;;
		fuzz_conn.asan) aim=">= 30000" ;;
		fuzz_wire.nosan) aim=">= 500000" ;;
		fuzz_diff_lwip.*) aim=">= 10000" ;;
		esac
		printf '%-11s %-6s %12s %9s %s\n' "$t" "$b" "$eps" "$ratio" "$aim"
	done
done
exit $rc
