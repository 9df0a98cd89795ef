# Shared by the offline image build (scripts/offline/*.sh): pins, folders, progress lines, keys.
# Sourced, not run. Every build step is idempotent: its output is keyed by the pins (and by the
# files of ours it uses), and a step whose output exists is skipped with a line saying so.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/tools/versions.env
source "$root/scripts/tools/versions.env"
offline_dir="$root/scripts/offline"
# Built binaries and module copies; Go's own caches ($GOCACHE, $GOMODCACHE) are reused as they are.
OFFLINE_OUT="${OFFLINE_OUT:-$root/.tools/offline}"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
# Images are local only: this prefix is never pushed anywhere.
OFFLINE_HUB="${OFFLINE_HUB:-canarykit.local}"

k8s_minor="${OFFLINE_KUBERNETES_VERSION#v}"; k8s_minor="${k8s_minor%.*}"
istio_src="$OFFLINE_OUT/src/istio-$OFFLINE_ISTIO_MODULE_VERSION"
k8s_bin="$OFFLINE_OUT/kubernetes-$OFFLINE_KUBERNETES_VERSION"
istio_bin="$OFFLINE_OUT/istio-$OFFLINE_ISTIO_MODULE_VERSION"

build_started=${build_started:-$SECONDS}
say() { printf 'offline-images: %s\n' "$*" >&2; }
die() { printf 'offline-images: %s\n' "$*" >&2; exit 1; }
# step NAME: a progress line with the time since the build started; step_done prints how long it took.
step() { step_name="$1"; step_started=$SECONDS; printf '\n== %s (t+%ss)\n' "$1" "$((SECONDS - build_started))" >&2; }
step_done() { printf '   %s: %s in %ss\n' "$step_name" "${1:-done}" "$((SECONDS - step_started))" >&2; }

# A short key of the given strings and files: an image tag that changes when a pin or a file changes.
key_of() {
  local item
  for item in "$@"; do
    if [ -f "$item" ]; then sha256sum <"$item"; else printf '%s\n' "$item"; fi
  done | sha256sum | cut -c1-12
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The folder of MODULE@VERSION in the Go module cache, downloaded from the Go module proxy when absent.
module_dir() {
  local out
  out="$(go mod download -json "$1@$2" 2>&1)" || die "go mod download $1@$2 failed:
$out
  fix: check that the Go module proxy ($(go env GOPROXY)) answers and serves $1@$2 (scripts/tools/versions.env pins it)"
  sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$out"
}

# A writable copy of a module (the module cache is read-only), made once per version.
module_copy() {
  local module="$1" version="$2" dest="$3" src
  if [ -f "$dest/.complete" ]; then return 0; fi
  src="$(module_dir "$module" "$version")"
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")"
  cp -r "$src" "$dest" && chmod -R u+w "$dest"
  touch "$dest/.complete"
}

# go_build DIR OUT PKG [go build flags...]: a failed build names the module and the fix.
go_build() {
  local dir="$1" out="$2" pkg="$3"; shift 3
  if [ -x "$out" ]; then say "$(basename "$out"): built before (${out#"$root"/})"; return 0; fi
  local started=$SECONDS
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -trimpath -o "$out.tmp" "$@" "$pkg") || {
    rm -f "$out.tmp"
    die "go build $pkg in ${dir#"$root"/} failed (see above).
  fix: a download error means the Go module proxy did not serve a dependency: retry, or check GOPROXY; a compile error
       means the pinned version does not build with $(go env GOVERSION): pin another in scripts/tools/versions.env"
  }
  mv "$out.tmp" "$out"
  say "$(basename "$out"): built in $((SECONDS - started)) s"
}

# docker build with the legacy builder (no buildx here), quiet unless it fails.
docker_build() {
  local log; log="$(mktemp)"
  if ! DOCKER_BUILDKIT=0 docker build "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2; rm -f "$log"; die "docker build $* failed (above)"
  fi
  rm -f "$log"
}
