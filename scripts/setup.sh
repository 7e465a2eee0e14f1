#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine to run maildoctor and its tests: the Debian packages the real-server
# tests start (Postfix, Dovecot), the tools the namespace tests use (iproute2, nftables), nmap for the
# benchmark, Prometheus for the agent's scrape test, Chromium for the HTML report test (run headless); then the
# npm dependencies (npm ci also builds dist/).
# Idempotent: packages already installed are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-pop3d openssl ca-certificates iproute2 nftables nmap prometheus libnotify-bin procps chromium)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root (or install sudo)" >&2; exit 1; }
  SUDO="sudo"
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # Postfix asks how to configure the system's own mail; the tests run private instances, so: none.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
echo "setup: done"
