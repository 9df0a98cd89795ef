# Helm: the pinned helm binary, and lint/template checks of charts/greeter.

CHART := charts/greeter

##@ Chart

.PHONY: helm
helm: ## Install the pinned helm (versions.env) into .tools/bin with `go install` unless a helm 4 is on PATH.
	@scripts/tools/install-helm.sh >/dev/null

.PHONY: chart-lint
chart-lint: helm ## helm lint --strict the chart with every example values file (charts/greeter/ci/).
	@for values in $(CHART)/ci/*-values.yaml; do \
	  helm lint --strict $(CHART) -f "$$values" --quiet >/dev/null || { helm lint --strict $(CHART) -f "$$values"; exit 1; }; \
	  echo "chart-lint: ok  $$values"; \
	done

.PHONY: chart-template
chart-template: helm ## Render the chart for VALUES=<file> (default: server v1) to stdout.
	@helm template $(or $(RELEASE),greeter-server-v1) $(CHART) -f $(or $(VALUES),$(CHART)/ci/server-v1-values.yaml)

.PHONY: chart-test
chart-test: helm install ## Chart tests with a real helm: lint, render, validate against Kubernetes schemas, bad values.
	vitest run test/chart
