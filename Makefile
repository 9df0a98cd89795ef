# canarykit: `make help` lists every target. Targets live here and in mk/*.mk, one file per area.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

include scripts/tools/versions.env
LOCALBIN := $(CURDIR)/.tools/bin

# Node 24 for every command: the machine's node when it is new enough, else a pinned copy in .tools/.
NODE_BIN := $(shell scripts/tools/ensure-node.sh)
ifeq ($(NODE_BIN),)
$(error could not provide Node $(NODE_VERSION): see the message above from scripts/tools/ensure-node.sh)
endif
# .tools/offline/bin: the kubectl and istioctl `make offline-images` built (where no registry is reachable).
export PATH := $(NODE_BIN):$(LOCALBIN):$(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/offline/bin:$(PATH)
export npm_config_update_notifier := false
export npm_config_fund := false
export npm_config_audit := false

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9.-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Demo

.PHONY: demo
demo: install ## Run every routing scenario on the local xDS mesh (no cluster) and verify each split. SCENARIO=name for one; CONTROL_PLANE=istiod for the real istiod; DASHBOARD=1 serves the mesh dashboard, open until Ctrl-C.
	node bin/canarykit.js demo $(if $(SCENARIO),$(foreach s,$(SCENARIO),--scenario $(s))) $(if $(CONTROL_PLANE),--control-plane $(CONTROL_PLANE)) $(if $(DASHBOARD),--dashboard)

.PHONY: mesh-diff
mesh-diff: install ## Diff the xDS src/mesh and a real istiod send the same client, per local scenario (needs make offline-images' programs). SCENARIO=name for one.
	node bin/canarykit.js mesh diff $(if $(SCENARIO),$(foreach s,$(SCENARIO),--scenario $(s)))

.PHONY: grpc-go-client
grpc-go-client: ## Build the grpc-go proxyless client (clients/grpc-go, pinned in its go.mod) into .tools/bin: minutes cold, a second warm.
	cd clients/grpc-go && CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w" -o $(CURDIR)/.tools/bin/greeter-go-client .

.PHONY: play
play: install ## Keep the local mesh running, switch scenarios by name; prints the mesh dashboard's URL (for workshops).
	node bin/canarykit.js play

.PHONY: promote
promote: install ## Promote v2 step by step with exact gates, rolling back on a failed one. SCENARIO=promote-good|promote-flaky|promote-slow; SCHEDULE=5,10,25,50,100; DRIVER=kind (PROXYLESS=1) on the cluster; DASHBOARD=1 shows it live.
	node bin/canarykit.js promote --scenario $(or $(SCENARIO),promote-good) $(if $(SCHEDULE),--schedule $(SCHEDULE)) $(if $(DRIVER),--driver $(DRIVER)) $(if $(filter 1 true yes,$(PROXYLESS)),--proxyless) $(if $(filter 1 true yes,$(DASHBOARD)),--dashboard)

.PHONY: dashboard-screenshot
dashboard-screenshot: install ## Remake docs/images/dashboard.png (a play run) and promote-dashboard.png (a promotion) from real runs in Chromium (about two minutes).
	node scripts/docs/screenshot-dashboard.ts
	node scripts/docs/screenshot-promotion.ts

.PHONY: workshop
workshop: install ## Run docs/workshop/README.md's marked command blocks and check each "You should see" (parts 0-10, the local mesh, about 10 min). PART=n for one part (PART=11 needs the kind cluster), VERBOSE=1 for every output line.
	node src/workshop/main.ts $(if $(PART),$(foreach p,$(PART),--part $(p))) $(if $(VERBOSE),--verbose)

.PHONY: scenarios
scenarios: install ## List the routing scenarios and validate every file.
	node bin/canarykit.js scenarios --validate

##@ Development

node_modules/.install-stamp: package.json package-lock.json $(wildcard apps/*/package.json)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: install
install: node_modules/.install-stamp ## Install dependencies (npm ci) with Node 24.

.PHONY: typecheck
typecheck: install ## Type-check the kit and the apps (tsc, no output).
	tsc -p tsconfig.json --noEmit
	npm run --workspaces --if-present typecheck

.PHONY: lint
lint: install ## Lint and check the formatting of the kit's TypeScript (Biome, biome.jsonc); 'make format' fixes the formatting.
	biome check

.PHONY: format
format: install ## Format the kit's TypeScript in place (Biome).
	biome format --write

.PHONY: test
test: install helm ## Run every test: lint, typecheck, unit, integration, chart, images and the local-mesh e2e suite.
	$(MAKE) lint
	$(MAKE) typecheck
	@mkdir -p .tools && rm -f .tools/test-results.json* .tools/e2e-results.json*
	@# Both runs always run; each one's exit code is kept (<report>.exit) and judged by test-summary:
	@# vitest exits 1 on unhandled errors, which its JSON report does not count.
	rc=0; VITEST_PROBLEMS_FILE=.tools/test-results.json.problems.json vitest run --exclude 'e2e/**' --reporter=default --reporter=json --reporter=./scripts/tools/vitest-problems.ts --outputFile.json=.tools/test-results.json || rc=$$?; echo $$rc > .tools/test-results.json.exit
	@# The e2e suite last and one file at a time: its verdicts rest on call timings that a machine
	@# busy with the other suites (npm ci, docker, helm) would distort.
	rc=0; VITEST_PROBLEMS_FILE=.tools/e2e-results.json.problems.json vitest run e2e --no-file-parallelism --reporter=default --reporter=json --reporter=./scripts/tools/vitest-problems.ts --outputFile.json=.tools/e2e-results.json || rc=$$?; echo $$rc > .tools/e2e-results.json.exit
	@node scripts/tools/test-summary.ts .tools/test-results.json .tools/e2e-results.json

.PHONY: bench
bench: install ## Run the benchmarks; prints each result as a ratio to a baseline measured in the same run.
	node bench/run.ts

include $(wildcard mk/*.mk)
