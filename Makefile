# errdex: `make run` serves the API, `make test` runs every test.
GO       ?= go
BIN      := bin/errdex
export DATABASE_URL ?= postgres://postgres:postgres@localhost:5432/errdex?sslmode=disable

.PHONY: all build run test vet fmt-check generate fuzz audit compose-check clean bench

all: build

build:
	$(GO) build -o $(BIN) ./cmd/errdex

# Creates the database if missing, migrates it, imports the bundled articles
# into an empty store and serves on :8080 — what docker compose does too.
run: build
	./$(BIN) serve

test: fmt-check vet
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

generate:
	$(GO) generate ./...

# Re-fetches the Redoc bundle /docs serves (version and sha256 pinned in the
# script); the bundle is committed, so builds need no network.
.PHONY: redoc
redoc:
	./scripts/fetch-redoc.sh

# Each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./internal/errcode -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/errcode -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/markdown -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzDecodeCaseBody$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

# Seeds a scratch database (errdex_bench) with 10,000 generated articles and
# measures lookups with wrk: errdex cached, a minimal net/http server, nginx
# and errdex uncached, side by side (see BENCHMARKS.md). About 6 minutes.
bench:
	bash bench/run.sh

# Five minutes (SOAKTIME) of steady lookups, resolves, case reads and edits
# against `errdex serve` on a scratch database (errdex_soak, dropped after),
# reporting status counts, latencies and the server's RSS every 10 s; fails
# on any 5xx or an RSS that keeps growing. Not part of CI.
SOAKTIME ?= 5m
SOAKRATE ?= 150
.PHONY: soak
soak: build
	$(GO) run ./bench/soak -bin $(BIN) -duration $(SOAKTIME) -rate $(SOAKRATE)

# govulncheck reads the Go vulnerability database (VULNDB, default
# https://vuln.go.dev); point VULNDB at a mirror or a file:// copy offline.
VULNDB ?= https://vuln.go.dev
audit:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db $(VULNDB) ./...

# docker-compose.yml cannot run here (no engine); this validates it.
compose-check:
	docker-compose config -q

clean:
	rm -rf bin
