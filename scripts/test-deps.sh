#!/usr/bin/env bash
# What the test suite needs beyond npm packages, installed when missing: Prometheus, Alertmanager, HAProxy,
# Chromium and python3-kubernetes (the differential suite's second client) from Debian's packages, kubectl,
# and the upstream control plane and Helm built from Go modules. Run by `npm test` before the tests (npm's pretest).
set -euo pipefail

missing=()
for tool in prometheus prometheus-alertmanager haproxy chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
/usr/bin/python3 -c 'import kubernetes' >/dev/null 2>&1 || missing+=(python3-kubernetes)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "test dependencies: installing ${missing[*]} from Debian's packages" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "test dependencies: ${missing[*]} missing and this user cannot install packages; run as root, or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

command -v kubectl >/dev/null 2>&1 || { echo "test dependencies: kubectl is required for the end-to-end tests; install it from your distribution or from the Kubernetes packages" >&2; exit 1; }

# The upstream control plane the kubernetes engine's tests run, built from the Go module proxy into the user's
# cache (the first build took 17 minutes on 2 cores with empty Go caches; later runs find it built in under a second). Helm,
# the renderer the chart tests run, is built by the first of them that starts (about 3.5 minutes, one build
# on the machine at a time), while the suite's other files run.
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; else
    echo "test dependencies: Go 1.26 or newer is needed to build the upstream control plane (npm run lab:build); install it and put go on PATH" >&2
    exit 1
  fi
fi
node scripts/lab-build.ts --engine
