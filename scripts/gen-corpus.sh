#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates the seed corpora corpus/fuzz_wire/ and corpus/fuzz_script/ from
# the conformance scripts with fuzz/gen_seeds (built in BUILD, default build/).
#
#   scripts/gen-corpus.sh [--clean] [BUILD]
#
# Seeds are named by a hash of their content, so running it again adds only
# what is new; --clean first removes the files there (inputs merged in by
# make fuzz included) and leaves exactly the generated seeds.
set -eu

clean=0
if [ "${1:-}" = "--clean" ]; then
	clean=1
	shift
fi
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gen=$build/fuzz/gen_seeds
if [ ! -x "$gen" ]; then
	echo "gen-corpus: $gen not built (make build, or cmake --build $build)" >&2
	exit 2
fi
cd "$root"
for t in wire script; do
	dir=corpus/fuzz_$t
	if [ "$clean" = 1 ] && [ -d "$dir" ]; then
		find "$dir" -maxdepth 1 -type f ! -name '.*' -exec rm -f {} +
	fi
	mkdir -p "$dir"
done
# fuzz_wire: every packet of every vector, IPv4 and IPv6, both directions.
"$gen" --target wire corpus/fuzz_wire conformance/vectors
# fuzz_script: the vectors and the parser's own tests, good and bad.
"$gen" --target script corpus/fuzz_script conformance/vectors \
	conformance/tests
