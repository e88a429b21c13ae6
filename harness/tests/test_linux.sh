#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The linux target end to end: the fixtures harness/tests/data/linux-*.pkt
# (and the generic passive-open one) pass against this machine's kernel,
# with --jobs and pcaps, also over IPv6; and a run killed with SIGKILL
# half-way (the run's process, then the CLI itself) leaves no network
# namespace and no TAP device behind. Without root (or CAP_NET_ADMIN + CAP_SYS_ADMIN) or
# /dev/net/tun it prints SKIP and exits 77 (ctest's SKIP_RETURN_CODE).
# Usage: test_linux.sh path/to/shakedown
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

# The CLI's own privilege check decides: exit 2 with one line saying what
# is missing.
"$sd" run --target linux "$data/linux-active-poll-abort.pkt" \
	>"$tmp/probe" 2>&1
status=$?
if [ "$status" -eq 2 ] && grep -q "the linux target needs" "$tmp/probe"; then
	echo "SKIP: $(cat "$tmp/probe")"
	if [ "$(wc -l <"$tmp/probe")" -ne 1 ]; then
		echo "FAIL: the privilege error is not one line"
		exit 1
	fi
	exit 77
fi

# 1. The fixtures pass, two at a time, each with a pcap.
"$sd" run --target linux --jobs 2 --pcap-dir "$tmp/pcap" \
	"$data"/linux-*.pkt "$data/passive-open-active-close.pkt" \
	>"$tmp/run.out" 2>&1
status=$?
if [ "$status" -ne 0 ] || ! tail -n 1 "$tmp/run.out" |
	grep -qx '3 passed, 0 failed, 0 skipped'; then
	fail "linux fixtures: status $status, output:"
	sed 's/^/  | /' "$tmp/run.out"
fi
n=$(ls "$tmp/pcap" 2>/dev/null | grep -c '\.pcap$')
[ "$n" -eq 3 ] || fail "expected 3 pcaps, got $n"
# Results come back in script order, whatever order the jobs end in.
grep -E '^(PASS|FAIL)' "$tmp/run.out" | sed 's/ (.*//; s/^[A-Z]* //' \
	>"$tmp/order"
printf '%s\n' "$data"/linux-*.pkt "$data/passive-open-active-close.pkt" \
	>"$tmp/want"
cmp -s "$tmp/order" "$tmp/want" || fail "results not in script order"

# 1b. IPv6: the "// ip: ipv6" fixture and an IPv4-era script under --ipv6
# (2001:db8::1/64 on the TAP, a permanent neighbour entry for 2001:db8::2),
# each with a pcap of IPv6 packets.
"$sd" run --target linux --ipv6 --jobs 2 --pcap-dir "$tmp/pcap6" \
	"$data/ipv6-handshake-close.pkt" "$data/passive-open-active-close.pkt" \
	>"$tmp/run6.out" 2>&1
status=$?
if [ "$status" -ne 0 ] || ! tail -n 1 "$tmp/run6.out" |
	grep -qx '2 passed, 0 failed, 0 skipped'; then
	fail "linux IPv6: status $status, output:"
	sed 's/^/  | /' "$tmp/run6.out"
fi
for f in "$tmp"/pcap6/*.pcap; do
	v=$(od -A n -t u1 -j 40 -N 1 "$f" | awk '{ print int($1 / 16) }')
	[ "$v" = 6 ] || fail "linux IPv6: $f holds IP version '$v', want 6"
done

# 2. SIGKILL half-way leaves nothing behind.
cat >"$tmp/long.pkt" <<'PKT'
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+30 < S 0:0(0) win 65535 <mss 1460>
+0  > S. 0:0(0) ack 1 <...>
PKT
taps_before=$(ip -o link show type tun 2>/dev/null | wc -l)
my_ns=$(readlink /proc/self/ns/net)

# Starts a long run; sets cli (the CLI's pid), run (the run's process)
# and ns (the run's namespace), or fails.
start_long() {
	"$sd" run --target linux "$tmp/long.pkt" >"$tmp/long.out" 2>&1 &
	cli=$!
	run= ns=
	i=0
	while [ $i -lt 100 ]; do
		run=$(pgrep -P "$cli" | head -n 1)
		if [ -n "$run" ]; then
			ns=$(readlink "/proc/$run/ns/net" 2>/dev/null)
			[ -n "$ns" ] && [ "$ns" != "$my_ns" ] && break
		fi
		sleep 0.05
		i=$((i + 1))
	done
	if [ -z "$ns" ] || [ "$ns" = "$my_ns" ]; then
		fail "the run's process never entered a namespace of its own"
		kill -9 "$cli" 2>/dev/null
		return 1
	fi
	sleep 0.3 # the TAP device is up, the script waits
	if command -v nsenter >/dev/null 2>&1 &&
		! nsenter --net="/proc/$run/ns/net" ip -o link show type tun |
		grep -q .; then
		fail "no TAP device inside the run's namespace"
	fi
	return 0
}

# Waits until pid is gone and nobody is in namespace $ns any more.
check_gone() {
	what=$1 pid=$2
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && fail "$what: process $pid still alive"
	for f in /proc/[0-9]*/ns/net; do
		if [ "$(readlink "$f" 2>/dev/null)" = "$ns" ]; then
			fail "$what: namespace $ns still held by $f"
			break
		fi
	done
	taps=$(ip -o link show type tun 2>/dev/null | wc -l)
	[ "$taps" -eq "$taps_before" ] ||
		fail "$what: TAP devices in the root namespace: $taps_before before, $taps after"
}

# 2a. The run's process is killed: the CLI reports it and goes on.
if start_long; then
	kill -9 "$run"
	wait "$cli"
	status=$?
	[ "$status" -eq 1 ] || fail "killed run: CLI exit status $status, want 1"
	grep -q "killed by signal 9" "$tmp/long.out" ||
		fail "killed run: no 'killed by signal 9' in the report"
	check_gone "killed run" "$run"
fi

# 2b. The CLI itself is killed: its run dies with it.
if start_long; then
	kill -9 "$cli"
	wait "$cli" 2>/dev/null
	check_gone "killed CLI" "$run"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all linux target checks passed"
