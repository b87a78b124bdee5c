# Thin wrapper over meson for the everyday commands. See README.md.
BUILD ?= build
ASAN_BUILD ?= build-asan
PERFGATE = $(BUILD)/src/perfgate
VALGRIND = valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect

.PHONY: all build test test-unit test-sanitize test-valgrind bench deps clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) --werror

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Everything CI runs: warnings are errors, every suite, then the unit suites
# under AddressSanitizer/UBSan and under valgrind.
test: build
	meson test -C $(BUILD) --print-errorlogs
	$(MAKE) test-sanitize test-valgrind

test-unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --werror -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

test-sanitize: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	  meson test -C $(ASAN_BUILD) --suite unit --print-errorlogs

test-valgrind: build
	CK_FORK=no meson test -C $(BUILD) --suite unit --print-errorlogs --wrap='$(VALGRIND)'

# Run the gate on the shipped schema, dataset, registry and baselines.
bench: build
	$(PERFGATE) pg start -v > /dev/null
	$(PERFGATE) pg stop

deps:
	bash ci/install-deps.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
