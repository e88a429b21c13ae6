#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Target profiles from the command line: a failure the profile lists is
# DEVIATES and leaves the exit status 0, an unlisted failure exits 1, a
# listed vector that passes says "deviation no longer seen", "// requires:
# KEY=VALUE" skips on another value, and a bad profile exits 2 with
# file:line. Usage: test_profile_cli.sh path/to/shakedown
set -u
sd=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check WANT_STATUS PATTERN ARGS...: status and a fixed string in the output.
check() {
	want=$1 pat=$2
	shift 2
	"$sd" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -qF -- "$pat" "$tmp/out"; then
		echo "FAIL: shakedown $*: status $got (want $want, '$pat'):"
		sed 's/^/  | /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

# lastline LINE: the last line of the latest output is exactly LINE.
lastline() {
	if [ "$(tail -n 1 "$tmp/out")" != "$1" ]; then
		echo "FAIL: last line is '$(tail -n 1 "$tmp/out")', want '$1'"
		fails=$((fails + 1))
	fi
}

mkdir "$tmp/v"
head='0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 65535 <mss 1000>'
printf '%s\n+0 > S. 0:0(0) ack 1 <mss 1460>\n' "$head" >"$tmp/v/good.pkt"
printf '%s\n+0 > S. 0:0(0) ack 1 <mss 9999>\n' "$head" >"$tmp/v/bad.pkt"
printf '// requires: time_wait_s=60\n%s\n+0 > S. 0:0(0) ack 1 <mss 1460>\n' \
	"$head" >"$tmp/v/tw60.pkt"
printf '// requires: time_wait_s!=60\n%s\n+0 > S. 0:0(0) ack 1 <mss 1460>\n' \
	"$head" >"$tmp/v/not60.pkt"

cat >"$tmp/p1" <<'P'
# a test profile
target = ref
stack = default
time_wait_s = 240   # trailing comment
deviation v/bad.pkt MUST-99 "the test stack sends another MSS"
deviation v/good.pkt SHLD-1 "listed, but it passes"
P

# Deviations alone: exit 0, DEVIATES line, counts before the closing line.
check 0 'DEVIATES '"$tmp"'/v/bad.pkt: MUST-99 the test stack sends another MSS' \
	run -p "$tmp/p1" --json "$tmp/r.json" --junit "$tmp/r.xml" \
	"$tmp/v/bad.pkt" "$tmp/v/good.pkt"
check 0 'deviation no longer seen: SHLD-1 (profile p1, line 6)' \
	run -p "$tmp/p1" "$tmp/v/bad.pkt" "$tmp/v/good.pkt"
check 0 '1 deviated as expected (profile p1), 1 listed deviations no longer seen' \
	run -p "$tmp/p1" "$tmp/v/bad.pkt" "$tmp/v/good.pkt"
lastline '1 passed, 0 failed, 0 skipped'
if command -v jq >/dev/null 2>&1 &&
	! jq -e '.[0].outcome == "deviates" and
		.[0].deviation.requirement == "MUST-99" and
		.[1].outcome == "pass"' "$tmp/r.json" >/dev/null; then
	echo "FAIL: JSON outcome of a deviation:"
	sed 's/^/  | /' "$tmp/r.json"
	fails=$((fails + 1))
fi
if ! grep -q '<skipped type="deviates"' "$tmp/r.xml"; then
	echo "FAIL: JUnit has no deviates skip"
	fails=$((fails + 1))
fi

# Without the profile the same failure fails the run.
cat >"$tmp/p2" <<'P'
target = ref
P
check 1 'FAIL '"$tmp"'/v/bad.pkt' run -p "$tmp/p2" "$tmp/v/bad.pkt"
lastline '0 passed, 1 failed, 0 skipped'
# A deviation together with a real failure: still 1.
printf 'target = ref\ndeviation v/good.pkt MUST-1 "x"\n' >"$tmp/p3"
check 1 '0 deviated as expected (profile p3), 1 listed' \
	run -p "$tmp/p3" "$tmp/v/bad.pkt" "$tmp/v/good.pkt"

# requires: KEY=VALUE and KEY!=VALUE against the profile's value.
check 0 'SKIP '"$tmp"'/v/tw60.pkt: requires time_wait_s=60; profile p1 has time_wait_s = 240' \
	run -p "$tmp/p1" "$tmp/v/tw60.pkt"
check 0 'PASS '"$tmp"'/v/not60.pkt' run -p "$tmp/p1" "$tmp/v/not60.pkt"
check 0 'SKIP' run -p "$tmp/p2" "$tmp/v/tw60.pkt"

# The shipped profiles: ref by default, legacy by its short name.
check 0 '1 passed, 0 failed, 0 skipped' run "$tmp/v/good.pkt"
check 0 'SKIP '"$tmp"'/v/tw60.pkt: requires time_wait_s=60; profile ref has' \
	run "$tmp/v/tw60.pkt"
check 0 'profile ref-legacy has' run -p legacy "$tmp/v/tw60.pkt"
check 2 "profile 'linux'" run -p linux "$tmp/v/good.pkt"
check 2 "describes target 'linux', not 'ref'" run -p linux "$tmp/v/good.pkt"

# ECN: the vector that needs the stack to ask (an ECN-setup SYN) is
# skipped by the default profile and passes with -p ecn (ref-ecn), which
# in turn skips the one written for a stack that does not ask.
ecn=$(dirname "$0")/../../conformance/vectors/ecn
check 0 'SKIP '"$ecn"'/closed-connect-ecn-setup-syn-ect-data.pkt: requires ecn=yes; profile ref has ecn = accept' \
	run "$ecn"
lastline '8 passed, 0 failed, 1 skipped'
check 0 'PASS '"$ecn"'/closed-connect-ecn-setup-syn-ect-data.pkt' \
	run -p ecn "$ecn"
check 0 'SKIP '"$ecn"'/closed-connect-unasked-ece-synack-data-not-ect.pkt: requires ecn!=yes; profile ref-ecn has ecn = yes' \
	run -p ecn "$ecn"
lastline '8 passed, 0 failed, 1 skipped'

# Bad profiles: exit 2 with file:line.
printf 'target = ref\nrto_min = 5\n' >"$tmp/bad1"
check 2 "$tmp/bad1:2:1: error: unknown key 'rto_min'" \
	run -p "$tmp/bad1" "$tmp/v/good.pkt"
printf 'target = ref\ndeviation v/x.pkt MUST-1 no quotes\n' >"$tmp/bad2"
check 2 "$tmp/bad2:2:" run -p "$tmp/bad2" "$tmp/v/good.pkt"
check 2 "cannot read '$tmp/nope'" run -p "$tmp/nope" "$tmp/v/good.pkt"

if [ "$fails" -ne 0 ]; then
	echo "$fails profile CLI case(s) failed"
	exit 1
fi
echo "all profile CLI cases passed"
