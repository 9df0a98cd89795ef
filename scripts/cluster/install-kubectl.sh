#!/usr/bin/env bash
# Put kubectl $KUBECTL_VERSION (scripts/tools/versions.env) at .tools/bin/kubectl, from dl.k8s.io,
# checked against the published sha256. Only needed when the kubectl on PATH is more than one minor
# away from the cluster's Kubernetes (kubectl's version skew policy).
# Why not `go install`: k8s.io/kubernetes uses replace directives, which `go install pkg@version`
# refuses. This script has NOT run on the machines canarykit was written on (no dl.k8s.io there); it
# follows https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools/versions.env
source "$root/scripts/tools/versions.env"
localbin="$root/.tools/bin"
case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "install-kubectl: unsupported OS" >&2; exit 1 ;; esac
case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; arm64 | aarch64) arch=arm64 ;; *) echo "install-kubectl: unsupported CPU" >&2; exit 1 ;; esac
url="https://dl.k8s.io/release/$KUBECTL_VERSION/bin/$os/$arch/kubectl"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "install-kubectl: downloading $url" >&2
curl -fsSL --retry 3 -o "$tmp/kubectl" "$url" || { echo "install-kubectl: download failed; is dl.k8s.io reachable?" >&2; exit 1; }
want="$(curl -fsSL --retry 3 "$url.sha256")"
if command -v sha256sum >/dev/null 2>&1; then got="$(sha256sum "$tmp/kubectl" | awk '{print $1}')"; else got="$(shasum -a 256 "$tmp/kubectl" | awk '{print $1}')"; fi
[ "$want" = "$got" ] || { echo "install-kubectl: checksum mismatch (want $want, got $got)" >&2; exit 1; }
mkdir -p "$localbin"
install -m 0755 "$tmp/kubectl" "$localbin/kubectl"
echo "install-kubectl: $("$localbin/kubectl" version --client | head -1) at ${localbin#"$root"/}/kubectl" >&2
