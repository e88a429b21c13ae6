# shakedown: the two commands of the README are `make run` and `make test`.
# This Makefile only drives scripts/install-deps.sh, CMake and ctest; the
# build itself is described in CMakeLists.txt.
#
#   make deps          install missing Debian packages (root) or say which
#   make build         configure build/ (Debug, ASan+UBSan, -Werror), build
#   make test          build, then run every ctest; ends with ctest's summary
#   make run           build, run conformance/ against the reference stack
#   make bench         Release build in build-bench/ without sanitizers, run
#                      the benchmarks (bench_linux.sh: the linux target
#                      serially and with --jobs 8; skipped without root
#                      and /dev/net/tun)
#   make format        clang-format -i over the C sources
#   make format-check  fail if clang-format would change a C source
#   make clean         remove build/ and build-bench/

BUILD       ?= build
BENCH_BUILD ?= build-bench
JOBS        ?= 2
CMAKE       ?= cmake
CTEST       ?= ctest
CTEST_FLAGS ?= -j$(JOBS) --output-on-failure --no-label-summary \
               --no-tests=error
CLANG_FORMAT ?= $(shell command -v clang-format-14 || command -v clang-format)

# Directories holding C sources of our own (never build trees).
SRC_DIRS := stack harness conformance fuzz bench corpus
C_FILES   = $(shell find $(SRC_DIRS) -name '*.[ch]' -type f 2>/dev/null | sort)

MAKEFLAGS += --no-print-directory

.PHONY: all deps build test run bench format format-check clean requirements

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHAKEDOWN_HARNESS=ON
	$(CMAKE) --build $(BUILD) -j$(JOBS)

test: build
	$(CTEST) --test-dir $(BUILD) $(CTEST_FLAGS)

# Runs every conformance script under conformance/ against the reference
# stack: a line per script, then "N passed, N failed, N skipped". RUN_ARGS
# adds options (make run RUN_ARGS="--verbose --junit build/junit.xml").
RUN_ARGS ?=
run: build
	$(BUILD)/shakedown run $(RUN_ARGS) conformance/

# Regenerates conformance/REQUIREMENTS.md, the requirement matrix on the
# reference (never edited by hand; ctest's harness/requirements_md checks
# it). Status 1 (uncovered wire MUSTs, failures) still writes the file.
# scripts/gen-requirements.sh regenerates conformance/requirements.tsv
# from the checklist when that changes.
requirements: build
	@$(BUILD)/shakedown matrix --markdown conformance/vectors \
	    >conformance/REQUIREMENTS.md.tmp; rc=$$?; \
	if [ $$rc -gt 1 ]; then rm -f conformance/REQUIREMENTS.md.tmp; exit $$rc; fi; \
	mv conformance/REQUIREMENTS.md.tmp conformance/REQUIREMENTS.md; \
	grep -E '^\* (MUST|SHOULD|MAY|RECOMMENDED):' conformance/REQUIREMENTS.md

bench: deps
	$(CMAKE) -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
	    -DSHAKEDOWN_SANITIZE=OFF -DSHAKEDOWN_TESTS=OFF
	$(CMAKE) --build $(BENCH_BUILD) -j$(JOBS)
	@rc=0; \
	if [ -x $(BENCH_BUILD)/bench/bench_stack ]; then \
	    $(BENCH_BUILD)/bench/bench_stack || rc=$$?; \
	else \
	    echo "no bench_stack: $(BENCH_BUILD)/bench/bench_stack was not built"; \
	fi; \
	if [ -x $(BENCH_BUILD)/bench/bench_scripts ]; then \
	    $(BENCH_BUILD)/bench/bench_scripts -C "$(CURDIR)" || rc=$$?; \
	else \
	    echo "no bench_scripts: $(BENCH_BUILD)/bench/bench_scripts was not built"; \
	fi; \
	sh bench/bench_linux.sh $(BENCH_BUILD)/shakedown "$(CURDIR)" || rc=$$?; \
	exit $$rc

define need_clang_format
	@if [ -z "$(CLANG_FORMAT)" ]; then \
	    echo "clang-format not found: apt-get install -y clang-format-14" >&2; \
	    exit 1; \
	fi
endef

format:
	$(need_clang_format)
	@$(CLANG_FORMAT) -i $(C_FILES)

format-check:
	$(need_clang_format)
	@$(CLANG_FORMAT) --dry-run --Werror $(C_FILES) && \
	    echo "format-check: $(words $(C_FILES)) files clean"

clean:
	rm -rf $(BUILD) $(BENCH_BUILD)
