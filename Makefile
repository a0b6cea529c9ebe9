# authex - the user's entry points. `make help` lists them.
#
# The real build is CMake (CMakeLists.txt); this file only picks the build
# directories and compilers, installs missing packages (scripts/deps.sh) and
# runs the tests in a fixed order with one summary at the end.

MAKEFLAGS += --no-print-directory

JOBS      ?= 2
FUZZ_TIME ?= 60
DEMO_SECONDS ?= 8
SOAK_SECONDS ?= 120
CMAKE     ?= cmake
CTEST     ?= ctest

BUILD      := build
BUILD_ASAN := build-asan
BUILD_FUZZ := build-fuzz
BUILD_BENCH := build-bench
BUILD_SOAK := build-soak
DEMO_DIR   := $(BUILD)/demo

# bash for pipefail: ctest's output is teed into a log for the summary.
SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -ec

.PHONY: all deps build test test-gcc test-asan fuzz demo bench soak clean help

all: build

help:
	@echo "authex make targets:"
	@echo "  make            install missing packages, configure and build in $(BUILD)/ (gcc)"
	@echo "  make test       build and run all tests: gcc in $(BUILD)/, then clang +"
	@echo "                  ASan/UBSan in $(BUILD_ASAN)/; prints a summary"
	@echo "  make test-gcc / make test-asan   only one of the two test builds"
	@echo "  make fuzz       build the libFuzzer harnesses in $(BUILD_FUZZ)/ (clang) and run"
	@echo "                  each for FUZZ_TIME seconds (now $(FUZZ_TIME)) on a copy of its corpus"
	@echo "  make demo       build, then run the irrigation example on local nodes (one of them"
	@echo "                  an emulated Cortex-M33 TrustZone board)"
	@echo "                  for DEMO_SECONDS seconds (now $(DEMO_SECONDS)); see examples/irrigation/"
	@echo "  make bench      gcc build in $(BUILD_BENCH)/, then run the benchmarks"
	@echo "                  (bench/run.sh, a few minutes), print a table, write docs/performance.md"
	@echo "  make soak       gcc build in $(BUILD_SOAK)/, then the irrigation stream on three local"
	@echo "                  nodes for SOAK_SECONDS (now $(SOAK_SECONDS)) with faults injected; every event"
	@echo "                  accounted for, memory at start/end (tests/soak/soak.sh, not in make test)"
	@echo "  make deps       only check/install the Debian packages (scripts/deps.sh)"
	@echo "  make clean      remove $(BUILD)/ $(BUILD_ASAN)/ $(BUILD_FUZZ)/"
	@echo "variables: JOBS=$(JOBS) FUZZ_TIME=$(FUZZ_TIME) DEMO_SECONDS=$(DEMO_SECONDS) SOAK_SECONDS=$(SOAK_SECONDS)"

# AX_DEPS_DONE: set by `make test` so its sub-makes do not check again.
deps:
	@[ -n "$${AX_DEPS_DONE:-}" ] || sh scripts/deps.sh

# configure DIR, COMPILER, EXTRA_CMAKE_ARGS
define configure
	@mkdir -p $(1)
	$(CMAKE) -S . -B $(1) -DCMAKE_C_COMPILER=$(2) \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo $(3) >$(1)/configure.log \
		|| { cat $(1)/configure.log; exit 1; }
endef

# ctest DIR, LABEL: run the tests, keep the log for the summary.
define ctest
	@echo "== tests: $(2) ($(1)/) =="
	$(CTEST) --test-dir $(1) --output-on-failure --no-tests=error 2>&1 | tee $(1)/ctest.log
endef

build: deps
	$(call configure,$(BUILD),gcc,)
	$(CMAKE) --build $(BUILD) -j$(JOBS)

test-gcc: build
	$(call ctest,$(BUILD),gcc)

test-asan: deps
	$(call configure,$(BUILD_ASAN),clang,-DAX_SANITIZE=ON)
	$(CMAKE) --build $(BUILD_ASAN) -j$(JOBS)
	$(call ctest,$(BUILD_ASAN),clang + ASan/UBSan)

# Both stages always run; the summary says which failed.
test: deps
	@export AX_DEPS_DONE=1; gcc_rc=0; asan_rc=0; \
	rm -f $(BUILD)/ctest.log $(BUILD_ASAN)/ctest.log; \
	$(MAKE) --no-print-directory test-gcc || gcc_rc=$$?; \
	$(MAKE) --no-print-directory test-asan || asan_rc=$$?; \
	echo; echo "== authex test summary =="; \
	for s in "gcc:$(BUILD):$$gcc_rc" "clang+ASan/UBSan:$(BUILD_ASAN):$$asan_rc"; do \
		IFS=: read -r name dir rc <<<"$$s"; \
		line=$$(grep -E 'tests passed|No tests were found' $$dir/ctest.log 2>/dev/null | tail -1 || true); \
		if [ "$$rc" = 0 ]; then st=PASS; else st=FAIL; fi; \
		printf '  %-4s  %-18s %s\n' "$$st" "$$name" "$${line:-(did not reach ctest: build failed)}"; \
	done; \
	if [ $$gcc_rc != 0 ] || [ $$asan_rc != 0 ]; then \
		echo "make test: FAILED"; exit 1; fi; \
	echo "make test: all passed"

fuzz: deps
	$(call configure,$(BUILD_FUZZ),clang,-DAX_FUZZ=ON)
	$(CMAKE) --build $(BUILD_FUZZ) -j$(JOBS) --target ax_fuzzers
	@sh scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_TIME)

# The irrigation example (examples/irrigation/README.md), started, deployed
# and stopped by `authex run`: app-hetero.yaml (four nodes: the valve on an
# emulated Cortex-M33 `tzm` board, the others on `process` and `native`)
# when the tzm firmware builds here (arm-none-eabi-gcc, qemu-system-arm and
# Debian's mbedtls source package, all installed by scripts/deps.sh as
# root), otherwise app.yaml on three local nodes. Keys and the deployment
# state go to $(DEMO_DIR)/, never into the source tree.
demo: build
	@if [ ! -x $(BUILD)/authex ] || [ ! -x $(BUILD)/authexd ]; then \
		echo "authex: the demo is not built: $(BUILD)/authex or $(BUILD)/authexd is missing" >&2; \
		exit 2; fi
	@mkdir -p $(DEMO_DIR)
	@if $(CMAKE) --build $(BUILD) --target tzm-firmware >$(DEMO_DIR)/tzm-firmware.log 2>&1; then \
		app=examples/irrigation/app-hetero.yaml; \
	else \
		tail -n 5 $(DEMO_DIR)/tzm-firmware.log; \
		echo "demo: the tzm firmware did not build (log: $(DEMO_DIR)/tzm-firmware.log);" \
			"running app.yaml without the microcontroller node"; \
		app=examples/irrigation/app.yaml; \
	fi; \
	echo "demo: $(BUILD)/authex run $$app"; \
	$(BUILD)/authex run $$app --seconds $(DEMO_SECONDS) \
		--state $(DEMO_DIR)/irrigation.state --keystore $(DEMO_DIR)/irrigation.keys

# Benchmarks against their floors (bench/run.sh): not tests, never run by
# ctest; they write docs/performance.md.
bench: deps
	$(call configure,$(BUILD_BENCH),gcc,)
	$(CMAKE) --build $(BUILD_BENCH) -j$(JOBS)
	bash bench/run.sh $(BUILD_BENCH) docs/performance.md

# Soak and faults (tests/soak/soak.sh, docs/soak.md): not a test, never run
# by ctest; loopback only, bounded by SOAK_SECONDS.
soak: deps
	$(call configure,$(BUILD_SOAK),gcc,)
	$(CMAKE) --build $(BUILD_SOAK) -j$(JOBS)
	SOAK_SECONDS=$(SOAK_SECONDS) bash tests/soak/soak.sh . $(BUILD_SOAK)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
