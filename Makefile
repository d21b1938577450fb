# Flywheel: thin wrapper over scripts/install-deps.sh, CMake and CTest.
#   make          install dependencies, build build/flywheel (Release)
#   make demo     ... then run the demo on the embedded workspace
#   make test     ... then run every test (unit, integration, slow)
#   make test-fast    skip the slow statistical sweeps
#   make test-asan    unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan    the server unit tests and the fuzz corpus replay under ThreadSanitizer
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo -G Ninja)

.PHONY: all deps build demo test test-fast test-asan test-tsan bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/flywheel

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

test-asan: deps
	@test -f $(ASAN_BUILD)/CMakeCache.txt || cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) \
	  -DCMAKE_BUILD_TYPE=Debug -DFW_SANITIZE="address;undefined"
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target fw_unit_tests
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit --timeout 1200

# Only the server (threads: event loops, worker pool, committer, background reloader) is built under TSan;
# the test names come from the binary itself. tests/tsan.supp: third-party reports only.
test-tsan: deps
	@test -f $(TSAN_BUILD)/CMakeCache.txt || cmake -S . -B $(TSAN_BUILD) $(CMAKE_GEN) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFW_SANITIZE=thread
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target fw_server_test fw_request_body_fuzz_replay \
	  fw_http_request_fuzz_replay
	@cd $(TSAN_BUILD) && \
	  suites=$$(tests/unit/server/fw_server_test --gtest_list_tests | grep -E '^[A-Za-z_0-9]+\.$$' | tr -d . | paste -sd'|') && \
	  TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS) --timeout 600 -R "^($$suites)\.|^request_body_fuzz_replay$$|^http_request_fuzz_replay$$"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
