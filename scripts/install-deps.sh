#!/bin/sh
# Installs the Debian packages shakedown needs, and only the missing ones.
#
#   scripts/install-deps.sh          check; install what is missing when root
#   scripts/install-deps.sh --list   print the package list and exit
#
# Nothing missing: exits 0 without a word. Something missing and root:
# apt-get update, then apt-get install of the missing packages. Something
# missing and not root: prints the exact command to run and exits 1.
# Works on a minimal Debian 12 / Ubuntu (POSIX sh, dpkg-query, apt-get).
# SHAKEDOWN_DEPS_EXTRA (space-separated) appends packages to the list; the
# tests of this script use it, nothing else should need to.
set -eu

# The one list of the project's Debian packages, and what each is for.
PACKAGES="
build-essential
make
cmake
pkg-config
binutils
libcmocka-dev
clang-14
libclang-rt-14-dev
libpcap-dev
libnet1-dev
clang-format-14
lcov
graphviz
liblwip-dev
"
# build-essential     gcc, libc headers: the default compiler
# make                runs this Makefile
# cmake               configures the build (3.20 or newer)
# pkg-config          finds cmocka (and later libpcap/libnet) for CMake
# binutils            nm for the purity check of the stack library
# libcmocka-dev       unit tests (stack/tests)
# clang-14            libFuzzer builds of fuzz/ (-fsanitize=fuzzer)
# libclang-rt-14-dev  clang's runtimes: libFuzzer, ASan and UBSan for clang
# libpcap-dev         writes pcap captures of every run (harness/)
# libnet1-dev         builds the frames injected into a TAP device (harness/)
# clang-format-14     the format test: sources follow .clang-format
# lcov                line coverage of stack/ by a fuzz corpus
#                     (scripts/fuzz-coverage.sh) and the coverage report
# graphviz            dot draws the state machine of the coverage report
# liblwip-dev         lwIP 2.1.3, the stack of the lwip target (plugins/lwip)

# One line, single spaces (word splitting of the list is wanted throughout).
# shellcheck disable=SC2086,SC2116
PACKAGES=$(echo $PACKAGES ${SHAKEDOWN_DEPS_EXTRA:-})

if [ "${1:-}" = "--list" ]; then
	for p in $PACKAGES; do
		echo "$p"
	done
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found: this script knows Debian and" \
	    "Ubuntu only; install the equivalents of: $PACKAGES" >&2
	exit 1
fi

missing=""
for p in $PACKAGES; do
	# "install ok installed" is the only state that counts as present;
	# removed-but-configured ("deinstall ok config-files") does not.
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
missing=${missing# }

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages: $missing" >&2
	echo "install-deps: run as root (or with sudo):" >&2
	echo "apt-get update && apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

echo "install-deps: installing: $missing" >&2
apt_opts=""
if [ -n "${SHAKEDOWN_DEPS_DRY_RUN:-}" ]; then
	apt_opts="-s" # simulate only (tests of this script)
fi
if [ -z "$apt_opts" ]; then
	apt-get update
fi
# shellcheck disable=SC2086 # word splitting of the package list is wanted
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    $apt_opts $missing
