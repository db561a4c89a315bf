# SPDX-License-Identifier: MIT
# The front door: `make demo`, `make test`, `make bench`; plain `make` builds.
# `make install PREFIX=/usr/local [DESTDIR=...]`, `make package` (a .deb in build/).
BUILD ?= build
SAN_BUILD ?= build-san
PREFIX ?= /usr/local
DESTDIR ?=
UNIXTRACE_BPF ?= ON
PYTEST := /usr/bin/python3 -m pytest
JOBS ?= 2

.PHONY: all build check-deps deps demo test test-fast test-sanitize bench install package clean

all: build

deps:
	@scripts/install-deps

# Before CMake: a fresh machine hears which packages to install, not a CMake error.
check-deps:
	@missing="$$(cmake/missing-deps)"; \
	if [ -n "$$missing" ]; then \
		echo "unixtrace: cannot build, missing Debian packages: $$missing" >&2; \
		echo "unixtrace: \`make deps\` (as root; it runs scripts/install-deps) installs them" >&2; \
		exit 1; \
	fi

build: check-deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNIXTRACE_BPF=$(UNIXTRACE_BPF) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

package: build
	cd $(BUILD) && cpack -G DEB

demo: deps build
	$(BUILD)/bin/unixtrace demo

# The whole suite (BPF tests included when run as root).
test: deps build
	UNIXTRACE_BUILD=$(CURDIR)/$(BUILD) $(PYTEST) -q tests

# The suite again, everything built with AddressSanitizer and UBSan.
test-sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUNIXTRACE_SANITIZE=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	UNIXTRACE_BUILD=$(CURDIR)/$(SAN_BUILD) UNIXTRACE_SANITIZED=1 $(PYTEST) -q -m "not slow" tests

bench: deps build
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
