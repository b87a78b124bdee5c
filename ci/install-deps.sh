#!/usr/bin/env bash
# Install what perfgate needs on Debian/Ubuntu (run as root or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends $(grep -v '^#' ci/apt-packages.txt)
