#!/usr/bin/env bash
# The Go programs the offline cluster needs, built from the Go module proxy at the versions pinned in
# scripts/tools/versions.env: Kubernetes (kubeadm, kubelet, kubectl, control plane, kube-proxy),
# etcd, CoreDNS, crictl, Istio (pilot-discovery, pilot-agent, istioctl) and kind. Output goes to
# .tools/offline/<component>-<version>/; a binary already there is not rebuilt. Cold, on 2 cores:
# 45-65 minutes measured on a busy machine, most of it Kubernetes and istiod; warm (Go build cache kept): about a minute.
set -euo pipefail
# shellcheck source=scripts/offline/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v go >/dev/null 2>&1 || die "Go is needed to build the cluster's programs: install Go (https://go.dev/dl/) and retry"

kubernetes() {
  local v="$OFFLINE_KUBERNETES_VERSION" src="$OFFLINE_OUT/src/kubernetes-$OFFLINE_KUBERNETES_VERSION"
  local staging_v="v0.${v#v1.}" missing=0 cmd
  for cmd in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    [ -x "$k8s_bin/$cmd" ] || missing=1
  done
  if [ "$missing" = 0 ]; then say "Kubernetes $v: built before (${k8s_bin#"$root"/})"; return 0; fi
  # The k8s.io/kubernetes module has no staging/ folder: each staging repository is its own module
  # (k8s.io/api v0.34.4 for Kubernetes v1.34.4). Put them back where the shipped go.work expects them.
  if [ ! -f "$src/.staged" ]; then
    module_copy k8s.io/kubernetes "$v" "$src"
    rm -rf "$src/vendor"
    local name
    for name in $(sed -n 's#^\t\./staging/src/k8s\.io/##p' "$src/go.work"); do
      case "$name" in sample-cli-plugin | sample-controller) continue ;; esac # not served by the proxy; not needed
      [ -d "$src/staging/src/k8s.io/$name" ] && continue
      local dir; dir="$(module_dir "k8s.io/$name" "$staging_v")"
      mkdir -p "$src/staging/src/k8s.io" && cp -r "$dir" "$src/staging/src/k8s.io/$name"
    done
    chmod -R u+w "$src/staging"
    sed -i '/sample-cli-plugin\|sample-controller/d' "$src/go.work"
    touch "$src/.staged"
  fi
  local major="${v#v}"; major="${major%%.*}"
  local x ldflags="-s -w"
  for x in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $x.gitVersion=$v -X $x.gitMajor=$major -X $x.gitMinor=$k8s_minor -X $x.gitTreeState=clean"
  done
  for cmd in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    go_build "$src" "$k8s_bin/$cmd" "./cmd/$cmd" -tags providerless -ldflags "$ldflags"
  done
}

etcd() {
  local out="$OFFLINE_OUT/etcd-$OFFLINE_ETCD_VERSION/etcd" mod="$OFFLINE_OUT/src/etcd-$OFFLINE_ETCD_VERSION"
  [ -x "$out" ] && { say "etcd $OFFLINE_ETCD_VERSION: built before"; return 0; }
  # Inside its own module copy etcd's server does not build (relative replace directives to ../api):
  # a scratch module that requires it does.
  if [ ! -f "$mod/go.sum" ]; then
    mkdir -p "$mod"
    (cd "$mod" && rm -f go.mod && go mod init canarykit.local/etcd-build >/dev/null 2>&1 &&
      go get "go.etcd.io/etcd/server/v3@$OFFLINE_ETCD_VERSION" >"$mod/go-get.log" 2>&1) ||
      { tail -n 20 "$mod/go-get.log" >&2; die "go get go.etcd.io/etcd/server/v3@$OFFLINE_ETCD_VERSION failed (above); check the Go module proxy"; }
  fi
  go_build "$mod" "$out" go.etcd.io/etcd/server/v3 -ldflags "-s -w"
}

coredns() {
  local src="$OFFLINE_OUT/src/coredns-$OFFLINE_COREDNS_VERSION"
  [ -x "$OFFLINE_OUT/coredns-$OFFLINE_COREDNS_VERSION/coredns" ] && { say "CoreDNS $OFFLINE_COREDNS_VERSION: built before"; return 0; }
  module_copy github.com/coredns/coredns "$OFFLINE_COREDNS_VERSION" "$src"
  go_build "$src" "$OFFLINE_OUT/coredns-$OFFLINE_COREDNS_VERSION/coredns" . -ldflags "-s -w"
}

crictl() {
  local src="$OFFLINE_OUT/src/cri-tools-$OFFLINE_CRICTL_VERSION"
  [ -x "$OFFLINE_OUT/crictl-$OFFLINE_CRICTL_VERSION/crictl" ] && { say "crictl $OFFLINE_CRICTL_VERSION: built before"; return 0; }
  module_copy sigs.k8s.io/cri-tools "$OFFLINE_CRICTL_VERSION" "$src"
  go_build "$src" "$OFFLINE_OUT/crictl-$OFFLINE_CRICTL_VERSION/crictl" ./cmd/crictl -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$OFFLINE_CRICTL_VERSION"
}

istio() {
  local x="istio.io/istio/pkg/version" ldflags
  ldflags="-s -w -X $x.buildVersion=$OFFLINE_ISTIO_VERSION -X $x.buildTag=$OFFLINE_ISTIO_MODULE_VERSION -X $x.buildHub=$OFFLINE_HUB/istio -X $x.buildStatus=Clean -X $x.buildOS=linux -X $x.buildArch=$(go env GOARCH)"
  local cmd missing=0
  for cmd in pilot-discovery pilot-agent istioctl; do [ -x "$istio_bin/$cmd" ] || missing=1; done
  if [ "$missing" = 0 ]; then say "Istio $OFFLINE_ISTIO_VERSION: built before (${istio_bin#"$root"/})"; return 0; fi
  module_copy istio.io/istio "$OFFLINE_ISTIO_MODULE_VERSION" "$istio_src"
  go_build "$istio_src" "$istio_bin/pilot-discovery" ./pilot/cmd/pilot-discovery -ldflags "$ldflags"
  go_build "$istio_src" "$istio_bin/pilot-agent" ./pilot/cmd/pilot-agent -ldflags "$ldflags"
  go_build "$istio_src" "$istio_bin/istioctl" ./istioctl/cmd/istioctl -ldflags "$ldflags"
}

kind_cli() {
  local out="$root/.tools/bin/kind"
  if [ -x "$out" ] && [ "$("$out" version 2>/dev/null | awk '{print $2}')" = "$KIND_VERSION" ]; then say "kind $KIND_VERSION: built before"; return 0; fi
  mkdir -p "$root/.tools/bin"
  GOBIN="$root/.tools/bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$KIND_VERSION" || die "go install sigs.k8s.io/kind@$KIND_VERSION failed; check the Go module proxy"
}

# One component, or all of them (the order puts the longest builds where a failure shows early).
for what in "${@:-kind kubernetes etcd coredns crictl istio}"; do
  for component in $what; do
    step "build $component"
    case "$component" in
      kind) kind_cli ;; kubernetes) kubernetes ;; etcd) etcd ;; coredns) coredns ;; crictl) crictl ;; istio) istio ;;
      *) die "unknown component '$component': pick from kind kubernetes etcd coredns crictl istio" ;;
    esac
    step_done
  done
done
# The tools the cluster commands run in offline mode: the kubectl and istioctl built above.
mkdir -p "$OFFLINE_OUT/bin"
[ -x "$k8s_bin/kubectl" ] && ln -sf "$k8s_bin/kubectl" "$OFFLINE_OUT/bin/kubectl"
[ -x "$istio_bin/istioctl" ] && ln -sf "$istio_bin/istioctl" "$OFFLINE_OUT/bin/istioctl"
exit 0
