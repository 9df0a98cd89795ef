#!/usr/bin/env bash
# Every image the offline kind + Istio cluster needs, from the Go module proxy and Debian packages
# only (no container registry): `make offline-images`.
#   1. the programs (scripts/offline/build-binaries.sh): Kubernetes, etcd, CoreDNS, crictl, Istio, kind
#   2. canarykit.local/kind-rootfs     Debian (debootstrap) with what kind's base image installs,
#                                      Debian's containerd, runc and CNI plugins
#   3. canarykit.local/kind-base       + kind's images/base files, read from the kind module in the Go
#                                      module cache (never copied into this repository)
#   4. registry.k8s.io/* component images, tagged as `kubeadm config images list` prints them
#   5. canarykit.local/kind-node       the node image: kubeadm, kubelet, kubectl, crictl, the component
#                                      images imported into its containerd, a ptp CNI (kindnetd
#                                      cannot be had here), canarykit's entrypoint
#   6. canarykit.local/istio/pilot and canarykit.local/istio/proxyv2 (pilot-agent only: no Envoy)
#   7. the greeter images (make build)
# Idempotent: each image is tagged with a key of its pins and inputs; an existing tag is not rebuilt,
# and Go's build cache makes a rebuild of the programs quick. Prints each step and its duration.
# Writes .tools/offline/images.env: the tags the cluster commands use (src/cluster/images.ts).
# Arguments pick parts: node, istio, apps (default: all three; images.env is written after all).
set -euo pipefail
# shellcheck source=scripts/offline/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker info >/dev/null 2>&1 || die "no Docker engine answers: start Docker (as root on Debian: make docker-setup), then retry"

parts="${*:-node istio apps}"
for part in $parts; do case "$part" in node | istio | apps) ;; *) die "unknown part '$part': pick from node istio apps" ;; esac; done
wants() { [[ " $parts " == *" $1 "* ]]; }
components=""
wants node && components+=" kind kubernetes etcd coredns crictl"
wants istio && components+=" istio"
[ -n "$components" ] && "$offline_dir/build-binaries.sh" "$components"
build_started=$SECONDS

k8s_v="$OFFLINE_KUBERNETES_VERSION"
kind_mod="$(module_dir sigs.k8s.io/kind "$KIND_VERSION")"
[ -d "$kind_mod/images/base/files" ] || die "$kind_mod/images/base/files is missing: kind $KIND_VERSION's module no longer ships its base image files"

work="$(mktemp -d "${TMPDIR:-/tmp}/canarykit-offline.XXXXXX")"
cleanup() {
  [ -n "${node_cid:-}" ] && docker rm -f "$node_cid" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# --- 2. Debian rootfs with kind's packages
rootfs_packages="systemd,systemd-sysv,dbus,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,fuse-overlayfs,e2fsprogs,bash,ca-certificates,curl,jq,procps,containerd,runc,containernetworking-plugins,socat,ebtables"
rootfs_image="$OFFLINE_HUB/kind-rootfs:$OFFLINE_DEBIAN_SUITE-$(key_of "$OFFLINE_DEBIAN_SUITE" "$rootfs_packages")"
step "Debian $OFFLINE_DEBIAN_SUITE rootfs with containerd, runc, CNI plugins ($rootfs_image)"
if image_exists "$rootfs_image"; then
  step_done "built before"
else
  [ "$(id -u)" = 0 ] || die "debootstrap needs root: run 'make offline-images' as root (or sudo)"
  command -v debootstrap >/dev/null 2>&1 || {
    say "installing debootstrap (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } >/dev/null ||
      die "could not install debootstrap: apt-get install debootstrap"
  }
  debootstrap --variant=minbase --include="$rootfs_packages" "$OFFLINE_DEBIAN_SUITE" "$work/rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap $OFFLINE_DEBIAN_SUITE failed (log above); is Debian's mirror reachable?"; }
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/*
  tar -C "$work/rootfs" --numeric-owner -c . | docker import --change 'CMD ["/bin/bash"]' - "$rootfs_image" >/dev/null
  rm -rf "$work/rootfs"
  step_done "imported"
fi

# --- 3. kind base image
if wants node; then
base_image="$OFFLINE_HUB/kind-base:$KIND_VERSION-$(key_of "$rootfs_image" "$offline_dir/node/kind-base.Dockerfile")"
step "kind base image ($base_image)"
if image_exists "$base_image"; then
  step_done "built before"
else
  ctx="$work/kind-base"
  mkdir -p "$ctx" && cp -r "$kind_mod/images/base/files" "$ctx/files" && chmod -R u+w "$ctx"
  docker_build --build-arg "BASE=$rootfs_image" -t "$base_image" -f "$offline_dir/node/kind-base.Dockerfile" "$ctx"
  step_done "built"
fi

# --- 4. component images
step "Kubernetes component images"
mapfile -t component_tags < <("$k8s_bin/kubeadm" config images list --kubernetes-version "$k8s_v" 2>/dev/null)
[ "${#component_tags[@]}" -ge 6 ] || die "kubeadm config images list printed no images"
pause_tag=""
ctx="$work/components" && mkdir -p "$ctx"
for tag in "${component_tags[@]}"; do
  name="${tag##*/}"; name="${name%%:*}"
  if image_exists "$tag" && [ "$(docker image inspect --format '{{index .Config.Labels "canarykit.offline"}}' "$tag")" = "$(key_of "$tag" "$offline_dir/build-images.sh" "$offline_dir/node/kube-proxy")" ]; then
    say "$tag: built before"; [ "$name" = pause ] && pause_tag="$tag"; continue
  fi
  rm -rf "${ctx:?}"/* && from=scratch
  case "$name" in
    kube-apiserver | kube-controller-manager | kube-scheduler) cp "$k8s_bin/$name" "$ctx/bin" && dest=/usr/local/bin/$name && entry="$dest" ;;
    kube-proxy) # needs iptables and conntrack; a wrapper picks the node's iptables backend
      cp "$k8s_bin/$name" "$ctx/bin" && cp "$offline_dir/node/kube-proxy" "$ctx/wrapper"
      dest=/usr/local/bin/kube-proxy.bin && entry=/usr/local/bin/kube-proxy && from="$rootfs_image" ;;
    etcd) cp "$OFFLINE_OUT/etcd-$OFFLINE_ETCD_VERSION/etcd" "$ctx/bin" && dest=/usr/local/bin/etcd && entry="$dest" ;;
    coredns) cp "$OFFLINE_OUT/coredns-$OFFLINE_COREDNS_VERSION/coredns" "$ctx/bin" && dest=/coredns && entry=/coredns ;;
    pause)
      pause_tag="$tag"
      command -v gcc >/dev/null 2>&1 || die "gcc is needed for the pause image: apt-get install gcc"
      gcc -Os -static -o "$ctx/bin" "$(module_dir k8s.io/kubernetes "$k8s_v")/build/pause/linux/pause.c" || die "gcc -static of Kubernetes' pause.c failed (needs libc6-dev)"
      dest=/pause && entry=/pause ;;
    *) die "kubeadm asks for an image canarykit does not know how to build: $tag" ;;
  esac
  cat >"$ctx/Dockerfile" <<EOF
FROM $from
COPY bin $dest
$([ -f "$ctx/wrapper" ] && echo "COPY wrapper $entry")
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL canarykit.offline=$(key_of "$tag" "$offline_dir/build-images.sh" "$offline_dir/node/kube-proxy")
ENTRYPOINT ["$entry"]
EOF
  docker_build -t "$tag" "$ctx"
  say "$tag: built"
done
step_done "${#component_tags[@]} images"

# --- 5. node image
node_key="$(key_of "$base_image" "${component_tags[@]}" "$OFFLINE_ETCD_VERSION" "$OFFLINE_COREDNS_VERSION" "$OFFLINE_CRICTL_VERSION" \
  "$offline_dir/build-images.sh" "$offline_dir/node/entrypoint" "$offline_dir/node/10-canarykit-ptp.conflist" "$offline_dir/node/kube-proxy")"
node_image="$OFFLINE_HUB/kind-node:$k8s_v-$node_key"
step "kind node image ($node_image)"
if image_exists "$node_image"; then
  step_done "built before"
else
  # What `kind build node-image` does, without its registry fetches: binaries in, images into the
  # node's containerd (pinned, so the kubelet never garbage-collects them), then commit.
  node_cid="$(docker run -d --entrypoint=sleep "$base_image" infinity)"
  for bin in kubeadm kubelet kubectl; do docker cp "$k8s_bin/$bin" "$node_cid:/usr/bin/$bin"; done
  docker cp "$OFFLINE_OUT/crictl-$OFFLINE_CRICTL_VERSION/crictl" "$node_cid:/usr/local/bin/crictl"
  docker cp "$offline_dir/node/entrypoint" "$node_cid:/usr/local/bin/canarykit-entrypoint"
  docker exec "$node_cid" mkdir -p /etc/cni/net.d
  docker cp "$offline_dir/node/10-canarykit-ptp.conflist" "$node_cid:/etc/cni/net.d/10-canarykit-ptp.conflist"
  docker exec "$node_cid" sh -c "echo '$k8s_v' >/kind/version && sed -i 's#sandbox_image = .*#sandbox_image = \"$pause_tag\"#' /etc/containerd/config.toml"
  docker exec -d "$node_cid" sh -c 'containerd >/var/log/containerd-build.log 2>&1'
  for _ in $(seq 1 30); do docker exec "$node_cid" ctr version >/dev/null 2>&1 && break; sleep 1; done
  docker save "${component_tags[@]}" | docker exec -i "$node_cid" ctr -n k8s.io images import \
    --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - >/dev/null ||
    { docker exec "$node_cid" tail -n 20 /var/log/containerd-build.log >&2; die "importing the component images into the node's containerd failed"; }
  docker exec "$node_cid" sh -c 'pkill containerd; while pgrep -x containerd >/dev/null; do sleep 0.2; done; rm -f /var/log/containerd-build.log'
  docker commit \
    --change 'ENTRYPOINT ["/usr/local/bin/canarykit-entrypoint", "/sbin/init"]' --change 'CMD []' \
    --change "LABEL canarykit.offline.kubernetes=$k8s_v" \
    "$node_cid" "$node_image" >/dev/null
  docker rm -f "$node_cid" >/dev/null && node_cid=""
  step_done "$(docker image inspect --format '{{.Size}}' "$node_image" | awk '{printf "%d MB", $1/1e6}')"
fi

fi # node

# --- 6. Istio images
istio_tag="$OFFLINE_ISTIO_VERSION-$(key_of "$OFFLINE_ISTIO_MODULE_VERSION" "$rootfs_image" "$offline_dir/build-images.sh")"
if wants istio; then
step "Istio images $OFFLINE_HUB/istio/{pilot,proxyv2}:$istio_tag"
ctx="$work/istio" && mkdir -p "$ctx"
for image in pilot proxyv2; do
  ref="$OFFLINE_HUB/istio/$image:$istio_tag"
  if image_exists "$ref"; then say "$ref: built before"; continue; fi
  rm -rf "${ctx:?}"/*
  if [ "$image" = pilot ]; then
    # As Istio's pilot/docker/Dockerfile.pilot: pilot-discovery, non-root.
    cp "$istio_bin/pilot-discovery" "$ctx/bin"
    printf 'FROM %s\nCOPY bin /usr/local/bin/pilot-discovery\nUSER 1337:1337\nENTRYPOINT ["/usr/local/bin/pilot-discovery"]\n' "$rootfs_image" >"$ctx/Dockerfile"
  else
    # As Dockerfile.proxyv2 but without Envoy: the grpc-agent injection template runs pilot-agent
    # with DISABLE_ENVOY=true for proxyless gRPC. A sidecar or gateway from this image cannot start.
    cp "$istio_bin/pilot-agent" "$ctx/bin"
    printf 'FROM %s\nCOPY bin /usr/local/bin/pilot-agent\nRUN mkdir -p /etc/istio/proxy /var/lib/istio/data && chmod 777 /etc/istio/proxy /var/lib/istio/data\nLABEL canarykit.offline.no-envoy=true\nENTRYPOINT ["/usr/local/bin/pilot-agent"]\n' "$rootfs_image" >"$ctx/Dockerfile"
  fi
  docker_build -t "$ref" "$ctx"
  say "$ref: built"
done
step_done
fi # istio

# --- 7. greeter images
if wants apps; then
step "greeter images (make build)"
if ! docker image inspect "${BASE_IMAGE:-node:${NODE_VERSION%%.*}-bookworm-slim}" >/dev/null 2>&1; then
  BASE_IMAGE="${BASE_IMAGE:-node:${NODE_VERSION%%.*}-bookworm-slim}" "$root/scripts/ci/build-base-image.sh"
fi
make -C "$root" --no-print-directory build >/dev/null
step_done
fi # apps

if [ "$parts" != "node istio apps" ]; then say "built: $parts (images.env is written when all parts are built)"; exit 0; fi

cat >"$OFFLINE_OUT/images.env" <<EOF
# Written by scripts/offline/build-images.sh ($(date -u +%FT%TZ)); read by src/cluster/images.ts.
OFFLINE_NODE_IMAGE=$node_image
OFFLINE_ISTIO_HUB=$OFFLINE_HUB/istio
OFFLINE_ISTIO_TAG=$istio_tag
OFFLINE_TOOLS_BIN=$OFFLINE_OUT/bin
EOF
say "all images ready in $((SECONDS - build_started)) s (programs not counted); next: make cluster-up"
