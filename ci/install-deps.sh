#!/usr/bin/env bash
# Install what perfgate needs on Debian/Ubuntu (run as root or via sudo).
#   ci/install-deps.sh            build, run and test (everything `make test` uses)
#   ci/install-deps.sh --runtime  build and run the gate only (CI templates:
#                                 no browser, no Prometheus, no valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
lists=(ci/apt-packages.txt ci/apt-packages-test.txt)
case "${1:-}" in
--runtime) lists=(ci/apt-packages.txt) ;;
"") ;;
*) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2046
apt-get install -y --no-install-recommends $(grep -hv '^#' "${lists[@]}")
