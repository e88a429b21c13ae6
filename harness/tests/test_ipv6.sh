#!/bin/sh
# SPDX-License-Identifier: MIT
#
# IPv6 runs on the reference target: --ipv6 puts a script on 2001:db8::1
# (stack) and 2001:db8::2 (script side), "// ip: ipv6" in a script does so
# without the option, "// ip: ipv4" keeps a script on IPv4 under --ipv6;
# the ladder names the IPv6 endpoints and the pcap (LINKTYPE_RAW) holds
# IPv6 packets. The kernel's side is in test_linux.sh.
# Usage: test_ipv6.sh path/to/shakedown
set -u
sd=$1
data=$(dirname "$0")/data
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# pcap_ipver FILE: the IP version of the first packet in a pcap (the byte
# after the 24-byte file header and the 16-byte record header).
pcap_ipver() {
	od -A n -t u1 -j 40 -N 1 "$1" | awk '{ print int($1 / 16) }'
}

# run_ok NAME ARGS...: a run that must pass its one script.
run_ok() {
	name=$1
	shift
	"$sd" run "$@" >"$tmp/$name.out" 2>&1
	status=$?
	if [ "$status" -ne 0 ] || ! tail -n 1 "$tmp/$name.out" |
		grep -qx '1 passed, 0 failed, 0 skipped'; then
		fail "$name: status $status, output:"
		sed 's/^/  | /' "$tmp/$name.out"
	fi
}

# 1. --ipv6 runs an unchanged IPv4-era script over IPv6.
run_ok opt --ipv6 --pcap-dir "$tmp/p1" "$data/passive-open-active-close.pkt"
v=$(pcap_ipver "$tmp"/p1/*.pcap)
[ "$v" = 6 ] || fail "--ipv6: pcap holds IP version '$v', want 6"

# 2. "// ip: ipv6" asks for IPv6 without the option.
run_ok comment --pcap-dir "$tmp/p2" "$data/ipv6-handshake-close.pkt"
v=$(pcap_ipver "$tmp"/p2/*.pcap)
[ "$v" = 6 ] || fail "// ip: ipv6: pcap holds IP version '$v', want 6"
if command -v tshark >/dev/null 2>&1; then
	tshark -r "$tmp"/p2/*.pcap >"$tmp/tshark" 2>/dev/null
	grep -q '2001:db8::2 → 2001:db8::1 .*TCP.*\[SYN\]' "$tmp/tshark" ||
		fail "tshark does not decode the SYN over IPv6:
$(cat "$tmp/tshark")"
fi

# 3. "// ip: ipv4" wins over --ipv6.
{
	echo '// ip: ipv4'
	cat "$data/passive-open-active-close.pkt"
} >"$tmp/v4.pkt"
run_ok v4 --ipv6 --pcap-dir "$tmp/p3" "$tmp/v4.pkt"
v=$(pcap_ipver "$tmp"/p3/*.pcap)
[ "$v" = 4 ] || fail "// ip: ipv4: pcap holds IP version '$v', want 4"

# 4. show --ipv6 names the IPv6 endpoints.
"$sd" show --ipv6 "$data/passive-open-active-close.pkt" >"$tmp/show" 2>&1 ||
	fail "show --ipv6: status $?"
grep -qF 'script [2001:db8::2]:40000' "$tmp/show" &&
	grep -qF 'ref [2001:db8::1]:8080' "$tmp/show" ||
	fail "show --ipv6: no IPv6 endpoints in the ladder:
$(cat "$tmp/show")"

# 5. An IPv6 run's SYN-ACK advertises MTU - 60, not the IPv4 1460.
"$sd" run --ipv6 "$data/linux-passive-ts-data.pkt" >"$tmp/mss" 2>&1
grep -qF 'expected <mss 1460,sackOK,TS val 1000 ecr 100>, got <mss 1440' \
	"$tmp/mss" || fail "--ipv6 MSS: unexpected output:
$(cat "$tmp/mss")"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all IPv6 checks passed"
