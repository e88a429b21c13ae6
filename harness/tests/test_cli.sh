#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Command-line contract of build/shakedown: exit statuses (0 help, 2 bad
# usage or unreadable input) and messages that name the culprit and point
# to --help. Usage: test_cli.sh path/to/shakedown
set -u
sd=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN ARGS...: runs shakedown ARGS, checks the exit
# status and that stdout+stderr contain PATTERN (fixed string).
expect() {
	want=$1 pat=$2
	shift 2
	"$sd" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -qF -- "$pat" "$tmp/out"; then
		echo "FAIL: shakedown $*: status $got (want $want), output:"
		sed 's/^/  | /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

mkdir "$tmp/empty"
expect 0 "Usage: shakedown COMMAND" --help
expect 0 "Usage: shakedown COMMAND" -h
expect 0 "shakedown 0" --version
expect 0 "Usage: shakedown run" run --help
expect 0 "Usage: shakedown run" help run
expect 0 "Usage: shakedown show" show -h
expect 0 "Usage: shakedown show" help show
expect 2 "Usage: shakedown COMMAND"
expect 2 "unknown command 'frob' (try 'shakedown --help')" frob
expect 2 "unknown option '--frob' (try 'shakedown --help')" --frob
expect 2 "no command 'frob'" help frob
expect 2 "unknown option '--bogus' (try 'shakedown run --help')" \
	run --bogus=1 x
expect 2 "unknown option '-x' (try 'shakedown run --help')" run -x y
expect 2 "option '--junit' needs a value" run --junit
expect 2 "no PATH given (try 'shakedown run --help')" run
expect 2 "cannot read '$tmp/nope': No such file or directory" \
	run "$tmp/nope"
expect 2 "no *.pkt scripts under '$tmp/empty'" run "$tmp/empty"
expect 2 "unknown target 'nosuch'" run --target nosuch "$tmp/empty"
expect 2 "no SCRIPT given" show
expect 2 "one SCRIPT at a time" show a b
expect 2 "cannot read '$tmp/nope'" show "$tmp/nope"

# End to end on one script: the closing line, valid JUnit and JSON, and
# pcaps that are byte-identical from run to run (virtual clock).
script=$(dirname "$0")/data/passive-open-active-close.pkt
for i in 1 2; do
	"$sd" run --pcap-dir "$tmp/pcap$i" --junit "$tmp/junit$i.xml" \
		--json "$tmp/run$i.json" "$script" >"$tmp/run$i.out" 2>&1
	status=$?
	if [ "$status" -gt 1 ] || ! tail -n 1 "$tmp/run$i.out" |
		grep -Eq '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'; then
		echo "FAIL: run $i of $script: status $status, output:"
		sed 's/^/  | /' "$tmp/run$i.out"
		fails=$((fails + 1))
	fi
done
pcap=$(ls "$tmp/pcap1")
if [ -z "$pcap" ] || ! cmp -s "$tmp/pcap1/$pcap" "$tmp/pcap2/$pcap"; then
	echo "FAIL: pcaps of two runs differ or are missing: $pcap"
	fails=$((fails + 1))
fi
if command -v xmllint >/dev/null 2>&1 &&
	! xmllint --noout "$tmp/junit1.xml"; then
	echo "FAIL: JUnit XML not well-formed"
	fails=$((fails + 1))
fi
if command -v jq >/dev/null 2>&1 && ! jq -e 'length == 1' \
	"$tmp/run1.json" >/dev/null; then
	echo "FAIL: JSON not valid"
	fails=$((fails + 1))
fi

# --jobs runs each script in a process of its own: same report, same pcap.
expect 2 "--jobs: expected a number from 1 to 256, got '0'" run -j 0 x
expect 2 "--tolerance-us: expected microseconds" run --tolerance-us=-1 x

# --max-time S skips scripts whose timeline is longer than S seconds (the
# next event's relative time counts from the previous event's).
expect 2 "--max-time: expected whole seconds" run --max-time 0 x
cat >"$tmp/slow.pkt" <<'PKT'
0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+20  close(3) = 0
+10  socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
PKT
expect 0 "its timeline (30.0 s) is longer than --max-time 29 s" \
	run --max-time 29 "$tmp/slow.pkt"
expect 0 "0 passed, 0 failed, 1 skipped" run -j 2 --max-time 29 "$tmp/slow.pkt"
expect 0 "1 passed, 0 failed, 0 skipped" run --max-time 30 "$tmp/slow.pkt"
# The JSON has each run's target time (its own timeline, up to its end).
grep -q '"target_ms": [0-9]' "$tmp/run1.json" || {
	echo "FAIL: no target_ms in the JSON report"
	fails=$((fails + 1))
}
"$sd" run --jobs 3 --pcap-dir "$tmp/pcapj" "$script" "$script" \
	>"$tmp/runj.out" 2>&1
if [ "$(grep -c '^PASS' "$tmp/runj.out")" -ne 2 ] ||
	! tail -n 1 "$tmp/runj.out" | grep -qx '2 passed, 0 failed, 0 skipped' ||
	! cmp -s "$tmp/pcap1/$pcap" "$tmp/pcapj/$pcap"; then
	echo "FAIL: run --jobs 3: output or pcap differs from the serial run:"
	sed 's/^/  | /' "$tmp/runj.out"
	fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails CLI case(s) failed"
	exit 1
fi
echo "all CLI cases passed"
