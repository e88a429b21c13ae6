#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of the fuzz targets of fuzz/.
#
# The builder image runs this from the repository root ($SRC/shakedown)
# with the usual variables: $CC and $CFLAGS carry the sanitizer and the
# engine's coverage instrumentation (e.g. -fsanitize=fuzzer-no-link),
# $CXX and $CXXFLAGS link, $LIB_FUZZING_ENGINE is the engine's link flag or
# archive, $OUT receives the fuzzers with their seed corpora, dictionaries
# and .options, $WORK is scratch space.
#
# The sources are compiled here rather than through the project's CMake:
# that adds sanitizer flags of its own (here they must come from $CFLAGS
# only) and needs CMake >= 3.20, newer than some builder images ship.
# What goes into each library follows stack/CMakeLists.txt (tcpref:
# stack/src/*.c) and harness/CMakeLists.txt (shakedown_core:
# harness/src/*.c but main.c); keep them in step.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${OUT:?OUT must be set (where the fuzzers go)}"
: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
BUILD=${WORK:-/tmp}/shakedown-cflite

TARGETS="fuzz_wire fuzz_script fuzz_conn fuzz_pair"
# C11 as in CMakeLists.txt; no -Werror: the compiler is not ours to pick.
STD="-std=c11"

rm -rf "$BUILD"
mkdir -p "$BUILD/tcpref" "$BUILD/core" "$BUILD/fuzz" "$OUT"

# lib NAME SRCDIR FLAGS...: compiles SRCDIR/*.c (but the CLI's own files,
# which link fuzz drivers) with $CC $CFLAGS and FLAGS into $BUILD/NAME/,
# then archives lib NAME.a. Fails when a compile fails.
lib() {
	local name=$1 dir=$2 src obj pid pids="" rc=0
	shift 2
	mkdir -p "$BUILD/$name"
	for src in "$dir"/*.c; do
		case $(basename "$src") in main.c | repro.c | repro_diff.c) continue ;; esac
		obj=$BUILD/$name/$(basename "$src" .c).o
		$CC $CFLAGS $STD "$@" -c "$src" -o "$obj" &
		pids="$pids $!"
	done
	for pid in $pids; do
		wait "$pid" || rc=1
	done
	[ "$rc" = 0 ] || { echo "build.sh: compiling $dir failed" >&2; exit 1; }
	ar rcs "$BUILD/lib$name.a" "$BUILD/$name"/*.o
}

# LEAN (fuzz/CMakeLists.txt): with libFuzzer's instrumentation, fuzz_conn
# and fuzz_pair and the libraries they drive are built without compare
# tracing, stack-depth and indirect-call instrumentation, and without the
# functions of fuzz/lean.ignorelist; same coverage in equal time, 1.6 to 2
# times the executions. Other engines get the plain build.
LEAN=""
case " $CFLAGS " in
*fuzzer-no-link*)
	LEAN="-fno-sanitize-coverage=trace-cmp,stack-depth,indirect-calls"
	LEAN="$LEAN -fsanitize-coverage-ignorelist=$ROOT/fuzz/lean.ignorelist"
	;;
esac

# The reference stack: freestanding, no malloc builtins (stack/CMakeLists).
lib tcpref "$ROOT/stack/src" -I"$ROOT/stack/include" -I"$ROOT/stack/src" \
	-ffreestanding -fno-builtin-malloc
# The harness core (the script parser of fuzz_script lives there).
COREFLAGS="-D_GNU_SOURCE -DSHAKEDOWN_PROFILE_DIR=\"$ROOT/conformance/profiles\""
COREFLAGS="$COREFLAGS -I$ROOT/harness/include -I$ROOT/harness/src"
# target_ref.c reads the reference plugin's header (no fuzz target links
# the ref target, so the plugin's sources stay out of the archive).
COREFLAGS="$COREFLAGS -I$ROOT/plugins/ref"
COREFLAGS="$COREFLAGS -I$ROOT/stack/include $(pkg-config --cflags libpcap 2>/dev/null || true)"
# shellcheck disable=SC2086
lib core "$ROOT/harness/src" $COREFLAGS
if [ -n "$LEAN" ]; then
	# shellcheck disable=SC2086
	lib tcpref_lean "$ROOT/stack/src" -I"$ROOT/stack/include" \
		-I"$ROOT/stack/src" -ffreestanding -fno-builtin-malloc $LEAN
	# shellcheck disable=SC2086
	lib core_lean "$ROOT/harness/src" $COREFLAGS $LEAN
fi

for t in $TARGETS; do
	case $t in
	fuzz_script | fuzz_conn | fuzz_pair)
		# fuzz_conn's and fuzz_pair's oracles live in the harness
		# core (oracle.c).
		incs="-I$ROOT/harness/include -I$ROOT/stack/include"
		# Only what the parser needs is pulled from the archives; with
		# --as-needed, libpcap and libnet (which the runner image lacks)
		# are not recorded as dependencies unless really used.
		libs="$BUILD/libcore.a $BUILD/libtcpref.a -Wl,--as-needed -lpcap -lnet -lpthread"
		;;
	*)
		incs="-I$ROOT/stack/include"
		libs="$BUILD/libtcpref.a"
		;;
	esac
	lean=""
	case $t in
	fuzz_conn | fuzz_pair)
		if [ -n "$LEAN" ]; then
			lean=$LEAN
			libs=$(echo "$libs" | sed "s#/libcore.a#/libcore_lean.a#; s#/libtcpref.a#/libtcpref_lean.a#")
		fi
		;;
	esac
	# shellcheck disable=SC2086
	$CC $CFLAGS $STD $incs $lean -c "$ROOT/fuzz/$t.c" -o "$BUILD/fuzz/$t.o"
	# Linked with $CXX: some engines' $LIB_FUZZING_ENGINE is C++.
	$CXX $CXXFLAGS "$BUILD/fuzz/$t.o" -o "$OUT/$t" $LIB_FUZZING_ENGINE $libs

	# Seeds, dictionary and options under the names the runner looks for.
	if [ -d "$ROOT/corpus/$t" ] && [ -n "$(ls -A "$ROOT/corpus/$t")" ]; then
		rm -f "$OUT/${t}_seed_corpus.zip"
		(cd "$ROOT/corpus/$t" && zip -q -r -X "$OUT/${t}_seed_corpus.zip" .)
	fi
	[ -f "$ROOT/fuzz/$t.dict" ] && cp "$ROOT/fuzz/$t.dict" "$OUT/$t.dict"
	[ -f "$ROOT/fuzz/$t.options" ] && cp "$ROOT/fuzz/$t.options" "$OUT/$t.options"
done

echo "build.sh: built $TARGETS into $OUT"
