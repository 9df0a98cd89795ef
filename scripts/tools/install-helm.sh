#!/usr/bin/env bash
# Put a real helm at .tools/bin/helm unless a helm of the pinned major is already on PATH.
#
# Helm release binaries cannot be downloaded on these machines, but the Go module proxy works, so
# helm is built from source: `GOBIN=.tools/bin go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION`
# (kubebuilder's LOCALBIN pattern). The version is pinned in scripts/tools/versions.env.
# Prints the path of the helm to use on stdout; progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools/versions.env
source "$root/scripts/tools/versions.env"
localbin="$root/.tools/bin"
want_major="${HELM_VERSION#v}"; want_major="${want_major%%.*}"

helm_version() { "$1" version --template '{{.Version}}' 2>/dev/null; }
helm_major() { helm_version "$1" | sed -E 's/^v([0-9]+).*/\1/'; }

# 1. Our pinned copy, when it is the pinned version.
if [ -x "$localbin/helm" ] && [ "$(helm_version "$localbin/helm")" = "$HELM_VERSION" ]; then
  echo "$localbin/helm"; exit 0
fi
# 2. A helm of the same major already on PATH (a developer machine, a CI image with helm).
if [ "${HELM_FORCE_INSTALL:-}" != "1" ] && command -v helm >/dev/null 2>&1; then
  other="$(command -v helm)"
  if [ "$other" != "$localbin/helm" ] && [ "$(helm_major "$other")" = "$want_major" ]; then
    echo "$other"; exit 0
  fi
fi
# 3. Build it with Go.
command -v go >/dev/null 2>&1 || {
  echo "install-helm: need Go (>= the version helm $HELM_VERSION's go.mod asks for) to build helm, or put helm $want_major.x on PATH (https://helm.sh/docs/intro/install/)" >&2
  exit 1
}
mkdir -p "$localbin"
echo "install-helm: go install helm.sh/helm/v$want_major/cmd/helm@$HELM_VERSION into ${localbin#"$root"/} (a few minutes the first time)" >&2
start=$SECONDS
# CGO off: a static binary that does not depend on the build machine's libc. The -X flag is what
# helm's own Makefile sets: without it `helm version` says only "v4.3".
GOBIN="$localbin" CGO_ENABLED=0 \
  go install -trimpath -ldflags "-s -w -X helm.sh/helm/v$want_major/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v$want_major/cmd/helm@$HELM_VERSION" >&2 || {
  echo "install-helm: 'go install helm.sh/helm/v$want_major/cmd/helm@$HELM_VERSION' failed; is the Go module proxy ($(go env GOPROXY)) reachable?" >&2
  exit 1
}
echo "install-helm: helm $(helm_version "$localbin/helm") in $((SECONDS - start)) s" >&2
echo "$localbin/helm"
