#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Figures of the linux target (issue 4, "Speed"): the same set of scripts
# run against this machine's kernel serially and with --jobs 8, and
#   - the wall time of each run, and their ratio (aim: <= 0.25 with
#     --jobs 8 on a 2-core machine);
#   - the serial per-script overhead: (serial wall time - the sum of the
#     scripts' own timelines) / scripts run (aim: <= 20 ms; packetdrill
#     spends ~170 ms before the first event, ~350 ms median in all).
# A script's own timeline is its target_ms in the JSON report: the target's
# clock when the run ended (a failing script stops at its failure, so what
# it waited is what it cost; whether it fails does not matter here).
#
# The set: every script under conformance/vectors/ and conformance/compat/
# and harness/tests/data/linux-*.pkt, except those whose timeline is longer
# than MAX_TIME seconds (default 20: --max-time SKIPs them; the TIME-WAIT
# vectors wait 240 s in real time). A benchmark, not a test: it prints
# figures next to their aims and exits 0, or 2 when a run did not complete.
# Without root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) or /dev/net/tun it says
# it skipped and exits 0.
#
# Usage: bench_linux.sh path/to/shakedown [ROOT]   (ROOT: the repository)
# Environment: MAX_TIME (seconds, default 20), JOBS (default 8).
set -u
sd=$1
root=${2:-.}
max_time=${MAX_TIME:-20}
jobs=${JOBS:-8}
cd "$root" || exit 2

# The CLI's own privilege check decides, before it reads any script.
probe=$("$sd" run --target linux /nonexistent/bench-probe.pkt 2>&1)
case $probe in
*"the linux target needs"* | *"/dev/net/tun"*)
	echo "bench_linux: skipped: $probe"
	exit 0
	;;
esac

set --
for d in conformance/vectors conformance/compat; do
	[ -d "$d" ] && set -- "$@" "$d"
done
for f in harness/tests/data/linux-*.pkt; do
	[ -f "$f" ] && set -- "$@" "$f"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run NAME ARGS...: one run of the set; its wall time in $tmp/NAME.wall.
run() {
	name=$1
	shift
	t0=$(now_ms)
	# A hung run ends the benchmark instead of blocking make bench.
	timeout 900 "$sd" run --target linux --max-time "$max_time" \
		--json "$tmp/$name.json" "$@" >"$tmp/$name.out" 2>&1
	status=$?
	t1=$(now_ms)
	echo $((t1 - t0)) >"$tmp/$name.wall"
	if [ "$status" -gt 1 ] || ! tail -n 1 "$tmp/$name.out" |
		grep -Eq '^[0-9]+ passed, [0-9]+ failed'; then
		echo "bench_linux: the $name run did not complete (exit status $status):"
		sed 's/^/  | /' "$tmp/$name.out" | tail -n 20
		exit 2
	fi
}

# sums FILE: "ran skipped sum_target_ms sum_time_ms max_target_ms".
sums() {
	awk '
	match($0, /"outcome": "[a-z]+"/) {
		o = substr($0, RSTART + 12, RLENGTH - 13)
		if (o == "skip") { sk++; next }
		n++
		if (match($0, /"time_ms": [0-9.]+/))
			w += substr($0, RSTART + 11, RLENGTH - 11)
		if (match($0, /"target_ms": [0-9.]+/)) {
			t = substr($0, RSTART + 13, RLENGTH - 13) + 0
			s += t
			if (t > m) m = t
		}
	}
	END { printf "%d %d %.1f %.1f %.1f\n", n, sk, s, w, m }' "$1"
}

echo "bench_linux: $(nproc) CPUs, $(uname -sr), MAX_TIME=$max_time s, scripts: $*"
run serial "$@"
run parallel --jobs "$jobs" "$@"

set -- $(sums "$tmp/serial.json")
ran=$1 skipped=$2 timeline=$3 inrun=$4 longest=$5
serial=$(cat "$tmp/serial.wall")
parallel=$(cat "$tmp/parallel.wall")
echo "bench_linux: $ran scripts ran ($skipped skipped by --max-time $max_time);" \
	"their own timelines: $timeline ms in all, the longest $longest ms"
echo "bench_linux: serial: $(tail -n 1 "$tmp/serial.out"); with --jobs $jobs: $(tail -n 1 "$tmp/parallel.out")"
awk -v s="$serial" -v p="$parallel" -v n="$ran" -v tl="$timeline" \
	-v ir="$inrun" -v lg="$longest" -v j="$jobs" 'BEGIN {
	if (n == 0 || s == 0) { print "bench_linux: nothing ran"; exit }
	printf "  serial wall time             %9.3f s\n", s / 1000
	printf "  --jobs %-3d wall time         %9.3f s\n", j, p / 1000
	printf "  ratio --jobs %d / serial       %9.3f    (aim <= 0.25; bound below by the longest script: %.3f)\n", j, p / s, lg / s
	printf "  per-script overhead, serial  %9.1f ms   (aim <= 20 ms; wall time - timelines, / scripts)\n", (s - tl) / n
	printf "    of which inside the run    %9.1f ms   (the run process: namespace, TAP, threads, end)\n", (ir - tl) / n
	printf "    of which around the run    %9.1f ms   (fork, parse, result pipe, report)\n", (s - ir) / n
}'
exit 0
