#!/bin/sh
# SPDX-License-Identifier: MIT
#
# conformance/REQUIREMENTS.md is generated, never typed: it must equal a
# fresh 'shakedown matrix --markdown conformance/vectors' (make
# requirements regenerates it). Usage: test_requirements_md.sh SHAKEDOWN SRC
set -u
sd=$1
cd "$2" || exit 2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$sd" matrix --markdown conformance/vectors >"$tmp"
rc=$?
if [ "$rc" -gt 1 ]; then
	echo "shakedown matrix failed (status $rc)"
	exit 1
fi
if ! diff -u conformance/REQUIREMENTS.md "$tmp"; then
	echo "conformance/REQUIREMENTS.md is stale: run 'make requirements'"
	exit 1
fi
echo "conformance/REQUIREMENTS.md is up to date"
