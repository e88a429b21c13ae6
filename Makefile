# shakedown: the two commands of the README are `make run` and `make test`.
# This Makefile only drives scripts/install-deps.sh, CMake and ctest; the
# build itself is described in CMakeLists.txt.
#
#   make deps          install missing Debian packages (root) or say which
#   make build         configure build/ (Debug, ASan+UBSan, -Werror), build
#   make test          build, run every ctest, then a 60 s libFuzzer smoke
#   make run           build, run conformance/ against the reference stack
#   make bench         Release build in build-bench/ without sanitizers, run
#                      the benchmarks (bench_linux.sh: the linux target
#                      serially and with --jobs 8; skipped without root
#                      and /dev/net/tun)
#   make fuzz          clang-14 build in build-fuzz/, run every libFuzzer
#                      target FUZZ_SECONDS (60) on a copy of its corpus,
#                      merge new inputs into corpus/<target>/; fails with
#                      the crash file's path when a target crashes
#   make fuzz-diff     fuzz_diff_lwip (lwIP against the reference) for
#                      DIFF_SECONDS (600) in fork mode; lwIP's crashes and
#                      one input per difference signature are kept
#   make fuzz-afl      AFL++ build in build-afl/, one afl-fuzz per core
#                      (-M main, -S secN) on build-afl/sync for AFL_SECONDS
#                      (60) on AFL_TARGET (fuzz_conn); installs afl++ (root)
#   make coverage      gcov build in build-coverage/: unit tests, the suite
#                      on the reference, the fuzz corpora; the report is
#                      build/coverage/index.html (lcov, state machine,
#                      requirement matrix), its summary printed at the end
#   make format        clang-format -i over the C sources
#   make format-check  fail if clang-format would change a C source
#   make clean         remove build/, build-bench/, build-fuzz/, build-afl/,
#                      build-coverage/

BUILD       ?= build
BENCH_BUILD ?= build-bench
JOBS        ?= 2
CMAKE       ?= cmake
CTEST       ?= ctest
CTEST_FLAGS ?= -j$(JOBS) --output-on-failure --no-label-summary \
               --no-tests=error
CLANG_FORMAT ?= $(shell command -v clang-format-14 || command -v clang-format)

# Directories holding C sources of our own (never build trees).
SRC_DIRS := stack harness conformance fuzz bench corpus plugins
C_FILES   = $(shell find $(SRC_DIRS) -name '*.[ch]' -type f 2>/dev/null | sort)

MAKEFLAGS += --no-print-directory

.PHONY: all deps build test run bench format format-check clean requirements \
        fuzz fuzz-smoke fuzz-afl fuzz-diff coverage

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug -DSHAKEDOWN_HARNESS=ON
	$(CMAKE) --build $(BUILD) -j$(JOBS)

test: build
	$(CTEST) --test-dir $(BUILD) $(CTEST_FLAGS)
	@$(MAKE) fuzz-smoke

# The libFuzzer smoke of `make test`: every target 15 s from its corpus
# (60 s in all), nothing merged back; a crash fails it. A fixed seed keeps
# it repeatable: new finds come from make fuzz campaigns, not at random in
# CI.
fuzz-smoke:
	@$(MAKE) fuzz FUZZ_SECONDS=15 FUZZ_MERGE=0 FUZZ_SEED=1

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

# The coverage report (scripts/coverage.sh): lines, functions and branches
# of stack/ and harness/, the RFC 9293 edges each of the unit tests, the
# vectors and the fuzz corpora took, and the requirement matrix.
COVERAGE_BUILD ?= build-coverage
coverage: deps
	@sh scripts/coverage.sh $(COVERAGE_BUILD) $(BUILD)/coverage

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
	if command -v clang-14 >/dev/null 2>&1; then \
	    CC=clang-14 sh bench/bench_fuzz.sh \
	        -s $(or $(BENCH_FUZZ_SECONDS),20) \
	        "$(CURDIR)" || rc=$$?; \
	else \
	    echo "bench_fuzz: skipped: clang-14 not found"; \
	fi; \
	exit $$rc

# Coverage-guided fuzzing with libFuzzer: each target of fuzz/ runs for
# FUZZ_SECONDS on a scratch copy of corpus/<target>/ (with fuzz/<target>.dict
# when there is one); what it found that adds coverage is merged back into
# corpus/<target>/ (-merge=1). A crash fails the target and prints the path
# of the input that crashed; replay it with build/fuzz/replay_<target> FILE.
# FUZZ_SEED=N passes -seed=N (the smoke of make test uses 1).
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_MERGE   ?= 1
FUZZ_SEED    ?=
FUZZ_TARGETS ?= fuzz_wire fuzz_script fuzz_conn fuzz_pair
# The clang build of make fuzz and make fuzz-diff.
FUZZ_CONFIGURE = $(CMAKE) -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=$(FUZZ_CC) -DSHAKEDOWN_HARNESS=ON -DSHAKEDOWN_TESTS=OFF
fuzz: deps
	$(FUZZ_CONFIGURE)
	$(CMAKE) --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	@rc=0; \
	for t in $(FUZZ_TARGETS); do \
	    bin=$(FUZZ_BUILD)/fuzz/$$t; work=$(FUZZ_BUILD)/fuzz-run/$$t; \
	    if [ ! -x $$bin ]; then \
	        echo "make fuzz: $$t: $$bin was not built" >&2; rc=1; continue; \
	    fi; \
	    if [ ! -d corpus/$$t ]; then \
	        echo "make fuzz: $$t: no corpus/$$t (scripts/gen-corpus.sh)" >&2; \
	        rc=1; continue; \
	    fi; \
	    rm -rf $$work; mkdir -p $$work/corpus $$work/crash; \
	    cp corpus/$$t/* $$work/corpus/ 2>/dev/null || true; \
	    dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
	    ml=$$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/-max_len=\1/p' \
	        fuzz/$$t.options 2>/dev/null); dict="$$dict $$ml"; \
	    echo "make fuzz: $$t for $(FUZZ_SECONDS) s (log: $$work/log)"; \
	    if ! ASAN_OPTIONS=strict_string_checks=1:$${ASAN_OPTIONS:-} \
	        $$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) \
	        -artifact_prefix=$$work/crash/ $$dict $$work/corpus \
	        >$$work/log 2>&1; then \
	        crash=$$(ls $$work/crash/* 2>/dev/null | head -n 1); \
	        grep -E 'invariant|ERROR|SUMMARY' $$work/log | head -n 5 >&2; \
	        echo "make fuzz: $$t CRASHED: $${crash:-see $$work/log}" >&2; \
	        rc=1; \
	    fi; \
	    before=$$(ls corpus/$$t | wc -l); \
	    if [ "$(FUZZ_MERGE)" = 1 ]; then \
	        $$bin -merge=1 $$dict corpus/$$t $$work/corpus \
	            >$$work/merge.log 2>&1 || rc=1; \
	    fi; \
	    after=$$(ls corpus/$$t | wc -l); \
	    eps=$$(grep -o 'average_exec_per_sec: *[0-9]*' $$work/log | \
	        grep -o '[0-9]*$$'); \
	    echo "make fuzz: $$t: $${eps:-?} exec/s," \
	        "$$((after - before)) new inputs merged into corpus/$$t"; \
	done; \
	exit $$rc

# The differential campaign (issue 8): fuzz_diff_lwip drives lwIP and the
# reference with the same records and reports where they differ
# (fuzz/DIFF.md). It runs for DIFF_SECONDS (600) in libFuzzer's fork mode
# (DIFF_JOBS workers, default 1, -ignore_crashes=1), so that an lwIP
# assertion (an abort, a finding of its own) is saved under
# $(FUZZ_BUILD)/fuzz-diff/crash/ and the campaign goes on; the first input
# of each new difference signature goes to $(FUZZ_BUILD)/fuzz-diff/sigs/.
# `build/shakedown repro --diff lwip FILE` turns either into a .pkt. New
# inputs are merged into corpus/fuzz_diff_lwip/ (FUZZ_MERGE=0: not). Not
# part of make fuzz: its findings are lwIP's, and it needs liblwip-dev.
DIFF_SECONDS ?= 600
DIFF_JOBS    ?= 1
fuzz-diff: deps
	$(FUZZ_CONFIGURE)
	$(CMAKE) --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_diff_lwip
	@bin=$(FUZZ_BUILD)/fuzz/fuzz_diff_lwip; w=$(FUZZ_BUILD)/fuzz-diff; \
	if [ ! -x $$bin ]; then \
	    echo "make fuzz-diff: $$bin was not built (liblwip-dev missing?" \
	        "apt-get install -y liblwip-dev)" >&2; exit 1; \
	fi; \
	rm -rf $$w; mkdir -p $$w/corpus $$w/crash $$w/sigs; \
	cp corpus/fuzz_diff_lwip/* $$w/corpus/; \
	echo "make fuzz-diff: $(DIFF_SECONDS) s, $(DIFF_JOBS) job(s) (log: $$w/log)"; \
	FUZZ_DIFF_SAVE=$$w/sigs $$bin -fork=$(DIFF_JOBS) -ignore_crashes=1 \
	    -max_total_time=$(DIFF_SECONDS) -print_final_stats=1 \
	    $(if $(FUZZ_SEED),-seed=$(FUZZ_SEED)) -dict=fuzz/fuzz_diff_lwip.dict \
	    -max_len=512 -artifact_prefix=$$w/crash/ $$w/corpus \
	    >$$w/log 2>&1 || { tail -n 5 $$w/log >&2; exit 1; }; \
	before=$$(ls corpus/fuzz_diff_lwip | wc -l); \
	if [ "$(FUZZ_MERGE)" = 1 ]; then \
	    $$bin -merge=1 -max_len=512 corpus/fuzz_diff_lwip $$w/corpus \
	        >$$w/merge.log 2>&1 || exit 1; \
	fi; \
	after=$$(ls corpus/fuzz_diff_lwip | wc -l); \
	grep -E '^#[0-9]+: cov' $$w/log | tail -n 1; \
	echo "make fuzz-diff: $$(ls $$w/crash | wc -l) lwIP crash(es) in" \
	    "$$w/crash, $$(ls $$w/sigs | wc -l) difference signature(s) in" \
	    "$$w/sigs, $$((after - before)) new inputs merged into" \
	    "corpus/fuzz_diff_lwip"

# Coverage-guided fuzzing with AFL++ (afl-clang-fast, persistent mode through
# its libFuzzer driver): builds afl_<AFL_TARGET> in AFL_BUILD, then runs
# one afl-fuzz per core (AFL_JOBS, default nproc): a main (-M main) and
# AFL_JOBS-1 secondaries (-S sec<N>) sharing AFL_SYNC, each for AFL_SECONDS
# (-V), from corpus/<target>/ with fuzz/<target>.dict when there is one and
# the max_len of fuzz/<target>.options (-G). Prints afl-whatsup's summary
# (without the tput noise of Debian's afl-whatsup) and fails with the
# first crash's path. AFL_SANITIZE=1 (default) builds with ASan+UBSan, 0
# without; AFL_RESUME=1 resumes AFL_SYNC instead of starting it over.
AFL_BUILD    ?= build-afl
AFL_SYNC     ?= $(AFL_BUILD)/sync
AFL_CC       ?= afl-clang-fast
AFL_TARGET   ?= fuzz_conn
AFL_SECONDS  ?= 60
AFL_JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
AFL_SANITIZE ?= 1
AFL_RESUME   ?= 0
# In CMAKE_C_FLAGS (not AFL_USE_ASAN) so that CMake rebuilds when it changes.
SD_AFL_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz-afl: deps
	@if ! command -v $(AFL_CC) >/dev/null 2>&1 || \
	    ! command -v afl-fuzz >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "make fuzz-afl: installing AFL++"; \
	        apt-get install -y afl++ || \
	            { apt-get update && apt-get install -y afl++; } || exit 1; \
	    else \
	        echo "make fuzz-afl: AFL++ is missing; run:" >&2; \
	        echo "    sudo apt-get install -y afl++" >&2; \
	        exit 1; \
	    fi; \
	fi
	@if [ ! -d corpus/$(AFL_TARGET) ]; then \
	    echo "make fuzz-afl: no corpus/$(AFL_TARGET)" >&2; exit 1; \
	fi
	$(CMAKE) -S . -B $(AFL_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_COMPILER=$(AFL_CC) -DSHAKEDOWN_HARNESS=ON \
	    -DSHAKEDOWN_TESTS=OFF -DSHAKEDOWN_SANITIZE=OFF \
	    -DCMAKE_C_FLAGS="$(if $(filter 1,$(AFL_SANITIZE)),$(SD_AFL_SAN))"
	AFL_QUIET=1 $(CMAKE) --build $(AFL_BUILD) -j$(JOBS) \
	    --target afl_$(AFL_TARGET)
	@export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_TRY_AFFINITY=1 \
	    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1; \
	t=$(AFL_TARGET); bin=$(AFL_BUILD)/fuzz/afl_$$t; sync=$(AFL_SYNC); \
	logs=$(AFL_BUILD)/log; n=$(AFL_JOBS); [ "$$n" -ge 1 ] || n=1; \
	if [ "$(AFL_RESUME)" = 1 ]; then export AFL_AUTORESUME=1; \
	else rm -rf $$sync; fi; \
	mkdir -p $$sync $$logs; \
	args="-i corpus/$$t -o $$sync -V $(AFL_SECONDS)"; \
	[ -f fuzz/$$t.dict ] && args="$$args -x fuzz/$$t.dict"; \
	ml=$$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' \
	    fuzz/$$t.options 2>/dev/null); \
	[ -n "$$ml" ] && args="$$args -G $$ml"; \
	echo "make fuzz-afl: $$t, $$n instances (-M main, $$((n - 1)) -S)," \
	    "$(AFL_SECONDS) s, sync dir $$sync (logs: $$logs/)"; \
	pids=; i=0; while [ $$i -lt $$n ]; do \
	    if [ $$i = 0 ]; then role="-M main"; name=main; \
	    else role="-S sec$$i"; name=sec$$i; fi; \
	    afl-fuzz $$role $$args -- $$bin >$$logs/$$name.log 2>&1 & \
	    pids="$$pids $$!"; i=$$((i + 1)); \
	done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	afl-whatsup -s -d $$sync 2>&1 | grep -v '^tput: '; \
	if [ $$rc != 0 ]; then \
	    tail -n 5 $$logs/*.log >&2; \
	    echo "make fuzz-afl: an afl-fuzz instance failed (see $$logs/)" >&2; \
	fi; \
	crash=$$(ls $$sync/*/crashes/id:* 2>/dev/null | head -n 1); \
	if [ -n "$$crash" ]; then \
	    echo "make fuzz-afl: $$t CRASHED: $$crash" \
	        "(replay: build/fuzz/replay_$$t FILE)" >&2; rc=1; \
	fi; \
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
	rm -rf $(BUILD) $(BENCH_BUILD) $(FUZZ_BUILD) $(AFL_BUILD) $(COVERAGE_BUILD)
