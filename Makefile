# Thin wrapper over meson for the everyday commands. See README.md.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# Seconds per fuzz target in `make test` (0: no fuzzing there).
FUZZ_TEST_SECONDS ?= 10
PERFGATE = $(BUILD)/src/perfgate
VALGRIND = valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect

.PHONY: all build test test-unit test-sanitize test-valgrind test-gate test-fuzz bench baselines deps clean fuzz

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) --werror

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Everything CI runs: warnings are errors, every suite (the bad-input corpus
# included), then the unit suites under AddressSanitizer/UBSan and under
# valgrind, then the gate itself on the shipped fixtures against the committed
# baselines, then each fuzz target for FUZZ_TEST_SECONDS when clang is there.
test: build
	meson test -C $(BUILD) --print-errorlogs
	$(MAKE) test-sanitize test-valgrind test-gate test-fuzz

# The project's own gate must pass on its own fixtures and baselines; its
# JUnit in the strict form, checked against junit-10.xsd (docs/junit.md).
test-gate: build
	$(PERFGATE) run -v --junit-format junit10 --junit $(BUILD)/gate-junit.xml --summary $(BUILD)/gate-summary.md --json $(BUILD)/gate-results.json
	xmllint --noout --schema tests/data/junit-10.xsd $(BUILD)/gate-junit.xml

test-unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

test-sanitize: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  meson test -C $(ASAN_BUILD) --suite unit --suite fuzz-corpus --print-errorlogs

test-valgrind: build
	CK_FORK=no meson test -C $(BUILD) --suite unit --print-errorlogs --wrap='$(VALGRIND)'

# Run the gate on the shipped schema, dataset, registry and baselines, as CI
# does (ci/README.md). Reports land in the repository root (git-ignored).
# perfgate's status (0 pass, 1 regression, 2 bad input, 3 infrastructure) shows
# as make's "Error N"; make itself exits 2 on any failure, so CI templates call
# perfgate directly.
#   make bench ONLY='rls,timeline_*'          a subset (perfgate run --only)
#   make bench PERFGATE_ARGS='--iterations 20'  any other perfgate run options
PERFGATE_REPORTS = --junit junit.xml --summary perfgate-summary.md --json perfgate-results.json
PERFGATE_RUN = $(PERFGATE) run $(PERFGATE_REPORTS) $(if $(ONLY),--only '$(ONLY)') $(PERFGATE_ARGS)

bench: build
	$(PERFGATE_RUN)

# Re-record the baselines of the cases that ran (all, or ONLY=...); review the
# diff under baselines/ and commit it.
baselines: build
	$(PERFGATE_RUN) --update-baselines

# Each libFuzzer target (tests/fuzz/README.md) for FUZZ_SECONDS, one after
# the other; needs clang. FUZZ=dataset,plan runs only those.
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --werror -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

fuzz: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz-targets
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ)

# The short fuzz run of `make test`: every target for FUZZ_TEST_SECONDS (a
# crash, leak or sanitizer report fails the test), or a one-line note when
# clang cannot link libFuzzer here (CC=clang needs clang and, on Debian,
# libclang-rt-<version>-dev).
HAVE_LIBFUZZER = $(shell printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' | \
	clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1 && echo yes)

test-fuzz:
ifeq ($(FUZZ_TEST_SECONDS),0)
	@echo "test-fuzz: skipped (FUZZ_TEST_SECONDS=0)"
else
	@if [ "$(HAVE_LIBFUZZER)" = yes ]; then \
	  $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS); \
	else \
	  echo "test-fuzz: skipped: clang with libFuzzer (-fsanitize=fuzzer) not found; make fuzz needs it"; \
	fi
endif

deps:
	bash ci/install-deps.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
