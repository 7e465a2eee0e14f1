#!/usr/bin/env bash
# The seed story, live, on this machine (as root, after `npm ci`):
#   - builds the lab (test/helpers/lab/lab.ts): network namespaces for the user's machine on an ISP's network, the
#     ISP's router (resolver and relay smtp.isp.test), the mailbox provider disney.test (Postfix on port 25
#     only, relaying only for its own network; Dovecot IMAP/POP3 with TLS) and a control endpoint;
#   - runs the built `maildoctor check pippo@disney.test --ca LAB-CA` on the user's machine: the default
#     command line (the ISP database and the default control endpoints are asked; the lab's resolver refuses
#     every name outside the lab, as a closed network's does), so it prints the hybrid-account report;
#   - tears the lab down (also on ^C or an error).
# Only RFC 5737 addresses inside namespaces it creates: nothing leaves the machine.
# Options are passed to test/helpers/lab/demo.ts: --json, --submission (provider offers 587/465 with a password),
# --block25 (the ISP drops port 25), --reject25 (it resets it), --no-controls (no control endpoint), and
# --network web-only|intercept25|inspect25|mtu-blackhole|ipv6-broken (what the network does to mail, test/helpers/lab/networks.ts),
# e.g. `bash scripts/demo.sh --submission --network intercept25`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (it creates network namespaces and starts Postfix and Dovecot)" >&2
  exit 2
fi
for tool in ip nft postfix dovecot openssl node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "demo.sh: '$tool' is not installed" >&2; exit 2; }
done
[ -d node_modules/tsx ] && [ -f dist/cli-bundle/maildoctor.cjs ] || { echo "demo.sh: run 'npm ci' first" >&2; exit 2; }

# demo.ts removes its lab itself; this catches a demo that was killed before it could.
cleanup() { npx --no-install tsx test/helpers/lab/cleanup.ts || true; }
trap cleanup EXIT

npx --no-install tsx test/helpers/lab/demo.ts "$@"
