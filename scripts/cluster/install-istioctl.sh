#!/usr/bin/env bash
# Put istioctl $ISTIO_VERSION (scripts/tools/versions.env) at .tools/bin/istioctl, from Istio's
# release archive on GitHub, checked against the published sha256.
#
# Why not `go install`: Istio tags its releases `1.31.1`, not `v1.31.1`, so the Go module proxy has
# no release version of istio.io/istio (only master pseudo-versions): go install cannot build a
# released istioctl. This script has NOT run on the machines canarykit was written on (no GitHub
# downloads there); it follows https://istio.io/latest/docs/setup/additional-setup/download-istio-release/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools/versions.env
source "$root/scripts/tools/versions.env"
localbin="$root/.tools/bin"

if [ -x "$localbin/istioctl" ] && [ "$("$localbin/istioctl" version --remote=false --short 2>/dev/null)" = "$ISTIO_VERSION" ]; then
  echo "install-istioctl: $localbin/istioctl is already $ISTIO_VERSION" >&2
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=osx ;;
  *) echo "install-istioctl: unsupported OS $(uname -s); see https://istio.io/latest/docs/setup/install/istioctl/" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) echo "install-istioctl: unsupported CPU $(uname -m)" >&2; exit 1 ;;
esac
# Archive names on the release page: istioctl-<v>-linux-amd64, -linux-arm64, -osx (Intel), -osx-arm64.
if [ "$os" = osx ] && [ "$arch" = amd64 ]; then platform=osx; else platform="$os-$arch"; fi
archive="istioctl-$ISTIO_VERSION-$platform.tar.gz"
url="https://github.com/istio/istio/releases/download/$ISTIO_VERSION/$archive"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "install-istioctl: downloading $url" >&2
curl -fsSL --retry 3 -o "$tmp/$archive" "$url" || { echo "install-istioctl: download failed; is github.com reachable?" >&2; exit 1; }
curl -fsSL --retry 3 -o "$tmp/$archive.sha256" "$url.sha256"
want="$(awk '{print $1}' "$tmp/$archive.sha256")"
if command -v sha256sum >/dev/null 2>&1; then got="$(sha256sum "$tmp/$archive" | awk '{print $1}')"; else got="$(shasum -a 256 "$tmp/$archive" | awk '{print $1}')"; fi
[ "$want" = "$got" ] || { echo "install-istioctl: checksum mismatch for $archive (want $want, got $got)" >&2; exit 1; }
mkdir -p "$localbin"
tar -xzf "$tmp/$archive" -C "$tmp" istioctl
install -m 0755 "$tmp/istioctl" "$localbin/istioctl"
echo "install-istioctl: $("$localbin/istioctl" version --remote=false --short) at ${localbin#"$root"/}/istioctl" >&2
