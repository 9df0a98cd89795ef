# kind + Istio: the cluster, the e2e on it, and the tools they need (src/cluster, docs/kind-istio.md).
# Versions are pinned in scripts/tools/versions.env. DRY_RUN=1 prints every command and manifest instead.

CLUSTER_CLI := node src/cluster/command.ts
CLUSTER_FLAGS = $(if $(filter 1 true yes,$(DRY_RUN)),--dry-run) $(if $(filter 1 true yes,$(PROXYLESS)),--proxyless) \
  $(foreach s,$(SCENARIO),--scenario $(s)) $(if $(OFFLINE),--offline $(OFFLINE))

##@ Cluster (kind + Istio)

.PHONY: offline-images
offline-images: ## Build every image the cluster needs from the Go module proxy and Debian (no registry): most of an hour cold on 2 cores, seconds warm.
	$(call require_docker,offline-images)
	scripts/offline/build-images.sh

.PHONY: tools-kind
tools-kind: ## Install the pinned kind (versions.env) into .tools/bin with `go install` (about 20 s).
	@if [ "$$($(LOCALBIN)/kind version 2>/dev/null | awk '{print $$2}')" = "$(KIND_VERSION)" ]; then \
	  echo "tools-kind: $(LOCALBIN)/kind is $(KIND_VERSION)"; \
	else \
	  echo "tools-kind: GOBIN=$(LOCALBIN) go install sigs.k8s.io/kind@$(KIND_VERSION)"; \
	  GOBIN=$(LOCALBIN) CGO_ENABLED=0 GOFLAGS=-trimpath go install sigs.k8s.io/kind@$(KIND_VERSION); \
	fi

.PHONY: tools-istioctl
tools-istioctl: ## Download the pinned istioctl (release archive, sha256-checked) into .tools/bin.
	@scripts/cluster/install-istioctl.sh

.PHONY: tools-kubectl
tools-kubectl: ## Download the pinned kubectl (dl.k8s.io, sha256-checked) into .tools/bin.
	@scripts/cluster/install-kubectl.sh

.PHONY: cluster-tools
cluster-tools: tools-kind tools-istioctl helm ## Install every tool the cluster needs (kind, istioctl, helm); kubectl: see tools-kubectl.

.PHONY: cluster-up
cluster-up: install ## Create the kind cluster (reused if it exists), install Istio, label the namespace. OFFLINE=1|0 (default: official images if they can be pulled).
	$(CLUSTER_CLI) up $(CLUSTER_FLAGS)

.PHONY: cluster-deploy
cluster-deploy: install ## Build images, kind load them, helm install servers v1, v2 and a client per identity (DRY_RUN=1).
	$(CLUSTER_CLI) deploy $(CLUSTER_FLAGS)

.PHONY: e2e
e2e: install ## Run every cluster scenario on kind + Istio and verify the shares; promote-* run their promotion (DRY_RUN=1, SCENARIO=name, PROXYLESS=1, DASHBOARD=1: live page).
	$(CLUSTER_CLI) e2e $(CLUSTER_FLAGS) $(if $(filter 1 true yes,$(DASHBOARD)),--dashboard)

.PHONY: cluster-plan
cluster-plan: install ## Print the whole kind + Istio plan (up, deploy, e2e, down) without running it.
	$(CLUSTER_CLI) plan $(CLUSTER_FLAGS)

.PHONY: cluster-down
cluster-down: install ## Delete the kind cluster.
	$(CLUSTER_CLI) down $(CLUSTER_FLAGS)
