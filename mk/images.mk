# Container images (legacy builder: no buildx needed) and the deploy of server v1, v2 and the
# client with helm. The kind+Istio cluster itself comes from the cluster targets.

SERVER_IMAGE ?= greeter-server
CLIENT_IMAGE ?= greeter-client
SERVER_V1_TAG ?= 1.0.0
SERVER_V2_TAG ?= 2.0.0
CLIENT_TAG ?= 1.0.0
BASE_IMAGE ?= node:24-bookworm-slim
# The npm registry `npm ci` uses inside the build: the host's, when it is not npm's default.
NPM_REGISTRY ?= $(shell npm config get registry 2>/dev/null | grep -v '^https://registry.npmjs.org/*$$')
# buildx-publish: where to push, and for which platforms.
REGISTRY ?=
PLATFORMS ?= linux/amd64,linux/arm64
# kind-load, deploy, remove, logs.
KIND_CLUSTER ?= canarykit
NAMESPACE ?= canarykit
KUBE_CONTEXT ?=

DOCKER_BUILD := DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE=$(BASE_IMAGE) \
  $(if $(NPM_REGISTRY),--build-arg NPM_REGISTRY=$(NPM_REGISTRY))
KUBECTL := kubectl $(if $(KUBE_CONTEXT),--context $(KUBE_CONTEXT))
HELM_NS := helm $(if $(KUBE_CONTEXT),--kube-context $(KUBE_CONTEXT)) --namespace $(NAMESPACE)
IMAGE_PREFIX := $(if $(REGISTRY),$(REGISTRY)/)

# Fails with a sentence, not a stack trace, when no cluster answers. $(1): the target's name.
define require_cluster
	@command -v kubectl >/dev/null 2>&1 || { echo "$(1): kubectl not found; it comes with the cluster tools (make cluster-up)" >&2; exit 1; }
	@$(KUBECTL) cluster-info --request-timeout=5s >/dev/null 2>&1 || { \
	  echo "$(1): no Kubernetes cluster answers (kubectl cluster-info failed, context: $$($(KUBECTL) config current-context 2>/dev/null || echo none))." >&2; \
	  echo "$(1): create one with 'make cluster-up', or point KUBECONFIG / KUBE_CONTEXT=<context> at a running cluster." >&2; exit 1; }
endef

define require_docker
	@docker info >/dev/null 2>&1 || { echo "$(1): no Docker engine answers: start Docker (as root on Debian: scripts/ci/setup-docker.sh, or make docker-setup)" >&2; exit 1; }
endef

##@ Images

.PHONY: docker-setup
docker-setup: ## (CI, root) Install Debian's docker.io if needed and start dockerd.
	scripts/ci/setup-docker.sh

.PHONY: base-image
base-image: ## (CI, root) Build a local node:24-bookworm-slim stand-in (debootstrap + Node from npm) when no such image exists.
	BASE_IMAGE=$(BASE_IMAGE) scripts/ci/build-base-image.sh

.PHONY: build
build: ## Build greeter-server:1.0.0, greeter-server:2.0.0 and greeter-client:1.0.0 (legacy builder).
	$(call require_docker,build)
	@docker image inspect $(BASE_IMAGE) >/dev/null 2>&1 || docker pull $(BASE_IMAGE) >/dev/null 2>&1 || { \
	  echo "build: base image $(BASE_IMAGE) is not here and cannot be pulled; where no registry is reachable run 'make base-image'" >&2; exit 1; }
	$(DOCKER_BUILD) --build-arg APP_VERSION=v$(SERVER_V1_TAG) -t $(IMAGE_PREFIX)$(SERVER_IMAGE):$(SERVER_V1_TAG) apps/greeter-server
	$(DOCKER_BUILD) --build-arg APP_VERSION=v$(SERVER_V2_TAG) -t $(IMAGE_PREFIX)$(SERVER_IMAGE):$(SERVER_V2_TAG) apps/greeter-server
	$(DOCKER_BUILD) --build-arg APP_VERSION=v$(CLIENT_TAG) -t $(IMAGE_PREFIX)$(CLIENT_IMAGE):$(CLIENT_TAG) apps/greeter-client

.PHONY: buildx-publish
buildx-publish: ## Build for PLATFORMS with docker buildx and push to REGISTRY (e.g. REGISTRY=ghcr.io/you).
	@[ -n "$(REGISTRY)" ] || { echo "buildx-publish: set REGISTRY, e.g. make buildx-publish REGISTRY=ghcr.io/you (and docker login to it)" >&2; exit 1; }
	@docker buildx version >/dev/null 2>&1 || { \
	  echo "buildx-publish: needs the docker buildx plugin for multi-platform builds (https://docs.docker.com/build/architecture/#install-buildx);" >&2; \
	  echo "buildx-publish: 'make build' makes single-platform local images without it" >&2; exit 1; }
	docker buildx build --push --platform $(PLATFORMS) --build-arg APP_VERSION=v$(SERVER_V1_TAG) -t $(REGISTRY)/$(SERVER_IMAGE):$(SERVER_V1_TAG) apps/greeter-server
	docker buildx build --push --platform $(PLATFORMS) --build-arg APP_VERSION=v$(SERVER_V2_TAG) -t $(REGISTRY)/$(SERVER_IMAGE):$(SERVER_V2_TAG) apps/greeter-server
	docker buildx build --push --platform $(PLATFORMS) --build-arg APP_VERSION=v$(CLIENT_TAG) -t $(REGISTRY)/$(CLIENT_IMAGE):$(CLIENT_TAG) apps/greeter-client

.PHONY: image-test
image-test: install build ## testcontainers tests: server v1 + v2 and the client on one Docker network.
	TESTCONTAINERS_RYUK_DISABLED=true vitest run test/images

##@ Deploy

.PHONY: kind-load
kind-load: ## Load the three images into the kind cluster KIND_CLUSTER (default canarykit).
	@command -v kind >/dev/null 2>&1 || { echo "kind-load: kind not found; it comes with the cluster tools (make cluster-up)" >&2; exit 1; }
	@kind get clusters 2>/dev/null | grep -qx '$(KIND_CLUSTER)' || { echo "kind-load: no kind cluster named $(KIND_CLUSTER); create it with 'make cluster-up'" >&2; exit 1; }
	kind load docker-image --name $(KIND_CLUSTER) $(SERVER_IMAGE):$(SERVER_V1_TAG) $(SERVER_IMAGE):$(SERVER_V2_TAG) $(CLIENT_IMAGE):$(CLIENT_TAG)

.PHONY: deploy
deploy: ## On the kind cluster: build, kind load, helm install server v1 (owns the Service), v2 and one client per identity; wait ready.
	$(call require_cluster,deploy)
	$(MAKE) cluster-deploy

.PHONY: remove
remove: ## helm uninstall every greeter release (clients, server v2, then v1 with the Service) from NAMESPACE.
	$(call require_cluster,remove)
	@scripts/tools/install-helm.sh >/dev/null
	@releases="$$($(HELM_NS) list -q --filter '^greeter-client-')"; \
	  for r in $$releases greeter-server-v2 greeter-server-v1; do $(HELM_NS) uninstall $$r --ignore-not-found --wait; done

.PHONY: logs
logs: ## Follow the logs of every canarykit pod in NAMESPACE (LOGS_SELECTOR=app=greeter-client for fewer).
	$(call require_cluster,logs)
	$(KUBECTL) logs --namespace $(NAMESPACE) --selector $(or $(LOGS_SELECTOR),app.kubernetes.io/part-of=canarykit) \
	  --prefix --follow --tail=20 --max-log-requests=10
