#!/bin/sh
# Checks the conformance suite against deliberately broken reference stacks
# (issue 5): each single-point fault of scripts/faults.tsv is applied in turn
# to a scratch copy of the tree, and some vector must fail for it.
# SPDX-License-Identifier: MIT
#
# Usage: sh scripts/fault-inject.sh [-g] [-m] [-r REPO] [-l FAULTS] [ID...]
#
#   -r REPO    the tree to copy (default: the one holding this script);
#              its working tree is copied as it is, without .git and build
#              trees, into a temporary folder that is removed at the end.
#              REPO itself is never written to.
#   -g         copy REPO's last commit (git archive HEAD) instead of its
#              working tree, e.g. while others have half-done edits in it
#   -l FAULTS  the fault list (default: REPO/scripts/faults.tsv)
#   -m         also print the results as Markdown table rows
#   ID...      run only these faults
#
# The fault list is tab-separated: ID, file (relative to the repository),
# search text, replacement, description. In the two texts '\n' stands for a
# newline, '\t' for a tab and '\\' for a backslash. The search text must
# occur exactly once in the file; otherwise the script names the fault and
# stops before building anything, so the list cannot silently go stale.
# Lines that are empty or start with '#' are ignored. A description that
# starts with "[equivalent]" marks a fault that cannot change what the stack
# does on the wire or at the socket interface (QUALITY.md says why); it is
# still run, must survive, and is left out of the figures.
#
# The scratch tree is configured once (Release, no sanitizers, no -Werror,
# no unit tests) and the unmodified tree must pass first. Then every fault
# is applied to a fresh copy of its file, only the changed file is rebuilt,
# and "shakedown run conformance/vectors" runs with the default profile
# (ref) and with -p legacy (the RFC 793 profile: the vectors that need it
# are skipped on ref). A fault is CAUGHT when some vector fails (or the run
# crashes or hangs) on either profile, SURVIVED when both pass.
#
# One line per fault: ID, CAUGHT, SURVIVED or EQUIVALENT, the number of
# failing vectors and the first two ("legacy:" marks the legacy run). Ends
# with "N of M faults caught" and the figure for stack/src/conn_input.c.
#
# Exit status: 0 when at least 90% of the faults were caught, 1 when fewer
# were, 2 when the list, the copy, the build or the baseline run failed, or
# a fault marked equivalent was caught.
set -u
set -f # no globbing: lists of vector paths are split unquoted below

me=fault-inject.sh
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
faults=
markdown=0
from_head=0
while getopts gmr:l:h opt; do
	case $opt in
	g) from_head=1 ;;
	m) markdown=1 ;;
	r) repo=$(cd "$OPTARG" && pwd) || exit 2 ;;
	l) faults=$OPTARG ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed '$d; /SPDX/d; s/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$faults" ] || faults=$repo/scripts/faults.tsv
if [ ! -r "$faults" ]; then
	echo "$me: cannot read the fault list '$faults'" >&2
	exit 2
fi
faults=$(cd "$(dirname "$faults")" && pwd)/$(basename "$faults")
only=" $* "

runner=
if command -v timeout >/dev/null 2>&1; then
	runner="timeout 300"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fault-inject.XXXXXX") || exit 2
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 2' INT TERM HUP
src=$tmp/src
bld=$tmp/build
orig=$tmp/orig
mkdir -p "$src" "$orig"

# substitute FILE: the one-occurrence text replacement (scripts/faults.sh).
# shellcheck source=scripts/faults.sh
. "$here/faults.sh"

# 1. The copy: the working tree as it is now, without .git and build trees
# (or, with -g, the last commit).
if [ "$from_head" -ne 0 ]; then
	git -C "$repo" archive HEAD | (cd "$src" && tar -xf -)
else
	(cd "$repo" && tar -cf - --exclude=./.git --exclude='./build*' \
		--exclude='./cmake-build-*' .) | (cd "$src" && tar -xf -)
fi
if [ ! -f "$src/CMakeLists.txt" ]; then
	echo "$me: could not copy $repo" >&2
	exit 2
fi

# 2. The list: well-formed, unique IDs, each search text found exactly once.
list=$tmp/faults.list
bad=0
ids=" "
n=0
while IFS='	' read -r id file search repl desc; do
	case $id in '' | '#'*) continue ;; esac
	if [ "$only" != "  " ]; then
		case $only in *" $id "*) ;; *) continue ;; esac
	fi
	if [ -z "$file" ] || [ -z "$search" ] || [ -z "$repl" ] ||
		[ -z "$desc" ]; then
		echo "$me: fault $id: needs 5 tab-separated fields" >&2
		bad=1
		continue
	fi
	case $ids in *" $id "*)
		echo "$me: fault $id: ID used twice" >&2
		bad=1
		;;
	esac
	ids="$ids$id "
	if [ ! -f "$src/$file" ]; then
		echo "$me: fault $id: no file $file" >&2
		bad=1
		continue
	fi
	if ! cnt=$(FI_SEARCH=$search FI_REPLACE=$repl \
		substitute "$src/$file" 2>&1 >/dev/null); then
		echo "$me: fault $id: search text found $cnt times in $file" \
			"(must be exactly once): $search" >&2
		bad=1
		continue
	fi
	n=$((n + 1))
	printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$file" "$search" "$repl" \
		"$desc" >>"$list"
done <"$faults"
for id in $only; do
	case $ids in *" $id "*) ;; *)
		echo "$me: no fault $id in $faults" >&2
		bad=1
		;;
	esac
done
if [ "$bad" -ne 0 ]; then
	echo "$me: the fault list does not match the tree; nothing was run" >&2
	exit 2
fi
if [ "$n" -eq 0 ]; then
	echo "$me: no faults to run" >&2
	exit 2
fi

# 3. Configure and build once; the unmodified tree must pass.
echo "$me: $n faults from $faults; scratch tree $src"
if ! cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Release \
	-DSHAKEDOWN_HARNESS=ON -DSHAKEDOWN_SANITIZE=OFF \
	-DSHAKEDOWN_TESTS=OFF -DSHAKEDOWN_WERROR=OFF >"$tmp/cmake.log" 2>&1; then
	cat "$tmp/cmake.log" >&2
	echo "$me: configuring the scratch tree failed" >&2
	exit 2
fi
build() { cmake --build "$bld" --target shakedown --parallel 2 \
	>"$tmp/build.log" 2>&1; }
if ! build; then
	cat "$tmp/build.log" >&2
	echo "$me: building the unmodified tree failed" >&2
	exit 2
fi

# Runs the suite on both profiles; sets $caught (0/1), $nfail, $first (the
# first two failing vectors) and $what (hangs and crashes).
suite() {
	caught=0
	what=
	first=
	nfail=0
	for prof in ref legacy; do
		out=$tmp/run-$prof.out
		popt=
		[ "$prof" = legacy ] && popt="-p legacy"
		# shellcheck disable=SC2086 # $runner and $popt: zero or more words
		(cd "$src" && $runner "$bld/shakedown" run $popt \
			conformance/vectors) >"$out" 2>&1
		rc=$?
		case $rc in
		0) continue ;;
		1) ;;
		124) what="$what ${prof}: hung (killed after 300 s);" ;;
		*) what="$what ${prof}: exit $rc (crash?);" ;;
		esac
		caught=1
		pfx=
		[ "$prof" = legacy ] && pfx=legacy:
		k=$(grep -c '^FAIL ' "$out")
		nfail=$((nfail + k))
		first="$first $(grep '^FAIL ' "$out" |
			sed "s|^FAIL conformance/vectors/|$pfx|; s| .*||" |
			tr '\n' ' ')"
	done
	# shellcheck disable=SC2086 # split the list into words
	set -- $first
	first="${1:-}${2:+, $2}"
}

suite
if [ "$caught" -ne 0 ]; then
	cat "$tmp/run-ref.out" "$tmp/run-legacy.out" | grep -v '^PASS' >&2
	echo "$me: the unmodified tree fails the suite; fix that first" >&2
	exit 2
fi
echo "$me: unmodified tree: $(tail -n 1 "$tmp/run-ref.out") (ref)," \
	"$(tail -n 1 "$tmp/run-legacy.out") (legacy)"

# 4. One fault at a time.
total=0
got=0
ci_total=0
ci_got=0
broken=0
equiv=0
equiv_bad=
survivors=
rows=$tmp/rows.md
: >"$rows"
while IFS='	' read -r id file search repl desc; do
	mkdir -p "$orig/$(dirname "$file")"
	[ -f "$orig/$file" ] || cp "$src/$file" "$orig/$file"
	FI_SEARCH=$search FI_REPLACE=$repl substitute "$orig/$file" \
		>"$src/$file"
	if ! build; then
		echo "$id BROKEN (does not build; see below)"
		sed -n '/error/p' "$tmp/build.log" | head -n 5
		broken=$((broken + 1))
		cp "$orig/$file" "$src/$file"
		continue
	fi
	suite
	case $desc in
	'[equivalent]'*)
		equiv=$((equiv + 1))
		if [ "$caught" -ne 0 ]; then
			printf '%-5s CAUGHT although marked equivalent: %s%s\n' \
				"$id" "$first" "$what"
			equiv_bad="$equiv_bad $id"
			res="CAUGHT (marked equivalent!)"
		else
			printf '%-5s EQUIVALENT (survived, as expected)\n' "$id"
			res="equivalent"
		fi
		;;
	*)
		total=$((total + 1))
		[ "$file" = stack/src/conn_input.c ] &&
			ci_total=$((ci_total + 1))
		if [ "$caught" -ne 0 ]; then
			got=$((got + 1))
			[ "$file" = stack/src/conn_input.c ] &&
				ci_got=$((ci_got + 1))
			printf '%-5s CAUGHT   %3d failing: %s%s\n' "$id" "$nfail" \
				"$first" "$what"
			res=CAUGHT
		else
			printf '%-5s SURVIVED %s\n' "$id" "$desc"
			survivors="$survivors $id"
			res=SURVIVED
		fi
		;;
	esac
	[ "$caught" -ne 0 ] || first=
	# shellcheck disable=SC2016 # the backquotes are Markdown
	printf '| %s | `%s` | %s | %s | %s%s |\n' "$id" "${file#stack/src/}" \
		"$desc" "$res" "$first" "$what" >>"$rows"
	# A fresh copy (new mtime), so the next build recompiles it.
	cp "$orig/$file" "$src/$file"
done <"$list"
build || exit 2

if [ "$markdown" -ne 0 ]; then
	echo
	echo '| ID | File | Fault | Result | First failing vectors |'
	echo '|---|---|---|---|---|'
	cat "$rows"
	echo
fi
echo "survivors:${survivors:- none}"
echo "equivalent (not counted): $equiv"
echo "stack/src/conn_input.c: $ci_got of $ci_total faults caught"
echo "$got of $total faults caught"
if [ "$broken" -ne 0 ]; then
	echo "$me: $broken faults did not build; fix the list" >&2
	exit 2
fi
if [ -n "$equiv_bad" ]; then
	echo "$me: caught although marked equivalent:$equiv_bad" >&2
	exit 2
fi
[ $((got * 10)) -ge $((total * 9)) ] || exit 1
exit 0
