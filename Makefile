# SPDX-License-Identifier: MIT
# The front door: `make demo`, `make test`, `make bench`; plain `make` builds.
BUILD ?= build
SAN_BUILD ?= build-san
PYTEST := /usr/bin/python3 -m pytest
JOBS ?= 2

.PHONY: all build deps demo test test-fast test-sanitize bench clean

all: build

deps:
	@scripts/install-deps

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNIXTRACE_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	$(BUILD)/bin/unixtrace demo

# The whole suite (BPF tests included when run as root).
test: deps build
	UNIXTRACE_BUILD=$(CURDIR)/$(BUILD) $(PYTEST) -q tests

# The suite again, everything built with AddressSanitizer and UBSan.
test-sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUNIXTRACE_SANITIZE=ON -DUNIXTRACE_WERROR=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	UNIXTRACE_BUILD=$(CURDIR)/$(SAN_BUILD) UNIXTRACE_SANITIZED=1 $(PYTEST) -q -m "not slow" tests

bench: deps build
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
