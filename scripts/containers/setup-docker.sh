#!/usr/bin/env bash
# Make a local Docker engine available for the container test tier.
#
# Idempotent: installs docker.io and debootstrap with apt-get only when they are
# missing, starts dockerd in the background only when no engine answers, then
# waits (bounded) until `docker info` answers. Needs root (or sudo) for the
# install and the daemon; on a machine whose engine already runs (a CI runner,
# a workstation) it only checks and returns.
#
# Environment:
#   DOCKERD_WAIT_S    how long to wait for the engine to answer (default 60)
#   DOCKERD_LOG       where dockerd's output goes (default: a new temp file)
#   DOCKERD_FLAGS     extra dockerd flags (word-split), e.g. "--userland-proxy=false"
set -euo pipefail

readonly DOCKERD_WAIT_S="${DOCKERD_WAIT_S:-60}" # a cold dockerd answers in a few seconds
start_ns=$(date +%s%N)

log() { printf '[setup-docker] %s\n' "$*" >&2; }
elapsed() { echo "$(( ($(date +%s%N) - start_ns) / 1000000 )) ms"; }

SUDO=()
if [[ $(id -u) -ne 0 ]]; then SUDO=(sudo -n); fi

missing=()
# The engine is the `dockerd` binary; a `docker` CLI alone is not enough.
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
  log "a Docker engine already answers; nothing to start"
else
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing: ${missing[*]}"
    # No `apt-get update` by default: an already-updated index is assumed (CI runs it first).
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2; then
      log "install failed; refreshing the package index once and retrying"
      "${SUDO[@]}" apt-get update -q >&2
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2
    fi
    missing=()
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    log_file="${DOCKERD_LOG:-$(mktemp -t dockerd.XXXXXX.log)}"
    log "starting dockerd in the background (log: $log_file)"
    # shellcheck disable=SC2086 # DOCKERD_FLAGS is meant to be word-split
    "${SUDO[@]}" nohup dockerd ${DOCKERD_FLAGS:-} >"$log_file" 2>&1 </dev/null &
    disown || true
  else
    log "dockerd is running but does not answer yet; waiting for it"
  fi
  deadline=$(( $(date +%s) + DOCKERD_WAIT_S ))
  until engine_answers; do
    if (( $(date +%s) >= deadline )); then
      log "docker info did not answer within ${DOCKERD_WAIT_S}s; see ${log_file:-the dockerd log}"
      [[ -n "${log_file:-}" ]] && tail -n 20 "$log_file" >&2
      exit 1
    fi
    sleep 0.5
  done
fi

# debootstrap is needed by build-images.sh even when an engine already ran.
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing: debootstrap"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2
fi

log "Docker engine $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?') ready in $(elapsed)"
