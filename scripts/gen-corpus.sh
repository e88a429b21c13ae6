#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates the seed corpora corpus/fuzz_wire/ and corpus/fuzz_script/, and
# the vector seeds of corpus/fuzz_conn/, from the conformance scripts with
# fuzz/gen_seeds (built in BUILD, default build/).
#
#   scripts/gen-corpus.sh [--clean] [--merge FUZZ_BUILD] [--only T] [BUILD]
#
# --only wire|script|conn makes that corpus alone.
# Seeds are named by a hash of their content, so running it again adds only
# what is new; --clean first removes the files of fuzz_wire/ and
# fuzz_script/ (inputs merged in by make fuzz included) and leaves the
# generated seeds and the reproducers of fixed crashes (*_repro_*). corpus/fuzz_conn/ keeps what is there (inputs
# libFuzzer grew, reproducers): the vector seeds (one per vector, written
# in BUILD/seeds/fuzz_conn/ as vec-<folder>-<name>) are added next to them
# under libFuzzer's names (the SHA-1 of the content). With --merge, the
# libFuzzer binaries FUZZ_BUILD/fuzz/fuzz_* (make fuzz builds them in
# build-fuzz/) minimize: for fuzz_wire and fuzz_script every candidate
# (not only 300) is merged into a fresh corpus; for fuzz_conn the union (-merge=1 into an empty
# directory, max_len of fuzz/fuzz_conn.options); the reproducers
# fc_repro_* and the inputs harness/tests/*.sh name stay as they are.
set -eu

clean=0
merge=
only=
while [ $# -gt 0 ]; do
	case $1 in
	--clean)
		clean=1
		shift
		;;
	--merge)
		[ $# -ge 2 ] || {
			echo "gen-corpus: --merge needs a libFuzzer build tree" >&2
			exit 2
		}
		merge=$2
		shift 2
		;;
	--only)
		case ${2:-} in
		wire | script | conn) only=$2 ;;
		*)
			echo "gen-corpus: --only wire, script or conn" >&2
			exit 2
			;;
		esac
		shift 2
		;;
	*) break ;;
	esac
done
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gen=$build/fuzz/gen_seeds
if [ ! -x "$gen" ]; then
	echo "gen-corpus: $gen not built (make build, or cmake --build $build)" >&2
	exit 2
fi
case $build in
/*) ;;
*) build=$PWD/$build ;;
esac
case $merge in
/* | "") ;;
*) merge=$PWD/$merge ;;
esac
gen=$build/fuzz/gen_seeds
cd "$root"
for t in wire script; do
	want $t || continue
	dir=corpus/fuzz_$t
	if [ "$clean" = 1 ] && [ -d "$dir" ]; then
		find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name '*_repro_*' -exec rm -f {} +
	fi
	mkdir -p "$dir"
done
# Without --merge, at most 300 seeds of each (one per shape first); with
# it, every candidate, minimized by the target's libFuzzer merge (what adds
# no coverage goes) into a fresh directory that replaces the corpus.
minimize() { # TARGET CANDIDATE_DIR
	bin=$merge/fuzz/fuzz_$1
	if [ ! -x "$bin" ]; then
		echo "gen-corpus: $bin not built (make fuzz)" >&2
		exit 2
	fi
	ml=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' \
		"fuzz/fuzz_$1.options" 2>/dev/null)
	out=$build/seeds/fuzz_$1.merged
	rm -rf "$out"
	mkdir -p "$out"
	"$bin" -merge=1 ${ml:+-max_len=$ml} "$out" "$2" \
		>"$build/seeds/fuzz_$1.merge.log" 2>&1 || {
		echo "gen-corpus: the merge failed: $build/seeds/fuzz_$1.merge.log" >&2
		exit 1
	}
	find "corpus/fuzz_$1" -maxdepth 1 -type f ! -name '.*' ! -name '*_repro_*' -exec rm -f {} +
	cp "$out"/* "corpus/fuzz_$1/"
	echo "gen-corpus: fuzz_$1: $(find "$2" -type f | wc -l) candidates" \
		"minimized to $(find "corpus/fuzz_$1" -type f | wc -l) files"
}
# fuzz_wire: every packet of every vector, IPv4 and IPv6, both directions.
if want wire; then
	if [ -n "$merge" ]; then
		rm -rf "$build/seeds/fuzz_wire"
		mkdir -p "$build/seeds/fuzz_wire"
		"$gen" --max 1000000 --target wire "$build/seeds/fuzz_wire" \
			conformance/vectors
		minimize wire "$build/seeds/fuzz_wire"
	else
		"$gen" --target wire corpus/fuzz_wire conformance/vectors
	fi
fi
# fuzz_script: the vectors and the parser's own tests, good and bad.
if want script; then
	if [ -n "$merge" ]; then
		rm -rf "$build/seeds/fuzz_script"
		mkdir -p "$build/seeds/fuzz_script"
		"$gen" --max 1000000 --target script "$build/seeds/fuzz_script" \
			conformance/vectors conformance/tests
		minimize script "$build/seeds/fuzz_script"
	else
		"$gen" --target script corpus/fuzz_script conformance/vectors \
			conformance/tests
	fi
fi
want conn || exit 0

# fuzz_conn: one input per vector that replays its story on the driver.
seeds=$build/seeds/fuzz_conn
rm -rf "$seeds"
mkdir -p "$seeds" corpus/fuzz_conn
"$gen" --target conn "$seeds" conformance/vectors
sha1() { sha1sum <"$1" | cut -c1-40; }
count() { find "$1" -maxdepth 1 -type f ! -name '.*' | wc -l; }
if [ -z "$merge" ]; then
	for f in "$seeds"/*; do
		[ -f "$f" ] && cp "$f" "corpus/fuzz_conn/$(sha1 "$f")"
	done
	echo "gen-corpus: fuzz_conn: $(count corpus/fuzz_conn) files" \
		"(not minimized: --merge FUZZ_BUILD does it)"
	exit 0
fi
if [ ! -x "$merge/fuzz/fuzz_conn" ]; then
	echo "gen-corpus: $merge/fuzz/fuzz_conn not built (make fuzz," \
		"or a clang build of the target fuzz_conn)" >&2
	exit 2
fi
maxlen=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' \
	fuzz/fuzz_conn.options)
new=$build/seeds/fuzz_conn.merged
rm -rf "$new"
mkdir -p "$new"
before=$(count corpus/fuzz_conn)
"$merge/fuzz/fuzz_conn" -merge=1 ${maxlen:+-max_len=$maxlen} "$new" \
	corpus/fuzz_conn "$seeds" >"$build/seeds/fuzz_conn.merge.log" 2>&1 || {
	echo "gen-corpus: the merge failed: $build/seeds/fuzz_conn.merge.log" >&2
	exit 1
}
# The reproducers of fixed bugs stay, under their names, and so do the
# inputs the tests of harness/tests/ name.
for f in corpus/fuzz_conn/fc_repro_*; do
	[ -f "$f" ] || continue
	rm -f "$new/$(sha1 "$f")"
	cp "$f" "$new/"
done
grep -ho '[0-9a-f]\{40\}' harness/tests/*.sh | sort -u | while read -r h; do
	[ ! -f "corpus/fuzz_conn/$h" ] || cp "corpus/fuzz_conn/$h" "$new/"
done
kept=0
for f in "$seeds"/*; do
	[ -f "$f" ] && [ -f "$new/$(sha1 "$f")" ] && kept=$((kept + 1))
done
find corpus/fuzz_conn -maxdepth 1 -type f ! -name '.*' -exec rm -f {} +
cp "$new"/* corpus/fuzz_conn/
echo "gen-corpus: fuzz_conn: $before files and $(count "$seeds")" \
	"vector seeds merged into $(count corpus/fuzz_conn) files" \
	"($kept of the vector seeds among them)"
