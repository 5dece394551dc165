# hpki — newcomers run `make demo` and `make test`.
GO       ?= go
BIN      := bin/hpki
FUZZTIME ?= 2000x
export CGO_ENABLED := 1
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS  := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

.PHONY: all build test deps vet unit fuzz fuzz-smoke demo certs bench bench-archive lint clean release wine nocgo examples

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/hpki

## release: binaries for linux/amd64+arm64, darwin/arm64, windows/amd64 in dist/
release:
	@VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) scripts/release.sh

## nocgo: the build without cgo (no card support) compiles and its tests pass
nocgo:
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/hpki
	CGO_ENABLED=0 $(GO) test -count=1 ./cmd/hpki ./pkcs11

## examples: the example module (its own go.mod, importing hpki by a replace) builds and runs
examples:
	cd examples && $(GO) vet ./... && $(GO) run ./signverify -certs ../testdata/certs

## wine: the Windows binary (cgo, mingw-w64) under Wine: --help, sign, verify
wine:
	@scripts/wine-test.sh

## deps: install the test peers (OpenSSL, SoftHSM2, OpenSC, xmlsec1, Wine, mingw-w64, poppler, qpdf,
## Ghostscript, img2pdf, Node packages)
deps:
	@scripts/deps.sh

## test: everything — vet, unit and interop tests with -race, fuzz smoke run
test: deps build vet unit nocgo examples wine fuzz-smoke

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

## fuzz-smoke: every fuzz target, FUZZTIME executions each (default 2000x)
fuzz-smoke:
	@scripts/fuzz-smoke.sh $(FUZZTIME)

## fuzz: longer fuzzing (FUZZTIME=200000x make fuzz; a count of executions
## per target, or a duration such as 60s)
fuzz:
	@FUZZMINIMIZE=$${FUZZMINIMIZE:-100x} scripts/fuzz-smoke.sh $(if $(filter 2000x,$(FUZZTIME)),50000x,$(FUZZTIME))

## demo: sign and verify sample documents with the embedded test credentials
demo: build
	@scripts/demo.sh

## certs: regenerate the committed test HPKI in testdata/certs
certs:
	$(GO) run ./internal/testpki/cmd/gencerts -out testdata/certs

## bench: benchmarks with figures a person can compare
bench: deps build
	@scripts/bench.sh

## bench-archive: archive verify over N distinct B-T and B-LTA records
## (BENCH_N="10000 100000 1000000"; corpus cached in /var/tmp/hpki-bench):
## records/s and peak RSS. Not part of make test.
bench-archive: build
	@scripts/bench-archive.sh

lint: vet
	@command -v staticcheck >/dev/null 2>&1 && staticcheck ./... || echo "lint: staticcheck not installed; go vet and gofmt passed"

clean:
	rm -rf bin out dist
