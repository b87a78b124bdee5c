#!/usr/bin/env bash
# Build a Debian package of perfgate from `meson install --destdir`:
#
#   ci/build-deb.sh [OUTDIR]     writes OUTDIR/perfgate_<version>_<arch>.deb
#                                (default OUTDIR: build-deb/ in the checkout)
#   apt-get install ./build-deb/perfgate_*.deb
#
# The package holds /usr/bin/perfgate, its data (/usr/share/perfgate: the
# shipped schema, dataset, registry and baselines, which an installed
# perfgate uses as its defaults), the documents (/usr/share/doc/perfgate) and
# the man pages. Depends come from the libraries the binary links
# (dpkg-shlibdeps: libpq5, libcjson1, libxml2, libcurl4, libmicrohttpd12,
# libc6) plus the PostgreSQL server perfgate starts (postgresql-15, the major
# the shipped baselines were recorded with, or any `postgresql`); git is
# recommended (run --base, report's baseline history).
#
# Needs what ci/install-deps.sh --runtime installs, and dpkg-dev for
# dpkg-shlibdeps (without it the Depends are the fixed list above, unversioned).
# Environment: PERFGATE_DEB_REVISION appends a Debian revision (e.g. 1 gives
# 0.1.0-1); DEBFULLNAME / DEBEMAIL name the maintainer.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/perfgate-deb-XXXXXX")
trap 'rm -rf "$work"' EXIT

say() { printf 'build-deb: %s\n' "$*" >&2; }

# Installed under /usr (not /usr/local: that is the administrator's); no
# test programs, man pages required. The project's usual -O2 build
# (debugoptimized, stripped at install); no --werror, as in Debian's own
# builds: a newer compiler's new warning must not stop a package build.
meson setup "$work/build" "$src" --prefix=/usr --buildtype=debugoptimized \
    -Dtests=false -Dman=enabled --wrap-mode=nodownload > "$work/setup.log" ||
    { cat "$work/setup.log" >&2; exit 1; }
ninja -C "$work/build" > "$work/ninja.log" || { cat "$work/ninja.log" >&2; exit 1; }
pkg=$work/pkg
meson install -C "$work/build" --destdir "$pkg" --strip --quiet --no-rebuild

version=$(meson introspect --projectinfo "$work/build" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
[[ -n ${PERFGATE_DEB_REVISION:-} ]] && version=$version-$PERFGATE_DEB_REVISION
arch=$(dpkg --print-architecture)

# Debian policy: man pages compressed, a copyright file, no group/world
# writable files.
gzip -9n "$pkg"/usr/share/man/man1/*.1
cat > "$pkg/usr/share/doc/perfgate/copyright" <<'EOF'
perfgate, built by ci/build-deb.sh from the perfgate source tree.

License: MIT (the license declared in perfgate's meson.build).
EOF
chmod -R u=rwX,go=rX "$pkg"

fixed_depends="libc6, libpq5, libcjson1, libxml2, libcurl4, libmicrohttpd12"
shlibs=""
if command -v dpkg-shlibdeps > /dev/null 2>&1; then
    mkdir -p "$work/shlibs/debian"
    printf 'Source: perfgate\n\nPackage: perfgate\nArchitecture: any\n' \
        > "$work/shlibs/debian/control"
    shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$pkg/usr/bin/perfgate" 2> "$work/shlibdeps.log" |
        sed -n 's/^shlibs:Depends=//p') || true
    [[ -n $shlibs ]] || { cat "$work/shlibdeps.log" >&2; say "dpkg-shlibdeps failed; using the fixed list"; }
else
    say "dpkg-shlibdeps not found (apt-get install dpkg-dev): unversioned Depends"
fi
depends="${shlibs:-$fixed_depends}, postgresql-15 | postgresql"

mkdir -p "$pkg/DEBIAN"
cat > "$pkg/DEBIAN/control" <<EOF
Package: perfgate
Version: $version
Architecture: $arch
Maintainer: ${DEBFULLNAME:-perfgate} <${DEBEMAIL:-perfgate@localhost}>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: $depends
Recommends: git, valgrind
Section: database
Priority: optional
Description: performance regression gate and monitor for PostgreSQL applications
 perfgate starts a disposable PostgreSQL, applies a schema, loads
 deterministic synthetic data, measures a registry of critical queries (with
 Row Level Security), compares them with committed baselines and fails a
 pipeline on real regressions. It also load-tests, checks RLS isolation,
 monitors pg_stat_statements in production and writes a dashboard.
 .
 The shipped example application (schema, dataset, cases, baselines) is in
 /usr/share/perfgate and is used when the current directory has none.
EOF

deb=$out/perfgate_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" > /dev/null
say "wrote $deb"
say "Depends: $depends"
echo "$deb"
