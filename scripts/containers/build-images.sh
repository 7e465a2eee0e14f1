#!/usr/bin/env bash
# Build the maildoctor-* server images for the container test tier from Debian
# packages, without pulling anything from an image registry:
#
#   debootstrap --variant=minbase --include=PACKAGES SUITE ROOTFS MIRROR
#     -> cached rootfs tarball (keyed on suite, architecture and package list)
#   rootfs tarball + fixtures/containers/<server>/rootfs overlay + prepare.sh
#     -> tar | docker import --change CMD ... --change LABEL ...
#
# An image is generic: the tests copy the servers' configuration
# (fixtures/containers/<server>/config/), certificates and users in when they
# create a container.
#
# Idempotent: an image whose tag exists and whose fixture-hash label matches the
# current fixture directory is kept; a cached rootfs tarball is reused.
#
# Usage: scripts/containers/build-images.sh [dovecot|postfix ...]   (default: all)
#
# Environment:
#   MAILDOCTOR_DOVECOT_IMAGE, MAILDOCTOR_POSTFIX_IMAGE
#                          image names (default maildoctor-<server>:<suite>)
#   MAILDOCTOR_CACHE_DIR   rootfs tarballs and .deb cache
#                          (default ${XDG_CACHE_HOME:-~/.cache}/maildoctor/containers)
#   DEBIAN_MIRROR          Debian mirror for debootstrap (default: the machine's
#                          apt source that serves the pinned suite)
#   FORCE_REBUILD=1        rebuild images even when the tag is current
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fixtures="$repo_root/fixtures/containers"
# shellcheck source=fixtures/containers/images.env source-path=SCRIPTDIR/../..
source "$fixtures/images.env" # DEBIAN_SUITE: the one place the suite is pinned

cache_dir="${MAILDOCTOR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/maildoctor/containers}"
arch=$(dpkg --print-architecture)
script_start_ns=$(date +%s%N)

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo -n) # debootstrap and owner-preserving tar need root

image_name() {
  case "$1" in
    dovecot) echo "${MAILDOCTOR_DOVECOT_IMAGE:-maildoctor-dovecot:$DEBIAN_SUITE}" ;;
    postfix) echo "${MAILDOCTOR_POSTFIX_IMAGE:-maildoctor-postfix:$DEBIAN_SUITE}" ;;
    *) die "unknown server '$1' (known: dovecot postfix)" ;;
  esac
}

# The mirror comes from this machine's apt sources, never from a committed host
# name: the first enabled `deb` source whose suite is exactly $DEBIAN_SUITE, in
# one-line (.list) or deb822 (.sources) format.
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    if [[ "$f" == *.sources ]]; then
      # deb822: blank-line separated stanzas of "Key: value" fields.
      uri=$(awk -v suite="$DEBIAN_SUITE" '
        function flush() {
          if (!found && (" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "") {
            split(uris, u, " "); print u[1]; found = 1; exit
          }
          types = suites = uris = enabled = ""
        }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]*#/ { next }
        {
          key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^[ \t]+/, "")
          if (key == "types") types = $0
          else if (key == "suites") suites = $0
          else if (key == "uris") uris = $0
          else if (key == "enabled") enabled = tolower($0)
        }
        END { flush() }' "$f")
    else
      # One-line format: deb [options] URI SUITE COMPONENTS...
      uri=$(awk -v suite="$DEBIAN_SUITE" '
        $1 == "deb" {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if ($(i + 1) == suite) { print $i; exit }
        }' "$f")
    fi
    if [[ -n "$uri" ]]; then echo "$uri"; return; fi
  done
  return 1
}

# Hash of everything that shapes an image: this script, the pins and the
# server's image inputs (image.env, prepare.sh, rootfs/). Runtime configuration
# under <server>/config/ is copied in by the tests and does not count. Stored
# as an image label to detect stale tags.
fixture_hash() {
  (
    cd "$repo_root"
    find "fixtures/containers/$1" -path "fixtures/containers/$1/config" -prune -o -type f -print0 |
      sort -z | xargs -0 sha256sum
    sha256sum fixtures/containers/images.env scripts/containers/build-images.sh
  ) | sha256sum | cut -c1-16
}

# Reads PACKAGES and CMD from fixtures/containers/<server>/image.env.
load_definition() {
  PACKAGES='' CMD=''
  # shellcheck disable=SC1090
  source "$fixtures/$1/image.env"
  [[ -n "$PACKAGES" && -n "$CMD" ]] || die "$fixtures/$1/image.env must set PACKAGES and CMD"
}

rootfs_key() { printf '%s\n' "$DEBIAN_SUITE" "$arch" "$PACKAGES" | sha256sum | cut -c1-12; }
rootfs_path() { echo "$cache_dir/rootfs/$1-$DEBIAN_SUITE-$arch-$(rootfs_key).tar"; }

# Builds the rootfs tarball for the loaded definition with debootstrap.
build_rootfs() {
  local server=$1 tarball work mirror t0
  tarball=$(rootfs_path "$server")
  command -v debootstrap >/dev/null || die "debootstrap is missing (run scripts/containers/setup-docker.sh)"
  mirror=$(debian_mirror) || true
  [[ -n "$mirror" ]] || die "no apt source for Debian '$DEBIAN_SUITE' on this machine; set DEBIAN_MIRROR"
  # One .deb cache per server: concurrent debootstraps must not write the same file.
  mkdir -p "$cache_dir/rootfs" "$cache_dir/debs/$server"
  work=$(mktemp -d "$cache_dir/rootfs/.debootstrap-$server.XXXXXX")
  t0=$(date +%s%N)
  log "$server: debootstrap $DEBIAN_SUITE ($arch) with: $PACKAGES"
  if ! "${SUDO[@]}" debootstrap --variant=minbase --arch="$arch" \
      --cache-dir="$cache_dir/debs/$server" --include="${PACKAGES// /,}" \
      "$DEBIAN_SUITE" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [[ -f "$work/rootfs/debootstrap/debootstrap.log" ]] && tail -n 30 "$work/rootfs/debootstrap/debootstrap.log" >&2
    "${SUDO[@]}" rm -rf "$work"
    die "$server: debootstrap failed"
  fi
  log "$server: debootstrap took $(ms_since "$t0") ms"
  # Not needed at run time: package lists, the apt cache, documentation.
  "${SUDO[@]}" rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* \
    "$work/rootfs/debootstrap" "$work/rootfs/usr/share/doc/"* "$work/rootfs/usr/share/man/"* \
    "$work/rootfs/usr/share/info/"*
  "${SUDO[@]}" tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball" # atomic: a half-written tarball is never reused
  "${SUDO[@]}" rm -rf "$work"
}

import_image() {
  local server=$1 name=$2 hash=$3 tarball work t0 previous
  tarball=$(rootfs_path "$server")
  previous=$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  t0=$(date +%s%N)
  work=$(mktemp -d)
  # Extract, lay the overlay over it and run the prepare hook (ownerships and
  # empty directories, which git cannot carry), then import the result.
  "${SUDO[@]}" tar --numeric-owner -C "$work" -xpf "$tarball"
  if [[ -d "$fixtures/$server/rootfs" ]]; then
    "${SUDO[@]}" cp -R --no-preserve=ownership "$fixtures/$server/rootfs/." "$work/"
  fi
  if [[ -x "$fixtures/$server/prepare.sh" ]]; then
    "${SUDO[@]}" "$fixtures/$server/prepare.sh" "$work"
  fi
  "${SUDO[@]}" tar --numeric-owner -C "$work" -c . |
    docker import \
      --change "CMD $CMD" \
      --change "LABEL org.maildoctor.fixture-hash=$hash org.maildoctor.debian-suite=$DEBIAN_SUITE" \
      --message "maildoctor $server test image ($DEBIAN_SUITE)" \
      - "$name" >/dev/null
  "${SUDO[@]}" rm -rf "$work"
  # The superseded image is now untagged; drop it unless a container still uses it.
  if [[ -n "$previous" && "$previous" != "$(docker image inspect --format '{{.Id}}' "$name")" ]]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
  log "$server: imported $name in $(ms_since "$t0") ms"
}

servers=("$@")
[[ ${#servers[@]} -gt 0 ]] || servers=(dovecot postfix)
docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/containers/setup-docker.sh)"

# 1. Which images are stale?
stale=()
declare -A want_hash=()
for server in "${servers[@]}"; do
  name=$(image_name "$server")
  hash=$(fixture_hash "$server")
  current=$(docker image inspect --format '{{ index .Config.Labels "org.maildoctor.fixture-hash" }}' "$name" 2>/dev/null || true)
  if [[ "$current" == "$hash" && "${FORCE_REBUILD:-0}" != 1 ]]; then
    log "$server: $name is current (fixture hash $hash); skipping"
    continue
  fi
  [[ -n "$current" ]] && log "$server: $name has fixture hash '$current', want $hash; rebuilding"
  stale+=("$server")
  want_hash[$server]=$hash
done

# 2. Missing rootfs tarballs, debootstrapped in parallel: each run is bound by
#    dpkg and the mirror rather than by one core, so two overlap well.
pids=() failed=0
for server in "${stale[@]}"; do
  load_definition "$server"
  if [[ -s "$(rootfs_path "$server")" ]]; then
    log "$server: reusing cached rootfs $(basename "$(rootfs_path "$server")")"
    continue
  fi
  build_rootfs "$server" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[[ $failed -eq 0 ]] || die "a rootfs build failed (see above)"

# 3. Import.
for server in "${stale[@]}"; do
  load_definition "$server"
  import_image "$server" "$(image_name "$server")" "${want_hash[$server]}"
done
log "done in $(ms_since "$script_start_ns") ms"
