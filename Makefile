# Build, install and test the runtime.
#
#   make               build ./runc (cgo, seccomp)
#   make install       install to $(DESTDIR)$(BINDIR)/runc (/usr/local/sbin)
#   make test          unit tests, then integration tests (root)
#   make unittest      go test ./...
#   make integration   bats tests under a pseudo-terminal (root)
#   make demo          run a busybox container printing a greeting (root)
#   make bench         compare start-up cost with runc/crun (root)
#   make soak          1000 run/delete cycles, 200 concurrent creates (root)
#   make clean

SHELL := /bin/bash

# Go lives in /usr/local/go on the build machines.
ifneq ($(wildcard /usr/local/go/bin/go),)
export PATH := /usr/local/go/bin:$(PATH)
endif

GO ?= go
DESTDIR ?=
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin

VERSION := $(shell cat VERSION 2>/dev/null || echo unknown)
COMMIT := $(shell git describe --dirty --long --always 2>/dev/null || echo unknown)
BUILDTAGS ?= seccomp netgo osusergo
# A static binary: no dynamic loader work on each of the two execs a
# container start costs (runc, then runc init). libseccomp-dev ships the
# static library. STATIC= builds a dynamic one.
STATIC ?= 1
LDFLAGS := -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT)
ifeq ($(STATIC),1)
LDFLAGS += -s -w -extldflags "-static"
endif

# Extra arguments for the integration run, e.g.
#   make integration TESTS="kill.bats delete.bats"
TESTS ?=

.DEFAULT_GOAL := all
.PHONY: all runc install test unittest integration demo bench soak clean

all: runc

# Always hand over to go build: it knows what is up to date.
runc:
	CGO_ENABLED=1 $(GO) build -trimpath -buildvcs=false -tags "$(BUILDTAGS)" -ldflags '$(LDFLAGS)' -o runc .

install: runc
	install -D -m 0755 runc $(DESTDIR)$(BINDIR)/runc

# Both parts always run, so both summaries are printed; fails if either did.
test:
	@unit=0; integ=0; \
	$(MAKE) --no-print-directory unittest || unit=$$?; \
	$(MAKE) --no-print-directory integration || integ=$$?; \
	if [ $$unit -ne 0 ]; then echo "make test: unit tests failed" >&2; fi; \
	if [ $$integ -ne 0 ]; then echo "make test: integration tests failed" >&2; fi; \
	[ $$unit -eq 0 ] && [ $$integ -eq 0 ]

unittest:
	CGO_ENABLED=1 $(GO) test -tags "$(BUILDTAGS)" ./...

# run.sh builds the busybox rootfs once, runs bats under script(1) and
# prints "N passed, N failed[, N skipped]".
integration: runc
	tests/integration/run.sh $(TESTS)

demo: runc
	@set -euo pipefail; \
	bundle=$$(mktemp -d /tmp/runc-demo.XXXXXX); \
	root=$$bundle/state; \
	id=demo-$$$$; \
	trap '$(CURDIR)/runc --root "$$root" delete -f "$$id" >/dev/null 2>&1 || true; rm -rf --one-file-system "$$bundle"' EXIT; \
	tests/integration/build-rootfs.sh "$$bundle/rootfs"; \
	cd "$$bundle"; \
	$(CURDIR)/runc spec; \
	jq '.process.terminal = false | .process.args = ["echo", "Hello from a busybox container"]' config.json >config.json.new; \
	mv config.json.new config.json; \
	$(CURDIR)/runc --root "$$root" run "$$id"

bench: runc
	tests/bench/bench.sh

soak: runc
	tests/bench/soak.sh

clean:
	rm -f runc
