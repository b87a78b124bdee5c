#!/usr/bin/env bash
# Install what perfgate needs on Debian/Ubuntu. As root (a root shell, a
# container, a CI job) it runs apt-get itself; as any other user it runs
# apt-get through sudo. When every package is installed already it does
# nothing (no apt-get update: works offline and in a warm CI container).
#   ci/install-deps.sh            build, run and test (everything `make test` uses)
#   ci/install-deps.sh --runtime  build and run the gate only (CI templates, the
#                                 GitHub Action: no browser, no Prometheus, no
#                                 valgrind)
# Exit status: 0 installed, 1 apt-get failed or no way to become root, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/.."
lists=(ci/apt-packages.txt ci/apt-packages-test.txt)
case "${1:-}" in
--runtime) lists=(ci/apt-packages.txt) ;;
"") ;;
*) echo "usage: $0 [--runtime]" >&2; exit 2 ;;
esac

mapfile -t packages < <(grep -hv '^[[:space:]]*\(#\|$\)' "${lists[@]}")
missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2> /dev/null || true)
    [[ $status == *" installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages of ${lists[*]} are installed"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    as_root=(env)
elif command -v sudo > /dev/null 2>&1; then
    as_root=(sudo env)
else
    echo "install-deps: not root and no sudo: run it as root (e.g. su -c 'bash $0${1:+ $1}')" >&2
    echo "install-deps: missing: ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
