#!/bin/sh
# SPDX-License-Identifier: MIT
# shakedown repro (ctest harness/repro): fuzz_conn inputs that fail no
# oracle are written as scripts that the reference runs the same way (a
# listener and an active opener with data and FIN); usage errors exit 2.
# Usage: test_repro.sh SHAKEDOWN SOURCE_DIR WORK_DIR
set -u
sd=$1
src=$2
work=$3
rc=0
mkdir -p "$work"
for in in 6478f0a50e2989adc341a9234a51c78a07ffb0c3 \
	da261c082d8382903f52d8b72fb263013732d6a1; do
	out=$work/repro-$in.pkt
	if ! "$sd" repro --no-shrink -o "$out" "$src/corpus/fuzz_conn/$in" \
		2>"$work/repro-$in.log"; then
		echo "FAIL: repro of $in:"
		cat "$work/repro-$in.log"
		rc=1
		continue
	fi
	grep -q "runs the same on ref" "$work/repro-$in.log" || {
		echo "FAIL: $in: no 'runs the same' verdict"
		rc=1
	}
	# The script stands on its own: shakedown run passes it.
	"$sd" run "$out" >"$work/run-$in.log" 2>&1 || {
		echo "FAIL: shakedown run $out:"
		cat "$work/run-$in.log"
		rc=1
	}
	grep -q "^// config: profile=" "$out" || {
		echo "FAIL: $out has no // config: line"
		rc=1
	}
done
"$sd" repro >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: repro without FILE should exit 2"; rc=1; }
"$sd" repro "$work/does-not-exist" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: repro of a missing file should exit 2"; rc=1; }
[ $rc -eq 0 ] && echo "repro: ok"
exit $rc
