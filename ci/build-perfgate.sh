#!/usr/bin/env bash
# Build perfgate from this source tree for a CI job, cached: the build steps
# of the GitHub Action (action.yml) and of the GitLab component
# (templates/perfgate.yml).
#
#   build-perfgate.sh key     print the cache key of the build (this source
#                             tree, the OS release, the architecture, the
#                             compiler); also outputs `key` and `prefix`
#   build-perfgate.sh build   build and install perfgate into the prefix,
#                             unless a perfgate installed there already runs
#                             (a restored cache; with CACHE_HIT=false it is
#                             rebuilt anyway); puts its bin/ on $GITHUB_PATH
#                             and outputs `bin`
#
# Environment: PERFGATE_PREFIX (default $RUNNER_TEMP/perfgate, else
# $TMPDIR/perfgate), CACHE_HIT, and GITHUB_OUTPUT / GITHUB_PATH when a GitHub
# runner sets them. The installation is relocatable (perfgate finds its data
# beside its binary, ../share/perfgate), so a cache restored under another
# path still works.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
prefix=${PERFGATE_PREFIX:-$tmp/perfgate}
output=${GITHUB_OUTPUT:-/dev/null}
say() { printf 'perfgate build: %s\n' "$*" >&2; }

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
    echo "key=$key" >> "$output"
    echo "prefix=$prefix" >> "$output"
    say "cache key $key"
    echo "$key"
    ;;
build)
    if [[ ${CACHE_HIT:-} != false ]] && "$prefix/bin/perfgate" --version > /dev/null 2>&1; then
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
    [[ -n ${GITHUB_PATH:-} ]] && echo "$prefix/bin" >> "$GITHUB_PATH"
    echo "bin=$prefix/bin/perfgate" >> "$output"
    ;;
*)
    echo "usage: $0 key|build" >&2
    exit 2
    ;;
esac
