# Walkthrough: the two set-up commands are `make run` and `make test`.

GO      ?= go
NPM     ?= npm
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN     := bin/walkthrough
LDFLAGS := -s -w -X main.version=$(VERSION)

# The PWA's dependencies are installed from the lockfile when it changes.
PWA_DEPS := pwa/node_modules/.package-lock.json

.PHONY: run build pwa test test-go test-pwa test-e2e lint migrate bench clean

## run: build the PWA and the server, start on the embedded database with the demo district
run: build
	./$(BIN) serve

## build: one binary with the PWA inside
build: pwa
	CGO_ENABLED=0 $(GO) build -tags pwa -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./server/cmd/walkthrough

$(PWA_DEPS): pwa/package.json pwa/package-lock.json
	cd pwa && $(NPM) ci --no-audit --no-fund
	@touch $@

## pwa: the Vite build of the PWA into pwa/dist
pwa: $(PWA_DEPS)
	cd pwa && $(NPM) run build

## test: every test: lint, Go on SQLite and PostgreSQL, the PWA's unit tests, the end-to-end tests
test: lint test-go test-pwa test-e2e

test-go:
	$(GO) test -count=1 -timeout 30m ./...

test-pwa: $(PWA_DEPS)
	cd pwa && $(NPM) test

# Chromium for the end-to-end tests; they fail (never skip) when it is missing.
WALKTHROUGH_TEST_CHROMIUM ?= /usr/bin/chromium

## test-e2e: the PWA in Chromium against the real binary, offline and back
test-e2e: build
	cd pwa && WALKTHROUGH_TEST_CHROMIUM=$(WALKTHROUGH_TEST_CHROMIUM) node --test --test-concurrency=1 e2e/

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './pwa/node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: district-scale figures on PostgreSQL, written to docs/benchmarks.md
## (BENCH_FLAGS=-soak=10m adds the ten-minute soak of 50 devices)
bench:
	$(GO) run ./server/cmd/bench $(BENCH_FLAGS)

## migrate: apply pending migrations to the configured database
migrate:
	$(GO) run ./server/cmd/walkthrough migrate up

clean:
	rm -rf bin pwa/dist
