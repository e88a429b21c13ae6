#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The plugin target (--target plugin:PATH.so, --target NAME): the loader's
# one-line errors (exit 2), the search for sd_NAME.so, the skips a plugin
# causes (a "// config:" key it refuses, an option it does not have) and
# the socket calls, on the example plugin (plugins/example).
# Usage: test_plugin.sh SHAKEDOWN SD_EXAMPLE_SO BAD_MODULE_DIR SOURCE_DIR
set -u
sd=$1 example=$2 bad=$3 src=$4
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset SHAKEDOWN_PLUGIN_DIR

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

closed="$src/conformance/vectors/handshake/closed-syn-rst-ack.pkt"
mkdir "$tmp/empty"

# The loader: each error is one line on stderr and exit status 2.
expect 2 "shakedown run: cannot load plugin '$tmp/none.so': No such file or directory" \
	run --target "plugin:$tmp/none.so" "$closed"
echo "not an ELF file" >"$tmp/text.so"
expect 2 "cannot load plugin '$tmp/text.so': " \
	run --target "plugin:$tmp/text.so" "$closed"
expect 2 "plugin '$bad/sd_bad_nosym.so' has no symbol shakedown_stack_plugin" \
	run --target "plugin:$bad/sd_bad_nosym.so" "$closed"
expect 2 "plugin '$bad/sd_bad_abi.so' is built for plugin ABI 999, this shakedown has ABI 1" \
	run --target "plugin:$bad/sd_bad_abi.so" "$closed"
expect 2 "plugin '$bad/sd_bad_missing.so' (bad) lacks the function input()" \
	show --target "plugin:$bad/sd_bad_missing.so" "$closed"
expect 2 "--target plugin:PATH needs the path of a plugin module" \
	matrix --target plugin: "$closed"
expect 2 "unknown target 'nosuch': not built in (ref, linux) and not a plugin: no sd_nosuch.so in" \
	run --target nosuch "$closed"
expect 2 "(\$SHAKEDOWN_PLUGIN_DIR unset)" run --target nosuch "$closed"
expect 2 "no plugin can be named 'a/b'" run --target a/b "$closed"
if [ "$(wc -l <"$tmp/out")" -ne 1 ]; then
	echo "FAIL: the unknown-target message is not one line"
	fails=$((fails + 1))
fi

# NAME: sd_NAME.so in $SHAKEDOWN_PLUGIN_DIR (first), or next to the binary.
mkdir "$tmp/dir"
cp "$example" "$tmp/dir/sd_copy.so"
SHAKEDOWN_PLUGIN_DIR=$tmp/dir expect 0 "1 passed, 0 failed, 0 skipped" \
	run --target copy "$closed"
SHAKEDOWN_PLUGIN_DIR=$tmp/dir expect 2 "no sd_nosuch.so in $tmp/dir," \
	run --target nosuch "$closed"
expect 0 "PASS" run --target example "$closed"
# The target is named after the plugin's table: the ladder says so.
expect 0 "example" show --target "plugin:$example" "$closed"

# Skips: a "// config:" key the plugin refuses in create(), an option it
# has not (ENOPROTOOPT), unless the script expects exactly that error.
cat >"$tmp/config.pkt" <<'PKT'
// config: nagle=0
0   < S 0:0(0) win 65535
+0  > R. 0:0(0) ack 1
PKT
expect 0 "plugin example: the example stack has no setting 'nagle=0'" \
	run --target "plugin:$example" "$tmp/config.pkt"
cat >"$tmp/option.pkt" <<'PKT'
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
PKT
expect 0 "setsockopt(SOL_SOCKET, SO_REUSEADDR): plugin example does not have this option (ENOPROTOOPT)" \
	run --target "plugin:$example" "$tmp/option.pkt"
expect 0 "0 passed, 0 failed, 1 skipped" \
	run --target "plugin:$example" "$tmp/option.pkt"
cat >"$tmp/option-expected.pkt" <<'PKT'
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = -1 ENOPROTOOPT (Protocol not available)
+0  getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [0], [4]) = -1 ENOPROTOOPT (Protocol not available)
PKT
expect 0 "1 passed, 0 failed, 0 skipped" \
	run --target "plugin:$example" "$tmp/option-expected.pkt"

# The socket calls: descriptors from 3 over the plugin's handles, errors
# passed through, O_NONBLOCK and EBADF/POLLNVAL kept by the harness, a
# poll() that times out on the virtual clock, and the port still closed.
cat >"$tmp/calls.pkt" <<'PKT'
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0  bind(3, ..., ...) = -1 EOPNOTSUPP (Operation not supported)
+0  listen(3, 1) = -1 EOPNOTSUPP (Operation not supported)
+0  connect(4, ..., ...) = -1 EOPNOTSUPP (Operation not supported)
+0  accept(3, ..., ...) = -1 EOPNOTSUPP (Operation not supported)
+0  fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0  read(3, ..., 10) = -1 ENOTCONN (Transport endpoint is not connected)
+0  write(4, ..., 10) = -1 ENOTCONN (Transport endpoint is not connected)
+0  shutdown(4, SHUT_WR) = -1 ENOTCONN (Transport endpoint is not connected)
+0  getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0  poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT|POLLHUP}], 1, 0) = 1
+0  close(3) = 0
+0  close(3) = -1 EBADF (Bad file descriptor)
+0  poll([{fd=3, events=POLLIN, revents=POLLNVAL}], 1, 0) = 1
+0  socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.25 poll([], 0, 250) = 0
+.1 < S 0:0(0) win 65535
+0  > R. 0:0(0) ack 1
+0  < . 1:1(0) ack 7 win 65535
+0  > R 7:7(0)
PKT
expect 0 "1 passed, 0 failed, 0 skipped" \
	run --target "plugin:$example" "$tmp/calls.pkt"
expect 0 "1 passed, 0 failed, 0 skipped" \
	run --ipv6 --target "plugin:$example" "$tmp/calls.pkt"

# A script that fails on the plugin fails (exit 1) with the ladder.
cat >"$tmp/fails.pkt" <<'PKT'
0   < S 0:0(0) win 65535
+0  > S. 0:0(0) ack 1
PKT
expect 1 "0 passed, 1 failed, 0 skipped" \
	run --target "plugin:$example" "$tmp/fails.pkt"

# --help names the plugin targets.
expect 0 "plugin:PATH.so" run --help

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all plugin checks passed"
