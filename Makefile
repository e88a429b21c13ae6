# shakedown: the two commands of the README are `make run` and `make test`.
# This Makefile only drives scripts/install-deps.sh, CMake and ctest; the
# build itself is described in CMakeLists.txt.
#
#   make deps          install missing Debian packages (root) or say which
#   make build         configure build/ (Debug, ASan+UBSan, -Werror), build
#   make test          build, then run every ctest; ends with ctest's summary
#   make run           build, check the stack, say what works today
#   make bench         Release build in build-bench/ without sanitizers, run
#                      the benchmarks
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

.PHONY: all deps build test run bench format format-check clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug
	$(CMAKE) --build $(BUILD) -j$(JOBS)

test: build
	$(CTEST) --test-dir $(BUILD) $(CTEST_FLAGS)

# Until the harness lands (issue 3) there is no conformance runner to start:
# run the stack's own checks quietly and say so. When build/shakedown exists
# it is run instead (RUN_ARGS, default "run").
RUN_ARGS ?= run
run: build
	@if [ -x $(BUILD)/shakedown ]; then \
	    echo "$(BUILD)/shakedown $(RUN_ARGS)"; \
	    exec $(BUILD)/shakedown $(RUN_ARGS); \
	fi; \
	log=$(BUILD)/run-ctest.log; \
	if ! $(CTEST) --test-dir $(BUILD) $(CTEST_FLAGS) >$$log 2>&1; then \
	    cat $$log; exit 1; \
	fi; \
	echo; \
	grep -E 'tests passed' $$log; \
	echo; \
	echo "What works today: the reference TCP stack (stack/, libtcpref) builds"; \
	echo "and passes its unit tests and purity checks (full log: $$log)."; \
	echo "The conformance runner (build/shakedown), the vector suite, the Linux"; \
	echo "target, fuzzing and coverage arrive with the next issues (issue 3 for"; \
	echo "the runner); until then 'make test' runs everything there is and"; \
	echo "'make bench' prints the stack's throughput figures."

bench: deps
	$(CMAKE) -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
	    -DSHAKEDOWN_SANITIZE=OFF -DSHAKEDOWN_TESTS=OFF
	$(CMAKE) --build $(BENCH_BUILD) -j$(JOBS)
	@if [ -x $(BENCH_BUILD)/bench/bench_stack ]; then \
	    $(BENCH_BUILD)/bench/bench_stack; \
	else \
	    echo "no benchmark yet: $(BENCH_BUILD)/bench/bench_stack was not built"; \
	    echo "(there are no bench/*.c sources yet)"; \
	fi

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
