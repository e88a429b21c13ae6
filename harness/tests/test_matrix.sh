#!/bin/sh
# SPDX-License-Identifier: MIT
#
# 'shakedown matrix': the requirement table loader (a bad line gives
# file:line), tag matching (only exact IDs of "// tags:" lines count), the
# computed summary counts, --json/--markdown, and the exit statuses (0 all
# wire MUSTs covered and nothing failed, 1 otherwise, 2 bad usage or table).
# Usage: test_matrix.sh path/to/shakedown
set -u
sd=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check WANT_STATUS PATTERN ARGS...: status and a fixed string in the output.
check() {
	want=$1
	pat=$2
	shift 2
	"$sd" "$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ] || ! grep -qF -- "$pat" "$tmp/out"; then
		echo "FAIL: shakedown $*: want status $want and '$pat'," \
		    "got status $got:"
		sed 's/^/    /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

tab=$(printf '\t')
reqs=$tmp/reqs.tsv
{
	echo "# a test table"
	echo "MUST-1${tab}3.1${tab}MUST${tab}wire${tab}L${tab}Wire one.${tab}no vector yet"
	echo "MUST-2${tab}3.1${tab}MUST NOT${tab}wire${tab}L${tab}Wire two.${tab}"
	echo "MUST-10${tab}3.5${tab}MUST${tab}api${tab}K${tab}Api one.${tab}needs a socket option"
	echo ""
	echo "SHLD-1${tab}3.4${tab}SHOULD${tab}wire${tab}L${tab}Should one.${tab}"
	echo "MAY-3${tab}3.7${tab}MAY${tab}internal${tab}-${tab}May one.${tab}internal"
} >"$reqs"

mkdir -p "$tmp/v/a" "$tmp/v/b"
vec() { # vec FILE TAGS: a vector that passes on the reference
	printf '// test vector\n// tags: %s\n0 < S 0:10(10) win 65535 <mss 1000>\n+0 > R. 0:0(0) ack 11\n' "$2" >"$1"
}
vec "$tmp/v/a/one.pkt" "MUST-1 E003 MUST-10x MUST-99 rfc1122"
vec "$tmp/v/b/two.pkt" "MUST-10, SHLD-1"
# MUST-2 only in a comment that is no tags line: it does not count.
printf '// MUST-2 is mentioned here\n// tags: MUST-1\n0 < S 0:10(10) win 65535 <mss 1000>\n+0 > R. 0:0(0) ack 12\n' >"$tmp/v/b/fails.pkt"

# Help and usage.
check 0 "Usage: shakedown matrix" matrix --help
check 0 "matrix PATH" --help
check 0 "Usage: shakedown matrix" help matrix
check 2 "no PATH given" matrix
check 2 "unknown option '--bogus'" matrix --bogus x
check 2 "exclude each other" matrix --json --markdown x
check 2 "cannot read '$tmp/none'" matrix --requirements "$reqs" "$tmp/none"
check 2 "unknown target 'nope'" matrix -t nope --requirements "$reqs" "$tmp/v"

# The loader: every bad line names file:line.
bad() { # bad LINE PATTERN
	printf '# header\n%s\n' "$1" >"$tmp/bad.tsv"
	check 2 "$tmp/bad.tsv:2" matrix --requirements "$tmp/bad.tsv" "$tmp/v"
	check 2 "$2" matrix --requirements "$tmp/bad.tsv" "$tmp/v"
}
bad "MUST-1${tab}3.1${tab}MUST${tab}wire" "expected 7 tab-separated fields, got 4"
bad "MUST-1${tab}3.1${tab}MUST${tab}wire${tab}L${tab}P${tab}R${tab}extra" "more than 7"
bad "MUSTX-1${tab}3.1${tab}MUST${tab}wire${tab}L${tab}P${tab}R" "expected an ID"
bad "MUST-1${tab}3.1${tab}OUGHT${tab}wire${tab}L${tab}P${tab}R" "got 'OUGHT'"
bad "MUST-1${tab}3.1${tab}MUST${tab}wired${tab}L${tab}P${tab}R" "got 'wired'"
bad "MUST-1${tab}${tab}MUST${tab}wire${tab}L${tab}P${tab}R" "empty section"
printf 'MUST-1\t3.1\tMUST\twire\tL\tP\tR\nMUST-1\t3.1\tMUST\twire\tL\tP\tR\n' >"$tmp/dup.tsv"
check 2 "$tmp/dup.tsv:2: error: MUST-1 listed twice" matrix --requirements "$tmp/dup.tsv" "$tmp/v"
check 2 "cannot read" matrix --requirements "$tmp/missing.tsv" "$tmp/v"

# Tag matching and counts: MUST-1 has one passing and one failing vector,
# MUST-2 none (a mention outside "// tags:" does not count), MUST-10 one
# (not MUST-10x), SHLD-1 one. A failed vector and an uncovered wire MUST
# both exit 1.
check 1 "MUST: 1 of 2 wire-checkable covered, 0 passing; api-checkable: 1 of 1 covered, 0 with a reason; internal: 0" \
	matrix --requirements "$reqs" "$tmp/v"
check 1 "SHOULD: 1 of 1 wire-checkable covered, 1 passing" matrix --requirements "$reqs" "$tmp/v"
check 1 "MAY: 0 of 0 wire-checkable covered, 0 passing; api-checkable: 0 of 0 covered, 0 with a reason; internal: 1" \
	matrix --requirements "$reqs" "$tmp/v"
check 1 "MUST-1   MUST        wire     FAIL" matrix --requirements "$reqs" "$tmp/v"
check 1 "    FAIL     $tmp/v/b/fails.pkt" matrix --requirements "$reqs" "$tmp/v"
check 1 "MUST-2   MUST NOT    wire     NO VECTOR" matrix --requirements "$reqs" "$tmp/v"
check 1 "    reason: internal" matrix --requirements "$reqs" "$tmp/v"
check 1 "MUST-10  MUST        api      PASS" matrix --requirements "$reqs" "$tmp/v"
check 1 "tag 'MUST-99' names no requirement" matrix --requirements "$reqs" "$tmp/v"
# Sorted by number, not as text: MUST-2 before MUST-10.
"$sd" matrix --requirements "$reqs" "$tmp/v" 2>/dev/null | grep -oE '^(MUST|SHLD|MAY)-[0-9]+' | tr '\n' ' ' >"$tmp/order"
if [ "$(cat "$tmp/order")" != "MUST-1 MUST-2 MUST-10 SHLD-1 MAY-3 " ]; then
	echo "FAIL: order: $(cat "$tmp/order")"
	fails=$((fails + 1))
fi

# Without the failing vector and with MUST-2 covered: exit 0.
rm "$tmp/v/b/fails.pkt"
vec "$tmp/v/b/three.pkt" "MUST-2"
check 0 "MUST: 2 of 2 wire-checkable covered, 2 passing" matrix --requirements "$reqs" "$tmp/v"
check 0 '"wire_covered": 2' matrix --json --requirements "$reqs" "$tmp/v"
check 0 '| MUST-2 | 3.1 | MUST NOT | wire | Wire two. | PASS | PASS `'"$tmp/v/b/three.pkt"'` |' \
	matrix --markdown --requirements "$reqs" "$tmp/v"
check 0 '| MAY-3 | 3.7 | MAY | internal | May one. | NO VECTOR | internal |' \
	matrix --markdown --requirements "$reqs" "$tmp/v"
if command -v python3 >/dev/null 2>&1; then
	"$sd" matrix --json --requirements "$reqs" "$tmp/v" >"$tmp/j.json" 2>/dev/null
	if ! python3 -m json.tool "$tmp/j.json" >/dev/null; then
		echo "FAIL: --json is not valid JSON"
		fails=$((fails + 1))
	fi
fi

# The real table: 119 requirements.
"$sd" matrix --json "$tmp/v" 2>/dev/null | grep -c '"id": ' >"$tmp/n"
if [ "$(cat "$tmp/n")" != 119 ]; then
	echo "FAIL: conformance/requirements.tsv: $(cat "$tmp/n") IDs, want 119"
	fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "matrix: all checks passed"
