#!/usr/bin/env bash
# Make a Docker engine answer on this machine: install Debian's docker.io when dockerd is absent,
# start dockerd in the background (log: $DOCKERD_LOG) and wait until `docker info` answers.
# Idempotent: does nothing when an engine already answers. Needs root for the install and start.
#
# CI machines have no Docker engine and no registry: only Debian apt, npm and the Go proxy. The
# legacy builder is used (DOCKER_BUILDKIT=0), so no buildx plugin is needed.
set -euo pipefail
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"

say() { echo "setup-docker: $*" >&2; }

if docker info >/dev/null 2>&1; then
  say "a Docker engine already answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  say "no Docker engine answers and this is not root: start Docker yourself (e.g. 'sudo $0' or Docker Desktop)"
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "installing Debian's docker.io (apt-get update first)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends: no apparmor, cgroupfs-mount... that a VM or container does not need.
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid + nohup: dockerd outlives this script and the CI step that ran it.
  setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
fi

for ((i = 0; i < WAIT_SECONDS; i++)); do
  if docker info >/dev/null 2>&1; then
    say "Docker $(docker version --format '{{.Server.Version}}') is up after ${i} s (storage driver: $(docker info --format '{{.Driver}}'))"
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within ${WAIT_SECONDS} s; last lines of $DOCKERD_LOG:"
tail -n 30 "$DOCKERD_LOG" >&2 || true
exit 1
