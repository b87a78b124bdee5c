#!/usr/bin/env bash
# The build steps of the perfgate GitHub Action (action.yml at the repository
# root); also usable on any runner.
#
#   action-build.sh key     outputs `key` (cache key of the build: this
#                           source tree, the OS release, the architecture and
#                           the compiler) and `prefix` (where it is installed)
#   action-build.sh build   build perfgate from this source tree and install
#                           it into the prefix, unless $CACHE_HIT is "true" and
#                           the installed perfgate runs; puts its bin/ on
#                           $GITHUB_PATH
#
# Environment: RUNNER_TEMP (the prefix and the build directory live there),
# GITHUB_OUTPUT, GITHUB_PATH (as a runner sets them), CACHE_HIT.
# The installation is relocatable (perfgate finds its data beside its binary,
# ../share/perfgate), so a cache restored under another path still works.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
prefix=$tmp/perfgate
say() { printf 'perfgate action: %s\n' "$*" >&2; }

# Everything that goes into the build or the installation, hashed with its
# path; the same tree gives the same key on every runner of the same image.
source_hash() {
    (cd "$src" && find meson.build meson_options.txt src man fixtures bench baselines docs README.md \
        -type f ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-20
}

case "${1:-}" in
key)
    os=unknown
    if [[ -r /etc/os-release ]]; then
        # shellcheck disable=SC1091  # the runner's file
        os=$(. /etc/os-release && echo "${ID:-linux}-${VERSION_ID:-rolling}")
    fi
    cc_version=$( (cc --version 2> /dev/null || echo none) | head -n1 | sha256sum | cut -c1-8)
    key="perfgate-build-v1-$os-$(uname -m)-cc$cc_version-$(source_hash)"
    echo "key=$key" >> "$GITHUB_OUTPUT"
    echo "prefix=$prefix" >> "$GITHUB_OUTPUT"
    say "build cache key $key"
    ;;
build)
    if [[ ${CACHE_HIT:-} == true ]] && "$prefix/bin/perfgate" --version > /dev/null 2>&1; then
        say "perfgate $("$prefix/bin/perfgate" --version | cut -d' ' -f2) restored from the cache"
    else
        build=$tmp/perfgate-build
        rm -rf "$build" "$prefix"
        start=$(date +%s)
        # The project's usual -O2 build, without its test programs and man
        # pages; no --werror (a newer compiler on the runner must not stop a
        # gate).
        meson setup "$build" "$src" --prefix="$prefix" --buildtype=debugoptimized \
            -Dtests=false -Dman=disabled --wrap-mode=nodownload > "$tmp/perfgate-setup.log" ||
            { cat "$tmp/perfgate-setup.log" >&2; exit 1; }
        ninja -C "$build" > "$tmp/perfgate-ninja.log" ||
            { cat "$tmp/perfgate-ninja.log" >&2; exit 1; }
        meson install -C "$build" --quiet --no-rebuild
        rm -rf "$build"
        say "built $("$prefix/bin/perfgate" --version) in $(($(date +%s) - start)) s"
    fi
    echo "$prefix/bin" >> "$GITHUB_PATH"
    echo "bin=$prefix/bin/perfgate" >> "$GITHUB_OUTPUT"
    ;;
*)
    echo "usage: $0 key|build" >&2
    exit 2
    ;;
esac
