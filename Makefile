# SPDX-License-Identifier: MIT
# The front door: `make demo`, `make test`, `make bench`; plain `make` builds.
# `make install PREFIX=/usr/local [DESTDIR=...]`, `make package` (a .deb in build/).
BUILD ?= build
SAN_BUILD ?= build-san
PREFIX ?= /usr/local
DESTDIR ?=
UNIXTRACE_BPF ?= ON
# Warnings as errors: on in CI (.ci/run) and for developers who set it; a user's build
# with a newer compiler is not broken by a warning it adds.
UNIXTRACE_WERROR ?= OFF
# The kernel BTF the eBPF side's vmlinux.h is generated from (CO-RE: it runs on other kernels).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PYTEST := /usr/bin/python3 -m pytest
JOBS ?= 2
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30

.PHONY: all build check-deps deps demo test test-long test-fast test-sanitize bench fuzz install package clean

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
	@if [ "$(UNIXTRACE_BPF)" = ON ] && [ ! -e "$(VMLINUX_BTF)" ]; then \
		echo "unixtrace: no kernel BTF at $(VMLINUX_BTF): the eBPF side generates its vmlinux.h from it" >&2; \
		echo "unixtrace: \`make VMLINUX_BTF=FILE\` (a copy of another kernel's /sys/kernel/btf/vmlinux)," \
		     "or \`make UNIXTRACE_BPF=OFF\` (no trace, sockets, run --kernel)" >&2; \
		exit 1; \
	fi

build: check-deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUNIXTRACE_BPF=$(UNIXTRACE_BPF) -DUT_VMLINUX_BTF=$(VMLINUX_BTF) \
		-DUNIXTRACE_WERROR=$(UNIXTRACE_WERROR) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

package: build
	cd $(BUILD) && cpack -G DEB

demo: deps build
	$(BUILD)/bin/unixtrace demo

# The whole suite (BPF tests included when run as root), but the hour-long runs.
test: deps build
	UNIXTRACE_BUILD=$(CURDIR)/$(BUILD) $(PYTEST) -q -m "not long" tests

# The hour-long runs: valgrind over every view mode, 1000 damaged traces, the
# differential fuzzer for XFUZZ_CALLS calls a mode (default 400000).
test-long: deps build
	UNIXTRACE_BUILD=$(CURDIR)/$(BUILD) $(PYTEST) -q -s -m long tests

# The suite again, everything built with AddressSanitizer and UBSan.
test-sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DUNIXTRACE_SANITIZE=ON -DUNIXTRACE_WERROR=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	UNIXTRACE_BUILD=$(CURDIR)/$(SAN_BUILD) UNIXTRACE_SANITIZED=1 $(PYTEST) -q -m "not slow" tests

# libFuzzer targets (fuzz/README.md), each run FUZZ_SECONDS after replaying its inputs.
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DUNIXTRACE_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: deps build
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
