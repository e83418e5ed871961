# The two commands a new user needs: `make demo` and `make test`.
# Everything else here supports those two.

GO ?= go
BIN := bin

.PHONY: demo stack test chaos explore bench fuzz mutate temporal temporal-server build record-histories retire-check clean

## demo: dev server + API simulator + worker + the sample orders, end to end
demo: temporal
	@scripts/demo.sh

## stack: the production stack of docker-compose.yml without Docker: PostgreSQL
## (.data/stack), the pinned Temporal server from deploy/temporal/production.yaml,
## the namespace, the simulator and two workers; prints the addresses, stops
## everything on Ctrl-C
stack: temporal temporal-server
	$(GO) run ./cmd/stack

## test: go vet and every test, end-to-end ones against the Temporal dev server
test: temporal
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	@echo "Figures measured by the end-to-end tests:" && cat .data/e2e-figures.txt
	@cat .data/stack-test.txt 2>/dev/null || true

## chaos: the full chaos suite: CHAOS_ORDERS orders (default 1000) under every
## fault, kill -9s of the worker and dev server restarts (seed CHAOS_SEED, printed),
## a share CHAOS_ADVERSARY (default 0.25) of them against the adversarial API;
## exits 1 if any order doubled, left or lied about a connection, or did not end
chaos: temporal
	$(GO) run ./cmd/chaos

## explore: every interrupt (cancel, Temporal cancel, refresh, the deadline,
## each also with a continue-as-new in the same task) at every workflow-task
## boundary of every scenario, and pairs of orders for one name, in the
## workflow test environment against the simulator; prints one line
## (explore: workflows=W scenarios=S boundaries=B runs=R violations=V), then
## each violating run, and exits 1 if any (EXPLORE_FLAGS=-restarts=false skips
## the class that needs the dev server)
explore: temporal
	@$(GO) run ./cmd/explore $(EXPLORE_FLAGS)

## bench: performance and API economy side by side in one run: the bare engine
## ceiling, BENCH_ORDERS orders (default 1000) of each kind, API calls, history
## bytes, worker RSS with BENCH_WAITING (5000) orders waiting, the rate under a
## limit (BENCH_RATE, 25/s); prints a table, also in .data/bench.txt
bench: temporal
	$(GO) run ./cmd/bench

## fuzz: each fuzz target in turn for FUZZ_TIME (default 1m): order intake,
## the webhook's authentication and routing, the API client's answers; a
## crasher lands in the package's testdata/fuzz/ (make test replays them)
FUZZ_TIME ?= 1m
fuzz:
	@scripts/fuzz.sh $(FUZZ_TIME)

## mutate: each mutation of scripts/mutations.txt (a promise-carrying line
## changed) on a temporary copy of the tree; exits 1 if its test misses one
mutate:
	@scripts/mutate.sh

## temporal: build the pinned Temporal CLI into bin/ (once; reused after)
temporal:
	@scripts/install-temporal.sh

## temporal-server: build the pinned Temporal server and its SQL schema tool
## into bin/ (version in scripts/stack.env; once, reused after)
temporal-server:
	@scripts/install-temporal-server.sh

## build: the worker, starter and simulator binaries into bin/
build:
	$(GO) build -o $(BIN)/ ./cmd/worker ./cmd/starter ./cmd/ccapi-sim

## record-histories: re-record workflows/testdata/histories from real runs
record-histories: temporal
	$(GO) test -count=1 -run . ./e2e -args -record
	$(GO) test -count=1 -run Replay ./workflows

## retire-check: may the legacy code of a change go? Counts the open order runs
## started before BEFORE (when the change's rollout finished, RFC 3339) on the
## Temporal server of TEMPORAL_ADDRESS; 0 means yes (README, Versions and retirement)
retire-check: temporal
	@BEFORE='$(BEFORE)' TEMPORAL=$(BIN)/temporal scripts/retire-check.sh

clean:
	rm -rf $(BIN) .data
