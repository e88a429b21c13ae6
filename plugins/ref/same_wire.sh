#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The reference plugin as a module (sd_ref.so, loaded with dlopen, a process
# per script) against the ref target (the same code linked in, observed by
# its oracle): every script of the given
# folders runs on both, over IPv4 and IPv6 and in each profile named; the
# result lines (less timings and the targets' wording of skips) must match
# and the pcap of every run must be byte-identical: same ISNs, ports,
# timestamps, options, IP fields and times.
# Usage: same_wire.sh SHAKEDOWN PLUGIN.so WORKDIR DIR... (run from the
# source tree)
set -u
sd=$1
so=$2
work=$3
shift 3
fails=0
rm -rf "$work"
mkdir -p "$work"

# results FILE: the PASS/FAIL/SKIP lines and the summary, comparable.
results() {
	grep -E '^(PASS|FAIL|SKIP|DEVIATES|[0-9]+ passed)' "$1" |
		sed -E 's/ \([0-9.]+ m?s\)$//; s/;.*//' | sort
}

for prof in ref legacy ecn; do
	for ip in v4 v6; do
		opt=
		[ "$ip" = v6 ] && opt=--ipv6
		run=$work/$prof-$ip
		"$sd" run -t ref -p "$prof" $opt --pcap-dir "$run-ref" "$@" \
			>"$run-ref.out" 2>&1
		rc_ref=$?
		"$sd" run -t "plugin:$so" -p "$prof" $opt \
			--pcap-dir "$run-plugin" "$@" >"$run-plugin.out" 2>&1
		rc_plugin=$?
		if [ "$rc_ref" != "$rc_plugin" ]; then
			echo "FAIL $prof $ip: exit status $rc_plugin, ref $rc_ref"
			fails=$((fails + 1))
		fi
		if ! results "$run-ref.out" >"$run-ref.res" ||
			! results "$run-plugin.out" >"$run-plugin.res" ||
			! diff "$run-ref.res" "$run-plugin.res"; then
			echo "FAIL $prof $ip: results differ (above: < ref)"
			fails=$((fails + 1))
		fi
		n=$(ls "$run-ref" | wc -l)
		if [ "$n" -eq 0 ] || ! diff -r "$run-ref" "$run-plugin"; then
			echo "FAIL $prof $ip: pcaps differ ($n from ref)"
			fails=$((fails + 1))
		else
			echo "ok   $prof $ip: $(tail -n 1 "$run-plugin.out")," \
				"$n identical pcaps"
		fi
	done
done
[ "$fails" -eq 0 ] || exit 1
rm -rf "$work"
