# Flywheel: thin wrapper over scripts/install-deps.sh, CMake and CTest.
#   make          install dependencies, build build/flywheel (Release)
#   make demo     ... then run the demo on the embedded workspace
#   make test     ... then run every test (unit, integration, slow)
#   make test-fast    skip the slow statistical sweeps
#   make test-asan    unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo -G Ninja)

.PHONY: all deps build demo test test-fast test-asan bench clean

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
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit --timeout 1200

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
